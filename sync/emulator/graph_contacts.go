package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// GraphContact is one contact of a mailbox's default Contacts folder, as
// GET /users/{id}/contacts serves it. An empty ID is given a Graph-like
// one ("AAMkAD...") when the contact is stored.
type GraphContact struct {
	ID, DisplayName, GivenName, Surname, CompanyName, JobTitle string
	EmailAddresses                                             []GraphEmailAddress
	BusinessPhones                                             []string
	MobilePhone                                                string
	HomePhones                                                 []string
}

// GraphEmailAddress is one entry of a contact's emailAddresses.
type GraphEmailAddress struct{ Name, Address string }

// Graph's paging of the contacts listing.
const (
	graphContactsDefaultTop = 10
	graphContactsMaxTop     = 1000
)

// graphContactProps are the properties of microsoft.graph.contact the
// emulator knows, in Graph's output order; $select may name only these.
var graphContactProps = []string{"id", "displayName", "givenName", "surname", "companyName", "jobTitle",
	"emailAddresses", "businessPhones", "mobilePhone", "homePhones"}

// graphContactsState is the contacts part of the Graph emulator.
type graphContactsState struct {
	denied   bool         // Contacts.Read not granted; under g.mu
	idSeq    int          // for generated ids; under g.mu
	requests atomic.Int64 // contacts listing requests, failed ones included
}

func cloneGraphContact(c GraphContact) GraphContact {
	c.EmailAddresses = slices.Clone(c.EmailAddresses)
	c.BusinessPhones = slices.Clone(c.BusinessPhones)
	c.HomePhones = slices.Clone(c.HomePhones)
	return c
}

// graphContactID makes an id in the shape of Exchange's (base64url of an
// entry id, "AAMkAD..."), unique within the emulator.
func (g *Graph) graphContactIDLocked() string {
	g.contacts.idSeq++
	sum := sha256.Sum256([]byte("contact-" + strconv.Itoa(g.contacts.idSeq)))
	return "AAMkAD" + base64.RawURLEncoding.EncodeToString(sum[:]) + "="
}

// SetContacts creates or replaces the contacts of a mailbox (creating the
// mailbox with an empty calendar if needed), in listing order, and returns
// them with their ids. A repeated id is an error.
func (g *Graph) SetContacts(mailbox string, contacts []GraphContact) ([]GraphContact, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := map[string]bool{}
	list := make([]GraphContact, 0, len(contacts))
	for _, c := range contacts {
		c = cloneGraphContact(c)
		if c.ID == "" {
			c.ID = g.graphContactIDLocked()
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("graph emulator: set contacts of %s: id %q twice", mailbox, c.ID)
		}
		seen[c.ID] = true
		list = append(list, c)
	}
	g.mailboxLocked(mailbox).contacts = list
	out := make([]GraphContact, len(list))
	for i, c := range list {
		out[i] = cloneGraphContact(c)
	}
	return out, nil
}

// AddContact appends one contact to a mailbox (creating it) and returns it
// with its id.
func (g *Graph) AddContact(mailbox string, c GraphContact) (GraphContact, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxLocked(mailbox)
	c = cloneGraphContact(c)
	if c.ID == "" {
		c.ID = g.graphContactIDLocked()
	}
	for _, old := range mb.contacts {
		if old.ID == c.ID {
			return GraphContact{}, fmt.Errorf("graph emulator: add contact to %s: id %q already there", mailbox, c.ID)
		}
	}
	mb.contacts = append(mb.contacts, c)
	return cloneGraphContact(c), nil
}

// UpdateContact replaces the contact with c.ID in a mailbox, as a change in
// Outlook would.
func (g *Graph) UpdateContact(mailbox string, c GraphContact) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]
	if mb != nil {
		for i := range mb.contacts {
			if mb.contacts[i].ID == c.ID {
				mb.contacts[i] = cloneGraphContact(c)
				return nil
			}
		}
	}
	return fmt.Errorf("graph emulator: update contact: no contact %q in %s", c.ID, mailbox)
}

// RemoveContact deletes a contact from a mailbox, as a deletion in Outlook
// would.
func (g *Graph) RemoveContact(mailbox, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]
	if mb != nil {
		for i := range mb.contacts {
			if mb.contacts[i].ID == id {
				mb.contacts = slices.Delete(mb.contacts, i, i+1)
				return nil
			}
		}
	}
	return fmt.Errorf("graph emulator: remove contact: no contact %q in %s", id, mailbox)
}

// Contacts returns a copy of a mailbox's contacts in listing order (nil for
// an unknown mailbox).
func (g *Graph) Contacts(mailbox string) []GraphContact {
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]
	if mb == nil {
		return nil
	}
	out := make([]GraphContact, len(mb.contacts))
	for i, c := range mb.contacts {
		out[i] = cloneGraphContact(c)
	}
	return out
}

// SetContactsConsent grants or withdraws the application permission
// Contacts.Read (granted by default); without it, or without SetConsent,
// the contacts listing answers 403 ErrorAccessDenied while getSchedule
// goes on.
func (g *Graph) SetContactsConsent(granted bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.contacts.denied = !granted
}

// serveContacts is GET /v1.0/users/{mailbox}/contacts with $select, $top
// (default 10, at most 1000) and $skip, paged by @odata.nextLink as Graph
// pages Outlook collections. It shares getSchedule's in-flight counter,
// latency and fault knobs (ThrottleEvery, FailNext, HangNext, the
// concurrency and per-mailbox limits), as Outlook counts every request.
func (g *Graph) serveContacts(w http.ResponseWriter, r *http.Request, mailbox string) {
	g.contacts.requests.Add(1)
	leave, ok := g.enter(w, r, http.MethodGet, mailbox)
	defer leave()
	if !ok {
		return
	}
	q := r.URL.Query()
	top, skip := graphContactsDefaultTop, 0
	if s := q.Get("$top"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid value '%s' for $top query option found.", s))
			return
		}
		top = min(v, graphContactsMaxTop)
	}
	if s := q.Get("$skip"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid value '%s' for $skip query option found.", s))
			return
		}
		skip = v
	}
	selected := graphContactProps
	if s := q.Get("$select"); s != "" {
		selected = nil
		for _, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			i := slices.IndexFunc(graphContactProps, func(k string) bool { return strings.EqualFold(k, p) })
			if i < 0 {
				writeError(w, http.StatusBadRequest, "RequestBroker--ParseUri",
					fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.contact'.", p))
				return
			}
			selected = append(selected, graphContactProps[i])
		}
	}

	g.mu.Lock()
	consent := g.consent && !g.contacts.denied
	mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]
	var page []GraphContact
	more := false
	errCode, errMsg := "", ""
	if mb != nil {
		errCode, errMsg = mb.errCode, mb.errMsg
		start := min(skip, len(mb.contacts))
		end := min(start+top, len(mb.contacts))
		for _, c := range mb.contacts[start:end] {
			page = append(page, cloneGraphContact(c))
		}
		more = end < len(mb.contacts)
	}
	g.mu.Unlock()
	switch {
	case !consent:
		writeError(w, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	case mb == nil:
		writeError(w, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", mailbox))
		return
	case strings.EqualFold(errCode, "MailboxNotEnabledForRESTAPI"):
		writeError(w, http.StatusNotFound, errCode, errMsg)
		return
	}

	value := make([]map[string]any, 0, len(page))
	for _, c := range page {
		value = append(value, graphContactJSON(c, selected))
	}
	resp := map[string]any{
		"@odata.context": fmt.Sprintf("https://graph.microsoft.com/v1.0/$metadata#users('%s')/contacts(%s)",
			url.PathEscape(mailbox), strings.Join(selected, ",")),
		"value": value,
	}
	if more && top > 0 {
		// Graph keeps the request's options and adds $skip; the link is
		// absolute, on the host that was asked.
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$top", strconv.Itoa(top))
		nq.Set("$skip", strconv.Itoa(skip+top))
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		resp["@odata.nextLink"] = scheme + "://" + r.Host + r.URL.EscapedPath() + "?" + graphEncodeQuery(nq)
	}
	writeJSON(w, http.StatusOK, resp)
}

// graphEncodeQuery encodes like Graph's links: "$" and "," left as they are.
func graphEncodeQuery(q url.Values) string {
	s := q.Encode()
	return strings.NewReplacer("%24", "$", "%2C", ",").Replace(s)
}

// graphContactJSON renders the selected properties with Graph's nulls for
// empty strings, plus the @odata.etag every item carries.
func graphContactJSON(c GraphContact, selected []string) map[string]any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%+v", c)))
	m := map[string]any{"@odata.etag": `W/"` + base64.StdEncoding.EncodeToString(sum[:12]) + `"`, "id": c.ID}
	for _, p := range selected {
		switch p {
		case "displayName":
			m[p] = str(c.DisplayName)
		case "givenName":
			m[p] = str(c.GivenName)
		case "surname":
			m[p] = str(c.Surname)
		case "companyName":
			m[p] = str(c.CompanyName)
		case "jobTitle":
			m[p] = str(c.JobTitle)
		case "mobilePhone":
			m[p] = str(c.MobilePhone)
		case "businessPhones":
			m[p] = list(c.BusinessPhones)
		case "homePhones":
			m[p] = list(c.HomePhones)
		case "emailAddresses":
			addrs := make([]map[string]string, 0, len(c.EmailAddresses))
			for _, a := range c.EmailAddresses {
				addrs = append(addrs, map[string]string{"name": a.Name, "address": a.Address})
			}
			m[p] = addrs
		}
	}
	return m
}
