package onecloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Activity is a presence activity a OneCloud user can be in ("Meeting",
// "Lunch", ...). Available says whether calls reach the user in it.
type Activity struct {
	ID        string
	Name      string
	Available bool
}

// Role is a OneCloud role (office, mobile, remote, ...): which devices ring.
type Role struct {
	ID   string
	Name string
}

// Group is a OneCloud user group; Members are user ids. Rules scoped to a
// group apply to its members.
type Group struct {
	ID      string
	Name    string
	Members []string
}

// User is a OneCloud user: ID is the one the presence endpoints take.
type User struct {
	ID       string
	Username string
	Name     string
	Email    string
}

// Presence is a user's telephone presence. Until is when the activity ends;
// the zero time means open-ended (JSON null). On the wire Until is RFC 3339
// in UTC with whole seconds.
type Presence struct {
	Activity string
	Role     string
	Note     string
	Until    time.Time
}

// Equal reports whether p and q are the same presence for the purpose of
// deciding whether to write: same activity, same role, and the same until to
// the second (both zero counts as equal). Note does not count: it is a
// human-readable explanation the engine rewrites freely ("Calendar: busy
// until 14:30"), so a different note alone is never worth a write, nor
// evidence that a person changed the presence.
func (p Presence) Equal(q Presence) bool {
	if p.Activity != q.Activity || p.Role != q.Role {
		return false
	}
	if p.Until.IsZero() || q.Until.IsZero() {
		return p.Until.IsZero() && q.Until.IsZero()
	}
	return p.Until.Unix() == q.Until.Unix()
}

// wirePresence is the presence JSON object. Until is raw so that null,
// absent and malformed can be told apart.
type wirePresence struct {
	Activity string          `json:"activity"`
	Role     string          `json:"role"`
	Note     string          `json:"note"`
	Until    json.RawMessage `json:"until"`
}

// ParsePresence reads a presence object as GET and PUT
// /v1/users/{id}/presence return it:
// {"activity":"available","role":"office","note":"","until":null}.
// activity is required; until must be null/absent or an RFC 3339 time, which
// is returned in UTC.
func ParsePresence(data []byte) (Presence, error) {
	var w wirePresence
	if err := decodeObject(data, &w); err != nil {
		return Presence{}, fmt.Errorf("presence: %w", err)
	}
	if w.Activity == "" {
		return Presence{}, fmt.Errorf("presence: activity: missing or empty, expected an activity id")
	}
	until, err := parseUntil(w.Until)
	if err != nil {
		return Presence{}, fmt.Errorf("presence: %w", err)
	}
	return Presence{Activity: w.Activity, Role: w.Role, Note: w.Note, Until: until}, nil
}

// parseUntil reads the until value: absent or null is the zero time.
func parseUntil(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("until: expected an RFC 3339 time string or null, got %s", clip(string(raw), 40))
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("until: expected an RFC 3339 time such as 2026-11-25T14:30:00Z or null, got %q", clip(s, 40))
	}
	t = t.UTC()
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		// The zero instant would read back as "open-ended", and years
		// outside 0001-9999 cannot be written back in RFC 3339.
		return time.Time{}, fmt.Errorf("until: %q is not a usable time", s)
	}
	return t, nil
}

// encodePresence is the PUT body: {"activity","role","note","until"} with
// until null or RFC 3339 UTC whole seconds.
func encodePresence(p Presence) ([]byte, error) {
	var until *string
	if !p.Until.IsZero() {
		s := p.Until.UTC().Format(time.RFC3339)
		until = &s
	}
	return json.Marshal(struct {
		Activity string  `json:"activity"`
		Role     string  `json:"role"`
		Note     string  `json:"note"`
		Until    *string `json:"until"`
	}{p.Activity, p.Role, p.Note, until})
}

// ParseActivities reads {"activities":[{"id","name","available"}, ...]}.
// Every activity needs an id, unique in the list.
func ParseActivities(data []byte) ([]Activity, error) {
	var w struct {
		Activities *[]*struct {
			ID        string `json:"id"`
			Name      string `json:"name"`
			Available bool   `json:"available"`
		} `json:"activities"`
	}
	if err := decodeObject(data, &w); err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	if w.Activities == nil {
		return nil, fmt.Errorf("activities: missing, expected a list")
	}
	seen := map[string]bool{}
	out := make([]Activity, 0, len(*w.Activities))
	for i, a := range *w.Activities {
		if err := uniqueID("activities", i, a, func() string { return a.ID }, seen); err != nil {
			return nil, err
		}
		out = append(out, Activity{ID: a.ID, Name: a.Name, Available: a.Available})
	}
	return out, nil
}

// ParseRoles reads {"roles":[{"id","name"}, ...]}. Every role needs an id,
// unique in the list.
func ParseRoles(data []byte) ([]Role, error) {
	var w struct {
		Roles *[]*struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"roles"`
	}
	if err := decodeObject(data, &w); err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	if w.Roles == nil {
		return nil, fmt.Errorf("roles: missing, expected a list")
	}
	seen := map[string]bool{}
	out := make([]Role, 0, len(*w.Roles))
	for i, r := range *w.Roles {
		if err := uniqueID("roles", i, r, func() string { return r.ID }, seen); err != nil {
			return nil, err
		}
		out = append(out, Role{ID: r.ID, Name: r.Name})
	}
	return out, nil
}

// ParseGroups reads {"groups":[{"id","name","members":["1001"]}, ...]}.
// Every group needs an id, unique in the list; members are non-empty user
// ids (an absent or null members list is an empty group).
func ParseGroups(data []byte) ([]Group, error) {
	var w struct {
		Groups *[]*struct {
			ID      string   `json:"id"`
			Name    string   `json:"name"`
			Members []string `json:"members"`
		} `json:"groups"`
	}
	if err := decodeObject(data, &w); err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	if w.Groups == nil {
		return nil, fmt.Errorf("groups: missing, expected a list")
	}
	seen := map[string]bool{}
	out := make([]Group, 0, len(*w.Groups))
	for i, g := range *w.Groups {
		if err := uniqueID("groups", i, g, func() string { return g.ID }, seen); err != nil {
			return nil, err
		}
		for j, m := range g.Members {
			if m == "" {
				return nil, fmt.Errorf("groups[%d].members[%d]: empty user id", i, j)
			}
		}
		out = append(out, Group{ID: g.ID, Name: g.Name, Members: append([]string(nil), g.Members...)})
	}
	return out, nil
}

// ParseUsersPage reads one page of GET /v1/users:
// {"users":[{"id","username","name","email"}, ...],"nextPage":2}.
// next is 0 when nextPage is null or absent (the last page), otherwise a
// positive page number. Every user needs an id, unique in the page.
func ParseUsersPage(data []byte) (users []User, next int, err error) {
	var w struct {
		Users *[]*struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			Name     string `json:"name"`
			Email    string `json:"email"`
		} `json:"users"`
		NextPage json.RawMessage `json:"nextPage"`
	}
	if err := decodeObject(data, &w); err != nil {
		return nil, 0, fmt.Errorf("users page: %w", err)
	}
	if w.Users == nil {
		return nil, 0, fmt.Errorf("users page: users: missing, expected a list")
	}
	if next, err = nextPage(w.NextPage); err != nil {
		return nil, 0, fmt.Errorf("users page: %w", err)
	}
	seen := map[string]bool{}
	users = make([]User, 0, len(*w.Users))
	for i, u := range *w.Users {
		if err := uniqueID("users", i, u, func() string { return u.ID }, seen); err != nil {
			return nil, 0, fmt.Errorf("users page: %w", err)
		}
		users = append(users, User{ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email})
	}
	return users, next, nil
}

// uniqueID checks the id of item i of a listed field: the item is there, its id is not empty,
// and no earlier item had it. id is called only for a non-nil item.
func uniqueID[T any](list string, i int, item *T, id func() string, seen map[string]bool) error {
	if item == nil || id() == "" {
		return fmt.Errorf("%s[%d].id: missing or empty", list, i)
	}
	v := id()
	if seen[v] {
		return fmt.Errorf("%s[%d].id: %q appears twice", list, i, clip(v, 40))
	}
	seen[v] = true
	return nil
}

// nextPage reads a page's nextPage: 0 when it is null or absent (the last page), otherwise a
// positive page number.
func nextPage(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil || n < 1 {
		return 0, fmt.Errorf("nextPage: expected a positive integer or null, got %s", clip(string(raw), 40))
	}
	return n, nil
}

// decodeObject decodes a single JSON object into v, rejecting anything but
// an object and trailing data. Unknown fields are ignored so that a server
// adding fields does not break the client.
func decodeObject(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("expected a JSON object, got %s", clip(string(trimmed), 40))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("invalid JSON: data after the object")
	}
	return nil
}

// clip shortens s for an error message and makes control characters
// visible, so a hostile body cannot forge log lines.
func clip(s string, max int) string {
	r := []rune(s)
	if len(r) > max {
		r = append(r[:max], '…')
	}
	out := make([]rune, 0, len(r))
	for _, c := range r {
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		out = append(out, c)
	}
	return string(out)
}
