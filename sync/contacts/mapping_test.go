package contacts

import (
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

func TestNormalizeNumber(t *testing.T) {
	tests := []struct {
		raw, region, want, err string
	}{
		{"02 1234 5678", "IT", "+390212345678", ""},
		{"+44 20 7946 0958", "IT", "+442079460958", ""},
		{"0039 333 1234567", "IT", "+393331234567", ""},
		{"333 123 4567", "it", "+393331234567", ""},
		{"(415) 555-2671", "US", "+14155552671", ""},
		{"+39 02 1234 5678", "", "+390212345678", ""},
		{"02 1234 5678", "", "", "no country code"},
		{"call me", "IT", "", "not a phone number"},
		{"+39 1", "IT", "", "not a phone number"},
		{"+39 0212", "IT", "", "not a possible number"},
		{"   ", "IT", "", "empty"},
		{strings.Repeat("1", 300), "IT", "", "not a phone number"},
	}
	for _, tt := range tests {
		got, err := NormalizeNumber(tt.raw, tt.region)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NormalizeNumber(%q, %q) = %q, %v; want an error with %q", tt.raw, tt.region, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeNumber(%q, %q) = %q, %v; want %q", tt.raw, tt.region, got, err, tt.want)
		}
	}
}

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{"IT": true, "it": true, "GB": true, "US": true, "XX": false, "": false, "ITA": false} {
		if got := ValidRegion(region); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", region, got, want)
		}
	}
}

func TestEntry(t *testing.T) {
	tests := []struct {
		name    string
		in      graph.Contact
		ok      bool
		want    onecloud.PhonebookContact
		reasons []string
	}{
		{
			name: "every field",
			in: graph.Contact{ID: "AAMk1", DisplayName: " Studio  Bianchi ", CompanyName: "Studio Bianchi srl", JobTitle: "Ufficio",
				EmailAddresses: []graph.EmailAddress{{Address: ""}, {Name: "Info", Address: "info@studiobianchi.it"}},
				BusinessPhones: []string{"02 1234 5678"}, MobilePhone: "333 1234567", HomePhones: []string{"+44 20 7946 0958"}},
			ok: true,
			want: onecloud.PhonebookContact{Source: "calsync", ExternalID: "AAMk1", Name: "Studio Bianchi", Company: "Studio Bianchi srl",
				Title: "Ufficio", Email: "info@studiobianchi.it", Numbers: []onecloud.PhoneNumber{
					{Type: "work", Number: "+390212345678"}, {Type: "mobile", Number: "+393331234567"}, {Type: "home", Number: "+442079460958"}}},
		},
		{
			name: "given and surname when no display name; a duplicate written once",
			in:   graph.Contact{ID: "A2", GivenName: "Mario", Surname: "Rossi", BusinessPhones: []string{"+39 02 1234 5678", "0039 02 12345678"}},
			ok:   true,
			want: onecloud.PhonebookContact{Source: "calsync", ExternalID: "A2", Name: "Mario Rossi",
				Numbers: []onecloud.PhoneNumber{{Type: "work", Number: "+390212345678"}}},
		},
		{
			name: "company when no person's name; a bad number skipped, the rest kept",
			in:   graph.Contact{ID: "A3", CompanyName: "Idraulica Srl", BusinessPhones: []string{"chiamare"}, MobilePhone: "3331234567"},
			ok:   true,
			want: onecloud.PhonebookContact{Source: "calsync", ExternalID: "A3", Name: "Idraulica Srl", Company: "Idraulica Srl",
				Numbers: []onecloud.PhoneNumber{{Type: "mobile", Number: "+393331234567"}}},
			reasons: []string{`work number "chiamare" is not a phone number`},
		},
		{name: "no number", in: graph.Contact{ID: "A4", DisplayName: "Idraulico"}, reasons: []string{"no phone number"}},
		{name: "only bad numbers", in: graph.Contact{ID: "A5", DisplayName: "X", MobilePhone: "12"},
			reasons: []string{"no phone number", `mobile number "12" is not a possible number`}},
		{name: "no name", in: graph.Contact{ID: "A6", MobilePhone: "3331234567", EmailAddresses: []graph.EmailAddress{{Address: "a@b.it"}}},
			reasons: []string{"no name"}},
		{name: "no id", in: graph.Contact{DisplayName: "X", MobilePhone: "3331234567"}, reasons: []string{"no Exchange id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skips, ok := Entry(tt.in, "IT")
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (skips %v)", ok, tt.ok, skips)
			}
			if ok && !sameEntry(got, tt.want) || got.Source != tt.want.Source || got.ExternalID != tt.want.ExternalID {
				t.Errorf("entry = %+v, want %+v", got, tt.want)
			}
			var reasons []string
			for _, s := range skips {
				reasons = append(reasons, s.Reason)
			}
			if !slices.Equal(reasons, tt.reasons) {
				t.Errorf("skip reasons = %q, want %q", reasons, tt.reasons)
			}
		})
	}
}

func TestEntryLimits(t *testing.T) {
	c := graph.Contact{ID: "A", DisplayName: strings.Repeat("è", 250)}
	for i := range 12 {
		c.BusinessPhones = append(c.BusinessPhones, "02 1234 56"+string(rune('0'+i/10))+string(rune('0'+i%10)))
	}
	e, skips, ok := Entry(c, "IT")
	if !ok {
		t.Fatal(skips)
	}
	if n := len([]rune(e.Name)); n != maxNameRunes {
		t.Errorf("name has %d characters, want %d", n, maxNameRunes)
	}
	if len(e.Numbers) != maxNumbers || len(skips) != 2 {
		t.Errorf("%d numbers and %d skips, want %d and 2", len(e.Numbers), len(skips), maxNumbers)
	}
}

// FuzzEntry: any contact maps without panicking, and what it maps to keeps the OneCloud rules.
func FuzzEntry(f *testing.F) {
	f.Add("id", "Studio Bianchi", "", "", "02 1234 5678", "333 1234567", "+44 20 7946 0958", "IT")
	f.Add("", "", "Mario", "Rossi", "0039 333 1234567", "", "x", "")
	f.Add("x", "\u0000", "", "", "+1 (415) 555-2671 ext. 9", "*31#", "00", "US")
	f.Fuzz(func(t *testing.T, id, display, given, surname, work, mobile, home, region string) {
		c := graph.Contact{ID: id, DisplayName: display, GivenName: given, Surname: surname,
			BusinessPhones: []string{work}, MobilePhone: mobile, HomePhones: []string{home}}
		e, skips, ok := Entry(c, region)
		if !ok {
			if len(skips) == 0 {
				t.Fatal("skipped with no reason")
			}
			return
		}
		if e.Name == "" || len([]rune(e.Name)) > maxNameRunes {
			t.Fatalf("name %q", e.Name)
		}
		if len(e.Numbers) == 0 || len(e.Numbers) > maxNumbers {
			t.Fatalf("%d numbers", len(e.Numbers))
		}
		for _, n := range e.Numbers {
			if len(n.Number) < 3 || len(n.Number) > 16 || n.Number[0] != '+' || n.Number[1] == '0' ||
				strings.Trim(n.Number[1:], "0123456789") != "" {
				t.Fatalf("number %q is not E.164", n.Number)
			}
			// A valid number normalises to itself. (A merely possible one need not: libphonenumber
			// may read a leading 0 as a national prefix the second time.)
			if num, err := phonenumbers.Parse(n.Number, ""); err != nil || !phonenumbers.IsValidNumber(num) {
				continue
			}
			if again, err := NormalizeNumber(n.Number, ""); err != nil || again != n.Number {
				t.Fatalf("NormalizeNumber(%q) = %q, %v", n.Number, again, err)
			}
		}
	})
}
