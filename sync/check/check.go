// Package check runs the setup diagnosis behind `calsync check`: one step
// per thing an administrator has to get right (configuration, client
// secret, Entra token, Graph access, every user's mailbox, Reviewer rights,
// contacts when they are synced, Teams presence when rules use it, secret
// expiry, OneCloud), each with a
// pass/fail mark and, on failure, the remedy. It never reports a secret.
package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/retry"
)

// Step names, in the order Run reports them.
const (
	StepConfig       = "Configuration is valid"
	StepSecret       = "Client secret is present"
	StepToken        = "Access token obtained from Entra ID"
	StepSyncUser     = "getSchedule works for the synchronization user"
	StepMailboxes    = "Every enabled user's mailbox resolves"
	StepSubjects     = "Event subjects are visible (Reviewer rights)"
	StepWorkingHours = "Every enabled user publishes working hours" // only with a workinghours rule
	StepContacts     = "Contacts are readable (Contacts.Read)"
	StepSecretExpiry = "Client secret is not about to expire"
	StepOneCloud     = "OneCloud is reachable and accepts the token"
	// StepOneCloudTokenExpiry follows StepOneCloud, and runs only with it.
	StepOneCloudTokenExpiry = "OneCloud API ticket is not about to expire"
)

// The steps of a certificate credential (connector.credential), in place
// of StepSecret and StepSecretExpiry.
const (
	StepCertificate       = "Certificate credential is installed"
	StepCertificateExpiry = "Certificate is not about to expire"
)

// Window is how far ahead calendars are read to look for events whose
// subject proves the Reviewer rights; longer than a cycle's lookahead so an
// empty morning does not leave the question open.
const Window = 7 * 24 * time.Hour

// Step is one line of the diagnosis.
type Step struct {
	Name    string
	OK      bool
	Warning bool // passed, but with something to look at (Detail)
	Skipped bool // not run because an earlier step failed; OK is false
	Detail  string
	Remedy  string
}

// Deps is everything Run needs, as plain values so the caller decides how
// configuration and secrets are loaded.
type Deps struct {
	// Config is the configuration; ConfigErr is what loading or validating
	// it reported (nil: valid). With a nil Config the Microsoft 365 steps
	// are skipped; with a ConfigErr they still run when they can, since a
	// bad rule does not keep the connector from being tested.
	Config    *config.Config
	ConfigErr error
	// Secret is the Graph client secret; SecretErr is what reading the
	// secret store reported. SecretFrom says where it came from, in words
	// ("from the environment (CALSYNC_GRAPH_SECRET)"); "" says "stored".
	Secret     string
	SecretErr  error
	SecretFrom string

	// In certificate mode (connector.credential) the Secret fields are
	// unused: Certificate is the credential to sign in with and
	// CertificateErr why there is none. CertificatePending is why a new
	// certificate is not accepted yet during a rotation; Certificate is
	// then the one it replaces.
	Certificate        *certcred.Credential
	CertificateErr     error
	CertificatePending error

	HTTPClient *http.Client // nil: the graph package's default
	Clock      clock.Clock  // nil: the real clock
	Retry      retry.Policy
	Logger     *slog.Logger

	// OneCloud checks that OneCloud is reachable and accepts its token;
	// nil leaves the step out. An error with a Remedy() string method
	// supplies the remedy.
	OneCloud func(ctx context.Context) error
}

// Passed reports whether every step passed (warnings included, skipped
// steps not): the exit status of `calsync check`.
func Passed(steps []Step) bool {
	for _, s := range steps {
		if !s.OK {
			return false
		}
	}
	return true
}

// Run performs the steps in order and returns one Step each.
func Run(ctx context.Context, d Deps) []Step {
	r := runner{d: d, ctx: ctx, clock: clock.OrReal(d.Clock)}
	r.now = r.clock.Now()
	r.config()
	if r.certMode() {
		r.certificate()
	} else {
		r.secret()
	}
	r.token()
	r.syncUser()
	r.mailboxes()
	r.subjects()
	r.workingHours()
	r.contacts()
	r.teams()
	if r.certMode() {
		r.certificateExpiry()
	} else {
		r.secretExpiry()
	}
	r.oneCloud()
	r.oneCloudTokenExpiry()
	return r.redacted()
}

type runner struct {
	d     Deps
	clock clock.Clock
	now   time.Time
	steps []Step

	ctx        context.Context
	client     *graph.Client
	secretOK   bool
	tokenOK    bool
	syncUserOK bool
	schedules  []calendar.Schedule // of the enabled users, when read
	readUsers  bool
}

func (r *runner) add(s Step) { r.steps = append(r.steps, s) }

func (r *runner) skip(name, because string) {
	r.add(Step{Name: name, Skipped: true, Detail: "not run: " + because})
}

func (r *runner) config() {
	switch {
	case r.d.ConfigErr != nil:
		r.add(Step{Name: StepConfig, Detail: r.d.ConfigErr.Error(),
			Remedy: "Correct the fields named above in the Settings window or the configuration file, then run `calsync check` again."})
	case r.d.Config == nil:
		r.add(Step{Name: StepConfig, Detail: "there is no configuration yet",
			Remedy: "Fill in the Microsoft 365 connector and the users in the Settings window (or `calsync config`)."})
	default:
		c := r.d.Config
		r.add(Step{Name: StepConfig, OK: true,
			Detail: fmt.Sprintf("%d of %d users enabled, %s", len(c.EnabledUsers()), len(c.Users), plural(len(c.Rules), "rule"))})
	}
}

func (r *runner) secret() {
	switch {
	case r.d.SecretErr != nil:
		r.add(Step{Name: StepSecret, Detail: "reading the secret store failed: " + r.d.SecretErr.Error(),
			Remedy: "Store the client secret with `calsync secret set graph`, or, where there is no keychain (servers, cron, SSH), " +
				"set CALSYNC_GRAPH_SECRET in the environment."})
	case strings.TrimSpace(r.d.Secret) == "":
		r.add(Step{Name: StepSecret, Detail: "no Graph client secret is stored",
			Remedy: "Copy the Value of the client secret (Entra ID > App registrations > your app > Certificates & secrets), " +
				"then run `calsync secret set graph`."})
	default:
		r.secretOK = true
		from := r.d.SecretFrom
		if from == "" {
			from = "stored"
		}
		r.add(Step{Name: StepSecret, OK: true, Detail: from})
	}
}

func (r *runner) certMode() bool {
	return r.d.Config != nil && r.d.Config.Connector.UsesCertificate()
}

func (r *runner) certificate() {
	switch {
	case r.d.CertificateErr != nil:
		r.add(Step{Name: StepCertificate, Detail: r.d.CertificateErr.Error(),
			Remedy: "Make a certificate with `calsync cert new` (or bring one with `calsync cert import FILE`) and upload " +
				certcred.FileName + " in Entra ID > App registrations > your app > Certificates & secrets > Certificates."})
	case r.d.Certificate == nil:
		r.add(Step{Name: StepCertificate, Detail: "no certificate credential is installed",
			Remedy: "Run `calsync cert new` and upload " + certcred.FileName + " in Entra ID."})
	case r.d.CertificatePending != nil:
		r.secretOK = true
		s := Step{Name: StepCertificate, OK: true, Warning: true,
			Detail: fmt.Sprintf("new certificate not accepted yet; using %s (%v)", r.d.Certificate.Thumbprint(), r.d.CertificatePending),
			Remedy: "Upload the new " + certcred.FileName + " in Entra ID > App registrations > your app > Certificates & secrets > " +
				"Certificates; calsync switches to it at the first token it obtains, and keeps the previous one until then."}
		var ge *graph.Error
		if errors.As(r.d.CertificatePending, &ge) && ge.Remedy != "" {
			s.Remedy = ge.Remedy
		}
		r.add(s)
	default:
		r.secretOK = true
		r.add(Step{Name: StepCertificate, OK: true,
			Detail: fmt.Sprintf("thumbprint %s, expires on %s", r.d.Certificate.Thumbprint(), r.d.Certificate.NotAfter().UTC().Format("2006-01-02"))})
	}
}

func (r *runner) token() {
	switch {
	case r.d.Config == nil:
		r.skip(StepToken, "no configuration")
		return
	case !r.secretOK && r.certMode():
		r.skip(StepToken, "no certificate credential")
		return
	case !r.secretOK:
		r.skip(StepToken, "no client secret")
		return
	}
	c := r.d.Config
	opts := graph.Options{
		TenantID:     c.Connector.TenantID,
		ClientID:     c.Connector.ClientID,
		ClientSecret: r.d.Secret,
		SyncUser:     c.Connector.SyncUser,
		AuthorityURL: c.Connector.AuthorityURL,
		GraphURL:     c.Connector.GraphURL,
		HTTPClient:   r.d.HTTPClient,
		Clock:        r.clock,
		Retry:        r.d.Retry,
		Logger:       r.d.Logger,
	}
	if r.certMode() {
		// A typed nil would be a non-nil interface; secretOK says it is set.
		opts.ClientSecret, opts.Certificate = "", r.d.Certificate
	}
	client, err := graph.New(opts)
	if err != nil {
		r.add(Step{Name: StepToken, Detail: err.Error(),
			Remedy: "Complete the Microsoft 365 connector settings (tenant ID, client ID, synchronization user)."})
		return
	}
	r.client = client
	if err := client.Token(r.ctx); err != nil {
		r.add(failure(StepToken, err))
		return
	}
	r.tokenOK = true
	r.add(Step{Name: StepToken, OK: true,
		Detail: fmt.Sprintf("tenant %s, application %s, with the %s", c.Connector.TenantID, c.Connector.ClientID, client.CredentialInUse())})
}

// failure turns a graph error into a failed step with its remedy.
func failure(name string, err error) Step {
	s := Step{Name: name, Detail: err.Error()}
	var ge *graph.Error
	if errors.As(err, &ge) {
		s.Remedy = ge.Remedy
	}
	return s
}

func (r *runner) window() (time.Time, time.Time) { return r.now, r.now.Add(Window) }

func (r *runner) syncUser() {
	if !r.tokenOK {
		r.skip(StepSyncUser, "no access token")
		return
	}
	user := r.d.Config.Connector.SyncUser
	start, end := r.window()
	got, err := r.client.GetSchedules(r.ctx, []string{user}, start, end)
	switch {
	case err != nil:
		r.add(failure(StepSyncUser, err))
	case got[0].Err != nil:
		r.add(failure(StepSyncUser, got[0].Err))
	default:
		r.syncUserOK = true
		r.add(Step{Name: StepSyncUser, OK: true,
			Detail: fmt.Sprintf("%s: %s in the next 7 days", user, plural(len(got[0].Events), "event"))})
	}
}

func (r *runner) mailboxes() {
	if !r.syncUserOK {
		r.skip(StepMailboxes, "getSchedule does not work for the synchronization user")
		return
	}
	var boxes []string
	for _, u := range r.d.Config.EnabledUsers() {
		boxes = append(boxes, u.Mailbox)
	}
	if len(boxes) == 0 {
		r.add(Step{Name: StepMailboxes, OK: true, Warning: true, Detail: "no user is enabled yet",
			Remedy: "Enable synchronisation for the users and enter their Exchange mailboxes."})
		return
	}
	start, end := r.window()
	got, err := r.client.GetSchedules(r.ctx, boxes, start, end)
	if err != nil {
		r.add(failure(StepMailboxes, err))
		return
	}
	r.schedules, r.readUsers = got, true
	var failed []string
	var remedies []string
	for _, s := range got {
		if s.Err == nil {
			continue
		}
		failed = append(failed, s.Err.Error())
		var ge *graph.Error
		if errors.As(s.Err, &ge) && ge.Remedy != "" {
			remedies = append(remedies, ge.Remedy)
		}
	}
	if len(failed) == 0 {
		r.add(Step{Name: StepMailboxes, OK: true, Detail: fmt.Sprintf("all %d mailboxes can be read", len(got))})
		return
	}
	s := Step{Name: StepMailboxes,
		Detail: fmt.Sprintf("%d of %d mailboxes cannot be read: %s", len(failed), len(got), strings.Join(failed, "; "))}
	if len(remedies) == 1 {
		s.Remedy = remedies[0]
	} else {
		s.Remedy = "Check each address named above: it must be the user's primary SMTP address in Exchange Online, " +
			"and the mailbox must exist and be licensed. Correct it in the user's settings or disable the user."
	}
	r.add(s)
}

// reviewerRemedy is step 2 of the guide, for the synchronization user.
func reviewerRemedy(syncUser string) string {
	return fmt.Sprintf("The synchronization user lacks Reviewer rights on the calendars (step 2 of the setup guide). "+
		"In Exchange Online PowerShell run: "+
		"$User = Get-Mailbox %q; "+
		"Get-Mailbox -ResultSize Unlimited | ForEach-Object { Add-MailboxFolderPermission -Identity \"$($_.PrimarySmtpAddress):\\Calendar\" "+
		"-User $User.Identity -AccessRights Reviewer } "+
		"(in a localized mailbox the folder has another name, e.g. \\Calendario).", syncUser)
}

func (r *runner) subjects() {
	if !r.readUsers {
		r.skip(StepSubjects, "the users' mailboxes were not read")
		return
	}
	var withEvents, visible int
	var hidden []string
	for _, s := range r.schedules {
		if s.Err != nil {
			continue
		}
		events, shown := 0, 0
		for _, e := range s.Events {
			if e.Private {
				continue // a private subject is never shown, rights or not
			}
			events++
			if e.Subject != "" {
				shown++
			}
		}
		if events == 0 {
			continue
		}
		withEvents++
		if shown > 0 {
			visible++
		} else {
			hidden = append(hidden, s.Mailbox)
		}
	}
	syncUser := r.d.Config.Connector.SyncUser
	switch {
	case withEvents == 0:
		r.add(Step{Name: StepSubjects, OK: true, Warning: true,
			Detail: "no user has a non-private event in the next 7 days, so the Reviewer rights cannot be verified"})
	case visible == 0:
		r.add(Step{Name: StepSubjects,
			Detail: fmt.Sprintf("none of the %d users with events shows a subject to %s", withEvents, syncUser),
			Remedy: reviewerRemedy(syncUser)})
	case len(hidden) > 0:
		r.add(Step{Name: StepSubjects, OK: true, Warning: true,
			Detail: fmt.Sprintf("subjects visible for %d of %d users with events; hidden for %s",
				visible, withEvents, strings.Join(hidden, ", ")),
			Remedy: reviewerRemedy(syncUser)})
	default:
		r.add(Step{Name: StepSubjects, OK: true,
			Detail: fmt.Sprintf("subjects visible for all %d users with events", withEvents)})
	}
}

// contacts lists the contacts of one mailbox contacts sync reads - the office phonebook's, else
// the first enabled user's - which proves the Contacts.Read permission; only when contacts are on.
func (r *runner) contacts() {
	if r.d.Config == nil || !r.d.Config.ContactsEnabled() {
		return
	}
	if !r.tokenOK {
		r.skip(StepContacts, "no access token")
		return
	}
	mailbox := r.d.Config.Contacts.PhonebookMailbox
	for _, u := range r.d.Config.Users {
		if mailbox == "" && u.Enabled && u.Mailbox != "" {
			mailbox = u.Mailbox
		}
	}
	if mailbox == "" {
		r.add(Step{Name: StepContacts, OK: true, Warning: true, Detail: "no enabled user and no phonebook mailbox to read contacts from"})
		return
	}
	got, err := r.client.ListContacts(r.ctx, mailbox)
	if err != nil {
		r.add(failure(StepContacts, err))
		return
	}
	r.add(Step{Name: StepContacts, OK: true, Detail: fmt.Sprintf("%s: %d contacts", mailbox, len(got))})
}

// workingHours reports, for a config with a workinghours rule, each user
// whose mailbox publishes no working hours (the rule never matches them:
// calsync does not guess) and each whose working hours cannot be read.
func (r *runner) workingHours() {
	if r.d.Config == nil || !slices.ContainsFunc(r.d.Config.Rules, func(cr config.Rule) bool {
		return strings.EqualFold(strings.TrimSpace(cr.Type), config.TypeWorkingHours)
	}) {
		return
	}
	if !r.readUsers {
		r.skip(StepWorkingHours, "the users' mailboxes were not read")
		return
	}
	var none, bad []string
	read := 0
	for _, s := range r.schedules {
		switch {
		case s.Err != nil:
		case s.WorkingHoursErr != nil:
			bad = append(bad, s.Mailbox+": "+s.WorkingHoursErr.Error())
		case s.WorkingHours == nil:
			none = append(none, s.Mailbox)
		default:
			read++
		}
	}
	switch {
	case len(bad) > 0:
		st := Step{Name: StepWorkingHours,
			Detail: fmt.Sprintf("working hours cannot be read for %d users: %s", len(bad), strings.Join(bad, "; ")),
			Remedy: "In Outlook (File > Options > Calendar > Work time) or Outlook on the web (Settings > Calendar > " +
				"View > Work hours), set the user's working days, start, end and time zone again."}
		if len(none) > 0 {
			st.Detail += "; no working hours published: " + strings.Join(none, ", ")
		}
		r.add(st)
	case len(none) > 0:
		r.add(Step{Name: StepWorkingHours, OK: true, Warning: true,
			Detail: "no working hours published: " + strings.Join(none, ", ") + " (the workinghours rule never matches them)",
			Remedy: "Set the working hours in each user's Outlook, or leave them: those users simply never get the working-hours activity."})
	default:
		r.add(Step{Name: StepWorkingHours, OK: true, Detail: fmt.Sprintf("working hours read for all %d users", read)})
	}
}

func (r *runner) secretExpiry() {
	if r.d.Config == nil {
		r.skip(StepSecretExpiry, "no configuration")
		return
	}
	expires, ok := r.d.Config.SecretExpiry()
	if !ok {
		r.add(Step{Name: StepSecretExpiry, OK: true, Warning: true, Detail: "the expiry date of the client secret is not recorded",
			Remedy: "Record the secret's expiry date (shown under Certificates & secrets in Entra ID) in the connector settings, " +
				"so calsync warns 30 days ahead."})
		return
	}
	warning := graph.SecretExpiryWarning(expires, r.now)
	switch {
	case warning == "":
		r.add(Step{Name: StepSecretExpiry, OK: true, Detail: "expires on " + expires.Format("2006-01-02")})
	case !expires.After(r.now):
		r.add(Step{Name: StepSecretExpiry, Detail: warning,
			Remedy: "Create a new client secret in Entra ID, run `calsync secret set graph`, and record its expiry date."})
	default:
		r.add(Step{Name: StepSecretExpiry, OK: true, Warning: true, Detail: warning,
			Remedy: "Create a new client secret in Entra ID before then, run `calsync secret set graph`, and record its expiry date."})
	}
}

func (r *runner) certificateExpiry() {
	if r.d.Certificate == nil {
		r.skip(StepCertificateExpiry, "no certificate credential")
		return
	}
	notAfter := r.d.Certificate.NotAfter()
	warning := certcred.ExpiryWarning(notAfter, r.now)
	switch {
	case warning == "":
		r.add(Step{Name: StepCertificateExpiry, OK: true, Detail: "expires on " + notAfter.UTC().Format("2006-01-02")})
	case !notAfter.After(r.now):
		r.add(Step{Name: StepCertificateExpiry, Detail: warning,
			Remedy: "Run `calsync cert new` and upload the new " + certcred.FileName + " in Entra ID; the expired one cannot sign in."})
	default:
		r.add(Step{Name: StepCertificateExpiry, OK: true, Warning: true, Detail: warning,
			Remedy: "Run `calsync cert new` and upload the new " + certcred.FileName + " before then; the current one keeps working until the new one is accepted."})
	}
}

func (r *runner) oneCloud() {
	if r.d.OneCloud == nil {
		return
	}
	if err := r.d.OneCloud(r.ctx); err != nil {
		s := Step{Name: StepOneCloud, Detail: err.Error(),
			Remedy: "Check the OneCloud API URL in the configuration and the OneCloud credentials."}
		var rem interface{ Remedy() string }
		if errors.As(err, &rem) && rem.Remedy() != "" {
			s.Remedy = rem.Remedy()
		}
		r.add(s)
		return
	}
	r.add(Step{Name: StepOneCloud, OK: true, Detail: "reachable, token accepted"})
}

// oneCloudTokenExpiry warns of the API ticket's end as secretExpiry does of
// the client secret's: a ticket lasts 365 days, then every request is 401.
func (r *runner) oneCloudTokenExpiry() {
	if r.d.OneCloud == nil {
		return
	}
	if r.d.Config == nil {
		r.skip(StepOneCloudTokenExpiry, "no configuration")
		return
	}
	const record = "Record the expiry date the ticket shows (OneCloud portal, Home -> Tickets) with " +
		"`calsync secret set onecloud --expires YYYY-MM-DD` or on the Connector tab, so calsync warns 30, 7 and 1 days ahead."
	expires, ok := r.d.Config.OneCloudTokenExpiry()
	if !ok {
		r.add(Step{Name: StepOneCloudTokenExpiry, OK: true, Warning: true,
			Detail: "the expiry date of the OneCloud API ticket is not recorded (a ticket lasts 365 days)", Remedy: record})
		return
	}
	warning := onecloud.TokenExpiryWarning(expires, r.now)
	switch {
	case warning == "":
		r.add(Step{Name: StepOneCloudTokenExpiry, OK: true, Detail: "expires on " + expires.Format("2006-01-02")})
	case !expires.After(r.now):
		r.add(Step{Name: StepOneCloudTokenExpiry, Detail: warning,
			Remedy: "Create a new ticket in the OneCloud portal (Home -> Tickets) granting the same APIs, then " +
				"`calsync secret set onecloud --expires YYYY-MM-DD` with the date it shows."})
	default:
		r.add(Step{Name: StepOneCloudTokenExpiry, OK: true, Warning: true, Detail: warning,
			Remedy: "Before then create a new ticket in the OneCloud portal (Home -> Tickets) granting the same APIs, then " +
				"`calsync secret set onecloud --expires YYYY-MM-DD` with the date it shows."})
	}
}

// redacted is the last line of defence: no step text may carry the secret.
func (r *runner) redacted() []Step {
	secret := strings.TrimSpace(r.d.Secret)
	if len(secret) < 6 {
		// Too short to be a real secret, and replacing it would mangle words.
		return r.steps
	}
	for i := range r.steps {
		r.steps[i].Detail = strings.ReplaceAll(r.steps[i].Detail, secret, "[secret]")
		r.steps[i].Remedy = strings.ReplaceAll(r.steps[i].Remedy, secret, "[secret]")
	}
	return r.steps
}

// plural is "1 rule", "2 rules".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
