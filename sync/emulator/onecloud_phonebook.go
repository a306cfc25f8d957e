package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The phonebook endpoint keys of OneCloudCounts.ByEndpoint.
const (
	OneCloudGetPersonalContacts   = "GET /v1/users/{id}/contacts"
	OneCloudPostPersonalContact   = "POST /v1/users/{id}/contacts"
	OneCloudPutPersonalContact    = "PUT /v1/users/{id}/contacts/{cid}"
	OneCloudDeletePersonalContact = "DELETE /v1/users/{id}/contacts/{cid}"
	OneCloudGetOfficeContacts     = "GET /v1/phonebook/contacts"
	OneCloudPostOfficeContact     = "POST /v1/phonebook/contacts"
	OneCloudPutOfficeContact      = "PUT /v1/phonebook/contacts/{cid}"
	OneCloudDeleteOfficeContact   = "DELETE /v1/phonebook/contacts/{cid}"
)

// OneCloudPhonebookCounts counts the requests one phonebook received,
// whatever their outcome (faults and errors included).
type OneCloudPhonebookCounts struct {
	Reads   int // GET (pages)
	Writes  int // Creates + Updates + Deletes
	Creates int // POST
	Updates int // PUT
	Deletes int // DELETE
}

// OneCloudPhonebookWrite is one phonebook write accepted through the API.
// Hand-made changes (AddPhonebookEntry, EditPhonebookEntry,
// DeletePhonebookEntry) are not in this log.
type OneCloudPhonebookWrite struct {
	At     time.Time
	Book   string // OneCloudBook.String(): "user:1001" or "phonebook"
	Method string // POST, PUT or DELETE
	// Entry is the stored entry (with its new ETag); for a DELETE the entry
	// as it was.
	Entry OneCloudContact
}

// ocPhonebooks is the phonebook state of the OneCloud emulator, under o.mu.
type ocPhonebooks struct {
	books  map[string]*ocBook // by OneCloudBook.String()
	idSeq  int                // entry ids c-1, c-2, ... across all books
	counts map[string]*OneCloudPhonebookCounts
	writes []OneCloudPhonebookWrite
}

type ocBook struct {
	entries []*ocEntry // in creation order, which is listing order
}

type ocEntry struct {
	c       OneCloudContact // ID and ETag set
	version int             // the ETag is "<id>-<version>"
}

func (p *ocPhonebooks) init() {
	if p.books == nil {
		p.books = map[string]*ocBook{}
		p.counts = map[string]*OneCloudPhonebookCounts{}
	}
}

// bookLocked returns b's state, creating it; ok is false for the personal
// phonebook of an unknown user. o.mu is held.
func (o *OneCloud) bookLocked(b OneCloudBook) (*ocBook, error) {
	o.phonebooks.init()
	if !b.IsOffice() {
		if b.UserID() == "" {
			return nil, errors.New("no phonebook named")
		}
		if _, ok := o.presence[b.UserID()]; !ok {
			return nil, fmt.Errorf("user %q not found", b.UserID())
		}
	}
	bk := o.phonebooks.books[b.String()]
	if bk == nil {
		bk = &ocBook{}
		o.phonebooks.books[b.String()] = bk
	}
	return bk, nil
}

func (bk *ocBook) find(id string) (int, *ocEntry) {
	for i, e := range bk.entries {
		if e.c.ID == id {
			return i, e
		}
	}
	return -1, nil
}

// externalIDTaken reports whether another entry of bk than except has
// externalID ("" is never taken).
func (bk *ocBook) externalIDTaken(externalID, except string) bool {
	if externalID == "" {
		return false
	}
	for _, e := range bk.entries {
		if e.c.ExternalID == externalID && e.c.ID != except {
			return true
		}
	}
	return false
}

func cloneContact(c OneCloudContact) OneCloudContact {
	c.Numbers = append([]OneCloudNumber(nil), c.Numbers...)
	return c
}

// newEntryLocked stores c as a new entry of bk with a fresh id and ETag.
func (o *OneCloud) newEntryLocked(bk *ocBook, c OneCloudContact) *ocEntry {
	o.phonebooks.idSeq++
	c = cloneContact(c)
	c.ID = "c-" + strconv.Itoa(o.phonebooks.idSeq)
	e := &ocEntry{c: c}
	e.bump()
	bk.entries = append(bk.entries, e)
	return e
}

// bump gives the entry a new ETag: every write changes it.
func (e *ocEntry) bump() {
	e.version++
	e.c.ETag = fmt.Sprintf(`"%s-%d"`, e.c.ID, e.version)
}

// AddPhonebookEntry adds an entry as a person would in OneCloud: an empty
// Source becomes "manual"; the contract's rules are not applied (a person
// may store an internal extension), but the name is required. It returns
// the entry with its id and ETag. It is not counted nor logged as an API
// write.
func (o *OneCloud) AddPhonebookEntry(b OneCloudBook, c OneCloudContact) (OneCloudContact, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	bk, err := o.bookLocked(b)
	if err != nil {
		return OneCloudContact{}, fmt.Errorf("onecloud emulator: add phonebook entry: %w", err)
	}
	if strings.TrimSpace(c.Name) == "" {
		return OneCloudContact{}, errors.New("onecloud emulator: add phonebook entry: name is empty")
	}
	if c.Source == "" {
		c.Source = "manual"
	}
	if bk.externalIDTaken(c.ExternalID, "") {
		return OneCloudContact{}, fmt.Errorf("onecloud emulator: add phonebook entry: externalId %q already in %s", c.ExternalID, b)
	}
	return cloneContact(o.newEntryLocked(bk, c).c), nil
}

// EditPhonebookEntry changes entry id of b as a person would in the
// OneCloud app: edit is applied to a copy (id and ETag changes are
// ignored), and the entry gets a new ETag even if edit changed nothing. It
// returns the entry as stored.
func (o *OneCloud) EditPhonebookEntry(b OneCloudBook, id string, edit func(*OneCloudContact)) (OneCloudContact, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	bk, err := o.bookLocked(b)
	if err != nil {
		return OneCloudContact{}, fmt.Errorf("onecloud emulator: edit phonebook entry: %w", err)
	}
	_, e := bk.find(id)
	if e == nil {
		return OneCloudContact{}, fmt.Errorf("onecloud emulator: edit phonebook entry: no entry %q in %s", id, b)
	}
	c := cloneContact(e.c)
	if edit != nil {
		edit(&c)
	}
	c.ID, c.ETag = e.c.ID, e.c.ETag
	e.c = cloneContact(c)
	e.bump()
	return cloneContact(e.c), nil
}

// DeletePhonebookEntry removes entry id of b as a person would.
func (o *OneCloud) DeletePhonebookEntry(b OneCloudBook, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	bk, err := o.bookLocked(b)
	if err != nil {
		return fmt.Errorf("onecloud emulator: delete phonebook entry: %w", err)
	}
	i, _ := bk.find(id)
	if i < 0 {
		return fmt.Errorf("onecloud emulator: delete phonebook entry: no entry %q in %s", id, b)
	}
	bk.entries = append(bk.entries[:i], bk.entries[i+1:]...)
	return nil
}

// PhonebookEntries returns the entries of b in listing order (nil for an
// unknown user's or an empty phonebook).
func (o *OneCloud) PhonebookEntries(b OneCloudBook) []OneCloudContact {
	o.mu.Lock()
	defer o.mu.Unlock()
	bk := o.phonebooks.books[b.String()]
	if bk == nil {
		return nil
	}
	out := make([]OneCloudContact, 0, len(bk.entries))
	for _, e := range bk.entries {
		out = append(out, cloneContact(e.c))
	}
	return out
}

// PhonebookCounts returns the requests b received since the emulator was
// made or ResetCounts.
func (o *OneCloud) PhonebookCounts(b OneCloudBook) OneCloudPhonebookCounts {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c := o.phonebooks.counts[b.String()]; c != nil {
		return *c
	}
	return OneCloudPhonebookCounts{}
}

// PhonebookWrites returns the log of phonebook writes accepted through the
// API, in order, across all phonebooks.
func (o *OneCloud) PhonebookWrites() []OneCloudPhonebookWrite {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]OneCloudPhonebookWrite, 0, len(o.phonebooks.writes))
	for _, w := range o.phonebooks.writes {
		w.Entry = cloneContact(w.Entry)
		out = append(out, w)
	}
	return out
}

// resetPhonebookCountsLocked is ResetCounts' part; the write log stays.
func (o *OneCloud) resetPhonebookCountsLocked() {
	o.phonebooks.counts = map[string]*OneCloudPhonebookCounts{}
}

// ocPhonebookTarget reads the phonebook and entry id of a path split after
// /v1/; ok is false when the path is not a phonebook's.
func ocPhonebookTarget(parts []string) (b OneCloudBook, cid string, ok bool) {
	unescape := func(s string) (string, bool) {
		v, err := url.PathUnescape(s)
		return v, err == nil && v != ""
	}
	var rest []string
	switch {
	case len(parts) >= 3 && parts[0] == "users" && parts[2] == "contacts":
		id, ok := unescape(parts[1])
		if !ok {
			return b, "", false
		}
		b, rest = OneCloudPersonalBook(id), parts[3:]
	case len(parts) >= 2 && parts[0] == "phonebook" && parts[1] == "contacts":
		b, rest = OneCloudOfficeBook(), parts[2:]
	default:
		return b, "", false
	}
	switch len(rest) {
	case 0:
		return b, "", true
	case 1:
		cid, ok := unescape(rest[0])
		return b, cid, ok
	}
	return b, "", false
}

// routePhonebook is route's part for the phonebooks: the endpoint key and
// user id ("" for the office phonebook), or the allowed methods.
func routePhonebook(method string, parts []string) (endpoint, userID, allow string) {
	b, cid, ok := ocPhonebookTarget(parts)
	if !ok {
		return "", "", ""
	}
	office := b.IsOffice()
	pick := func(personal, officeKey string) (string, string, string) {
		if office {
			return officeKey, "", ""
		}
		return personal, b.UserID(), ""
	}
	if cid == "" {
		switch method {
		case http.MethodGet:
			return pick(OneCloudGetPersonalContacts, OneCloudGetOfficeContacts)
		case http.MethodPost:
			return pick(OneCloudPostPersonalContact, OneCloudPostOfficeContact)
		}
		return "", "", "GET, POST"
	}
	switch method {
	case http.MethodPut:
		return pick(OneCloudPutPersonalContact, OneCloudPutOfficeContact)
	case http.MethodDelete:
		return pick(OneCloudDeletePersonalContact, OneCloudDeleteOfficeContact)
	}
	return "", "", "PUT, DELETE"
}

func isPhonebookEndpoint(endpoint string) bool {
	return strings.Contains(endpoint, "/contacts")
}

// countPhonebookLocked counts a request to a phonebook endpoint; o.mu is held.
func (o *OneCloud) countPhonebookLocked(endpoint, userID string) {
	if !isPhonebookEndpoint(endpoint) {
		return
	}
	o.phonebooks.init()
	key := OneCloudOfficeBook().String()
	if userID != "" {
		key = OneCloudPersonalBook(userID).String()
	}
	c := o.phonebooks.counts[key]
	if c == nil {
		c = &OneCloudPhonebookCounts{}
		o.phonebooks.counts[key] = c
	}
	method, _, _ := strings.Cut(endpoint, " ")
	switch method {
	case http.MethodGet:
		c.Reads++
	case http.MethodPost:
		c.Creates++
		c.Writes++
	case http.MethodPut:
		c.Updates++
		c.Writes++
	case http.MethodDelete:
		c.Deletes++
		c.Writes++
	}
}

// servePhonebook serves a routed phonebook request after auth and faults.
func (o *OneCloud) servePhonebook(w http.ResponseWriter, r *http.Request, endpoint string, readOnly bool) {
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), o.basePath+"/v1/"), "/")
	b, cid, _ := ocPhonebookTarget(parts)
	if r.Method != http.MethodGet && readOnly {
		ocWriteError(w, http.StatusForbidden, "forbidden", "this API token may not change phonebooks")
		return
	}
	switch r.Method {
	case http.MethodGet:
		o.servePhonebookPage(w, r, b)
	case http.MethodPost:
		o.servePostContact(w, r, b)
	case http.MethodPut:
		o.servePutContact(w, r, b, cid)
	case http.MethodDelete:
		o.serveDeleteContact(w, r, b, cid)
	}
}

// servePhonebookPage pages the entries in creation order with the users'
// page size and convention: a page past the end is empty, nextPage null.
func (o *OneCloud) servePhonebookPage(w http.ResponseWriter, r *http.Request, b OneCloudBook) {
	page, ok := queryPage(w, r)
	if !ok {
		return
	}
	o.mu.Lock()
	bk, err := o.bookLocked(b)
	if err != nil {
		o.mu.Unlock()
		ocWriteError(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	n := len(bk.entries)
	start := n
	if page-1 <= n/o.pageSize { // also guards against overflow
		start = min((page-1)*o.pageSize, n)
	}
	end := min(start+o.pageSize, n)
	list := make([]ocContactJSON, 0, end-start)
	for _, e := range bk.entries[start:end] {
		list = append(list, ocWireContact(e.c))
	}
	var next *int
	if end < n {
		p := page + 1
		next = &p
	}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"contacts": list, "nextPage": next})
}

// ocWireContact is the listing and answer shape of an entry.
func ocWireContact(c OneCloudContact) ocContactJSON {
	wc := ocContactJSON{ID: c.ID, ETag: c.ETag, Source: c.Source, ExternalID: c.ExternalID, Name: c.Name,
		Company: c.Company, Title: c.Title, Email: c.Email, Numbers: make([]ocNumberJSON, 0, len(c.Numbers))}
	for _, n := range c.Numbers {
		wc.Numbers = append(wc.Numbers, ocNumberJSON{Type: n.Type, Number: n.Number})
	}
	return wc
}

// ocReadContactBody reads a POST or PUT body: one Contact object, unknown
// fields rejected (contract drift shows up in tests), then the Contact rules
// of docs/onecloud-api.md (ocContactProblem). code is "" on success.
func ocReadContactBody(r *http.Request) (c OneCloudContact, id, etag string, status int, code, msg string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil || len(body) > 64<<10 {
		return c, "", "", http.StatusBadRequest, "bad_request", "body: unreadable or larger than 64 KiB"
	}
	var in ocContactJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return c, "", "", http.StatusBadRequest, "bad_request", "body: invalid JSON: " + err.Error()
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, "", "", http.StatusBadRequest, "bad_request", "body: data after the JSON object"
	}
	if problem := ocContactProblem(in); problem != "" {
		return c, "", "", http.StatusBadRequest, "invalid_contact", problem
	}
	c = OneCloudContact{Source: in.Source, ExternalID: in.ExternalID, Name: in.Name, Company: in.Company,
		Title: in.Title, Email: in.Email}
	for _, n := range in.Numbers {
		c.Numbers = append(c.Numbers, OneCloudNumber{Type: n.Type, Number: n.Number})
	}
	return c, in.ID, in.ETag, 0, "", ""
}

// servePostContact is POST {base}: 404 unknown user, 400 bad body or
// invalid_contact (id/etag given, rules broken, externalId already in this
// phonebook), else 201 with ETag and the stored entry.
func (o *OneCloud) servePostContact(w http.ResponseWriter, r *http.Request, b OneCloudBook) {
	o.mu.Lock()
	_, err := o.bookLocked(b)
	o.mu.Unlock()
	if err != nil {
		ocWriteError(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	c, id, etag, status, code, msg := ocReadContactBody(r)
	if code == "" && (id != "" || etag != "") {
		status, code, msg = http.StatusBadRequest, "invalid_contact", "id, etag: must not be set on create; the server assigns them"
	}
	if code != "" {
		ocWriteError(w, status, code, msg)
		return
	}
	o.mu.Lock()
	bk, err := o.bookLocked(b)
	if err != nil { // the user went away while the body was read
		o.mu.Unlock()
		ocWriteError(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	if bk.externalIDTaken(c.ExternalID, "") {
		o.mu.Unlock()
		ocWriteError(w, http.StatusBadRequest, "invalid_contact",
			fmt.Sprintf("externalId: %q is already used by another entry of this phonebook", c.ExternalID))
		return
	}
	e := o.newEntryLocked(bk, c)
	stored := cloneContact(e.c)
	o.phonebooks.writes = append(o.phonebooks.writes, OneCloudPhonebookWrite{At: o.clock.Now(), Book: b.String(),
		Method: http.MethodPost, Entry: cloneContact(stored)})
	o.mu.Unlock()
	w.Header().Set("ETag", stored.ETag)
	w.Header().Set("Location", r.URL.EscapedPath()+"/"+url.PathEscape(stored.ID))
	writeJSON(w, http.StatusCreated, ocWireContact(stored))
}

// ocCheckEntryLocked applies the checks PUT and DELETE share, in RFC 9110
// order: 404 unknown user or entry, 428 no If-Match, 412 If-Match does not
// match. It writes the answer and returns nil when a check failed. o.mu is
// held and released on failure.
func (o *OneCloud) ocCheckEntryLocked(w http.ResponseWriter, r *http.Request, b OneCloudBook, cid string) (*ocBook, *ocEntry) {
	bk, err := o.bookLocked(b)
	if err != nil {
		o.mu.Unlock()
		ocWriteError(w, http.StatusNotFound, "not_found", err.Error())
		return nil, nil
	}
	_, e := bk.find(cid)
	if e == nil {
		o.mu.Unlock()
		ocWriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("contact %q not found in %s", cid, b))
		return nil, nil
	}
	ifMatch := strings.TrimSpace(r.Header.Get("If-Match"))
	if ifMatch == "" {
		o.mu.Unlock()
		ocWriteError(w, http.StatusPreconditionRequired, "precondition_required", "If-Match with the entry's ETag is required")
		return nil, nil
	}
	if !ocETagMatches(ifMatch, e.c.ETag) {
		etag := e.c.ETag
		o.mu.Unlock()
		w.Header().Set("ETag", etag)
		ocWriteError(w, http.StatusPreconditionFailed, "precondition_failed", "the contact changed since it was read; list it again")
		return nil, nil
	}
	return bk, e
}

// servePutContact is PUT {base}/{cid}: the preconditions first, then the
// body (400), then stores it with a new ETag (200).
func (o *OneCloud) servePutContact(w http.ResponseWriter, r *http.Request, b OneCloudBook, cid string) {
	o.mu.Lock()
	if bk, _ := o.ocCheckEntryLocked(w, r, b, cid); bk == nil {
		return
	}
	o.mu.Unlock()
	c, id, _, status, code, msg := ocReadContactBody(r)
	if code == "" && id != "" && id != cid {
		status, code, msg = http.StatusBadRequest, "invalid_contact", fmt.Sprintf("id: %q does not match the URL's %q", id, cid)
	}
	if code != "" {
		ocWriteError(w, status, code, msg)
		return
	}
	// Check again: another write may have won while the body was read.
	o.mu.Lock()
	bk, e := o.ocCheckEntryLocked(w, r, b, cid)
	if bk == nil {
		return
	}
	if bk.externalIDTaken(c.ExternalID, cid) {
		o.mu.Unlock()
		ocWriteError(w, http.StatusBadRequest, "invalid_contact",
			fmt.Sprintf("externalId: %q is already used by another entry of this phonebook", c.ExternalID))
		return
	}
	c.ID, c.ETag = e.c.ID, e.c.ETag
	e.c = c
	e.bump()
	stored := cloneContact(e.c)
	o.phonebooks.writes = append(o.phonebooks.writes, OneCloudPhonebookWrite{At: o.clock.Now(), Book: b.String(),
		Method: http.MethodPut, Entry: cloneContact(stored)})
	o.mu.Unlock()
	w.Header().Set("ETag", stored.ETag)
	writeJSON(w, http.StatusOK, ocWireContact(stored))
}

// serveDeleteContact is DELETE {base}/{cid}: 404, 428, 412, else 204.
func (o *OneCloud) serveDeleteContact(w http.ResponseWriter, r *http.Request, b OneCloudBook, cid string) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	o.mu.Lock()
	bk, e := o.ocCheckEntryLocked(w, r, b, cid)
	if bk == nil {
		return
	}
	i, _ := bk.find(cid)
	bk.entries = append(bk.entries[:i], bk.entries[i+1:]...)
	o.phonebooks.writes = append(o.phonebooks.writes, OneCloudPhonebookWrite{At: o.clock.Now(), Book: b.String(),
		Method: http.MethodDelete, Entry: cloneContact(e.c)})
	o.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
