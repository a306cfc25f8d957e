package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/calsync/calsync/sync/localapi"
)

// hangingBackend is a fakeStatusBackend whose Subscribe or Status can block until the caller
// gives up, as a pipe that accepts no connection or a hung service does.
type hangingBackend struct {
	*fakeStatusBackend
	hangSubscribe, hangStatus bool
	// hanging receives once the screen waits on the hanging call: it touches nothing else then.
	hanging chan struct{}
}

func (h *hangingBackend) Subscribe(ctx context.Context) (<-chan localapi.Event, error) {
	if h.hangSubscribe {
		h.hanging <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.fakeStatusBackend.Subscribe(ctx)
}

func (h *hangingBackend) Status(ctx context.Context) (localapi.Status, error) {
	if h.hangStatus {
		h.hanging <- struct{}{}
		<-ctx.Done()
		return localapi.Status{}, ctx.Err()
	}
	return h.fakeStatusBackend.Status(ctx)
}

// TestStatusScreenNeverWaitsSilently: for every way the service can be out of reach, the screen
// says which within statusAnswerWait (on the fake clock) and offers the Service tab, whose
// button opens it.
func TestStatusScreenNeverWaitsSilently(t *testing.T) {
	for _, tc := range []struct {
		name      string
		backend   func(*fakeStatusBackend) localapi.Backend
		wait      bool // the outcome comes from the no-answer watchdog
		wantState string
		wantWhy   string
	}{
		{"not running", func(f *fakeStatusBackend) localapi.Backend {
			f.subscribeErr = fmt.Errorf("%w: open \\\\.\\pipe\\calsync: The system cannot find the file specified.", localapi.ErrNotRunning)
			return f
		}, false, "Service not running", "Start it on the Service tab"},
		{"access denied", func(f *fakeStatusBackend) localapi.Backend {
			f.subscribeErr = fmt.Errorf("%w: Access is denied.", localapi.ErrAccessDenied)
			return f
		}, false, "Access to the service denied", "as the user the service runs as"},
		{"connection never accepted", func(f *fakeStatusBackend) localapi.Backend {
			return &hangingBackend{fakeStatusBackend: f, hangSubscribe: true, hanging: make(chan struct{}, 1)}
		}, true, "The service does not answer", "restart it on the Service tab"},
		{"connected, status never comes", func(f *fakeStatusBackend) localapi.Backend {
			return &hangingBackend{fakeStatusBackend: f, hangStatus: true, hanging: make(chan struct{}, 1)}
		}, true, "The service does not answer", "restart it on the Service tab"},
		{"status refused", func(f *fakeStatusBackend) localapi.Backend {
			f.statusErr = errors.New("local API GET status: EOF")
			return f
		}, false, "Service not running", "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.backend(newFakeStatusBackend(localapi.Status{State: localapi.StateOK, Users: statusTestUsers()}))
			test.NewTempApp(t)
			s := newStatusScreen(b)
			opened := make(chan struct{}, 1)
			s.OnOpenService = func() { opened <- struct{}{} }
			loads, clk := startStatusScreen(t, s)
			if tc.wait {
				select {
				case <-b.(*hangingBackend).hanging:
				case <-time.After(10 * time.Second): // a hang guard
					t.Fatal("the screen never called the service")
				}
				if !clk.WaitForTimers(1, 10*time.Second) {
					t.Fatal("no timer for the no-answer wait")
				}
				if next, _ := clk.Next(); next.Sub(clk.Now()) != statusAnswerWait {
					t.Errorf("the screen waits %v before it speaks, want %v", next.Sub(clk.Now()), statusAnswerWait)
				}
				clk.Advance(statusAnswerWait)
			}
			l := nextStatusLoad(t, loads)
			if l.err == nil {
				t.Fatal("the screen reported no error")
			}
			texts := visibleTexts(s)
			for _, want := range []string{tc.wantState, tc.wantWhy, "Open the Service tab"} {
				if !statusContains(texts, want) {
					t.Errorf("the screen does not show %q; it shows %q", want, texts)
				}
			}
			if statusContains(texts, "Connecting to the service") {
				t.Errorf("still says connecting: %q", texts)
			}
			test.Tap(s.openSvc)
			select {
			case <-opened:
			case <-time.After(10 * time.Second): // a hang guard
				t.Fatal("the button did not open the Service tab")
			}
		})
	}
}

// TestStatusScreenNoServiceTabNoButton: without a Service tab (the demo) the screen still says
// why, and offers no button that leads nowhere.
func TestStatusScreenNoServiceTabNoButton(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{})
	b.subscribeErr = localapi.ErrNotRunning
	s, loads, _ := startedStatusScreen(t, b)
	if l := nextStatusLoad(t, loads); l.err == nil {
		t.Fatal("no error reported")
	}
	texts := visibleTexts(s)
	if !statusContains(texts, "Service not running") || statusContains(texts, "Open the Service tab") {
		t.Errorf("want the reason and no Service tab button; the screen shows %q", texts)
	}
}

// TestStatusScreenAnswerSilencesWatch: a service that answers in time hides the message, and
// the no-answer wait then says nothing.
func TestStatusScreenAnswerSilencesWatch(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{State: localapi.StateOK, Users: statusTestUsers()})
	s, loads, clk := startedStatusScreen(t, b)
	if l := nextStatusLoad(t, loads); l.err != nil {
		t.Fatal(l.err)
	}
	clk.Advance(2 * statusAnswerWait)
	select {
	case l := <-loads:
		t.Fatalf("the screen spoke again after the service answered: %+v", l)
	case <-time.After(200 * time.Millisecond):
	}
	if texts := visibleTexts(s); statusContains(texts, "does not answer") || statusContains(texts, "Open the Service tab") {
		t.Errorf("the screen shows %q after the service answered", texts)
	}
}
