package secrets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/certcred"
)

// TestCertificateKeyFitsEveryKeychain stores a real RSA 2048 key the way
// `calsync cert new` does and checks the stored size against each OS's
// limit: Windows Credential Manager keeps the value's bytes as the blob
// (at most 2560), macOS base64-encodes it into a command line (3000 bytes
// of value fit).
func TestCertificateKeyFitsEveryKeychain(t *testing.T) {
	cred, err := certcred.New("Office", 2, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	value, err := cred.KeySecret()
	if err != nil {
		t.Fatal(err)
	}
	for _, goos := range []string{"windows", "darwin", "linux"} {
		mem := &Memory{}
		s := New(Options{Backend: mem, Getenv: envMap(nil)})
		s.goos = goos
		if err := s.Set(context.Background(), GraphCertificateKey, value); err != nil {
			t.Fatalf("%s: %v", goos, err)
		}
		stored, err := mem.Get(DefaultService, "graph-certificate-key")
		if err != nil {
			t.Fatal(err)
		}
		if stored != value || len(stored) > MaxSecretBytes(goos) || len(stored) > 2560 {
			t.Fatalf("%s: stored %d bytes, limit %d", goos, len(stored), MaxSecretBytes(goos))
		}
		got, src, err := s.Get(context.Background(), GraphCertificateKey)
		if err != nil || src != Keychain {
			t.Fatalf("%s: Get: %v %v", goos, src, err)
		}
		if _, err := certcred.ParseKeySecret(got); err != nil {
			t.Fatalf("%s: %v", goos, err)
		}
		t.Logf("%s: stored key %d bytes of %d allowed", goos, len(stored), MaxSecretBytes(goos))
	}
}

// The key is written by cert new/import only: not a name `secret set`
// takes, not in Status, never read from the environment, and its errors
// point at `calsync cert new`.
func TestCertificateKeyIsNotATypedSecret(t *testing.T) {
	if slices.Contains(Names(), GraphCertificateKey) {
		t.Error("the certificate key is among Names")
	}
	if _, err := ParseName("graph-certificate-key"); err == nil {
		t.Error("ParseName accepts the certificate key")
	}
	if GraphCertificateKey.EnvVar() != "" || GraphCertificateKey.Description() == "" {
		t.Error("env var or description")
	}
	var consulted []string
	getenv := func(k string) string { consulted = append(consulted, k); return "from-env" }
	s := New(Options{Backend: &Memory{}, Getenv: getenv})
	_, _, err := s.Get(context.Background(), GraphCertificateKey)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "calsync cert new") || strings.Contains(err.Error(), "secret set") {
		t.Errorf("Get: %v", err)
	}
	if len(consulted) != 0 {
		t.Errorf("the environment was consulted: %v", consulted)
	}
	for _, st := range s.Status(context.Background()) {
		if st.Name == GraphCertificateKey {
			t.Error("Status lists the certificate key")
		}
	}
	if err := s.Delete(context.Background(), GraphCertificateKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete: %v", err)
	}
}

// A keychain that echoes what it was given never gets the key into an
// error or a log line.
func TestCertificateKeyNeverInErrors(t *testing.T) {
	cred, err := certcred.New("Office", 1, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	value, _ := cred.KeySecret()
	var logs bytes.Buffer
	s := New(Options{Backend: echoBackend{}, Getenv: envMap(nil),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	serr := s.Set(context.Background(), GraphCertificateKey, value)
	_, _, gerr := s.Get(context.Background(), GraphCertificateKey)
	if serr == nil || gerr == nil || !errors.Is(gerr, ErrKeychain) {
		t.Fatalf("errors %v / %v", serr, gerr)
	}
	for _, text := range []string{serr.Error(), gerr.Error(), logs.String()} {
		if strings.Contains(text, value[100:160]) {
			t.Fatalf("key in %q", text)
		}
	}
}
