package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecodeValidate feeds arbitrary text to Decode and Validate: neither
// may panic, every decode failure is a *DecodeError, and whatever decodes
// encodes to a text that decodes to the same config.
func FuzzDecodeValidate(f *testing.F) {
	for _, name := range []string{"example.json", "issue-example.json", "default.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version": 2}`))
	f.Add([]byte(`{"rules": [{"type": "availability", "match": "bussy"}], "rules": null}`))
	f.Add([]byte("\xef\xbb\xbf{\"users\": [{\"enabled\": \"true\", \"mailbox\": \"a@b\"}]}"))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("decode error %T is not a *DecodeError: %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if verr := c.Validate(); verr != nil {
			var verrs ValidationErrors
			if !errors.As(verr, &verrs) || len(verrs) == 0 {
				t.Fatalf("Validate error %T is not a non-empty ValidationErrors", verr)
			}
		}
		_, _ = c.SecretExpiry()
		_, _, _, _ = c.Interval(), c.Lookahead(), c.AuthorityURL(), c.GraphURL()

		once, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Decode(once)
		if err != nil {
			t.Fatalf("Decode(Marshal(c)): %v\n%s", err, once)
		}
		twice, err := Marshal(again)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the config:\n%s\n%s", once, twice)
		}
	})
}

// FuzzParseExpiryInput: a typed date is either refused or a real day
// between today and MaxExpiryYears ahead, written back as typed.
func FuzzParseExpiryInput(f *testing.F) {
	for _, s := range []string{"2027-12-01", "2027-02-30", "2026-12-06", "2040-01-01", " 2027-01-01 ", "", "31/12/2027"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExpiryInput(s, now)
		if err != nil {
			return
		}
		d, perr := time.Parse(dateLayout, got)
		if perr != nil || d.Before(now.Truncate(24*time.Hour)) || d.After(now.AddDate(MaxExpiryYears, 0, 0)) {
			t.Fatalf("ParseExpiryInput(%q) = %q accepted", s, got)
		}
	})
}
