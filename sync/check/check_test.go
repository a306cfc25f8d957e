package check

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/retry"
)

var now = time.Date(2025, 6, 2, 6, 0, 0, 0, time.UTC)

type fixture struct {
	emu  *emulator.Graph
	deps Deps
}

// newFixture is a healthy office: three enabled users with shared calendars
// and events, one disabled user, a secret that expires in 200 days.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	fc := clock.NewFake(now)
	emu := emulator.NewGraph(emulator.GraphOptions{Clock: fc})
	u, stop := emu.Start()
	t.Cleanup(stop)
	for i, m := range []string{"anna@contoso.com", "bruno@contoso.com", "carla@contoso.com"} {
		emu.SetCalendar(m, []calendar.Event{{Start: now.Add(time.Duration(i+1) * time.Hour), End: now.Add(time.Duration(i+2) * time.Hour),
			Status: calendar.Busy, Subject: "Meeting " + m, Location: "Room"}})
	}
	cfg := config.Default()
	cfg.Connector = config.Connector{
		Name: "Exchange", TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		SyncUser: emulator.GraphDefaultSyncUser, SecretExpires: "2025-12-19", AuthorityURL: u, GraphURL: u,
	}
	cfg.OneCloud.TokenExpires = "2026-04-30"
	cfg.Users = []config.User{
		{OneCloudUser: "1", Mailbox: "anna@contoso.com", Enabled: true},
		{OneCloudUser: "2", Mailbox: "bruno@contoso.com", Enabled: true},
		{OneCloudUser: "3", Mailbox: "carla@contoso.com", Enabled: true},
		{OneCloudUser: "4", Mailbox: "gone@contoso.com", Enabled: false},
	}
	return &fixture{emu: emu, deps: Deps{
		Config: cfg,
		Secret: emulator.GraphDefaultClientSecret,
		Clock:  fc,
		// Instant retries: the fake clock is not advanced in these tests.
		Retry: retry.Policy{Clock: clock.Real{}, Base: time.Microsecond, Max: time.Microsecond, MaxAttempts: 2},
	}}
}

func (f *fixture) run(t *testing.T) []Step {
	t.Helper()
	steps := Run(context.Background(), f.deps)
	for _, s := range steps {
		for _, text := range []string{s.Detail, s.Remedy} {
			if strings.Contains(text, emulator.GraphDefaultClientSecret) {
				t.Fatalf("step %q prints the secret: %q", s.Name, text)
			}
		}
		if s.Skipped && s.OK {
			t.Errorf("step %q is both skipped and OK", s.Name)
		}
		if !s.OK && !s.Skipped && s.Remedy == "" {
			t.Errorf("failed step %q has no remedy (detail %q)", s.Name, s.Detail)
		}
	}
	return steps
}

// marks renders the steps as "+" pass, "!" warning, "-" fail, "." skipped.
func marks(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		switch {
		case s.Skipped:
			b.WriteByte('.')
		case !s.OK:
			b.WriteByte('-')
		case s.Warning:
			b.WriteByte('!')
		default:
			b.WriteByte('+')
		}
	}
	return b.String()
}

func find(t *testing.T, steps []Step, name string) Step {
	t.Helper()
	for _, s := range steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return Step{}
}

func TestAllPass(t *testing.T) {
	f := newFixture(t)
	f.deps.OneCloud = func(context.Context) error { return nil }
	steps := f.run(t)
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	want := []string{StepConfig, StepSecret, StepToken, StepSyncUser, StepMailboxes, StepSubjects, StepSecretExpiry, StepOneCloud, StepOneCloudTokenExpiry}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("steps %v\nwant  %v", names, want)
	}
	if marks(steps) != "+++++++++" || !Passed(steps) {
		for _, s := range steps {
			t.Logf("%+v", s)
		}
		t.Fatalf("marks %s", marks(steps))
	}
	if d := find(t, steps, StepMailboxes).Detail; d != "all 3 mailboxes can be read" {
		t.Errorf("mailboxes detail %q", d)
	}
	if d := find(t, steps, StepSecretExpiry).Detail; d != "expires on 2025-12-19" {
		t.Errorf("expiry detail %q", d)
	}
	// Two getSchedule calls: the sync user, then all enabled users in one batch.
	if st := f.emu.Stats(); st.ScheduleRequests != 2 || st.TokenRequests != 1 {
		t.Errorf("emulator stats %+v", st)
	}
}

func TestOneCloudStepOptional(t *testing.T) {
	f := newFixture(t)
	steps := f.run(t)
	if len(steps) != 7 || marks(steps) != "+++++++" {
		t.Errorf("without a OneCloud check: %s", marks(steps))
	}
	f.deps.OneCloud = func(context.Context) error { return remedyErr{} }
	steps = f.run(t)
	if s := find(t, steps, StepOneCloud); s.OK || s.Detail != "401 from OneCloud" || s.Remedy != "Paste the OneCloud token again." {
		t.Errorf("OneCloud failure = %+v", s)
	}
	f.deps.OneCloud = func(context.Context) error { return errors.New("dial tcp: connection refused") }
	if s := find(t, f.run(t), StepOneCloud); s.OK || !strings.Contains(s.Remedy, "OneCloud API URL") {
		t.Errorf("generic OneCloud failure = %+v", s)
	}
}

type remedyErr struct{}

func (remedyErr) Error() string  { return "401 from OneCloud" }
func (remedyErr) Remedy() string { return "Paste the OneCloud token again." }

func TestFailures(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(f *fixture)
		marks  string
		step   string
		detail string // substring
		remedy string // substring
	}{
		{"config invalid but connector usable", func(f *fixture) {
			f.deps.ConfigErr = errors.New(`rules[2].activity: "" is empty; expected an activity id`)
		}, "-++++++", StepConfig, "rules[2].activity", "Settings"},
		{"no config at all", func(f *fixture) { f.deps.Config = nil }, "-+.....", StepConfig, "no configuration", "Settings"},
		{"secret missing", func(f *fixture) { f.deps.Secret = "" }, "+-....+", StepSecret, "no Graph client secret",
			"calsync secret set graph"},
		{"secret store broken", func(f *fixture) {
			f.deps.Secret, f.deps.SecretErr = "", errors.New("dbus: no Secret Service")
		}, "+-....+", StepSecret, "dbus: no Secret Service", "calsync secret set graph"},
		{"wrong secret", func(f *fixture) { f.deps.Secret = "5f1c3a7e-0000-4b1d-9c2e-7a6b5d4c3b2a" },
			"++-...+", StepToken, "AADSTS7000215", "Secret ID instead of the secret Value"},
		{"expired secret", func(f *fixture) { f.emu.SetSecretExpired(true) },
			"++-...+", StepToken, "AADSTS7000222", "calsync secret set graph"},
		{"wrong client ID", func(f *fixture) { f.deps.Config.Connector.ClientID = "11111111-2222-3333-4444-555555555555" },
			"++-...+", StepToken, "AADSTS700016", "Application (client) ID"},
		{"wrong tenant", func(f *fixture) { f.deps.Config.Connector.TenantID = "contoso.example" },
			"++-...+", StepToken, "AADSTS90002", "Directory (tenant) ID"},
		{"connector incomplete", func(f *fixture) { f.deps.Config.Connector.TenantID = "" },
			"++-...+", StepToken, "tenant ID is empty", "connector settings"},
		{"Entra unreachable", func(f *fixture) {
			srv := httptest.NewServer(http.NotFoundHandler())
			srv.Close()
			f.deps.Config.Connector.AuthorityURL = srv.URL
		}, "++-...+", StepToken, "network error", "network connection"},
		{"admin consent missing", func(f *fixture) { f.emu.SetConsent(false) },
			"+++-..+", StepSyncUser, "ErrorAccessDenied", "Grant admin consent"},
		{"sync user has no mailbox", func(f *fixture) { f.deps.Config.Connector.SyncUser = "ghost@contoso.com" },
			"+++-..+", StepSyncUser, "ghost@contoso.com", "ghost@contoso.com"},
		{"one mailbox unknown", func(f *fixture) { f.emu.RemoveMailbox("bruno@contoso.com") },
			"++++-++", StepMailboxes, "1 of 3 mailboxes cannot be read: bruno@contoso.com: mailbox not found (5009)",
			"bruno@contoso.com"},
		{"two mailboxes unreadable", func(f *fixture) {
			f.emu.RemoveMailbox("bruno@contoso.com")
			f.emu.SetMailboxError("carla@contoso.com", "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		}, "++++-++", StepMailboxes, "carla@contoso.com: mailbox not enabled for Graph", "each address named above"},
		{"no Reviewer rights", func(f *fixture) {
			for _, m := range []string{"anna@contoso.com", "bruno@contoso.com", "carla@contoso.com"} {
				f.emu.SetShared(m, false)
			}
		}, "+++++-+", StepSubjects, "none of the 3 users with events", "Add-MailboxFolderPermission"},
		{"Reviewer rights missing for one", func(f *fixture) { f.emu.SetShared("carla@contoso.com", false) },
			"+++++!+", StepSubjects, "hidden for carla@contoso.com", "-AccessRights Reviewer"},
		{"nothing to verify rights with", func(f *fixture) {
			for _, m := range []string{"anna@contoso.com", "bruno@contoso.com", "carla@contoso.com"} {
				f.emu.SetCalendar(m, []calendar.Event{{Start: now, End: now.Add(time.Hour), Status: calendar.Busy, Private: true}})
			}
		}, "+++++!+", StepSubjects, "cannot be verified", ""},
		{"no user enabled", func(f *fixture) {
			for i := range f.deps.Config.Users {
				f.deps.Config.Users[i].Enabled = false
			}
		}, "++++!.+", StepMailboxes, "no user is enabled", "Enable synchronisation"},
		{"secret expires soon", func(f *fixture) { f.deps.Config.Connector.SecretExpires = "2025-06-20" },
			"++++++!", StepSecretExpiry, "expires on 2025-06-20 (in 18 days)", "before then"},
		{"secret expired by date", func(f *fixture) { f.deps.Config.Connector.SecretExpires = "2025-05-01" },
			"++++++-", StepSecretExpiry, "expired on 2025-05-01", "Create a new client secret"},
		{"expiry not recorded", func(f *fixture) { f.deps.Config.Connector.SecretExpires = "" },
			"++++++!", StepSecretExpiry, "not recorded", "Record the secret's expiry date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(f)
			steps := f.run(t)
			if got := marks(steps); got != tc.marks {
				for _, s := range steps {
					t.Logf("%+v", s)
				}
				t.Errorf("marks %s, want %s", got, tc.marks)
			}
			s := find(t, steps, tc.step)
			if !strings.Contains(s.Detail, tc.detail) || !strings.Contains(s.Remedy, tc.remedy) {
				t.Errorf("%s:\n detail %q (want %q)\n remedy %q (want %q)", tc.step, s.Detail, tc.detail, s.Remedy, tc.remedy)
			}
			if Passed(steps) != !strings.ContainsAny(tc.marks, "-.") {
				t.Errorf("Passed = %v for %s", Passed(steps), tc.marks)
			}
		})
	}
}

func TestReviewerRemedyNamesSyncUser(t *testing.T) {
	r := reviewerRemedy("monitor@contoso.com")
	for _, want := range []string{`Get-Mailbox "monitor@contoso.com"`, `"$($_.PrimarySmtpAddress):\Calendar"`,
		"-AccessRights Reviewer", "Calendario"} {
		if !strings.Contains(r, want) {
			t.Errorf("remedy lacks %q:\n%s", want, r)
		}
	}
}

func TestContactsStep(t *testing.T) {
	f := newFixture(t)
	f.deps.Config.Contacts = &config.Contacts{Enabled: true, PhonebookMailbox: "rubrica@contoso.com"}
	if _, err := f.emu.SetContacts("rubrica@contoso.com", []emulator.GraphContact{{DisplayName: "Corriere"}, {DisplayName: "Banca"}}); err != nil {
		t.Fatal(err)
	}
	s := find(t, f.run(t), StepContacts)
	if !s.OK || s.Detail != "rubrica@contoso.com: 2 contacts" {
		t.Errorf("contacts readable: %+v", s)
	}

	f.emu.SetContactsConsent(false)
	s = find(t, f.run(t), StepContacts)
	if s.OK || !strings.Contains(s.Remedy, "Contacts.Read") {
		t.Errorf("without Contacts.Read: %+v", s)
	}
	if m := find(t, f.run(t), StepMailboxes); !m.OK {
		t.Errorf("the calendar steps suffer from a missing Contacts.Read: %+v", m)
	}

	f.deps.Config.Contacts.Enabled = false
	for _, st := range f.run(t) {
		if st.Name == StepContacts {
			t.Error("the contacts step runs with contacts off")
		}
	}
}

func TestOneCloudTokenExpiry(t *testing.T) {
	for _, tc := range []struct {
		name, expires string
		ok, warning   bool
		detail        string
		remedy        string
	}{
		{"far", "2026-03-01", true, false, "expires on 2026-03-01", ""},
		{"30 days", "2025-07-02", true, true, "The OneCloud API ticket expires on 2025-07-02 (in 30 days)", "Home -> Tickets"},
		{"7 days", "2025-06-09", true, true, "(in 7 days)", "--expires YYYY-MM-DD"},
		{"1 day", "2025-06-03", true, true, "(in 1 day)", "Before then"},
		{"expired", "2025-06-01", false, false, "expired on 2025-06-01", "Create a new ticket in the OneCloud portal"},
		{"not recorded", "", true, true, "not recorded (a ticket lasts 365 days)", "calsync secret set onecloud --expires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.deps.Config.OneCloud.TokenExpires = tc.expires
			f.deps.OneCloud = func(context.Context) error { return nil }
			steps := f.run(t)
			if steps[len(steps)-2].Name != StepOneCloud || steps[len(steps)-1].Name != StepOneCloudTokenExpiry {
				t.Fatalf("the ticket's step does not follow OneCloud's: %+v", steps)
			}
			s := find(t, steps, StepOneCloudTokenExpiry)
			if s.OK != tc.ok || s.Warning != tc.warning || !strings.Contains(s.Detail, tc.detail) || !strings.Contains(s.Remedy, tc.remedy) {
				t.Errorf("step = %+v", s)
			}
		})
	}
	// Without the OneCloud step there is no ticket step either.
	f := newFixture(t)
	for _, s := range f.run(t) {
		if s.Name == StepOneCloudTokenExpiry {
			t.Errorf("ticket step without OneCloud: %+v", s)
		}
	}
}
