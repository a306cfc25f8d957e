//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/demo"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
)

// mainArgsEnv makes this test binary run the calsync command line given as
// a JSON list, as a separate process with real stdout, stderr and signals
// (TestCalsyncProcess).
const mainArgsEnv = "CALSYNC_TEST_MAIN_ARGS"

// TestCalsyncProcess is calsync's main in a child process: the privacy
// tests start this test binary with mainArgsEnv set. It does nothing in a
// normal test run.
func TestCalsyncProcess(t *testing.T) {
	raw := os.Getenv(mainArgsEnv)
	if raw == "" {
		t.Skip("runs calsync in a child process for the privacy tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", mainArgsEnv, err)
		os.Exit(exitFailure)
	}
	os.Exit(run(context.Background(), args, newEnv()))
}

// calsyncProcess starts calsync (this test binary) with args and extra
// environment variables; its output is collected for grepping.
func calsyncProcess(t *testing.T, extraEnv []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCalsyncProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+string(raw))
	cmd.Env = append(cmd.Env, extraEnv...)
	var out bytes.Buffer // stdout and stderr together: exec copies both into it from one goroutine each, serialized
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &out
}

// leakChecker fails the test when some text holds a forbidden value.
type leakChecker struct {
	t         *testing.T
	forbidden []string
	checked   int // bytes looked at, so a test can tell it looked at something
}

func (c *leakChecker) check(where string, content []byte) {
	c.t.Helper()
	c.checked += len(content)
	for _, s := range c.forbidden {
		if bytes.Contains(content, []byte(s)) {
			c.t.Errorf("%s contains %q", where, s)
		}
	}
}

// checkDir greps every file under dir and checks its mode, and that no
// directory below dir lets others in. It returns the base names of the files.
func (c *leakChecker) checkDir(dir string, wantMode fs.FileMode) []string {
	c.t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == dir { // the caller's, e.g. TMPDIR
				return nil
			}
			if perm := info.Mode().Perm(); perm&0o077 != 0 {
				c.t.Errorf("directory %s has mode %v: others may enter it", path, perm)
			}
			return nil
		}
		names = append(names, d.Name())
		if perm := info.Mode().Perm(); perm != wantMode {
			c.t.Errorf("%s has mode %v, want %v", path, perm, wantMode)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c.check(path, data)
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return names
}

// Secrets and private texts of TestServiceRunLeaksNothing: unique, so that
// finding one anywhere is a leak.
const (
	leakGraphSecret   = "Gq4~leak-test.GraphSecret_8d0c6b1f2e3a4957"
	leakOneCloudToken = "oc-leak-test-token-5e7d9f1a3b2c4680"
	// Every access token the Graph emulator issues starts with this.
	emulatorTokenPrefix = "eyJ0eXAiOiJKV1QifQ."
)

var leakPrivateTexts = []string{
	"PRIVATE-SUBJECT-Oncology-visit-41f7", "PRIVATE-LOCATION-Clinic-Room-9c2e",
	"PRIVATE-SUBJECT-Divorce-lawyer-7b3d", "PRIVATE-LOCATION-Via-Nazionale-55-a8f0",
}

// TestServiceRunLeaksNothing runs the real service (`calsync service run
// --debug`, the most verbose log) as its own process against the emulators,
// with the secrets given through CALSYNC_GRAPH_SECRET and
// CALSYNC_ONECLOUD_TOKEN and calendars holding private events, until it has
// synced; asks it everything the local API answers; stops it with SIGTERM.
// Then no file it wrote (configuration, state, log), nothing it printed and
// no local API answer may contain a secret, an access token or a private
// event's subject or location; the files are 0600, the socket was 0600.
func TestServiceRunLeaksNothing(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	graph := emulator.NewGraph(emulator.GraphOptions{ClientSecret: leakGraphSecret})
	gURL, stopG := graph.Start()
	t.Cleanup(stopG)
	oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: leakOneCloudToken})
	ocURL, stopOC := oc.Start()
	t.Cleanup(stopOC)

	// A short directory: unix socket paths are limited.
	dir, err := os.MkdirTemp("", "cs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfgPath := filepath.Join(dir, "config.json")
	cfg := config.Default()
	cfg.Connector = config.Connector{
		Name: "Leak test", TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		SyncUser: emulator.GraphDefaultSyncUser, AuthorityURL: gURL, GraphURL: gURL,
	}
	cfg.OneCloud.BaseURL = ocURL
	cfg.Rules = []config.Rule{
		{Scope: "organization", Type: "private", Match: "true", Activity: "busy"},
		{Scope: "organization", Type: "subject", Match: "*lunch*", Activity: "lunch"},
		{Scope: "organization", Type: "availability", Match: "busy", Activity: "meeting"},
	}
	at := func(d time.Duration) time.Time { return now.Add(d) }
	people := []struct {
		id, mailbox string
		shared      bool // the monitor user may read subjects and locations
		events      []calendar.Event
	}{
		{"2001", "anna@contoso.it", true, []calendar.Event{
			{Start: at(-10 * time.Minute), End: at(50 * time.Minute), Status: calendar.Busy, Private: true, Subject: leakPrivateTexts[0], Location: leakPrivateTexts[1]},
		}},
		{"2002", "bruno@contoso.it", false, []calendar.Event{
			{Start: at(-10 * time.Minute), End: at(20 * time.Minute), Status: calendar.Busy, Private: true, Subject: leakPrivateTexts[2], Location: leakPrivateTexts[3]},
		}},
		{"2003", "carla@contoso.it", true, []calendar.Event{
			{Start: at(-5 * time.Minute), End: at(30 * time.Minute), Status: calendar.Free, Subject: "Team lunch", Location: "Trattoria"},
			{Start: at(time.Hour), End: at(2 * time.Hour), Status: calendar.Busy, Private: true, Subject: leakPrivateTexts[0], Location: leakPrivateTexts[3]},
		}},
		{"2004", "dario@contoso.it", true, []calendar.Event{
			{Start: at(-5 * time.Minute), End: at(30 * time.Minute), Status: calendar.Busy, Subject: "Budget review"},
		}},
	}
	for _, p := range people {
		if err := oc.AddUser(emulator.OneCloudUser{ID: p.id, Username: p.id, Email: p.mailbox}); err != nil {
			t.Fatal(err)
		}
		graph.SetCalendar(p.mailbox, p.events)
		if p.shared {
			graph.SetShared(p.mailbox, true)
		}
		cfg.Users = append(cfg.Users, config.User{OneCloudUser: p.id, Mailbox: p.mailbox, Enabled: true})
	}
	if err := config.Save(cfgPath, cfg); err != nil {
		t.Fatal(err)
	}

	cmd, out := calsyncProcess(t, []string{
		"CALSYNC_GRAPH_SECRET=" + leakGraphSecret,
		"CALSYNC_ONECLOUD_TOKEN=" + leakOneCloudToken,
	}, "service", "run", "--debug", "--config", cfgPath)

	leaks := &leakChecker{t: t, forbidden: append([]string{leakGraphSecret, leakOneCloudToken, emulatorTokenPrefix}, leakPrivateTexts...)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sock := config.SiblingPath(cfgPath, config.SocketFileName)
	client := localapi.NewClient(sock)
	var st localapi.Status
	for {
		st, err = client.Status(ctx)
		if err == nil && !st.LastSync.IsZero() && len(oc.Writes()) >= len(people) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the service did not sync: status %+v, %v; %d writes\n%s", st, err, len(oc.Writes()), out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range []struct{ id, activity string }{{"2001", "busy"}, {"2002", "busy"}, {"2003", "lunch"}, {"2004", "meeting"}} {
		if got, _ := oc.Presence(p.id); got.Activity != p.activity {
			t.Errorf("user %s has %q, want %q: the private events were not synced as such", p.id, got.Activity, p.activity)
		}
	}
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s: %v, %v; want a socket with mode 0600", sock, fi.Mode(), err)
	}

	// Everything the local API tells a client.
	answer := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("local API %s: %v", what, err)
			return
		}
		b, _ := json.Marshal(v)
		leaks.check("local API "+what, b)
	}
	answer("status", st, nil)
	cfgJSON, err := client.Config(ctx)
	answer("config", json.RawMessage(cfgJSON), err)
	sec, err := client.SecretStatus(ctx)
	answer("secrets", sec, err)
	dirAnswer, err := client.OneCloudDirectory(ctx)
	answer("directory", dirAnswer, err)
	steps, err := client.TestConnection(ctx)
	answer("test-connection", steps, err)
	logs, err := client.Logs(ctx, 10000)
	answer("logs", logs, err)
	if len(logs) == 0 {
		t.Error("the service logged nothing: the grep would prove nothing")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("service run did not stop cleanly on SIGTERM: %v\n%s", err, out)
	}
	leaks.check("service output", out.Bytes())
	if !strings.Contains(out.String(), "service started") {
		t.Errorf("no log on stderr: the grep of the output would prove nothing:\n%s", out)
	}
	names := leaks.checkDir(dir, 0o600)
	for _, want := range []string{"config.json", "state.json", "calsync.log"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("the service left %v, want %s among them", names, want)
		}
	}
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left behind after the stop: %v", err)
	}
	t.Logf("grepped %d bytes (files %v, output, local API answers) for %d secrets and private texts: none found",
		leaks.checked, names, len(leaks.forbidden))
}

// TestDemoLeavesNothing runs `calsync demo --headless --verbose` as its own
// process for a few seconds: its output (presence lines and the engine log)
// holds no secret, access token or private text of the demo office, and it
// removes the files it wrote (sync/demo's TestHeadlessDemo greps those).
func TestDemoLeavesNothing(t *testing.T) {
	ctx := context.Background()
	probe, err := demo.NewOffice(ctx, time.Now()) // the same seed as the child's
	if err != nil {
		t.Fatal(err)
	}
	ocToken, _, err := probe.Secrets.Get(ctx, secrets.OneCloud)
	if err != nil {
		t.Fatal(err)
	}
	graphSecret, _, err := probe.Secrets.Get(ctx, secrets.Graph)
	if err != nil {
		t.Fatal(err)
	}
	private := probe.PrivateTexts
	probe.Close()

	tmp := t.TempDir()
	cmd, out := calsyncProcess(t, []string{"TMPDIR=" + tmp}, "demo", "--headless", "--verbose", "--duration", "4s")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("calsync demo: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "Anna Neri        -> busy") || !strings.Contains(out.String(), "Demo over") {
		t.Errorf("the demo did not run through:\n%s", out)
	}
	leaks := &leakChecker{t: t, forbidden: append([]string{ocToken, graphSecret, emulatorTokenPrefix}, private...)}
	leaks.check("demo output", out.Bytes())
	if left := leaks.checkDir(tmp, 0o600); len(left) != 0 {
		t.Errorf("the demo left files behind: %v", left)
	}
}
