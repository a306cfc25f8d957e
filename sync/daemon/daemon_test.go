package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/internal/testhelp"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/logfile"
	"github.com/calsync/calsync/sync/presence"
	"github.com/calsync/calsync/sync/secrets"
)

// The secrets of the test office, and the text of a private appointment:
// none of them may ever appear in a log line or an API answer.
const (
	graphSecret     = emulator.GraphDefaultClientSecret
	oneCloudToken   = "oc-token-Zq81-never-in-a-log"
	privateSubject  = "Colonoscopy with Dr Quintavalle"
	privateLocation = "Clinica Sanvitale, room 77"
)

// office is a running service (RunService) against both emulators, with
// its local API client.
type office struct {
	t       *testing.T
	dir     string
	cfgPath string
	graph   *emulator.Graph
	gURL    string
	oc      *emulator.OneCloud
	ocURL   string
	store   *secrets.Store
	logs    *testhelp.Buffer
	logFile *logfile.File
	client  *localapi.Client
	// configCheck is Options.ConfigCheck for start (0: the default).
	configCheck time.Duration

	cancel context.CancelFunc
	done   chan error
}

// newOffice starts the emulators with a seeded office and stores the
// secrets; it writes no config and starts no service.
func newOffice(t *testing.T) *office {
	t.Helper()
	// A short directory: the unix socket path has a length limit.
	dir, err := os.MkdirTemp("", "cs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	o := &office{t: t, dir: dir, cfgPath: filepath.Join(dir, "config.json"), logs: &testhelp.Buffer{}}

	o.graph = emulator.NewGraph(emulator.GraphOptions{})
	var stopG, stopOC func()
	o.gURL, stopG = o.graph.Start()
	t.Cleanup(stopG)
	o.oc = emulator.NewOneCloud(emulator.OneCloudOptions{Token: oneCloudToken})
	o.ocURL, stopOC = o.oc.Start()
	t.Cleanup(stopOC)

	now := time.Now().UTC().Truncate(time.Second)
	inProgress := func(st calendar.Status) calendar.Event {
		return calendar.Event{Start: now.Add(-30 * time.Minute), End: now.Add(30 * time.Minute), Status: st, Subject: "Weekly sync", Location: "Room 4"}
	}
	must(t, o.oc.AddUser(
		emulator.OneCloudUser{ID: "1001", Username: "anna", Name: "Anna Rossi", Email: "anna@contoso.com"},
		emulator.OneCloudUser{ID: "1002", Username: "bruno", Name: "Bruno Bianchi", Email: "bruno@contoso.com"},
		emulator.OneCloudUser{ID: "1003", Username: "carla", Name: "Carla Verdi", Email: "carla@contoso.com"},
		emulator.OneCloudUser{ID: "1004", Username: "dario", Name: "Dario Neri", Email: "dario@contoso.com"},
		emulator.OneCloudUser{ID: "1005", Username: "elena", Name: "Elena Gallo", Email: "elena@contoso.com"},
	))
	o.oc.SetGroups(emulator.OneCloudGroup{ID: "sales", Name: "Sales", Members: []string{"1001", "1003"}})
	o.graph.SetCalendar("anna@contoso.com", []calendar.Event{inProgress(calendar.Busy)})
	priv := inProgress(calendar.Busy)
	priv.Private, priv.Subject, priv.Location = true, privateSubject, privateLocation
	o.graph.SetCalendar("bruno@contoso.com", []calendar.Event{priv})
	o.graph.SetCalendar("carla@contoso.com", nil)
	// dario set "away" by hand; his meeting must not overwrite it.
	o.graph.SetCalendar("dario@contoso.com", []calendar.Event{inProgress(calendar.Busy)})
	must(t, o.oc.SetPresenceByHand("1004", emulator.OneCloudPresence{Activity: "away", Role: "mobile"}))
	o.graph.SetCalendar("elena@contoso.com", []calendar.Event{inProgress(calendar.OOF)})

	o.store = secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }})
	must(t, o.store.Set(context.Background(), secrets.Graph, graphSecret))
	must(t, o.store.Set(context.Background(), secrets.OneCloud, oneCloudToken))

	o.logFile, err = logfile.Open(filepath.Join(dir, config.LogFileName), 1<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.logFile.Close() })
	o.client = localapi.NewClient(filepath.Join(dir, config.SocketFileName))
	return o
}

// config is a valid configuration for the office: anna, bruno, carla,
// dario and a mailbox Graph does not know (ghost, OneCloud user 1099).
func (o *office) config() *config.Config {
	cfg := config.Default()
	cfg.Connector = config.Connector{
		Name: "Exchange", TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		SyncUser: emulator.GraphDefaultSyncUser, AuthorityURL: o.gURL, GraphURL: o.gURL,
	}
	cfg.OneCloud.BaseURL = o.ocURL
	cfg.Sync.Interval = "10m"
	cfg.Users = []config.User{
		{OneCloudUser: "1001", Mailbox: "anna@contoso.com", Enabled: true},
		{OneCloudUser: "1002", Mailbox: "bruno@contoso.com", Enabled: true},
		{OneCloudUser: "1003", Mailbox: "carla@contoso.com", Enabled: true},
		{OneCloudUser: "1004", Mailbox: "dario@contoso.com", Enabled: true},
		{OneCloudUser: "1099", Mailbox: "ghost@contoso.com", Enabled: true},
		{OneCloudUser: "1005", Mailbox: "elena@contoso.com", Enabled: false},
	}
	return cfg
}

func (o *office) writeConfig(cfg *config.Config) {
	o.t.Helper()
	must(o.t, config.Save(o.cfgPath, cfg))
}

// start runs RunService until the test ends (or stop) and waits for the
// local API to answer.
func (o *office) start() {
	o.t.Helper()
	log := slog.New(slog.NewTextHandler(io.MultiWriter(o.logs, o.logFile), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	o.cancel, o.done = cancel, make(chan error, 1)
	go func() {
		o.done <- RunService(ctx, Options{
			ConfigPath: o.cfgPath, Secrets: o.store, Logger: log, LogFile: o.logFile, Version: "1.2.3-test",
			ConfigCheck: o.configCheck,
		})
	}()
	o.t.Cleanup(func() { o.stop() })
	o.waitStatus("the local API answers", func(localapi.Status) bool { return true })
}

// stop cancels the service and returns RunService's result.
func (o *office) stop() error {
	if o.cancel == nil {
		return nil
	}
	o.cancel()
	o.cancel = nil
	select {
	case err := <-o.done:
		return err
	case <-time.After(20 * time.Second):
		o.t.Fatal("RunService did not return after its context was cancelled")
		return nil
	}
}

// waitStatus polls the status until ok holds (bounded, not a timing claim).
func (o *office) waitStatus(what string, ok func(localapi.Status) bool) localapi.Status {
	o.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last localapi.Status
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := o.client.Status(ctx)
		cancel()
		if err == nil && ok(st) {
			return st
		}
		last, lastErr = st, err
		time.Sleep(20 * time.Millisecond)
	}
	o.t.Fatalf("waiting for %s: last status %+v, err %v", what, last, lastErr)
	return last
}

func firstPollDone(st localapi.Status) bool { return !st.LastSync.IsZero() && !st.Syncing }

func userRow(st localapi.Status, id string) localapi.UserStatus {
	for _, u := range st.Users {
		if u.OneCloudUser == id {
			return u
		}
	}
	return localapi.UserStatus{}
}

// events opens the event stream and returns a channel of its events.
func (o *office) events() <-chan localapi.Event {
	o.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	o.t.Cleanup(cancel)
	stream, err := o.client.Events(ctx)
	if err != nil {
		o.t.Fatal(err)
	}
	ch := make(chan localapi.Event, 1024)
	go func() {
		defer close(ch)
		for {
			ev, err := stream.Next()
			if err != nil {
				return
			}
			ch <- ev
		}
	}()
	return ch
}

// waitEvent reads events until ok holds for one.
func waitEvent(t *testing.T, ch <-chan localapi.Event, what string, ok func(localapi.Event) bool) localapi.Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, open := <-ch:
			if !open {
				t.Fatalf("event stream ended while waiting for %s", what)
			}
			if ok(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event: %s", what)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// After the first poll the status lists every enabled user with a name from
// the OneCloud directory, what the calendar says (a private event only as
// "busy (private)"), the presence applied, a person's presence kept, and
// the unknown mailbox's error.
func TestStatusAfterFirstPoll(t *testing.T) {
	o := newOffice(t)
	o.writeConfig(o.config())
	o.start()
	st := o.waitStatus("the first poll and the names", func(st localapi.Status) bool {
		return firstPollDone(st) && userRow(st, "1001").Name == "Anna Rossi" && userRow(st, "1004").Current.Activity != ""
	})

	if st.Version != "1.2.3-test" {
		t.Errorf("version = %q", st.Version)
	}
	if got := len(st.Users); got != 5 {
		t.Fatalf("users = %d, want the 5 enabled ones: %+v", got, st.Users)
	}
	// The unknown mailbox makes the service degraded, not failed.
	if st.State != localapi.StateDegraded {
		t.Errorf("state = %s, want degraded (one user fails); errors %v", st.State, st.Errors)
	}
	if !slices.ContainsFunc(st.Errors, func(s string) bool { return strings.Contains(s, "1099") }) {
		t.Errorf("errors do not name the failing user: %v", st.Errors)
	}
	if st.NextSync.Sub(st.LastSync) != 10*time.Minute {
		t.Errorf("next sync %s, last %s: want 10 minutes apart", st.NextSync, st.LastSync)
	}
	if st.Progress.Total != 5 || st.Progress.Done != 5 {
		t.Errorf("progress = %+v", st.Progress)
	}

	cases := []struct {
		id, name, calendar, current, nextActivity string
		lastErr                                   bool
	}{
		{"1001", "Anna Rossi", "busy", "meeting", "available", false},
		{"1002", "Bruno Bianchi", "busy (private)", "busy", "available", false},
		{"1003", "Carla Verdi", "no event", "available", "", false},
		{"1004", "Dario Neri", "busy", "away", "available", false}, // kept by hand
		{"1099", "1099", "", "", "", true},
	}
	for _, c := range cases {
		u := userRow(st, c.id)
		if u.Name != c.name || u.Calendar != c.calendar || u.Current.Activity != c.current || u.NextActivity != c.nextActivity || (u.LastError != "") != c.lastErr {
			t.Errorf("user %s = %+v; want name %q calendar %q current %q next %q error %v", c.id, u, c.name, c.calendar, c.current, c.nextActivity, c.lastErr)
		}
	}
	anna := userRow(st, "1001")
	if anna.LastApplied.Activity != "meeting" || anna.LastAppliedAt.IsZero() || anna.NextChange.IsZero() || !anna.NextChange.Equal(anna.Current.Until) {
		t.Errorf("anna = %+v", anna)
	}
	if p, _ := o.oc.Presence("1004"); p.Activity != "away" {
		t.Errorf("dario's presence set by hand was overwritten: %+v", p)
	}

	raw, err := json.Marshal(st)
	must(t, err)
	for _, s := range []string{privateSubject, privateLocation, "Weekly sync", "Room 4"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("status carries event text %q", s)
		}
	}
}

// The real-time test: an event that starts two seconds from now
// with a 10-minute poll interval changes the emulator's presence within a
// second of its start, and the event stream reports it.
func TestPresenceChangesAtEventStart(t *testing.T) {
	o := newOffice(t)
	start := time.Now().Add(2500 * time.Millisecond).Truncate(time.Second)
	o.graph.SetCalendar("carla@contoso.com", []calendar.Event{{Start: start, End: start.Add(time.Hour), Status: calendar.Busy, Subject: "Customer call"}})
	o.writeConfig(o.config())
	o.start()
	events := o.events()

	ev := waitEvent(t, events, "carla's meeting starts", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventPresence && ev.Presence != nil && ev.Presence.OneCloudUser == "1003" && ev.Presence.To.Activity == "meeting"
	})
	if ev.Presence.Name != "Carla Verdi" || ev.Presence.From.Activity != "available" || ev.Presence.Reason != "calendar: busy" {
		t.Errorf("presence event = %+v", *ev.Presence)
	}
	var write *emulator.OneCloudWrite
	for _, w := range o.oc.Writes() {
		if w.UserID == "1003" && w.Presence.Activity == "meeting" {
			write = &w
			break
		}
	}
	if write == nil {
		t.Fatalf("no meeting written for carla: %+v", o.oc.Writes())
	}
	delay := write.At.Sub(start)
	t.Logf("presence written %s after the event's start (poll interval 10m)", delay)
	if delay < 0 || delay >= time.Second {
		t.Errorf("presence written %s after the event's start; want within [0, 1s)", delay)
	}
	if !write.Presence.Until.Equal(start.Add(time.Hour)) {
		t.Errorf("until = %s, want the event's end %s", write.Presence.Until, start.Add(time.Hour))
	}
	if n := o.graph.Stats().ScheduleRequests; n != 1 {
		t.Errorf("getSchedule requests = %d, want 1: the boundary must come from the cached schedule", n)
	}
}

// Sync now polls at once; pause and resume show in the status and in the
// event stream; the actions fail with a reason when no engine runs.
func TestSyncNowPauseResume(t *testing.T) {
	o := newOffice(t)
	o.writeConfig(o.config())
	o.start()
	ctx := ctxT(t)
	first := o.waitStatus("the first poll", firstPollDone)
	events := o.events()
	// The stream may still bring the first poll's events: a poll is
	// recognised by its later LastSync.
	finishedAfter := func(t0 time.Time) func(localapi.Event) bool {
		return func(ev localapi.Event) bool {
			return ev.Type == localapi.EventSyncFinished && ev.Status != nil && ev.Status.LastSync.After(t0)
		}
	}

	before := o.graph.Stats().ScheduleRequests
	must(t, o.client.SyncNow(ctx))
	synced := waitEvent(t, events, "sync-finished after sync now", finishedAfter(first.LastSync))
	if after := o.graph.Stats().ScheduleRequests; after <= before {
		t.Errorf("getSchedule requests %d -> %d: sync now did not poll", before, after)
	}

	must(t, o.client.Pause(ctx))
	waitEvent(t, events, "a paused status", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventStatus && ev.Status != nil && ev.Status.State == localapi.StatePaused && ev.Status.Paused
	})
	st, err := o.client.Status(ctx)
	must(t, err)
	if st.State != localapi.StatePaused || !st.Paused || !st.NextSync.IsZero() {
		t.Errorf("paused status = state %s paused %v next %s", st.State, st.Paused, st.NextSync)
	}

	before = o.graph.Stats().ScheduleRequests
	must(t, o.client.Resume(ctx))
	waitEvent(t, events, "sync-finished after resume", finishedAfter(synced.Status.LastSync))
	waitEvent(t, events, "a status no longer paused", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventStatus && ev.Status != nil && !ev.Status.Paused && ev.Status.State != localapi.StatePaused
	})
	if after := o.graph.Stats().ScheduleRequests; after <= before {
		t.Errorf("getSchedule requests %d -> %d: resume did not poll", before, after)
	}
}

// A configuration with bad fields is refused field by field and the file
// stays as it was; a good one is saved and a new engine runs it.
func TestPutConfig(t *testing.T) {
	o := newOffice(t)
	o.writeConfig(o.config())
	o.start()
	ctx := ctxT(t)
	o.waitStatus("the first poll", firstPollDone)
	original, err := os.ReadFile(o.cfgPath)
	must(t, err)

	bad := o.config()
	bad.Sync.Interval = "5s"
	bad.Connector.ClientID = "not-a-guid"
	bad.Rules[0].Type = "colour"
	body, err := config.Marshal(bad)
	must(t, err)
	err = o.client.PutConfig(ctx, body)
	var ae *localapi.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity {
		t.Fatalf("PutConfig(invalid) = %v, want a 422", err)
	}
	var fields []string
	for _, f := range localapi.FieldErrors(err) {
		fields = append(fields, f.Field)
	}
	for _, want := range []string{"connector.clientId", "sync.interval", "rules[0].type"} {
		if !slices.Contains(fields, want) {
			t.Errorf("field errors %v lack %s", fields, want)
		}
	}
	// A field of the wrong JSON type and an unknown field are field errors too.
	err = o.client.PutConfig(ctx, []byte(`{"version":1,"sync":{"interval":60},"colour":"red"}`))
	fields = fields[:0]
	for _, f := range localapi.FieldErrors(err) {
		fields = append(fields, f.Field)
	}
	if !slices.Contains(fields, "sync.interval") || !slices.Contains(fields, "colour") {
		t.Errorf("decode field errors = %v (err %v)", fields, err)
	}
	if now, _ := os.ReadFile(o.cfgPath); !bytes.Equal(now, original) {
		t.Error("a refused configuration changed the file")
	}

	// Enabling elena (out of office) takes effect with the new engine.
	good := o.config()
	good.Users[5].Enabled = true
	body, err = config.Marshal(good)
	must(t, err)
	must(t, o.client.PutConfig(ctx, body))
	got, err := o.client.Config(ctx)
	must(t, err)
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(body)) {
		t.Errorf("Config after PutConfig:\n%s\nwant\n%s", got, body)
	}
	st := o.waitStatus("elena synced by the new engine", func(st localapi.Status) bool {
		return firstPollDone(st) && userRow(st, "1005").Current.Activity == "vacation"
	})
	if len(st.Users) != 6 {
		t.Errorf("users after the new config = %d, want 6", len(st.Users))
	}
	if p, _ := o.oc.Presence("1005"); p.Activity != "vacation" {
		t.Errorf("elena's presence = %+v, want vacation", p)
	}
}

// With no configuration and no OneCloud token the service stays up and
// says why; saving the configuration and then the token starts the sync.
func TestStartsOnceConfigAndSecretArrive(t *testing.T) {
	o := newOffice(t)
	must(t, o.store.Delete(context.Background(), secrets.OneCloud))
	o.start()
	ctx := ctxT(t)

	st := o.waitStatus("the missing configuration", func(st localapi.Status) bool { return st.State == localapi.StateError && len(st.Errors) > 0 })
	if !strings.Contains(st.Errors[0], "no configuration") {
		t.Errorf("errors = %v, want the missing configuration", st.Errors)
	}
	def, err := o.client.Config(ctx)
	must(t, err)
	if cfg, err := config.Decode(def); err != nil || cfg.Sync.Interval != config.DefaultInterval || len(cfg.Rules) == 0 {
		t.Errorf("Config without a file = %s (%v), want the default", def, err)
	}
	var ae *localapi.APIError
	if err := o.client.SyncNow(ctx); !errors.As(err, &ae) || ae.Code != CodeNotSyncing || !strings.Contains(ae.Message, "no configuration") {
		t.Errorf("SyncNow without an engine = %v", err)
	}
	if err := o.client.Pause(ctx); !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Errorf("Pause without an engine = %v", err)
	}

	body, err := config.Marshal(o.config())
	must(t, err)
	events := o.events()
	must(t, o.client.PutConfig(ctx, body))
	st = o.waitStatus("the missing token", func(st localapi.Status) bool {
		return st.State == localapi.StateError && len(st.Errors) > 0 && strings.Contains(st.Errors[0], "OneCloud API token")
	})
	if len(st.Users) != 5 {
		t.Errorf("users listed while not syncing = %d, want 5", len(st.Users))
	}
	if o.graph.Stats().ScheduleRequests != 0 {
		t.Error("a calendar was read without a OneCloud token")
	}

	must(t, o.client.SetSecret(ctx, "onecloud", oneCloudToken+"\n"))
	waitEvent(t, events, "a presence change once the token is there", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventPresence && ev.Presence != nil && ev.Presence.OneCloudUser == "1001"
	})
	o.waitStatus("the sync", func(st localapi.Status) bool {
		return firstPollDone(st) && st.State == localapi.StateDegraded && userRow(st, "1001").Current.Activity == "meeting"
	})
	secretStates, err := o.client.SecretStatus(ctx)
	must(t, err)
	for _, s := range secretStates {
		if !s.Set || s.Source != string(secrets.Keychain) {
			t.Errorf("secret state %+v", s)
		}
	}

	// An unknown secret name is refused without being repeated.
	err = o.client.SetSecret(ctx, "graph-secret-value-pasted", "x")
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || strings.Contains(ae.Message, "pasted") {
		t.Errorf("SetSecret(unknown name) = %v", err)
	}
}

// Stopping the service stops the sync with its state saved, removes the
// socket, and returns nil.
func TestRunServiceStopsCleanly(t *testing.T) {
	o := newOffice(t)
	o.writeConfig(o.config())
	o.start()
	o.waitStatus("the first poll", firstPollDone)
	if err := o.stop(); err != nil {
		t.Fatalf("RunService = %v, want nil after cancel", err)
	}
	data, err := os.ReadFile(config.SiblingPath(o.cfgPath, config.StateFileName))
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	var state presence.State
	must(t, json.Unmarshal(data, &state))
	if a := state.Users["1001"].Applied; a.Activity != "meeting" {
		t.Errorf("saved state of 1001 = %+v", state.Users["1001"])
	}
	if _, err := os.Lstat(config.SiblingPath(o.cfgPath, config.SocketFileName)); err == nil {
		t.Error("the socket file is still there")
	}
	if _, err := o.client.Status(context.Background()); !errors.Is(err, localapi.ErrNotRunning) {
		t.Errorf("Status after stop = %v, want ErrNotRunning", err)
	}
}

// A full run - syncing, replacing both secrets, a connection test, the
// directory, the logs - leaves no secret and no private event text in the
// log or in any answer of the local API.
func TestNothingLeaks(t *testing.T) {
	o := newOffice(t)
	o.writeConfig(o.config())
	o.start()
	ctx := ctxT(t)
	events := o.events()
	o.waitStatus("the first poll", firstPollDone)

	var answers [][]byte
	keep := func(v any, err error) {
		t.Helper()
		must(t, err)
		b, err := json.Marshal(v)
		must(t, err)
		answers = append(answers, b)
	}
	must(t, o.client.SetSecret(ctx, "graph", graphSecret))
	must(t, o.client.SetSecret(ctx, "onecloud", oneCloudToken))
	o.waitStatus("the sync after the secrets", firstPollDone)
	must(t, o.client.SyncNow(ctx))

	steps, err := o.client.TestConnection(ctx)
	keep(steps, err)
	if len(steps) == 0 || !steps[0].OK {
		t.Errorf("test connection steps = %+v", steps)
	}
	dir, err := o.client.OneCloudDirectory(ctx)
	keep(dir, err)
	if len(dir.Activities) == 0 || len(dir.Users) != 5 || !slices.Equal(dir.Users[0].Groups, []string{"sales"}) {
		t.Errorf("directory = %+v", dir)
	}
	keep(o.client.SecretStatus(ctx))
	keep(o.client.Status(ctx))
	cfg, err := o.client.Config(ctx)
	must(t, err)
	answers = append(answers, cfg)
	lines, err := o.client.Logs(ctx, 1000)
	keep(lines, err)
	if len(lines) == 0 {
		t.Error("no log lines")
	}
	must(t, o.stop())
	for ev := range events {
		keep(ev, nil)
	}

	fileLog, err := os.ReadFile(filepath.Join(o.dir, config.LogFileName))
	must(t, err)
	logText := o.logs.String()
	if !strings.Contains(logText, "presence set") {
		t.Fatalf("the log does not show a full run:\n%s", logText)
	}
	for _, s := range []string{graphSecret, oneCloudToken, privateSubject, privateLocation} {
		if strings.Contains(logText, s) || bytes.Contains(fileLog, []byte(s)) {
			t.Errorf("the log contains %q", s)
		}
		for _, a := range answers {
			if bytes.Contains(a, []byte(s)) {
				t.Errorf("a local API answer contains %q: %s", s, a)
			}
		}
	}
}

// TestTeamsCallInStatusAndEvents: with a teams rule the service reads Teams presence, writes the
// call within the interval with the reason "Teams: in a call", shows the activity per user and
// falls back to the calendar when the call ends.
func TestTeamsCallInStatusAndEvents(t *testing.T) {
	o := newOffice(t)
	cfg := o.config()
	cfg.Rules = append([]config.Rule{{Scope: config.ScopeOrganization, Type: config.TypeTeams, Match: "InACall", Activity: "busy"}}, cfg.Rules...)
	cfg.Teams = &config.Teams{Interval: "2s"}
	o.writeConfig(cfg)
	must(t, o.graph.SetTeamsPresence("carla@contoso.com", "Available", "Available"))
	o.start()
	events := o.events()
	o.waitStatus("the first poll", firstPollDone)

	must(t, o.graph.SetTeamsPresence("carla@contoso.com", "Busy", "InACall"))
	ev := waitEvent(t, events, "carla's call", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventPresence && ev.Presence != nil && ev.Presence.OneCloudUser == "1003" && ev.Presence.To.Activity == "busy"
	})
	if ev.Presence.Reason != "Teams: in a call" || !ev.Presence.To.Until.IsZero() {
		t.Errorf("presence event = %+v", *ev.Presence)
	}
	st := o.waitStatus("carla in Teams", func(st localapi.Status) bool { return userRow(st, "1003").Teams == "InACall" })
	if anna := userRow(st, "1001"); anna.Teams != "Offline" || anna.Calendar != "busy" {
		t.Errorf("anna's row: %+v", anna)
	}
	if ghost := userRow(st, "1099"); !strings.Contains(ghost.LastError, "ghost@contoso.com") {
		t.Errorf("ghost's row: %+v", ghost)
	}

	must(t, o.graph.SetTeamsPresence("carla@contoso.com", "Available", "Available"))
	waitEvent(t, events, "carla hangs up", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventPresence && ev.Presence != nil && ev.Presence.OneCloudUser == "1003" && ev.Presence.To.Activity == "available"
	})
	if n := len(o.oc.Writes()); n == 0 {
		t.Fatal("no writes")
	}
	var carla []string
	for _, w := range o.oc.Writes() {
		if w.UserID == "1003" {
			carla = append(carla, w.Presence.Activity)
		}
	}
	if strings.Join(carla, ",") != "busy,available" {
		t.Errorf("carla's writes: %v; want busy then available", carla)
	}
}
