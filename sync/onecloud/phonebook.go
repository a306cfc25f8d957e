package onecloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Phonebook names one OneCloud phonebook: a user's personal one or the
// office's shared one. The zero value names none; every call refuses it.
type Phonebook struct {
	userID string
	office bool
}

// PersonalPhonebook is the personal phonebook of the OneCloud user userID
// (base /v1/users/{id}/contacts).
func PersonalPhonebook(userID string) Phonebook { return Phonebook{userID: userID} }

// OfficePhonebook is the organisation's shared phonebook (base
// /v1/phonebook/contacts).
func OfficePhonebook() Phonebook { return Phonebook{office: true} }

// String is "user:1001" for a personal phonebook and "phonebook" for the
// office one: the "book" field of the contacts report.
func (b Phonebook) String() string {
	switch {
	case b.office:
		return "phonebook"
	case b.userID != "":
		return "user:" + b.userID
	}
	return "(no phonebook)"
}

// UserID is the user of a personal phonebook, "" for the office one.
func (b Phonebook) UserID() string { return b.userID }

// IsOffice reports whether b is the office phonebook.
func (b Phonebook) IsOffice() bool { return b.office }

// basePath is the phonebook's collection path.
func (b Phonebook) basePath() (string, error) {
	switch {
	case b.office:
		return "/v1/phonebook/contacts", nil
	case b.userID != "":
		return "/v1/users/" + url.PathEscape(b.userID) + "/contacts", nil
	}
	return "", errors.New("no phonebook named (use PersonalPhonebook or OfficePhonebook)")
}

// ContactSourceCalsync is the source calsync writes on the entries it owns.
// An entry with any other source was made by a person and is never touched.
const ContactSourceCalsync = "calsync"

// The contract's limits of a phonebook entry.
const (
	MaxContactNameLen = 200
	MaxContactNumbers = 10
)

// PhonebookContact is one phonebook entry. ID and ETag are the server's
// (empty on create); ExternalID is the Graph contact id of an entry calsync
// wrote, unique within one phonebook.
type PhonebookContact struct {
	ID, ETag, Source, ExternalID, Name, Company, Title, Email string
	Numbers                                                   []PhoneNumber
}

// PhoneNumber is one number of an entry: Type is work, mobile, home or
// other; Number is E.164 (+390212345678).
type PhoneNumber struct{ Type, Number string }

// The number types the contract knows.
var contactNumberTypes = map[string]bool{"work": true, "mobile": true, "home": true, "other": true}

// ContactError is a phonebook entry that breaks the contract's rules, found
// by ValidateContact before anything is sent. Field names the JSON field,
// e.g. "name" or "numbers[2].number".
type ContactError struct {
	Field  string
	Reason string
}

func (e *ContactError) Error() string { return "invalid contact: " + e.Field + ": " + e.Reason }

// IsInvalidContact reports whether err says a phonebook entry breaks the
// contract's rules: a ContactError from ValidateContact, or the server's
// 400 invalid_contact (which includes a duplicate externalId). Retrying the
// same entry cannot succeed.
func IsInvalidContact(err error) bool {
	var ce *ContactError
	if errors.As(err, &ce) {
		return true
	}
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusBadRequest && e.Code == "invalid_contact"
}

// ValidateContact checks the rules of an entry calsync may write: name
// required (not only spaces), at most 200 characters; numbers 1 to 10, each
// of type work|mobile|home|other and E.164 (+ then 2-15 digits, the first
// not 0). The error is a *ContactError naming the field. The client runs it
// before every create and update; the emulator answers 400 invalid_contact
// with it. Entries listed from OneCloud are not held to it: a hand-made one
// may carry an internal extension.
func ValidateContact(c PhonebookContact) error {
	if strings.TrimSpace(c.Name) == "" {
		return &ContactError{"name", "required"}
	}
	if !utf8.ValidString(c.Name) {
		return &ContactError{"name", "not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(c.Name); n > MaxContactNameLen {
		return &ContactError{"name", fmt.Sprintf("%d characters, at most %d allowed", n, MaxContactNameLen)}
	}
	switch n := len(c.Numbers); {
	case n == 0:
		return &ContactError{"numbers", "at least one number is required"}
	case n > MaxContactNumbers:
		return &ContactError{"numbers", fmt.Sprintf("%d numbers, at most %d allowed", n, MaxContactNumbers)}
	}
	for i, p := range c.Numbers {
		if !contactNumberTypes[p.Type] {
			return &ContactError{fmt.Sprintf("numbers[%d].type", i),
				fmt.Sprintf("%q is not one of work, mobile, home, other", clip(p.Type, 20))}
		}
		if !IsE164(p.Number) {
			return &ContactError{fmt.Sprintf("numbers[%d].number", i),
				fmt.Sprintf("%q is not E.164 (+ then 2 to 15 digits, the first not 0)", clip(p.Number, 40))}
		}
	}
	return nil
}

// IsE164 reports whether s is "+" then 2 to 15 ASCII digits, the first not 0.
func IsE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ListPhonebook returns every entry of b, following nextPage from page 1
// until it is null, as Users does (see listPages).
func (c *Client) ListPhonebook(ctx context.Context, b Phonebook) ([]PhonebookContact, error) {
	base, err := b.basePath()
	if err != nil {
		return nil, fmt.Errorf("list phonebook: %w", err)
	}
	id := func(ct PhonebookContact) string { return ct.ID }
	return listPages(c, "list phonebook "+b.String(), id, func(page int, op string) (list []PhonebookContact, next int, err error) {
		err = c.doCounted(ctx, op, http.MethodGet, base+"?page="+strconv.Itoa(page), nil, "", &c.phonebookReads,
			func(resp *http.Response, body []byte) (err error) {
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("status %d, expected 200 with a page", resp.StatusCode)
				}
				list, next, err = ParsePhonebookPage(body)
				return err
			})
		return list, next, err
	})
}

// CreateContact adds ct to b (POST {base}) and returns the entry as stored,
// with the ETag of the answer's header. ct.ID and ct.ETag must be empty; an
// empty Source is written as ContactSourceCalsync. A POST is not retried
// after an answer was lost in a way that may have stored it: the retry
// would then meet the duplicate externalId and fail with invalid_contact,
// never store a second entry.
func (c *Client) CreateContact(ctx context.Context, b Phonebook, ct PhonebookContact) (PhonebookContact, error) {
	op := fmt.Sprintf("create contact %q in %s", clip(ct.Name, 60), b)
	base, err := b.basePath()
	if err != nil {
		return PhonebookContact{}, fmt.Errorf("%s: %w", op, err)
	}
	if ct.ID != "" || ct.ETag != "" {
		return PhonebookContact{}, fmt.Errorf("%s: id and etag must be empty; the server assigns them", op)
	}
	body, err := c.contactBody(ct)
	if err != nil {
		return PhonebookContact{}, fmt.Errorf("%s: %w", op, err)
	}
	var got PhonebookContact
	err = c.doCounted(ctx, op, http.MethodPost, base, body, "", &c.phonebookWrites, func(resp *http.Response, data []byte) error {
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d, expected 201 with the stored contact", resp.StatusCode)
		}
		var err error
		got, err = storedContact(resp, data)
		return err
	})
	return got, err
}

// UpdateContact replaces the entry ct.ID of b (PUT {base}/{ct.ID}) with
// If-Match: etag and returns the entry as stored with its new ETag. etag
// must be the one the entry had when calsync last saw it: if a person
// changed it since, the error matches ErrPreconditionFailed and nothing is
// written. An unknown entry matches ErrNotFound. As for presence, retrying
// a PUT is safe because of If-Match.
func (c *Client) UpdateContact(ctx context.Context, b Phonebook, ct PhonebookContact, etag string) (PhonebookContact, error) {
	op := fmt.Sprintf("update contact %s in %s", ct.ID, b)
	base, err := b.basePath()
	if err != nil {
		return PhonebookContact{}, fmt.Errorf("%s: %w", op, err)
	}
	if ct.ID == "" {
		return PhonebookContact{}, fmt.Errorf("update contact in %s: id is empty", b)
	}
	if etag == "" {
		return PhonebookContact{}, fmt.Errorf("%s: etag is empty; writes always carry If-Match", op)
	}
	body, err := c.contactBody(ct)
	if err != nil {
		return PhonebookContact{}, fmt.Errorf("%s: %w", op, err)
	}
	var got PhonebookContact
	err = c.doCounted(ctx, op, http.MethodPut, base+"/"+url.PathEscape(ct.ID), body, etag, &c.phonebookWrites,
		func(resp *http.Response, data []byte) error {
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d, expected 200 with the stored contact", resp.StatusCode)
			}
			var err error
			got, err = storedContact(resp, data)
			return err
		})
	return got, err
}

// DeleteContact removes the entry id of b (DELETE {base}/{id}) with
// If-Match: etag. A changed entry matches ErrPreconditionFailed and stays;
// an unknown one matches ErrNotFound (a retried DELETE whose first attempt
// was applied ends there too: the caller may treat it as done).
func (c *Client) DeleteContact(ctx context.Context, b Phonebook, id, etag string) error {
	op := fmt.Sprintf("delete contact %s in %s", id, b)
	base, err := b.basePath()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if id == "" {
		return fmt.Errorf("delete contact in %s: id is empty", b)
	}
	if etag == "" {
		return fmt.Errorf("%s: etag is empty; writes always carry If-Match", op)
	}
	return c.doCounted(ctx, op, http.MethodDelete, base+"/"+url.PathEscape(id), nil, etag, &c.phonebookWrites,
		func(*http.Response, []byte) error { return nil })
}

// contactBody validates ct and encodes the write body.
func (c *Client) contactBody(ct PhonebookContact) ([]byte, error) {
	if ct.Source == "" {
		ct.Source = ContactSourceCalsync
	}
	if err := ValidateContact(ct); err != nil {
		return nil, err
	}
	body, err := json.Marshal(toWireContact(ct, false))
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return body, nil
}

// storedContact reads a POST or PUT answer: the entry, and its ETag from the
// header (which wins over the body's etag: the header is the contract's).
func storedContact(resp *http.Response, data []byte) (PhonebookContact, error) {
	tag := strings.TrimSpace(resp.Header.Get("ETag"))
	if tag == "" {
		return PhonebookContact{}, errors.New("ETag header: missing; the server must send one with every stored contact")
	}
	ct, err := ParsePhonebookContact(data)
	if err != nil {
		return PhonebookContact{}, err
	}
	ct.ETag = tag
	return ct, nil
}

// WireContact is the Contact JSON object of the contract. Exported for the
// emulator, which must speak exactly the same shape.
type WireContact struct {
	ID         string            `json:"id,omitempty"`
	ETag       string            `json:"etag,omitempty"`
	Source     string            `json:"source"`
	ExternalID string            `json:"externalId"`
	Name       string            `json:"name"`
	Company    string            `json:"company"`
	Title      string            `json:"title"`
	Email      string            `json:"email"`
	Numbers    []WirePhoneNumber `json:"numbers"`
}

// WirePhoneNumber is one entry of "numbers".
type WirePhoneNumber struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

func toWireContact(ct PhonebookContact, withID bool) WireContact {
	w := WireContact{Source: ct.Source, ExternalID: ct.ExternalID, Name: ct.Name, Company: ct.Company,
		Title: ct.Title, Email: ct.Email, Numbers: make([]WirePhoneNumber, 0, len(ct.Numbers))}
	if withID {
		w.ID, w.ETag = ct.ID, ct.ETag
	}
	for _, n := range ct.Numbers {
		w.Numbers = append(w.Numbers, WirePhoneNumber(n))
	}
	return w
}

// EncodeContact is the JSON of ct with id and etag (a listing's or a
// stored answer's shape); the emulator serves it.
func EncodeContact(ct PhonebookContact) ([]byte, error) { return json.Marshal(toWireContact(ct, true)) }

// fromWire turns a listed or stored entry into a PhonebookContact. It needs
// an id; nothing else is enforced, because a person's entry may be anything.
func fromWire(w *WireContact) (PhonebookContact, error) {
	if w == nil || w.ID == "" {
		return PhonebookContact{}, errors.New("id: missing or empty")
	}
	ct := PhonebookContact{ID: w.ID, ETag: w.ETag, Source: w.Source, ExternalID: w.ExternalID, Name: w.Name,
		Company: w.Company, Title: w.Title, Email: w.Email}
	for _, n := range w.Numbers {
		ct.Numbers = append(ct.Numbers, PhoneNumber(n))
	}
	return ct, nil
}

// ParsePhonebookContact reads one Contact object (the body of a POST or PUT
// answer). id is required.
func ParsePhonebookContact(data []byte) (PhonebookContact, error) {
	var w WireContact
	if err := decodeObject(data, &w); err != nil {
		return PhonebookContact{}, fmt.Errorf("contact: %w", err)
	}
	ct, err := fromWire(&w)
	if err != nil {
		return PhonebookContact{}, fmt.Errorf("contact: %w", err)
	}
	return ct, nil
}

// ParsePhonebookPage reads one page of GET {base}?page=N:
// {"contacts":[Contact...],"nextPage":2}. next is 0 when nextPage is null or
// absent (the last page). Every entry needs an id, unique in the page, and
// an etag (its current ETag, which ownership is decided by).
func ParsePhonebookPage(data []byte) (contacts []PhonebookContact, next int, err error) {
	var w struct {
		Contacts *[]*WireContact `json:"contacts"`
		NextPage json.RawMessage `json:"nextPage"`
	}
	if err := decodeObject(data, &w); err != nil {
		return nil, 0, fmt.Errorf("phonebook page: %w", err)
	}
	if w.Contacts == nil {
		return nil, 0, fmt.Errorf("phonebook page: contacts: missing, expected a list")
	}
	if next, err = nextPage(w.NextPage); err != nil {
		return nil, 0, fmt.Errorf("phonebook page: %w", err)
	}
	seen := map[string]bool{}
	contacts = make([]PhonebookContact, 0, len(*w.Contacts))
	for i, wc := range *w.Contacts {
		ct, err := fromWire(wc)
		if err != nil {
			return nil, 0, fmt.Errorf("phonebook page: contacts[%d].%w", i, err)
		}
		if ct.ETag == "" {
			return nil, 0, fmt.Errorf("phonebook page: contacts[%d].etag: missing or empty", i)
		}
		if err := uniqueID("contacts", i, &ct, func() string { return ct.ID }, seen); err != nil {
			return nil, 0, fmt.Errorf("phonebook page: %w", err)
		}
		contacts = append(contacts, ct)
	}
	return contacts, next, nil
}
