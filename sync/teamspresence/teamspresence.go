// Package teamspresence reads the Microsoft Teams activity of the users' mailboxes for rules of
// type teams. Graph's presence API takes Entra object ids, not addresses, so each mailbox's id is
// looked up once (20 to a $batch) and kept in a state file beside the config; presence is then
// one getPresencesByUserId request per 650 users. A mailbox whose id cannot be found is that
// user's error, looked up again a minute later, not everyone's.
package teamspresence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/internal/statefile"
)

// StateFileName is the file, beside the config, that keeps the mailboxes' object ids.
const StateFileName = "teams-state.json"

// stateVersion is the schema version of the state file this build writes.
const stateVersion = 1

// RetryLookup is how long a mailbox whose id could not be found waits before it is looked up
// again: a wrong address must not cost a $batch every few seconds.
const RetryLookup = time.Minute

// Client is what the reader needs from Graph; *graph.Client is one.
type Client interface {
	LookupUserIDs(ctx context.Context, mailboxes []string) ([]graph.UserID, error)
	GetPresences(ctx context.Context, ids []string) ([]graph.TeamsPresence, error)
}

// idRecord is what the state file keeps of one mailbox (lower-cased address).
type idRecord struct {
	ID         string    `json:"id"`
	ResolvedAt time.Time `json:"resolvedAt"`
}

// Result is one mailbox's Teams presence, or why it is not known.
type Result struct {
	Availability string
	Activity     string
	Err          error
}

// Stats counts the Graph requests one Read made.
type Stats struct {
	Lookups  int // mailboxes whose id was looked up
	Presence int // presence requests (ceil(users/650) when nothing fails)
}

// Reader reads Teams presence for a set of mailboxes. It is safe for concurrent use; Reads are
// serialized.
type Reader struct {
	client Client
	ids    *statefile.Store[idRecord]
	clock  clock.Clock
	log    *slog.Logger

	mu     sync.Mutex           // one Read at a time; guards failed
	failed map[string]time.Time // mailbox -> when its lookup last failed
}

// Options configure a Reader; zero values are production behaviour.
type Options struct {
	// StatePath is the state file; "" keeps the ids in memory (a dry run, a test).
	StatePath string
	Clock     clock.Clock
	Logger    *slog.Logger
}

// New opens the id state and returns a reader. A state file that cannot be understood is set
// aside with a warning: the ids are then looked up again, which costs one $batch per 20 users.
func New(client Client, opts Options) (*Reader, error) {
	if client == nil {
		return nil, errors.New("teams presence: no Graph client")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ids, err := statefile.Open(opts.StatePath, statefile.Spec[idRecord]{
		What:        "Teams state",
		Consequence: "the users' Teams ids are looked up again",
		Field:       "mailboxes",
		Version:     stateVersion,
		Check: func(mailbox string, r idRecord) error {
			if mailbox == "" || r.ID == "" {
				return errors.New("an entry has an empty mailbox or id")
			}
			return nil
		},
	}, log)
	if err != nil {
		return nil, fmt.Errorf("teams presence: %w", err)
	}
	return &Reader{client: client, ids: ids, clock: clock.OrReal(opts.Clock), log: log, failed: map[string]time.Time{}}, nil
}

func key(mailbox string) string { return strings.ToLower(strings.TrimSpace(mailbox)) }

// Read returns the Teams presence of each mailbox, by lower-cased address. Ids not known yet
// are looked up first (a new user, or one whose earlier lookup failed a minute ago or more).
// The error return is non-nil only when no presence could be read at all, and names why (a
// missing permission, a credential that Entra refused): every mailbox's Result then carries it.
func (r *Reader) Read(ctx context.Context, mailboxes []string) (map[string]Result, Stats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var st Stats
	out := make(map[string]Result, len(mailboxes))
	now := r.clock.Now()

	var lookup []string
	for _, m := range mailboxes {
		k := key(m)
		if _, done := out[k]; done || k == "" {
			continue
		}
		out[k] = Result{}
		if _, ok := r.ids.Get(k); ok {
			continue
		}
		if at, failed := r.failed[k]; failed && now.Sub(at) < RetryLookup {
			out[k] = Result{Err: fmt.Errorf("the Teams identity of %s could not be found; trying again at %s", m,
				at.Add(RetryLookup).UTC().Format(time.RFC3339))}
			continue
		}
		lookup = append(lookup, k)
	}
	if len(lookup) > 0 {
		st.Lookups = len(lookup)
		found, err := r.client.LookupUserIDs(ctx, lookup)
		for _, u := range found {
			k := key(u.Mailbox)
			if u.Err != nil || u.ID == "" {
				r.failed[k] = now
				out[k] = Result{Err: fmt.Errorf("find the Teams identity of %s: %w", u.Mailbox, lookupErr(u.Err))}
				continue
			}
			delete(r.failed, k)
			r.ids.Update(k, func(cur idRecord, had bool) (idRecord, bool) {
				return idRecord{ID: u.ID, ResolvedAt: now.UTC()}, !had || cur.ID != u.ID
			})
		}
		if err := r.ids.Save(); err != nil {
			r.log.Warn("Teams ids could not be saved; they will be looked up again after a restart", "err", err.Error())
		}
		if err != nil && !r.anyKnown(out) {
			return failAll(out, fmt.Errorf("find the users' Teams identities: %w", err)), st, err
		}
	}

	var ids []string
	byID := map[string]string{} // lower-cased id -> mailbox key
	for k, res := range out {
		if res.Err != nil {
			continue
		}
		rec, _ := r.ids.Get(k)
		ids = append(ids, rec.ID)
		byID[strings.ToLower(rec.ID)] = k
	}
	if len(ids) == 0 {
		return out, st, nil
	}
	st.Presence = (len(ids) + graph.MaxPresenceIDs - 1) / graph.MaxPresenceIDs
	got, err := r.client.GetPresences(ctx, ids)
	for _, p := range got {
		k := byID[strings.ToLower(p.ID)]
		if p.Err != nil {
			out[k] = Result{Err: fmt.Errorf("read the Teams presence: %w", p.Err)}
			continue
		}
		out[k] = Result{Availability: p.Availability, Activity: p.Activity}
	}
	if err != nil {
		return out, st, fmt.Errorf("read the Teams presence: %w", err)
	}
	return out, st, nil
}

// anyKnown reports whether some mailbox in out has an id to read presence with.
func (r *Reader) anyKnown(out map[string]Result) bool {
	for k, res := range out {
		if _, ok := r.ids.Get(k); ok && res.Err == nil {
			return true
		}
	}
	return false
}

func lookupErr(err error) error {
	if err == nil {
		return errors.New("Graph returned no id")
	}
	return err
}

func failAll(out map[string]Result, err error) map[string]Result {
	for k := range out {
		out[k] = Result{Err: err}
	}
	return out
}
