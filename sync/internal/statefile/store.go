package statefile

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sync"
)

// Spec describes one kind of state file: what it is called in messages, what losing it costs,
// the JSON field holding its records, the schema version this build writes, and a check of one
// loaded record.
type Spec[V any] struct {
	// What names the file in logs and errors ("state", "contacts state").
	What string
	// Consequence says what an unreadable file costs, for the warning when it is set aside.
	Consequence string
	// Field is the JSON object field that holds the records, keyed by id ("users").
	Field string
	// Version is the schema version this build writes and the newest it reads.
	Version int
	// Check refuses a record (or its key) that a loaded file must not hold; nil accepts all.
	Check func(key string, v V) error
}

// Store is a state file in memory: {"version": N, "<Field>": {key: record}}. It is loaded once,
// changed record by record, and saved atomically only when a change was made. It is safe for
// concurrent use. A path of "" keeps the state in memory only.
type Store[V any] struct {
	path string
	spec Spec[V]

	saveMu sync.Mutex // serializes saves, so an older snapshot never lands after a newer one

	mu      sync.Mutex
	records map[string]V
	dirty   bool
}

// Open loads the state file at path as Load does: a missing file is an empty state, and a file
// that cannot be understood is moved aside with a warning and the state starts empty.
func Open[V any](path string, spec Spec[V], log *slog.Logger) (*Store[V], error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store[V]{path: path, spec: spec, records: map[string]V{}}
	if path == "" {
		return s, nil
	}
	err := Load(path, spec.What, spec.Consequence, log, func(data []byte) error {
		records, err := s.parse(data)
		if err == nil {
			s.records = records
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parse checks a file's version and shape and returns its records.
func (s *Store[V]) parse(data []byte) (map[string]V, error) {
	var head struct {
		Version int `json:"version"`
	}
	if err := Decode(data, &head, func() int { return head.Version }, s.spec.Version); err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	records := map[string]V{}
	if raw, ok := fields[s.spec.Field]; ok {
		if err := json.Unmarshal(raw, &records); err != nil {
			return nil, fmt.Errorf("not valid JSON: %s: %w", s.spec.Field, err)
		}
		if records == nil { // "field": null
			records = map[string]V{}
		}
	}
	if s.spec.Check != nil {
		for key, v := range records {
			if err := s.spec.Check(key, v); err != nil {
				return nil, fmt.Errorf("%s: %w", s.spec.Field, err)
			}
		}
	}
	return records, nil
}

// Path is the state file's path ("" for in-memory state).
func (s *Store[V]) Path() string { return s.path }

// Get returns the record of key; ok is false when there is none. A record holding maps or
// slices shares them with the store: callers copy before changing them.
func (s *Store[V]) Get(key string) (v V, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok = s.records[key]
	return v, ok
}

// Update replaces the record of key with what fn makes of it, in one step under the store's
// lock. fn gets the current record (the zero V and false when there is none) and says whether
// its result is a change; only a change is stored and marks the file for saving, so a steady
// source never rewrites the file.
func (s *Store[V]) Update(key string, fn func(cur V, had bool) (next V, changed bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, had := s.records[key]
	next, changed := fn(cur, had)
	if !changed {
		return
	}
	s.records[key] = next
	s.dirty = true
}

// All returns a copy of the record map (the records themselves as Get returns them).
func (s *Store[V]) All() map[string]V {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.records)
}

// Dirty reports whether there are changes not yet saved.
func (s *Store[V]) Dirty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dirty
}

// Save writes the state atomically (0600) if it changed since the last save. In-memory stores
// do nothing. A failed save leaves the changes marked, for the next one.
func (s *Store[V]) Save() error {
	if s.path == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()

	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	data, err := s.encode()
	s.dirty = false
	s.mu.Unlock()
	if err != nil {
		s.markDirty()
		return fmt.Errorf("encode %s: %w", s.spec.What, err)
	}
	if err := Write(s.path, data); err != nil {
		s.markDirty()
		return fmt.Errorf("save %s: %w", s.spec.What, err)
	}
	return nil
}

// encode is the file's content, the version first as in every state file calsync has written.
// The caller holds s.mu.
func (s *Store[V]) encode() ([]byte, error) {
	records, err := json.Marshal(s.records)
	if err != nil {
		return nil, err
	}
	field, err := json.Marshal(s.spec.Field)
	if err != nil {
		return nil, err
	}
	doc := fmt.Appendf(nil, `{"version":%d,%s:%s}`, s.spec.Version, field, records)
	var v json.RawMessage = doc
	return Encode(v)
}

func (s *Store[V]) markDirty() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
}
