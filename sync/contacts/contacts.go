// Package contacts is the second half of presence and contacts synchronization: it copies the
// contacts of Exchange mailboxes into OneCloud phonebooks (each user's personal one, and
// optionally the office's shared one from one named mailbox), so a customer's call shows a
// name. Exchange is the source; calsync writes only entries it made itself and never changes or
// deletes one a person made or edited in OneCloud. Numbers are normalised to E.164 with
// libphonenumber's metadata (github.com/nyaruka/phonenumbers).
package contacts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

// ExchangeReader lists a mailbox's contacts (*graph.Client).
type ExchangeReader interface {
	ListContacts(ctx context.Context, mailbox string) ([]graph.Contact, error)
}

// PhonebookWriter reads and writes OneCloud phonebooks (*onecloud.Client).
type PhonebookWriter interface {
	ListPhonebook(ctx context.Context, b onecloud.Phonebook) ([]onecloud.PhonebookContact, error)
	CreateContact(ctx context.Context, b onecloud.Phonebook, c onecloud.PhonebookContact) (onecloud.PhonebookContact, error)
	UpdateContact(ctx context.Context, b onecloud.Phonebook, c onecloud.PhonebookContact, etag string) (onecloud.PhonebookContact, error)
	DeleteContact(ctx context.Context, b onecloud.Phonebook, id, etag string) error
}

// Book is one phonebook and the mailbox whose contacts fill it.
type Book struct {
	Phonebook onecloud.Phonebook
	Mailbox   string
}

// Options configure a Syncer.
type Options struct {
	Exchange ExchangeReader
	OneCloud PhonebookWriter
	// Store remembers the entries written; nil keeps nothing between runs (every run adopts).
	Store *Store
	// Region is the ISO 3166 region for numbers written without a country code ("" = none).
	Region string
	Logger *slog.Logger
	// Parallel is how many phonebooks are synced at once; 0 means 4 (Graph allows 4 requests
	// in flight, and the Graph client keeps to that across presence and contacts).
	Parallel int
	// SignIn, when set, signs in to Microsoft 365 before any phonebook is touched
	// ((*graph.Client).SignIn): a credential Entra refuses then ends the run after one token
	// request, instead of failing once per phonebook.
	SignIn func(ctx context.Context) error
}

// Syncer copies Exchange contacts into OneCloud phonebooks. It is safe for concurrent use, but
// runs of the same phonebook must not overlap (the daemon runs one at a time).
type Syncer struct {
	opts Options
	log  *slog.Logger
}

// New returns a Syncer. It does no I/O.
func New(opts Options) (*Syncer, error) {
	if opts.Exchange == nil || opts.OneCloud == nil {
		return nil, errors.New("contacts: both the Exchange reader and the OneCloud phonebook writer are needed")
	}
	if opts.Region != "" && !ValidRegion(opts.Region) {
		return nil, fmt.Errorf("contacts: region %q is not known; expected an ISO 3166 region code such as IT", opts.Region)
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Store == nil {
		opts.Store, _ = OpenStore("", nil) // in memory: cannot fail
	}
	s := &Syncer{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Report is what one run did, phonebook by phonebook (the JSON of `calsync contacts sync`).
type Report struct {
	Phonebooks []BookReport `json:"phonebooks"`
	// Error is what ended the run before every phonebook was synced, with what to do: signing
	// in to Microsoft 365 failed, or Entra ID or OneCloud refused calsync's credential. Phonebooks not synced because of it say
	// so briefly ("not synced: ...") rather than repeating it. Empty when no such failure.
	Error string `json:"error,omitempty"`
}

// ErrStopped is the brief error of a phonebook not synced because the run stopped (Report.Error).
const ErrStopped = "not synced: the run stopped (see its error)"

// Failed is how many phonebooks failed.
func (r Report) Failed() int {
	n := 0
	for _, b := range r.Phonebooks {
		if b.Error != "" {
			n++
		}
	}
	return n
}

// BookReport is what a run did to one phonebook; with a dry run, what it would do.
type BookReport struct {
	Book       string `json:"book"`
	Mailbox    string `json:"mailbox"`
	Created    int    `json:"created"`
	Updated    int    `json:"updated"`
	Deleted    int    `json:"deleted"`
	Unchanged  int    `json:"unchanged"`
	KeptEdited int    `json:"keptEdited"`
	Skipped    []Skip `json:"skipped"`
	Error      string `json:"error"`
}

// Run syncs every book, Parallel at a time; a failed book does not stop the others. With dryRun
// it reads both sides and reports what it would write, writing nothing. The state is saved once
// at the end; a failure to save it is reported on every book that changed it.
//
// Signing in to Microsoft 365 failing (Options.SignIn), or a credential refused by Entra ID or
// OneCloud during the run, ends the run: that is the report's Error, once, and the phonebooks
// not yet started are not tried (ErrStopped).
func (s *Syncer) Run(ctx context.Context, books []Book, dryRun bool) Report {
	rep := Report{Phonebooks: make([]BookReport, len(books))}
	if s.opts.SignIn != nil && len(books) > 0 {
		// A failure of any kind (a refused credential, or Entra unreachable after one more try)
		// would meet every phonebook the same way.
		if err := s.opts.SignIn(ctx); err != nil && ctx.Err() == nil {
			rep.Error = errorText(err)
			// Debug: the caller reports the run's error (the CLI once on stderr, the service once
			// in its log).
			s.log.Debug("contacts sync stopped: signing in to Microsoft 365 failed", "error", rep.Error)
			for i, b := range books {
				rep.Phonebooks[i] = BookReport{Book: b.Phonebook.String(), Mailbox: b.Mailbox, Skipped: []Skip{}, Error: ErrStopped}
			}
			return rep
		}
	}
	var (
		mu      sync.Mutex
		refused error // the credential failure that stopped the run
	)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.opts.Parallel, len(books)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				mu.Lock()
				stop := refused != nil
				mu.Unlock()
				if stop {
					b := books[i]
					rep.Phonebooks[i] = BookReport{Book: b.Phonebook.String(), Mailbox: b.Mailbox, Skipped: []Skip{}, Error: ErrStopped}
					continue
				}
				var err error
				rep.Phonebooks[i], err = s.syncBook(ctx, books[i], dryRun)
				if err != nil && (graph.IsSignIn(err) || onecloud.IsAuth(err)) {
					mu.Lock()
					if refused == nil {
						refused = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range books {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if refused != nil {
		rep.Error = errorText(refused)
		s.log.Debug("contacts sync stopped: a credential was refused", "error", rep.Error)
	}
	if !dryRun {
		if err := s.opts.Store.Save(); err != nil {
			s.log.Error("contacts state not saved", "error", err.Error())
			for i := range rep.Phonebooks {
				if rep.Phonebooks[i].Error == "" {
					rep.Phonebooks[i].Error = err.Error()
				}
			}
		}
	}
	return rep
}

// syncBook reads one mailbox's contacts and one phonebook, and writes the difference. The
// error is the book's failure, if any, as it happened (the report holds its text).
func (s *Syncer) syncBook(ctx context.Context, b Book, dryRun bool) (BookReport, error) {
	name := b.Phonebook.String()
	r := BookReport{Book: name, Mailbox: b.Mailbox, Skipped: []Skip{}}
	fail := func(err error) (BookReport, error) {
		r.Error = errorText(err)
		s.log.Warn("contacts sync failed", "book", name, "mailbox", b.Mailbox, "error", r.Error)
		return r, err
	}
	exchange, err := s.opts.Exchange.ListContacts(ctx, b.Mailbox)
	if err != nil {
		return fail(err)
	}
	current, err := s.opts.OneCloud.ListPhonebook(ctx, b.Phonebook)
	if err != nil {
		return fail(fmt.Errorf("list OneCloud %s: %w", name, err))
	}

	var want []onecloud.PhonebookContact
	seen := map[string]bool{}
	for _, c := range exchange {
		e, skips, ok := Entry(c, s.opts.Region)
		r.Skipped = append(r.Skipped, skips...)
		if ok && !seen[e.ExternalID] {
			seen[e.ExternalID] = true
			want = append(want, e)
		}
	}
	st := s.opts.Store.Book(name)
	p := makePlan(want, current, st.Entries)
	r.Unchanged, r.KeptEdited = p.unchanged, p.keptEdited
	r.Skipped = append(r.Skipped, p.skipped...)
	for _, n := range p.newlyEdited {
		s.log.Info("contact kept as edited in OneCloud", "book", name, "contact", n)
	}
	if dryRun {
		for _, o := range p.ops {
			r.count(o.kind)
		}
		return r, nil
	}

	var firstErr error
	for _, o := range p.ops {
		if ctx.Err() != nil {
			firstErr = cmpErr(firstErr, context.Cause(ctx))
			break
		}
		if err := s.apply(ctx, b.Phonebook, o, &p, &r); err != nil {
			s.log.Warn("contact not written", "book", name, "contact", o.entry.Name, "error", err.Error())
			firstErr = cmpErr(firstErr, err)
			if onecloud.IsAuth(err) {
				break // every other write would be refused the same way
			}
		}
	}
	s.opts.Store.SetBook(name, BookState{Mailbox: b.Mailbox, Entries: p.next})
	if firstErr != nil {
		r.Error = errorText(firstErr)
	}
	return r, firstErr
}

// apply makes one write and records its outcome in the plan's next state and the report. An
// entry a person changed meanwhile (412) or deleted (404) is kept as edited, not an error.
func (s *Syncer) apply(ctx context.Context, pb onecloud.Phonebook, o op, p *plan, r *BookReport) error {
	edited := func() {
		r.KeptEdited++
		s.log.Info("contact kept as edited in OneCloud", "book", pb.String(), "contact", o.entry.Name)
	}
	switch o.kind {
	case opCreate:
		got, err := s.opts.OneCloud.CreateContact(ctx, pb, o.entry)
		switch {
		case onecloud.IsInvalidContact(err):
			r.Skipped = append(r.Skipped, Skip{Contact: o.entry.Name, Reason: "OneCloud refused it: " + err.Error()})
			return nil
		case err != nil:
			return fmt.Errorf("create %s: %w", o.entry.Name, err)
		}
		p.next[o.externalID] = EntryState{ID: got.ID, ETag: got.ETag}
	case opUpdate:
		got, err := s.opts.OneCloud.UpdateContact(ctx, pb, o.entry, o.etag)
		switch {
		case errors.Is(err, onecloud.ErrPreconditionFailed), errors.Is(err, onecloud.ErrNotFound):
			p.next[o.externalID] = EntryState{ID: o.id, Edited: true}
			edited()
			return nil
		case err != nil:
			return fmt.Errorf("update %s: %w", o.entry.Name, err)
		}
		p.next[o.externalID] = EntryState{ID: got.ID, ETag: got.ETag}
	case opDelete:
		err := s.opts.OneCloud.DeleteContact(ctx, pb, o.id, o.etag)
		switch {
		case errors.Is(err, onecloud.ErrPreconditionFailed):
			edited()
			return nil
		case errors.Is(err, onecloud.ErrNotFound):
			return nil // a person deleted it first: the outcome is the same
		case err != nil:
			p.next[o.externalID] = EntryState{ID: o.id, ETag: o.etag} // try again next run
			return fmt.Errorf("delete entry %s: %w", o.id, err)
		}
	}
	r.count(o.kind)
	return nil
}

func (r *BookReport) count(k opKind) {
	switch k {
	case opCreate:
		r.Created++
	case opUpdate:
		r.Updated++
	case opDelete:
		r.Deleted++
	}
}

// errorText is an error as the report shows it: what happened and, when known, what to do.
func errorText(err error) string {
	var ge *graph.Error
	switch {
	case errors.As(err, &ge) && ge.Remedy != "":
		return err.Error() + " -> " + ge.Remedy
	case onecloud.IsAuth(err):
		return err.Error() + " -> " + onecloud.AuthRemedy(err)
	}
	return err.Error()
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// JobName names contacts sync among calsync's sync jobs (status.jobs, jobs/{name}/sync-now).
const JobName = "contacts"

// RunJob is one run of the contacts job: every phonebook cfg names, written. Its error says why
// the run as a whole failed - it stopped (a credential was refused), or some phonebooks could not
// be synced - so that the scheduler backs off; the report has the details.
func (s *Syncer) RunJob(ctx context.Context, cfg *config.Config) (Report, error) {
	rep := s.Run(ctx, Books(cfg), false)
	if rep.Error != "" {
		return rep, fmt.Errorf("contacts sync stopped: %s", rep.Error)
	}
	if n := rep.Failed(); n > 0 {
		return rep, fmt.Errorf("%d of %d phonebooks could not be synced", n, len(rep.Phonebooks))
	}
	return rep, nil
}

// Books lists the phonebooks a config asks for: each enabled user's personal phonebook (unless
// contacts.personal is false) from their mailbox, and the office phonebook from
// contacts.phonebookMailbox when one is named. With contacts off it is empty: disabled users and
// switched-off phonebooks are left as they are.
func Books(cfg *config.Config) []Book {
	if !cfg.ContactsEnabled() {
		return nil
	}
	var books []Book
	if cfg.ContactsPersonal() {
		for _, u := range cfg.Users {
			if u.Enabled && u.Mailbox != "" {
				books = append(books, Book{Phonebook: onecloud.PersonalPhonebook(u.OneCloudUser), Mailbox: u.Mailbox})
			}
		}
	}
	if m := cfg.Contacts.PhonebookMailbox; m != "" {
		books = append(books, Book{Phonebook: onecloud.OfficePhonebook(), Mailbox: m})
	}
	return books
}
