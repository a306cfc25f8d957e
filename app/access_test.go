package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// The service says up front what this user may do (GET whoami); these tests check the screens
// show a read-only user the notice at once, before any change was tried, and a user who may
// write nothing.

const accessReadOnlyText = "You can look but not change: changing settings needs administrator rights"

var (
	accessReader = localapi.Caller{Permission: "read", Peer: `CONTOSO\admin (pid 7, administrator, not elevated)`, CanElevate: true}
	accessWriter = localapi.Caller{Permission: "read-write", Peer: "uid 1000 (pid 42)"}
)

// accessWhoAmI answers WhoAmI with a fixed caller or error and counts the questions.
type accessWhoAmI struct {
	who localapi.Caller
	err error

	mu    gosync.Mutex
	asked int
}

func (a *accessWhoAmI) WhoAmI(context.Context) (localapi.Caller, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked++
	return a.who, a.err
}

func (a *accessWhoAmI) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asked
}

// Each screen's own fake, plus WhoAmI.
type (
	accessStatusBackend struct {
		*fakeStatusBackend
		*accessWhoAmI
	}
	accessRulesBackend struct {
		*fakeRulesBackend
		*accessWhoAmI
	}
	accessUsersBackend struct {
		*fakeUsersBackend
		*accessWhoAmI
	}
	accessConnectorBackend struct {
		*fakeConnectorBackend
		*accessWhoAmI
	}
)

// accessWait waits for a notice's access question to be answered and shown.
func accessWait(t *testing.T, n *adminNotice) {
	t.Helper()
	select {
	case <-n.accessDone:
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the access question was never answered")
	}
}

func TestAdminNoticeShowAccess(t *testing.T) {
	test.NewTempApp(t)
	n := newAdminNotice(func() error { return nil })
	test.NewTempWindow(t, n).Resize(fyne.NewSize(600, 200))
	if n.ShowAccess(accessWriter) || n.Visible() || n.ReadOnly() {
		t.Fatal("a user who may write is told otherwise")
	}
	if !n.ShowAccess(accessReader) || !n.Visible() || !n.ReadOnly() {
		t.Fatal("a user who may only read is not told")
	}
	texts := visibleTexts(n)
	if !statusContains(texts, accessReadOnlyText) || !statusContains(texts, "Restart as administrator") {
		t.Errorf("notice shows %q", texts)
	}
	// A refusal keeps the plainer up-front message.
	if !n.Check(adminReadOnlyErr()) || !statusContains(visibleTexts(n), accessReadOnlyText) {
		t.Errorf("after a refusal the notice shows %q", visibleTexts(n))
	}
	// A change that went through proves the rights are there.
	if n.Check(nil) || n.Visible() || n.ReadOnly() {
		t.Error("a success leaves the read-only notice up")
	}
	// An unknown permission from a newer service is no licence to write.
	if !n.ShowAccess(localapi.Caller{Permission: "observe"}) {
		t.Error("an unknown permission counts as writable")
	}
}

func TestAskAccess(t *testing.T) {
	if _, ok := askAccess(context.Background(), &fakeRulesBackend{}); ok {
		t.Error("a backend without WhoAmI gave an answer")
	}
	old := &accessWhoAmI{err: &localapi.APIError{Status: http.StatusNotFound, Code: localapi.CodeNotFound}}
	if _, ok := askAccess(context.Background(), accessRulesBackend{&fakeRulesBackend{}, old}); ok || old.count() != 1 {
		t.Errorf("an older service's 404 gave an answer (asked %d)", old.count())
	}
	who, ok := askAccess(context.Background(), accessRulesBackend{&fakeRulesBackend{}, &accessWhoAmI{who: accessReader}})
	if !ok || who != accessReader {
		t.Errorf("askAccess = %+v, %v", who, ok)
	}
}

// startedAccessStatusScreen is startedStatusScreen with the elevate function set before Start.
func startedAccessStatusScreen(t *testing.T, b localapi.Backend, elevate func() error) (*statusScreen, chan statusLoad) {
	t.Helper()
	test.NewTempApp(t)
	s := newStatusScreen(b)
	s.SetElevate(elevate)
	loads := make(chan statusLoad, 16)
	s.OnLoaded = func(st localapi.Status, err error) { loads <- statusLoad{st, err} }
	s.Clock = clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(1300, 800))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.Start(ctx)
	return s, loads
}

func TestStatusScreenSaysReadOnlyUpFront(t *testing.T) {
	for _, tt := range []struct {
		name     string
		who      *accessWhoAmI
		readOnly bool
	}{
		{"read only", &accessWhoAmI{who: accessReader}, true},
		{"read-write", &accessWhoAmI{who: accessWriter}, false},
		{"service too old to tell", &accessWhoAmI{err: errors.New("local API GET whoami: 404")}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeStatusBackend(localapi.Status{State: localapi.StateOK, Users: statusTestUsers()})
			rec := &adminElevateRecorder{}
			s, loads := startedAccessStatusScreen(t, accessStatusBackend{fake, tt.who}, rec.elevate)
			if l := nextStatusLoad(t, loads); l.err != nil {
				t.Fatal(l.err)
			}
			if tt.who.count() != 1 {
				t.Errorf("asked %d times, want once on connecting", tt.who.count())
			}
			texts := visibleTexts(s)
			if got := s.admin.Visible() && statusContains(texts, accessReadOnlyText); got != tt.readOnly {
				t.Errorf("read-only notice shown %v, want %v; the screen shows %q", got, tt.readOnly, texts)
			}
			if got := statusContains(texts, "Restart as administrator"); got != tt.readOnly {
				t.Errorf("Restart as administrator shown %v, want %v", got, tt.readOnly)
			}
			if s.syncNow.Disabled() != tt.readOnly || s.pause.Disabled() != tt.readOnly {
				t.Errorf("Sync now disabled %v, Pause disabled %v; want %v", s.syncNow.Disabled(), s.pause.Disabled(), tt.readOnly)
			}
			// A later status keeps the buttons as the access says.
			fake.events <- localapi.Event{Type: localapi.EventStatus, Status: &localapi.Status{State: localapi.StateOK}}
			nextStatusLoad(t, loads)
			if s.syncNow.Disabled() != tt.readOnly || s.pause.Disabled() != tt.readOnly {
				t.Errorf("after a status event: Sync now disabled %v, Pause disabled %v; want %v", s.syncNow.Disabled(), s.pause.Disabled(), tt.readOnly)
			}
			if !tt.readOnly {
				return
			}
			if err := adminTapRestart(t, s.admin); err != nil || rec.count() != 1 {
				t.Errorf("elevate: err %v, %d calls", err, rec.count())
			}
		})
	}
}

func TestRulesScreenSaysReadOnlyUpFront(t *testing.T) {
	for _, tt := range []struct {
		name     string
		who      localapi.Caller
		readOnly bool
	}{{"read only", accessReader, true}, {"read-write", accessWriter, false}} {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			data, err := config.Marshal(config.Default())
			if err != nil {
				t.Fatal(err)
			}
			fb := &fakeRulesBackend{config: data, dir: rulesTestDirectory()}
			b := accessRulesBackend{fb, &accessWhoAmI{who: tt.who}}
			ed := newConfigEditor(b)
			if err := ed.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec := &adminElevateRecorder{}
			ed.Elevate = rec.elevate
			w := test.NewTempWindow(t, widget.NewLabel(""))
			s := newRulesScreen(w, b, ed)
			<-s.dirDone
			accessWait(t, s.admin)
			w.SetContent(s.root)
			w.Resize(fyne.NewSize(1000, 800))

			texts := visibleTexts(s.root)
			if got := s.admin.Visible() && statusContains(texts, accessReadOnlyText) && statusContains(texts, "Restart as administrator"); got != tt.readOnly {
				t.Errorf("read-only notice shown %v, want %v; the screen shows %q", got, tt.readOnly, texts)
			}
			// An edit makes the draft dirty: Save comes on only for a user who may write.
			ed.Update(func(c *config.Config) { c.DefaultActivity = "away" })
			s.refresh(ed.Draft())
			if s.save.Disabled() != tt.readOnly {
				t.Errorf("Save disabled %v with unsaved edits, want %v", s.save.Disabled(), tt.readOnly)
			}
			if tt.readOnly && ed.Draft().DefaultActivity != "away" {
				t.Error("a read-only user cannot even edit the draft")
			}
		})
	}
}

func TestUsersScreenSaysReadOnlyUpFront(t *testing.T) {
	for _, tt := range []struct {
		name     string
		who      localapi.Caller
		readOnly bool
	}{{"read only", accessReader, true}, {"read-write", accessWriter, false}} {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			b := accessUsersBackend{newFakeUsersBackend(t), &accessWhoAmI{who: tt.who}}
			ed := newConfigEditor(b)
			if err := ed.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			ed.Elevate = (&adminElevateRecorder{}).elevate
			w := test.NewTempWindow(t, widget.NewLabel(""))
			s := newUsersScreen(w, b, ed)
			accessWait(t, s.admin)
			w.SetContent(s.content)
			w.Resize(fyne.NewSize(900, 700))

			texts := visibleTexts(s.content)
			if got := s.admin.Visible() && statusContains(texts, accessReadOnlyText) && statusContains(texts, "Restart as administrator"); got != tt.readOnly {
				t.Errorf("read-only notice shown %v, want %v; the screen shows %q", got, tt.readOnly, texts)
			}
			if s.saveBtn.Disabled() != tt.readOnly {
				t.Errorf("Save disabled %v, want %v", s.saveBtn.Disabled(), tt.readOnly)
			}
			// Revert reloads and must not bring Save back for a reader.
			reverted := make(chan error, 1)
			s.afterRevert = func(err error) { reverted <- err }
			test.Tap(s.revertBtn)
			if err := <-reverted; err != nil {
				t.Fatal(err)
			}
			if s.saveBtn.Disabled() != tt.readOnly {
				t.Errorf("after Revert: Save disabled %v, want %v", s.saveBtn.Disabled(), tt.readOnly)
			}
		})
	}
}

func TestConnectorScreenSaysReadOnlyUpFront(t *testing.T) {
	for _, tt := range []struct {
		name     string
		who      localapi.Caller
		readOnly bool
	}{{"read only", accessReader, true}, {"read-write", accessWriter, false}} {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			f := &fakeConnectorBackend{}
			ed := connectorTestEditor(t, f)
			ed.Elevate = (&adminElevateRecorder{}).elevate
			waits, hooks := newConnectorWaits()
			w := test.NewTempWindow(t, widget.NewLabel(""))
			s := newConnectorScreen(w, accessConnectorBackend{f, &accessWhoAmI{who: tt.who}}, ed, hooks)
			accessWait(t, s.admin)
			s.refreshSecrets() // as connectorTab does
			<-waits.secretsShown
			w.SetContent(s.content)
			w.Resize(fyne.NewSize(800, 1000))

			texts := visibleTexts(s.content)
			if got := s.admin.Visible() && statusContains(texts, accessReadOnlyText) && statusContains(texts, "Restart as administrator"); got != tt.readOnly {
				t.Errorf("read-only notice shown %v, want %v; the screen shows %q", got, tt.readOnly, texts)
			}
			if n := strings.Count(strings.Join(texts, "\n"), accessReadOnlyText); n > 1 {
				t.Errorf("the notice shows %d times", n)
			}
			if s.save.Disabled() != tt.readOnly {
				t.Errorf("Save disabled %v, want %v", s.save.Disabled(), tt.readOnly)
			}
		})
	}
}
