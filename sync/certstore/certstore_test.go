package certstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/certstore"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/retry"
	"github.com/calsync/calsync/sync/secrets"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// Two credentials, made once (RSA generation is slow under -race).
var creds = sync.OnceValues(func() ([]*certcred.Credential, error) {
	var out []*certcred.Credential
	for _, name := range []string{"Old", "New", "Newer"} {
		c, err := certcred.New(name, 2, t0)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
})

type fixture struct {
	mem   *secrets.Memory
	keys  *secrets.Store
	dir   string
	store *certstore.Store
	logs  *bytes.Buffer
	cs    []*certcred.Credential
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cs, err := creds()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{mem: &secrets.Memory{}, dir: t.TempDir(), logs: &bytes.Buffer{}, cs: cs}
	f.keys = secrets.New(secrets.Options{Backend: f.mem, Getenv: func(string) string { return "" }})
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.store = certstore.New(f.keys, f.dir, log)
	return f
}

// leakScan fails if any key is in any file of the directory, or in texts.
func (f *fixture) leakScan(t *testing.T, texts ...string) {
	t.Helper()
	var forbidden []string
	for _, c := range f.cs {
		ks, _ := c.KeySecret()
		forbidden = append(forbidden, ks[300:360])
	}
	_ = filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			texts = append(texts, string(b))
		}
		return nil
	})
	texts = append(texts, f.logs.String())
	for _, text := range texts {
		for _, k := range forbidden {
			if strings.Contains(text, k) {
				t.Fatalf("a private key is in %.200q", text)
			}
		}
	}
}

func TestInstallLoadShow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.store.Load(ctx); !errors.Is(err, certstore.ErrNone) {
		t.Fatalf("empty Load: %v", err)
	}
	if _, _, err := f.store.Show(t0); !errors.Is(err, certstore.ErrNone) {
		t.Fatalf("empty Show: %v", err)
	}
	if err := f.store.Install(ctx, f.cs[0]); err != nil {
		t.Fatal(err)
	}
	cur, prev, err := f.store.Load(ctx)
	if err != nil || cur.Thumbprint() != f.cs[0].Thumbprint() || prev != nil {
		t.Fatalf("Load: %v %v", err, prev)
	}
	b, err := os.ReadFile(filepath.Join(f.dir, "calsync-graph.cer"))
	if err != nil || !bytes.Equal(b, f.cs[0].CertificatePEM()) {
		t.Fatalf("certificate file: %v", err)
	}
	if st, _ := os.Stat(filepath.Join(f.dir, "calsync-graph.cer")); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	info, p, err := f.store.Show(t0.AddDate(0, 0, 10))
	if err != nil || p != nil || info.Thumbprint != f.cs[0].Thumbprint() || info.DaysLeft == nil || *info.DaysLeft != 721 {
		t.Fatalf("Show: %+v %v %v", info, p, err)
	}
	// The certificate file alone must not load: the key is in the keychain.
	f2 := certstore.New(secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }}), f.dir, nil)
	if _, _, err := f2.Load(ctx); err == nil || !strings.Contains(err.Error(), "not in the keychain") {
		t.Errorf("Load without the key: %v", err)
	}
	f.leakScan(t)
}

// emulatorProbe obtains a token with a credential from the emulator.
func emulatorProbe(u string) certstore.Probe {
	return certstore.TokenProbe(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		SyncUser: emulator.GraphDefaultSyncUser, ClientSecret: "ignored", AuthorityURL: u, GraphURL: u, Clock: clock.NewFake(t0),
		Retry: retry.Policy{MaxAttempts: 1}})
}

// A rotation keeps the certificate in use working until the new one is
// uploaded and has obtained a token; then the old one is gone.
func TestRotationHasNoWindowWithoutCredential(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	emu := emulator.NewGraph(emulator.GraphOptions{Clock: clock.NewFake(t0)})
	u, stop := emu.Start()
	defer stop()
	probe := emulatorProbe(u)
	old, nu, newer := f.cs[0], f.cs[1], f.cs[2]

	if err := f.store.Install(ctx, old); err != nil {
		t.Fatal(err)
	}
	emu.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, old.Certificate())
	use, pending, err := f.store.Select(ctx, probe)
	if err != nil || pending != nil || use.Thumbprint() != old.Thumbprint() {
		t.Fatalf("before rotation: %v %v", pending, err)
	}

	// cert new: the new certificate is installed but not uploaded yet.
	if err := f.store.Install(ctx, nu); err != nil {
		t.Fatal(err)
	}
	cur, prev, err := f.store.Load(ctx)
	if err != nil || cur.Thumbprint() != nu.Thumbprint() || prev == nil || prev.Thumbprint() != old.Thumbprint() {
		t.Fatalf("after install: %v", err)
	}
	if b, _ := os.ReadFile(f.store.CertificatePath()); !bytes.Equal(b, nu.CertificatePEM()) {
		t.Fatal("calsync-graph.cer is not the new certificate to upload")
	}
	use, pending, err = f.store.Select(ctx, probe)
	var ge *graph.Error
	if err != nil || use.Thumbprint() != old.Thumbprint() || !errors.As(pending, &ge) || ge.Kind != graph.KindCertificateNotRegistered {
		t.Fatalf("new not uploaded: use %v pending %v err %v", use.Thumbprint(), pending, err)
	}
	if probe(ctx, use) != nil {
		t.Fatal("the previous certificate stopped working during the rotation")
	}
	notYet := pending.Error()
	info, previous, err := f.store.Show(t0)
	if err != nil || previous == nil || previous.Thumbprint != old.Thumbprint() || info.Thumbprint != nu.Thumbprint() {
		t.Fatalf("Show during rotation: %+v %+v %v", info, previous, err)
	}

	// A second cert new before the upload replaces the unconfirmed one; the
	// previous, working one stays.
	if err := f.store.Install(ctx, newer); err != nil {
		t.Fatal(err)
	}
	cur, prev, _ = f.store.Load(ctx)
	if cur.Thumbprint() != newer.Thumbprint() || prev.Thumbprint() != old.Thumbprint() {
		t.Fatalf("second install: %s / %s", cur.Thumbprint(), prev.Thumbprint())
	}

	// The admin uploads it: the next Select confirms and drops the old one.
	emu.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, newer.Certificate())
	use, pending, err = f.store.Select(ctx, probe)
	if err != nil || pending != nil || use.Thumbprint() != newer.Thumbprint() {
		t.Fatalf("after upload: %v %v", pending, err)
	}
	if _, err := os.Stat(f.store.PreviousPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("previous certificate file left: %v", err)
	}
	if _, _, err := f.keys.Get(ctx, secrets.GraphCertificateKeyPrevious); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("previous key left: %v", err)
	}
	if _, p, _ := f.store.Load(ctx); p != nil {
		t.Error("still rotating")
	}
	f.leakScan(t, notYet)

	if err := f.store.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.Load(ctx); !errors.Is(err, certstore.ErrNone) {
		t.Errorf("after Remove: %v", err)
	}
}

// failingKeys refuses writes to one name, as a full or locked keychain would.
type failingKeys struct {
	*secrets.Store
	fail secrets.Name
}

func (k failingKeys) Set(ctx context.Context, n secrets.Name, v string) error {
	if n == k.fail {
		return errors.New("keychain locked")
	}
	return k.Store.Set(ctx, n, v)
}

func TestInstallFailureKeepsTheCredentialInUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.Install(ctx, f.cs[0]); err != nil {
		t.Fatal(err)
	}
	// The keychain refuses the previous slot: nothing changes.
	s := certstore.New(failingKeys{f.keys, secrets.GraphCertificateKeyPrevious}, f.dir, nil)
	if err := s.Install(ctx, f.cs[1]); err == nil {
		t.Fatal("install succeeded")
	}
	cur, prev, err := f.store.Load(ctx)
	if err != nil || cur.Thumbprint() != f.cs[0].Thumbprint() || prev != nil {
		t.Fatalf("after a failed install: %v %v", err, prev)
	}
	// The directory cannot be written: the key written is put back.
	if os.Getuid() == 0 {
		t.Skip("root writes to read-only directories")
	}
	if err := os.Chmod(f.dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(f.dir, 0o700)
	if err := f.store.Install(ctx, f.cs[1]); err == nil {
		t.Fatal("install into a read-only directory succeeded")
	}
	if cur, _, err := f.store.Load(ctx); err != nil || cur.Thumbprint() != f.cs[0].Thumbprint() {
		t.Fatalf("after a failed file write: %v", err)
	}
}

// brokenKeys is a keychain that cannot be read.
type brokenKeys struct{ *secrets.Store }

func (brokenKeys) Get(context.Context, secrets.Name) (string, secrets.Source, error) {
	return "", "", fmt.Errorf("%w: no D-Bus session", secrets.ErrKeychain)
}

func TestInstallRefusesWhenTheKeychainCannotBeRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.Install(ctx, f.cs[0]); err != nil {
		t.Fatal(err)
	}
	s := certstore.New(brokenKeys{f.keys}, f.dir, nil)
	if err := s.Install(ctx, f.cs[1]); !errors.Is(err, secrets.ErrKeychain) {
		t.Fatalf("install with an unreadable keychain: %v", err)
	}
	if cur, _, err := f.store.Load(ctx); err != nil || cur.Thumbprint() != f.cs[0].Thumbprint() {
		t.Fatalf("the credential in use changed: %v", err)
	}
}
