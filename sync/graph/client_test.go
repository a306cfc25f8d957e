package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/retry"
)

var t0 = time.Date(2025, 6, 2, 6, 0, 0, 0, time.UTC)

// env is an emulator plus a client pointed at it, on one fake clock.
type env struct {
	emu    *emulator.Graph
	url    string
	clock  *clock.Fake
	client *graph.Client
	logs   *bytes.Buffer
}

type envOpt func(*emulator.GraphOptions, *graph.Options)

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	fc := clock.NewFake(t0)
	eo := emulator.GraphOptions{Clock: fc}
	logs := &bytes.Buffer{}
	co := graph.Options{
		TenantID:     emulator.GraphDefaultTenantID,
		ClientID:     emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret,
		SyncUser:     emulator.GraphDefaultSyncUser,
		Clock:        fc,
		Retry:        retry.Policy{Base: time.Second, Max: 8 * time.Second, MaxAttempts: 5, Jitter: func() float64 { return 0 }},
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&eo, &co)
	}
	emu := emulator.NewGraph(eo)
	u, stop := emu.Start()
	t.Cleanup(stop)
	co.AuthorityURL, co.GraphURL = u, u
	c, err := graph.New(co)
	if err != nil {
		t.Fatal(err)
	}
	return &env{emu: emu, url: u, clock: fc, client: c, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// autoAdvance moves the fake clock to each timer's deadline as soon as one
// is armed, so retry waits pass instantly while their lengths stay exact.
func (e *env) autoAdvance(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if e.clock.WaitForTimers(1, 5*time.Millisecond) {
				if next, ok := e.clock.Next(); ok {
					e.clock.Set(next)
				}
			}
		}
	}()
}

func mailboxes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%04d@contoso.com", i)
	}
	return out
}

func busy(start time.Time, d time.Duration, subject string) calendar.Event {
	return calendar.Event{Start: start, End: start.Add(d), Status: calendar.Busy, Subject: subject, Location: "Room " + subject}
}

func asGraphError(t *testing.T, err error) *graph.Error {
	t.Helper()
	var e *graph.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *graph.Error", err, err)
	}
	return e
}

func TestGetSchedulesReadsCalendars(t *testing.T) {
	e := newEnv(t)
	e.emu.SetCalendar("anna@contoso.com", []calendar.Event{
		busy(t0.Add(2*time.Hour), time.Hour, "Review"),
		busy(t0.Add(time.Hour), 30*time.Minute, "Standup"),
		{Start: t0.Add(3 * time.Hour), End: t0.Add(4 * time.Hour), Status: calendar.OOF, Subject: "Dentist", Location: "Clinic", Private: true},
		busy(t0.Add(48*time.Hour), time.Hour, "Outside the window"),
	})
	e.emu.SetCalendar("bruno@contoso.com", []calendar.Event{busy(t0.Add(-time.Hour), 2*time.Hour, "Started earlier")})
	e.emu.SetShared("bruno@contoso.com", false)
	e.emu.SetCalendar("carla@contoso.com", nil)

	in := []string{"anna@contoso.com", "nobody@contoso.com", "Bruno@Contoso.com", "carla@contoso.com", "anna@contoso.com"}
	got, err := e.client.GetSchedules(context.Background(), in, t0, t0.Add(8*time.Hour))
	if err != nil {
		t.Fatalf("GetSchedules: %v", err)
	}
	if len(got) != len(in) {
		t.Fatalf("got %d schedules for %d mailboxes", len(got), len(in))
	}
	for i, s := range got {
		if s.Mailbox != in[i] {
			t.Errorf("schedule %d is for %q, want %q (input order)", i, s.Mailbox, in[i])
		}
	}
	anna := got[0]
	if anna.Err != nil || len(anna.Events) != 3 {
		t.Fatalf("anna = %+v", anna)
	}
	if ev := anna.Events[0]; ev.Subject != "Standup" || ev.Location != "Room Standup" || !ev.Start.Equal(t0.Add(time.Hour)) {
		t.Errorf("anna first event = %+v", ev)
	}
	if ev := anna.Events[2]; !ev.Private || ev.Subject != "" || ev.Location != "" || ev.Status != calendar.OOF {
		t.Errorf("private event = %+v", ev)
	}
	if len(got[4].Events) != 3 || got[4].Err != nil {
		t.Errorf("duplicate input not answered like the first: %+v", got[4])
	}
	nobody := asGraphError(t, got[1].Err)
	if nobody.Kind != graph.KindMailboxNotFound || nobody.Code != "5009" || nobody.Mailbox != "nobody@contoso.com" ||
		!strings.Contains(nobody.Remedy, "nobody@contoso.com") {
		t.Errorf("unknown mailbox error = %+v", nobody)
	}
	bruno := got[2]
	if bruno.Err != nil || len(bruno.Events) != 1 || bruno.Events[0].Subject != "" || bruno.Events[0].Status != calendar.Busy {
		t.Errorf("unshared mailbox = %+v", bruno)
	}
	if got[3].Err != nil || len(got[3].Events) != 0 {
		t.Errorf("empty calendar = %+v", got[3])
	}
	if st := e.emu.Stats(); st.ScheduleRequests != 1 || st.SchedulesRequested != 4 {
		t.Errorf("emulator saw %d requests for %d mailboxes, want 1 for 4 distinct", st.ScheduleRequests, st.SchedulesRequested)
	}
	logs := e.logs.String()
	for _, secret := range []string{"Dentist", "Clinic", emulator.GraphDefaultClientSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestGetSchedulesEmptyInput(t *testing.T) {
	e := newEnv(t)
	got, err := e.client.GetSchedules(context.Background(), nil, t0, t0.Add(time.Hour))
	if err != nil || len(got) != 0 {
		t.Fatalf("GetSchedules(nil) = %v, %v", got, err)
	}
	got, err = e.client.GetSchedules(context.Background(), []string{" ", ""}, t0, t0.Add(time.Hour))
	if err == nil || got[0].Err == nil || got[1].Err == nil {
		t.Errorf("blank mailboxes: %v, %+v", err, got)
	}
	if _, err := e.client.GetSchedules(context.Background(), []string{"a@contoso.com"}, t0, t0); err == nil {
		t.Error("empty window accepted")
	}
	if st := e.emu.Stats(); st.ScheduleRequests != 0 || st.TokenRequests != 0 {
		t.Errorf("requests were sent for nothing: %+v", st)
	}
}

func TestThousandUsersCostFiftyRequests(t *testing.T) {
	e := newEnv(t, func(eo *emulator.GraphOptions, co *graph.Options) {
		eo.Latency = 2 * time.Millisecond
		co.MaxInFlight = 16 // clamped to 4
		co.BatchSize = 50   // clamped to 20
	})
	e.autoAdvance(t) // a regression that gets throttled fails instead of hanging
	users := mailboxes(1000)
	for i, u := range users {
		e.emu.SetCalendar(u, []calendar.Event{busy(t0.Add(time.Duration(i%8)*time.Hour), time.Hour, u)})
	}
	got, err := e.client.GetSchedules(context.Background(), users, t0, t0.Add(8*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if s.Err != nil || len(s.Events) != 1 || s.Events[0].Subject != users[i] {
			t.Fatalf("schedule %d = %+v", i, s)
		}
	}
	st := e.emu.Stats()
	if st.ScheduleRequests != 50 || e.client.Stats().ScheduleRequests != 50 {
		t.Errorf("1000 users cost %d requests (client counted %d), want 50", st.ScheduleRequests, e.client.Stats().ScheduleRequests)
	}
	if st.MaxInFlight > 4 {
		t.Errorf("%d requests were in flight at once, Outlook allows 4", st.MaxInFlight)
	}
	if st.MaxBatch != 20 || st.SchedulesRequested != 1000 || st.Throttled != 0 {
		t.Errorf("stats = %+v", st)
	}
	if st.TokenRequests != 1 {
		t.Errorf("%d token requests for one cycle", st.TokenRequests)
	}
	t.Logf("max in flight: %d", st.MaxInFlight)
}

func TestTokenReusedAcrossCycles(t *testing.T) {
	e := newEnv(t) // emulator tokens live 1h (expires_in 3599)
	e.emu.SetCalendar("anna@contoso.com", nil)
	cycle := func() {
		t.Helper()
		now := e.clock.Now()
		if _, err := e.client.GetSchedules(context.Background(), []string{"anna@contoso.com"}, now, now.Add(8*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// One cycle a minute for the token's first 58 minutes.
	for range 59 {
		cycle()
		e.clock.Advance(time.Minute)
	}
	if n := e.emu.Stats().TokenRequests; n != 1 {
		t.Fatalf("59 cycles in an hour cost %d token requests, want 1", n)
	}
	// Shortly before expiry the token is replaced, before Graph refuses it.
	cycle()
	cycle()
	if n := e.emu.Stats().TokenRequests; n != 2 {
		t.Errorf("after 59 minutes: %d token requests, want 2", n)
	}
	if st := e.client.Stats(); st.TokenRequests != 2 || st.TokenRefreshes != 0 || st.ScheduleRequests != 61 {
		t.Errorf("client stats = %+v", st)
	}
}

func TestTokenErrorsMapToRemedies(t *testing.T) {
	cases := []struct {
		name       string
		setup      envOpt
		expire     bool
		kind       graph.Kind
		code       string
		status     int
		remedyHas  string
		messageHas string
	}{
		{name: "wrong secret (Secret ID pasted)", setup: func(_ *emulator.GraphOptions, co *graph.Options) {
			co.ClientSecret = "5f1c3a7e-0000-4b1d-9c2e-7a6b5d4c3b2a"
		}, kind: graph.KindWrongSecret, code: "AADSTS7000215", status: 401,
			remedyHas: "Secret ID instead of the secret Value", messageHas: "Invalid client secret provided"},
		{name: "expired secret", expire: true, kind: graph.KindSecretExpired, code: "AADSTS7000222", status: 401,
			remedyHas: "calsync secret set graph", messageHas: "are expired"},
		{name: "unknown client ID", setup: func(_ *emulator.GraphOptions, co *graph.Options) {
			co.ClientID = "00000000-1111-2222-3333-444444444444"
		}, kind: graph.KindAppNotFound, code: "AADSTS700016", status: 400,
			remedyHas: "Application (client) ID", messageHas: "was not found in the directory"},
		{name: "unknown tenant", setup: func(_ *emulator.GraphOptions, co *graph.Options) {
			co.TenantID = "99999999-aaaa-bbbb-cccc-dddddddddddd"
		}, kind: graph.KindTenantNotFound, code: "AADSTS90002", status: 400,
			remedyHas: "Directory (tenant) ID", messageHas: "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []envOpt{}
			if tc.setup != nil {
				opts = append(opts, tc.setup)
			}
			e := newEnv(t, opts...)
			e.emu.SetSecretExpired(tc.expire)
			in := mailboxes(45)
			got, err := e.client.GetSchedules(context.Background(), in, t0, t0.Add(time.Hour))
			ge := asGraphError(t, err)
			if _, ok := err.(*graph.Error); !ok {
				t.Errorf("error is %T, want *graph.Error", err)
			}
			if ge.Kind != tc.kind || ge.Code != tc.code || ge.Status != tc.status {
				t.Errorf("got kind %v code %q status %d; want %v %q %d", ge.Kind, ge.Code, ge.Status, tc.kind, tc.code, tc.status)
			}
			if !strings.Contains(ge.Remedy, tc.remedyHas) || !strings.Contains(ge.Message, tc.messageHas) {
				t.Errorf("remedy %q / message %q", ge.Remedy, ge.Message)
			}
			if strings.Contains(ge.Message, "Trace ID") || ge.TraceID == "" || ge.CorrelationID == "" {
				t.Errorf("trace lines not split off: message %q trace %q", ge.Message, ge.TraceID)
			}
			if len(got) != len(in) {
				t.Fatalf("%d schedules for %d mailboxes", len(got), len(in))
			}
			for _, s := range got {
				if s.Err == nil || asGraphError(t, s.Err).Kind != tc.kind {
					t.Fatalf("schedule %s: err %v", s.Mailbox, s.Err)
				}
			}
			st := e.emu.Stats()
			if st.ScheduleRequests != 0 || st.TokenRequests != 1 {
				t.Errorf("a token error still cost %d schedule and %d token requests", st.ScheduleRequests, st.TokenRequests)
			}
			terr := e.client.Token(context.Background())
			if te := asGraphError(t, terr); te.Kind != tc.kind {
				t.Errorf("Token() kind %v, want %v", te.Kind, tc.kind)
			}
			for _, text := range []string{ge.Error(), ge.Remedy, terr.Error(), e.logs.String()} {
				if strings.Contains(text, emulator.GraphDefaultClientSecret) {
					t.Errorf("secret leaked into %q", text)
				}
			}
		})
	}
}

func TestTokenWithoutNetwork(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close() // nothing listens there any more
	fc := clock.NewFake(t0)
	c, err := graph.New(graph.Options{TenantID: "t", ClientID: "c", ClientSecret: "s3cr3t-value", SyncUser: "m@x.com",
		AuthorityURL: u, GraphURL: u, Clock: fc,
		Retry: retry.Policy{Base: time.Second, MaxAttempts: 3, Jitter: func() float64 { return 0 }}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clock: fc}
	e.autoAdvance(t)
	err = c.Token(context.Background())
	ge := asGraphError(t, err)
	if ge.Kind != graph.KindNetwork || !strings.Contains(ge.Remedy, "network") {
		t.Errorf("got %+v", ge)
	}
	if n := c.Stats().TokenRequests; n != 3 {
		t.Errorf("network failure tried %d times, want 3 (MaxAttempts)", n)
	}
	if strings.Contains(err.Error(), "s3cr3t-value") {
		t.Errorf("secret in %q", err)
	}
}

func TestConsentMissing(t *testing.T) {
	e := newEnv(t)
	e.emu.SetConsent(false)
	in := mailboxes(200) // 10 batches
	got, err := e.client.GetSchedules(context.Background(), in, t0, t0.Add(time.Hour))
	ge := asGraphError(t, err)
	if ge.Kind != graph.KindAccessDenied || ge.Code != "ErrorAccessDenied" || ge.Status != 403 {
		t.Errorf("got %+v", ge)
	}
	for _, want := range []string{"admin consent", "Calendars.Read", "application access policy", emulator.GraphDefaultSyncUser} {
		if !strings.Contains(ge.Remedy, want) {
			t.Errorf("remedy %q lacks %q", ge.Remedy, want)
		}
	}
	for _, s := range got {
		if asGraphError(t, s.Err).Kind != graph.KindAccessDenied {
			t.Fatalf("%s: %v", s.Mailbox, s.Err)
		}
	}
	// A 403 is final: no retries, and batches not yet sent are not sent.
	if n := e.emu.Stats().ScheduleRequests; n > 4 {
		t.Errorf("403 cost %d requests; at most the 4 already in flight", n)
	}
}

func TestUnknownSyncUser(t *testing.T) {
	e := newEnv(t, func(_ *emulator.GraphOptions, co *graph.Options) { co.SyncUser = "ghost@contoso.com" })
	_, err := e.client.GetSchedules(context.Background(), []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
	ge := asGraphError(t, err)
	if ge.Kind != graph.KindMailboxNotFound || ge.Mailbox != "ghost@contoso.com" || ge.Code != "ErrorInvalidUser" {
		t.Errorf("got %+v", ge)
	}
}

func TestPerMailboxErrorsFailOnlyThatMailbox(t *testing.T) {
	e := newEnv(t)
	e.emu.SetCalendar("ok@contoso.com", []calendar.Event{busy(t0, time.Hour, "x")})
	e.emu.SetCalendar("onprem@contoso.com", nil)
	e.emu.SetMailboxError("onprem@contoso.com", "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	e.emu.SetCalendar("typo@contoso.com", nil)
	e.emu.SetMailboxError("typo@contoso.com", "ErrorInvalidUser", "The requested user 'typo@contoso.com' is invalid.")
	e.emu.SetCalendar("left@contoso.com", nil)
	e.emu.RemoveMailbox("left@contoso.com")

	got, err := e.client.GetSchedules(context.Background(),
		[]string{"ok@contoso.com", "onprem@contoso.com", "typo@contoso.com", "left@contoso.com"}, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("per-mailbox errors failed the whole call: %v", err)
	}
	if got[0].Err != nil || len(got[0].Events) != 1 {
		t.Errorf("ok = %+v", got[0])
	}
	want := []struct {
		kind graph.Kind
		code string
		says string
	}{
		{graph.KindMailboxNotEnabled, "MailboxNotEnabledForRESTAPI", "on-premises"},
		{graph.KindMailboxNotFound, "ErrorInvalidUser", "primary SMTP address"},
		{graph.KindMailboxNotFound, "5009", "primary SMTP address"},
	}
	for i, w := range want {
		ge := asGraphError(t, got[i+1].Err)
		if ge.Kind != w.kind || ge.Code != w.code || !strings.Contains(ge.Remedy, got[i+1].Mailbox) || !strings.Contains(ge.Remedy, w.says) {
			t.Errorf("%s: %+v", got[i+1].Mailbox, ge)
		}
	}
}

func TestThrottlingHonoursRetryAfter(t *testing.T) {
	e := newEnv(t, func(eo *emulator.GraphOptions, _ *graph.Options) { eo.RetryAfter = 7 * time.Second })
	e.autoAdvance(t)
	e.emu.SetCalendar("a@contoso.com", nil)
	e.emu.SetThrottleEvery(2) // the second call of the emulator gets 429
	for cycle := range 2 {
		start := e.clock.Now()
		got, err := e.client.GetSchedules(context.Background(), []string{"a@contoso.com"}, start, start.Add(time.Hour))
		if err != nil || got[0].Err != nil {
			t.Fatalf("cycle %d: %v %v", cycle, err, got[0].Err)
		}
		waited := e.clock.Now().Sub(start)
		if cycle == 0 && waited != 0 {
			t.Errorf("cycle 0 waited %s without being throttled", waited)
		}
		if cycle == 1 && waited != 7*time.Second {
			t.Errorf("throttled cycle waited %s, want Retry-After 7s (backoff would be 0.5s)", waited)
		}
	}
	if st := e.emu.Stats(); st.ScheduleRequests != 3 || st.Throttled != 1 {
		t.Errorf("stats = %+v", st)
	}
	if st := e.client.Stats(); st.Throttled != 1 || st.Retries != 1 {
		t.Errorf("client stats = %+v", st)
	}
}

func TestThrottlingOutlastsRetries(t *testing.T) {
	e := newEnv(t, func(eo *emulator.GraphOptions, co *graph.Options) {
		eo.RetryAfter = 3 * time.Second
		co.Retry.MaxAttempts = 3
	})
	e.autoAdvance(t)
	e.emu.SetThrottleEvery(1)
	_, err := e.client.GetSchedules(context.Background(), []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
	ge := asGraphError(t, err)
	if ge.Kind != graph.KindThrottled || ge.Code != "ApplicationThrottled" || ge.Status != 429 || !strings.Contains(ge.Message, "MailboxConcurrency") {
		t.Errorf("got %+v", ge)
	}
	if n := e.emu.Stats().ScheduleRequests; n != 3 {
		t.Errorf("%d requests, want MaxAttempts=3", n)
	}
	if waited := e.clock.Now().Sub(t0); waited != 6*time.Second {
		t.Errorf("waited %s, want 2 x Retry-After 3s", waited)
	}
}

func TestServerErrorsRetry(t *testing.T) {
	cases := []struct {
		name     string
		fail     int
		status   int
		attempts int
		waited   time.Duration // on the fake clock
		kind     graph.Kind    // 0 when the call finally succeeds
	}{
		// Base 1s, jitter 0: waits 0.5s, 1s, 2s (half of 1s, 2s, 4s).
		{"500 burst backs off exponentially", 3, 500, 4, 3500 * time.Millisecond, 0},
		{"502 burst", 2, 502, 3, 1500 * time.Millisecond, 0},
		{"504 burst", 1, 504, 2, 500 * time.Millisecond, 0},
		// 503 carries Retry-After: 2s from the emulator.
		{"503 honours Retry-After", 2, 503, 3, 4 * time.Second, 0},
		{"dropped connections back off", 2, 0, 3, 1500 * time.Millisecond, 0},
		// Five attempts: waits 0.5, 1, 2, 4 (cap 8s not reached).
		{"500 outlasting the retries", 9, 500, 5, 7500 * time.Millisecond, graph.KindUnavailable},
		{"network outlasting the retries", 9, 0, 5, 7500 * time.Millisecond, graph.KindNetwork},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(eo *emulator.GraphOptions, _ *graph.Options) { eo.RetryAfter = 2 * time.Second })
			e.autoAdvance(t)
			e.emu.SetCalendar("a@contoso.com", []calendar.Event{busy(t0, time.Hour, "x")})
			e.emu.FailNext(tc.fail, tc.status)
			got, err := e.client.GetSchedules(context.Background(), []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
			if tc.kind == 0 {
				if err != nil || got[0].Err != nil || len(got[0].Events) != 1 {
					t.Fatalf("after a burst: %v %+v", err, got[0])
				}
			} else if ge := asGraphError(t, err); ge.Kind != tc.kind || ge.Remedy == "" {
				t.Errorf("got %+v, want kind %v", ge, tc.kind)
			}
			if n := e.emu.Stats().ScheduleRequests; n != int64(tc.attempts) {
				t.Errorf("%d requests, want %d", n, tc.attempts)
			}
			if waited := e.clock.Now().Sub(t0); waited != tc.waited {
				t.Errorf("waited %s, want %s", waited, tc.waited)
			}
		})
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	var jitter float64 = 0.5
	e := newEnv(t, func(_ *emulator.GraphOptions, co *graph.Options) {
		co.Retry = retry.Policy{Base: time.Second, Max: 2 * time.Second, MaxAttempts: 5, Jitter: func() float64 { return jitter }}
	})
	e.autoAdvance(t)
	e.emu.SetCalendar("a@contoso.com", nil)
	e.emu.FailNext(4, 500)
	if _, err := e.client.GetSchedules(context.Background(), []string{"a@contoso.com"}, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Delays 1s, 2s, 2s (capped), 2s, each half fixed + half x 0.5.
	want := 750*time.Millisecond + 3*1500*time.Millisecond
	if waited := e.clock.Now().Sub(t0); waited != want {
		t.Errorf("waited %s, want %s", waited, want)
	}
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	e := newEnv(t)
	e.emu.SetCalendar("a@contoso.com", nil)
	ctx := context.Background()
	if _, err := e.client.GetSchedules(ctx, []string{"a@contoso.com"}, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.emu.ExpireTokens() // Graph now answers 401 to the cached token
	got, err := e.client.GetSchedules(ctx, []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
	if err != nil || got[0].Err != nil {
		t.Fatalf("after revocation: %v %v", err, got[0].Err)
	}
	st := e.emu.Stats()
	if st.TokenRequests != 2 || st.ScheduleRequests != 3 {
		t.Errorf("emulator stats = %+v, want 2 tokens and 3 getSchedule", st)
	}
	if e.client.Stats().TokenRefreshes != 1 {
		t.Errorf("client stats = %+v", e.client.Stats())
	}
}

func TestUnauthorizedTwiceIsFinal(t *testing.T) {
	emu := emulator.NewGraph(emulator.GraphOptions{})
	var schedules int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getSchedule") {
			mu.Lock()
			schedules++
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure. Invalid audience."}}`)
			return
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: srv.URL, GraphURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSchedules(context.Background(), []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
	ge := asGraphError(t, err)
	if ge.Kind != graph.KindUnauthorized || ge.Code != "InvalidAuthenticationToken" || ge.Status != 401 {
		t.Errorf("got %+v", ge)
	}
	if schedules != 2 || emu.Stats().TokenRequests != 2 {
		t.Errorf("%d getSchedule and %d token requests; want 2 and 2 (one refresh)", schedules, emu.Stats().TokenRequests)
	}
}

func TestCanceledContextStopsPromptly(t *testing.T) {
	t.Run("fetching the token", func(t *testing.T) {
		e := newEnv(t, func(eo *emulator.GraphOptions, _ *graph.Options) { eo.Latency = time.Hour })
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for e.emu.Stats().TokenRequests < 1 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err := e.client.GetSchedules(ctx, []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
		if ge := asGraphError(t, err); ge.Kind != graph.KindCanceled || !errors.Is(err, context.Canceled) {
			t.Errorf("got %+v", ge)
		}
		if n := e.emu.Stats().ScheduleRequests; n != 0 {
			t.Errorf("%d getSchedule requests without a token", n)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		e := newEnv(t)
		if err := e.client.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.emu.SetLatency(time.Hour) // every request now hangs until canceled
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for e.emu.Stats().ScheduleRequests < 4 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		got, err := e.client.GetSchedules(ctx, mailboxes(400), t0, t0.Add(time.Hour))
		ge := asGraphError(t, err)
		if ge.Kind != graph.KindCanceled || !errors.Is(err, context.Canceled) {
			t.Errorf("got %+v (errors.Is canceled: %v)", ge, errors.Is(err, context.Canceled))
		}
		if len(got) != 400 || got[399].Err == nil {
			t.Errorf("unsent batches lack an error")
		}
		if n := e.emu.Stats().ScheduleRequests; n != 4 {
			t.Errorf("%d requests were started; no batch may start after cancel", n)
		}
	})
	t.Run("while waiting for Retry-After", func(t *testing.T) {
		e := newEnv(t, func(eo *emulator.GraphOptions, _ *graph.Options) { eo.RetryAfter = time.Minute })
		e.emu.SetThrottleEvery(1)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			e.clock.WaitForTimers(1, 10*time.Second) // the client is now waiting on Retry-After
			cancel()
		}()
		_, err := e.client.GetSchedules(ctx, []string{"a@contoso.com"}, t0, t0.Add(time.Hour))
		if ge := asGraphError(t, err); ge.Kind != graph.KindCanceled || !errors.Is(err, context.Canceled) {
			t.Errorf("got %+v", ge)
		}
		if n := e.emu.Stats().ScheduleRequests; n != 1 {
			t.Errorf("%d requests", n)
		}
	})
}

func TestRequestShape(t *testing.T) {
	emu := emulator.NewGraph(emulator.GraphOptions{})
	emu.SetCalendar("a@contoso.com", nil)
	var tokenForm url.Values
	var tokenAuthHeader, scheduleAuth, schedulePath, contentType string
	var scheduleBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasSuffix(r.URL.Path, "/token") {
			tokenForm, _ = url.ParseQuery(string(body))
			tokenAuthHeader = r.Header.Get("Authorization")
		} else {
			schedulePath, scheduleAuth, contentType = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type")
			_ = json.Unmarshal(body, &scheduleBody)
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: srv.URL + "/", GraphURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 6, 2, 6, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	if _, err := c.GetSchedules(context.Background(), []string{"a@contoso.com"}, start, start.Add(8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantForm := map[string]string{
		"grant_type": "client_credentials", "client_id": emulator.GraphDefaultClientID,
		"client_secret": emulator.GraphDefaultClientSecret, "scope": srv.URL + "/.default",
	}
	for k, v := range wantForm {
		if tokenForm.Get(k) != v {
			t.Errorf("token form %s = %q, want %q", k, tokenForm.Get(k), v)
		}
	}
	if tokenAuthHeader != "" {
		t.Errorf("credentials also sent in a header (%q); AuthStyleInParams sends them in the body only", tokenAuthHeader)
	}
	if schedulePath != "/v1.0/users/"+emulator.GraphDefaultSyncUser+"/calendar/getSchedule" {
		t.Errorf("path = %q", schedulePath)
	}
	if !strings.HasPrefix(scheduleAuth, "Bearer ") || contentType != "application/json" {
		t.Errorf("auth %q, content type %q", scheduleAuth, contentType)
	}
	want := map[string]any{
		"schedules":                []any{"a@contoso.com"},
		"startTime":                map[string]any{"dateTime": "2025-06-02T04:00:00.0000000", "timeZone": "UTC"},
		"endTime":                  map[string]any{"dateTime": "2025-06-02T12:00:00.0000000", "timeZone": "UTC"},
		"availabilityViewInterval": float64(30),
	}
	gotJSON, _ := json.Marshal(scheduleBody)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("body = %s\nwant   %s", gotJSON, wantJSON)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	ok := graph.Options{TenantID: "t", ClientID: "c", ClientSecret: "s", SyncUser: "m@x.com"}
	cases := []struct {
		want   string
		mutate func(o *graph.Options)
	}{
		{"tenant ID is empty", func(o *graph.Options) { o.TenantID = " " }},
		{`tenant ID "a/b" is not valid`, func(o *graph.Options) { o.TenantID = "a/b" }},
		{"client ID is empty", func(o *graph.Options) { o.ClientID = "" }},
		{"client secret is empty", func(o *graph.Options) { o.ClientSecret = "" }},
		{"synchronization user is empty", func(o *graph.Options) { o.SyncUser = "" }},
		{`authority URL "ftp://x" is not valid`, func(o *graph.Options) { o.AuthorityURL = "ftp://x" }},
		{`Graph URL "not a url" is not valid`, func(o *graph.Options) { o.GraphURL = "not a url" }},
		{`Graph URL "https:" is not valid`, func(o *graph.Options) { o.GraphURL = "https://" }},
		{`authority URL "http://login.microsoftonline.com" uses plain http, which is allowed only for a loopback host`,
			func(o *graph.Options) { o.AuthorityURL = "http://login.microsoftonline.com" }},
		{`Graph URL "http://graph.microsoft.com" uses plain http, which is allowed only for a loopback host`,
			func(o *graph.Options) { o.GraphURL = "http://graph.microsoft.com/" }},
		{`Graph URL "http://192.168.1.10:8080" uses plain http`, func(o *graph.Options) { o.GraphURL = "http://192.168.1.10:8080" }},
		{`authority URL "http://127.0.0.1.evil.example" uses plain http`, func(o *graph.Options) { o.AuthorityURL = "http://127.0.0.1.evil.example" }},
		{`authority URL "http://localhost.evil.example:80" uses plain http`, func(o *graph.Options) { o.AuthorityURL = "http://localhost.evil.example:80" }},
	}
	for _, tc := range cases {
		o := ok
		tc.mutate(&o)
		if _, err := graph.New(o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	if _, err := graph.New(ok); err != nil {
		t.Errorf("valid options: %v", err)
	}
	// Plain http stays allowed on loopback hosts: the emulators.
	for _, u := range []string{"http://127.0.0.1:8443", "http://127.5.6.7", "http://[::1]:9000/graph/", "http://LOCALHOST:8080", "https://login.example.com"} {
		o := ok
		o.AuthorityURL, o.GraphURL = u, u
		if _, err := graph.New(o); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
}
