package presence

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/calsync/calsync/sync/internal/statefile"
)

// StateVersion is the schema version of the state file this build writes.
const StateVersion = 1

// State is the content of the state file: per OneCloud user id, what this
// program last did. It is a cache, not a source of truth. Losing it is safe:
// with no record of a user, the next decision GETs the presence (one extra
// read) and then
//   - a presence that already satisfies desired is recorded, with no write;
//   - the default or a lapsed presence is replaced, as always;
//   - anything else is left alone (kept-manual), because without the record
//     a presence we set cannot be told from one a person set. Every non-default
//     presence we write carries an until (the end of its event), so such a
//     leftover lapses by itself and is replaced at the first decision after
//     its until. A presence from a teams rule has no until; its note
//     ("Teams: in a call") marks it as ours instead. A lost state therefore
//     never causes an overwrite of a person's choice; at worst it costs one
//     GET per user, and leaves one of our own presences in place no longer
//     than its own until (or the Teams activity behind it).
type State struct {
	Version int                  `json:"version"`
	Users   map[string]UserState `json:"users"`
}

// UserState is what the engine remembers about one OneCloud user.
type UserState struct {
	// Applied is the presence this program last wrote, or found already in
	// place and equal to what it wanted. Zero: none (never, or a person has
	// taken over since).
	Applied AppliedPresence `json:"applied,omitzero"`
	// Attempted is a write whose outcome is unknown (the PUT failed, maybe
	// after the server applied it). Finding it in OneCloud later counts as
	// our own presence, and while it is set the no-call shortcut is off.
	Attempted AppliedPresence `json:"attempted,omitzero"`
	// LastDesired is the desired presence at the last decision.
	LastDesired Desired `json:"lastDesired,omitzero"`
	// KeptManual says the last decision found a presence set by hand and
	// left it. While desired stays LastDesired (and KeptUntil has not
	// passed) the user is not asked again; at the next change, the presence
	// is read and decided anew.
	KeptManual bool `json:"keptManual,omitempty"`
	// KeptUntil is the until of the presence kept by hand, if it had one:
	// once it passes, that presence has lapsed and the user is read again
	// even though desired has not changed.
	KeptUntil time.Time `json:"keptUntil,omitzero"`
	// LastAction is the outcome of the last decision that called OneCloud
	// (set, unchanged, kept-manual, error); a decision that needed no call
	// leaves it as it was.
	LastAction Action `json:"lastAction,omitempty"`
	// LastError says why the last decision failed; "" after a success.
	LastError string `json:"lastError,omitempty"`
	// ChangedAt is when any of the above last changed.
	ChangedAt time.Time `json:"changedAt,omitzero"`
}

// AppliedPresence is a presence the engine wrote (or tried to), with when.
// Note is kept for status screens; it takes no part in comparisons.
type AppliedPresence struct {
	Activity string    `json:"activity"`
	Role     string    `json:"role"`
	Note     string    `json:"note,omitempty"`
	Until    time.Time `json:"until,omitzero"`
	At       time.Time `json:"at,omitzero"`
}

// IsZero reports whether there is no presence recorded.
func (p AppliedPresence) IsZero() bool { return p.Activity == "" }

// Store is the state, loaded from and saved to one file. It is safe for
// concurrent use.
type Store struct {
	file *statefile.Store[UserState]
}

// OpenStore loads the state file at path. A missing file is an empty state.
// A file that cannot be understood (corrupt, torn by a tool, written by a
// newer calsync) is renamed to path+".bak", a warning is logged, and the
// state starts empty: see State for why that is safe. Only a file that exists
// but cannot be read is an error. path "" keeps the state in memory.
func OpenStore(path string, log *slog.Logger) (*Store, error) {
	file, err := statefile.Open(path, statefile.Spec[UserState]{
		What:        "state",
		Consequence: "costs one presence read per user",
		Field:       "users",
		Version:     StateVersion,
		Check: func(id string, _ UserState) error {
			if id == "" {
				return errors.New("an entry has an empty user id")
			}
			return nil
		},
	}, log)
	if err != nil {
		return nil, err
	}
	return &Store{file: file}, nil
}

// Path is the state file's path ("" for in-memory state).
func (s *Store) Path() string { return s.file.Path() }

// User returns the state of one user; ok is false when there is none.
func (s *Store) User(id string) (st UserState, ok bool) { return s.file.Get(id) }

// Update changes one user's state with fn. It marks the state for saving,
// and stamps ChangedAt with now, only if something really changed, so that a
// steady calendar never rewrites the file.
func (s *Store) Update(id string, now time.Time, fn func(*UserState)) {
	s.file.Update(id, func(old UserState, _ bool) (UserState, bool) {
		next := old
		fn(&next)
		next.ChangedAt = old.ChangedAt
		if sameState(old, next) {
			return old, false
		}
		next.ChangedAt = now.UTC()
		return next, true
	})
}

// sameState compares two states by their JSON form, which is what is saved:
// time zones and monotonic readings do not count.
func sameState(a, b UserState) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// Snapshot returns a copy of the whole state (UserState holds only values:
// the copy is deep).
func (s *Store) Snapshot() State {
	return State{Version: StateVersion, Users: s.file.All()}
}

// Dirty reports whether there are changes not yet saved.
func (s *Store) Dirty() bool { return s.file.Dirty() }

// Save writes the state atomically (0600) if it changed since the last
// save. In-memory stores do nothing.
func (s *Store) Save() error { return s.file.Save() }
