package app

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// The golden tests render each main screen with fixed data in Fyne's test app (fixed theme and
// fonts) and compare the markup with testdata/<screen>.xml. On a mismatch Fyne writes the new
// markup to testdata/failed/<screen>.xml: review it, then copy it over the golden file.
//
// Every background load a screen starts at construction is waited for (through the hooks its
// own tests use) before the window is laid out, because the test driver runs fyne.Do on the
// calling goroutine. No rendered text depends on the clock or the time zone: the status shown
// has no times, and the rule tester's outcome does not print one.

// goldenBackend serves fixed data for every screen; its methods never fail and never block.
type goldenBackend struct {
	config []byte
}

func newGoldenBackend(t *testing.T) *goldenBackend {
	t.Helper()
	c := config.Default()
	c.Connector = config.Connector{
		Name:          "Contoso calendars",
		TenantID:      "11111111-2222-3333-4444-555555555555",
		ClientID:      "66666666-7777-8888-9999-000000000000",
		SyncUser:      "monitor@contoso.com",
		SecretExpires: "2027-06-30",
	}
	c.Users = []config.User{
		{OneCloudUser: "1002", Mailbox: "m.rossi@contoso.it", Enabled: true},
		{OneCloudUser: "9999", Mailbox: "old@contoso.it"},
	}
	data, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return &goldenBackend{config: data}
}

func (g *goldenBackend) Status(context.Context) (localapi.Status, error) {
	// No times: they would render in the local zone, relative to today.
	return localapi.Status{
		State:    localapi.StateDegraded,
		Degraded: "OneCloud throttled the requests",
		Users: []localapi.UserStatus{
			{
				OneCloudUser: "1002", Name: "Mario Rossi", Mailbox: "m.rossi@contoso.it",
				Current:  localapi.Presence{Activity: "meeting", Role: "mobile"},
				Calendar: "busy",
			},
			{
				OneCloudUser: "1001", Name: "Anna Bianchi", Mailbox: "anna@contoso.it",
				Current:   localapi.Presence{Activity: "available"},
				Calendar:  "free",
				LastError: "mailbox not found",
			},
		},
	}, nil
}

// Subscribe returns a stream that stays quiet; the screen reads the status once on connecting.
func (g *goldenBackend) Subscribe(context.Context) (<-chan localapi.Event, error) {
	return make(chan localapi.Event), nil
}

func (g *goldenBackend) SyncNow(context.Context) error                   { return nil }
func (g *goldenBackend) SyncJobNow(context.Context, string) error        { return nil }
func (g *goldenBackend) Pause(context.Context) error                     { return nil }
func (g *goldenBackend) Resume(context.Context) error                    { return nil }
func (g *goldenBackend) Config(context.Context) ([]byte, error)          { return g.config, nil }
func (g *goldenBackend) PutConfig(context.Context, []byte) error         { return nil }
func (g *goldenBackend) SetSecret(context.Context, string, string) error { return nil }

func (g *goldenBackend) SecretStatus(context.Context) ([]localapi.SecretState, error) {
	return []localapi.SecretState{
		{Name: connectorSecretGraph, Set: true, Source: "keychain"},
		{Name: connectorSecretOneCloud, Set: false},
	}, nil
}

func (g *goldenBackend) OneCloudDirectory(context.Context) (localapi.Directory, error) {
	return localapi.Directory{
		Activities: []localapi.Activity{
			{ID: "available", Name: "Available", Available: true},
			{ID: "meeting", Name: "Meeting"},
			{ID: "away", Name: "Away"},
		},
		Roles:  []localapi.Role{{ID: "mobile", Name: "Mobile only"}, {ID: "desk", Name: "Desk phone"}},
		Groups: []localapi.Group{{ID: "g1", Name: "Sales", Members: []string{"1002"}}, {ID: "g2", Name: "Support"}},
		Users: []localapi.DirectoryUser{
			{ID: "1002", Username: "mrossi", Name: "Mario Rossi", Email: "mario@contoso.it", Groups: []string{"g1"}},
			{ID: "1001", Username: "abianchi", Name: "Anna Bianchi", Email: "anna@contoso.it", Groups: []string{"g2"}},
		},
	}, nil
}

func (g *goldenBackend) TestConnection(context.Context) ([]localapi.CheckStep, error) {
	return nil, nil
}

func (g *goldenBackend) Logs(context.Context, int) ([]string, error) {
	return []string{"poll started", "poll finished: 2 users, 1 error"}, nil
}

func (g *goldenBackend) Certificate(context.Context) (localapi.CertificateState, error) {
	return localapi.CertificateState{}, nil
}

func (g *goldenBackend) NewCertificate(context.Context, int) (localapi.Certificate, error) {
	return localapi.Certificate{}, nil
}

func (g *goldenBackend) ImportCertificate(context.Context, []byte, string) (localapi.Certificate, error) {
	return localapi.Certificate{}, nil
}

// goldenServiceControl is an installed, stopped service.
type goldenServiceControl struct{}

func (goldenServiceControl) State(context.Context) (string, error) { return ServiceStopped, nil }
func (goldenServiceControl) Do(context.Context, string) (string, error) {
	return "", nil
}

// goldenSetup starts a test app and skips when the system language would translate the strings
// (the golden files are English; Fyne picks the language from the environment).
func goldenSetup(t *testing.T) {
	t.Helper()
	if l := goldenSystemLanguage(); l != "" && l != "C" && l != "POSIX" && l != "en" {
		t.Skipf("golden files are in English; the environment asks for %q", l)
	}
	test.NewTempApp(t)
}

// goldenSystemLanguage is the language part of the locale the environment names, read as
// Fyne's locale package reads it on Unix: LC_ALL, LC_MESSAGES, LANG, then LANGUAGE unless the
// locale is C. "" when none is set (as on Windows and macOS, where Fyne asks the system and the
// golden files assume an English one).
func goldenSystemLanguage() string {
	loc := ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = os.Getenv(v); loc != "" {
			break
		}
	}
	if loc != "C" && loc != "POSIX" {
		if languages := os.Getenv("LANGUAGE"); languages != "" {
			loc, _, _ = strings.Cut(languages, ":")
		}
	}
	if i := strings.IndexAny(loc, "_.@-"); i >= 0 {
		loc = loc[:i]
	}
	return loc
}

// goldenEditor is an editor loaded on the test goroutine, so no listener runs later.
func goldenEditor(t *testing.T, b localapi.Backend) *configEditor {
	t.Helper()
	ed := newConfigEditor(b)
	if err := ed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ed
}

// goldenWait waits for a background load; the timeout guards against a hang only.
func goldenWait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never finished", what)
		var zero T
		return zero
	}
}

func TestGoldenStatusScreen(t *testing.T) {
	goldenSetup(t)
	s := newStatusScreen(newGoldenBackend(t))
	loaded := make(chan error, 4)
	s.OnLoaded = func(_ localapi.Status, err error) { loaded <- err }
	s.Clock = clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(1100, 700))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.Start(ctx)
	// After the first status the screen waits on the quiet stream and touches nothing.
	if err := goldenWait(t, loaded, "the status load"); err != nil {
		t.Fatalf("status load: %v", err)
	}
	test.AssertRendersToMarkup(t, "status.xml", w.Canvas())
}

func TestGoldenConnectorScreen(t *testing.T) {
	goldenSetup(t)
	b := newGoldenBackend(t)
	ed := goldenEditor(t, b)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	shown := make(chan struct{}, 1)
	s := newConnectorScreen(w, b, ed, connectorHooks{secretsShown: func() { shown <- struct{}{} }})
	s.refreshSecrets() // as connectorTab does
	goldenWait(t, shown, "the secret status load")
	w.SetContent(s.content)
	w.Resize(fyne.NewSize(1000, 1100))
	test.AssertRendersToMarkup(t, "connector.xml", w.Canvas())
}

func TestGoldenRulesScreen(t *testing.T) {
	goldenSetup(t)
	b := newGoldenBackend(t)
	ed := goldenEditor(t, b)
	ed.Update(func(c *config.Config) {
		c.DefaultActivity = "available"
		c.Rules = []config.Rule{
			{Scope: "organization", Type: config.TypeAvailability, Match: "busy", Activity: "meeting", Role: "mobile"},
			{Scope: "group:g2", Type: config.TypeSubject, Match: "lunch", Activity: "away"},
		}
	})
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newRulesScreen(w, b, ed)
	goldenWait(t, s.dirDone, "the directory load")
	w.SetContent(s.root)
	w.Resize(fyne.NewSize(1000, 800))
	test.AssertRendersToMarkup(t, "rules.xml", w.Canvas())
}

func TestGoldenUsersScreen(t *testing.T) {
	goldenSetup(t)
	b := newGoldenBackend(t)
	ed := goldenEditor(t, b)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newUsersScreen(w, b, ed)
	loaded := make(chan error, 1)
	s.afterLoad = func(err error) { loaded <- err }
	s.loadDirectory() // as usersTab does
	if err := goldenWait(t, loaded, "the directory load"); err != nil {
		t.Fatalf("directory load: %v", err)
	}
	w.SetContent(s.content)
	w.Resize(fyne.NewSize(900, 700))
	test.AssertRendersToMarkup(t, "users.xml", w.Canvas())
}

func TestGoldenServiceScreen(t *testing.T) {
	goldenSetup(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	states := make(chan string, 1)
	s := newServiceScreen(w, goldenServiceControl{}, func() {}, func(st string, _ error) { states <- st })
	if st := goldenWait(t, states, "the service state read"); st != ServiceStopped {
		t.Fatalf("state = %q, want %q", st, ServiceStopped)
	}
	w.SetContent(s)
	w.Resize(fyne.NewSize(800, 600))
	test.AssertRendersToMarkup(t, "service.xml", w.Canvas())
}
