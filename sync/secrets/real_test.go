package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const (
	realKeyringEnv = "CALSYNC_REAL_KEYRING"
	// realKeyringChild marks the re-executed test process.
	realKeyringChild = "CALSYNC_REAL_KEYRING_CHILD"
)

// TestRealSecretService runs the Store against the machine's real keychain
// (in CI: gnome-keyring's Secret Service on a private D-Bus session, as
// go-keyring's own CI does). It runs only with CALSYNC_REAL_KEYRING=1, and
// then fails if the keychain cannot be reached:
//
//	XDG_DATA_HOME=$(mktemp -d) CALSYNC_REAL_KEYRING=1 dbus-run-session -- sh -c \
//	  'echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; go test -race -run Real -v ./sync/secrets/'
//
// A fresh XDG_DATA_HOME gives gnome-keyring a new login keyring with password
// "pw"; an existing login keyring with another password cannot be unlocked.
//
// Other tests replace go-keyring's provider with its mock (keyring.MockInit)
// for the rest of the process and go-keyring cannot restore it, so the checks
// run in a fresh copy of the test binary where only this test runs.
func TestRealSecretService(t *testing.T) {
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skip("real keychain test skipped; set CALSYNC_REAL_KEYRING=1 with a Secret Service running, e.g.\n" +
			"  XDG_DATA_HOME=$(mktemp -d) CALSYNC_REAL_KEYRING=1 dbus-run-session -- sh -c " +
			"'echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; go test -race -run Real -v ./sync/secrets/'")
	}
	if os.Getenv(realKeyringChild) != "1" {
		exe, err := os.Executable()
		if err != nil {
			t.Fatalf("find the test binary: %v", err)
		}
		cmd := exec.Command(exe, "-test.run=^TestRealSecretService$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), realKeyringChild+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("fresh test process output:\n%s", out)
		if err != nil {
			t.Fatalf("real keychain test failed in its fresh process: %v", err)
		}
		return
	}
	realKeychainChecks(t)
	realInstancesApart(t)
}

// realInstancesApart runs the two-instance check against the real keychain.
// The default instance is left out: its entries ("calsync") may be a real
// installation's on a developer's machine.
func realInstancesApart(t *testing.T) {
	a := filepath.Join(t.TempDir(), "a", "config.json")
	b := filepath.Join(t.TempDir(), "b", "config.json")
	def := filepath.Join(t.TempDir(), "default", "config.json")
	t.Cleanup(func() {
		for _, p := range []string{a, b} {
			s := New(Options{Service: InstanceService(p, def), Getenv: envMap(nil)})
			for _, n := range instanceSecrets {
				if err := s.Delete(context.Background(), n); err != nil && !errors.Is(err, ErrNotFound) {
					t.Errorf("cleanup %s of %s: %v", n, s.Service(), err)
				}
			}
		}
	})
	checkInstancesApart(t, KeyringBackend{}, def, a, b)
}

func realKeychainChecks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	service := fmt.Sprintf("calsync-test-%d", os.Getpid())
	env := map[string]string{}
	s := New(Options{Service: service, Getenv: envMap(env)})
	t.Cleanup(func() {
		for _, n := range Names() {
			if err := s.Delete(context.Background(), n); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("cleanup %s: %v", n, err)
			}
		}
	})

	// Reaching the keychain at all: a missing item must be "not found",
	// not a D-Bus/keychain error.
	if _, err := (KeyringBackend{}).Get(service, Graph.User()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("keychain not reachable (want a clean not-found for service %q): %v", service, err)
	}

	const value = "real-Secret~Service.value_ü-42"
	if err := s.Set(ctx, Graph, "  "+value+"\n"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := s.Set(ctx, Graph, value); err != nil { // replaces, does not duplicate
		t.Fatalf("Set again: %v", err)
	}
	v, src, err := s.Get(ctx, Graph)
	if err != nil || v != value || src != Keychain {
		t.Fatalf("Get = %q, %q, %v; want the value from the keychain", v, src, err)
	}
	env[EnvGraphSecret] = "env-value-wins"
	if v, src, err := s.Get(ctx, Graph); err != nil || v != "env-value-wins" || src != Environment {
		t.Fatalf("Get with %s set = %q, %q, %v; want the environment's value", EnvGraphSecret, v, src, err)
	}
	delete(env, EnvGraphSecret)
	st := s.Status(ctx)
	if !st[0].Set || st[0].Source != Keychain || st[0].Err != "" {
		t.Errorf("graph status = %+v; want set in the keychain", st[0])
	}
	if st[1].Set || st[1].Err != "" {
		t.Errorf("onecloud status = %+v; want not set, no error", st[1])
	}
	if err := s.Delete(ctx, Graph); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Delete(ctx, Graph); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete = %v; want ErrNotFound", err)
	}
	if _, _, err := s.Get(ctx, Graph); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get with nothing set = %v; want ErrNotFound", err)
	}
}
