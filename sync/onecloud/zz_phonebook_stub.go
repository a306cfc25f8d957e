package onecloud

import "errors"

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
