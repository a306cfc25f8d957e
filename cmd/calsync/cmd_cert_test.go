package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/secrets"
)

var thumbprintRE = regexp.MustCompile(`^[0-9A-F]{40}$`)

// certKey is the certificate's private key as this user's keychain (the
// go-keyring mock) holds it for the instance configured at path; "" when absent.
func certKey(t *testing.T, path string, n secrets.Name) string {
	t.Helper()
	v, err := keyring.Get(keychainService(path), n.User())
	if err != nil {
		return ""
	}
	return v
}

// noKeyIn fails when out holds the stored private key or any PEM key.
func noKeyIn(t *testing.T, key string, outs ...string) {
	t.Helper()
	for _, out := range outs {
		if strings.Contains(out, "PRIVATE KEY") || (key != "" && strings.Contains(out, key[:32])) {
			t.Fatalf("output holds the private key:\n%s", out)
		}
	}
}

// cert new makes the credential, cert show describes it, and with
// connector.credential "certificate" check and sync sign in with it, with
// no client secret anywhere.
func TestCertNewShowCheckSync(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	o := newOffice(t)
	meeting := o.event(calendar.Busy, time.Hour)
	meeting.Subject = "Weekly"
	o.addUser("1001", "anna@contoso.it", []calendar.Event{meeting}, false)
	o.save()
	delete(o.vars, "CALSYNC_GRAPH_SECRET")

	r := o.run("cert", "show")
	if r.code != exitUsage || !strings.Contains(r.stderr, "calsync cert new") {
		t.Fatalf("cert show with none: %s", r)
	}
	r = o.run("cert", "new", "--json")
	if r.code != exitOK {
		t.Fatalf("cert new: %s", r)
	}
	var made certcred.Info
	if err := json.Unmarshal([]byte(r.stdout), &made); err != nil {
		t.Fatalf("cert new --json: %v\n%s", err, r.stdout)
	}
	notAfter, err := time.Parse(time.RFC3339, made.NotAfter)
	if err != nil || !thumbprintRE.MatchString(made.Thumbprint) || len(made.ThumbprintSHA256) != 64 ||
		made.File != filepath.Join(filepath.Dir(o.path), certcred.FileName) || made.Subject != "CN=calsync Contoso test" ||
		notAfter.Sub(time.Now().AddDate(2, 0, 0)).Abs() > time.Hour {
		t.Fatalf("cert new --json = %+v (%v)", made, err)
	}
	key := certKey(t, o.path, secrets.GraphCertificateKey)
	if key == "" {
		t.Fatal("the key is not in the keychain")
	}
	noKeyIn(t, key, r.stdout, r.stderr)
	pemData, err := os.ReadFile(made.File)
	if err != nil {
		t.Fatal(err)
	}
	noKeyIn(t, key, string(pemData))
	cert, err := certcred.ParseCertificatePEM(pemData)
	if err != nil || certcred.Thumbprint(cert) != made.Thumbprint {
		t.Fatalf("the file is not the certificate: %v", err)
	}

	r = o.run("cert", "show", "--json")
	var shown struct {
		certcred.Info
		Previous *certcred.Info `json:"previous"`
	}
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &shown) != nil || shown.Thumbprint != made.Thumbprint ||
		shown.DaysLeft == nil || *shown.DaysLeft < 729 || shown.Previous != nil {
		t.Fatalf("cert show --json: %s", r)
	}
	if r = o.run("cert", "show"); r.code != exitOK || !strings.Contains(r.stdout, made.Thumbprint) || !strings.Contains(r.stdout, "days left") {
		t.Fatalf("cert show: %s", r)
	}

	o.cfg.Connector.Credential = config.CredentialCertificate
	o.save()
	// Not uploaded yet: check says so, naming the thumbprint.
	if r = o.run("check"); r.code == exitOK || !strings.Contains(r.stdout, made.Thumbprint) {
		t.Fatalf("check before the upload: %s", r)
	}
	o.graph.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, cert)
	r = o.run("check")
	if r.code != exitOK || !strings.Contains(r.stdout, "✓ Certificate credential is installed") ||
		!strings.Contains(r.stdout, "with the certificate "+made.Thumbprint) || !strings.Contains(r.stdout, "✓ Certificate is not about to expire") ||
		strings.Contains(r.stdout, "Client secret") {
		t.Fatalf("check with the certificate: %s", r)
	}
	if r = o.run("sync", "--once"); r.code != exitOK {
		t.Fatalf("sync --once with the certificate: %s", r)
	}

	// A second cert new is a rotation: show lists both until Entra accepts the new one.
	if r = o.run("cert", "new"); r.code != exitOK || !strings.Contains(r.stdout, "Upload certificate") {
		t.Fatalf("second cert new: %s", r)
	}
	if r = o.run("cert", "show"); !strings.Contains(r.stdout, "Being replaced") || !strings.Contains(r.stdout, made.Thumbprint) {
		t.Fatalf("cert show during a rotation: %s", r)
	}
	if r = o.run("check"); r.code != exitOK || !strings.Contains(r.stdout, "new certificate not accepted yet; using "+made.Thumbprint) {
		t.Fatalf("check during a rotation: %s", r)
	}
}

// Bad input is a usage error with the reason; a missing certificate in
// certificate mode names cert new.
func TestCertUsageErrors(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	o := newOffice(t)
	o.cfg.Connector.Credential = config.CredentialCertificate
	o.addUser("1001", "anna@contoso.it", nil, false)
	o.save()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"cert", "new", "--years", "4"}, "expected 1 to 3"},
		{[]string{"cert", "new", "--years", "0"}, "expected 1 to 3"},
		{[]string{"cert", "new", "--out", filepath.Join(dir, "nope")}, "does not exist; create the directory first"},
		{[]string{"cert", "new", "extra"}, "unexpected argument"},
		{[]string{"cert", "import"}, "exactly one file"},
		{[]string{"cert", "import", filepath.Join(dir, "missing.pfx")}, "missing.pfx"},
		{[]string{"cert", "import", junk}, "junk.pem"},
		{[]string{"sync", "--once"}, "calsync cert new"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := o.run(tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("want exit 2 with %q: %s", tt.want, r)
			}
		})
	}
	if certKey(t, o.path, secrets.GraphCertificateKey) != "" {
		t.Error("a failed command stored a key")
	}
}

// cert import takes PEM with both parts, or a .pfx whose password comes
// from standard input; a wrong password is refused without being echoed.
func TestCertImport(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	o := newOffice(t)
	o.save()
	cred, err := certcred.New("Imported", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	der, err := cred.KeyPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "office.pem")
	must(t, os.WriteFile(pemFile, append(cred.CertificatePEM(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...), 0o600))
	const password = "Pfx-Pa55word-never-printed"
	pfx, err := pkcs12.Modern.Encode(mustKey(t, der), cred.Certificate(), nil, password)
	if err != nil {
		t.Fatal(err)
	}
	pfxFile := filepath.Join(dir, "office.pfx")
	must(t, os.WriteFile(pfxFile, pfx, 0o600))

	tests := []struct {
		name, file, stdin string
		code              int
	}{
		{"pem", pemFile, "", exitOK},
		{"pfx", pfxFile, password + "\n", exitOK},
		{"pfx, wrong password", pfxFile, "wrong-" + password + "\n", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, o.vars, tt.stdin, "cert", "import", tt.file, "--json")
			if r.code != tt.code || strings.Contains(r.stdout+r.stderr, password) {
				t.Fatalf("want exit %d, no password: %s", tt.code, r)
			}
			noKeyIn(t, certKey(t, o.path, secrets.GraphCertificateKey), r.stdout, r.stderr)
			if tt.code != exitOK {
				if !strings.Contains(r.stderr, "password") {
					t.Errorf("the error does not say the password is wrong: %s", r)
				}
				return
			}
			var i certcred.Info
			if err := json.Unmarshal([]byte(r.stdout), &i); err != nil || i.Thumbprint != cred.Thumbprint() {
				t.Fatalf("import --json: %v\n%s", err, r.stdout)
			}
		})
	}
}

// With the service listening beside the configuration, cert new has the
// service make the key, which stays in the service's keychain.
func TestCertNewThroughRunningService(t *testing.T) {
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
	out := t.TempDir()
	r := runCLI(t, map[string]string{"CALSYNC_CONFIG": cfgPath}, "", "cert", "new", "--out", out, "--json")
	if r.code != exitOK {
		t.Fatalf("cert new with a running service: %s", r)
	}
	var i certcred.Info
	if err := json.Unmarshal([]byte(r.stdout), &i); err != nil || i.File != filepath.Join(out, certcred.FileName) {
		t.Fatalf("cert new --json: %v\n%s", err, r.stdout)
	}
	key, _, err := serviceStore.Get(ctx, secrets.GraphCertificateKey)
	if err != nil {
		t.Fatalf("the service's keychain has no key: %v", err)
	}
	noKeyIn(t, key, r.stdout, r.stderr)
	if certKey(t, cfgPath, secrets.GraphCertificateKey) != "" {
		t.Error("the key also went to this user's keychain")
	}
	for _, f := range []string{i.File, filepath.Join(dir, certcred.FileName)} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := certcred.ParseCertificatePEM(b); err != nil || certcred.Thumbprint(c) != i.Thumbprint {
			t.Errorf("%s is not the new certificate: %v", f, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustKey(t *testing.T, pkcs8 []byte) any {
	t.Helper()
	k, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
