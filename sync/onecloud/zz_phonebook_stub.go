package onecloud

import (
	"context"
	"errors"
)

// Stand-in for phonebook.go (issue-13-clients branch): removed when it is merged.

type Phonebook struct{ user string }

func PersonalPhonebook(userID string) Phonebook { return Phonebook{user: userID} }
func OfficePhonebook() Phonebook                { return Phonebook{} }
func (b Phonebook) String() string {
	if b.user == "" {
		return "phonebook"
	}
	return "user:" + b.user
}

type PhonebookContact struct {
	ID, ETag, Source, ExternalID, Name, Company, Title, Email string
	Numbers                                                   []PhoneNumber
}

type PhoneNumber struct{ Type, Number string }

const ContactSourceCalsync = "calsync"

func IsInvalidContact(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == 400 && e.Code == "invalid_contact"
}

func (c *Client) ListPhonebook(ctx context.Context, b Phonebook) ([]PhonebookContact, error) {
	return nil, errors.New("not built yet")
}
func (c *Client) CreateContact(ctx context.Context, b Phonebook, ct PhonebookContact) (PhonebookContact, error) {
	return ct, errors.New("not built yet")
}
func (c *Client) UpdateContact(ctx context.Context, b Phonebook, ct PhonebookContact, etag string) (PhonebookContact, error) {
	return ct, errors.New("not built yet")
}
func (c *Client) DeleteContact(ctx context.Context, b Phonebook, id, etag string) error {
	return errors.New("not built yet")
}
