package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/localapi"
)

// fakeStatusBackend serves a status the test changes, an event stream the test feeds, and
// records the actions called. Subscribe fails while subscribeErr is set.
type fakeStatusBackend struct {
	mu           gosync.Mutex
	status       localapi.Status
	statusErr    error
	subscribeErr error
	logs         []string
	events       chan localapi.Event
	subscribes   int
	statusCalls  int
	actions      []string
}

func newFakeStatusBackend(st localapi.Status) *fakeStatusBackend {
	return &fakeStatusBackend{status: st, events: make(chan localapi.Event, 16)}
}

func (f *fakeStatusBackend) setStatus(st localapi.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = st
}

func (f *fakeStatusBackend) Status(context.Context) (localapi.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusCalls++
	return f.status, f.statusErr
}

func (f *fakeStatusBackend) Subscribe(context.Context) (<-chan localapi.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subscribes++
	if f.subscribeErr != nil {
		return nil, f.subscribeErr
	}
	return f.events, nil
}

func (f *fakeStatusBackend) record(a string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, a)
	return nil
}

func (f *fakeStatusBackend) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.actions)
}

func (f *fakeStatusBackend) SyncNow(context.Context) error { return f.record("sync") }
func (f *fakeStatusBackend) SyncJobNow(_ context.Context, name string) error {
	return f.record("sync-" + name)
}
func (f *fakeStatusBackend) Pause(context.Context) error  { return f.record("pause") }
func (f *fakeStatusBackend) Resume(context.Context) error { return f.record("resume") }
func (f *fakeStatusBackend) Config(context.Context) ([]byte, error) {
	return nil, errors.New("not in this test")
}
func (f *fakeStatusBackend) PutConfig(context.Context, []byte) error {
	return errors.New("not in this test")
}
func (f *fakeStatusBackend) SetSecret(context.Context, string, string) error {
	return errors.New("not in this test")
}
func (f *fakeStatusBackend) SecretStatus(context.Context) ([]localapi.SecretState, error) {
	return nil, nil
}
func (f *fakeStatusBackend) OneCloudDirectory(context.Context) (localapi.Directory, error) {
	return localapi.Directory{}, nil
}
func (f *fakeStatusBackend) TestConnection(context.Context) ([]localapi.CheckStep, error) {
	return nil, nil
}
func (f *fakeStatusBackend) Logs(_ context.Context, n int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.logs) > n {
		return slices.Clone(f.logs[len(f.logs)-n:]), nil
	}
	return slices.Clone(f.logs), nil
}
func (f *fakeStatusBackend) Certificate(context.Context) (localapi.CertificateState, error) {
	return localapi.CertificateState{}, nil
}
func (f *fakeStatusBackend) NewCertificate(context.Context, int) (localapi.Certificate, error) {
	return localapi.Certificate{}, nil
}
func (f *fakeStatusBackend) ImportCertificate(context.Context, []byte, string) (localapi.Certificate, error) {
	return localapi.Certificate{}, nil
}

// statusLoad is one OnLoaded call.
type statusLoad struct {
	st  localapi.Status
	err error
}

// startedStatusScreen builds a status screen on b in a test window, starts it on a fake clock,
// and returns the channel of what it shows. The stream stops when the test ends.
func startedStatusScreen(t *testing.T, b localapi.Backend) (*statusScreen, chan statusLoad, *clock.Fake) {
	t.Helper()
	test.NewTempApp(t)
	s := newStatusScreen(b)
	loads, clk := startStatusScreen(t, s)
	return s, loads, clk
}

// startStatusScreen is startedStatusScreen for a screen the test built (and hooked) itself.
func startStatusScreen(t *testing.T, s *statusScreen) (chan statusLoad, *clock.Fake) {
	t.Helper()
	loads := make(chan statusLoad, 16)
	s.OnLoaded = func(st localapi.Status, err error) { loads <- statusLoad{st, err} }
	clk := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s.Clock = clk
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(1300, 800))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.Start(ctx)
	return loads, clk
}

func nextStatusLoad(t *testing.T, loads chan statusLoad) statusLoad {
	t.Helper()
	select {
	case l := <-loads:
		return l
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the status screen showed nothing")
		return statusLoad{}
	}
}

func statusContains(texts []string, want string) bool {
	return slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, want) })
}

var statusTestNow = time.Now().UTC().Truncate(time.Minute)

func statusTestUsers() []localapi.UserStatus {
	return []localapi.UserStatus{
		{
			OneCloudUser: "u1", Name: "Anna Rossi", Mailbox: "anna@example.com",
			Current:    localapi.Presence{Activity: "meeting", Role: "mobile", Until: statusTestNow.Add(time.Hour)},
			Calendar:   "busy",
			NextChange: statusTestNow.Add(time.Hour), NextActivity: "available",
		},
		{
			OneCloudUser: "u2", Name: "Bruno Bianchi", Mailbox: "bruno@example.com",
			Current:   localapi.Presence{Activity: "available"},
			Calendar:  "private appointment",
			LastError: "mailbox not found",
		},
	}
}

func TestStatusScreenRendersAndFollowsEvents(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{
		State: localapi.StateOK, LastSync: statusTestNow, NextSync: statusTestNow.Add(time.Minute),
		Users: statusTestUsers(),
	})
	b.logs = []string{"poll started", "poll finished: 2 users"}
	s, loads, _ := startedStatusScreen(t, b)

	if l := nextStatusLoad(t, loads); l.err != nil {
		t.Fatalf("first load error: %v", l.err)
	}
	hhmm := func(t time.Time) string { return statusTimeText(t, time.Now()) }
	want := [][]string{
		{"Anna Rossi", "anna@example.com", "meeting / mobile until " + hhmm(statusTestNow.Add(time.Hour)), "busy", "available at " + hhmm(statusTestNow.Add(time.Hour)), ""},
		{"Bruno Bianchi", "bruno@example.com", "available", "private appointment", "", "mailbox not found"},
	}
	if got := s.cellTexts(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("table rows = %q, want %q", got, want)
	}
	texts := visibleTexts(s)
	for _, w := range []string{"Sync is working", "Anna Rossi", "bruno@example.com", "mailbox not found", "Mailbox", "Next change",
		"Users with errors: 1", "poll finished: 2 users", hhmm(statusTestNow)} {
		if !statusContains(texts, w) {
			t.Errorf("screen does not show %q; it shows %q", w, texts)
		}
	}
	if s.progress.Visible() {
		t.Error("progress bar shown while no sync runs")
	}

	// A status event carries the whole new status: a sync in progress, a new user, problems.
	syncing := localapi.Status{
		State: localapi.StateSyncing, Syncing: true, LastSync: statusTestNow, Progress: localapi.Progress{Done: 1, Total: 3},
		Degraded:             "OneCloud throttled the requests",
		Errors:               []string{"graph: AADSTS7000215 invalid client secret"},
		SecretExpiresWarning: "The client secret expires in 12 days",
		Users: append(statusTestUsers(), localapi.UserStatus{
			OneCloudUser: "u3", Name: "Carla Verdi", Mailbox: "carla@example.com", Current: localapi.Presence{Activity: "away"}, Calendar: "out of office",
		}),
	}
	b.events <- localapi.Event{Type: localapi.EventLog, Message: "presence of u3 set to away"}
	b.events <- localapi.Event{Type: localapi.EventStatus, Status: &syncing}
	if l := nextStatusLoad(t, loads); l.err != nil || len(l.st.Users) != 3 {
		t.Fatalf("after status event: %+v", l)
	}
	if !s.progress.Visible() || s.progress.Value != 1 || s.progress.Max != 3 {
		t.Errorf("progress = visible %v %v/%v, want 1/3 shown", s.progress.Visible(), s.progress.Value, s.progress.Max)
	}
	if !s.syncNow.Disabled() {
		t.Error("Sync now enabled while a sync runs")
	}
	texts = visibleTexts(s)
	for _, w := range []string{"Syncing...", "Carla Verdi", "out of office", "Degraded: OneCloud throttled the requests",
		"Error: graph: AADSTS7000215", "The client secret expires in 12 days", "presence of u3 set to away"} {
		if !statusContains(texts, w) {
			t.Errorf("after status event the screen does not show %q; it shows %q", w, texts)
		}
	}

	// A presence event carries no status: the screen reads it again.
	after := localapi.Status{State: localapi.StateOK, LastSync: statusTestNow, Users: statusTestUsers()[:1]}
	after.Users[0].Current = localapi.Presence{Activity: "available"}
	b.setStatus(after)
	b.events <- localapi.Event{Type: localapi.EventPresence, Presence: &localapi.PresenceChange{OneCloudUser: "u1", To: localapi.Presence{Activity: "available"}}}
	if l := nextStatusLoad(t, loads); l.err != nil || len(l.st.Users) != 1 {
		t.Fatalf("after presence event: %+v", l)
	}
	if got := s.cellTexts(); len(got) != 1 || got[0][2] != "available" {
		t.Errorf("after presence event rows = %q, want Anna available", got)
	}
	texts = visibleTexts(s)
	if statusContains(texts, "Carla Verdi") || statusContains(texts, "Degraded") {
		t.Errorf("old rows or problems still shown: %q", texts)
	}
	if s.progress.Visible() || s.syncNow.Disabled() {
		t.Error("progress still shown or Sync now disabled after the sync")
	}
}

func TestStatusScreenShowsServiceNotRunningAndReconnects(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{State: localapi.StateOK, Users: statusTestUsers()})
	b.subscribeErr = errors.New("dial unix /run/calsync.sock: connect: no such file or directory")
	s, loads, clk := startedStatusScreen(t, b)

	l := nextStatusLoad(t, loads)
	if l.err == nil {
		t.Fatal("Subscribe failed but the screen reported no error")
	}
	texts := visibleTexts(s)
	for _, w := range []string{"Service not running", "no such file or directory"} {
		if !statusContains(texts, w) {
			t.Errorf("screen does not show %q; it shows %q", w, texts)
		}
	}
	if !s.syncNow.Disabled() || !s.pause.Disabled() {
		t.Error("Sync now / Pause enabled with no service")
	}

	// Retries back off 1s, 2s, 4s: each attempt waits on one timer of the fake clock.
	for i, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if !clk.WaitForTimers(1, 10*time.Second) {
			t.Fatalf("attempt %d: no backoff timer", i+1)
		}
		if next, _ := clk.Next(); next.Sub(clk.Now()) != d {
			t.Errorf("backoff %d = %v, want %v", i+1, next.Sub(clk.Now()), d)
		}
		if i == 2 {
			b.mu.Lock()
			b.subscribeErr = nil // the service comes up
			b.mu.Unlock()
		}
		clk.Advance(d)
		l = nextStatusLoad(t, loads)
	}
	if l.err != nil {
		t.Fatalf("after the service came up: %v", l.err)
	}
	if s.notRunning.Visible() {
		t.Error("still says the service is not running")
	}
	if !statusContains(visibleTexts(s), "Anna Rossi") {
		t.Error("users not shown after reconnecting")
	}

	// The service stops: the stream closes, and the screen says so again.
	close(b.events)
	if l = nextStatusLoad(t, loads); l.err == nil {
		t.Fatal("stream end not reported")
	}
	if !s.notRunning.Visible() {
		t.Error("stream ended but the screen does not say the service is not running")
	}
}

func TestStatusScreenButtonsCallTheService(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{State: localapi.StateOK})
	s, loads, _ := startedStatusScreen(t, b)
	nextStatusLoad(t, loads)

	test.Tap(s.syncNow)
	nextStatusLoad(t, loads) // each action reads the status after it
	if s.pause.Text != "Pause" {
		t.Fatalf("pause button = %q", s.pause.Text)
	}
	test.Tap(s.pause)
	nextStatusLoad(t, loads)

	b.setStatus(localapi.Status{State: localapi.StatePaused, Paused: true})
	b.events <- localapi.Event{Type: localapi.EventSyncFinished}
	nextStatusLoad(t, loads)
	if s.pause.Text != "Resume" {
		t.Fatalf("paused service: button = %q, want Resume", s.pause.Text)
	}
	test.Tap(s.pause)
	nextStatusLoad(t, loads)

	if got, want := b.recorded(), []string{"sync", "pause", "resume"}; !slices.Equal(got, want) {
		t.Errorf("actions = %q, want %q", got, want)
	}
}

func TestStatusScreenKeepsTheLastLogLines(t *testing.T) {
	b := newFakeStatusBackend(localapi.Status{State: localapi.StateOK})
	for i := range 250 {
		b.logs = append(b.logs, "line "+strings.Repeat("x", i%3)+string(rune('a'+i%26)))
	}
	s, loads, _ := startedStatusScreen(t, b)
	nextStatusLoad(t, loads)
	for range 5 {
		b.events <- localapi.Event{Type: localapi.EventLog, Message: "new line\n"}
	}
	b.events <- localapi.Event{Type: localapi.EventStatus, Status: &localapi.Status{State: localapi.StateOK}}
	nextStatusLoad(t, loads)
	if len(s.logLines) != statusLogLines {
		t.Fatalf("log view keeps %d lines, want %d", len(s.logLines), statusLogLines)
	}
	if last := s.logLines[len(s.logLines)-1]; last != "new line" {
		t.Errorf("last log line = %q, want the streamed one without its newline", last)
	}
}

// TestStatusTranslationsCoverEveryString keeps translations/status in step with the strings the
// status, tray, notification and service code shows.
func TestStatusTranslationsCoverEveryString(t *testing.T) {
	var src strings.Builder
	for _, f := range []string{"status.go", "tray.go", "notify.go", "service.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`lang\.L\(("(?:[^"\\]|\\.)*")`).FindAllStringSubmatch(src.String(), -1) {
		k, err := strconv.Unquote(m[1])
		if err != nil {
			t.Fatal(err)
		}
		used[k] = true
	}
	for _, file := range []string{"en.json", "it.json"} {
		b, err := os.ReadFile(filepath.Join("translations", "status", file))
		if err != nil {
			t.Fatal(err)
		}
		var tr map[string]string
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for k := range used {
			if tr[k] == "" {
				t.Errorf("%s lacks %q", file, k)
			}
		}
		for k, v := range tr {
			if !used[k] {
				t.Errorf("%s has %q, which no code shows", file, k)
			}
			if strings.Count(k, "{{") != strings.Count(v, "{{") {
				t.Errorf("%s: %q -> %q changes the placeholders", file, k, v)
			}
		}
	}
}

// TestStatusShowsTeamsBesideTheCalendar: with teams rules the service reports each user's Teams
// activity, and the Calendar cell shows it under the calendar's word.
func TestStatusShowsTeamsBesideTheCalendar(t *testing.T) {
	users := statusTestUsers()
	users[0].Teams = "InACall"
	b := newFakeStatusBackend(localapi.Status{State: localapi.StateOK, LastSync: statusTestNow, Users: users})
	s, loads, _ := startedStatusScreen(t, b)
	if l := nextStatusLoad(t, loads); l.err != nil {
		t.Fatalf("first load error: %v", l.err)
	}
	got := s.cellTexts()
	if got[0][3] != "busy\nTeams: in a call" || got[1][3] != "private appointment" {
		t.Errorf("calendar cells = %q, %q", got[0][3], got[1][3])
	}
}
