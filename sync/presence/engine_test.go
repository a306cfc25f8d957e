package presence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/onecloud"
)

// t0 is 10:15 on a Wednesday; the standard meeting runs 10:00-11:00 (UTC).
var (
	t0  = time.Date(2026, 11, 25, 10, 15, 0, 0, time.UTC)
	h10 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	h11 = time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	h12 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

func ev(status calendar.Status, start, end time.Time) calendar.Event {
	return calendar.Event{Start: start, End: end, Status: status}
}

func testConfig(users ...config.User) *config.Config {
	return &config.Config{
		Version:         config.CurrentVersion,
		DefaultActivity: "available",
		Sync:            config.Sync{Interval: "1m", Lookahead: "8h"},
		Rules: []config.Rule{
			{Scope: config.ScopeOrganization, Type: config.TypePrivate, Match: "true", Activity: "busy"},
			{Scope: config.ScopeOrganization, Type: config.TypeAvailability, Match: "busy", Activity: "meeting"},
			{Scope: config.ScopeOrganization, Type: config.TypeAvailability, Match: "oof", Activity: "vacation"},
			{Scope: config.ScopeOrganization, Type: config.TypeSubject, Match: "*lunch*", Activity: "lunch"},
		},
		Users: users,
	}
}

func user(id, mailbox string) config.User {
	return config.User{OneCloudUser: id, Mailbox: mailbox, Enabled: true}
}

type harness struct {
	t    *testing.T
	cfg  *config.Config
	g    *fakeGraph
	oc   *fakeOneCloud
	clk  *clock.Fake
	path string
	logs *bytes.Buffer
	e    *Engine
}

// newHarness builds an engine over fakes, with state in a temp dir and the
// note's zone UTC.
func newHarness(t *testing.T, cfg *config.Config) *harness {
	t.Helper()
	h := &harness{t: t, cfg: cfg, g: newFakeGraph(), oc: newFakeOneCloud(), clk: clock.NewFake(t0),
		path: filepath.Join(t.TempDir(), "state.json"), logs: &bytes.Buffer{}}
	h.e = h.engine()
	return h
}

// engine makes a new engine on the same fakes and state file: a restart.
func (h *harness) engine() *Engine {
	h.t.Helper()
	e, err := New(h.cfg, Deps{Schedules: h.g, OneCloud: h.oc, Catalog: h.oc}, Options{
		StatePath: h.path, Clock: h.clk, Location: time.UTC,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	return e
}

func (h *harness) sync(dryRun bool) Report {
	h.t.Helper()
	rep, err := h.e.SyncOnce(context.Background(), dryRun)
	if err != nil {
		h.t.Fatalf("SyncOnce: %v", err)
	}
	return rep
}

func presenceString(p onecloud.Presence) string {
	s := p.Activity + "/" + p.Role
	if !p.Until.IsZero() {
		s += "/until " + p.Until.UTC().Format("15:04")
	}
	return s
}

// The manual-override cases of issue 4, one decision each, for a user in a
// 10:00-11:00 busy meeting at 10:15 (desired: meeting until 11:00, rule 1).
func TestManualOverride(t *testing.T) {
	office := "office"
	tests := []struct {
		name       string
		state      UserState // before the decision
		current    onecloud.Presence
		beforePut  func(f *fakeOneCloud, id string, n int)
		wantAction Action
		wantReads  int // presence GETs
		wantWrites int // presence PUTs
		wantFinal  string
		wantError  string // substring
		wantKept   bool   // state.KeptManual after
		wantApply  string // state.Applied.Activity after ("" none)
	}{
		{
			name:       "current equals desired",
			current:    onecloud.Presence{Activity: "meeting", Role: office, Until: h11},
			wantAction: ActionUnchanged, wantReads: 1, wantWrites: 0,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:       "current equals desired except the note",
			current:    onecloud.Presence{Activity: "meeting", Role: "mobile", Note: "typed by a person", Until: h11},
			wantAction: ActionUnchanged, wantReads: 1, wantWrites: 0,
			wantFinal: "meeting/mobile/until 11:00", wantApply: "meeting",
		},
		{
			name:       "current is the default",
			current:    onecloud.Presence{Activity: "available", Role: office},
			wantAction: ActionSet, wantReads: 1, wantWrites: 1,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:       "current is the default with a note",
			current:    onecloud.Presence{Activity: "available", Role: office, Note: "back at 3"},
			wantAction: ActionSet, wantReads: 1, wantWrites: 1,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:       "default activity with an until in the future is a person's",
			current:    onecloud.Presence{Activity: "available", Role: office, Until: h12},
			wantAction: ActionKeptManual, wantReads: 1, wantWrites: 0,
			wantFinal: "available/office/until 12:00", wantKept: true,
		},
		{
			name:       "current has lapsed",
			current:    onecloud.Presence{Activity: "lunch", Role: office, Until: h10},
			wantAction: ActionSet, wantReads: 1, wantWrites: 1,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:       "current equals last applied",
			state:      UserState{Applied: AppliedPresence{Activity: "lunch", Role: office, Until: h12}, LastDesired: Desired{Activity: "lunch", Until: h12}},
			current:    onecloud.Presence{Activity: "lunch", Role: office, Note: "reworded", Until: h12},
			wantAction: ActionSet, wantReads: 1, wantWrites: 1,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:       "current equals a write whose answer was lost",
			state:      UserState{Applied: AppliedPresence{Activity: "available", Role: office}, Attempted: AppliedPresence{Activity: "vacation", Role: office, Until: h12}},
			current:    onecloud.Presence{Activity: "vacation", Role: office, Until: h12},
			wantAction: ActionSet, wantReads: 1, wantWrites: 1,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:       "current set by hand",
			current:    onecloud.Presence{Activity: "away", Role: office},
			wantAction: ActionKeptManual, wantReads: 1, wantWrites: 0,
			wantFinal: "away/office", wantKept: true,
		},
		{
			name:       "our presence with the role changed by hand",
			state:      UserState{Applied: AppliedPresence{Activity: "lunch", Role: office, Until: h12}},
			current:    onecloud.Presence{Activity: "lunch", Role: "mobile", Until: h12},
			wantAction: ActionKeptManual, wantReads: 1, wantWrites: 0,
			wantFinal: "lunch/mobile/until 12:00", wantKept: true,
		},
		{
			name:    "412, then the default again: re-read and set",
			current: onecloud.Presence{Activity: "available", Role: office},
			beforePut: func(f *fakeOneCloud, id string, n int) {
				if n == 1 {
					f.setByHand(id, onecloud.Presence{Activity: "available", Role: "mobile"})
				}
			},
			wantAction: ActionSet, wantReads: 2, wantWrites: 2,
			wantFinal: "meeting/mobile/until 11:00", wantApply: "meeting",
		},
		{
			name:    "412, then set by hand: re-read and keep",
			current: onecloud.Presence{Activity: "available", Role: office},
			beforePut: func(f *fakeOneCloud, id string, n int) {
				f.setByHand(id, onecloud.Presence{Activity: "lunch", Role: office})
			},
			wantAction: ActionKeptManual, wantReads: 2, wantWrites: 1,
			wantFinal: "lunch/office", wantKept: true,
		},
		{
			name:    "412, then already desired: re-read and record",
			current: onecloud.Presence{Activity: "available", Role: office},
			beforePut: func(f *fakeOneCloud, id string, n int) {
				f.setByHand(id, onecloud.Presence{Activity: "meeting", Role: office, Until: h11})
			},
			wantAction: ActionUnchanged, wantReads: 2, wantWrites: 1,
			wantFinal: "meeting/office/until 11:00", wantApply: "meeting",
		},
		{
			name:    "412 twice: error, no blind overwrite",
			current: onecloud.Presence{Activity: "available", Role: office},
			beforePut: func(f *fakeOneCloud, id string, n int) {
				// Someone keeps touching it, each time back to the default.
				f.setByHand(id, onecloud.Presence{Activity: "available", Role: office})
			},
			wantAction: ActionError, wantReads: 2, wantWrites: 2,
			wantFinal: "available/office", wantError: "changed again while being updated",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
			h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
			h.oc.setByHand("1001", tc.current)
			h.oc.beforePut = tc.beforePut
			if tc.state != (UserState{}) {
				h.e.store.Update("1001", t0.Add(-time.Hour), func(s *UserState) { *s = tc.state })
			}

			rep := h.sync(false)

			if len(rep.Users) != 1 {
				t.Fatalf("users = %d, want 1", len(rep.Users))
			}
			u := rep.Users[0]
			if u.Action != tc.wantAction {
				t.Errorf("action = %s (error %q), want %s", u.Action, u.Error, tc.wantAction)
			}
			// The desired presence is reported whatever happened.
			if u.Activity != "meeting" || !u.Until.Equal(h11) || u.Rule != 1 {
				t.Errorf("reported desired = %s until %v rule %d, want meeting until 11:00 rule 1", u.Activity, u.Until, u.Rule)
			}
			if tc.wantError == "" && u.Error != "" || !strings.Contains(u.Error, tc.wantError) {
				t.Errorf("error = %q, want it to contain %q", u.Error, tc.wantError)
			}
			gets, puts := h.oc.calls()
			if gets != tc.wantReads || puts != tc.wantWrites {
				t.Errorf("OneCloud GETs/PUTs = %d/%d, want %d/%d", gets, puts, tc.wantReads, tc.wantWrites)
			}
			// The report counts the same calls plus the two catalog reads.
			if rep.OneCloudReads != tc.wantReads+2 || rep.OneCloudWrites != tc.wantWrites {
				t.Errorf("report reads/writes = %d/%d, want %d/%d", rep.OneCloudReads, rep.OneCloudWrites, tc.wantReads+2, tc.wantWrites)
			}
			if got := presenceString(h.oc.get("1001")); got != tc.wantFinal {
				t.Errorf("OneCloud presence = %s, want %s", got, tc.wantFinal)
			}
			st, _ := h.e.store.User("1001")
			if st.KeptManual != tc.wantKept || st.Applied.Activity != tc.wantApply {
				t.Errorf("state keptManual=%v applied=%q, want %v %q", st.KeptManual, st.Applied.Activity, tc.wantKept, tc.wantApply)
			}
			if !st.LastDesired.Equal(Desired{Activity: "meeting", Until: h11}) {
				t.Errorf("state lastDesired = %+v", st.LastDesired)
			}
			if tc.wantAction == ActionSet {
				if n := h.oc.get("1001").Note; n != "Calendar: busy until 11:00" {
					t.Errorf("note = %q", n)
				}
			}
		})
	}
}

// A kept-manual user is not read again while desired stays the same, and is
// decided anew when it changes.
func TestKeptManualRetriedOnlyWhenDesiredChanges(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11), ev(calendar.OOF, h11, h12))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "away", Role: "office"})

	steps := []struct {
		at         time.Time
		byHand     *onecloud.Presence // applied before the cycle
		wantAction Action
		wantGets   int // cumulative
		wantPuts   int // cumulative
		wantFinal  string
	}{
		{at: t0, wantAction: ActionKeptManual, wantGets: 1, wantFinal: "away/office"},
		// Same desired (meeting until 11:00): not even read.
		{at: t0.Add(time.Minute), wantAction: ActionKeptManual, wantGets: 1, wantFinal: "away/office"},
		// The person goes back to the default; we do not know it, and the
		// desired presence has not changed: still not read.
		{at: t0.Add(2 * time.Minute), byHand: &onecloud.Presence{Activity: "available", Role: "office"},
			wantAction: ActionKeptManual, wantGets: 1, wantFinal: "available/office"},
		// 11:00: desired changes to vacation: read, find the default, set.
		{at: h11, wantAction: ActionSet, wantGets: 2, wantPuts: 1, wantFinal: "vacation/office/until 12:00"},
		// Steady again: no call.
		{at: h11.Add(time.Minute), wantAction: ActionUnchanged, wantGets: 2, wantPuts: 1, wantFinal: "vacation/office/until 12:00"},
	}
	for i, s := range steps {
		if s.byHand != nil {
			h.oc.setByHand("1001", *s.byHand)
		}
		h.clk.Set(s.at)
		u := h.sync(false).Users[0]
		gets, puts := h.oc.calls()
		if u.Action != s.wantAction || gets != s.wantGets || puts != s.wantPuts {
			t.Errorf("step %d: action %s gets %d puts %d, want %s %d %d", i, u.Action, gets, puts, s.wantAction, s.wantGets, s.wantPuts)
		}
		if got := presenceString(h.oc.get("1001")); got != s.wantFinal {
			t.Errorf("step %d: presence %s, want %s", i, got, s.wantFinal)
		}
	}
}

// A kept presence with its own until is read again once that until passes,
// though desired has not changed: it has lapsed.
func TestKeptManualLapses(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h12))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "lunch", Role: "office", Until: h11})
	steps := []struct {
		at       time.Time
		want     Action
		wantGets int
	}{
		{t0, ActionKeptManual, 1},
		{h11.Add(-time.Minute), ActionKeptManual, 1},
		{h11, ActionSet, 2},
	}
	for i, s := range steps {
		h.clk.Set(s.at)
		u := h.sync(false).Users[0]
		if gets, _ := h.oc.calls(); u.Action != s.want || gets != s.wantGets {
			t.Errorf("step %d: %s with %d GETs, want %s with %d", i, u.Action, gets, s.want, s.wantGets)
		}
	}
	if got := presenceString(h.oc.get("1001")); got != "meeting/office/until 12:00" {
		t.Errorf("presence = %s", got)
	}
}

// Desired equal to the last applied presence costs no OneCloud call at all.
func TestDesiredEqualsAppliedMakesNoCall(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "available", Role: "office"})

	first := h.sync(false)
	if first.Users[0].Action != ActionSet || first.Users[1].Action != ActionUnchanged {
		t.Fatalf("first cycle actions = %s, %s", first.Users[0].Action, first.Users[1].Action)
	}
	g0, p0 := h.oc.calls()
	for i := 1; i <= 3; i++ {
		h.clk.Advance(time.Minute)
		rep := h.sync(false)
		if rep.OneCloudReads != 0 || rep.OneCloudWrites != 0 {
			t.Errorf("cycle %d: report reads/writes = %d/%d, want 0/0", i, rep.OneCloudReads, rep.OneCloudWrites)
		}
		for _, u := range rep.Users {
			if u.Action != ActionUnchanged {
				t.Errorf("cycle %d: user %s action %s", i, u.OneCloudUser, u.Action)
			}
		}
	}
	if g, p := h.oc.calls(); g != g0 || p != p0 {
		t.Errorf("OneCloud calls after steady cycles: %d GETs %d PUTs, want %d %d", g, p, g0, p0)
	}
	if h.oc.catalogCalls != 2 {
		t.Errorf("activities/roles read %d times, want once each per engine", h.oc.catalogCalls)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "lunch", Role: "office"})

	rep := h.sync(true)
	if a := rep.Users[0].Action; a != ActionWouldSet {
		t.Errorf("user 1001 action = %s, want would-set", a)
	}
	if a := rep.Users[1].Action; a != ActionKeptManual {
		t.Errorf("user 1002 action = %s, want kept-manual", a)
	}
	if _, puts := h.oc.calls(); puts != 0 || rep.OneCloudWrites != 0 {
		t.Errorf("dry run made %d PUTs (report %d)", puts, rep.OneCloudWrites)
	}
	if _, err := os.Stat(h.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote the state file (stat: %v)", err)
	}
	if len(h.e.State().Users) != 0 {
		t.Errorf("dry run changed the state: %+v", h.e.State().Users)
	}
	// A real run afterwards does what the dry run announced.
	rep = h.sync(false)
	if rep.Users[0].Action != ActionSet || rep.Users[1].Action != ActionKeptManual {
		t.Errorf("real run actions = %s, %s", rep.Users[0].Action, rep.Users[1].Action)
	}
}

// One failing user never stops the others.
func TestFailureIsolation(t *testing.T) {
	cfg := testConfig(
		user("1001", "a@contoso.it"),
		user("1002", "nobody@contoso.it"), // unknown mailbox
		user("1003", "c@contoso.it"),      // unknown in OneCloud (404)
		user("1004", "d@contoso.it"),      // PUT refused (422)
		user("1005", "e@contoso.it"),      // GET fails (network)
		user("1006", "f@contoso.it"),
		config.User{OneCloudUser: "1007", Mailbox: "g@contoso.it"}, // disabled: not synced
	)
	h := newHarness(t, cfg)
	for _, m := range []string{"a", "c", "d", "e", "f", "g"} {
		h.g.set(m+"@contoso.it", ev(calendar.Busy, h10, h11))
	}
	h.g.errs["nobody@contoso.it"] = errors.New("get schedule for nobody@contoso.it: mailbox not found for mailbox nobody@contoso.it (5009)")
	for _, id := range []string{"1001", "1002", "1004", "1005", "1006", "1007"} {
		h.oc.setByHand(id, onecloud.Presence{Activity: "available", Role: "office"})
	}
	h.oc.putErr["1004"] = &onecloud.APIError{Status: http.StatusUnprocessableEntity, Code: "unknown_role", Op: "put presence of 1004"}
	h.oc.getErr["1005"] = errNetwork

	rep, err := h.e.SyncOnce(context.Background(), false)
	if err != nil {
		t.Fatalf("SyncOnce: %v", err)
	}
	want := []struct {
		id, action, errPart string
	}{
		{"1001", "set", ""},
		{"1002", "error", "mailbox not found"},
		{"1003", "error", "404"},
		{"1004", "error", "422"},
		{"1005", "error", "connection refused"},
		{"1006", "set", ""},
	}
	if len(rep.Users) != len(want) {
		t.Fatalf("users = %d, want %d (disabled users are not reported)", len(rep.Users), len(want))
	}
	for i, w := range want {
		u := rep.Users[i]
		if u.OneCloudUser != w.id || string(u.Action) != w.action || !strings.Contains(u.Error, w.errPart) || (w.errPart == "" && u.Error != "") {
			t.Errorf("users[%d] = %s %s %q, want %s %s containing %q", i, u.OneCloudUser, u.Action, u.Error, w.id, w.action, w.errPart)
		}
	}
	if got := ExitCode(rep, err); got != ExitPartial {
		t.Errorf("exit code = %d, want %d", got, ExitPartial)
	}
	if got := presenceString(h.oc.get("1007")); got != "available/office" {
		t.Errorf("disabled user's presence changed to %s", got)
	}
	st, _ := h.e.store.User("1004")
	if st.LastError == "" || st.LastAction != ActionError {
		t.Errorf("state of failed user = %+v", st)
	}
}

// A failed write is tried again at the next cycle, and a write whose answer
// was lost is recognised as ours.
func TestFailedWriteRetriedNextCycle(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.putErr["1001"] = &onecloud.APIError{Status: http.StatusServiceUnavailable, Op: "put presence of 1001"}

	if u := h.sync(false).Users[0]; u.Action != ActionError {
		t.Fatalf("first cycle action = %s, want error", u.Action)
	}
	st, _ := h.e.store.User("1001")
	if st.Attempted.Activity != "meeting" {
		t.Errorf("attempted write not remembered: %+v", st)
	}

	delete(h.oc.putErr, "1001")
	h.clk.Advance(time.Minute)
	if u := h.sync(false).Users[0]; u.Action != ActionSet {
		t.Errorf("second cycle action = %s (%s), want set", u.Action, u.Error)
	}
	st, _ = h.e.store.User("1001")
	if !st.Attempted.IsZero() || st.LastError != "" {
		t.Errorf("state after success = %+v", st)
	}
}

func TestNothingReadable(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it")))
	h.g.fail = errors.New("wrong client secret (AADSTS7000215): invalid client secret")
	rep, err := h.e.SyncOnce(context.Background(), false)
	if err == nil {
		t.Fatal("SyncOnce: no error when nothing could be read")
	}
	if len(rep.Users) != 2 || rep.Users[0].Action != ActionError || !strings.Contains(rep.Users[1].Error, "AADSTS7000215") {
		t.Errorf("users = %+v", rep.Users)
	}
	if got := ExitCode(rep, err); got != ExitNothing {
		t.Errorf("exit code = %d, want %d", got, ExitNothing)
	}
	if g, p := h.oc.calls(); g != 0 || p != 0 {
		t.Errorf("OneCloud presence calls = %d/%d, want none", g, p)
	}
}

func TestAllUsersFailedIsExit4(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.oc.getErr["1001"] = errNetwork
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
	rep, err := h.e.SyncOnce(context.Background(), false)
	if got := ExitCode(rep, err); got != ExitNothing {
		t.Errorf("exit code = %d (err %v), want %d", got, err, ExitNothing)
	}
}

// A restart between cycles changes nothing in OneCloud, and does not even
// read it or rewrite the state file.
func TestRestartCausesNoWrite(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it"), user("1003", "c@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
	h.g.set("c@contoso.it", ev(calendar.OOF, h10, h12))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1003", onecloud.Presence{Activity: "away", Role: "office"}) // kept-manual
	h.sync(false)
	saved, err := os.ReadFile(h.path)
	if err != nil {
		t.Fatalf("state file not written: %v", err)
	}
	info, _ := os.Stat(h.path)
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode = %v, want 0600", perm)
	}
	g0, p0 := h.oc.calls()

	h.e = h.engine() // restart
	h.clk.Advance(time.Minute)
	rep := h.sync(false)
	g1, p1 := h.oc.calls()
	if p1 != p0 || g1 != g0 {
		t.Errorf("after restart: %d GETs %d PUTs, want none", g1-g0, p1-p0)
	}
	for _, u := range rep.Users {
		want := ActionUnchanged
		if u.OneCloudUser == "1003" {
			want = ActionKeptManual
		}
		if u.Action != want {
			t.Errorf("after restart user %s: %s, want %s", u.OneCloudUser, u.Action, want)
		}
	}
	again, _ := os.ReadFile(h.path)
	if !bytes.Equal(saved, again) {
		t.Errorf("state file rewritten by a cycle that changed nothing:\n%s\n---\n%s", saved, again)
	}
}

func TestCorruptStateFile(t *testing.T) {
	tests := []struct {
		name, content, problem string
	}{
		{"garbage", "not json at all", "not valid JSON"},
		{"empty", "", "not valid JSON"},
		{"torn", `{"version":1,"users":{"1001":{"applied":{"activity":"meet`, "not valid JSON"},
		{"no version", `{"users":{}}`, "version: missing"},
		{"newer version", `{"version":99,"users":{}}`, "newer"},
		{"two objects", `{"version":1,"users":{}} {}`, "data after"},
		{"wrong shape", `{"version":1,"users":[]}`, "not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
			if err := os.WriteFile(h.path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			h.logs.Reset()
			h.e = h.engine()
			bak, err := os.ReadFile(h.path + ".bak")
			if err != nil || string(bak) != tc.content {
				t.Errorf("corrupt file not moved aside intact: %q, %v", bak, err)
			}
			if _, err := os.Stat(h.path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt file still in place")
			}
			if log := h.logs.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, tc.problem) {
				t.Errorf("warning not logged or without %q: %s", tc.problem, log)
			}
			// Empty state: one read, then the usual decision.
			h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
			h.oc.setByHand("1001", onecloud.Presence{Activity: "meeting", Role: "office", Until: h11})
			rep := h.sync(false)
			if rep.Users[0].Action != ActionUnchanged || rep.OneCloudReads != 3 || rep.OneCloudWrites != 0 {
				t.Errorf("after corrupt state: %s, %d reads, %d writes", rep.Users[0].Action, rep.OneCloudReads, rep.OneCloudWrites)
			}
			if _, err := os.Stat(h.path); err != nil {
				t.Errorf("fresh state not saved: %v", err)
			}
		})
	}
}

func TestStateFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 10, 15, 0, 0, time.FixedZone("CET", 3600))
	s.Update("1001", at, func(u *UserState) {
		u.Applied = AppliedPresence{Activity: "meeting", Role: "office", Note: "Calendar: busy until 11:00", Until: h11, At: at}
		u.LastDesired = Desired{Activity: "meeting", Until: h11}
		u.LastAction = ActionSet
	})
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s2.User("1001")
	want, _ := s.User("1001")
	if !ok || !sameState(got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
	// Updating with identical values does not dirty the store.
	s2.Update("1001", at.Add(time.Hour), func(u *UserState) { u.Applied.Until = h11.In(time.Local) })
	if s2.Dirty() {
		t.Error("an update that changes nothing marked the state dirty")
	}
}

// The report counts Graph requests (from the reader's Stats when it has
// them), OneCloud reads and writes.
func TestReportCounts(t *testing.T) {
	var users []config.User
	for i := range 45 {
		id := fmt.Sprintf("1%02d", i)
		users = append(users, user(id, "u"+id+"@contoso.it"))
	}
	cfg := testConfig(users...)
	cfg.Rules = append(cfg.Rules, config.Rule{Scope: "group:sales", Type: config.TypeAvailability, Match: "tentative", Activity: "meeting"})
	h := newHarness(t, cfg)
	sg := &statsGraph{fakeGraph: h.g}
	e, err := New(cfg, Deps{Schedules: sg, OneCloud: h.oc, Catalog: h.oc}, Options{Clock: h.clk, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range users {
		h.oc.setByHand(u.OneCloudUser, onecloud.Presence{Activity: "available"})
		if i%3 == 0 {
			h.g.set(u.Mailbox, ev(calendar.Busy, h10, h11))
		}
	}
	rep, err := e.SyncOnce(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	// 45 mailboxes: ceil(45/20) = 3 getSchedule requests; OneCloud: 2
	// catalog reads + 1 groups read + 45 presence reads; 15 writes.
	if rep.GraphRequests != 3 || rep.OneCloudReads != 48 || rep.OneCloudWrites != 15 {
		t.Errorf("counts graph %d, onecloud reads %d writes %d; want 3, 48, 15", rep.GraphRequests, rep.OneCloudReads, rep.OneCloudWrites)
	}
	if h.g.callCount() != 1 {
		t.Errorf("GetSchedules called %d times, want 1", h.g.callCount())
	}
	h.clk.Advance(time.Minute)
	rep, _ = e.SyncOnce(context.Background(), false)
	if rep.GraphRequests != 3 || rep.OneCloudReads != 1 || rep.OneCloudWrites != 0 {
		t.Errorf("steady cycle: graph %d, reads %d, writes %d; want 3, 1 (groups), 0", rep.GraphRequests, rep.OneCloudReads, rep.OneCloudWrites)
	}
}

func TestGroupsReadOnlyForGroupRules(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	h.sync(false)
	if h.oc.groupCalls != 0 {
		t.Errorf("groups read %d times without any group rule", h.oc.groupCalls)
	}

	cfg := testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it"))
	// For sales, a busy event means "busy", before the organization's "meeting".
	cfg.Rules = append([]config.Rule{{Scope: "group:sales", Type: config.TypeAvailability, Match: "busy", Activity: "busy", Role: "mobile"}}, cfg.Rules...)
	h = newHarness(t, cfg)
	h.oc.groups = []onecloud.Group{{ID: "sales", Name: "Sales", Members: []string{"1002"}}}
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11))
	h.g.set("b@contoso.it", ev(calendar.Busy, h10, h11))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "available", Role: "office"})
	rep := h.sync(false)
	if h.oc.groupCalls != 1 {
		t.Errorf("groups read %d times in one cycle, want 1", h.oc.groupCalls)
	}
	if got := presenceString(h.oc.get("1001")); got != "meeting/office/until 11:00" {
		t.Errorf("1001 (no group) = %s", got)
	}
	if got := presenceString(h.oc.get("1002")); got != "busy/mobile/until 11:00" {
		t.Errorf("1002 (sales) = %s", got)
	}
	if rep.Users[1].Rule != 0 || rep.Users[1].Role != "mobile" {
		t.Errorf("1002 report = %+v", rep.Users[1])
	}
}

// Back-to-back meetings give one presence until the last ends: nothing is
// written at the seam.
func TestBackToBackNoWriteAtSeam(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11), ev(calendar.Busy, h11, h12))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	rep := h.sync(false)
	if u := rep.Users[0]; !u.Until.Equal(h12) || u.Action != ActionSet {
		t.Fatalf("first: %s until %v, want set until 12:00", u.Action, u.Until)
	}
	if n := h.oc.get("1001").Note; n != "Calendar: busy until 12:00" {
		t.Errorf("note = %q", n)
	}
	h.clk.Set(h11)
	rep = h.sync(false)
	if rep.OneCloudReads != 0 || rep.OneCloudWrites != 0 || rep.Users[0].Action != ActionUnchanged {
		t.Errorf("at the seam: %s, %d reads, %d writes", rep.Users[0].Action, rep.OneCloudReads, rep.OneCloudWrites)
	}
	h.clk.Set(h12)
	rep = h.sync(false)
	if got := presenceString(h.oc.get("1001")); got != "available/" || rep.Users[0].Rule != -1 || h.oc.get("1001").Note != "" {
		t.Errorf("after the meetings: %s rule %d note %q", got, rep.Users[0].Rule, h.oc.get("1001").Note)
	}
}

// A private event's subject and location never reach OneCloud, the report
// or the log.
func TestPrivateTextNeverLeaves(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	secret := calendar.Event{Start: h10, End: h11, Status: calendar.Busy, Private: true,
		Subject: "Oncology appointment lunch", Location: "Clinic Via Roma 1"}
	h.g.set("a@contoso.it", secret)
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	rep := h.sync(false)
	u := rep.Users[0]
	if u.Activity != "busy" || u.Rule != 0 || u.Current != "busy (private)" {
		t.Errorf("private event: %+v", u)
	}
	out, _ := rep.MarshalJSON()
	state, _ := os.ReadFile(h.path)
	for _, where := range []string{h.oc.get("1001").Note, string(out), h.logs.String(), string(state)} {
		if strings.Contains(where, "Oncology") || strings.Contains(where, "Clinic") {
			t.Errorf("private text leaked: %s", where)
		}
	}
}

func TestNoteTimeZoneAndDay(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	d := ruleDecision(calendar.OOF)
	tests := []struct {
		until time.Time
		loc   *time.Location
		want  string
	}{
		{h11, time.UTC, "Calendar: out of office until 11:00"},
		{h11, rome, "Calendar: out of office until 12:00"},
		{h11.Add(48 * time.Hour), rome, "Calendar: out of office until Fri 27 Nov 12:00"},
		{time.Time{}, rome, "Calendar: out of office"},
	}
	for _, tc := range tests {
		if got := note(d, Desired{Activity: "vacation", Until: tc.until}, t0, tc.loc); got != tc.want {
			t.Errorf("note(until %v in %v) = %q, want %q", tc.until, tc.loc, got, tc.want)
		}
	}
}

func TestNextBoundary(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it"), user("1003", "c@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11), ev(calendar.Busy, h11, h12)) // changes at 12:00 only
	h.g.set("b@contoso.it", ev(calendar.Busy, h11, h12))                              // 11:00
	h.g.set("c@contoso.it", ev(calendar.OOF, h10, h11))                               // 11:00
	if _, _, ok := h.e.NextBoundary(t0); ok {
		t.Error("boundary before any poll")
	}
	if _, err := h.e.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	at, users, ok := h.e.NextBoundary(t0)
	if !ok || !at.Equal(h11) || strings.Join(users, ",") != "1002,1003" {
		t.Errorf("next boundary = %v %v %v, want 11:00 [1002 1003]", at, users, ok)
	}
	at, users, ok = h.e.NextBoundary(h11)
	if !ok || !at.Equal(h12) || strings.Join(users, ",") != "1001,1002" {
		t.Errorf("after 11:00 = %v %v %v, want 12:00 [1001 1002]", at, users, ok)
	}
}

// Apply at a boundary recomputes only the named users from the cache,
// without calling Graph.
func TestApplyFromCacheAtBoundary(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h11, h12))
	h.g.set("b@contoso.it", ev(calendar.Busy, h11, h12))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "available"})
	h.sync(false)
	calls := h.g.callCount()

	h.clk.Set(h11)
	rep, err := h.e.Apply(context.Background(), []string{"1002", "9999"}, h11, false)
	if err != nil {
		t.Fatal(err)
	}
	if h.g.callCount() != calls {
		t.Error("Apply called Graph")
	}
	if len(rep.Users) != 2 || rep.Users[0].OneCloudUser != "1002" || rep.Users[0].Action != ActionSet ||
		rep.Users[1].OneCloudUser != "9999" || rep.Users[1].Action != ActionError {
		t.Errorf("apply report = %+v", rep.Users)
	}
	if got := h.oc.get("1001").Activity; got != "available" {
		t.Errorf("user not named was written: %s", got)
	}
	// Beyond the polled window the cache is not trusted.
	rep, _ = h.e.Apply(context.Background(), []string{"1001"}, t0.Add(9*time.Hour), false)
	if rep.Users[0].Action != ActionError || !strings.Contains(rep.Users[0].Error, "does not cover") {
		t.Errorf("stale cache: %+v", rep.Users[0])
	}
}

// Poll failing keeps the previous schedules for Apply.
func TestPollFailureKeepsCache(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h11, h12))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	if _, err := h.e.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.g.fail = errors.New("throttled")
	if _, err := h.e.Poll(context.Background()); err == nil {
		t.Fatal("poll error not returned")
	}
	rep, err := h.e.Apply(context.Background(), nil, h11, false)
	if err != nil || rep.Users[0].Action != ActionSet {
		t.Errorf("apply after failed poll: %+v %v", rep.Users, err)
	}
}

// Poll, Apply, NextBoundary and State may run at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	var users []config.User
	for _, id := range []string{"1001", "1002", "1003", "1004", "1005", "1006"} {
		users = append(users, user(id, id+"@contoso.it"))
	}
	h := newHarness(t, testConfig(users...))
	for _, u := range users {
		h.g.set(u.Mailbox, ev(calendar.Busy, h10, h11))
		h.oc.setByHand(u.OneCloudUser, onecloud.Presence{Activity: "available"})
	}
	ctx := context.Background()
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 20 {
				_, _ = h.e.Poll(ctx)
				_, _ = h.e.Apply(ctx, []string{"1001", "1003"}, t0, false)
				_, _, _ = h.e.NextBoundary(t0)
				_ = h.e.State()
				_, _ = h.e.SyncOnce(ctx, false)
			}
		}()
	}
	for range 4 {
		<-done
	}
	// However interleaved, each user was written exactly once.
	if _, puts := h.oc.calls(); puts != len(users) {
		t.Errorf("PUTs = %d, want %d", puts, len(users))
	}
}

func TestDuplicateUserReported(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1001", "b@contoso.it")))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	rep := h.sync(false)
	if len(rep.Users) != 2 || rep.Users[0].Action != ActionUnchanged || rep.Users[1].Action != ActionError ||
		!strings.Contains(rep.Users[1].Error, "more than once") {
		t.Errorf("users = %+v", rep.Users)
	}
}

func TestSyncOnceDuration(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	h.oc.beforePut = nil
	slow := &slowGraph{fakeGraph: h.g, clk: h.clk, took: 812 * time.Millisecond}
	e, err := New(h.cfg, Deps{Schedules: slow, OneCloud: h.oc}, Options{Clock: h.clk})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.SyncOnce(context.Background(), false)
	if err != nil || rep.DurationMs != 812 {
		t.Errorf("durationMs = %d (err %v), want 812 from the injected clock", rep.DurationMs, err)
	}
}

// slowGraph advances the fake clock as if the read took a while.
type slowGraph struct {
	*fakeGraph
	clk  *clock.Fake
	took time.Duration
}

func (g *slowGraph) GetSchedules(ctx context.Context, m []string, s, e time.Time) ([]calendar.Schedule, error) {
	g.clk.Advance(g.took)
	return g.fakeGraph.GetSchedules(ctx, m, s, e)
}

func TestNewRejectsBadConfig(t *testing.T) {
	g, oc := newFakeGraph(), newFakeOneCloud()
	cfg := testConfig()
	cfg.Rules = append(cfg.Rules, config.Rule{Scope: "organization", Type: "colour", Match: "x", Activity: "away"})
	_, err := New(cfg, Deps{Schedules: g, OneCloud: oc}, Options{})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "rules[4].type") {
		t.Errorf("bad rule: %v", err)
	}
	cfg = testConfig()
	cfg.Sync.Lookahead = "eight hours"
	if _, err := New(cfg, Deps{Schedules: g, OneCloud: oc}, Options{}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "sync.lookahead") {
		t.Errorf("bad lookahead: %v", err)
	}
	if _, err := New(testConfig(), Deps{}, Options{}); err == nil {
		t.Error("missing deps accepted")
	}
}
