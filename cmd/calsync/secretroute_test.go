package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/calsync/calsync/sync/demo"
	"github.com/calsync/calsync/sync/secrets"
)

// runCLIOwned is runCLI with an installed service that owns the secrets (Windows' LocalSystem
// service) when owned is set, and none otherwise.
func runCLIOwned(t *testing.T, owned bool, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{
		stdin:              strings.NewReader(stdin),
		stdout:             &out,
		stderr:             &errb,
		getenv:             func(k string) string { return vars[k] },
		stdinIsTTY:         func() bool { return false },
		keychain:           secrets.KeyringBackend{Reachable: func() error { return nil }},
		serviceOwnsSecrets: func(string) bool { return owned },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, args, e)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// localSecret is what this user's keychain (go-keyring's mock) holds for n.
func localSecret(t *testing.T, configPath string, n secrets.Name) string {
	t.Helper()
	v, _, err := secrets.New(secrets.Options{Service: keychainService(configPath),
		Backend: secrets.KeyringBackend{Reachable: func() error { return nil }},
		Getenv:  func(string) string { return "" }}).Get(context.Background(), n)
	if err != nil {
		return ""
	}
	return v
}

// TestSecretStoreRouting: with the service installed and owning its secrets but stopped,
// secret set, cert new and check refuse to use this user's store and say to start the service;
// with no such service they use this user's store and say so.
func TestSecretStoreRouting(t *testing.T) {
	dir, err := os.MkdirTemp("", "cs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	vars := map[string]string{"CALSYNC_CONFIG": filepath.Join(dir, "config.json")}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		key   secrets.Name // must stay out of this user's keychain
	}{
		{"secret set", "a-client-secret-value-1234567890", []string{"secret", "set", "graph"}, secrets.Graph},
		{"cert new", "", []string{"cert", "new"}, secrets.GraphCertificateKey},
		{"check", "", []string{"check"}, ""},
	} {
		t.Run(tc.name+", service installed and stopped", func(t *testing.T) {
			keyring.MockInit()
			r := runCLIOwned(t, true, vars, tc.stdin, tc.args...)
			if r.code == exitOK {
				t.Fatalf("succeeded without the service's store: %s", r)
			}
			for _, want := range []string{"installed but not running", "its own store", "calsync service start"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("the error does not say %q: %s", want, r)
				}
			}
			if tc.key != "" && localSecret(t, vars["CALSYNC_CONFIG"], tc.key) != "" {
				t.Errorf("%s went to this user's keychain, which the service never reads", tc.key)
			}
		})
	}
	t.Run("secret set, no service owns the secrets", func(t *testing.T) {
		keyring.MockInit()
		r := runCLIOwned(t, false, vars, "a-client-secret-value-1234567890", "secret", "set", "graph")
		if r.code != exitOK || !strings.Contains(r.stdout, "stored in the system keychain") {
			t.Fatalf("%s", r)
		}
		if localSecret(t, vars["CALSYNC_CONFIG"], secrets.Graph) != "a-client-secret-value-1234567890" {
			t.Error("the secret is not in this user's keychain")
		}
	})
}

// TestSecretStoreRoutingRunningService: with the service running, secret set hands the value
// to it and check runs in it (its test-connection endpoint, with its own secrets), each saying
// so; this user's keychain stays empty.
func TestSecretStoreRoutingRunningService(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	office, err := demo.NewOffice(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer office.Close()
	runTestService(t, office.ConfigPath, office.Secrets)
	vars := map[string]string{"CALSYNC_CONFIG": office.ConfigPath}

	r := runCLIOwned(t, true, vars, "", "check")
	if !strings.Contains(r.stdout, "Checked by the running calsync service") || !strings.Contains(r.stdout, "✓") {
		t.Errorf("check did not run in the service: %s", r)
	}
	if r.code != exitOK && r.code != exitSomeFailed {
		t.Errorf("check through the service of the demo office: %s", r)
	}

	r = runCLIOwned(t, true, vars, "onecloud-token-from-the-admin-0123", "secret", "set", "onecloud")
	if r.code != exitOK || !strings.Contains(r.stdout, "handed to the running calsync service") {
		t.Fatalf("secret set with the service running: %s", r)
	}
	if v, _, err := office.Secrets.Get(ctx, secrets.OneCloud); err != nil || v != "onecloud-token-from-the-admin-0123" {
		t.Errorf("the service's store has %q, %v", v, err)
	}
	if localSecret(t, office.ConfigPath, secrets.OneCloud) != "" {
		t.Error("the secret also went to this user's keychain")
	}
}
