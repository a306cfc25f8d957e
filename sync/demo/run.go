package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/job"
	"github.com/calsync/calsync/sync/presence"
	"github.com/calsync/calsync/sync/setup"
	"github.com/calsync/calsync/sync/teams"
)

// Options tune a headless demo run.
type Options struct {
	Out      io.Writer     // where presence changes are printed
	Logger   *slog.Logger  // engine logs; nil: discard
	Duration time.Duration // 0: until ctx ends
	// Interval is the poll interval; default 1m, to show that presence
	// changes at event boundaries, not at polls.
	Interval time.Duration
	// OnOffice, when set, is called once the office is running (the
	// desktop demo opens its window on it).
	OnOffice func(*Office)
	// Dir, when set, holds the demo's configuration and state instead of a
	// temporary directory, and is kept afterwards.
	Dir string
	// HandEditAfter is when someone edits a contact's phonebook entry in OneCloud by hand;
	// default 60s.
	HandEditAfter time.Duration
	// TeamsCallAfter is when Luca Verdi joins a Teams call (default 30s), and TeamsCallFor
	// how long it lasts (default 1m).
	TeamsCallAfter, TeamsCallFor time.Duration
	// Seeded, when set, is the instant the office is seeded around instead
	// of now: tests start the demo "two minutes ago" to see what happens
	// two minutes in.
	Seeded time.Time
}

// RunHeadless starts the seeded office, runs the real engine against it and
// prints every presence change as it happens, until ctx ends or Duration
// passes.
func RunHeadless(ctx context.Context, opts Options) error {
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	start := time.Now()
	if !opts.Seeded.IsZero() {
		start = opts.Seeded
	}
	office, err := NewOfficeIn(ctx, start, opts.Dir)
	if err != nil {
		return err
	}
	defer office.Close()

	parts, err := setup.Build(ctx, office.Config, setup.Options{ConfigPath: office.ConfigPath, Secrets: office.Secrets, Logger: opts.Logger})
	if err != nil {
		return fmt.Errorf("start the demo engine: %w", err)
	}
	w := opts.Out
	contactsLines := make(chan string, 64)
	lastContacts := map[string]string{} // phonebook -> the line last printed about it
	var jobs []job.Job
	if parts.Contacts != nil {
		jobs = append(jobs, job.Job{Name: contacts.JobName, Interval: office.Config.ContactsInterval(), Run: func(ctx context.Context) error {
			// The demo shows each phonebook's outcome (a failed one too) and keeps its pace: it
			// does not back off as the service does.
			rep, _ := parts.Contacts.RunJob(ctx, office.Config)
			for _, b := range rep.Phonebooks {
				// One run at a time: the job owns lastContacts.
				if line := contactsLine(b, office); line != "" && lastContacts[b.Book] != line {
					lastContacts[b.Book] = line
					contactsLines <- line
				}
			}
			return nil
		}})
	}
	sched := presence.NewScheduler(parts.Engine, presence.SchedulerOptions{Interval: opts.Interval, Logger: opts.Logger, Jobs: jobs})
	events, unsubscribe := sched.Subscribe(256)
	defer unsubscribe()

	printIntro(w, office, opts.Interval)
	if opts.OnOffice != nil {
		opts.OnOffice(office)
	}

	runDone := make(chan error, 1)
	go func() { runDone <- sched.Run(ctx) }()

	// The story's changes, each at its moment, run on this goroutine: they print.
	fired := make(chan func(), 8)
	for _, h := range story(w, office, sched, parts.Contacts != nil, opts) {
		t := time.AfterFunc(h.after, func() { fired <- h.do })
		defer t.Stop()
	}
	syncs := 0
	lines := changes{office: office, last: map[string]string{}}
	for {
		select {
		case err := <-runDone:
			fmt.Fprintf(w, "\nDemo over: %s; presence written %s.\n", plural(sched.Status().Polls, "poll"),
				plural(len(office.OneCloud.Writes()), "time"))
			if ctx.Err() != nil {
				return nil
			}
			return err
		case do := <-fired:
			do()
		case line := <-contactsLines:
			fmt.Fprintf(w, "%s  %s\n", clockText(time.Now()), line)
		case ev, ok := <-events:
			if !ok {
				continue
			}
			if line := lines.line(ev); line != "" {
				fmt.Fprintln(w, line)
			}
			if ev.Type == presence.EventSyncFinished {
				syncs++
				if syncs == 1 {
					fmt.Fprintf(w, "%s  first sync done; now waiting for the next event boundary\n", clockText(ev.Time))
				}
			}
		}
	}
}

// printIntro introduces the office: who is who, and what each shows.
func printIntro(w io.Writer, office *Office, interval time.Duration) {
	fmt.Fprintf(w, "OneCloud Calendar Sync demo: an emulated office of %d people (no account needed).\n", len(office.People))
	fmt.Fprintf(w, "Microsoft 365 emulator at %s, OneCloud emulator at %s.\n\n", office.Config.Connector.GraphURL, office.Config.OneCloud.BaseURL)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range office.People {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.ID, p.Name, p.Story)
	}
	tw.Flush()
	if interval <= 0 {
		interval = office.Config.Interval()
	}
	fmt.Fprintf(w, "\nPresence changes at the second an event or a working day starts or ends; polls run every %s. Ctrl-C ends the demo.\n\n", interval)
}

// happening is one change the demo makes to its office part-way through, after its delay.
type happening struct {
	after time.Duration
	do    func()
}

// story is what happens in the office while the demo runs:
//   - someone takes a Teams call nobody booked (TeamsCallAfter, for TeamsCallFor): busy on the
//     phone within a Teams read, and back to what the calendar says when it ends;
//   - someone renames a contact in OneCloud by hand and Exchange changes it too (HandEditAfter):
//     the contacts sync asked for at once keeps the hand edit;
//   - at 100 s Marco books a new meeting: the next poll picks it up and presence flips at its start.
func story(w io.Writer, office *Office, sched *presence.Scheduler, withContacts bool, opts Options) []happening {
	if opts.TeamsCallAfter <= 0 {
		opts.TeamsCallAfter = 30 * time.Second
	}
	if opts.TeamsCallFor <= 0 {
		opts.TeamsCallFor = time.Minute
	}
	if opts.HandEditAfter <= 0 {
		opts.HandEditAfter = time.Minute
	}
	out := []happening{
		{opts.TeamsCallAfter, func() { teamsCall(w, office, "Busy", "InACall", "joined a Teams call (no meeting booked)") }},
		{opts.TeamsCallAfter + opts.TeamsCallFor, func() { teamsCall(w, office, "Available", "Available", "left the Teams call") }},
		{100 * time.Second, func() {
			s := time.Now().UTC().Truncate(time.Second).Add(50 * time.Second)
			office.Graph.AddEvent("marco.gallo@contoso.it", calendar.Event{Start: s, End: s.Add(10 * time.Minute), Status: calendar.Busy, Subject: "Supplier call"})
			fmt.Fprintf(w, "%s  [calendar] Marco Gallo booked a call from %s to %s: the next poll picks it up\n",
				clockText(time.Now()), clockText(s), clockText(s.Add(10*time.Minute)))
		}},
	}
	if withContacts {
		out = append(out, happening{opts.HandEditAfter, func() {
			if err := office.editContactByHand(); err != nil {
				fmt.Fprintf(w, "%s  [contacts] the hand edit failed: %v\n", clockText(time.Now()), err)
				return
			}
			fmt.Fprintf(w, "%s  [contacts] in OneCloud someone renamed Mario's \"Studio Bianchi\" to \"Studio Bianchi (commercialista)\", "+
				"and Exchange changed its number: syncing contacts now\n", clockText(time.Now()))
			sched.SyncJobNow(contacts.JobName)
		}})
	}
	return out
}

// teamsCall sets the Teams presence of the demo's caller and says so.
func teamsCall(w io.Writer, office *Office, availability, activity, what string) {
	if err := office.Graph.SetTeamsPresence(TeamsCaller, availability, activity); err != nil {
		fmt.Fprintf(w, "%s  [teams] the Teams presence could not be set: %v\n", clockText(time.Now()), err)
		return
	}
	fmt.Fprintf(w, "%s  [teams] %s %s: the next Teams read (every %s) picks it up\n", clockText(time.Now()),
		office.Name("1003"), what, office.Config.TeamsInterval())
}

// changes turns scheduler events into lines, printing one only when it
// differs from the last printed about the same user: every poll reports a
// presence kept as set by hand, or a mailbox not found, again.
type changes struct {
	office *Office
	last   map[string]string // OneCloud user id ("" for the office as a whole) -> last text
}

// line is the timestamped line for ev, or "" when there is nothing new.
func (c *changes) line(ev presence.Event) string {
	text := describe(ev, c.office)
	key := ev.User.OneCloudUser
	if text == "" || c.last[key] == text {
		return ""
	}
	c.last[key] = text
	return clockText(ev.Time) + "  " + text
}

// describe renders one scheduler event without its time; "" for events the
// demo does not show. It prints only the presence and the action: a private
// event's text is never part of an Event.
func describe(ev presence.Event, office *Office) string {
	u := ev.User
	switch ev.Type {
	case presence.EventPresence:
		name := office.Name(u.OneCloudUser)
		switch u.Action {
		case presence.ActionSet:
			if office.Config != nil && u.Rule >= 0 && u.Rule < len(office.Config.Rules) && office.Config.Rules[u.Rule].Type == config.TypeTeams {
				return fmt.Sprintf("%-16s -> %s (Teams: %s)", name, presenceText(u), teams.Words(u.TeamsActivity))
			}
			if u.Current == outsideWorkingHours {
				return fmt.Sprintf("%-16s -> %s (outside working hours)", name, presenceText(u))
			}
			return fmt.Sprintf("%-16s -> %s", name, presenceText(u))
		case presence.ActionKeptManual:
			return fmt.Sprintf("%-16s kept as set by hand (calendar says %s)", name, presenceText(u))
		}
	case presence.EventUserError:
		return fmt.Sprintf("%-16s not synced: %s", office.Name(u.OneCloudUser), ev.Message)
	case presence.EventError, presence.EventDegraded:
		return "problem: " + ev.Message
	case presence.EventRecovered:
		return "recovered"
	}
	return ""
}

// outsideWorkingHours is UserReport.Current for a workinghours decision.
const outsideWorkingHours = "outside working hours"

func presenceText(u presence.UserReport) string {
	s := u.Activity
	if u.Role != "" {
		s += " (role " + u.Role + ")"
	}
	if !u.Until.IsZero() {
		s += " until " + untilText(u.Until, time.Now())
	}
	return s
}

// untilText shows the time, and the day too when it is not today.
func untilText(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Mon 2 Jan 15:04")
}

func clockText(t time.Time) string { return t.Local().Format("15:04:05") }

// contactsLine describes what a contacts sync did to one phonebook, or "" when it changed
// nothing and found nothing new to report.
func contactsLine(b contacts.BookReport, office *Office) string {
	name := "the office phonebook"
	if id, ok := strings.CutPrefix(b.Book, "user:"); ok {
		name = office.Name(id) + "'s phonebook"
	}
	if b.Error != "" {
		return fmt.Sprintf("[contacts] %s (%s) not synced: %s", name, b.Mailbox, b.Error)
	}
	if b.Created+b.Updated+b.Deleted+b.KeptEdited == 0 {
		return ""
	}
	line := fmt.Sprintf("[contacts] %s (%s): %d created, %d updated, %d deleted, %d unchanged, %d kept as edited in OneCloud",
		name, b.Mailbox, b.Created, b.Updated, b.Deleted, b.Unchanged, b.KeptEdited)
	for _, s := range b.Skipped {
		line += fmt.Sprintf("; skipped %s: %s", s.Contact, s.Reason)
	}
	return line
}

// plural is "1 poll", "2 polls".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
