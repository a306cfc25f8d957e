package emulator

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ocContactJSON is a phonebook entry on the wire, written from docs/onecloud-api.md
// ("Contact"), not from the client: a contract mistake in the client then shows up as a 400
// in the tests instead of being mirrored here.
type ocContactJSON struct {
	ID         string         `json:"id,omitempty"`
	ETag       string         `json:"etag,omitempty"`
	Source     string         `json:"source"`
	ExternalID string         `json:"externalId"`
	Name       string         `json:"name"`
	Company    string         `json:"company"`
	Title      string         `json:"title"`
	Email      string         `json:"email"`
	Numbers    []ocNumberJSON `json:"numbers"`
}

// ocNumberJSON is one entry of a contact's numbers.
type ocNumberJSON struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// The Contact rules of docs/onecloud-api.md, which bind what is written (POST, PUT).
const (
	ocContactMaxName    = 200
	ocContactMaxNumbers = 10
)

// ocE164 is "+ then 2 to 15 digits, the first not 0".
var ocE164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// ocContactProblem returns the first broken rule of a written contact as "field: reason", the
// form of a 400 invalid_contact message, or "".
func ocContactProblem(c ocContactJSON) string {
	switch n := utf8.RuneCountInString(c.Name); {
	case strings.TrimSpace(c.Name) == "":
		return "name: required"
	case !utf8.ValidString(c.Name):
		return "name: not valid UTF-8"
	case n > ocContactMaxName:
		return fmt.Sprintf("name: %d characters, at most %d allowed", n, ocContactMaxName)
	}
	switch n := len(c.Numbers); {
	case n == 0:
		return "numbers: at least one number is required"
	case n > ocContactMaxNumbers:
		return fmt.Sprintf("numbers: %d numbers, at most %d allowed", n, ocContactMaxNumbers)
	}
	for i, p := range c.Numbers {
		switch p.Type {
		case "work", "mobile", "home", "other":
		default:
			return fmt.Sprintf("numbers[%d].type: %q is not one of work, mobile, home, other", i, ocClip(p.Type, 20))
		}
		if !ocE164.MatchString(p.Number) {
			return fmt.Sprintf("numbers[%d].number: %q is not E.164 (+ then 2 to 15 digits, the first not 0)", i, ocClip(p.Number, 40))
		}
	}
	if c.Source == "" {
		return "source: required"
	}
	return ""
}

// ocClip shortens a quoted value in a message.
func ocClip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}

// OneCloudBook names one phonebook of the emulator: a user's personal one (GET
// /v1/users/{id}/contacts) or the organisation's (/v1/phonebook/contacts).
type OneCloudBook struct {
	userID string
	office bool
}

// OneCloudPersonalBook is the personal phonebook of the OneCloud user userID.
func OneCloudPersonalBook(userID string) OneCloudBook { return OneCloudBook{userID: userID} }

// OneCloudOfficeBook is the organisation's shared phonebook.
func OneCloudOfficeBook() OneCloudBook { return OneCloudBook{office: true} }

// String is "user:1001" for a personal phonebook and "phonebook" for the office one, the names
// docs/onecloud-api.md gives them.
func (b OneCloudBook) String() string {
	switch {
	case b.office:
		return "phonebook"
	case b.userID != "":
		return "user:" + b.userID
	}
	return "(no phonebook)"
}

// UserID is the user of a personal phonebook, "" for the office one.
func (b OneCloudBook) UserID() string { return b.userID }

// IsOffice reports whether b is the office phonebook.
func (b OneCloudBook) IsOffice() bool { return b.office }

// OneCloudContact is one phonebook entry as the emulator stores it. ID and ETag are the
// emulator's; Source "calsync" marks an entry calsync wrote.
type OneCloudContact struct {
	ID, ETag, Source, ExternalID, Name, Company, Title, Email string
	Numbers                                                   []OneCloudNumber
}

// OneCloudNumber is one number of an entry: Type work, mobile, home or other; Number E.164.
type OneCloudNumber struct{ Type, Number string }
