package contacts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

// fakeExchange serves fixed contacts per mailbox.
type fakeExchange map[string][]graph.Contact

func (f fakeExchange) ListContacts(_ context.Context, mailbox string) ([]graph.Contact, error) {
	cs, ok := f[mailbox]
	if !ok {
		return nil, fmt.Errorf("list contacts of %s: mailbox not found", mailbox)
	}
	return cs, nil
}

// fakePhonebooks keeps phonebooks in memory with the contract's ETag rules and counts writes.
type fakePhonebooks struct {
	mu     gosync.Mutex
	books  map[string][]onecloud.PhonebookContact
	seq    int
	writes int
	fail   error // returned by every write when set
}

func newFakePhonebooks() *fakePhonebooks {
	return &fakePhonebooks{books: map[string][]onecloud.PhonebookContact{}}
}

func (f *fakePhonebooks) etag(id string) string { f.seq++; return fmt.Sprintf(`"%s-%d"`, id, f.seq) }

func (f *fakePhonebooks) ListPhonebook(_ context.Context, b onecloud.Phonebook) ([]onecloud.PhonebookContact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]onecloud.PhonebookContact(nil), f.books[b.String()]...), nil
}

func (f *fakePhonebooks) CreateContact(_ context.Context, b onecloud.Phonebook, c onecloud.PhonebookContact) (onecloud.PhonebookContact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return c, f.fail
	}
	f.writes++
	f.seq++
	c.ID = fmt.Sprintf("c-%d", f.seq)
	c.ETag = f.etag(c.ID)
	f.books[b.String()] = append(f.books[b.String()], c)
	return c, nil
}

func (f *fakePhonebooks) find(b onecloud.Phonebook, id string) int {
	for i, c := range f.books[b.String()] {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func (f *fakePhonebooks) UpdateContact(_ context.Context, b onecloud.Phonebook, c onecloud.PhonebookContact, etag string) (onecloud.PhonebookContact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return c, f.fail
	}
	f.writes++
	i := f.find(b, c.ID)
	switch {
	case i < 0:
		return c, &onecloud.APIError{Status: 404, Code: "not_found"}
	case f.books[b.String()][i].ETag != etag:
		return c, &onecloud.APIError{Status: 412, Code: "precondition_failed"}
	}
	c.ETag = f.etag(c.ID)
	f.books[b.String()][i] = c
	return c, nil
}

func (f *fakePhonebooks) DeleteContact(_ context.Context, b onecloud.Phonebook, id, etag string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.writes++
	i := f.find(b, id)
	switch {
	case i < 0:
		return &onecloud.APIError{Status: 404, Code: "not_found"}
	case f.books[b.String()][i].ETag != etag:
		return &onecloud.APIError{Status: 412, Code: "precondition_failed"}
	}
	f.books[b.String()] = append(f.books[b.String()][:i], f.books[b.String()][i+1:]...)
	return nil
}

// edit changes an entry as a person would in OneCloud.
func (f *fakePhonebooks) edit(b onecloud.Phonebook, externalID, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.books[b.String()] {
		if c.ExternalID == externalID {
			c.Name = name
			c.ETag = f.etag(c.ID)
			f.books[b.String()][i] = c
		}
	}
}

func (f *fakePhonebooks) entry(b onecloud.Phonebook, externalID string) (onecloud.PhonebookContact, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.books[b.String()] {
		if c.ExternalID == externalID {
			return c, true
		}
	}
	return onecloud.PhonebookContact{}, false
}

func contact(id, name, mobile string) graph.Contact {
	return graph.Contact{ID: id, DisplayName: name, MobilePhone: mobile}
}

var mario = onecloud.PersonalPhonebook("1001")

func newTestSyncer(t *testing.T, ex fakeExchange, pb *fakePhonebooks, store *Store) *Syncer {
	t.Helper()
	s, err := New(Options{Exchange: ex, OneCloud: pb, Store: store, Region: "IT"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func counts(r BookReport) string {
	return fmt.Sprintf("created %d updated %d deleted %d unchanged %d keptEdited %d skipped %d error %q",
		r.Created, r.Updated, r.Deleted, r.Unchanged, r.KeptEdited, len(r.Skipped), r.Error)
}

func TestRunLifecycle(t *testing.T) {
	ex := fakeExchange{"mario@contoso.it": {
		contact("A1", "Studio Bianchi", "02 1234 5678"),
		contact("A2", "Idraulico", ""),
		contact("A3", "Cliente Verdi", "333 1234567"),
	}}
	pb := newFakePhonebooks()
	store, _ := OpenStore("", nil)
	s := newTestSyncer(t, ex, pb, store)
	books := []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}
	ctx := context.Background()
	step := func(name, want string, wantWrites int) {
		t.Helper()
		pb.writes = 0
		r := s.Run(ctx, books, false).Phonebooks[0]
		if got := counts(r); got != want {
			t.Errorf("%s: %s\nwant %s", name, got, want)
		}
		if pb.writes != wantWrites {
			t.Errorf("%s: %d writes, want %d", name, pb.writes, wantWrites)
		}
	}

	step("first run", `created 2 updated 0 deleted 0 unchanged 0 keptEdited 0 skipped 1 error ""`, 2)
	step("nothing changed", `created 0 updated 0 deleted 0 unchanged 2 keptEdited 0 skipped 1 error ""`, 0)

	ex["mario@contoso.it"][0].MobilePhone = "02 1234 5679"
	step("changed in Exchange", `created 0 updated 1 deleted 0 unchanged 1 keptEdited 0 skipped 1 error ""`, 1)

	pb.edit(mario, "A3", "Verdi (cliente VIP)")
	ex["mario@contoso.it"][2].DisplayName = "Cliente Verdi spa"
	step("edited in OneCloud", `created 0 updated 0 deleted 0 unchanged 1 keptEdited 1 skipped 1 error ""`, 0)
	if e, _ := pb.entry(mario, "A3"); e.Name != "Verdi (cliente VIP)" {
		t.Errorf("hand-edited entry overwritten: %q", e.Name)
	}

	ex["mario@contoso.it"] = ex["mario@contoso.it"][1:] // A1 deleted in Exchange
	step("deleted in Exchange", `created 0 updated 0 deleted 1 unchanged 0 keptEdited 1 skipped 1 error ""`, 1)
	if _, ok := pb.entry(mario, "A1"); ok {
		t.Error("entry of a contact deleted in Exchange is still there")
	}

	ex["mario@contoso.it"] = nil // A3 deleted too: its entry was edited, so it stays
	step("edited entry of a deleted contact", `created 0 updated 0 deleted 0 unchanged 0 keptEdited 0 skipped 0 error ""`, 0)
	if _, ok := pb.entry(mario, "A3"); !ok {
		t.Error("hand-edited entry deleted")
	}
}

func TestRunNeverTouchesOthersEntries(t *testing.T) {
	pb := newFakePhonebooks()
	manual := onecloud.PhonebookContact{ID: "m-1", ETag: `"m-1-1"`, Source: "manual", ExternalID: "A1", Name: "Bianchi (a mano)",
		Numbers: []onecloud.PhoneNumber{{Type: "work", Number: "+390212345678"}}}
	pb.books[mario.String()] = []onecloud.PhonebookContact{manual}
	ex := fakeExchange{"mario@contoso.it": {contact("A1", "Studio Bianchi", "02 1234 5678")}}
	s := newTestSyncer(t, ex, pb, nil)
	r := s.Run(context.Background(), []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}, false).Phonebooks[0]
	if pb.writes != 0 {
		t.Errorf("%d writes to a phonebook whose only entry a person made", pb.writes)
	}
	if len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Reason, "made in OneCloud") {
		t.Errorf("skipped = %+v", r.Skipped)
	}
	if e, _ := pb.entry(mario, "A1"); !sameEntry(e, manual) || e.ETag != manual.ETag || e.Source != manual.Source {
		t.Errorf("manual entry changed: %+v", e)
	}
}

func TestRunAdoptsWithoutState(t *testing.T) {
	pb := newFakePhonebooks()
	ex := fakeExchange{"mario@contoso.it": {contact("A1", "Studio Bianchi", "02 1234 5678"), contact("A2", "Rossi", "333 1234567")}}
	books := []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}
	newTestSyncer(t, ex, pb, nil).Run(context.Background(), books, false)

	// The state is lost; A2 changed in Exchange meanwhile.
	ex["mario@contoso.it"][1].DisplayName = "Mario Rossi"
	pb.writes = 0
	r := newTestSyncer(t, ex, pb, nil).Run(context.Background(), books, false).Phonebooks[0]
	if got, want := counts(r), `created 0 updated 1 deleted 0 unchanged 1 keptEdited 0 skipped 0 error ""`; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	if n := len(pb.books[mario.String()]); n != 2 {
		t.Errorf("%d entries after adoption, want 2 (no duplicates)", n)
	}
}

func TestRunDryRunWritesNothing(t *testing.T) {
	pb := newFakePhonebooks()
	ex := fakeExchange{"mario@contoso.it": {contact("A1", "Studio Bianchi", "02 1234 5678")}}
	path := filepath.Join(t.TempDir(), StateFileName)
	store, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := newTestSyncer(t, ex, pb, store).Run(context.Background(), []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}, true).Phonebooks[0]
	if r.Created != 1 || pb.writes != 0 {
		t.Errorf("dry run: created %d, %d writes; want 1 and 0", r.Created, pb.writes)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote the state file: %v", err)
	}
}

func TestRunFailedBookDoesNotStopOthers(t *testing.T) {
	pb := newFakePhonebooks()
	ex := fakeExchange{"mario@contoso.it": {contact("A1", "Studio Bianchi", "02 1234 5678")}}
	books := []Book{
		{Phonebook: onecloud.PersonalPhonebook("1009"), Mailbox: "gone@contoso.it"},
		{Phonebook: mario, Mailbox: "mario@contoso.it"},
	}
	rep := newTestSyncer(t, ex, pb, nil).Run(context.Background(), books, false)
	if rep.Failed() != 1 || rep.Phonebooks[0].Error == "" || rep.Phonebooks[1].Error != "" || rep.Phonebooks[1].Created != 1 {
		t.Errorf("report = %+v", rep)
	}
}

func TestRunWriteErrorsAreReported(t *testing.T) {
	pb := newFakePhonebooks()
	pb.fail = &onecloud.APIError{Status: 403, Code: "forbidden", Op: "create contact"}
	ex := fakeExchange{"mario@contoso.it": {contact("A1", "Uno", "02 1234 5678"), contact("A2", "Due", "02 1234 5679")}}
	r := newTestSyncer(t, ex, pb, nil).Run(context.Background(), []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}, false).Phonebooks[0]
	if !strings.Contains(r.Error, "403") || r.Created != 0 {
		t.Errorf("report = %s", counts(r))
	}
}

func TestStoreSurvivesAndRecovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, StateFileName)
	s, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetBook("user:1001", BookState{Mailbox: "m@x.it", Entries: map[string]EntryState{"A1": {ID: "c-1", ETag: `"e"`}}})
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Book("user:1001").Entries["A1"]; got.ID != "c-1" {
		t.Errorf("reloaded entry = %+v", got)
	}
	for name, data := range map[string]string{
		"not JSON":      "{",
		"no version":    `{"phonebooks":{}}`,
		"newer":         `{"version":99,"phonebooks":{}}`,
		"empty id":      `{"version":1,"phonebooks":{"user:1":{"entries":{"A":{"id":""}}}}}`,
		"trailing data": `{"version":1} {}`,
	} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := OpenStore(path, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(s.Book("user:1001").Entries) != 0 {
			t.Errorf("%s: state not empty", name)
		}
		if _, err := os.Stat(path + ".bak"); err != nil {
			t.Errorf("%s: not moved aside: %v", name, err)
		}
	}
}

func TestBooks(t *testing.T) {
	users := []config.User{
		{OneCloudUser: "1001", Mailbox: "mario@contoso.it", Enabled: true},
		{OneCloudUser: "1002", Mailbox: "giulia@contoso.it"},
		{OneCloudUser: "1003", Enabled: true},
	}
	tests := []struct {
		name     string
		contacts *config.Contacts
		want     []string
	}{
		{"off", nil, nil},
		{"disabled", &config.Contacts{PhonebookMailbox: "rubrica@contoso.it"}, nil},
		{"personal by default", &config.Contacts{Enabled: true}, []string{"user:1001 mario@contoso.it"}},
		{"both", &config.Contacts{Enabled: true, PhonebookMailbox: "rubrica@contoso.it"},
			[]string{"user:1001 mario@contoso.it", "phonebook rubrica@contoso.it"}},
		{"office only", &config.Contacts{Enabled: true, Personal: new(false), PhonebookMailbox: "rubrica@contoso.it"},
			[]string{"phonebook rubrica@contoso.it"}},
	}
	for _, tt := range tests {
		cfg := &config.Config{Users: users, Contacts: tt.contacts}
		var got []string
		for _, b := range Books(cfg) {
			got = append(got, b.Phonebook.String()+" "+b.Mailbox)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Books = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// countingExchange counts the listings asked of it.
type countingExchange struct {
	fakeExchange
	calls atomic.Int64
}

func (c *countingExchange) ListContacts(ctx context.Context, mailbox string) ([]graph.Contact, error) {
	c.calls.Add(1)
	return c.fakeExchange.ListContacts(ctx, mailbox)
}

// A refused credential ends the run: before any phonebook when signing in fails, and after the
// phonebook that met it when OneCloud refuses the token; it is the report's error once, and the
// phonebooks not tried say only that the run stopped.
func TestRunStopsAtARefusedCredential(t *testing.T) {
	books := []Book{
		{Phonebook: mario, Mailbox: "mario@contoso.it"},
		{Phonebook: onecloud.PersonalPhonebook("1002"), Mailbox: "giulia@contoso.it"},
		{Phonebook: onecloud.PersonalPhonebook("1003"), Mailbox: "luca@contoso.it"},
	}
	ex := fakeExchange{
		"mario@contoso.it":  {contact("A1", "Uno", "02 1234 5678")},
		"giulia@contoso.it": {contact("B1", "Due", "02 1234 5679")},
		"luca@contoso.it":   {contact("C1", "Tre", "02 1234 5670")},
	}
	wrongSecret := &graph.Error{Kind: graph.KindWrongSecret, Code: "AADSTS7000215", Message: "Invalid client secret provided.", Remedy: "Copy the secret's Value."}
	tests := []struct {
		name      string
		signIn    error
		writeFail error
		listings  int64  // Exchange listings made
		stopped   int    // phonebooks marked ErrStopped
		says      string // in the report's error
	}{
		{"sign-in refused", wrongSecret, nil, 0, 3, "AADSTS7000215"},
		{"Entra unreachable", &graph.Error{Kind: graph.KindNetwork, Message: "connection refused"}, nil, 0, 3, "connection refused"},
		{"OneCloud refuses the token", nil, &onecloud.APIError{Status: 401, Code: "unauthorized", Op: "create contact"}, 1, 2, "401"},
		{"signed in", nil, nil, 3, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := newFakePhonebooks()
			pb.fail = tt.writeFail
			cx := &countingExchange{fakeExchange: ex}
			s, err := New(Options{Exchange: cx, OneCloud: pb, Region: "IT", Parallel: 1,
				SignIn: func(context.Context) error { return tt.signIn }})
			if err != nil {
				t.Fatal(err)
			}
			rep := s.Run(context.Background(), books, false)
			stopped := 0
			for _, b := range rep.Phonebooks {
				if b.Error == ErrStopped {
					stopped++
				}
			}
			if cx.calls.Load() != tt.listings || stopped != tt.stopped || (tt.says == "") != (rep.Error == "") ||
				!strings.Contains(rep.Error, tt.says) {
				t.Fatalf("%d listings, %d stopped, error %q; want %d, %d, containing %q", cx.calls.Load(), stopped, rep.Error,
					tt.listings, tt.stopped, tt.says)
			}
			if tt.signIn == wrongSecret && !strings.Contains(rep.Error, "-> Copy the secret's Value.") {
				t.Errorf("no remedy in %q", rep.Error)
			}
		})
	}
}

// TestRunJob: the contacts job's run fails when a phonebook could not be synced or the run
// stopped, so the scheduler backs off, and succeeds otherwise; the report is there either way.
func TestRunJob(t *testing.T) {
	ex := fakeExchange{"mario@contoso.it": {contact("A1", "Studio Bianchi", "02 1234 5678")}}
	users := func(mailboxes ...string) *config.Config {
		cfg := &config.Config{Contacts: &config.Contacts{Enabled: true}}
		for i, m := range mailboxes {
			cfg.Users = append(cfg.Users, config.User{OneCloudUser: fmt.Sprint(1001 + i), Mailbox: m, Enabled: true})
		}
		return cfg
	}
	for _, tt := range []struct {
		name    string
		cfg     *config.Config
		signIn  error
		wantErr string // "" = none
	}{
		{"every phonebook synced", users("mario@contoso.it"), nil, ""},
		{"a phonebook failed", users("mario@contoso.it", "gone@contoso.it"), nil, "1 of 2 phonebooks could not be synced"},
		{"stopped", users("mario@contoso.it"), errors.New("sign-in refused"), "contacts sync stopped: sign-in refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Options{Exchange: ex, OneCloud: newFakePhonebooks(), Region: "IT",
				SignIn: func(context.Context) error { return tt.signIn }})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.RunJob(context.Background(), tt.cfg)
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
				t.Errorf("RunJob error = %v, want %q", err, tt.wantErr)
			}
			if len(rep.Phonebooks) != len(tt.cfg.Users) {
				t.Errorf("report of %d phonebooks, want %d", len(rep.Phonebooks), len(tt.cfg.Users))
			}
		})
	}
}
