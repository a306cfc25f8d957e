package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/engine"
	"github.com/calsync/calsync/sync/localapi"
)

// contactsJobName names contacts sync among the scheduler's jobs.
const contactsJobName = "contacts"

// contactsRun is a generation's contacts sync: what the last run did, for the status.
type contactsRun struct {
	syncer   *contacts.Syncer
	cfg      *config.Config
	interval time.Duration

	mu      sync.Mutex
	syncing bool
	lastRun time.Time
	last    contacts.Report
}

// job is contacts sync as a scheduler job: one run of every phonebook the config names.
func (c *contactsRun) job(d *Daemon) engine.Job {
	return engine.Job{Name: contactsJobName, Interval: c.interval, Run: func(ctx context.Context) error {
		c.mu.Lock()
		c.syncing = true
		c.mu.Unlock()
		started := d.clock.Now()
		rep := c.syncer.Run(ctx, contacts.Books(c.cfg), false)
		c.mu.Lock()
		c.syncing, c.lastRun, c.last = false, started.UTC(), rep
		c.mu.Unlock()
		d.logContacts(rep, d.clock.Now().Sub(started))
		if rep.Error != "" {
			// The scheduler logs it, once, with when it tries again: it backs off a job failing
			// in a row, so a refused credential is not retried every interval.
			return fmt.Errorf("contacts sync stopped: %s", rep.Error)
		}
		if n := rep.Failed(); n > 0 {
			return fmt.Errorf("%d of %d phonebooks could not be synced", n, len(rep.Phonebooks))
		}
		return nil
	}}
}

// logContacts puts one line per run in the service log, and one per phonebook that failed or
// found an entry kept as edited.
func (d *Daemon) logContacts(rep contacts.Report, took time.Duration) {
	var created, updated, deleted, unchanged int
	for _, b := range rep.Phonebooks {
		created, updated, deleted, unchanged = created+b.Created, updated+b.Updated, deleted+b.Deleted, unchanged+b.Unchanged
		if b.Error != "" && b.Error != contacts.ErrStopped {
			d.log.Warn("contacts sync of a phonebook failed", "book", b.Book, "mailbox", b.Mailbox, "err", b.Error)
		}
	}
	d.log.Info("contacts synced", "phonebooks", len(rep.Phonebooks), "created", created, "updated", updated,
		"deleted", deleted, "unchanged", unchanged, "failed", rep.Failed(), "took", took.Round(time.Millisecond).String())
}

// status is contacts sync as the local API shows it.
func (c *contactsRun) status() *localapi.ContactsStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &localapi.ContactsStatus{Syncing: c.syncing, LastRun: c.lastRun, Interval: c.interval.String(),
		Phonebooks: []localapi.ContactsPhonebook{}, Error: c.last.Error}
	for _, b := range c.last.Phonebooks {
		p := localapi.ContactsPhonebook{Book: b.Book, Mailbox: b.Mailbox, Created: b.Created, Updated: b.Updated,
			Deleted: b.Deleted, Unchanged: b.Unchanged, KeptEdited: b.KeptEdited, Error: b.Error,
			Skipped: make([]localapi.ContactsSkip, len(b.Skipped))}
		for i, s := range b.Skipped {
			p.Skipped[i] = localapi.ContactsSkip{Contact: s.Contact, Reason: s.Reason}
		}
		st.Phonebooks = append(st.Phonebooks, p)
	}
	return st
}

// SyncContactsNow starts a contacts sync at once. It fails with CodeNotSyncing when no engine
// runs, and with a 409 saying so when contacts sync is off.
func (d *Daemon) SyncContactsNow(context.Context) error {
	g, _, reasons, _ := d.current()
	if g == nil {
		return d.notSyncing(reasons)
	}
	if g.contacts == nil {
		return &localapi.APIError{Status: 409, Code: CodeContactsOff,
			Message: "contacts sync is off: turn it on in the contacts settings (contacts.enabled)"}
	}
	d.log.Info("contacts sync requested through the local API")
	g.sched.SyncJobNow(contactsJobName)
	return nil
}

// CodeContactsOff is the local API error code of contacts/sync-now while contacts sync is off.
const CodeContactsOff = "contacts_off"
