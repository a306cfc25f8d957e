package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/daemon"
	"github.com/calsync/calsync/sync/demo"
	"github.com/calsync/calsync/sync/localapi"
)

// TestStatusServiceDown: with nothing listening, calsync status exits 3 and
// says what to run, in both forms.
func TestStatusServiceDown(t *testing.T) {
	dir, err := os.MkdirTemp("", "cs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	vars := map[string]string{"CALSYNC_CONFIG": filepath.Join(dir, "config.json")}
	for _, args := range [][]string{{"status"}, {"status", "--json"}} {
		r := runCLI(t, vars, "", args...)
		if r.code != exitServiceDown {
			t.Fatalf("%v: %s; want exit %d", args, r, exitServiceDown)
		}
		if r.stdout != "" {
			t.Errorf("%v printed %q on stdout with no service", args, r.stdout)
		}
		if !strings.Contains(r.stderr, "calsync service start") || !strings.Contains(r.stderr, "not") {
			t.Errorf("%v: the error does not say to start (or install) the service:\n%s", args, r.stderr)
		}
	}
}

// TestStatusFromRunningService runs the service's daemon on the demo office,
// waits for its first sync and reads it back with calsync status: --json is
// the local API's Status object, the table one line per person.
func TestStatusFromRunningService(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	office, err := demo.NewOffice(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer office.Close()
	d := daemon.New(daemon.Options{ConfigPath: office.ConfigPath, Secrets: office.Secrets, Logger: slog.New(slog.DiscardHandler), Version: "v9.9.9-test"})
	done := make(chan error, 1)
	go func() { done <- d.ListenAndRun(ctx) }()
	defer func() { cancel(); <-done }()
	client := localapi.NewClient(d.SocketPath())
	var st localapi.Status
	for {
		st, err = client.Status(ctx)
		// Settled: presence written, and every job (contacts too) has run once and none runs,
		// so the two status reads below cannot see a job finish in between.
		if err == nil && !st.LastSync.IsZero() && len(office.OneCloud.Writes()) > 0 && jobsSettled(st) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the service did not sync the demo office: %+v, %v", st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	vars := map[string]string{"CALSYNC_CONFIG": office.ConfigPath}

	r := runCLI(t, vars, "", "status", "--json")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("status --json: %s", r)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("status --json is not one JSON object: %v\n%s", err, r.stdout)
	}
	raw, err := client.StatusJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	// The same object as the API's, field for field, but for what moves on
	// between the two requests.
	for _, k := range []string{"nextSync", "lastSync", "users", "state", "syncing", "progress"} {
		delete(got, k)
		delete(want, k)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("status --json differs from the local API's Status:\n got %v\nwant %v", got, want)
	}
	var typed localapi.Status
	if err := json.Unmarshal([]byte(r.stdout), &typed); err != nil || typed.Version != "v9.9.9-test" || len(typed.Users) != len(office.People) {
		t.Errorf("status --json: version %q, %d users (want %d), %v", typed.Version, len(typed.Users), len(office.People), err)
	}

	r = runCLI(t, vars, "", "status")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("status: %s", r)
	}
	for _, want := range []string{"State:", "v9.9.9-test", "Last sync:", "Next sync:", "USER", "PRESENCE", "UNTIL", "CALENDAR", "NEXT CHANGE", "ERROR"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status does not show %q:\n%s", want, r.stdout)
		}
	}
	mario := lineWith(r.stdout, "Mario Rossi")
	if !strings.Contains(mario, "meeting") || !strings.Contains(mario, "busy") {
		t.Errorf("Mario Rossi's line %q: want his meeting and busy calendar\n%s", mario, r.stdout)
	}
	if sara := lineWith(r.stdout, "Sara Conti"); !strings.Contains(sara, "mailbox") {
		t.Errorf("Sara Conti's line %q: want the error about her missing mailbox\n%s", sara, r.stdout)
	}
	for _, private := range office.PrivateTexts {
		if strings.Contains(r.stdout, private) {
			t.Errorf("status shows the private text %q", private)
		}
	}
}

func lineWith(text, s string) string {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func TestPrintStatus(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 2, 30, 0, time.UTC)
	for _, tc := range []struct {
		name string
		st   localapi.Status
		want string
	}{
		{"no users yet", localapi.Status{State: "ok", Version: "1.2.3", Users: []localapi.UserStatus{}},
			"State:      ok\nVersion:    1.2.3\nLast sync:  not yet\nNext sync:  -\n\n" +
				"No people are synced yet: add them in the calsync window or the configuration.\n"},
		{"degraded, a person with an error, a change tomorrow", localapi.Status{
			State: "degraded", Syncing: true, Progress: localapi.Progress{Done: 1, Total: 2},
			LastSync: now.Add(-time.Minute), NextSync: now.Add(time.Minute),
			Degraded: "OneCloud answers 503; retrying in 2 minutes", Errors: []string{"user 1002: mailbox not found"},
			SecretExpiresWarning: "the client secret expires on 2026-12-10",
			Users: []localapi.UserStatus{
				{OneCloudUser: "1001", Name: "Anna Rossi", Current: localapi.Presence{Activity: "meeting", Until: now.Add(time.Hour)},
					Calendar: "busy", NextChange: now.Add(time.Hour), NextActivity: "available"},
				{OneCloudUser: "1002", LastError: "mailbox not\tfound"},
				{OneCloudUser: "1003", Name: "Tom", Current: localapi.Presence{Activity: "gone-home"}, Calendar: "free",
					NextChange: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), NextActivity: "available"},
			}},
			"State:      degraded, syncing (1 of 2 people)\nLast sync:  14:01:30\nNext sync:  14:03:30\n" +
				"Degraded:   OneCloud answers 503; retrying in 2 minutes\nError:      user 1002: mailbox not found\n" +
				"Warning:    the client secret expires on 2026-12-10\n\n" +
				"USER        PRESENCE   UNTIL     CALENDAR  NEXT CHANGE                 ERROR\n" +
				"Anna Rossi  meeting    15:02:30  busy      15:02:30 available          -\n" +
				"1002        -          -         -         -                           mailbox not found\n" +
				"Tom         gone-home  -         free      2026-11-26 08:00 available  -\n"},
		{"a teams rule: the Teams column, the ticket's warning", localapi.Status{
			State: "ok", LastSync: now.Add(-time.Minute), OneCloudTokenExpiresWarning: "the API ticket expires on 2026-12-01",
			Users: []localapi.UserStatus{
				{OneCloudUser: "1001", Name: "Anna Rossi", Current: localapi.Presence{Activity: "busy"}, Calendar: "busy", Teams: "InACall"},
				{OneCloudUser: "1002", Name: "Bruno", Current: localapi.Presence{Activity: "available"}, Calendar: "no event", Teams: "Available"},
			}},
			"State:      ok\nLast sync:  14:01:30\nNext sync:  -\nWarning:    the API ticket expires on 2026-12-01\n\n" +
				"USER        PRESENCE   UNTIL  CALENDAR  TEAMS      NEXT CHANGE  ERROR\n" +
				"Anna Rossi  busy       -      busy      InACall    -            -\n" +
				"Bruno       available  -      no event  Available  -            -\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := printStatus(&b, tc.st, now); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

// jobsSettled reports whether every job of st has run once and none runs now.
func jobsSettled(st localapi.Status) bool {
	for _, j := range st.Jobs {
		if j.Running || j.LastRun.IsZero() {
			return false
		}
	}
	return len(st.Jobs) > 0
}
