package onecloud

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParsePhonebookPage(t *testing.T) {
	example := `{"contacts":[{"id":"c-17","etag":"\"c-17-3\"","source":"calsync","externalId":"AAMkAGI2...",
	 "name":"Studio Bianchi","company":"Studio Bianchi srl","title":"","email":"info@studiobianchi.it",
	 "numbers":[{"type":"work","number":"+390212345678"},{"type":"mobile","number":"+393331234567"}]}],"nextPage":2}`
	tests := []struct {
		name, in string
		want     []PhonebookContact
		next     int
		err      string
	}{
		{"contract example", example, []PhonebookContact{{ID: "c-17", ETag: `"c-17-3"`, Source: "calsync",
			ExternalID: "AAMkAGI2...", Name: "Studio Bianchi", Company: "Studio Bianchi srl", Email: "info@studiobianchi.it",
			Numbers: []PhoneNumber{{"work", "+390212345678"}, {"mobile", "+393331234567"}}}}, 2, ""},
		{"last page", `{"contacts":[],"nextPage":null}`, []PhonebookContact{}, 0, ""},
		{"nextPage absent", `{"contacts":[]}`, []PhonebookContact{}, 0, ""},
		{"hand-made entry with an extension is listed", `{"contacts":[{"id":"c-1","etag":"\"x\"","source":"manual","name":"Reception","numbers":[{"type":"work","number":"201"}]}]}`,
			[]PhonebookContact{{ID: "c-1", ETag: `"x"`, Source: "manual", Name: "Reception", Numbers: []PhoneNumber{{"work", "201"}}}}, 0, ""},
		{"unknown fields ignored", `{"contacts":[{"id":"c-1","etag":"\"x\"","avatar":"..."}],"total":1}`,
			[]PhonebookContact{{ID: "c-1", ETag: `"x"`}}, 0, ""},
		{"contacts missing", `{"nextPage":2}`, nil, 0, "contacts: missing"},
		{"contacts null", `{"contacts":null}`, nil, 0, "contacts: missing"},
		{"null entry", `{"contacts":[null]}`, nil, 0, "contacts[0].id: missing"},
		{"no id", `{"contacts":[{"etag":"\"x\""}]}`, nil, 0, "contacts[0].id: missing"},
		{"no etag", `{"contacts":[{"id":"c-1"}]}`, nil, 0, "contacts[0].etag: missing"},
		{"duplicate id", `{"contacts":[{"id":"c-1","etag":"a"},{"id":"c-1","etag":"b"}]}`, nil, 0, `contacts[1].id: "c-1" appears twice`},
		{"nextPage zero", `{"contacts":[],"nextPage":0}`, nil, 0, "nextPage: expected a positive integer"},
		{"nextPage string", `{"contacts":[],"nextPage":"2"}`, nil, 0, "nextPage: expected a positive integer"},
		{"numbers wrong type", `{"contacts":[{"id":"c-1","etag":"a","numbers":"+39"}]}`, nil, 0, "invalid JSON"},
		{"array", `[]`, nil, 0, "expected a JSON object"},
		{"trailing", `{"contacts":[]} x`, nil, 0, "data after the object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := ParsePhonebookPage([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				if got != nil || next != 0 {
					t.Errorf("results %v %d with an error", got, next)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || next != tt.next {
				t.Errorf("got %+v next %d\nwant %+v next %d", got, next, tt.want, tt.next)
			}
		})
	}
}

func validContact() PhonebookContact {
	return PhonebookContact{Source: ContactSourceCalsync, ExternalID: "AAMk1", Name: "Studio Bianchi",
		Numbers: []PhoneNumber{{"work", "+390212345678"}}}
}

func TestValidateContact(t *testing.T) {
	many := make([]PhoneNumber, 11)
	for i := range many {
		many[i] = PhoneNumber{"work", "+39021234567" + string(rune('0'+i%10))}
	}
	tests := []struct {
		name  string
		edit  func(*PhonebookContact)
		field string // "" = valid
		msg   string
	}{
		{"valid", func(*PhonebookContact) {}, "", ""},
		{"every type", func(c *PhonebookContact) {
			c.Numbers = []PhoneNumber{{"work", "+12"}, {"mobile", "+123456789012345"}, {"home", "+44"}, {"other", "+91"}}
		}, "", ""},
		{"name 200 runes", func(c *PhonebookContact) { c.Name = strings.Repeat("è", 200) }, "", ""},
		{"ten numbers", func(c *PhonebookContact) { c.Numbers = many[:10] }, "", ""},
		{"name empty", func(c *PhonebookContact) { c.Name = "" }, "name", "required"},
		{"name spaces", func(c *PhonebookContact) { c.Name = "  \t" }, "name", "required"},
		{"name 201 runes", func(c *PhonebookContact) { c.Name = strings.Repeat("è", 201) }, "name", "201 characters, at most 200"},
		{"name bad UTF-8", func(c *PhonebookContact) { c.Name = "a\xff" }, "name", "UTF-8"},
		{"no numbers", func(c *PhonebookContact) { c.Numbers = nil }, "numbers", "at least one"},
		{"eleven numbers", func(c *PhonebookContact) { c.Numbers = many }, "numbers", "11 numbers, at most 10"},
		{"bad type", func(c *PhonebookContact) { c.Numbers = append(c.Numbers, PhoneNumber{"fax", "+390212345678"}) }, "numbers[1].type", `"fax" is not one of`},
		{"empty type", func(c *PhonebookContact) { c.Numbers[0].Type = "" }, "numbers[0].type", "not one of"},
		{"national number", func(c *PhonebookContact) { c.Numbers[0].Number = "0212345678" }, "numbers[0].number", "not E.164"},
		{"leading zero", func(c *PhonebookContact) { c.Numbers[0].Number = "+0212345678" }, "numbers[0].number", "not E.164"},
		{"one digit", func(c *PhonebookContact) { c.Numbers[0].Number = "+3" }, "numbers[0].number", "not E.164"},
		{"sixteen digits", func(c *PhonebookContact) { c.Numbers[0].Number = "+1234567890123456" }, "numbers[0].number", "not E.164"},
		{"spaces", func(c *PhonebookContact) { c.Numbers[0].Number = "+39 02 1234" }, "numbers[0].number", "not E.164"},
		{"non-ASCII digits", func(c *PhonebookContact) { c.Numbers[0].Number = "+39٠٢" }, "numbers[0].number", "not E.164"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validContact()
			c.Numbers = append([]PhoneNumber(nil), c.Numbers...)
			tt.edit(&c)
			err := ValidateContact(c)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("err = %v, want valid", err)
				}
				return
			}
			var ce *ContactError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want *ContactError", err, err)
			}
			if ce.Field != tt.field || !strings.Contains(ce.Reason, tt.msg) {
				t.Errorf("err = %v, want field %q and %q", err, tt.field, tt.msg)
			}
			if !strings.Contains(err.Error(), tt.field) || !IsInvalidContact(err) {
				t.Errorf("message %q does not name the field, or IsInvalidContact false", err)
			}
		})
	}
}

func TestPhonebookString(t *testing.T) {
	for _, tt := range []struct {
		b    Phonebook
		want string
		path string
	}{
		{PersonalPhonebook("1001"), "user:1001", "/v1/users/1001/contacts"},
		{PersonalPhonebook("a/b c"), "user:a/b c", "/v1/users/a%2Fb%20c/contacts"},
		{OfficePhonebook(), "phonebook", "/v1/phonebook/contacts"},
	} {
		if got := tt.b.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if p, err := tt.b.basePath(); err != nil || p != tt.path {
			t.Errorf("basePath() = %q, %v; want %q", p, err, tt.path)
		}
	}
	if _, err := (Phonebook{}).basePath(); err == nil {
		t.Error("the zero Phonebook has a path")
	}
}

func FuzzParsePhonebookPage(f *testing.F) {
	for _, s := range []string{
		`{"contacts":[{"id":"c-17","etag":"\"c-17-3\"","source":"calsync","externalId":"AAMkAGI2...","name":"Studio Bianchi","company":"Studio Bianchi srl","title":"","email":"info@studiobianchi.it","numbers":[{"type":"work","number":"+390212345678"}]}],"nextPage":2}`,
		`{"contacts":[],"nextPage":null}`,
		`{"contacts":[{"id":"a","etag":"x"},{"id":"a","etag":"y"}]}`,
		`{"contacts":[null],"nextPage":-1}`,
		`{"contacts":[{"id":"","numbers":[null]}],"nextPage":1e3}`,
		`{"nextPage":2}`, `[]`, `"contacts"`, "{\"contacts\":[{\"id\":\"\xff\",\"etag\":\"e\"}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, next, err := ParsePhonebookPage(data)
		if err != nil {
			if list != nil || next != 0 {
				t.Errorf("error %v with results %v %d", err, list, next)
			}
			return
		}
		if next < 0 {
			t.Errorf("next = %d", next)
		}
		seen := map[string]bool{}
		wire := make([]WireContact, 0, len(list))
		for _, c := range list {
			if c.ID == "" || c.ETag == "" || seen[c.ID] {
				t.Fatalf("bad entry %+v", c)
			}
			seen[c.ID] = true
			wire = append(wire, toWireContact(c, true))
		}
		// Round trip: what was parsed encodes and parses back the same.
		var np *int
		if next > 0 {
			np = &next
		}
		enc, err := json.Marshal(map[string]any{"contacts": wire, "nextPage": np})
		if err != nil {
			t.Fatal(err)
		}
		again, next2, err := ParsePhonebookPage(enc)
		if err != nil || next2 != next || len(again) != len(list) {
			t.Fatalf("round trip: %v %d %d, from %s", err, next2, len(again), enc)
		}
		for i := range list {
			a, b := list[i], again[i]
			if len(a.Numbers) == 0 && len(b.Numbers) == 0 {
				a.Numbers, b.Numbers = nil, nil
			}
			if !reflect.DeepEqual(a, b) && validUTF8(a) {
				t.Errorf("round trip: %+v != %+v", a, b)
			}
		}
	})
}

// validUTF8 is false when JSON encoding replaced bytes, so a round trip may
// differ legitimately.
func validUTF8(c PhonebookContact) bool {
	s := []string{c.ID, c.ETag, c.Source, c.ExternalID, c.Name, c.Company, c.Title, c.Email}
	for _, n := range c.Numbers {
		s = append(s, n.Type, n.Number)
	}
	for _, v := range s {
		if strings.ToValidUTF8(v, "\x00") != v {
			return false
		}
	}
	return true
}

func FuzzValidateContact(f *testing.F) {
	f.Add("Studio Bianchi", "work", "+390212345678", 1)
	f.Add("", "fax", "0212", 0)
	f.Add("x", "mobile", "+0", 11)
	f.Fuzz(func(t *testing.T, name, typ, number string, n int) {
		n = min(max(n, 0), 12)
		c := PhonebookContact{Name: name}
		for range n {
			c.Numbers = append(c.Numbers, PhoneNumber{typ, number})
		}
		err := ValidateContact(c)
		if err != nil {
			var ce *ContactError
			if !errors.As(err, &ce) || ce.Field == "" {
				t.Fatalf("err %v is not a ContactError with a field", err)
			}
			return
		}
		if strings.TrimSpace(name) == "" || n < 1 || n > 10 || !IsE164(number) || !contactNumberTypes[typ] {
			t.Fatalf("accepted %+v", c)
		}
	})
}
