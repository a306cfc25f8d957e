package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/secrets"
	"github.com/calsync/calsync/sync/workhours"
)

// rules test says what really happened to the working hours, shows no zero
// date, bounds --at, refuses an empty --at and warns about an activity
// OneCloud does not have.
func TestRulesTestRemedies(t *testing.T) {
	o := newOffice(t)
	o.cfg.Rules = append(o.cfg.Rules, config.Rule{Scope: "organization", Type: "workinghours", Match: "outside", Activity: "gone-home"})
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.addUser("1002", "marte@contoso.it", nil, false)
	o.addUser("1003", "nodays@contoso.it", nil, false)
	o.graph.SetWorkingHours("marte@contoso.it", &workhours.Graph{DaysOfWeek: []string{"monday"}, StartTime: "08:00:00.0000000",
		EndTime: "17:00:00.0000000", TimeZone: &workhours.TimeZone{Name: "Mars Standard Time"}})
	o.graph.SetWorkingHours("nodays@contoso.it", &workhours.Graph{DaysOfWeek: []string{}, StartTime: "08:00:00.0000000",
		EndTime: "17:00:00.0000000", TimeZone: &workhours.TimeZone{Name: "W. Europe Standard Time"}})
	o.save()
	const at = "2026-12-07T18:30:00+01:00"
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		notInOut   []string
		stderrNone bool
	}{
		{"hours answered but unusable", []string{"--user", "1002", "--no-event", "--at", at}, exitOK,
			[]string{"Hours:    unusable (Microsoft 365 answered, but the published hours cannot be used)"},
			[]string{"Mars Standard Time"}, []string{"not reachable"}, false},
		{"no working day: no zero date", []string{"--user", "1003", "--no-event", "--at", at}, exitOK,
			[]string{"with no working time ahead to end it", "until - (open-ended)"}, nil, []string{"1 Jan", "0001"}, true},
		{"--at far in the future", []string{"--user", "1001", "--at", "9999-12-31T23:59:59Z"}, exitUsage,
			nil, []string{"the event must lie between 2000-01-01 and 2100-01-01"}, nil, false},
		{"--at ending past the bound", []string{"--user", "1001", "--at", "2099-12-31T23:30:00Z"}, exitUsage,
			nil, []string{"the event must lie between"}, nil, false},
		{"--at long ago", []string{"--user", "1001", "--at", "1999-12-31T23:59:59Z"}, exitUsage,
			nil, []string{"the event must lie between"}, nil, false},
		{"--at empty", []string{"--user", "1001", "--at", ""}, exitUsage,
			nil, []string{"--at is empty; give a time like 2026-12-07T18:30, or leave --at out for now"}, nil, false},
		{"--at blank", []string{"--user", "1001", "--at", "  "}, exitUsage,
			nil, []string{"--at is empty"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := o.run(append([]string{"rules", "test"}, tt.args...)...)
			if r.code != tt.code || (tt.stderrNone && r.stderr != "") {
				t.Fatalf("want exit %d: %s", tt.code, r)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q: %s", w, r)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r)
				}
			}
			for _, w := range tt.notInOut {
				if strings.Contains(r.stdout, w) {
					t.Errorf("stdout has %q: %s", w, r)
				}
			}
		})
	}

	// An activity OneCloud does not have: shown, with the warning sync --once's refusal deserves.
	o.cfg.Rules[3].Activity = "gone-fishing"
	o.save()
	r := o.run("rules", "test", "--user", "1001", "--at", at)
	if r.code != exitOK || !strings.Contains(r.stdout, "activity gone-fishing") ||
		!strings.Contains(r.stderr, `rules[3].activity: unknown OneCloud activity "gone-fishing"`) ||
		!strings.Contains(r.stderr, "sync --once and the service refuse this configuration") {
		t.Errorf("unknown activity: %s", r)
	}
	if r := o.run("sync", "--once"); r.code != exitUsage || !strings.Contains(r.stderr, `unknown OneCloud activity "gone-fishing"`) {
		t.Errorf("sync --once does not refuse it the same way: %s", r)
	}
}

// The certificate commands' messages say what really works: the commands
// that exist, no blank variable name, the path as given once, and a
// usage-class exit code for what the admin fixes.
func TestCertRemedies(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.json")
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.pfx")
	if err := os.WriteFile(huge, bytes.Repeat([]byte{0x30}, certcred.MaxImportBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pfx") // fits the CLI and the local API, but is no .pfx
	if err := os.WriteFile(big, bytes.Repeat([]byte{0x30}, certcred.MaxImportBytes), 0o600); err != nil {
		t.Fatal(err)
	}
	noKeychain := secrets.KeyringBackend{Reachable: func() error { return secrets.ErrNoSessionBus }}
	tests := []struct {
		name     string
		args     []string
		keychain secrets.Backend
		want     []string
		notWant  []string
	}{
		{"cert new without a keychain", []string{"cert", "new"}, noKeychain,
			[]string{"run `calsync cert new` (or `calsync cert import FILE`) in a session where the system keychain works",
				`connector.credential "secret" and CALSYNC_GRAPH_SECRET`},
			[]string{"secret set graph-certificate-key", "set  in", "` `"}},
		{"cert new --out missing", []string{"cert", "new", "--out", filepath.Join(dir, "missing")}, nil,
			[]string{"--out " + filepath.Join(dir, "missing") + " does not exist; create the directory first"}, []string{"is not a directory"}},
		{"cert new --out a file", []string{"cert", "new", "--out", file}, nil,
			[]string{"is a file, not a directory"}, nil},
		{"cert import a directory", []string{"cert", "import", dir}, nil,
			[]string{dir + " is a directory; give the certificate file in it"}, []string{dir + ": read " + dir}},
		{"cert import junk", []string{"cert", "import", file}, nil,
			[]string{file + ": import: the file is neither PEM nor PKCS#12 (.pfx); expected PEM text"},
			[]string{"import " + file + ": import", "asn1", "hand the certificate"}},
		{"cert import over the limit", []string{"cert", "import", huge}, nil,
			[]string{fmt.Sprintf("is larger than %d bytes", certcred.MaxImportBytes)}, []string{"hand the certificate"}},
		{"cert import at the limit", []string{"cert", "import", big}, nil,
			[]string{"neither PEM nor PKCS#12"}, []string{"hand the certificate", "too large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := tt.keychain
			if kc == nil {
				kc = secrets.KeyringBackend{Reachable: func() error { return nil }}
			}
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader("pw\n"), stdout: &out, stderr: &errb, stdinIsTTY: func() bool { return false },
				getenv: func(k string) string { return map[string]string{"CALSYNC_CONFIG": cfgPath}[k] }, keychain: kc}
			code := run(context.Background(), tt.args, e)
			r := result{code: code, stdout: out.String(), stderr: errb.String()}
			if code != exitUsage {
				t.Fatalf("want exit 2: %s", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.stderr, w) {
					t.Errorf("stderr has %q: %s", w, r)
				}
			}
		})
	}
	// A connector name that is no plain text never reaches a certificate subject.
	if err := os.WriteFile(cfgPath, []byte(`{"version":1,"connector":{"name":"Contoso\u0000Evil"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, map[string]string{"CALSYNC_CONFIG": cfgPath}, "", "cert", "new")
	if r.code != exitUsage || !strings.Contains(r.stderr, "connector.name") || !strings.Contains(r.stderr, "control character") {
		t.Errorf("cert new with a NUL in connector.name: %s", r)
	}
}

// One problem is "1 problem".
func TestInvalidConfigOneProblem(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.save()
	o.cfg.Connector.ClientID = "not-a-guid"
	data, err := config.Marshal(o.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(o.path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := o.run("sync", "--once")
	if r.code != exitUsage || !strings.Contains(r.stderr, "is not valid (1 problem):") {
		t.Errorf("one problem: %s", r)
	}
}

// sync --once and contacts sync --once beside a running service warn, once, on stderr;
// a dry run, which writes nothing, does not.
func TestOnceWarnsWhenTheServiceRuns(t *testing.T) {
	o := newOffice(t)
	dir, err := os.MkdirTemp("", "cs") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	o.path = filepath.Join(dir, "config.json")
	o.vars["CALSYNC_CONFIG"] = o.path
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.cfg.Contacts = &config.Contacts{Enabled: true, DefaultRegion: "IT"}
	o.save()
	const warning = "calsync: warning: the calsync service is running for "
	if r := o.run("sync", "--once"); strings.Contains(r.stderr, warning) {
		t.Fatalf("warned with no service: %s", r)
	}
	store := secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }})
	runTestService(t, o.path, store)
	for _, tt := range []struct {
		args  []string
		warns string
	}{
		{[]string{"sync", "--once"}, "writes the same presence too"},
		{[]string{"contacts", "sync", "--once"}, "writes the same phonebooks too"},
		{[]string{"sync", "--once", "--dry-run"}, ""},
		{[]string{"contacts", "sync", "--once", "--dry-run"}, ""},
	} {
		r := o.run(tt.args...)
		n := strings.Count(r.stderr, warning)
		if tt.warns == "" && n != 0 || tt.warns != "" && (n != 1 || !strings.Contains(r.stderr, tt.warns) ||
			!strings.Contains(r.stderr, "calsync service stop")) {
			t.Errorf("%s: want %d warning(s) %q: %s", strings.Join(tt.args, " "), min(len(tt.warns), 1), tt.warns, r)
		}
	}
}
