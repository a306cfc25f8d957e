package presence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/rules"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func ruleDecision(s calendar.Status) rules.Decision {
	e := calendar.Event{Status: s}
	return rules.Decision{Rule: 2, Event: &e}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", name, got, want)
	}
}

// The --json report of a real cycle covering every action, against the
// golden file (the contract of issue 4).
func TestReportGolden(t *testing.T) {
	h := newHarness(t, testConfig(
		user("1001", "a@contoso.it"), // set
		user("1002", "b@contoso.it"), // unchanged
		user("1003", "c@contoso.it"), // kept-manual
		user("1004", "x@contoso.it"), // error: unknown mailbox
	))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)))
	h.g.set("c@contoso.it", ev(calendar.OOF, h10, h12))
	h.g.errs["x@contoso.it"] = errors.New("get schedule for x@contoso.it: mailbox not found for mailbox x@contoso.it (5009): The mailbox could not be found")
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "available", Role: "office"})
	h.oc.setByHand("1003", onecloud.Presence{Activity: "lunch", Role: "office"})
	rep := h.sync(false)
	rep.DurationMs = 812
	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", append(out, '\n'))

	// It reads back to the same report (for clients of the local API).
	var back Report
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if !bytes.Equal(out, again) {
		t.Errorf("round trip changed the report:\n%s\n%s", out, again)
	}
}

func TestReportJSONShape(t *testing.T) {
	out, _ := json.Marshal(Report{})
	if string(out) != `{"durationMs":0,"graphRequests":0,"onecloudReads":0,"onecloudWrites":0,"users":[]}` {
		t.Errorf("empty report = %s", out)
	}
	u := UserReport{OneCloudUser: "1001", Mailbox: "a@contoso.it", Activity: "meeting",
		Until: time.Date(2026, 11, 25, 15, 30, 0, 0, time.FixedZone("CET", 3600)), Rule: 0, Action: ActionSet, Current: "busy"}
	out, _ = json.Marshal(u)
	want := `{"onecloudUser":"1001","mailbox":"a@contoso.it","activity":"meeting","role":"","until":"2026-11-25T14:30:00Z","rule":0,"action":"set","error":""}`
	if string(out) != want {
		t.Errorf("user report = %s\nwant          %s", out, want)
	}
	var bad UserReport
	if err := json.Unmarshal([]byte(`{"until":"tomorrow"}`), &bad); err == nil || !strings.Contains(err.Error(), "until") {
		t.Errorf("bad until accepted: %v", err)
	}
}

func TestExitCode(t *testing.T) {
	r := func(actions ...Action) Report {
		var rep Report
		for _, a := range actions {
			rep.Users = append(rep.Users, UserReport{Action: a})
		}
		return rep
	}
	tests := []struct {
		name string
		rep  Report
		err  error
		want int
	}{
		{"all fine", r(ActionSet, ActionUnchanged, ActionKeptManual, ActionWouldSet), nil, ExitOK},
		{"no users", r(), nil, ExitOK},
		{"some failed", r(ActionSet, ActionError), nil, ExitPartial},
		{"all failed", r(ActionError, ActionError), nil, ExitNothing},
		{"config error", r(), &ConfigError{Problems: []string{"rules[0].activity: unknown"}}, ExitConfig},
		{"wrapped config error", r(), errors.Join(errors.New("x"), &ConfigError{}), ExitConfig},
		{"network", r(ActionError), errors.New("read calendars: network error"), ExitNothing},
	}
	for _, tc := range tests {
		if got := ExitCode(tc.rep, tc.err); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestValidateAgainstOneCloud(t *testing.T) {
	oc := newFakeOneCloud()
	known := "known: available, meeting, lunch, away, vacation, busy"
	tests := []struct {
		name  string
		edit  func(c *config.Config)
		wants []string // one substring per expected problem, in order
	}{
		{"all known", func(*config.Config) {}, nil},
		{"typo in a rule", func(c *config.Config) { c.Rules[2].Activity = "meetng" },
			[]string{`rules[2].activity: unknown OneCloud activity "meetng"; ` + known}},
		{"case differs", func(c *config.Config) { c.Rules[1].Activity = "Meeting" },
			[]string{`rules[1].activity: unknown OneCloud activity "Meeting" (did you mean "meeting"? ids are case-sensitive)`}},
		{"display name used", func(c *config.Config) { c.Rules[1].Activity = "Available" },
			[]string{`did you mean "available"`}},
		{"unknown role", func(c *config.Config) { c.Rules[0].Role = "desk" },
			[]string{`rules[0].role: unknown OneCloud role "desk"; known: office, mobile`}},
		{"default activity", func(c *config.Config) { c.DefaultActivity = "free" },
			[]string{`defaultActivity: unknown OneCloud activity "free"`}},
		{"empty default means available", func(c *config.Config) { c.DefaultActivity = "" }, nil},
		{"several", func(c *config.Config) { c.DefaultActivity = "x"; c.Rules[3].Activity = "y"; c.Rules[3].Role = "z" },
			[]string{"defaultActivity", "rules[3].activity", "rules[3].role"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.edit(cfg)
			err := ValidateAgainstOneCloud(cfg, oc.activities, oc.roles)
			if len(tc.wants) == 0 {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) != len(tc.wants) {
				t.Fatalf("error = %v, want %d problems", err, len(tc.wants))
			}
			for i, w := range tc.wants {
				if !strings.Contains(ce.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, ce.Problems[i], w)
				}
			}
		})
	}
}

// An unknown activity stops the cycle before any Graph read or presence
// call, with exit code 2, and OneCloud's lists are read once per engine.
func TestConfigErrorBeforeAnyWrite(t *testing.T) {
	cfg := testConfig(user("1001", "a@contoso.it"))
	cfg.Rules[1].Activity = "meetng"
	h := newHarness(t, cfg)
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	for range 2 {
		rep, err := h.e.SyncOnce(context.Background(), false)
		if ExitCode(rep, err) != ExitConfig || !strings.Contains(err.Error(), `rules[1].activity: unknown OneCloud activity "meetng"`) {
			t.Errorf("SyncOnce = %v (exit %d)", err, ExitCode(rep, err))
		}
	}
	if g, p := h.oc.calls(); g != 0 || p != 0 || h.g.callCount() != 0 {
		t.Errorf("calls despite config error: %d GETs %d PUTs %d Graph", g, p, h.g.callCount())
	}
	if h.oc.catalogCalls != 2 {
		t.Errorf("catalog read %d times, want 2 (activities and roles, once)", h.oc.catalogCalls)
	}
}

// OneCloud's lists unreadable: nothing is synced (exit 4), every user says
// why, and the check is tried again at the next cycle.
func TestCatalogUnreadable(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it")))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "available"})
	h.oc.catalogErr = errNetwork
	rep, err := h.e.SyncOnce(context.Background(), false)
	if ExitCode(rep, err) != ExitNothing || len(rep.Users) != 1 || !strings.Contains(rep.Users[0].Error, "connection refused") {
		t.Errorf("SyncOnce = %+v, %v", rep.Users, err)
	}
	h.oc.catalogErr = nil
	rep, err = h.e.SyncOnce(context.Background(), false)
	if err != nil || rep.Users[0].Action != ActionUnchanged {
		t.Errorf("after recovery: %+v, %v", rep.Users, err)
	}
}
