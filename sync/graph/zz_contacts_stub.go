package graph

// Stand-in for contacts.go (issue-13-clients branch): removed when it is merged.

type Contact struct {
	ID, DisplayName, GivenName, Surname, CompanyName, JobTitle string
	EmailAddresses                                             []EmailAddress
	BusinessPhones                                             []string
	MobilePhone                                                string
	HomePhones                                                 []string
}

type EmailAddress struct{ Name, Address string }
