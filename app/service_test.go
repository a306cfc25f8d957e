package app

import (
	"context"
	"errors"
	gosync "sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/service/action"
)

// fakeServiceControl is a service whose state follows the actions done on it.
type fakeServiceControl struct {
	mu       gosync.Mutex
	state    string
	stateErr error
	doErr    error
	done     []string
	gate     chan struct{} // when set, Do waits until it is closed
}

func (f *fakeServiceControl) State(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state, f.stateErr
}

func (f *fakeServiceControl) Do(_ context.Context, act string) (string, error) {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done = append(f.done, act)
	if f.doErr != nil {
		return "", f.doErr
	}
	switch act {
	case action.Install, action.Stop:
		f.state = ServiceStopped
	case action.Start:
		f.state = ServiceRunning
	case action.Uninstall:
		f.state = ServiceNotInstalled
	}
	return "service " + act + " done", nil
}

func (f *fakeServiceControl) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.done...)
}

type serviceLoad struct {
	state string
	err   error
}

// newTestServiceScreen builds the Service tab on ctl in a test window and waits for its first
// state read.
func newTestServiceScreen(t *testing.T, ctl ServiceControl, runInWindow func()) (*serviceScreen, fyne.Window, chan serviceLoad) {
	t.Helper()
	test.NewTempApp(t)
	loads := make(chan serviceLoad, 8)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newServiceScreen(w, ctl, runInWindow, func(st string, err error) { loads <- serviceLoad{st, err} })
	// Lay the screen out only after its first read: the test driver runs fyne.Do on the calling
	// goroutine, which would otherwise race with this one.
	nextServiceLoad(t, loads)
	w.SetContent(s)
	w.Resize(fyne.NewSize(800, 600))
	return s, w, loads
}

func nextServiceLoad(t *testing.T, loads chan serviceLoad) serviceLoad {
	t.Helper()
	select {
	case l := <-loads:
		return l
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the service screen showed no state")
		return serviceLoad{}
	}
}

// serviceEnabled says which of the action buttons can be pressed, in the order
// Install, Start, Stop, Uninstall.
func serviceEnabled(s *serviceScreen) [4]bool {
	return [4]bool{!s.install.Disabled(), !s.start.Disabled(), !s.stop.Disabled(), !s.uninstall.Disabled()}
}

func TestServiceScreenButtonsPerState(t *testing.T) {
	for _, tc := range []struct {
		state     string
		stateErr  error
		label     string
		enabled   [4]bool
		noService bool
	}{
		{ServiceNotInstalled, nil, "Not installed", [4]bool{true, false, false, false}, true},
		{ServiceStopped, nil, "Installed, stopped", [4]bool{false, true, false, true}, true},
		{ServiceRunning, nil, "Installed, running", [4]bool{false, false, true, true}, false},
		{"", errors.New("open service manager: access denied"), "Unknown", [4]bool{false, false, false, false}, true},
	} {
		t.Run(tc.label, func(t *testing.T) {
			ran := 0
			s, _, _ := newTestServiceScreen(t, &fakeServiceControl{state: tc.state, stateErr: tc.stateErr}, func() { ran++ })
			if s.stateLabel.Text != tc.label {
				t.Errorf("state shown = %q, want %q", s.stateLabel.Text, tc.label)
			}
			if got := serviceEnabled(s); got != tc.enabled {
				t.Errorf("enabled Install/Start/Stop/Uninstall = %v, want %v", got, tc.enabled)
			}
			texts := visibleTexts(s)
			shown := statusContains(texts, "No background service is running. calsync can run the sync inside this window until one is installed.")
			if shown != tc.noService || s.runInWinBtn.Visible() != tc.noService {
				t.Errorf("no-service message shown %v, run button %v; want %v (screen: %q)", shown, s.runInWinBtn.Visible(), tc.noService, texts)
			}
			if tc.stateErr != nil && !statusContains(texts, "access denied") {
				t.Errorf("state error not shown: %q", texts)
			}
			if !statusContains(texts, "administrator") {
				t.Error("the screen does not say the OS may ask for permission")
			}
			if tc.noService {
				test.Tap(s.runInWinBtn)
				test.Tap(s.runInWinBtn)
				if ran != 1 {
					t.Errorf("run-in-window callback ran %d times, want once", ran)
				}
				if !s.runInWinBtn.Disabled() || !statusContains(visibleTexts(s), "runs inside this window") {
					t.Error("after starting the sync in the window the screen does not say so")
				}
			}
		})
	}
}

func TestServiceScreenActions(t *testing.T) {
	ctl := &fakeServiceControl{state: ServiceNotInstalled}
	s, w, loads := newTestServiceScreen(t, ctl, nil)
	if s.runInWinBtn.Visible() {
		t.Error("run-in-window offered without a callback")
	}

	gate := make(chan struct{})
	ctl.mu.Lock()
	ctl.gate = gate
	ctl.mu.Unlock()
	test.Tap(s.install)
	if got := serviceEnabled(s); got != [4]bool{} {
		t.Errorf("buttons enabled while installing: %v", got)
	}
	if !statusContains(visibleTexts(s), "Installing the service") {
		t.Error("no progress message while installing")
	}
	ctl.mu.Lock()
	ctl.gate = nil
	ctl.mu.Unlock()
	close(gate)
	if l := nextServiceLoad(t, loads); l.state != ServiceStopped {
		t.Fatalf("after install: %+v", l)
	}
	if !statusContains(visibleTexts(s), "service install done") {
		t.Error("the action's message is not shown")
	}
	test.Tap(s.start)
	nextServiceLoad(t, loads)
	if s.stateLabel.Text != "Installed, running" {
		t.Errorf("after start: %q", s.stateLabel.Text)
	}
	test.Tap(s.stop)
	nextServiceLoad(t, loads)

	// Uninstall asks first; cancelling does nothing, confirming uninstalls.
	test.Tap(s.uninstall)
	serviceTapDialogButton(t, w, "Cancel")
	test.Tap(s.uninstall)
	serviceTapDialogButton(t, w, "Uninstall")
	if l := nextServiceLoad(t, loads); l.state != ServiceNotInstalled {
		t.Fatalf("after uninstall: %+v", l)
	}

	want := []string{action.Install, action.Start, action.Stop, action.Uninstall}
	if got := ctl.actions(); !slicesEqual(got, want) {
		t.Errorf("Do called with %q, want %q", got, want)
	}

	ctl.mu.Lock()
	ctl.doErr = errors.New("elevation was refused")
	ctl.mu.Unlock()
	test.Tap(s.install)
	nextServiceLoad(t, loads)
	if !statusContains(visibleTexts(s), "Could not install the service: elevation was refused") {
		t.Errorf("failure not shown: %q", visibleTexts(s))
	}
	if got := serviceEnabled(s); got != [4]bool{true, false, false, false} {
		t.Errorf("after a failed install enabled = %v", got)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// serviceTapDialogButton taps the button labelled label in the window's top overlay (a dialog).
func serviceTapDialogButton(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog shown")
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == label {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %q button in the dialog", label)
}
