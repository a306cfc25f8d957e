package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/daemon"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
	"log/slog"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestMain swaps the OS keychain for go-keyring's in-memory mock, so no
// test touches a real keychain; secrets come from the fake environment.
func TestMain(m *testing.M) {
	keyring.MockInit()
	os.Exit(m.Run())
}

const ocToken = "oc-token-0123456789-emulator"

// result is what one run of the CLI produced.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs the command line with a fake environment: vars is the whole
// environment, stdin is piped (not a terminal).
func runCLI(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{
		stdin:      strings.NewReader(stdin),
		stdout:     &out,
		stderr:     &errb,
		getenv:     func(k string) string { return vars[k] },
		stdinIsTTY: func() bool { return false },
		// go-keyring's mock (TestMain) needs no session bus.
		keychain: secrets.KeyringBackend{Reachable: func() error { return nil }},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, args, e)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// office is both emulators on loopback and a config file pointing at them.
type office struct {
	t     *testing.T
	graph *emulator.Graph
	oc    *emulator.OneCloud
	cfg   *config.Config
	path  string
	vars  map[string]string
	now   time.Time // when the calendars were laid out
}

func newOffice(t *testing.T) *office {
	t.Helper()
	o := &office{t: t, now: time.Now().UTC().Truncate(time.Second)}
	o.graph = emulator.NewGraph(emulator.GraphOptions{})
	gURL, stopG := o.graph.Start()
	t.Cleanup(stopG)
	o.oc = emulator.NewOneCloud(emulator.OneCloudOptions{Token: ocToken})
	ocURL, stopOC := o.oc.Start()
	t.Cleanup(stopOC)

	o.cfg = config.Default()
	o.cfg.Connector = config.Connector{
		Name:          "Contoso test",
		TenantID:      emulator.GraphDefaultTenantID,
		ClientID:      emulator.GraphDefaultClientID,
		SyncUser:      emulator.GraphDefaultSyncUser,
		SecretExpires: o.now.AddDate(1, 0, 0).Format(time.DateOnly),
		AuthorityURL:  gURL,
		GraphURL:      gURL,
	}
	o.cfg.OneCloud.BaseURL = ocURL
	o.cfg.Rules = []config.Rule{
		{Scope: "organization", Type: "availability", Match: "oof", Activity: "vacation"},
		{Scope: "organization", Type: "private", Match: "true", Activity: "busy"},
		{Scope: "group:sales", Type: "subject", Match: "*lunch*", Activity: "lunch"},
		{Scope: "organization", Type: "availability", Match: "busy", Activity: "meeting", Role: "office"},
	}
	o.oc.SetGroups(emulator.OneCloudGroup{ID: "sales", Name: "Sales", Members: []string{"1003"}})
	o.path = filepath.Join(t.TempDir(), "calsync", "config.json")
	o.vars = map[string]string{
		"CALSYNC_CONFIG":         o.path,
		"CALSYNC_GRAPH_SECRET":   emulator.GraphDefaultClientSecret,
		"CALSYNC_ONECLOUD_TOKEN": ocToken,
	}
	return o
}

// addUser puts a user in the config, in OneCloud and, with a calendar, in
// Microsoft 365 (events nil: an empty calendar; noMailbox: none at all).
func (o *office) addUser(id, mailbox string, events []calendar.Event, noMailbox bool) {
	o.t.Helper()
	o.cfg.Users = append(o.cfg.Users, config.User{OneCloudUser: id, Mailbox: mailbox, Enabled: true})
	if err := o.oc.AddUser(emulator.OneCloudUser{ID: id, Username: strings.Split(mailbox, "@")[0], Email: mailbox}); err != nil {
		o.t.Fatal(err)
	}
	if !noMailbox {
		o.graph.SetCalendar(mailbox, events)
	}
}

func (o *office) save() {
	o.t.Helper()
	if err := config.Save(o.path, o.cfg); err != nil {
		o.t.Fatal(err)
	}
}

func (o *office) run(args ...string) result {
	o.t.Helper()
	return runCLI(o.t, o.vars, "", args...)
}

// event is in progress now and ends in `ends`.
func (o *office) event(status calendar.Status, ends time.Duration) calendar.Event {
	return calendar.Event{Start: o.now.Add(-30 * time.Minute), End: o.now.Add(ends), Status: status}
}

// commandPaths lists every command of the tree, root first.
func commandPaths(c *command, prefix []string) [][]string {
	path := append(slices.Clone(prefix), c.name)
	out := [][]string{path}
	for _, s := range c.subs {
		out = append(out, commandPaths(s, path)...)
	}
	return out
}

func TestHelpOnEveryCommand(t *testing.T) {
	paths := commandPaths(rootCommand(), nil)
	if len(paths) < 10 {
		t.Fatalf("only %d commands in the tree", len(paths))
	}
	for _, p := range paths {
		name := strings.Join(p, " ")
		t.Run(name, func(t *testing.T) {
			args := append(slices.Clone(p[1:]), "--help")
			r := runCLI(t, map[string]string{"CALSYNC_CONFIG": filepath.Join(t.TempDir(), "none.json")}, "", args...)
			if r.code != exitOK {
				t.Fatalf("%s --help: %s", name, r)
			}
			if !strings.HasPrefix(r.stdout, "Usage: "+name) || !strings.Contains(r.stdout, "-config") {
				t.Errorf("%s --help printed no usage:\n%s", name, r.stdout)
			}
		})
	}
}

// TestHelpCommandColumns: each command list lines its descriptions up in
// one column, however long a command's name (service print-config).
func TestHelpCommandColumns(t *testing.T) {
	for _, p := range commandPaths(rootCommand(), nil) {
		name := strings.Join(p, " ")
		r := runCLI(t, nil, "", append(slices.Clone(p[1:]), "--help")...)
		_, list, ok := strings.Cut(r.stdout, "Commands:\n")
		if !ok {
			continue
		}
		list, _, _ = strings.Cut(list, "\n\n")
		col := -1
		for _, line := range strings.Split(list, "\n") {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				t.Fatalf("%s --help: command line %q has no description", name, line)
			}
			at := strings.Index(line[len("  ")+len(fields[0]):], fields[1]) + len("  ") + len(fields[0])
			if col >= 0 && at != col {
				t.Errorf("%s --help: %q starts its description at column %d, the others at %d:\n%s", name, fields[0], at, col, list)
			}
			col = at
		}
	}
}

func TestUsageErrors(t *testing.T) {
	vars := map[string]string{"CALSYNC_CONFIG": filepath.Join(t.TempDir(), "none.json")}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"sync", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"sync", "--once", "extra"}, `unexpected argument "extra"`},
		{[]string{"sync"}, "calsync service run"},
		{[]string{"sync", "--dry-run", "--json"}, "--once is required"},
		{[]string{"rules"}, "missing command"},
		{[]string{"rules", "bogus"}, `unknown command "bogus"`},
		{[]string{"rules", "test"}, "--user is required"},
		{[]string{"rules", "test", "--user", "1001", "--status", "bussy"}, `--status: unknown availability "bussy"; expected one of`},
		{[]string{"rules", "test", "--user", "1001", "--at", "10:00"}, "--at"},
		{[]string{"rules", "test", "--user", "1001", "--duration", "0s"}, "--duration"},
		{[]string{"check", "--timeout", "-1s"}, "--timeout"},
		{[]string{"secret", "set"}, "exactly one secret name"},
		{[]string{"secret", "set", "graph", "onecloud"}, "exactly one secret name"},
		{[]string{"secret", "set", "graph", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"secret", "status", "--config", ""}, `invalid value "" for flag -config: is empty; give the configuration file's path`},
		{[]string{"--config", "", "sync", "--once"}, `invalid value "" for flag -config: is empty`},
		{[]string{"sync", "--once", "--config="}, `invalid value "" for flag -config: is empty`},
		{[]string{"sync", "--once", "--", "--json"}, `unexpected argument "--json"`},
		{[]string{"version", "x"}, `unexpected argument "x"`},
	} {
		r := runCLI(t, vars, "", tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("calsync %s: want exit 2 and %q; got %s", strings.Join(tc.args, " "), tc.want, r)
		}
		if r.stdout != "" {
			t.Errorf("calsync %s: usage error printed on stdout: %q", strings.Join(tc.args, " "), r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "calsync dev (commit none") {
		t.Errorf("version: %s", r)
	}
}

func TestMissingConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowhere", "config.json")
	vars := map[string]string{"CALSYNC_CONFIG": path, "CALSYNC_GRAPH_SECRET": "x", "CALSYNC_ONECLOUD_TOKEN": "y"}
	for _, args := range [][]string{{"sync", "--once"}, {"sync", "--once", "--json"}, {"rules", "test", "--user", "1001"}} {
		r := runCLI(t, vars, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "no configuration at "+path) || r.stdout != "" {
			t.Errorf("calsync %s without config: %s", strings.Join(args, " "), r)
		}
	}
	// --config wins over the environment.
	other := filepath.Join(t.TempDir(), "other.json")
	r := runCLI(t, vars, "", "--config", other, "sync", "--once")
	if r.code != exitUsage || !strings.Contains(r.stderr, other) {
		t.Errorf("--config: %s", r)
	}

	r = runCLI(t, vars, "", "check")
	if r.code != exitUsage {
		t.Errorf("check without config: %s", r)
	}
	for _, want := range []string{"✗ Configuration is valid: there is no configuration file at " + path, "-> Create " + path,
		"✓ Client secret is present", "- Access token obtained from Entra ID: not run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check without config lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	bad := `{
  "version": 1,
  "connector": {"name": "x", "tenantId": "not a tenant", "clientId": "3b9c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "syncUser": "monitor"},
  "onecloud": {"baseURL": "http://onecloud.example.com/api"},
  "sync": {"interval": "5s", "lookahead": "8h"},
  "defaultActivity": "available",
  "rules": [{"scope": "organization", "type": "availability", "match": "bussy", "activity": "meeting"}],
  "users": [{"onecloudUser": "1001", "mailbox": "a@contoso.it", "enabled": true},
            {"onecloudUser": "1001", "mailbox": "b@contoso.it", "enabled": true}]
}`
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	fields := []string{"connector.tenantId", "connector.syncUser", "onecloud.baseURL", "sync.interval", "rules[0].match", "users[1].onecloudUser"}
	vars := map[string]string{"CALSYNC_CONFIG": path, "CALSYNC_GRAPH_SECRET": "x", "CALSYNC_ONECLOUD_TOKEN": "y"}
	for _, args := range [][]string{{"sync", "--once"}, {"sync", "--once", "--json"}, {"rules", "test", "--user", "1001"}} {
		r := runCLI(t, vars, "", args...)
		if r.code != exitUsage || r.stdout != "" {
			t.Errorf("calsync %s: %s", strings.Join(args, " "), r)
		}
		for _, f := range fields {
			if !strings.Contains(r.stderr, "\n  "+path+": "+f+": ") {
				t.Errorf("calsync %s: no message for %s with the path:\n%s", strings.Join(args, " "), f, r.stderr)
			}
		}
		if !strings.Contains(r.stderr, `"bussy"`) {
			t.Errorf("the bad value is not named:\n%s", r.stderr)
		}
	}
	// check reports the same problems in its first step and goes on.
	r := runCLI(t, vars, "", "check")
	if r.code != exitUsage || !strings.Contains(r.stdout, "✗ Configuration is valid: "+path+" is not valid") {
		t.Errorf("check on an invalid config: %s", r)
	}
	for _, f := range fields {
		if !strings.Contains(r.stdout, path+": "+f+": ") {
			t.Errorf("check: no message for %s:\n%s", f, r.stdout)
		}
	}

	// A corrupt file names the path, line and column.
	if err := os.WriteFile(path, []byte("{\n  \"version\": 1,\n  oops\n}"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, vars, "", "sync", "--once")
	if r.code != exitUsage || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, ":3:") {
		t.Errorf("corrupt config: %s", r)
	}
}

// reportJSON is the contract of `calsync sync --once --json`, decoded
// strictly.
type reportJSON struct {
	DurationMs     *int64     `json:"durationMs"`
	GraphRequests  *int       `json:"graphRequests"`
	OneCloudReads  *int       `json:"onecloudReads"`
	OneCloudWrites *int       `json:"onecloudWrites"`
	Users          []userJSON `json:"users"`
}

type userJSON struct {
	OneCloudUser *string `json:"onecloudUser"`
	Mailbox      *string `json:"mailbox"`
	Activity     *string `json:"activity"`
	Role         *string `json:"role"`
	Until        *string `json:"until"`
	Rule         *int    `json:"rule"`
	Action       *string `json:"action"`
	Error        *string `json:"error"`
}

// decodeReport checks that stdout is exactly one JSON object with every
// contract field (and no other), followed by a newline.
func decodeReport(t *testing.T, stdout string) reportJSON {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "}\n") {
		t.Fatalf("stdout is not one JSON line: %q", stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var rep reportJSON
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout: %q", stdout)
	}
	if rep.DurationMs == nil || rep.GraphRequests == nil || rep.OneCloudReads == nil || rep.OneCloudWrites == nil || rep.Users == nil {
		t.Fatalf("a report field is missing: %s", stdout)
	}
	for i, u := range rep.Users {
		if u.OneCloudUser == nil || u.Mailbox == nil || u.Activity == nil || u.Role == nil || u.Until == nil ||
			u.Rule == nil || u.Action == nil || u.Error == nil {
			t.Fatalf("users[%d] lacks a field: %s", i, stdout)
		}
	}
	return rep
}

func TestSyncOnceJSON(t *testing.T) {
	o := newOffice(t)
	const n = 45
	for i := range n {
		id := fmt.Sprintf("%d", 2001+i)
		var events []calendar.Event
		if i%3 == 0 {
			events = []calendar.Event{o.event(calendar.Busy, time.Hour)}
		}
		o.addUser(id, fmt.Sprintf("user%02d@contoso.it", i), events, false)
	}
	o.save()
	r := o.run("sync", "--once", "--json")
	if r.code != exitOK {
		t.Fatalf("sync --once --json: %s", r)
	}
	rep := decodeReport(t, r.stdout)
	if got, want := *rep.GraphRequests, (n+19)/20; got != want {
		t.Errorf("graphRequests = %d, want ceil(%d/20) = %d", got, n, want)
	}
	if len(rep.Users) != n {
		t.Fatalf("%d users reported, want %d", len(rep.Users), n)
	}
	until := o.now.Add(time.Hour).Format(time.RFC3339)
	set := 0
	for i, u := range rep.Users {
		if want := fmt.Sprintf("%d", 2001+i); *u.OneCloudUser != want {
			t.Errorf("users[%d] is %s, want %s (config order)", i, *u.OneCloudUser, want)
		}
		if i%3 == 0 {
			set++
			if *u.Action != "set" || *u.Activity != "meeting" || *u.Role != "office" || *u.Until != until || *u.Rule != 3 {
				t.Errorf("busy user %s: %+v", *u.OneCloudUser, u)
			}
		} else if *u.Action != "unchanged" || *u.Activity != "available" || *u.Until != "" || *u.Rule != -1 || *u.Error != "" {
			t.Errorf("free user %s: action %s activity %s until %q rule %d", *u.OneCloudUser, *u.Action, *u.Activity, *u.Until, *u.Rule)
		}
	}
	counts := o.oc.Counts()
	if *rep.OneCloudWrites != set || counts.Writes != set || len(o.oc.Writes()) != set {
		t.Errorf("writes: report %d, emulator %d (%d accepted), want %d", *rep.OneCloudWrites, counts.Writes, len(o.oc.Writes()), set)
	}
	if *rep.OneCloudReads != counts.Reads {
		t.Errorf("reads: report %d, emulator %d", *rep.OneCloudReads, counts.Reads)
	}
	if s := o.graph.Stats(); s.ScheduleRequests != int64(*rep.GraphRequests) || s.MaxBatch > 20 {
		t.Errorf("graph emulator saw %d getSchedule calls (largest %d), report says %d", s.ScheduleRequests, s.MaxBatch, *rep.GraphRequests)
	}
	if p, _ := o.oc.Presence("2001"); p.Activity != "meeting" {
		t.Errorf("presence of 2001 = %+v", p)
	}

	// A second run: the state next to the config says everything is in
	// place, so OneCloud sees no presence call at all.
	o.oc.ResetCounts()
	r = o.run("sync", "--once", "--json")
	rep = decodeReport(t, r.stdout)
	if r.code != exitOK || *rep.OneCloudWrites != 0 || o.oc.Counts().ByEndpoint[emulator.OneCloudGetPresence] != 0 {
		t.Errorf("second run: exit %d, %d writes, %d presence reads", r.code, *rep.OneCloudWrites, o.oc.Counts().ByEndpoint[emulator.OneCloudGetPresence])
	}
	for _, u := range rep.Users {
		if *u.Action != "unchanged" {
			t.Errorf("second run: user %s %s", *u.OneCloudUser, *u.Action)
		}
	}
}

func TestSyncOnceDryRun(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", []calendar.Event{o.event(calendar.Busy, time.Hour)}, false)
	o.addUser("1002", "bruno@contoso.it", []calendar.Event{o.event(calendar.OOF, 5*time.Hour)}, false)
	o.addUser("1003", "carla@contoso.it", nil, false)
	o.save()
	r := o.run("sync", "--once", "--dry-run", "--json")
	if r.code != exitOK {
		t.Fatalf("dry run: %s", r)
	}
	rep := decodeReport(t, r.stdout)
	want := []string{"would-set", "would-set", "unchanged"}
	for i, u := range rep.Users {
		if *u.Action != want[i] {
			t.Errorf("user %s: %s, want %s", *u.OneCloudUser, *u.Action, want[i])
		}
	}
	if n := o.oc.Counts().ByEndpoint[emulator.OneCloudPutPresence]; n != 0 || *rep.OneCloudWrites != 0 {
		t.Errorf("dry run made %d PUTs (report: %d writes)", n, *rep.OneCloudWrites)
	}
	if p, _ := o.oc.Presence("1001"); p.Activity != "available" {
		t.Errorf("dry run changed the presence: %+v", p)
	}
	if _, err := os.Stat(config.SiblingPath(o.path, config.StateFileName)); !os.IsNotExist(err) {
		t.Errorf("dry run wrote the state file: %v", err)
	}

	// The human form says so.
	r = o.run("sync", "--once", "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "2 would-set, 1 unchanged") || !strings.Contains(r.stdout, "(dry run: nothing written)") {
		t.Errorf("human dry run: %s", r)
	}
}

func TestSyncOnceUnknownMailbox(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", []calendar.Event{o.event(calendar.Busy, time.Hour)}, false)
	o.addUser("1002", "ghost@contoso.it", nil, true)
	o.save()
	r := o.run("sync", "--once", "--json")
	if r.code != exitSomeFailed {
		t.Fatalf("exit %d, want 3: %s", r.code, r)
	}
	rep := decodeReport(t, r.stdout)
	if u := rep.Users[0]; *u.Action != "set" {
		t.Errorf("the other user was not synced: %+v", u)
	}
	if u := rep.Users[1]; *u.Action != "error" || !strings.Contains(*u.Error, "ghost@contoso.it") || *u.Rule != -1 {
		t.Errorf("unknown mailbox: action %s rule %d error %q", *u.Action, *u.Rule, *u.Error)
	}
	if r.stderr != "calsync: 1 of 2 users could not be synced; each user's error field says why\n" {
		t.Errorf("stderr: %q", r.stderr)
	}

	// --verbose logs go to stderr; stdout still holds only the report.
	r = o.run("sync", "--once", "--json", "--verbose")
	decodeReport(t, r.stdout)
	if r.code != exitSomeFailed || !strings.Contains(r.stderr, "level=DEBUG") {
		t.Errorf("--verbose: %s", r)
	}

	// Every user failing is exit 4.
	o.cfg.Users = o.cfg.Users[1:]
	o.save()
	if r := o.run("sync", "--once"); r.code != exitNoneSynced {
		t.Errorf("all users failed: %s", r)
	}
}

func TestSyncOnceWrongSecret(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", []calendar.Event{o.event(calendar.Busy, time.Hour)}, false)
	o.save()
	const wrong = "Wr0ng~Secret.Value_zyxwvutsrqponmlkjihgfedcba"
	o.vars["CALSYNC_GRAPH_SECRET"] = wrong
	for _, args := range [][]string{{"sync", "--once"}, {"sync", "--once", "--json"}} {
		r := o.run(args...)
		if r.code != exitNoneSynced {
			t.Fatalf("calsync %s: want exit 4: %s", strings.Join(args, " "), r)
		}
		if !strings.Contains(r.stderr, "AADSTS7000215") || !strings.Contains(r.stderr, "-> The client secret is wrong: you may have pasted the Secret ID instead of the secret Value") {
			t.Errorf("calsync %s: no AADSTS7000215 remedy:\n%s", strings.Join(args, " "), r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, wrong) || strings.Contains(r.stdout+r.stderr, ocToken) {
			t.Errorf("a secret was printed:\n%s", r)
		}
	}
	if n := len(o.oc.Writes()); n != 0 {
		t.Errorf("%d writes after a failed read", n)
	}
}

func TestSyncOnceMissingSecret(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.save()
	delete(o.vars, "CALSYNC_ONECLOUD_TOKEN")
	r := o.run("sync", "--once", "--json")
	if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "calsync secret set onecloud") {
		t.Errorf("missing OneCloud token: %s", r)
	}
}

func TestSyncOnceOneCloudAuth(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.save()
	o.vars["CALSYNC_ONECLOUD_TOKEN"] = "not-the-token-0123456789"
	r := o.run("sync", "--once")
	if r.code != exitNoneSynced || !strings.Contains(r.stderr, "-> OneCloud refused the API token") {
		t.Errorf("wrong OneCloud token: %s", r)
	}
}

// A rule naming an activity OneCloud does not know stops the cycle before
// any write: exit 2 naming the file and the rule; --json still prints the
// (empty) report.
func TestSyncOnceUnknownActivity(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", []calendar.Event{o.event(calendar.Busy, time.Hour)}, false)
	o.cfg.Rules[3].Activity = "meetng"
	o.save()
	r := o.run("sync", "--once", "--json")
	if r.code != exitUsage || !strings.Contains(r.stderr, o.path+": config: rules[3].activity: unknown OneCloud activity \"meetng\"") {
		t.Errorf("unknown activity: %s", r)
	}
	if rep := decodeReport(t, r.stdout); len(rep.Users) != 0 || *rep.OneCloudWrites != 0 {
		t.Errorf("report: %s", r.stdout)
	}
	if r := o.run("sync", "--once"); r.code != exitUsage || r.stdout != "" {
		t.Errorf("human form printed a table for a config error: %s", r)
	}
	if n := o.oc.Counts().Writes; n != 0 {
		t.Errorf("%d writes", n)
	}
}

var (
	tookRE  = regexp.MustCompile(`took [0-9.]+[µmn]?s`)
	untilRE = regexp.MustCompile(`until ([A-Z][a-z]{2} [ 0-9][0-9] [A-Z][a-z]{2} )?[0-9]{2}:[0-9]{2}`)
	// spacesRE: an until with its day (near midnight) widens the columns.
	spacesRE = regexp.MustCompile(`  +`)
)

// The human table of `calsync sync --once`, against a golden file; times
// of day and the duration are normalised.
func TestSyncOnceTableGolden(t *testing.T) {
	o := newOffice(t)
	lunch := o.event(calendar.Busy, 40*time.Minute)
	lunch.Subject = "Team lunch"
	private := o.event(calendar.Busy, 50*time.Minute)
	private.Subject, private.Location, private.Private = "Cardiologist", "Clinic", true
	o.addUser("1001", "anna@contoso.it", []calendar.Event{o.event(calendar.Busy, time.Hour)}, false)
	o.addUser("1002", "bruno@contoso.it", nil, false)
	o.addUser("1003", "carla@contoso.it", []calendar.Event{lunch}, false)
	o.addUser("1004", "dario@contoso.it", []calendar.Event{private}, false)
	o.addUser("1005", "ghost@contoso.it", nil, true)
	o.addUser("1006", "elena@contoso.it", []calendar.Event{o.event(calendar.OOF, 20*time.Hour)}, false)
	o.addUser("1007", "fabio@contoso.it", []calendar.Event{o.event(calendar.Busy, 2*time.Hour)}, false)
	o.addUser("1008", "gina@contoso.it", []calendar.Event{o.event(calendar.Tentative, time.Hour)}, false)
	if err := o.oc.SetPresenceByHand("1007", emulator.OneCloudPresence{Activity: "away", Role: "mobile"}); err != nil {
		t.Fatal(err)
	}
	o.save()

	r := o.run("sync", "--once")
	if r.code != exitSomeFailed {
		t.Fatalf("want exit 3 (one unknown mailbox): %s", r)
	}
	for _, text := range []string{"Cardiologist", "Clinic", "Team lunch"} {
		if strings.Contains(r.stdout+r.stderr, text) {
			t.Errorf("event text %q printed", text)
		}
	}
	got := untilRE.ReplaceAllString(tookRE.ReplaceAllString(r.stdout, "took Nms"), "until HH:MM")
	golden := filepath.Join("testdata", "sync_once_table.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if spacesRE.ReplaceAllString(got, "  ") != spacesRE.ReplaceAllString(string(want), "  ") {
		t.Errorf("table differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
	}
	// The normalised times are the events' real ends.
	for _, ev := range []time.Duration{time.Hour, 40 * time.Minute, 50 * time.Minute, 20 * time.Hour} {
		if until := untilText(o.now.Add(ev), time.Now()); !strings.Contains(r.stdout, "until "+until) {
			t.Errorf("no until %s in the table:\n%s", until, r.stdout)
		}
	}
}

// TestUntilText: a time today alone, any other day with its date (an
// all-day vacation ends at 00:00, which alone would read as tonight).
func TestUntilText(t *testing.T) {
	now := time.Date(2026, 11, 25, 21, 36, 5, 0, time.Local)
	tests := []struct {
		until time.Time
		want  string
	}{
		{time.Date(2026, 11, 25, 22, 16, 5, 0, time.Local), "22:16"},
		{time.Date(2026, 11, 25, 23, 59, 0, 0, time.Local), "23:59"},
		{time.Date(2026, 11, 26, 0, 0, 0, 0, time.Local), "Thu 26 Nov 00:00"},
		{time.Date(2026, 11, 26, 9, 0, 0, 0, time.Local), "Thu 26 Nov 09:00"},
		{time.Date(2026, 12, 3, 0, 0, 0, 0, time.Local), "Thu  3 Dec 00:00"},
		{time.Date(2027, 11, 25, 10, 0, 0, 0, time.Local), "Thu 25 Nov 10:00"},
		{time.Date(2026, 11, 25, 8, 0, 0, 0, time.Local), "08:00"}, // earlier today
	}
	for _, tt := range tests {
		if got := untilText(tt.until, now); got != tt.want {
			t.Errorf("untilText(%s) = %q, want %q", tt.until, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	o := newOffice(t)
	meeting := o.event(calendar.Busy, time.Hour)
	meeting.Subject = "Weekly"
	o.addUser("1001", "anna@contoso.it", []calendar.Event{meeting}, false)
	o.addUser("1002", "bruno@contoso.it", nil, false)
	o.cfg.OneCloud.TokenExpires = time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	o.save()

	r := o.run("check")
	if r.code != exitOK {
		t.Fatalf("check on a good set-up: %s", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 9 {
		t.Errorf("want 9 step lines, got %d:\n%s", len(lines), r.stdout)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "✓ ") {
			t.Errorf("not passed: %s", l)
		}
	}
	for _, want := range []string{"✓ Configuration is valid: 2 of 2 users enabled, 4 rules", "✓ Every enabled user's mailbox resolves: all 2 mailboxes can be read",
		"✓ Client secret is present: from the environment (CALSYNC_GRAPH_SECRET)",
		"✓ OneCloud is reachable and accepts the token"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q:\n%s", want, r.stdout)
		}
	}

	// An unknown mailbox: 3, with the mailbox named and a remedy.
	o.addUser("1003", "ghost@contoso.it", nil, true)
	o.save()
	r = o.run("check")
	if r.code != exitSomeFailed || !strings.Contains(r.stdout, "✗ Every enabled user's mailbox resolves: 1 of 3 mailboxes cannot be read: ghost@contoso.it") ||
		!strings.Contains(r.stdout, "\n    -> The mailbox ghost@contoso.it cannot be read") {
		t.Errorf("check with an unknown mailbox: %s", r)
	}
	o.cfg.Users = o.cfg.Users[:2]
	o.save()

	// A wrong secret: 4, with the AADSTS code and its remedy.
	const wrong = "Wr0ng~Secret.Value_zyxwvutsrqponmlkjihgfedcba"
	o.vars["CALSYNC_GRAPH_SECRET"] = wrong
	r = o.run("check")
	if r.code != exitNoneSynced || !strings.Contains(r.stdout, "✗ Access token obtained from Entra ID: ") ||
		!strings.Contains(r.stdout, "AADSTS7000215") || !strings.Contains(r.stdout, "-> The client secret is wrong") ||
		!strings.Contains(r.stdout, "- getSchedule works for the synchronization user: not run") {
		t.Errorf("check with a wrong secret: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, wrong) {
		t.Errorf("the secret was printed: %s", r)
	}

	// No secret at all: 2, and the command that fixes it.
	delete(o.vars, "CALSYNC_GRAPH_SECRET")
	r = o.run("check")
	if r.code != exitUsage || !strings.Contains(r.stdout, "✗ Client secret is present") || !strings.Contains(r.stdout, "calsync secret set graph") {
		t.Errorf("check without a secret: %s", r)
	}
	o.vars["CALSYNC_GRAPH_SECRET"] = emulator.GraphDefaultClientSecret

	// OneCloud refuses the token: 4.
	o.vars["CALSYNC_ONECLOUD_TOKEN"] = "not-the-token-0123456789"
	r = o.run("check")
	if r.code != exitNoneSynced || !strings.Contains(r.stdout, "✗ OneCloud is reachable and accepts the token") ||
		!strings.Contains(r.stdout, "-> OneCloud refused the API token") {
		t.Errorf("check with a wrong OneCloud token: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, emulator.GraphDefaultClientSecret) {
		t.Errorf("the secret was printed: %s", r)
	}
}

func TestRulesTest(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.addUser("1003", "carla@contoso.it", nil, false)
	o.save()
	const at = "2026-11-25T10:00:00+01:00"
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"busy", []string{"--user", "1001"}, []string{
			"User:     1001 (anna@contoso.it); groups: none\n",
			"Event:    busy, 2026-11-25 10:00 to 11:00 ",
			"Winner:   rules[3]: availability is busy -> meeting, role office\n",
			"Presence: activity meeting, role office, until 2026-11-25T11:00:00+01:00\n"}},
		{"lunch in sales", []string{"--user", "1003", "--subject", "Team Lunch", "--duration", "45m"}, []string{
			"groups: sales\n",
			"Winner:   rules[2]: group sales: subject matches \"*lunch*\" -> lunch\n",
			"Presence: activity lunch, role (unchanged), until 2026-11-25T10:45:00+01:00\n"}},
		{"lunch outside sales", []string{"--user", "1001", "--subject", "Team Lunch"}, []string{
			"Winner:   rules[3]: availability is busy -> meeting, role office\n"}},
		{"private lunch", []string{"--user", "1003", "--subject", "Team Lunch", "--private"}, []string{
			"private (subject and location rules do not look at it)",
			"Winner:   rules[1]: private is true -> busy\n"}},
		{"free", []string{"--user", "1001", "--status", "FREE"}, []string{
			"Winner:   no rule matches -> default activity available\n",
			"Presence: activity available, role (unchanged), until - (the default activity is open-ended)\n"}},
		{"oof", []string{"--user", "1001", "--status", "oof", "--duration", "48h"}, []string{
			"Event:    oof, 2026-11-25 10:00 to 2026-11-27 10:00 ",
			"Presence: activity vacation, role (unchanged), until 2026-11-27T10:00:00+01:00\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := o.run(append([]string{"rules", "test", "--at", at}, tc.args...)...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("%s", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("missing %q in:\n%s", w, r.stdout)
				}
			}
		})
	}

	// Without OneCloud the groups are unknown: a warning, organization
	// rules only.
	delete(o.vars, "CALSYNC_ONECLOUD_TOKEN")
	r := o.run("rules", "test", "--at", at, "--user", "1003", "--subject", "Team Lunch")
	if r.code != exitOK || !strings.Contains(r.stderr, "warning: cannot read the OneCloud groups") ||
		!strings.Contains(r.stderr, "calsync secret set onecloud") || !strings.Contains(r.stdout, "rules[3]: availability is busy") ||
		!strings.Contains(r.stdout, "groups: unknown (OneCloud not reachable)") {
		t.Errorf("rules test without OneCloud: %s", r)
	}

	// An id that is not in the config: a usage error listing the ids.
	r = o.run("rules", "test", "--user", "9999")
	if r.code != exitUsage || !strings.Contains(r.stderr, `--user "9999" is not a user in `+o.path) || !strings.Contains(r.stderr, "1001, 1003") {
		t.Errorf("unknown user: %s", r)
	}
}

// TestRulesTestWorkingHours: with a workinghours rule, `rules test` reads
// the user's published working hours (anna: the emulator's 08:00-17:00 W.
// Europe Standard Time; bruno: none) and shows the winner at --at.
func TestRulesTestWorkingHours(t *testing.T) {
	o := newOffice(t)
	o.cfg.Rules = append(o.cfg.Rules, config.Rule{Scope: "organization", Type: "workinghours", Match: "outside", Activity: "gone-home"})
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.addUser("1002", "bruno@contoso.it", nil, false)
	o.graph.SetWorkingHours("bruno@contoso.it", nil)
	o.save()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Saturday noon is outside anna's hours in every zone of the machine,
	// and Monday 08:00 in Berlin is the next start.
	monday8 := time.Date(2026, 12, 7, 8, 0, 0, 0, berlin).In(time.Local).Format("Mon 2 Jan 15:04")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"evening", []string{"--user", "1001", "--no-event", "--at", "2026-12-07T18:30:00+01:00"}, []string{
			"Hours:    mon,tue,wed,thu,fri 08:00-17:00 W. Europe Standard Time (Europe/Berlin)\n",
			"Event:    none, at Mon 2026-12-07 18:30:00 +0100\n",
			"Winner:   rules[4]: outside working hours (08:00-17:00 W. Europe Standard Time) -> gone-home until Tue 8 Dec 08:00\n",
			"Presence: activity gone-home, role (unchanged), until 2026-12-08T08:00:00+01:00\n"}},
		{"the second the day ends", []string{"--user", "1001", "--no-event", "--at", "2026-12-07T17:00:00+01:00"}, []string{
			"Winner:   rules[4]: outside working hours"}},
		{"a second before", []string{"--user", "1001", "--no-event", "--at", "2026-12-07T16:59:59+01:00"}, []string{
			"Winner:   no rule matches -> default activity available\n"}},
		{"a meeting in the evening: rule order", []string{"--user", "1001", "--at", "2026-12-07T18:30:00+01:00"}, []string{
			"Winner:   rules[3]: availability is busy -> meeting, role office\n"}},
		{"local time of the machine", []string{"--user", "1001", "--no-event", "--at", "2026-12-05T12:00"}, []string{
			"-> gone-home until " + monday8 + "\n"}},
		{"no working hours published", []string{"--user", "1002", "--no-event", "--at", "2026-12-07T18:30:00+01:00"}, []string{
			"Hours:    none published: the workinghours rule never matches for this user\n",
			"Winner:   no rule matches -> default activity available\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := o.run(append([]string{"rules", "test"}, tc.args...)...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("%s", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("missing %q in:\n%s", w, r.stdout)
				}
			}
		})
	}
	if n := o.graph.Stats().ScheduleRequests; n != 6 {
		t.Errorf("%d getSchedule requests for 6 runs, want one each", n)
	}

	// Without Microsoft 365: a warning, and no working hours.
	delete(o.vars, "CALSYNC_GRAPH_SECRET")
	r := o.run("rules", "test", "--user", "1001", "--no-event", "--at", "2026-12-07T18:30:00+01:00")
	if r.code != exitOK || !strings.Contains(r.stderr, "warning: cannot use the working hours of anna@contoso.it") ||
		!strings.Contains(r.stdout, "Hours:    unknown (no Microsoft 365 credential here)") ||
		!strings.Contains(r.stdout, "default activity available") {
		t.Errorf("rules test without Microsoft 365: %s", r)
	}
}

func TestParseAt(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want time.Time // zero: an error
	}{
		{"2026-12-07T18:30", time.Date(2026, 12, 7, 18, 30, 0, 0, rome)},
		{"2026-12-07T18:30:15", time.Date(2026, 12, 7, 18, 30, 15, 0, rome)},
		{" 2026-12-07 18:30 ", time.Date(2026, 12, 7, 18, 30, 0, 0, rome)},
		{"2026-07-07T18:30", time.Date(2026, 7, 7, 16, 30, 0, 0, time.UTC)}, // summer time
		{"2026-12-07T18:30:00Z", time.Date(2026, 12, 7, 18, 30, 0, 0, time.UTC)},
		{"2026-12-07T18:30:00-08:00", time.Date(2026, 12, 8, 2, 30, 0, 0, time.UTC)},
		{"18:30", time.Time{}},
		{"2026-12-07", time.Time{}},
		{"tomorrow", time.Time{}},
	} {
		got, err := parseAt(tc.in, rome)
		switch {
		case tc.want.IsZero() && err == nil:
			t.Errorf("parseAt(%q) = %v, want an error", tc.in, got)
		case !tc.want.IsZero() && (err != nil || !got.Equal(tc.want)):
			t.Errorf("parseAt(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestSecretSetAndStatus(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit) // leave an empty keychain to the other tests
	vars := map[string]string{"CALSYNC_CONFIG": filepath.Join(t.TempDir(), "config.json")}
	const value = "Pz8~piped.Secret-Value_0123456789abcdef"
	var outputs []string

	r := runCLI(t, vars, "", "secret", "status")
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitOK || !regexp.MustCompile(`graph\s+missing`).MatchString(r.stdout) || !strings.Contains(r.stdout, "calsync secret set") {
		t.Errorf("status before: %s", r)
	}

	r = runCLI(t, vars, value+"\n", "secret", "set", "graph")
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitOK || !strings.Contains(r.stdout, "graph secret stored") {
		t.Fatalf("secret set graph: %s", r)
	}
	if got, err := keyring.Get(keychainService(vars["CALSYNC_CONFIG"]), "graph-client-secret"); err != nil || got != value {
		t.Errorf("keychain holds %q, %v", got, err)
	}

	r = runCLI(t, vars, "", "secret", "status")
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitOK || !regexp.MustCompile(`graph\s+set\s+stored in the keychain`).MatchString(r.stdout) ||
		!regexp.MustCompile(`onecloud\s+missing`).MatchString(r.stdout) || !strings.Contains(r.stdout, "CALSYNC_ONECLOUD_TOKEN") {
		t.Errorf("status after: %s", r)
	}

	// A variable that is set wins over the keychain, and status says so.
	withEnv := map[string]string{"CALSYNC_CONFIG": vars["CALSYNC_CONFIG"], "CALSYNC_GRAPH_SECRET": "from-env", "CALSYNC_ONECLOUD_TOKEN": "from-env-too"}
	r = runCLI(t, withEnv, "", "secret", "status")
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitOK || !regexp.MustCompile(`graph\s+set\s+from the environment \(CALSYNC_GRAPH_SECRET\)`).MatchString(r.stdout) ||
		!regexp.MustCompile(`onecloud\s+set\s+from the environment \(CALSYNC_ONECLOUD_TOKEN\)`).MatchString(r.stdout) ||
		strings.Contains(r.stdout, "missing") || strings.Contains(r.stdout, "from-env") {
		t.Errorf("status with the variables set: %s", r)
	}
	// Storing while the variable is set says which one is used.
	r = runCLI(t, withEnv, value+"\n", "secret", "set", "graph")
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitOK || !strings.Contains(r.stderr, "CALSYNC_GRAPH_SECRET is set here and takes precedence over the keychain") {
		t.Errorf("secret set with the variable set: %s", r)
	}

	// --config after the secret's name, as every command takes it.
	other := filepath.Join(t.TempDir(), "other.json")
	r = runCLI(t, map[string]string{}, value+"\n", "secret", "set", "graph", "--config", other)
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitOK || !strings.Contains(r.stdout, "graph secret stored") {
		t.Errorf("secret set graph --config FILE: %s", r)
	}

	// Empty input is refused and stores nothing.
	r = runCLI(t, vars, "\n", "secret", "set", "onecloud")
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitUsage {
		t.Errorf("empty secret: %s", r)
	}
	// The value typed where the name belongs is not echoed.
	r = runCLI(t, vars, "", "secret", "set", value)
	outputs = append(outputs, r.stdout, r.stderr)
	if r.code != exitUsage {
		t.Errorf("value as name: %s", r)
	}

	for _, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, value[:12]) {
			t.Errorf("the secret value was printed: %q", out)
		}
	}
}

// TestSecretSetHandsOverToRunningService: with the service listening next
// to the configuration, `secret set` gives the value to the service (which
// stores it in its own keychain) instead of this user's keychain.
func TestSecretSetHandsOverToRunningService(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	dir, err := os.MkdirTemp("", "cs") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfgPath := filepath.Join(dir, "config.json")
	serviceStore := secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }})
	runTestService(t, cfgPath, serviceStore)
	ctx := context.Background()

	const value = "Hh7~handed.over-Value_0123456789abcdef"
	r := runCLI(t, map[string]string{"CALSYNC_CONFIG": cfgPath}, value+"\n", "secret", "set", "graph")
	if r.code != exitOK || !strings.Contains(r.stdout, "handed to the running calsync service") || strings.Contains(r.stdout+r.stderr, value) {
		t.Fatalf("secret set with a running service: %s", r)
	}
	if got, _, err := serviceStore.Get(ctx, secrets.Graph); err != nil || got != value {
		t.Errorf("service store holds %q, %v", got, err)
	}
	if _, err := keyring.Get(keychainService(cfgPath), "graph-client-secret"); err == nil {
		t.Error("the value also went to this user's keychain")
	}
}

// TestRulesTestTeams: --teams imagines the user's Teams activity; a teams rule standing first
// beats the meeting, and an unknown activity is a usage error listing the valid ones.
func TestRulesTestTeams(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.cfg.Rules = append([]config.Rule{{Scope: "organization", Type: "teams", Match: "InACall", Activity: "busy"}}, o.cfg.Rules...)
	o.save()
	const at = "2026-11-25T10:00:00+01:00"
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"in a call", []string{"--teams", "inacall"}, []string{
			"Teams:    InACall\n",
			"Winner:   rules[0]: Teams activity is InACall -> busy, for as long as the Teams activity lasts\n",
			"Presence: activity busy, role (unchanged), until - (open-ended)\n"}},
		{"no call", nil, []string{
			"Teams:    none given (--teams), so no teams rule matches\n",
			"Winner:   rules[4]: availability is busy -> meeting, role office\n"}},
		{"presenting", []string{"--teams", "Presenting"}, []string{
			"Winner:   rules[4]: availability is busy -> meeting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := o.run(append([]string{"rules", "test", "--at", at, "--user", "1001"}, tc.args...)...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("%s", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("missing %q in:\n%s", w, r.stdout)
				}
			}
		})
	}
	r := o.run("rules", "test", "--user", "1001", "--teams", "Sailing")
	if r.code != exitUsage || !strings.Contains(r.stderr, `--teams: "Sailing" is not a Teams activity; expected one of Available, Away`) {
		t.Errorf("unknown activity: %s", r)
	}
}

// runTestService runs the service (daemon.ListenAndRun) on the configuration at cfgPath with the
// given secret store until the test ends, and returns once its local API answers.
func runTestService(t *testing.T, cfgPath string, store *secrets.Store) {
	t.Helper()
	d := daemon.New(daemon.Options{ConfigPath: cfgPath, Secrets: store, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.ListenAndRun(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	client := localapi.NewClient(d.SocketPath())
	for i := 0; ; i++ {
		if _, err := client.Status(ctx); err == nil {
			return
		} else if i > 200 {
			t.Fatalf("service never answered: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
