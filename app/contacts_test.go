package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/localapi"
)

// contactsBackend is the golden backend that records contacts sync requests.
type contactsBackend struct {
	*goldenBackend
	syncs chan struct{}
}

func (b contactsBackend) SyncJobNow(_ context.Context, name string) error {
	if name != contactsJob {
		return &localapi.APIError{Status: 404, Code: localapi.CodeNotFound, Message: "no sync job " + name}
	}
	b.syncs <- struct{}{}
	return nil
}

func newTestContactsScreen(t *testing.T) (*contactsScreen, contactsBackend) {
	t.Helper()
	goldenSetup(t)
	b := contactsBackend{goldenBackend: newGoldenBackend(t), syncs: make(chan struct{}, 1)}
	ed := goldenEditor(t, b)
	s := newContactsScreen(b, ed)
	w := test.NewTempWindow(t, s.root)
	w.Resize(fyne.NewSize(900, 800))
	return s, b
}

func TestContactsScreenEditsTheDraft(t *testing.T) {
	s, _ := newTestContactsScreen(t)
	if s.enabled.Checked || !s.personal.Checked {
		t.Fatalf("a config without contacts shows enabled %v, personal %v; want off and personal", s.enabled.Checked, s.personal.Checked)
	}
	test.Tap(s.enabled)
	test.Type(s.region, "it")
	test.Type(s.mailbox, "rubrica@contoso.it")
	k := s.ed.Draft().Contacts
	if k == nil || !k.Enabled || k.DefaultRegion != "IT" || k.PhonebookMailbox != "rubrica@contoso.it" {
		t.Fatalf("draft contacts = %+v", k)
	}
	if !s.ed.Dirty() {
		t.Error("the draft is not dirty after edits")
	}

	test.Type(s.interval, "1m")
	if l := s.fieldErrs["contacts.interval"]; !l.Visible() || !strings.Contains(l.Text, "too short") {
		t.Errorf("interval error = %q (visible %v)", l.Text, l.Visible())
	}
	s.interval.SetText("30m")
	if l := s.fieldErrs["contacts.interval"]; l.Visible() {
		t.Errorf("interval error still shown: %q", l.Text)
	}
	test.Tap(s.personal)
	s.mailbox.SetText("")
	if l := s.fieldErrs["contacts.personal"]; !l.Visible() || !strings.Contains(l.Text, "nothing to sync") {
		t.Errorf("personal error = %q (visible %v)", l.Text, l.Visible())
	}
}

func TestContactsScreenShowsTheLastRunAndSyncsNow(t *testing.T) {
	s, b := newTestContactsScreen(t)
	s.showStatus(localapi.Status{})
	if !strings.Contains(s.lastRun.Text, "off") {
		t.Errorf("without contacts status: %q", s.lastRun.Text)
	}
	s.showStatus(localapi.Status{Users: []localapi.UserStatus{{OneCloudUser: "1001", Name: "Mario Rossi"}}, Contacts: &localapi.ContactsStatus{
		LastRun: time.Now().Add(-time.Minute), Interval: "15m0s",
		Phonebooks: []localapi.ContactsPhonebook{
			{Book: "user:1001", Mailbox: "mario@contoso.it", Created: 3, Updated: 1, Unchanged: 40, KeptEdited: 1,
				Skipped: []localapi.ContactsSkip{{Contact: "Idraulico", Reason: "no phone number"}}},
			{Book: "phonebook", Mailbox: "rubrica@contoso.it", Error: "access denied -> add Contacts.Read"},
		},
	}})
	var texts []string
	for _, o := range s.books.Objects {
		texts = append(texts, o.(*widget.Label).Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"Phonebook of Mario Rossi (1001) (mario@contoso.it): 3 created, 1 updated, 0 deleted, 40 unchanged, 1 kept as edited in OneCloud, 1 skipped",
		"Idraulico: no phone number", "Office phonebook (rubrica@contoso.it)", "access denied -> add Contacts.Read"} {
		if !strings.Contains(all, want) {
			t.Errorf("phonebook lines lack %q:\n%s", want, all)
		}
	}
	if !strings.Contains(s.lastRun.Text, "every 15m.") {
		t.Errorf("last run = %q", s.lastRun.Text)
	}

	answered := make(chan struct{})
	s.synced = func() { close(answered) }
	test.Tap(s.syncNow)
	goldenWait(t, b.syncs, "Sync contacts now reaching the service")
	goldenWait(t, answered, "the answer shown") // the call's goroutine is done before the test ends
	if s.syncNow.Disabled() || s.syncErr.Visible() {
		t.Errorf("after the call: button disabled %v, error %q", s.syncNow.Disabled(), s.syncErr.Text)
	}
}

func TestContactsDurationText(t *testing.T) {
	for in, want := range map[string]string{"15m0s": "15m", "1h0m0s": "1h", "1h30m0s": "1h30m", "5m30s": "5m30s", "": ""} {
		if got := contactsDurationText(in); got != want {
			t.Errorf("contactsDurationText(%q) = %q, want %q", in, got, want)
		}
	}
}
