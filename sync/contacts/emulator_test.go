package contacts

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/retry"
)

// office is a syncer over the real clients, talking to both emulators.
type office struct {
	g   *emulator.Graph
	oc  *emulator.OneCloud
	gc  *graph.Client
	occ *onecloud.Client
	s   *Syncer
}

func fastRetry() retry.Policy {
	return retry.Policy{Base: time.Millisecond, Max: 5 * time.Millisecond, MaxAttempts: 4, MaxRetryAfter: 5 * time.Second, Jitter: func() float64 { return 0 }}
}

func newOffice(t testing.TB, users ...string) *office {
	t.Helper()
	o := &office{
		g:  emulator.NewGraph(emulator.GraphOptions{}),
		oc: emulator.NewOneCloud(emulator.OneCloudOptions{Token: "tok"}),
	}
	gURL, stopG := o.g.Start()
	ocURL, stopOC := o.oc.Start()
	t.Cleanup(stopG)
	t.Cleanup(stopOC)
	for _, id := range users {
		if err := o.oc.AddUser(emulator.OneCloudUser{ID: id, Username: "u" + id, Name: "User " + id}); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	o.gc, err = graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: gURL, GraphURL: gURL, Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	o.occ, err = onecloud.New(onecloud.Options{BaseURL: ocURL, Token: "tok", Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := OpenStore("", nil)
	o.s, err = New(Options{Exchange: o.gc, OneCloud: o.occ, Store: store, Region: "IT"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *office) setContacts(t testing.TB, mailbox string, cs ...emulator.GraphContact) []emulator.GraphContact {
	t.Helper()
	got, err := o.g.SetContacts(mailbox, cs)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func person(i int) emulator.GraphContact {
	return emulator.GraphContact{DisplayName: fmt.Sprintf("Cliente %03d", i), MobilePhone: fmt.Sprintf("333 %07d", 1000000+i)}
}

// TestAgainstEmulators follows one office through the life of its phonebooks: paging on both
// sides, ownership, hand edits, deletes, and no writes when nothing changed.
func TestAgainstEmulators(t *testing.T) {
	o := newOffice(t, "1001")
	mario := onecloud.PersonalPhonebook("1001")
	marioBook := emulator.OneCloudPersonalBook("1001") // the same phonebook, as the emulator names it
	var cs []emulator.GraphContact
	for i := range 250 { // three Graph pages of 100, five OneCloud pages of 50
		cs = append(cs, person(i))
	}
	cs = append(cs, emulator.GraphContact{DisplayName: "Idraulico"}, // no number
		emulator.GraphContact{DisplayName: "Studio Bianchi", BusinessPhones: []string{"02 1234 5678", "chiamare"}, CompanyName: "Studio Bianchi srl"})
	cs = o.setContacts(t, "mario@contoso.it", cs...)
	manual, err := o.oc.AddPhonebookEntry(marioBook, emulator.OneCloudContact{Name: "Mamma", Numbers: []emulator.OneCloudNumber{{Type: "mobile", Number: "+393339999999"}}})
	if err != nil {
		t.Fatal(err)
	}
	books := []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}
	ctx := context.Background()
	run := func(name, want string) BookReport {
		t.Helper()
		o.oc.ResetCounts()
		before := o.g.Stats().ContactsRequests
		r := o.s.Run(ctx, books, false).Phonebooks[0]
		if got := counts(r); got != want {
			t.Errorf("%s: %s\nwant %s", name, got, want)
		}
		if n := o.g.Stats().ContactsRequests - before; n != 3 {
			t.Errorf("%s: %d Graph contacts requests, want 3 (ceil(252/100))", name, n)
		}
		return r
	}

	r := run("first run", `created 251 updated 0 deleted 0 unchanged 0 keptEdited 0 skipped 2 error ""`)
	if !strings.Contains(fmt.Sprint(r.Skipped), "Idraulico no phone number") || !strings.Contains(fmt.Sprint(r.Skipped), `"chiamare" is not a phone number`) {
		t.Errorf("skipped = %v", r.Skipped)
	}
	entries := o.oc.PhonebookEntries(marioBook)
	if len(entries) != 252 {
		t.Fatalf("%d entries, want 251 + the manual one", len(entries))
	}
	for _, e := range entries {
		if e.Name == "Studio Bianchi" && (len(e.Numbers) != 1 || e.Numbers[0].Number != "+390212345678" || e.Company != "Studio Bianchi srl") {
			t.Errorf("Studio Bianchi = %+v", e)
		}
	}

	run("nothing changed", `created 0 updated 0 deleted 0 unchanged 251 keptEdited 0 skipped 2 error ""`)
	if c := o.oc.PhonebookCounts(marioBook); c.Writes != 0 {
		t.Errorf("nothing changed: %d OneCloud writes", c.Writes)
	}

	// A person edits one entry in OneCloud; Exchange changes it too, and deletes another.
	var edited emulator.OneCloudContact
	for _, e := range o.oc.PhonebookEntries(marioBook) {
		if e.ExternalID == cs[0].ID {
			edited = e
		}
	}
	if _, err := o.oc.EditPhonebookEntry(marioBook, edited.ID, func(c *emulator.OneCloudContact) { c.Name = "Cliente 000 (VIP)" }); err != nil {
		t.Fatal(err)
	}
	cs[0].DisplayName = "Cliente 000 spa"
	cs[1].MobilePhone = "333 7654321"
	if err := o.g.UpdateContact("mario@contoso.it", cs[0]); err != nil {
		t.Fatal(err)
	}
	if err := o.g.UpdateContact("mario@contoso.it", cs[1]); err != nil {
		t.Fatal(err)
	}
	if err := o.g.RemoveContact("mario@contoso.it", cs[2].ID); err != nil {
		t.Fatal(err)
	}
	run("edits on both sides", `created 0 updated 1 deleted 1 unchanged 248 keptEdited 1 skipped 2 error ""`)
	for _, e := range o.oc.PhonebookEntries(marioBook) {
		switch {
		case e.ID == edited.ID && e.Name != "Cliente 000 (VIP)":
			t.Errorf("the entry edited in OneCloud was overwritten: %q", e.Name)
		case e.ID == manual.ID && (e.Name != "Mamma" || e.ETag != manual.ETag):
			t.Errorf("the manual entry was touched: %+v", e)
		case e.ExternalID == cs[2].ID:
			t.Error("the entry of a contact deleted in Exchange is still there")
		}
	}
}

func TestAgainstEmulatorsAdoptsWithoutState(t *testing.T) {
	o := newOffice(t, "1001")
	mario := onecloud.PersonalPhonebook("1001")
	marioBook := emulator.OneCloudPersonalBook("1001") // the same phonebook, as the emulator names it
	cs := o.setContacts(t, "mario@contoso.it", person(1), person(2))
	// Entries calsync made before its state was lost; one differs from Exchange by now.
	for i, c := range cs {
		name := c.DisplayName
		if i == 1 {
			name = "old name"
		}
		if _, err := o.oc.AddPhonebookEntry(marioBook, emulator.OneCloudContact{Source: onecloud.ContactSourceCalsync, ExternalID: c.ID, Name: name,
			Numbers: []emulator.OneCloudNumber{{Type: "mobile", Number: fmt.Sprintf("+39333%07d", 1000001+i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	r := o.s.Run(context.Background(), []Book{{Phonebook: mario, Mailbox: "mario@contoso.it"}}, false).Phonebooks[0]
	if got, want := counts(r), `created 0 updated 1 deleted 0 unchanged 1 keptEdited 0 skipped 0 error ""`; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	if n := len(o.oc.PhonebookEntries(marioBook)); n != 2 {
		t.Errorf("%d entries, want 2 (adopted, not duplicated)", n)
	}
}

func TestAgainstEmulatorsFailures(t *testing.T) {
	o := newOffice(t, "1001", "1002")
	o.setContacts(t, "mario@contoso.it", person(1))
	o.setContacts(t, "rubrica@contoso.it", person(2), person(3))
	books := []Book{
		{Phonebook: onecloud.PersonalPhonebook("1001"), Mailbox: "mario@contoso.it"},
		{Phonebook: onecloud.PersonalPhonebook("1002"), Mailbox: "nobody@contoso.it"}, // not in Microsoft 365
		{Phonebook: onecloud.OfficePhonebook(), Mailbox: "rubrica@contoso.it"},
	}
	rep := o.s.Run(context.Background(), books, false)
	if rep.Failed() != 1 || !strings.Contains(rep.Phonebooks[1].Error, "mailbox not found") ||
		rep.Phonebooks[0].Created != 1 || rep.Phonebooks[2].Created != 2 {
		t.Errorf("one unknown mailbox: %+v", rep)
	}

	// Throttled: Retry-After is honoured and the run completes.
	o.g.SetRetryAfter(10 * time.Millisecond)
	o.g.FailNext(1, 429)
	if rep := o.s.Run(context.Background(), books[:1], false); rep.Failed() != 0 {
		t.Errorf("after one 429: %+v", rep)
	}

	// Without Contacts.Read every phonebook says what to do; nothing is written.
	o.g.SetContactsConsent(false)
	o.oc.ResetCounts()
	rep = o.s.Run(context.Background(), books, false)
	for _, b := range rep.Phonebooks {
		if !strings.Contains(b.Error, "Contacts.Read") {
			t.Errorf("%s: error %q does not name Contacts.Read", b.Book, b.Error)
		}
	}
	if c := o.oc.Counts(); c.Writes != 0 {
		t.Errorf("%d OneCloud writes without Contacts.Read", c.Writes)
	}
}
