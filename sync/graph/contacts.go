package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Contact is one Exchange contact as Graph lists it (the $select fields of
// ListContacts). Graph's nulls read as "" and nil.
type Contact struct {
	ID, DisplayName, GivenName, Surname, CompanyName, JobTitle string
	EmailAddresses                                             []EmailAddress
	BusinessPhones                                             []string
	MobilePhone                                                string
	HomePhones                                                 []string
}

// EmailAddress is one entry of a contact's emailAddresses.
type EmailAddress struct{ Name, Address string }

// contactsSelect are the properties ListContacts asks for.
const contactsSelect = "id,displayName,givenName,surname,companyName,jobTitle,emailAddresses,businessPhones,mobilePhone,homePhones"

// contactsPageSize is the $top of the first request: fewer round trips
// than Graph's default of 10, well under its maximum of 1000.
const contactsPageSize = 100

// maxContactsPages stops a server whose nextLink never ends (a million
// contacts at 100 a page).
const maxContactsPages = 10000

// maxContactsPageBytes bounds one page: 100 contacts are tens of KB.
const maxContactsPageBytes = 8 << 20

// ListContacts returns every contact in mailbox's default Contacts folder
// (GET /users/{mailbox}/contacts), following @odata.nextLink until it is
// absent; a contact listed on two pages is returned once. It needs the
// application permission Contacts.Read and uses the same token as the
// calendar reader. Errors are an *Error wrapped with "list contacts of
// <mailbox>" ("list contacts" when the error names it): KindAccessDenied (Contacts.Read missing,
// with its remedy), KindMailboxNotFound (unknown mailbox), and the
// transient kinds once the retries are spent.
func (c *Client) ListContacts(ctx context.Context, mailbox string) ([]Contact, error) {
	mailbox = strings.TrimSpace(mailbox)
	if mailbox == "" {
		return nil, fmt.Errorf("list contacts: %w", &Error{Kind: KindMailboxNotFound, Message: "the mailbox address is empty",
			Remedy: "Enter the Exchange mailbox address whose contacts are to be read."})
	}
	wrap := func(err error) error {
		// An error that names the mailbox already says whose contacts; the prefix then says what.
		var e *Error
		if errors.As(err, &e) && strings.EqualFold(e.Mailbox, mailbox) {
			return fmt.Errorf("list contacts: %w", err)
		}
		return fmt.Errorf("list contacts of %s: %w", mailbox, err)
	}
	next := c.opts.GraphURL + "/v1.0/users/" + url.PathEscape(mailbox) + "/contacts?$select=" + contactsSelect +
		fmt.Sprintf("&$top=%d", contactsPageSize)
	var all []Contact
	seen := map[string]bool{}
	for page := 1; next != ""; page++ {
		if page > maxContactsPages {
			return nil, wrap(&Error{Kind: KindBadResponse, Mailbox: mailbox,
				Message: fmt.Sprintf("more than %d pages; stopping", maxContactsPages), Remedy: remedy(KindBadResponse, "", "")})
		}
		if err := c.sameOrigin(next); err != nil {
			return nil, wrap(err)
		}
		var body []byte
		err := c.retry.Do(ctx, func(ctx context.Context, attempt int) error {
			if attempt > 1 {
				c.retries.Add(1)
			}
			b, err := c.getContactsPage(ctx, next, mailbox)
			body = b
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				var e *Error
				if !errors.As(err, &e) || e.Kind != KindCanceled {
					err = &Error{Kind: KindCanceled, Mailbox: mailbox, Message: c.redact(err.Error()), Err: err}
				}
			}
			return nil, wrap(asError(err, c.redact))
		}
		list, link, err := ParseContactsPage(body)
		if err != nil {
			return nil, wrap(&Error{Kind: KindBadResponse, Mailbox: mailbox, Message: err.Error(),
				Remedy: remedy(KindBadResponse, "", ""), Err: err})
		}
		for _, ct := range list {
			// $skip paging shifts when the folder changes while it is
			// read: a contact seen on an earlier page is kept once.
			if seen[ct.ID] {
				c.log.Debug("contact listed twice; keeping the first", "mailbox", mailbox, "page", page)
				continue
			}
			seen[ct.ID] = true
			all = append(all, ct)
		}
		next = link
	}
	return all, nil
}

// sameOrigin refuses a nextLink that leaves GraphURL's scheme and host:
// the bearer token must not go anywhere else.
func (c *Client) sameOrigin(link string) error {
	u, err := url.Parse(link)
	base, berr := url.Parse(c.opts.GraphURL)
	if err == nil && berr == nil && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) {
		return nil
	}
	return &Error{Kind: KindBadResponse, Message: fmt.Sprintf("@odata.nextLink %q does not point at %s; not followed",
		truncate(link, 120), c.opts.GraphURL), Remedy: remedy(KindBadResponse, "", "")}
}

// getContactsPage is one attempt at one page: the 200 body, a transient
// error for retry.Do, or a final *Error (see send).
func (c *Client) getContactsPage(ctx context.Context, link, mailbox string) ([]byte, error) {
	return c.send(ctx, request{
		what:    "contacts page",
		mailbox: mailbox,
		counter: &c.contactsRequests,
		limit:   maxContactsPageBytes,
		tooLarge: &Error{Kind: KindBadResponse, Mailbox: mailbox,
			Message: fmt.Sprintf("a contacts page larger than %d bytes", maxContactsPageBytes), Remedy: remedy(KindBadResponse, "", "")},
		newRequest: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
			if err != nil {
				return nil, &Error{Kind: KindBadResponse, Message: "build contacts request: " + err.Error(), Err: err}
			}
			return req, nil
		},
		classify: func(status int, body []byte) *Error { return classifyContactsResponse(status, body, mailbox) },
	})
}

// classifyContactsResponse is classifyGraphResponse for the contacts
// listing: any 404 is the mailbox (the URL names nothing else), and a 403
// is the missing Contacts.Read, with its own remedy.
func classifyContactsResponse(status int, body []byte, mailbox string) *Error {
	e := classifyGraphResponse(status, body, mailbox)
	switch {
	case e.Kind == KindMailboxNotEnabled:
	case status == http.StatusNotFound:
		e.Kind, e.Mailbox = KindMailboxNotFound, mailbox
		e.Remedy = remedy(KindMailboxNotFound, mailbox, "")
	case e.Kind == KindAccessDenied:
		e.Mailbox = mailbox
		e.Remedy = ContactsAccessRemedy
	}
	return e
}

// ContactsAccessRemedy is the advice for a 403 on the contacts listing.
const ContactsAccessRemedy = "Microsoft Graph denied access to the contacts: in Entra ID open App registrations > " +
	"your app > API permissions, add the Microsoft Graph permission Contacts.Read of type Application " +
	"(not Delegated), then click Grant admin consent. Presence synchronization is not affected."

// The contacts page, as far as calsync reads it.
type contactsPage struct {
	Value    *[]*wireContact `json:"value"`
	NextLink *string         `json:"@odata.nextLink"`
}

type wireContact struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	GivenName      string `json:"givenName"`
	Surname        string `json:"surname"`
	CompanyName    string `json:"companyName"`
	JobTitle       string `json:"jobTitle"`
	EmailAddresses []*struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddresses"`
	BusinessPhones []*string `json:"businessPhones"`
	MobilePhone    string    `json:"mobilePhone"`
	HomePhones     []*string `json:"homePhones"`
}

// ParseContactsPage parses one page body of GET /users/{id}/contacts: the
// contacts, in order, and the @odata.nextLink ("" when absent or null).
// Every contact needs an id, unique in the page; null strings read as "",
// null list entries are dropped.
func ParseContactsPage(data []byte) ([]Contact, string, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, "", fmt.Errorf("contacts page: expected a JSON object, got %s", truncate(string(trimmed), 40))
	}
	var p contactsPage
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&p); err != nil {
		return nil, "", fmt.Errorf("contacts page: invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "", errors.New("contacts page: invalid JSON: data after the object")
	}
	if p.Value == nil {
		return nil, "", errors.New("contacts page: value: missing, expected a list")
	}
	next := ""
	if p.NextLink != nil {
		next = strings.TrimSpace(*p.NextLink)
	}
	out := make([]Contact, 0, len(*p.Value))
	seen := map[string]bool{}
	for i, w := range *p.Value {
		if w == nil || w.ID == "" {
			return nil, "", fmt.Errorf("contacts page: value[%d].id: missing or empty", i)
		}
		if seen[w.ID] {
			return nil, "", fmt.Errorf("contacts page: value[%d].id: %q appears twice", i, truncate(w.ID, 40))
		}
		seen[w.ID] = true
		ct := Contact{ID: w.ID, DisplayName: w.DisplayName, GivenName: w.GivenName, Surname: w.Surname,
			CompanyName: w.CompanyName, JobTitle: w.JobTitle, MobilePhone: w.MobilePhone,
			BusinessPhones: strings0(w.BusinessPhones), HomePhones: strings0(w.HomePhones)}
		for _, a := range w.EmailAddresses {
			if a != nil {
				ct.EmailAddresses = append(ct.EmailAddresses, EmailAddress{Name: a.Name, Address: a.Address})
			}
		}
		out = append(out, ct)
	}
	return out, next, nil
}

// strings0 drops null entries.
func strings0(in []*string) []string {
	var out []string
	for _, s := range in {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}
