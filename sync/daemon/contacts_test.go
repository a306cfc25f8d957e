package daemon

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/localapi"
)

// TestServiceSyncsContacts: with contacts on, the service syncs them at start, shows the last
// run per phonebook in its status, and syncs again on contacts/sync-now; with contacts off the
// status has no contacts and the request is refused with a reason.
func TestServiceSyncsContacts(t *testing.T) {
	o := newOffice(t)
	if _, err := o.graph.SetContacts("anna@contoso.com", []emulator.GraphContact{{DisplayName: "Studio Bianchi", BusinessPhones: []string{"02 1234 5678"}}}); err != nil {
		t.Fatal(err)
	}
	cfg := o.config()
	cfg.Contacts = &config.Contacts{Enabled: true, DefaultRegion: "IT"}
	o.writeConfig(cfg)
	o.start()

	book := func(st localapi.Status, name string) (localapi.ContactsPhonebook, bool) {
		if st.Contacts == nil {
			return localapi.ContactsPhonebook{}, false
		}
		for _, b := range st.Contacts.Phonebooks {
			if b.Book == name {
				return b, true
			}
		}
		return localapi.ContactsPhonebook{}, false
	}
	st := o.waitStatus("the first contacts sync", func(st localapi.Status) bool {
		b, ok := book(st, "user:1001")
		return ok && b.Created == 1 && !st.Contacts.Syncing
	})
	if st.Contacts.Interval != "15m0s" || st.Contacts.LastRun.IsZero() {
		t.Errorf("contacts status = %+v", st.Contacts)
	}
	if b, _ := book(st, "user:1099"); !strings.Contains(b.Error, "mailbox not found") {
		t.Errorf("the ghost's phonebook: %+v", b)
	}
	if e := o.oc.PhonebookEntries(emulator.OneCloudPersonalBook("1001")); len(e) != 1 || e[0].Numbers[0].Number != "+390212345678" {
		t.Errorf("anna's phonebook = %+v", e)
	}

	// A new contact in Exchange reaches OneCloud on contacts/sync-now, without waiting 15 minutes.
	if _, err := o.graph.AddContact("anna@contoso.com", emulator.GraphContact{DisplayName: "Corriere", BusinessPhones: []string{"800 123 456"}}); err != nil {
		t.Fatal(err)
	}
	must(t, o.client.SyncContactsNow(context.Background()))
	st = o.waitStatus("the contacts sync asked for", func(st localapi.Status) bool {
		b, ok := book(st, "user:1001")
		return ok && b.Created == 1 && b.Unchanged == 1 && !st.Contacts.Syncing
	})
	// status.jobs holds both jobs, presence first, contacts as status.contacts says (the ghost's
	// phonebook fails, so the run does).
	if len(st.Jobs) != 2 || st.Jobs[0].Name != "presence" || st.Jobs[1].Name != "contacts" ||
		st.Jobs[1].Interval != "15m0s" || !st.Jobs[1].LastRun.Equal(st.Contacts.LastRun) ||
		!strings.Contains(st.Jobs[1].Error, "could not be synced") {
		t.Errorf("status.jobs = %+v", st.Jobs)
	}

	// The generic jobs/{name}/sync-now does the same.
	if _, err := o.graph.AddContact("anna@contoso.com", emulator.GraphContact{DisplayName: "Idraulico", BusinessPhones: []string{"02 9876 5432"}}); err != nil {
		t.Fatal(err)
	}
	must(t, o.client.SyncJobNow(context.Background(), "contacts"))
	o.waitStatus("the contacts job asked for", func(st localapi.Status) bool {
		b, ok := book(st, "user:1001")
		return ok && b.Created == 1 && b.Unchanged == 2
	})
	var nf *localapi.APIError
	if err := o.client.SyncJobNow(context.Background(), "fax"); !errors.As(err, &nf) || nf.Status != 404 {
		t.Errorf("jobs/fax/sync-now: %v", err)
	}

	// Contacts off: no contacts in the status, and sync-now says why.
	cfg.Contacts.Enabled = false
	o.writeConfig(cfg)
	o.waitStatus("contacts off", func(st localapi.Status) bool { return st.Contacts == nil && firstPollDone(st) })
	var ae *localapi.APIError
	if err := o.client.SyncContactsNow(context.Background()); !errors.As(err, &ae) || ae.Code != CodeContactsOff {
		t.Errorf("contacts/sync-now with contacts off: %v", err)
	}
	if err := o.client.SyncJobNow(context.Background(), "contacts"); !errors.As(err, &ae) || ae.Code != CodeContactsOff {
		t.Errorf("jobs/contacts/sync-now with contacts off: %v", err)
	}
}
