package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/job"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/setup"
)

// contactsJobName names contacts sync among the jobs.
const contactsJobName = contacts.JobName

// CodeContactsOff is the local API error code of contacts/sync-now while contacts sync is off.
const CodeContactsOff = contactsJobName + "_off"

// contactsRun is a generation's contacts sync: what the last run did, for the status.
type contactsRun struct {
	syncer  *contacts.Syncer
	cfg     *config.Config
	tracker *job.Tracker

	mu   sync.Mutex
	last contacts.Report
}

// startContacts is the contacts job: one run of every phonebook the config names, every
// contacts.interval; nil when contacts sync is off.
func startContacts(d *Daemon, g *generation, parts *setup.Parts) *runningJob {
	if parts.Contacts == nil {
		return nil
	}
	c := &contactsRun{syncer: parts.Contacts, cfg: g.cfg,
		tracker: job.NewTracker(contactsJobName, g.cfg.ContactsInterval(), d.clock)}
	periodic := c.tracker.Job(func(ctx context.Context) error { return c.run(ctx, d) })
	return &runningJob{
		periodic: &periodic,
		syncNow:  func() { g.sched.SyncJobNow(contactsJobName) },
		report:   c.tracker.Report,
		detail:   func(st *localapi.Status) { st.Contacts = c.status() },
	}
}

// run is one contacts sync.
func (c *contactsRun) run(ctx context.Context, d *Daemon) error {
	started := d.clock.Now()
	rep, err := c.syncer.RunJob(ctx, c.cfg)
	c.mu.Lock()
	c.last = rep
	c.mu.Unlock()
	d.logContacts(rep, d.clock.Now().Sub(started))
	// The scheduler logs err, once, with when it tries again: it backs off a job failing in a
	// row, so a refused credential is not retried every interval.
	return err
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
	r := c.tracker.Report()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &localapi.ContactsStatus{Syncing: r.Running, LastRun: r.LastRun, Interval: r.Interval.String(),
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
