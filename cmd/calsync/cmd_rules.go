package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/rules"
	"github.com/calsync/calsync/sync/setup"
)

// groupsTimeout bounds the OneCloud groups read of `rules test`; without an
// answer the organization rules are still worth showing.
const groupsTimeout = 30 * time.Second

func rulesCommand() *command {
	return &command{
		name:  "rules",
		short: "try the mapping rules on an imagined event",
		subs: []*command{
			{
				name:  "test",
				short: "print which rule wins for an event in progress, and the resulting presence",
				long: "Imagines one event in progress for a user and evaluates the configured rules on it,\n" +
					"as the sync would: the rules of the user's OneCloud groups first (read from OneCloud;\n" +
					"without it only organization rules apply), then organization rules, first match wins.\n" +
					"Example:\n" +
					"  calsync rules test --user 1001 --status busy --subject \"Team lunch\"",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					var o rulesTestOptions
					fs.StringVar(&o.user, "user", "", "OneCloud user `id`, as in the config's users[].onecloudUser (required)")
					fs.StringVar(&o.status, "status", string(calendar.Busy), "the event's availability: "+statusNames())
					fs.StringVar(&o.subject, "subject", "", "the event's subject")
					fs.StringVar(&o.location, "location", "", "the event's location")
					fs.BoolVar(&o.private, "private", false, "the event is private (subject and location rules then never match)")
					fs.StringVar(&o.at, "at", "", "the `time` (RFC 3339, e.g. 2026-11-25T10:00:00+01:00) the event starts and is evaluated at (default now)")
					fs.DurationVar(&o.duration, "duration", time.Hour, "how long the event lasts; its end is the presence's until")
					return func(ctx context.Context, e *env, args []string) error {
						if err := noArgs("calsync rules test", args); err != nil {
							return err
						}
						return runRulesTest(ctx, e, g, o)
					}
				},
			},
		},
	}
}

type rulesTestOptions struct {
	user, status, subject, location, at string
	private                             bool
	duration                            time.Duration
}

func statusNames() string {
	var names []string
	for _, s := range calendar.Statuses() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

func runRulesTest(ctx context.Context, e *env, g *globals, o rulesTestOptions) error {
	const cmd = "calsync rules test"
	// Flags first: a typo is reported before the config is read.
	status, err := calendar.ParseStatus(o.status)
	if err != nil {
		return usageErrorf("%s: --status: %v", cmd, err)
	}
	at := time.Now()
	if o.at != "" {
		at, err = time.Parse(time.RFC3339, strings.TrimSpace(o.at))
		if err != nil {
			return usageErrorf("%s: --at %q is not an RFC 3339 time; expected e.g. 2026-11-25T10:00:00+01:00", cmd, o.at)
		}
	}
	if o.duration <= 0 {
		return usageErrorf("%s: --duration %s must be positive, e.g. 30m or 1h", cmd, o.duration)
	}
	if strings.TrimSpace(o.user) == "" {
		return usageErrorf("%s: --user is required: the OneCloud user id of a user in the configuration (users[].onecloudUser)", cmd)
	}

	cfg, path, err := loadValidConfig(g, e)
	if err != nil {
		return err
	}
	user, ok := findUser(cfg, strings.TrimSpace(o.user))
	if !ok {
		return usageErrorf("%s: --user %q is not a user in %s; expected one of its users[].onecloudUser ids: %s "+
			"(OneCloud's user ids are listed by GET /v1/users, and in the calsync window)", cmd, o.user, path, userIDs(cfg))
	}
	set, err := rules.Compile(cfg.Rules)
	if err != nil {
		return withCode(exitUsage, invalidConfigError(path, err))
	}

	groups, groupsNote := userGroups(ctx, e, cfg, path, user.OneCloudUser)

	ev := calendar.Event{
		Start:    at.UTC(),
		End:      at.Add(o.duration).UTC(),
		Status:   status,
		Subject:  o.subject,
		Location: o.location,
		Private:  o.private,
	}
	def := strings.TrimSpace(cfg.DefaultActivity)
	if def == "" {
		def = config.DefaultActivity
	}
	d := set.Decide([]calendar.Event{ev}, groups, at, def)

	w := e.stdout
	fmt.Fprintf(w, "User:     %s (%s)%s; groups: %s\n", user.OneCloudUser, user.Mailbox, disabledNote(user), groupsNote)
	fmt.Fprintf(w, "Event:    %s\n", eventText(ev, at))
	if d.Rule >= 0 {
		fmt.Fprintf(w, "Winner:   rules[%d]: %s\n", d.Rule, set.Describe(d.Rule))
	} else {
		fmt.Fprintf(w, "Winner:   no rule matches -> default activity %s\n", d.Activity)
	}
	role := d.Role
	if role == "" {
		role = "(unchanged)"
	}
	until := "- (the default activity is open-ended)"
	if !d.Until.IsZero() {
		until = d.Until.In(at.Location()).Format(time.RFC3339)
	}
	fmt.Fprintf(w, "Presence: activity %s, role %s, until %s\n", d.Activity, role, until)
	return nil
}

func findUser(cfg *config.Config, id string) (config.User, bool) {
	for _, u := range cfg.Users {
		if u.OneCloudUser == id {
			return u, true
		}
	}
	return config.User{}, false
}

// userIDs lists the configured ids for an error message, a handful at most.
func userIDs(cfg *config.Config) string {
	const most = 10
	var ids []string
	for _, u := range cfg.Users {
		ids = append(ids, u.OneCloudUser)
	}
	switch {
	case len(ids) == 0:
		return "(none: the configuration has no users yet)"
	case len(ids) > most:
		return strings.Join(ids[:most], ", ") + fmt.Sprintf(", ... (%d in all)", len(ids))
	}
	return strings.Join(ids, ", ")
}

func disabledNote(u config.User) string {
	if u.Enabled {
		return ""
	}
	return ", not enabled: the sync leaves this user alone"
}

// userGroups reads the user's OneCloud groups when some rule is scoped to a
// group. If OneCloud cannot be asked, it warns on stderr and returns no
// groups, so only organization rules apply.
func userGroups(ctx context.Context, e *env, cfg *config.Config, path, id string) (groups []string, note string) {
	needed := false
	for _, r := range cfg.Rules {
		s := strings.ToLower(strings.TrimSpace(r.Scope))
		if strings.HasPrefix(s, config.ScopeGroupPrefix) {
			needed = true
		}
	}
	if !needed {
		return nil, "not read (no rule is scoped to a group)"
	}
	ctx, cancel := context.WithTimeout(ctx, groupsTimeout)
	defer cancel()
	warn := func(err error) ([]string, string) {
		fmt.Fprintf(e.stderr, "calsync: warning: cannot read the OneCloud groups (%v); evaluating organization rules only\n", err)
		return nil, "unknown (OneCloud not reachable): organization rules only"
	}
	oc, err := setup.OneCloud(ctx, cfg, setup.Options{ConfigPath: path, Secrets: newSecretStore(e)})
	if err != nil {
		return warn(err)
	}
	all, err := oc.Groups(ctx)
	if err != nil {
		return warn(withRemedy(err))
	}
	for _, g := range all {
		if slices.Contains(g.Members, id) && !slices.Contains(groups, g.ID) {
			groups = append(groups, g.ID)
		}
	}
	if len(groups) == 0 {
		return nil, "none"
	}
	return groups, strings.Join(groups, ", ")
}

// eventText describes the imagined event; the subject and location are the
// text typed on this command line, so showing them reveals nothing.
func eventText(ev calendar.Event, at time.Time) string {
	loc := at.Location()
	var b strings.Builder
	start, end := ev.Start.In(loc), ev.End.In(loc)
	endLayout := "15:04 MST"
	if start.Format(time.DateOnly) != end.Format(time.DateOnly) {
		endLayout = "2006-01-02 15:04 MST"
	}
	fmt.Fprintf(&b, "%s, %s to %s", ev.Status, start.Format("2006-01-02 15:04"), end.Format(endLayout))
	if ev.Subject != "" {
		fmt.Fprintf(&b, ", subject %q", ev.Subject)
	}
	if ev.Location != "" {
		fmt.Fprintf(&b, ", location %q", ev.Location)
	}
	if ev.Private {
		b.WriteString(", private (subject and location rules do not look at it)")
	}
	return b.String()
}
