package contacts

import (
	"fmt"
	"log/slog"
	"maps"

	"github.com/calsync/calsync/sync/internal/statefile"
)

// StateVersion is the schema version of the contacts state file this build writes.
const StateVersion = 1

// StateFileName is the contacts state file's name, beside the config file.
const StateFileName = "contacts-state.json"

// State is what calsync remembers of the phonebook entries it wrote: per phonebook ("user:1001",
// "phonebook"), per Exchange contact id, the entry and the ETag calsync got back. An entry whose
// ETag in OneCloud differs was edited there by a person, and is left alone from then on.
//
// Losing the file is safe: with no record, an entry calsync made ("source":"calsync") with the
// contact's externalId is adopted, not duplicated; entries of others are never touched either
// way. What a lost file cannot tell is that one of our entries was edited by hand before: such
// an entry is adopted and updated from Exchange once.
type State struct {
	Version    int                  `json:"version"`
	Phonebooks map[string]BookState `json:"phonebooks"`
}

// BookState is what calsync remembers of one phonebook.
type BookState struct {
	// Mailbox is the Exchange mailbox the phonebook was last filled from.
	Mailbox string `json:"mailbox,omitempty"`
	// Entries maps an Exchange contact id to the entry calsync keeps for it.
	Entries map[string]EntryState `json:"entries"`
}

// EntryState is one phonebook entry calsync wrote.
type EntryState struct {
	ID   string `json:"id"`
	ETag string `json:"etag"`
	// Edited says a person changed or deleted the entry in OneCloud: calsync never writes it
	// again while the Exchange contact exists.
	Edited bool `json:"edited,omitempty"`
}

// Store is the contacts state, loaded from and saved to one file; safe for concurrent use.
type Store struct {
	file *statefile.Store[BookState]
}

// OpenStore loads the state file at path; a missing file is an empty state. A file that cannot
// be understood is moved to path+".bak" with a warning and the state starts empty (see State for
// why that is safe). path "" keeps the state in memory.
func OpenStore(path string, log *slog.Logger) (*Store, error) {
	file, err := statefile.Open(path, statefile.Spec[BookState]{
		What:        "contacts state",
		Consequence: "entries calsync made are adopted again",
		Field:       "phonebooks",
		Version:     StateVersion,
		Check: func(name string, b BookState) error {
			for ext, e := range b.Entries {
				if ext == "" || e.ID == "" {
					return fmt.Errorf("%s: an entry has an empty contact or entry id", name)
				}
			}
			return nil
		},
	}, log)
	if err != nil {
		return nil, err
	}
	return &Store{file: file}, nil
}

// Book returns a copy of what is remembered of one phonebook.
func (s *Store) Book(name string) BookState {
	b, _ := s.file.Get(name)
	b.Entries = maps.Clone(b.Entries)
	if b.Entries == nil {
		b.Entries = map[string]EntryState{}
	}
	return b
}

// SetBook replaces what is remembered of one phonebook; the file is rewritten at the next Save
// only if something changed.
func (s *Store) SetBook(name string, b BookState) {
	s.file.Update(name, func(old BookState, had bool) (BookState, bool) {
		if had && old.Mailbox == b.Mailbox && maps.Equal(old.Entries, b.Entries) {
			return old, false
		}
		if !had && len(b.Entries) == 0 {
			return old, false
		}
		return BookState{Mailbox: b.Mailbox, Entries: maps.Clone(b.Entries)}, true
	})
}

// Save writes the state atomically if it changed since the last save.
func (s *Store) Save() error { return s.file.Save() }
