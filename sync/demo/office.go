// Package demo runs calsync on its emulators with a seeded office, so a
// newcomer sees presence follow calendars live without any Microsoft 365 or
// OneCloud account (`calsync demo`).
package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/secrets"
	"github.com/calsync/calsync/sync/workhours"
)

// oneCloudToken is the demo OneCloud API token; it lives only in the demo's
// in-memory keyring and the emulator.
const oneCloudToken = "demo-onecloud-token-7f3a9c"

// Person is one member of the seeded office.
type Person struct {
	ID      string // OneCloud user id
	Name    string
	Mailbox string
	Story   string // what the demo shows with this person
}

// Office is both emulators, seeded, with a configuration and an in-memory
// keyring pointing at them.
type Office struct {
	Graph      *emulator.Graph
	OneCloud   *emulator.OneCloud
	Config     *config.Config
	ConfigPath string
	Secrets    *secrets.Store
	People     []Person
	// PrivateSubject is the subject of the seeded private appointment; it
	// must never appear in any output (tests grep for it).
	PrivateSubject string
	// PrivateTexts are the subjects and locations of every seeded private
	// event, PrivateSubject included: none may appear in any output or file.
	PrivateTexts []string

	dir     string
	keepDir bool // dir is the caller's: Close leaves it
	stop    []func()
}

// Close stops the emulators and removes the demo's files, unless they were
// put in a directory the caller chose (NewOfficeIn).
func (o *Office) Close() {
	for _, s := range o.stop {
		s()
	}
	if o.dir != "" && !o.keepDir {
		os.RemoveAll(o.dir)
	}
}

// Dir is the directory of the demo's configuration and of the files the
// engine keeps next to it.
func (o *Office) Dir() string { return o.dir }

// Name returns a person's name by OneCloud id.
func (o *Office) Name(id string) string {
	for _, p := range o.People {
		if p.ID == id {
			return p.Name
		}
	}
	return id
}

// NewOffice starts both emulators on loopback ports and seeds an office
// around now: a meeting in progress, one starting within a minute, lunch
// found by its subject, a private appointment, an all-day out of office, a
// mailbox that does not exist, a presence a person set by hand, a working
// day that ends two minutes after now, a person in another time zone and
// one who publishes no working hours. Everyone else works every day from two
// hours before now to seven hours after (workingAround), so the same story
// plays whatever the hour, the weekday and the machine's time zone. The
// configuration (saved in a fresh temporary directory) and the keyring
// point at the emulators.
func NewOffice(ctx context.Context, now time.Time) (*Office, error) {
	return NewOfficeIn(ctx, now, "")
}

// NewOfficeIn is NewOffice with the demo's files in dir, which is created if
// needed and left in place by Close (tests inspect what the demo wrote).
// dir "" is a fresh temporary directory, removed by Close.
func NewOfficeIn(ctx context.Context, now time.Time, dir string) (*Office, error) {
	const (
		privateSubject2  = "Visita medica - Studio Bellini"
		privateLocation2 = "Corso Garibaldi 88"
	)
	o := &Office{PrivateSubject: "Dentist - Dr. Moretti, Via Roma 12"}
	o.PrivateTexts = []string{o.PrivateSubject, "Via Roma 12", privateSubject2, privateLocation2}
	o.Graph = emulator.NewGraph(emulator.GraphOptions{})
	o.OneCloud = emulator.NewOneCloud(emulator.OneCloudOptions{Token: oneCloudToken})
	graphURL, stopGraph := o.Graph.Start()
	oneCloudURL, stopOneCloud := o.OneCloud.Start()
	o.stop = append(o.stop, stopGraph, stopOneCloud)

	now = now.UTC().Truncate(time.Second)
	seeds, hours := officeSeeds(now, o.PrivateSubject, privateSubject2, privateLocation2)

	cfg := config.Default()
	cfg.Connector = config.Connector{
		Name:         "Demo office (emulated Microsoft 365)",
		TenantID:     emulator.GraphDefaultTenantID,
		ClientID:     emulator.GraphDefaultClientID,
		SyncUser:     emulator.GraphDefaultSyncUser,
		AuthorityURL: graphURL,
		GraphURL:     graphURL,
	}
	cfg.OneCloud.BaseURL = oneCloudURL
	for _, s := range seeds {
		o.People = append(o.People, s.person)
		first, _, _ := strings.Cut(s.person.Name, " ")
		if err := o.OneCloud.AddUser(emulator.OneCloudUser{ID: s.person.ID, Username: first, Name: s.person.Name, Email: s.person.Mailbox}); err != nil {
			o.Close()
			return nil, fmt.Errorf("seed OneCloud user %s: %w", s.person.ID, err)
		}
		if !s.hidden {
			o.Graph.SetCalendar(s.person.Mailbox, s.events)
			if err := o.Graph.SetTeamsPresence(s.person.Mailbox, "Available", "Available"); err != nil {
				o.Close()
				return nil, fmt.Errorf("seed the Teams presence of %s: %w", s.person.Name, err)
			}
		}
		if wh, ok := hours[s.person.Mailbox]; ok {
			o.Graph.SetWorkingHours(s.person.Mailbox, wh)
		} else if !s.hidden {
			o.Graph.SetWorkingHours(s.person.Mailbox, workingAround(now))
		}
		cfg.Users = append(cfg.Users, config.User{OneCloudUser: s.person.ID, Mailbox: s.person.Mailbox, Enabled: true})
	}
	o.OneCloud.SetGroups(
		emulator.OneCloudGroup{ID: "sales", Name: "Sales", Members: []string{"1001", "1002", "1003"}},
		emulator.OneCloudGroup{ID: "support", Name: "Support", Members: []string{"1007", "1009", "1010"}},
	)
	if err := o.OneCloud.SetPresenceByHand("1010", emulator.OneCloudPresence{Activity: "sick", Role: "office"}); err != nil {
		o.Close()
		return nil, fmt.Errorf("seed the presence set by hand: %w", err)
	}
	if err := o.seedContacts(); err != nil {
		o.Close()
		return nil, err
	}
	cfg.Contacts = &config.Contacts{Enabled: true, DefaultRegion: "IT", PhonebookMailbox: OfficePhonebookMailbox}
	// First, so a Teams call beats the calendar: Luca's call during lunch shows busy, and
	// hanging up brings lunch back in one write. Read every 2 s: the demo is short.
	cfg.Rules = append([]config.Rule{{Scope: config.ScopeOrganization, Type: config.TypeTeams, Match: "InACall",
		Activity: "busy"}}, cfg.Rules...)
	cfg.Teams = &config.Teams{Interval: "2s"}
	// Last, so every event rule wins over it: a meeting at 19:00 still
	// shows "meeting"; with no event, outside working hours is gone-home.
	cfg.Rules = append(cfg.Rules, config.Rule{Scope: config.ScopeOrganization, Type: config.TypeWorkingHours,
		Match: "outside", Activity: "gone-home"})
	o.Config = cfg

	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "calsync-demo-"); err != nil {
			o.Close()
			return nil, fmt.Errorf("create the demo directory: %w", err)
		}
	} else {
		if err := os.MkdirAll(dir, config.DirPerm); err != nil {
			o.Close()
			return nil, fmt.Errorf("create the demo directory: %w", err)
		}
		o.keepDir = true
	}
	o.dir = dir
	o.ConfigPath = dir + string(os.PathSeparator) + "config.json"
	if err := config.Save(o.ConfigPath, cfg); err != nil {
		o.Close()
		return nil, fmt.Errorf("save the demo configuration: %w", err)
	}

	// The demo keyring lives in memory: the demo never touches the real one.
	o.Secrets = secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }})
	if err := o.Secrets.Set(ctx, secrets.Graph, emulator.GraphDefaultClientSecret); err != nil {
		o.Close()
		return nil, fmt.Errorf("store the demo Graph secret: %w", err)
	}
	if err := o.Secrets.Set(ctx, secrets.OneCloud, oneCloudToken); err != nil {
		o.Close()
		return nil, fmt.Errorf("store the demo OneCloud token: %w", err)
	}
	return o, nil
}

// seed is one person of the demo office with their calendar.
type seed struct {
	person Person
	events []calendar.Event
	hidden bool // mailbox unknown to Microsoft 365
}

// officeSeeds is the demo office around now: each person with the calendar that tells their
// story, and the working hours that are not workingAround(now) (nil publishes none). The
// private texts are those of the two private appointments.
func officeSeeds(now time.Time, privateSubject, privateSubject2, privateLocation2 string) ([]seed, map[string]*workhours.Graph) {
	at := func(d time.Duration) time.Time { return now.Add(d) }
	midnight := now.Truncate(24 * time.Hour)
	seeds := []seed{
		{Person{"1001", "Mario Rossi", "mario.rossi@contoso.it", "in a meeting until 40 minutes from now"},
			[]calendar.Event{
				{Start: at(-20 * time.Minute), End: at(40 * time.Minute), Status: calendar.Busy, Subject: "Budget review", Location: "Sala Verdi"},
				// Later, and private: read with the rest, its text shown nowhere.
				{Start: at(2 * time.Hour), End: at(3 * time.Hour), Status: calendar.Busy, Private: true, Subject: privateSubject2, Location: privateLocation2},
			}, false},
		{Person{"1002", "Giulia Bianchi", "giulia.bianchi@contoso.it", "a meeting starts 45 seconds after the demo starts"},
			[]calendar.Event{{Start: at(45 * time.Second), End: at(30 * time.Minute), Status: calendar.Busy, Subject: "Customer call"}}, false},
		{Person{"1003", "Luca Verdi", TeamsCaller, "lunch, found by the subject \"Team lunch\"; takes a Teams call 30 seconds in, for a minute"},
			[]calendar.Event{{Start: at(-10 * time.Minute), End: at(50 * time.Minute), Status: calendar.Free, Subject: "Team lunch", Location: "Trattoria"}}, false},
		{Person{"1004", "Anna Neri", "anna.neri@contoso.it", "a private appointment: busy, its text never leaves Microsoft 365"},
			[]calendar.Event{{Start: at(-5 * time.Minute), End: at(55 * time.Minute), Status: calendar.Busy, Private: true, Subject: privateSubject, Location: "Via Roma 12"}}, false},
		{Person{"1005", "Paolo Russo", "paolo.russo@contoso.it", "out of office all day"},
			[]calendar.Event{{Start: midnight, End: midnight.Add(24 * time.Hour), Status: calendar.OOF, Subject: "Holiday"}}, false},
		{Person{"1006", "Sara Conti", "sara.conti@contoso.it", "her mailbox does not exist in Microsoft 365: reported, others unaffected"},
			nil, true},
		{Person{"1007", "Marco Gallo", "marco.gallo@contoso.it", "his meeting ends 90 seconds after the demo starts"},
			[]calendar.Event{{Start: at(-30 * time.Minute), End: at(90 * time.Second), Status: calendar.Busy, Subject: "Stand-up"}}, false},
		{Person{"1008", "Elena Costa", "elena.costa@contoso.it", "working elsewhere: business trip"},
			[]calendar.Event{{Start: at(-2 * time.Hour), End: at(6 * time.Hour), Status: calendar.WorkingElsewhere, Subject: "Milan office"}}, false},
		{Person{"1009", "Francesca Ricci", "francesca.ricci@contoso.it", "back-to-back meetings in 2 and 3 minutes: one change, no flicker at the seam; no working hours published"},
			[]calendar.Event{
				{Start: at(2 * time.Minute), End: at(3 * time.Minute), Status: calendar.Busy, Subject: "Interview 1"},
				{Start: at(3 * time.Minute), End: at(4 * time.Minute), Status: calendar.Busy, Subject: "Interview 2"},
			}, false},
		{Person{"1010", "Davide Marino", "davide.marino@contoso.it", "set himself Sick by hand: his meeting never overwrites it"},
			[]calendar.Event{{Start: at(-15 * time.Minute), End: at(45 * time.Minute), Status: calendar.Busy, Subject: "Planning"}}, false},
		{Person{"1011", "Chiara Romano", "chiara.romano@contoso.it", "her working day ends 2 minutes after the demo starts: she goes home"},
			nil, false},
		{Person{"1012", "Tom Walker", "tom.walker@contoso.it", "works in Seattle, 08:00-17:00 Pacific time: at work or gone home by his clock, not ours"},
			nil, false},
	}
	// Published working hours; nil publishes none. The others publish
	// workingAround(now): not the emulator's Monday-Friday 08:00-17:00, which
	// at night or on a Sunday would send the whole office home.
	hours := map[string]*workhours.Graph{
		"francesca.ricci@contoso.it": nil,
		"chiara.romano@contoso.it":   endingDay(now.Add(2 * time.Minute)),
		"tom.walker@contoso.it": {DaysOfWeek: []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
			StartTime: "08:00:00.0000000", EndTime: "17:00:00.0000000", TimeZone: &workhours.TimeZone{Name: "Pacific Standard Time"}},
	}
	return seeds, hours
}

// TeamsCaller is the mailbox of the demo's person who takes a Teams call.
const TeamsCaller = "luca.verdi@contoso.it"

// OfficePhonebookMailbox is the shared mailbox whose contacts fill the demo's office phonebook.
const OfficePhonebookMailbox = "rubrica@contoso.it"

// seedContacts gives the office Exchange contacts to copy into OneCloud: Mario's personal ones
// (numbers written the Italian way, one abroad, one contact with no number, one number that is
// not one) and the shared phonebook mailbox's, plus an entry a person made in OneCloud by hand,
// which contacts sync never touches.
func (o *Office) seedContacts() error {
	mario := []emulator.GraphContact{
		{DisplayName: "Studio Bianchi", CompanyName: "Studio Bianchi srl", BusinessPhones: []string{"02 1234 5678"},
			EmailAddresses: []emulator.GraphEmailAddress{{Address: "info@studiobianchi.it"}}},
		{GivenName: "Chiara", Surname: "Ferri", MobilePhone: "333 123 4567", HomePhones: []string{"0039 06 9876 5432"}},
		{DisplayName: "London office", BusinessPhones: []string{"+44 20 7946 0958", "ask reception"}},
		{DisplayName: "Idraulico"}, // no number: skipped, with the reason
	}
	office := []emulator.GraphContact{
		{DisplayName: "Corriere Espresso", BusinessPhones: []string{"800 123 456"}},
		{DisplayName: "Banca Popolare - filiale", BusinessPhones: []string{"02 8765 4321"}},
		{DisplayName: "Fornitore Carta", MobilePhone: "+39 347 765 4321"},
	}
	for mailbox, cs := range map[string][]emulator.GraphContact{"mario.rossi@contoso.it": mario, OfficePhonebookMailbox: office} {
		if _, err := o.Graph.SetContacts(mailbox, cs); err != nil {
			return fmt.Errorf("seed the contacts of %s: %w", mailbox, err)
		}
	}
	if _, err := o.OneCloud.AddPhonebookEntry(emulator.OneCloudPersonalBook("1001"), emulator.OneCloudContact{
		Name: "Mamma", Numbers: []emulator.OneCloudNumber{{Type: "mobile", Number: "+393339998877"}}}); err != nil {
		return fmt.Errorf("seed the entry made by hand: %w", err)
	}
	return nil
}

// editContactByHand renames Mario's "Studio Bianchi" in OneCloud, as a person would in the
// OneCloud app, and changes its number in Exchange: contacts sync keeps the hand edit.
func (o *Office) editContactByHand() error {
	mario := emulator.OneCloudPersonalBook("1001")
	for _, e := range o.OneCloud.PhonebookEntries(mario) {
		if e.Name != "Studio Bianchi" {
			continue
		}
		if _, err := o.OneCloud.EditPhonebookEntry(mario, e.ID, func(c *emulator.OneCloudContact) { c.Name = "Studio Bianchi (commercialista)" }); err != nil {
			return err
		}
		for _, c := range o.Graph.Contacts("mario.rossi@contoso.it") {
			if c.ID == e.ExternalID {
				c.BusinessPhones = []string{"02 1234 9999"}
				return o.Graph.UpdateContact("mario.rossi@contoso.it", c)
			}
		}
	}
	return errors.New("the entry of Studio Bianchi is not in Mario's phonebook yet")
}

// workingAround is the demo office's working day: every day of the week,
// from two hours before start (on the hour) to seven hours after, in W.
// Europe Standard Time, or in Pacific time when that day would cross
// midnight in Europe (a working day cannot span midnight). One of the two
// always fits: when Europe's hour is not 02 to 16, Pacific's is 08 to 17
// (17 only in the weeks when the US has moved its clocks and Europe not yet;
// that day then ends at midnight, 6 to 7 hours after start).
func workingAround(start time.Time) *workhours.Graph {
	zone, loc := "W. Europe Standard Time", zoneOrUTC("Europe/Berlin")
	if h := start.In(loc).Hour(); h < 2 || h > 16 {
		zone, loc = "Pacific Standard Time", zoneOrUTC("America/Los_Angeles")
	}
	h := start.In(loc).Hour()
	return &workhours.Graph{
		DaysOfWeek: []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"},
		StartTime:  fmt.Sprintf("%02d:00:00.0000000", h-2),
		EndTime:    fmt.Sprintf("%02d:00:00.0000000", (h+7)%24), // 00:00 as an end is midnight
		TimeZone:   &workhours.TimeZone{Name: zone},
	}
}

// zoneOrUTC loads an IANA zone; time/tzdata is embedded by workhours, so
// the fallback cannot happen.
func zoneOrUTC(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// endingDay is a working day, every day of the week, that ends at end: in
// W. Europe Standard Time, or Pacific time when end is within minutes after
// midnight in Europe (a working day cannot span midnight). It starts 8
// hours earlier, on the hour, or at midnight.
func endingDay(end time.Time) *workhours.Graph {
	zone, iana := "W. Europe Standard Time", "Europe/Berlin"
	loc, err := time.LoadLocation(iana)
	if err != nil {
		loc = time.UTC // time/tzdata is embedded by workhours: cannot happen
	}
	if l := end.In(loc); l.Hour() == 0 && l.Minute() < 10 {
		zone, iana = "Pacific Standard Time", "America/Los_Angeles"
		if loc, err = time.LoadLocation(iana); err != nil {
			loc = time.UTC
		}
	}
	l := end.In(loc)
	start := max(0, l.Hour()-8)
	return &workhours.Graph{
		DaysOfWeek: []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"},
		StartTime:  fmt.Sprintf("%02d:00:00.0000000", start),
		EndTime:    l.Format("15:04:05") + ".0000000",
		TimeZone:   &workhours.TimeZone{Name: zone},
	}
}
