package onecloud

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParsePresence(t *testing.T) {
	tests := []struct {
		name, in string
		want     Presence
		wantErr  string
	}{
		{"contract example", `{"activity":"available","role":"office","note":"","until":null}`,
			Presence{Activity: "available", Role: "office"}, ""},
		{"until UTC", `{"activity":"meeting","role":"","note":"Calendar: busy until 14:30","until":"2026-11-25T13:30:00Z"}`,
			Presence{Activity: "meeting", Note: "Calendar: busy until 14:30", Until: time.Date(2026, 11, 25, 13, 30, 0, 0, time.UTC)}, ""},
		{"until with offset is read as UTC", `{"activity":"meeting","until":"2026-11-25T14:30:00+01:00"}`,
			Presence{Activity: "meeting", Until: time.Date(2026, 11, 25, 13, 30, 0, 0, time.UTC)}, ""},
		{"until absent", `{"activity":"lunch"}`, Presence{Activity: "lunch"}, ""},
		{"unknown fields ignored", `{"activity":"lunch","since":"x","extra":{"a":1}}`, Presence{Activity: "lunch"}, ""},
		{"empty activity", `{"activity":"","until":null}`, Presence{}, "activity: missing or empty"},
		{"null body", `null`, Presence{}, "expected a JSON object"},
		{"array", `[{"activity":"a"}]`, Presence{}, "expected a JSON object"},
		{"trailing data", `{"activity":"a"} {}`, Presence{}, "data after the object"},
		{"trailing brace", `{"activity":"a"}}`, Presence{}, "data after the object"},
		{"until empty string", `{"activity":"a","until":""}`, Presence{}, "until: expected an RFC 3339 time"},
		{"until date only", `{"activity":"a","until":"2026-11-25"}`, Presence{}, "until: expected an RFC 3339 time"},
		{"until object", `{"activity":"a","until":{}}`, Presence{}, "until: expected an RFC 3339 time string or null"},
		{"until zero instant", `{"activity":"a","until":"0001-01-01T00:00:00Z"}`, Presence{}, "not a usable time"},
		{"activity wrong type", `{"activity":5}`, Presence{}, "activity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePresence([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEncodePresence(t *testing.T) {
	tests := []struct {
		p    Presence
		want string
	}{
		{Presence{Activity: "available", Role: "office"}, `{"activity":"available","role":"office","note":"","until":null}`},
		{Presence{Activity: "meeting", Note: "Calendar: busy", Until: time.Date(2026, 11, 25, 14, 30, 0, 500, time.FixedZone("CET", 3600))},
			`{"activity":"meeting","role":"","note":"Calendar: busy","until":"2026-11-25T13:30:00Z"}`},
	}
	for _, tt := range tests {
		b, err := encodePresence(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("encode %+v = %s, want %s", tt.p, b, tt.want)
		}
	}
}

func TestParseUsersPage(t *testing.T) {
	users, next, err := ParseUsersPage([]byte(`{"users":[{"id":"1001","username":"mario.rossi","name":"Mario Rossi","email":"mario.rossi@contoso.it"}],"nextPage":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if next != 2 || len(users) != 1 || users[0] != (User{"1001", "mario.rossi", "Mario Rossi", "mario.rossi@contoso.it"}) {
		t.Errorf("users %+v next %d", users, next)
	}
	for in, wantErr := range map[string]string{
		`{"users":[],"nextPage":null}`:                 "",
		`{"users":[]}`:                                 "",
		`{"nextPage":null}`:                            "users: missing",
		`{"users":null}`:                               "users: missing",
		`{"users":[null]}`:                             "users[0].id: missing",
		`{"users":[{"id":"a"},{"id":"a"}]}`:            `users[1].id: "a" appears twice`,
		`{"users":[],"nextPage":0}`:                    "nextPage: expected a positive integer",
		`{"users":[],"nextPage":-3}`:                   "nextPage: expected a positive integer",
		`{"users":[],"nextPage":2.5}`:                  "nextPage: expected a positive integer",
		`{"users":[],"nextPage":"2"}`:                  "nextPage: expected a positive integer",
		`{"users":[{"id":7}]}`:                         "users page: invalid JSON",
		`{"users":[],"nextPage":99999999999999999999}`: "nextPage",
	} {
		_, _, err := ParseUsersPage([]byte(in))
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("ParseUsersPage(%s) = %v, want %q", in, err, wantErr)
		}
	}
}

// FuzzParsePresence: no input panics; whatever parses survives a round trip
// through the PUT encoding unchanged, with until in UTC whole seconds or
// zero.
func FuzzParsePresence(f *testing.F) {
	for _, s := range []string{
		`{"activity":"available","role":"office","note":"","until":null}`,
		`{"activity":"meeting","role":"mobile","note":"Calendar: busy until 14:30","until":"2026-11-25T13:30:00Z"}`,
		`{"activity":"away","until":"2026-11-25T14:30:00.123+01:00"}`,
		`{"activity":"x","until":""}`,
		`{"activity":"","until":null}`,
		`null`, `[]`, `{}`, `{"activity":"a"}}`, "{\"activity\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePresence(data)
		if err != nil {
			if p != (Presence{}) {
				t.Errorf("error %v with non-zero presence %+v", err, p)
			}
			return
		}
		if p.Activity == "" {
			t.Fatalf("parsed presence without activity from %q", data)
		}
		if !p.Until.IsZero() && p.Until.Location() != time.UTC {
			t.Errorf("until not UTC: %v", p.Until)
		}
		enc, err := encodePresence(p)
		if err != nil {
			t.Fatalf("encode %+v: %v", p, err)
		}
		back, err := ParsePresence(enc)
		if err != nil {
			t.Fatalf("re-parse %s: %v", enc, err)
		}
		if !back.Equal(p) || (utf8.ValidString(p.Note) && back.Note != p.Note) {
			t.Errorf("round trip %+v -> %s -> %+v", p, enc, back)
		}
	})
}

// FuzzParseUsersPage: no input panics; a parsed page has non-empty unique
// ids and a next page that is 0 (none) or positive.
func FuzzParseUsersPage(f *testing.F) {
	for _, s := range []string{
		`{"users":[{"id":"1001","username":"mario.rossi","name":"Mario Rossi","email":"mario.rossi@contoso.it"}],"nextPage":2}`,
		`{"users":[],"nextPage":null}`,
		`{"users":[{"id":"a"},{"id":"a"}]}`,
		`{"users":[null],"nextPage":-1}`,
		`{"users":[{"id":""}],"nextPage":1e3}`,
		`{"nextPage":2}`, `[]`, `"users"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		users, next, err := ParseUsersPage(data)
		if err != nil {
			if users != nil || next != 0 {
				t.Errorf("error %v with results %v %d", err, users, next)
			}
			return
		}
		if next < 0 {
			t.Errorf("next = %d", next)
		}
		seen := map[string]bool{}
		for i, u := range users {
			if u.ID == "" || seen[u.ID] {
				t.Errorf("users[%d].id %q empty or repeated", i, u.ID)
			}
			seen[u.ID] = true
		}
	})
}
