package graph

import (
	"context"
	"errors"
)

// Stand-in for contacts.go (issue-13-clients branch): removed when it is merged.

type Contact struct {
	ID, DisplayName, GivenName, Surname, CompanyName, JobTitle string
	EmailAddresses                                             []EmailAddress
	BusinessPhones                                             []string
	MobilePhone                                                string
	HomePhones                                                 []string
}

type EmailAddress struct{ Name, Address string }

func (c *Client) ListContacts(ctx context.Context, mailbox string) ([]Contact, error) {
	return nil, errors.New("not built yet")
}
