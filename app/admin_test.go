package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// adminReadOnlyErr is what the client returns when the service lets this user read only: the
// server's 403 read_only, as *localapi.APIError.
func adminReadOnlyErr() error {
	return fmt.Errorf("local API PUT config: %w", &localapi.APIError{Status: http.StatusForbidden, Code: localapi.CodeReadOnly,
		Message: `CONTOSO\admin (pid 7, administrator, not elevated) may read but not change anything; run calsync as administrator to change settings`})
}

// adminElevateRecorder is an injected elevate function that counts its calls.
type adminElevateRecorder struct {
	mu     gosync.Mutex
	calls  int
	err    error
	drafts []string // what a window's Options.Elevate was handed, file contents ("" for none)
}

func (r *adminElevateRecorder) elevate() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	return r.err
}

// elevateWithDraft is Options.Elevate: it records the handed-over draft's content.
func (r *adminElevateRecorder) elevateWithDraft(draft string) error {
	content := ""
	if draft != "" {
		data, err := os.ReadFile(draft)
		if err != nil {
			content = "unreadable: " + err.Error()
		} else {
			content = string(data)
		}
	}
	r.mu.Lock()
	r.drafts = append(r.drafts, content)
	r.mu.Unlock()
	return r.elevate()
}

func (r *adminElevateRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// adminTapRestart taps Restart as administrator and waits for the elevate function's result
// to be shown.
func adminTapRestart(t *testing.T, n *adminNotice) error {
	t.Helper()
	if !n.Visible() || !n.restart.Visible() {
		t.Fatalf("notice visible %v, Restart as administrator visible %v", n.Visible(), n.restart.Visible())
	}
	done := make(chan error, 1)
	n.OnElevateDone = func(err error) { done <- err }
	test.Tap(n.restart)
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the elevate function never returned")
		return nil
	}
}

func TestNeedsAdminRights(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"read only", adminReadOnlyErr(), true},
		{"read only, bare", &localapi.APIError{Status: 403, Code: localapi.CodeReadOnly}, true},
		{"OS refused the connection", fmt.Errorf("local API GET status: %w: %w", localapi.ErrAccessDenied, errors.New("access is denied")), true},
		{"peer refused", &localapi.APIError{Status: 403, Code: localapi.CodePeerRefused}, false},
		{"browser refused", &localapi.APIError{Status: 403, Code: localapi.CodeBrowserRefused}, false},
		{"validation", &localapi.APIError{Status: 422, Code: localapi.CodeInvalid, Fields: []localapi.FieldError{{Field: "connector.tenantId", Message: "required"}}}, false},
		{"not running", fmt.Errorf("%w: dial", localapi.ErrNotRunning), false},
	} {
		if got := needsAdminRights(tt.err); got != tt.want {
			t.Errorf("%s: needsAdminRights(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// A save refused for lack of rights says so plainly, keeps what the admin typed, and offers to
// restart as administrator through the injected function.
func TestConnectorReadOnlySaveOffersElevation(t *testing.T) {
	test.NewTempApp(t)
	f := &fakeConnectorBackend{}
	ed := connectorTestEditor(t, f)
	rec := &adminElevateRecorder{}
	ed.Elevate = rec.elevate
	waits, hooks := newConnectorWaits()
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newConnectorScreen(w, f, ed, hooks)
	s.refreshSecrets()
	<-waits.secretsShown
	w.SetContent(s.content)
	w.Resize(fyne.NewSize(800, 1000))
	if s.admin.Visible() {
		t.Fatal("the admin notice shows before anything was refused")
	}

	f.putErr = adminReadOnlyErr()
	name := s.field("connector.name")
	connectorSetText(name.entry, "Sales calendars")
	test.Tap(s.save)
	if err := <-waits.saved; err == nil {
		t.Fatal("save succeeded")
	}
	if !s.admin.Visible() || !statusContains(visibleTexts(s.content), "Changing settings needs administrator rights") {
		t.Errorf("no admin notice; the screen shows %q", visibleTexts(s.content))
	}
	if !statusContains(visibleTexts(s.content), "Restart as administrator") {
		t.Error("no Restart as administrator button")
	}
	if got := s.saveStatus.Text; got != "Not saved; your changes are kept." {
		t.Errorf("save status %q", got)
	}
	if got := ed.Draft().Connector.Name; got != "Sales calendars" || name.entry.Text != "Sales calendars" || !ed.Dirty() {
		t.Errorf("draft name %q, entry %q, dirty %v: the typed value was lost", got, name.entry.Text, ed.Dirty())
	}

	if err := adminTapRestart(t, s.admin); err != nil {
		t.Fatalf("elevate: %v", err)
	}
	if rec.count() != 1 {
		t.Errorf("elevate called %d times, want 1", rec.count())
	}

	// A refused elevation (the UAC prompt declined) is said, and the draft still stands.
	rec.err = errors.New("restart as administrator: the request was declined")
	if err := adminTapRestart(t, s.admin); err == nil {
		t.Fatal("elevate error not passed on")
	}
	if !s.admin.failure.Visible() || !strings.Contains(s.admin.failure.Text, "the request was declined") {
		t.Errorf("elevation failure %q (visible %v)", s.admin.failure.Text, s.admin.failure.Visible())
	}
	if ed.Draft().Connector.Name != "Sales calendars" {
		t.Error("draft lost after a failed elevation")
	}

	// With the rights (the elevated copy), the same draft saves and the notice goes.
	f.mu.Lock()
	f.putErr = nil
	f.mu.Unlock()
	test.Tap(s.save)
	if err := <-waits.saved; err != nil {
		t.Fatal(err)
	}
	if s.admin.Visible() {
		t.Error("the admin notice stays after a successful save")
	}
	saved, err := config.Decode(f.config)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Connector.Name != "Sales calendars" {
		t.Errorf("service got name %q", saved.Connector.Name)
	}
}

// Without an elevate function (Linux, macOS) the notice still explains, without the button.
func TestAdminNoticeWithoutElevateHasNoButton(t *testing.T) {
	test.NewTempApp(t)
	n := newAdminNotice(nil)
	w := test.NewTempWindow(t, n)
	w.Resize(fyne.NewSize(600, 200))
	if n.Check(errors.New("some other failure")) || n.Visible() {
		t.Fatal("an unrelated error shows the notice")
	}
	if !n.Check(adminReadOnlyErr()) || !n.Visible() {
		t.Fatal("a read-only refusal does not show the notice")
	}
	texts := visibleTexts(n)
	if !statusContains(texts, "Changing settings needs administrator rights") || statusContains(texts, "Restart as administrator") {
		t.Errorf("notice shows %q", texts)
	}
	if n.Check(nil) || n.Visible() {
		t.Error("a success leaves the notice up")
	}
}

func TestRulesReadOnlySaveOffersElevation(t *testing.T) {
	test.NewTempApp(t)
	data, err := config.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeRulesBackend{config: data, dir: rulesTestDirectory(), putErr: adminReadOnlyErr()}
	ed := newConfigEditor(fb)
	if err := ed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := &adminElevateRecorder{}
	ed.Elevate = rec.elevate
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newRulesScreen(w, fb, ed)
	<-s.dirDone
	w.SetContent(s.root)
	w.Resize(fyne.NewSize(1000, 800))

	ed.Update(func(c *config.Config) { c.DefaultActivity = "away" })
	done := make(chan error, 1)
	s.afterSave = func(err error) { done <- err }
	test.Tap(s.save)
	if err := <-done; err == nil {
		t.Fatal("save succeeded")
	}
	if !s.admin.Visible() || !s.message.Visible() || !strings.HasPrefix(s.message.Text, "Could not save; your changes are kept.") {
		t.Errorf("notice visible %v, message %q", s.admin.Visible(), s.message.Text)
	}
	if ed.Draft().DefaultActivity != "away" || !ed.Dirty() {
		t.Error("the draft was lost")
	}
	if err := adminTapRestart(t, s.admin); err != nil || rec.count() != 1 {
		t.Errorf("elevate: err %v, %d calls", err, rec.count())
	}
}

func TestUsersReadOnlySaveOffersElevation(t *testing.T) {
	b := newFakeUsersBackend(t)
	b.putErr = adminReadOnlyErr()
	s, ed, _ := usersTestScreen(t, b)
	// The screen was built before the test could inject the function; the
	// window sets it on the editor before building the screens.
	rec := &adminElevateRecorder{}
	s.admin.SetElevate(rec.elevate)

	row := usersRowByID(t, s, "1002")
	row.mailbox.SetText("")
	test.Type(row.mailbox, "mario.rossi@contoso.it")
	done := make(chan error, 1)
	s.afterSave = func(err error) { done <- err }
	test.Tap(s.saveBtn)
	if err := <-done; err == nil {
		t.Fatal("save succeeded")
	}
	if !s.admin.Visible() || !strings.HasPrefix(s.message.Text, "Not saved; nothing you changed is lost.") {
		t.Errorf("notice visible %v, message %q", s.admin.Visible(), s.message.Text)
	}
	if got := ed.Draft().Users[0].Mailbox; got != "mario.rossi@contoso.it" {
		t.Errorf("draft mailbox %q: the typed value was lost", got)
	}
	if err := adminTapRestart(t, s.admin); err != nil || rec.count() != 1 {
		t.Errorf("elevate: err %v, %d calls", err, rec.count())
	}
}

// adminStatusBackend refuses the status screen's (and the tray's) actions as the service does
// for a user who may only read.
type adminStatusBackend struct {
	*fakeStatusBackend
}

func (adminStatusBackend) SyncNow(context.Context) error            { return adminReadOnlyErr() }
func (adminStatusBackend) SyncJobNow(context.Context, string) error { return adminReadOnlyErr() }
func (adminStatusBackend) Pause(context.Context) error              { return adminReadOnlyErr() }

// The tray's Sync now and Pause land on the status screen: a refusal shows the notice and asks
// the window to come up.
func TestStatusActionsRefusedOfferElevation(t *testing.T) {
	b := adminStatusBackend{newFakeStatusBackend(localapi.Status{State: localapi.StateOK, Users: statusTestUsers()})}
	s, loads, _ := startedStatusScreen(t, b)
	nextStatusLoad(t, loads)
	rec := &adminElevateRecorder{}
	s.SetElevate(rec.elevate)
	needs := make(chan struct{}, 4)
	s.OnNeedsAdmin = func() { needs <- struct{}{} }

	actions := s.TrayActions(func() {}, func() {})
	for _, tt := range []struct {
		name    string
		act     func()
		failure string
	}{
		{"Sync now", actions.SyncNow, "Could not start a sync."},
		{"Pause", actions.Pause, "Could not pause."},
	} {
		tt.act()
		select {
		case <-needs:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the refusal was never reported", tt.name)
		}
		if !s.admin.Visible() || s.actionErr.Text != tt.failure {
			t.Errorf("%s: notice visible %v, action error %q", tt.name, s.admin.Visible(), s.actionErr.Text)
		}
	}
	if !statusContains(visibleTexts(s), "Changing settings needs administrator rights") {
		t.Errorf("status screen shows %q", visibleTexts(s))
	}
	if err := adminTapRestart(t, s.admin); err != nil || rec.count() != 1 {
		t.Errorf("elevate: err %v, %d calls", err, rec.count())
	}
}

// The window hands Options.Elevate to the editor (for the editing screens) and the status screen.
func TestWindowPassesElevate(t *testing.T) {
	test.NewTempApp(t)
	rec := &adminElevateRecorder{}
	w := test.NewWindow(nil)
	mw, _ := appLightWindow(w, Options{Backend: &fakeRulesBackend{}, Elevate: rec.elevateWithDraft})
	if mw.Editor.Elevate == nil || !mw.Status.admin.restart.Visible() {
		t.Fatal("Elevate not passed on")
	}
	mw2, _ := appLightWindow(test.NewWindow(nil), Options{Backend: &fakeRulesBackend{}})
	if mw2.Editor.Elevate != nil || mw2.Status.admin.restart.Visible() {
		t.Fatal("a restart is offered without an elevate function")
	}
}

// Restart as administrator hands the unsaved edits to the new copy, which takes them over as an
// unsaved draft; a clean editor hands nothing, and a refused restart leaves no file behind.
func TestElevateHandsOverTheDraft(t *testing.T) {
	test.NewTempApp(t)
	if err := loadTranslations(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", t.TempDir())
	cfg := config.Default()
	cfg.Connector = config.Connector{TenantID: "contoso.onmicrosoft.com", ClientID: "3b9c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", SyncUser: "monitor@contoso.com"}
	data, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	load := func(mw *mainWindow) {
		t.Helper()
		ready := make(chan struct{}, 1)
		mw.OnReady = func() { ready <- struct{}{} }
		mw.Observe(localapi.Status{State: localapi.StateOK}, nil)
		appWaitReady(t, ready)
	}

	rec := &adminElevateRecorder{}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	mw, _ := appLightWindow(w, Options{Backend: &fakeRulesBackend{config: data}, Elevate: rec.elevateWithDraft})
	load(mw)
	if err := mw.Editor.Elevate(); err != nil {
		t.Fatal(err)
	}
	mw.Editor.Update(func(c *config.Config) { c.Connector.Name = "Edited, not saved" })
	if err := mw.Editor.Elevate(); err != nil {
		t.Fatal(err)
	}
	if len(rec.drafts) != 2 || rec.drafts[0] != "" || !strings.Contains(rec.drafts[1], "Edited, not saved") {
		t.Fatalf("drafts handed over = %q", rec.drafts)
	}
	rec.err = errors.New("the request was declined")
	if err := mw.Editor.Elevate(); err == nil {
		t.Fatal("a refused restart reported success")
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "calsync-draft-*")); len(left) != 1 {
		t.Fatalf("draft files = %v, want only the one handed to the restarted copy", left)
	}

	// The new copy: the service's configuration, then the handed-over edits on top.
	path, err := mw.Editor.HandOver()
	if err != nil || path == "" {
		t.Fatalf("HandOver = %q, %v", path, err)
	}
	w2 := test.NewTempWindow(t, widget.NewLabel(""))
	mw2, _ := appLightWindow(w2, Options{Backend: &fakeRulesBackend{config: data}, Draft: path})
	load(mw2)
	if got := mw2.Editor.Draft().Connector.Name; got != "Edited, not saved" || !mw2.Editor.Dirty() {
		t.Fatalf("taken-over draft: name %q, dirty %v", got, mw2.Editor.Dirty())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the draft file is still there: %v", err)
	}
	if !slices.Contains(visibleTexts(w2.Canvas().Overlays().Top()), "Unsaved changes") {
		t.Error("the new copy does not say the edits were brought over")
	}
}

// On first run a non-elevated admin reaches the connector step; leaving it saves, the service
// refuses, and the wizard stays there with the notice and the typed values.
func TestWizardReadOnlySaveOffersElevation(t *testing.T) {
	test.NewTempApp(t)
	f := &fakeConnectorBackend{putErr: adminReadOnlyErr()}
	ed := connectorTestEditor(t, f)
	rec := &adminElevateRecorder{}
	ed.Elevate = rec.elevate
	waits, hooks := newConnectorWaits()
	w := test.NewTempWindow(t, widget.NewLabel(""))
	z := newFirstRunWizard(w, f, ed, func() {}, hooks)
	<-waits.secretsShown
	w.SetContent(z.content)
	w.Resize(fyne.NewSize(900, 800))

	test.Tap(z.next) // Prepare OneCloud
	test.Tap(z.next)
	connectorSetText(z.conn.field("connector.name").entry, "Wizard connector")
	test.Tap(z.next)
	if err := <-waits.saved; err == nil {
		t.Fatal("save succeeded")
	}
	if !wizardShowing(z, wizardStepConnector) || !z.nextErr.Visible() || z.nextErr.Text != "Changing settings needs administrator rights" {
		t.Fatalf("wizard on %q, next error %q (visible %v)", z.title.Text, z.nextErr.Text, z.nextErr.Visible())
	}
	if ed.Draft().Connector.Name != "Wizard connector" {
		t.Error("the typed name was lost")
	}
	if err := adminTapRestart(t, z.conn.admin); err != nil || rec.count() != 1 {
		t.Errorf("elevate: err %v, %d calls", err, rec.count())
	}
}
