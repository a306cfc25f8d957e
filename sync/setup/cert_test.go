package setup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/certstore"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/secrets"
)

func newCred(t *testing.T, name string) *certcred.Credential {
	t.Helper()
	c, err := certcred.New(name, 2, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// In certificate mode Build signs in with the installed certificate and no
// client secret; without one it names `calsync cert new`; during a
// rotation whose new certificate Entra refuses, the previous one is used
// and CheckDeps carries the refusal for check to report.
func TestCertificateMode(t *testing.T) {
	ctx := context.Background()
	g := emulator.NewGraph(emulator.GraphOptions{})
	gURL, stopG := g.Start()
	defer stopG()
	cfg := testConfig(gURL, "http://127.0.0.1:2")
	cfg.Connector.Credential = config.CredentialCertificate
	old, newer := newCred(t, "Old"), newCred(t, "New")
	g.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, old.Certificate())

	tests := []struct {
		name     string
		install  []*certcred.Credential
		wantErr  bool
		wantUse  *certcred.Credential
		wantPend bool
	}{
		{name: "none", wantErr: true},
		{name: "installed", install: []*certcred.Credential{old}, wantUse: old},
		{name: "rotation not accepted yet", install: []*certcred.Credential{old, newer}, wantUse: old, wantPend: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "config.json")
			store := memoryStore(t, map[secrets.Name]string{secrets.OneCloud: "tok"})
			for _, c := range tt.install {
				if err := certstore.New(store, filepath.Dir(cfgPath), nil).Install(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			o := Options{ConfigPath: cfgPath, Secrets: store}
			parts, err := Build(ctx, cfg, o)
			d := CheckDeps(ctx, cfg, nil, o)
			if tt.wantErr {
				var me *MissingCertificateError
				if !errors.As(err, &me) || !strings.Contains(err.Error(), "calsync cert new") {
					t.Fatalf("Build = %v, want a MissingCertificateError naming calsync cert new", err)
				}
				if !errors.As(d.CertificateErr, &me) || d.Certificate != nil {
					t.Fatalf("CheckDeps certificate %v, err %v", d.Certificate != nil, d.CertificateErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := parts.Graph.CredentialInUse(); got != "certificate "+tt.wantUse.Thumbprint() {
				t.Errorf("credential in use %q, want %s", got, tt.wantUse.Thumbprint())
			}
			if err := parts.Graph.Token(ctx); err != nil {
				t.Errorf("token: %v", err)
			}
			if d.Certificate == nil || d.Certificate.Thumbprint() != tt.wantUse.Thumbprint() || d.CertificateErr != nil ||
				(d.CertificatePending != nil) != tt.wantPend || d.Secret != "" || d.SecretErr != nil {
				t.Errorf("CheckDeps certificate %v, pending %v, err %v, secret set %v, secret err %v",
					d.Certificate != nil, d.CertificatePending, d.CertificateErr, d.Secret != "", d.SecretErr)
			}
		})
	}
}

// Certificate mode reads the certificate's keys once per Build, and never the client secret.
func TestBuildReadsCertificateKeysOnce(t *testing.T) {
	ctx := context.Background()
	b := &countingBackend{reads: map[string]int{}}
	store := secrets.New(secrets.Options{Backend: b, Getenv: func(string) string { return "" }})
	if err := store.Set(ctx, secrets.OneCloud, "tok"); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.json")
	if err := certstore.New(store, filepath.Dir(cfgPath), nil).Install(ctx, newCred(t, "Office")); err != nil {
		t.Fatal(err)
	}
	b.reads = map[string]int{}
	cfg := testConfig("http://127.0.0.1:1", "http://127.0.0.1:2")
	cfg.Connector.Credential = config.CredentialCertificate
	if _, err := Build(ctx, cfg, Options{ConfigPath: cfgPath, Secrets: store}); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[secrets.Name]int{secrets.GraphCertificateKey: 1, secrets.OneCloud: 1, secrets.Graph: 0} {
		if got := b.reads[n.User()]; got != want {
			t.Errorf("%s read %d times, want %d", n, got, want)
		}
	}
}
