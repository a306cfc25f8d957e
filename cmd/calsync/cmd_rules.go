package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/presence"
	"github.com/calsync/calsync/sync/rules"
	"github.com/calsync/calsync/sync/setup"
	"github.com/calsync/calsync/sync/teams"
	"github.com/calsync/calsync/sync/workhours"
)

// groupsTimeout bounds the OneCloud groups read of `rules test`; without an
// answer the organization rules are still worth showing.
const groupsTimeout = 30 * time.Second

func rulesCommand() *command {
	return &command{
		name:  "rules",
		short: "try the mapping rules on an imagined event at a given time",
		subs: []*command{
			{
				name:  "test",
				short: "print which rule wins for an event in progress, and the resulting presence",
				long: "Imagines one event in progress for a user and evaluates the configured rules on it,\n" +
					"as the sync would: the rules of the user's OneCloud groups first (read from OneCloud;\n" +
					"without it only organization rules apply), then organization rules, first match wins.\n" +
					"With a workinghours rule it reads the user's published working hours from Microsoft 365\n" +
					"(without them, that rule never matches). --teams imagines the user's Teams activity for\n" +
					"rules of type teams (without it the user is in no Teams call).\n" +
					"Examples:\n" +
					"  calsync rules test --user 1001 --status busy --subject \"Team lunch\"\n" +
					"  calsync rules test --user 1001 --no-event --at 2026-12-07T18:30\n" +
					"  calsync rules test --user 1001 --teams InACall",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					var o rulesTestOptions
					fs.StringVar(&o.user, "user", "", "OneCloud user `id`, as in the config's users[].onecloudUser (required)")
					fs.StringVar(&o.status, "status", string(calendar.Busy), "the event's availability: "+statusNames())
					fs.StringVar(&o.subject, "subject", "", "the event's subject")
					fs.StringVar(&o.location, "location", "", "the event's location")
					fs.BoolVar(&o.private, "private", false, "the event is private (subject and location rules then never match)")
					fs.StringVar(&o.at, "at", "", "the `time` the event starts and is evaluated at: this machine's local time, e.g. 2026-12-07T18:30, or RFC 3339, e.g. 2026-12-07T18:30:00+01:00 (default now)")
					fs.BoolVar(&o.noEvent, "no-event", false, "imagine no event: only working hours and the default activity apply")
					fs.DurationVar(&o.duration, "duration", time.Hour, "how long the event lasts; its end is the presence's until")
					fs.StringVar(&o.teams, "teams", "", "the user's Microsoft Teams `activity`, for rules of type teams: "+strings.Join(teams.Activities(), ", ")+" (default none)")
					return func(ctx context.Context, e *env, args []string) error {
						if err := noArgs("calsync rules test", args); err != nil {
							return err
						}
						fs.Visit(func(f *flag.Flag) { o.atGiven = o.atGiven || f.Name == "at" })
						return runRulesTest(ctx, e, g, o)
					}
				},
			},
		},
	}
}

type rulesTestOptions struct {
	user, status, subject, location, at string
	teams                               string // a Teams activity; "" none
	private, noEvent                    bool
	atGiven                             bool // --at was on the command line, even empty
	duration                            time.Duration
}

// The times --at and the event's end may take: Graph answers getSchedule for
// real dates, and a year-9999 event would end past what times can print.
var (
	earliestAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestAt   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// atLayouts are the local forms --at takes besides RFC 3339.
var atLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseAt reads --at: RFC 3339, or a wall time in loc (the machine's zone).
func parseAt(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, l := range atLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a local time like 2026-12-07T18:30 nor RFC 3339 like 2026-12-07T18:30:00+01:00", s)
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
	if o.atGiven {
		if strings.TrimSpace(o.at) == "" {
			return usageErrorf("%s: --at is empty; give a time like 2026-12-07T18:30, or leave --at out for now", cmd)
		}
		at, err = parseAt(o.at, time.Local)
		if err != nil {
			return usageErrorf("%s: --at %v", cmd, err)
		}
	}
	if o.duration <= 0 {
		return usageErrorf("%s: --duration %s must be positive, e.g. 30m or 1h", cmd, o.duration)
	}
	teamsActivity := ""
	if o.teams != "" {
		if teamsActivity, err = teams.ParseActivity(o.teams); err != nil {
			return usageErrorf("%s: --teams: %v", cmd, err)
		}
	}
	if at.Before(earliestAt) || !at.Add(o.duration).Before(latestAt) {
		return usageErrorf("%s: --at %s with --duration %s: the event must lie between %s and %s",
			cmd, at.Format(time.RFC3339), o.duration, earliestAt.Format(time.DateOnly), latestAt.Format(time.DateOnly))
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
	var wh *workhours.WorkingHours
	hoursNote := "not read (no workinghours rule)"
	if set.UsesWorkingHours() {
		wh, hoursNote = userWorkingHours(ctx, e, cfg, path, user.Mailbox, at)
	}

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
	sched := calendar.Schedule{Events: []calendar.Event{ev}, WorkingHours: wh, TeamsActivity: teamsActivity}
	if o.noEvent {
		sched.Events = nil
	}
	d := set.DecideFor(sched, groups, at, def)

	w := e.stdout
	fmt.Fprintf(w, "User:     %s (%s)%s; groups: %s\n", user.OneCloudUser, user.Mailbox, disabledNote(user), groupsNote)
	fmt.Fprintf(w, "Hours:    %s\n", hoursNote)
	if set.UsesTeams() || teamsActivity != "" {
		shown := teamsActivity
		if shown == "" {
			shown = "none given (--teams), so no teams rule matches"
		}
		fmt.Fprintf(w, "Teams:    %s\n", shown)
	}
	if o.noEvent {
		fmt.Fprintf(w, "Event:    none, at %s\n", at.Format("Mon 2006-01-02 15:04:05 MST"))
	} else {
		fmt.Fprintf(w, "Event:    %s\n", eventText(ev, at))
	}
	printDecision(w, set, d, wh, at)
	warnUnknownInOneCloud(ctx, e, cfg, path)
	return nil
}

// printDecision prints the winning rule and the presence it gives at at.
func printDecision(w io.Writer, set *rules.Set, d rules.Decision, wh *workhours.WorkingHours, at time.Time) {
	switch {
	case d.TeamsActivity != "":
		fmt.Fprintf(w, "Winner:   rules[%d]: %s, for as long as the Teams activity lasts\n", d.Rule, set.Describe(d.Rule))
	case d.Rule >= 0 && d.Event == nil:
		// Only a workinghours rule wins without an event besides a teams rule.
		desc := strings.Replace(set.Describe(d.Rule), "outside working hours",
			fmt.Sprintf("outside working hours (%s)", hoursSpan(wh)), 1)
		if d.Until.IsZero() {
			// No working time ahead at all (no working day in the week).
			fmt.Fprintf(w, "Winner:   rules[%d]: %s, with no working time ahead to end it\n", d.Rule, desc)
		} else {
			fmt.Fprintf(w, "Winner:   rules[%d]: %s until %s\n", d.Rule, desc, d.Until.In(at.Location()).Format("Mon 2 Jan 15:04"))
		}
	case d.Rule >= 0:
		fmt.Fprintf(w, "Winner:   rules[%d]: %s\n", d.Rule, set.Describe(d.Rule))
	default:
		fmt.Fprintf(w, "Winner:   no rule matches -> default activity %s\n", d.Activity)
	}
	role := d.Role
	if role == "" {
		role = "(unchanged)"
	}
	until := "- (the default activity is open-ended)"
	if d.Rule >= 0 {
		until = "- (open-ended)"
	}
	if !d.Until.IsZero() {
		until = d.Until.In(at.Location()).Format(time.RFC3339)
	}
	fmt.Fprintf(w, "Presence: activity %s, role %s, until %s\n", d.Activity, role, until)
}

// warnUnknownInOneCloud warns when the configuration names an activity or
// role OneCloud does not have: the decision above is then one the sync will
// never write, since sync --once and the service refuse such a
// configuration. Without an answer from OneCloud there is nothing to say
// (userGroups has warned when it needed OneCloud).
func warnUnknownInOneCloud(ctx context.Context, e *env, cfg *config.Config, path string) {
	ctx, cancel := context.WithTimeout(ctx, groupsTimeout)
	defer cancel()
	oc, err := setup.OneCloud(ctx, cfg, setup.Options{ConfigPath: path, Secrets: newSecretStore(e, path)})
	if err != nil {
		return
	}
	acts, err := oc.Activities(ctx)
	if err != nil {
		return
	}
	roles, err := oc.Roles(ctx)
	if err != nil {
		return
	}
	var ce *presence.ConfigError
	if errors.As(presence.ValidateAgainstOneCloud(cfg, acts, roles), &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintf(e.stderr, "calsync: warning: %s: %s\n", path, p)
		}
		fmt.Fprintf(e.stderr, "calsync: warning: sync --once and the service refuse this configuration until it names only "+
			"what OneCloud has; fix it in the calsync window or in %s\n", path)
	}
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
	oc, err := setup.OneCloud(ctx, cfg, setup.Options{ConfigPath: path, Secrets: newSecretStore(e, path)})
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

// userWorkingHours reads the mailbox's published working hours with one
// getSchedule, as the sync reads them. If Microsoft 365 cannot be asked, it
// warns on stderr and returns none, so the workinghours rule never matches.
func userWorkingHours(ctx context.Context, e *env, cfg *config.Config, path, mailbox string, at time.Time) (*workhours.WorkingHours, string) {
	ctx, cancel := context.WithTimeout(ctx, groupsTimeout)
	defer cancel()
	warnWith := func(note string, err error) (*workhours.WorkingHours, string) {
		fmt.Fprintf(e.stderr, "calsync: warning: cannot use the working hours of %s (%v); evaluating without them\n", mailbox, err)
		return nil, note + ": the workinghours rule does not match"
	}
	warn := func(err error) (*workhours.WorkingHours, string) {
		return warnWith("unknown (Microsoft 365 not reachable)", err)
	}
	gc, err := setup.Graph(ctx, cfg, setup.Options{ConfigPath: path, Secrets: newSecretStore(e, path)})
	if err != nil {
		return warnWith("unknown (no Microsoft 365 credential here)", err)
	}
	scheds, err := gc.GetSchedules(ctx, []string{mailbox}, at, at.Add(time.Hour))
	switch {
	case err != nil:
		return warn(withRemedy(err))
	case len(scheds) != 1:
		return warn(fmt.Errorf("got %d schedules for one mailbox", len(scheds)))
	case scheds[0].Err != nil:
		return warnWith("unknown (Microsoft 365 gave no schedule for this mailbox)", scheds[0].Err)
	case scheds[0].WorkingHoursErr != nil:
		return warnWith("unusable (Microsoft 365 answered, but the published hours cannot be used)", scheds[0].WorkingHoursErr)
	case scheds[0].WorkingHours == nil:
		return nil, "none published: the workinghours rule never matches for this user"
	}
	return scheds[0].WorkingHours, scheds[0].WorkingHours.String()
}

// hoursSpan is "08:00-17:00 W. Europe Standard Time".
func hoursSpan(wh *workhours.WorkingHours) string {
	if wh == nil {
		return "none"
	}
	hm := func(d time.Duration) string {
		s := fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
		if sec := int(d.Seconds()) % 60; sec != 0 {
			s += fmt.Sprintf(":%02d", sec)
		}
		return s
	}
	return fmt.Sprintf("%s-%s %s", hm(wh.Start()), hm(wh.End()), wh.Zone())
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
