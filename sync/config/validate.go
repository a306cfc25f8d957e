package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/internal/loopback"
	"github.com/calsync/calsync/sync/teams"
)

// Limits that Validate enforces.
const (
	// MinInterval keeps polling well inside Graph's throttling limits.
	MinInterval = 15 * time.Second
	// MaxLookahead is the exclusive upper bound: getSchedule reads a range
	// under 62 days.
	MaxLookahead = 62 * 24 * time.Hour
	// MinContactsInterval: a listing of every mailbox's contacts is far heavier than a poll.
	MinContactsInterval = 5 * time.Minute
	// MinTeamsInterval and MaxTeamsInterval bound teams.interval: Graph allows 1500 presence
	// requests in 30 s per app, and a call should show on the phone within a minute at worst.
	MinTeamsInterval = 2 * time.Second
	MaxTeamsInterval = time.Minute
)

// FieldError is one invalid value: the JSON path of the field
// ("rules[2].match") and what is wrong with it and what is expected.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// ValidationErrors is every invalid value of a config, in field order.
type ValidationErrors []FieldError

// Error puts one field error on each line.
func (v ValidationErrors) Error() string {
	lines := make([]string, len(v))
	for i, e := range v {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Validate checks every value a sync depends on and returns all problems at
// once as ValidationErrors, or nil. It is the full check before a sync and
// before Save; empty required fields (a connector nobody has filled in yet)
// are errors here, while Decode and Load accept them so the config can be
// edited. Validate never changes c.
func (c *Config) Validate() error {
	if c == nil {
		return ValidationErrors{{Message: "no config"}}
	}
	v := validator{}
	if c.Version != CurrentVersion {
		v.add("version", "%d is not the schema version this build writes; expected %d", c.Version, CurrentVersion)
	}
	v.connector(c.Connector)
	v.url("onecloud.baseURL", c.OneCloud.BaseURL, true, "the OneCloud API base URL, e.g. "+DefaultOneCloudURL)
	if e := c.OneCloud.TokenExpires; e != "" {
		if _, err := time.Parse(dateLayout, e); err != nil {
			v.add("onecloud.tokenExpires", "%q is not a date; expected YYYY-MM-DD as the OneCloud ticket page shows it, e.g. 2027-06-30", e)
		}
	}
	v.sync(c.Sync)
	v.id("defaultActivity", c.DefaultActivity, true, "the OneCloud activity id set when no rule matches, e.g. "+DefaultActivity)
	for i, r := range c.Rules {
		v.rule(fmt.Sprintf("rules[%d]", i), r)
	}
	v.users(c.Users)
	if c.Contacts != nil {
		v.contacts(*c.Contacts)
	}
	if c.Teams != nil && c.Teams.Interval != "" {
		if d, ok := v.duration("teams.interval", c.Teams.Interval); ok && (d < MinTeamsInterval || d > MaxTeamsInterval) {
			v.add("teams.interval", "%s is out of range; expected from %s to %s", c.Teams.Interval, MinTeamsInterval, MaxTeamsInterval)
		}
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

type validator struct {
	errs ValidationErrors
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

const (
	exampleGUID      = "00000000-0000-0000-0000-000000000000"
	tenantExpected   = "expected the Directory (tenant) ID, a GUID like " + exampleGUID + ", or a domain like contoso.onmicrosoft.com"
	clientExpected   = "expected the Application (client) ID, a GUID like " + exampleGUID
	secretValueHint  = "; this looks like a client secret, which belongs in the keychain (calsync secret set graph), not in the config"
	durationExpected = "expected a Go duration like 30s, 1m or 1h30m"
)

func (v *validator) connector(k Connector) {
	if err := CheckConnectorName(k.Name); err != nil {
		v.add("connector.name", "%v", err)
	}
	// The tenant and client ids are not quoted back: the commonest mistake
	// is pasting the client secret into one of them.
	switch {
	case k.TenantID == "":
		v.add("connector.tenantId", "required; %s", tenantExpected)
	case !isGUID(k.TenantID) && !isDomain(k.TenantID):
		v.add("connector.tenantId", "is neither a GUID nor a domain; %s%s", tenantExpected, secretHint(k.TenantID))
	}
	switch {
	case k.ClientID == "":
		v.add("connector.clientId", "required; %s", clientExpected)
	case !isGUID(k.ClientID):
		v.add("connector.clientId", "is not a GUID; %s%s", clientExpected, secretHint(k.ClientID))
	}
	v.mailbox("connector.syncUser", k.SyncUser, true, "the monitor user's mailbox address, e.g. monitor@contoso.com")
	if k.SecretExpires != "" {
		if _, err := time.Parse(dateLayout, k.SecretExpires); err != nil {
			v.add("connector.secretExpires", "%q is not a date; expected YYYY-MM-DD, e.g. 2027-06-30", k.SecretExpires)
		}
	}
	if err := checkCredential(k.Credential); err != "" {
		v.add("connector.credential", "%s", err)
	}
	v.url("connector.authorityURL", k.AuthorityURL, false, "the Entra ID login endpoint, e.g. "+DefaultAuthorityURL)
	v.url("connector.graphURL", k.GraphURL, false, "the Microsoft Graph endpoint, e.g. "+DefaultGraphURL)
}

// CheckConnectorName refuses a connector name that is not plain text: invalid
// UTF-8 or a control character (a NUL, a line break). The name ends up in
// the certificate's subject (CN=calsync <name>) and in the window's title.
func CheckConnectorName(s string) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("is not UTF-8 text; save the configuration as UTF-8 and type the name again")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%q contains a control character (a NUL, tab or line break); expected a plain name, e.g. Contoso", s)
	}
	return nil
}

// secretHint recognises the shape of an Entra client secret value (it
// contains a "~"), the usual thing pasted into the wrong field.
func secretHint(s string) string {
	if strings.Contains(s, "~") && len(s) >= 30 {
		return secretValueHint
	}
	return ""
}

// MaxMailboxLen is the longest mailbox address, in bytes (RFC 5321's 256
// for a path, less its angle brackets).
const MaxMailboxLen = 254

func (v *validator) mailbox(field, s string, required bool, expected string) {
	switch {
	case s == "" && required:
		v.add(field, "required; expected %s", expected)
	case len(s) > MaxMailboxLen:
		v.add(field, "is %d characters long; a mailbox address has at most %d", len(s), MaxMailboxLen)
	case s != "" && !isMailbox(s):
		v.add(field, "%q is not a plain mailbox address; expected %s", s, expected)
	}
}

// url checks an endpoint: absolute, https, or http only on a loopback host
// (the local emulators), and no user info, query or fragment, which could
// only be a mistake in a base URL (or a password in the wrong place).
func (v *validator) url(field, s string, required bool, expected string) {
	if s == "" {
		if required {
			v.add(field, "required; expected %s", expected)
		}
		return
	}
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") { // may hold a password: do not quote it
			v.add(field, "is not a valid URL; expected %s", expected)
		} else {
			v.add(field, "%q is not a valid URL; expected %s", s, expected)
		}
		return
	}
	if u.User != nil {
		v.add(field, "must not contain a user name or password (secrets belong in the keychain); expected %s", expected)
		return
	}
	if u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		v.add(field, "%q is not an absolute URL; expected %s", s, expected)
		return
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !loopback.IsHost(u.Hostname()) {
			v.add(field, "%q must use https; plain http is allowed only for a loopback host (127.0.0.0/8, ::1, localhost)", s)
			return
		}
	default:
		v.add(field, "%q has scheme %q; expected https (http only for a loopback host)", s, u.Scheme)
		return
	}
	if u.Hostname() == "" {
		v.add(field, "%q has no host name; expected %s", s, expected)
		return
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		v.add(field, "%q must not have a query or fragment; expected %s", s, expected)
	}
}

func (v *validator) sync(s Sync) {
	interval, intervalOK := v.duration("sync.interval", s.Interval)
	if intervalOK && interval < MinInterval {
		v.add("sync.interval", "%s is too short; the minimum is %s", s.Interval, MinInterval)
		intervalOK = false
	}
	lookahead, ok := v.duration("sync.lookahead", s.Lookahead)
	switch {
	case !ok:
	case lookahead <= 0:
		v.add("sync.lookahead", "%s must be positive", s.Lookahead)
	case lookahead >= MaxLookahead:
		v.add("sync.lookahead", "%s is too long; Graph reads a range under 62 days (1488h)", s.Lookahead)
	case intervalOK && lookahead <= interval:
		v.add("sync.lookahead", "%s must be longer than sync.interval (%s), or events starting between two polls are missed", s.Lookahead, s.Interval)
	}
}

func (v *validator) contacts(k Contacts) {
	if k.Interval != "" {
		if d, ok := v.duration("contacts.interval", k.Interval); ok && d < MinContactsInterval {
			v.add("contacts.interval", "%s is too short; the minimum is %s", k.Interval, MinContactsInterval)
		}
	}
	if r := k.DefaultRegion; r != "" && !phonenumbers.GetSupportedRegions()[r] {
		v.add("contacts.defaultRegion", "%q is not a region; expected an ISO 3166 region code in capitals, e.g. IT, GB or US", r)
	}
	v.mailbox("contacts.phonebookMailbox", k.PhonebookMailbox, false, "the mailbox whose contacts fill the office phonebook, e.g. rubrica@contoso.it")
	if k.Enabled && k.Personal != nil && !*k.Personal && k.PhonebookMailbox == "" {
		v.add("contacts.personal", "is false and contacts.phonebookMailbox is empty, so there is nothing to sync; set personal to true, name a phonebook mailbox, or set enabled to false")
	}
}

func (v *validator) duration(field, s string) (time.Duration, bool) {
	if s == "" {
		v.add(field, "required; %s", durationExpected)
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		v.add(field, "%q is not a duration; %s", s, durationExpected)
		return 0, false
	}
	return d, true
}

// id checks a OneCloud identifier (activity, role, user, group): OneCloud
// compares them exactly, so stray spaces would never match.
func (v *validator) id(field, s string, required bool, expected string) {
	switch {
	case s == "":
		if required {
			v.add(field, "required; expected %s", expected)
		}
	case strings.TrimSpace(s) == "":
		v.add(field, "is blank; expected %s", expected)
	case s != strings.TrimSpace(s):
		v.add(field, "%q has leading or trailing spaces; expected %s", s, expected)
	}
}

const ruleTypes = "availability, subject, location, private, workinghours, teams"

func (v *validator) rule(at string, r Rule) {
	const scopeExpected = `expected "organization" or "group:<OneCloud group id>", e.g. group:sales`
	switch {
	case r.Scope == "":
		v.add(at+".scope", "required; %s", scopeExpected)
	case r.Scope == ScopeOrganization:
	case strings.HasPrefix(r.Scope, ScopeGroupPrefix):
		group := strings.TrimPrefix(r.Scope, ScopeGroupPrefix)
		if strings.TrimSpace(group) == "" {
			v.add(at+".scope", "%q names no group; %s", r.Scope, scopeExpected)
		} else if group != strings.TrimSpace(group) {
			v.add(at+".scope", "%q has spaces around the group id; %s", r.Scope, scopeExpected)
		}
	default:
		v.add(at+".scope", "%q is not a scope; %s", r.Scope, scopeExpected)
	}

	switch r.Type {
	case TypeAvailability:
		if _, err := calendar.ParseStatus(r.Match); err != nil {
			v.add(at+".match", "%s", err.Error())
		}
	case TypeSubject, TypeLocation:
		if strings.TrimSpace(r.Match) == "" {
			v.add(at+".match", "empty pattern; expected the %s text with optional * wildcards, e.g. %s", r.Type, examplePattern(r.Type))
		}
	case TypePrivate:
		if r.Match != "true" && r.Match != "false" {
			v.add(at+".match", "%q is not a private flag; expected \"true\" or \"false\"", r.Match)
		}
	case TypeWorkingHours:
		if r.Match != MatchOutside {
			v.add(at+".match", "%q is not a working-hours match; expected %q, the only one", r.Match, MatchOutside)
		}
	case TypeTeams:
		if _, err := teams.ParseActivity(r.Match); err != nil {
			v.add(at+".match", "%s", err.Error())
		}
	case "":
		v.add(at+".type", "required; expected one of %s", ruleTypes)
	default:
		v.add(at+".type", "%q is not a rule type; expected one of %s", r.Type, ruleTypes)
	}

	v.id(at+".activity", r.Activity, true, "the OneCloud activity id to set, e.g. meeting")
	v.id(at+".role", r.Role, false, "a OneCloud role id, or nothing to leave the role alone")
}

func examplePattern(typ string) string {
	if typ == TypeLocation {
		return "*Room 4*"
	}
	return "*lunch*"
}

func (v *validator) users(users []User) {
	byUser := map[string]int{}
	byMailbox := map[string]int{}
	for i, u := range users {
		at := fmt.Sprintf("users[%d]", i)
		v.id(at+".onecloudUser", u.OneCloudUser, true, "the OneCloud user id, e.g. 1001")
		if u.OneCloudUser != "" {
			if first, dup := byUser[u.OneCloudUser]; dup {
				v.add(at+".onecloudUser", "%q is also users[%d]; each OneCloud user may appear only once", u.OneCloudUser, first)
			} else {
				byUser[u.OneCloudUser] = i
			}
		}
		// A disabled user may wait without a mailbox (the list can mirror
		// every OneCloud user); an enabled one cannot be synced without it.
		const mailboxExpected = "the user's mailbox address, e.g. mario.rossi@contoso.it"
		if u.Mailbox == "" && u.Enabled {
			v.add(at+".mailbox", "required for an enabled user; expected %s", mailboxExpected)
		}
		v.mailbox(at+".mailbox", u.Mailbox, false, mailboxExpected)
		if u.Mailbox != "" {
			key := strings.ToLower(u.Mailbox)
			if first, dup := byMailbox[key]; dup {
				v.add(at+".mailbox", "%q is also users[%d] (mailboxes compare case-insensitively); each mailbox may appear only once", u.Mailbox, first)
			} else {
				byMailbox[key] = i
			}
		}
	}
}

// isGUID reports whether s is a GUID in its usual 8-4-4-4-12 hex form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isDomain reports whether s is a DNS name of at least two labels, such as
// contoso.onmicrosoft.com, with an alphabetic top-level label (so an IP
// address is not a domain).
func isDomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.IndexFunc(tld, func(r rune) bool { return !('0' <= r && r <= '9') }) >= 0
}

// isMailbox reports whether s is a bare SMTP address (no display name, no
// angle brackets, no surrounding spaces) with a DNS domain.
func isMailbox(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && isDomain(s[at+1:])
}
