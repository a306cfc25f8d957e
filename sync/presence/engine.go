// Package presence is calsync's presence job: its Engine reads the enabled users' calendars,
// turns them into the OneCloud presence the rules want, and writes that
// presence without ever overwriting one a person set by hand. Per user it
// keeps, in a state file next to the config, the presence it last applied,
// so that a steady calendar costs no OneCloud call and a restart changes
// nothing.
//
// A cycle is two steps that the scheduler can also run apart:
//   - Poll reads every enabled user's schedule for [now, now+lookahead] (one
//     batched Graph read) and, when a rule is scoped to a group, the OneCloud
//     groups, and keeps both in memory;
//   - Apply decides and writes, from the kept schedules, for some or all users
//     at a given instant: at an event boundary only the users concerned, with
//     no Graph call.
//
// SyncOnce is Poll followed by Apply for everyone (`calsync sync --once`).
//
// Writing presence (issue 4, "Writing presence without clobbering people"),
// per user and per decision:
//  1. desired equals the presence last applied, and the last decision did
//     not fail: no OneCloud call at all;
//  2. otherwise GET the current presence with its ETag, and then:
//     (a) it already satisfies desired: record it as applied (unchanged);
//     (b) it is the default, has lapsed, or is what we applied (or last
//     tried to apply): PUT desired with If-Match (set);
//     (c) anything else a person set by hand: leave it (kept-manual), and do
//     not look again until the next change: desired differs from the
//     desired of that decision, or the kept presence's own until passes;
//     (d) a 412 on the PUT means it changed in between: GET and decide
//     again, once; a second 412 is an error, never a blind overwrite;
//  3. a failed read or write is tried again on the next decision, which
//     then always reads the presence first; and once OneCloud answers that
//     it is unavailable (an error its retries did not overcome), the users
//     left in that Apply are not tried but reported as errors, to be
//     decided again at the next poll (see counts).
//
// The precise definitions (desired, satisfies, default, lapsed, ours) are on
// Desired and in decide.go.
package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/rules"
	"github.com/calsync/calsync/sync/workhours"
)

// ScheduleReader reads calendars; *graph.Client is one. It returns one
// Schedule per mailbox, in order, with per-mailbox failures in Schedule.Err,
// and an error only when nothing could be read.
type ScheduleReader interface {
	GetSchedules(ctx context.Context, mailboxes []string, start, end time.Time) ([]calendar.Schedule, error)
}

// PresenceService reads and writes OneCloud presence; *onecloud.Client is
// one. PutPresence must fail with an error matching
// onecloud.ErrPreconditionFailed when etag is stale.
type PresenceService interface {
	Groups(ctx context.Context) ([]onecloud.Group, error)
	GetPresence(ctx context.Context, userID string) (onecloud.Presence, string, error)
	PutPresence(ctx context.Context, userID string, p onecloud.Presence, etag string) (onecloud.Presence, string, error)
}

// Catalog lists OneCloud's activities and roles, against which the names in
// the rules are checked once per engine; *onecloud.Client is one.
type Catalog interface {
	Activities(ctx context.Context) ([]onecloud.Activity, error)
	Roles(ctx context.Context) ([]onecloud.Role, error)
}

// graphStatser is implemented by *graph.Client; when the ScheduleReader has
// it, the report counts real getSchedule HTTP requests (retries included).
type graphStatser interface {
	Stats() graph.Stats
}

// Deps are the services the engine talks to. Production passes the real
// clients; tests pass fakes.
type Deps struct {
	Schedules ScheduleReader  // required
	OneCloud  PresenceService // required
	// Catalog, when set, is used to check the activities and roles named in
	// the config before the first write (see ValidateAgainstOneCloud).
	// Production passes the OneCloud client; nil skips the check.
	Catalog Catalog
	// Teams reads the users' Teams activity for rules of type teams; nil reads none, and then
	// such rules never match.
	Teams TeamsReader
}

// Options tune an engine. The zero value is production behaviour, except
// that StatePath "" keeps the state in memory only.
type Options struct {
	// StatePath is the state file, conventionally state.json next to the
	// config. "" keeps state in memory (tests, previews).
	StatePath string
	Clock     clock.Clock // nil: the real clock
	// Location is the time zone of the presence note's times ("busy until
	// 14:30"). OneCloud does not tell us a user's zone, so the note uses
	// the zone of the machine running calsync (nil: time.Local), which in a
	// small office is the office's zone.
	Location *time.Location
	Logger   *slog.Logger // nil: discard
	// Concurrency is how many users are decided and written at once;
	// default 4. The OneCloud client paces itself on 429s.
	Concurrency int
	// Lookahead overrides the config's sync.lookahead; 0 uses the config.
	Lookahead time.Duration
}

// DefaultConcurrency is the number of users written in parallel.
const DefaultConcurrency = 4

// Engine holds the config, the services, the state and the schedules of the
// last poll. Its methods are safe for concurrent use: polls are serialized
// with polls and applies with applies, so no user is decided twice at once.
type Engine struct {
	users           []config.User // enabled users, config order, first of each OneCloud user
	duplicates      []config.User // later entries naming an already listed OneCloud user
	defaultActivity string
	lookahead       time.Duration
	rules           *rules.Set
	groupRules      bool // some rule is scoped to a group, so groups must be read
	cfg             *config.Config

	schedules ScheduleReader
	onecloud  PresenceService
	catalog   Catalog
	// teamsReader reads Teams activity (teams.go); nil when no rule needs it.
	teamsReader TeamsReader
	clock       clock.Clock
	loc         *time.Location
	log         *slog.Logger
	workers     int
	store       *Store

	pollMu     sync.Mutex // one Poll at a time
	applyMu    sync.Mutex // one Apply at a time
	validateMu sync.Mutex // guards validated, validateErr
	validated  bool
	// validateErr is a *ConfigError found by the check; kept so that every
	// later cycle fails the same way without asking OneCloud again.
	validateErr error

	mu       sync.Mutex // guards the poll cache below
	cache    map[string]cachedSchedule
	groups   map[string][]string // OneCloud user -> group ids
	groupsOK bool                // groups has been read at least once
	groupErr error               // the last failure to read groups, nil after a success
	polledAt time.Time
	teams    map[string]teamsState // mailbox key -> Teams activity as last read (teams.go)

	progress applyProgress // users handled by the running sync's Apply (see Progress)
}

// cachedSchedule is one mailbox's schedule from the last poll that read it.
type cachedSchedule struct {
	events []calendar.Event
	err    error
	// wh and whErr are the mailbox's working hours as the same getSchedule
	// returned them: every poll refreshes them.
	wh       *workhours.WorkingHours
	whErr    error
	polledAt time.Time
	end      time.Time // the window's end: beyond it the events are unknown
}

// New checks what the engine needs from cfg (rules, lookahead), loads the
// state file and returns an engine. It does no network I/O.
func New(cfg *config.Config, deps Deps, opts Options) (*Engine, error) {
	if cfg == nil {
		return nil, errors.New("engine: config is nil")
	}
	if deps.Schedules == nil || deps.OneCloud == nil {
		return nil, errors.New("engine: a schedule reader and a OneCloud presence service are required")
	}
	set, err := rules.Compile(cfg.Rules)
	if err != nil {
		return nil, &ConfigError{Problems: splitErrors(err)}
	}
	lookahead := opts.Lookahead
	if lookahead <= 0 {
		s := strings.TrimSpace(cfg.Sync.Lookahead)
		if s == "" {
			s = config.DefaultLookahead
		}
		lookahead, err = time.ParseDuration(s)
		if err != nil || lookahead <= 0 {
			return nil, &ConfigError{Problems: []string{fmt.Sprintf(
				"sync.lookahead: %q is not a positive duration; expected e.g. \"8h\"", cfg.Sync.Lookahead)}}
		}
	}
	def := strings.TrimSpace(cfg.DefaultActivity)
	if def == "" {
		def = config.DefaultActivity
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	store, err := OpenStore(opts.StatePath, log)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		defaultActivity: def,
		lookahead:       lookahead,
		rules:           set,
		cfg:             cfg,
		schedules:       deps.Schedules,
		onecloud:        deps.OneCloud,
		catalog:         deps.Catalog,
		teamsReader:     deps.Teams,
		clock:           clock.OrReal(opts.Clock),
		loc:             loc,
		log:             log,
		workers:         workers,
		store:           store,
		cache:           map[string]cachedSchedule{},
		teams:           map[string]teamsState{},
	}
	seen := map[string]bool{}
	for _, u := range cfg.Users {
		if !u.Enabled {
			continue
		}
		if seen[u.OneCloudUser] {
			e.duplicates = append(e.duplicates, u)
			continue
		}
		seen[u.OneCloudUser] = true
		e.users = append(e.users, u)
	}
	for _, r := range cfg.Rules {
		if hasGroupScope(r.Scope) {
			e.groupRules = true
		}
	}
	return e, nil
}

func hasGroupScope(scope string) bool {
	s := strings.TrimSpace(scope)
	return len(s) >= len(config.ScopeGroupPrefix) && strings.EqualFold(s[:len(config.ScopeGroupPrefix)], config.ScopeGroupPrefix)
}

// splitErrors turns an errors.Join result into one line per problem.
func splitErrors(err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Users returns the enabled users the engine syncs, in config order.
func (e *Engine) Users() []config.User {
	return append([]config.User(nil), e.users...)
}

// State returns a copy of the persisted per-user state, for status screens.
func (e *Engine) State() State { return e.store.Snapshot() }

// DefaultActivity is the activity shown when no rule matches.
func (e *Engine) DefaultActivity() string { return e.defaultActivity }

// Lookahead is the length of the polled window.
func (e *Engine) Lookahead() time.Duration { return e.lookahead }
