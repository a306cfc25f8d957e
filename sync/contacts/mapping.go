package contacts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

// The OneCloud contract's limits on one phonebook entry.
const (
	maxNameRunes = 200
	maxNumbers   = 10
)

// Skip is a contact, or one of its numbers, left out of a phonebook, with why.
type Skip struct {
	Contact string `json:"contact"`
	Reason  string `json:"reason"`
}

// Reasons a contact is left out entirely.
const (
	reasonNoName   = "no name"
	reasonNoNumber = "no phone number"
	reasonNoID     = "no Exchange id"
)

// NormalizeNumber reads a phone number as people write it and returns it in E.164
// ("+390212345678"). A number written without a country code is read as a number of region
// (an ISO 3166 code such as "IT"); with region "" only international numbers are read. The
// error says, for a person, why the number cannot be used.
func NormalizeNumber(raw, region string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("is empty")
	}
	num, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "":
		return "", fmt.Errorf("%q has no country code, and contacts.defaultRegion is not set", raw)
	case err != nil:
		return "", fmt.Errorf("%q is not a phone number", raw)
	case !phonenumbers.IsPossibleNumber(num):
		return "", fmt.Errorf("%q is not a possible number", raw)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// ValidRegion reports whether region is a region whose national numbers can be read.
func ValidRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
}

// Entry maps an Exchange contact to the phonebook entry calsync writes for it. ok is false when
// the contact cannot be written at all (its reason is then the first skip); skips also lists
// the numbers left out of an entry that is written.
func Entry(c graph.Contact, region string) (e onecloud.PhonebookContact, skips []Skip, ok bool) {
	name := contactName(c)
	label := name
	if label == "" {
		label = firstNonEmpty(contactEmail(c), c.ID)
	}
	if strings.TrimSpace(c.ID) == "" {
		return e, []Skip{{Contact: label, Reason: reasonNoID}}, false
	}
	if name == "" {
		return e, []Skip{{Contact: label, Reason: reasonNoName}}, false
	}
	e = onecloud.PhonebookContact{
		Source:     onecloud.ContactSourceCalsync,
		ExternalID: c.ID,
		Name:       name,
		Company:    strings.TrimSpace(c.CompanyName),
		Title:      strings.TrimSpace(c.JobTitle),
		Email:      contactEmail(c),
	}
	add := func(kind, raw string) {
		if strings.TrimSpace(raw) == "" {
			return
		}
		n, err := NormalizeNumber(raw, region)
		if err != nil {
			skips = append(skips, Skip{Contact: name, Reason: kind + " number " + err.Error()})
			return
		}
		// The same number under two types is written once, under the first.
		if slices.ContainsFunc(e.Numbers, func(p onecloud.PhoneNumber) bool { return p.Number == n }) {
			return
		}
		if len(e.Numbers) == maxNumbers {
			skips = append(skips, Skip{Contact: name, Reason: fmt.Sprintf("%s number %s left out: OneCloud keeps at most %d numbers", kind, n, maxNumbers)})
			return
		}
		e.Numbers = append(e.Numbers, onecloud.PhoneNumber{Type: kind, Number: n})
	}
	for _, p := range c.BusinessPhones {
		add("work", p)
	}
	add("mobile", c.MobilePhone)
	for _, p := range c.HomePhones {
		add("home", p)
	}
	if len(e.Numbers) == 0 {
		return onecloud.PhonebookContact{}, append([]Skip{{Contact: name, Reason: reasonNoNumber}}, skips...), false
	}
	return e, skips, true
}

// contactName is the name a phone shows: the display name, else given name and surname, else
// the company, cut to the contract's 200 characters.
func contactName(c graph.Contact) string {
	name := strings.Join(strings.Fields(c.DisplayName), " ")
	if name == "" {
		name = strings.Join(strings.Fields(c.GivenName+" "+c.Surname), " ")
	}
	if name == "" {
		name = strings.Join(strings.Fields(c.CompanyName), " ")
	}
	if utf8.RuneCountInString(name) > maxNameRunes {
		name = strings.TrimSpace(string([]rune(name)[:maxNameRunes]))
	}
	return name
}

func contactEmail(c graph.Contact) string {
	for _, a := range c.EmailAddresses {
		if s := strings.TrimSpace(a.Address); s != "" {
			return s
		}
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// sameEntry reports whether a phonebook entry already says what e says; who owns it and its
// version are not compared.
func sameEntry(a, b onecloud.PhonebookContact) bool {
	return a.Name == b.Name && a.Company == b.Company && a.Title == b.Title && a.Email == b.Email &&
		slices.Equal(a.Numbers, b.Numbers)
}
