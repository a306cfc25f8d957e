package check

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
)

// Keys are slow to make: one of each kind for the whole package.
var (
	validCred    = sync.OnceValues(func() (*certcred.Credential, error) { return certcred.New("Exchange", 2, now) })
	expiringCred = sync.OnceValues(func() (*certcred.Credential, error) {
		// Made two years less 20 days ago: it expires in 20 days.
		return certcred.New("Exchange", 2, now.AddDate(-2, 0, 20))
	})
)

func cred(t *testing.T, f func() (*certcred.Credential, error)) *certcred.Credential {
	t.Helper()
	c, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// In certificate mode the secret steps give way to the certificate's, the
// token is obtained with a signed assertion the emulator verifies, and
// check says which credential signed in.
func TestCertificateCredential(t *testing.T) {
	valid, expiring := cred(t, validCred), cred(t, expiringCred)
	tests := []struct {
		name    string
		cert    *certcred.Credential
		upload  bool
		certErr error
		pending error
		marks   string
		want    map[string]string // step -> text its Detail or Remedy contains
	}{
		{name: "uploaded", cert: valid, upload: true, marks: "+++++++",
			want: map[string]string{
				StepCertificate:       "thumbprint " + valid.Thumbprint(),
				StepToken:             "with the certificate " + valid.Thumbprint(),
				StepCertificateExpiry: "expires on 2027-06-02",
			}},
		{name: "not uploaded", cert: valid, marks: "++-...+",
			want: map[string]string{StepToken: valid.Thumbprint()}},
		{name: "none installed", certErr: errors.New("no certificate credential installed"), marks: "+-.....",
			want: map[string]string{StepCertificate: "calsync cert new", StepToken: "no certificate credential",
				StepCertificateExpiry: "no certificate credential"}},
		{name: "rotation pending", cert: valid, upload: true, pending: errors.New("certificate not uploaded to the app"),
			marks: "+!+++++",
			want:  map[string]string{StepCertificate: "new certificate not accepted yet; using " + valid.Thumbprint()}},
		{name: "expires in 20 days", cert: expiring, upload: true, marks: "++++++!",
			want: map[string]string{StepCertificateExpiry: "in 20 days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.deps.Config.Connector.Credential = config.CredentialCertificate
			f.deps.Secret = ""
			f.deps.Certificate, f.deps.CertificateErr, f.deps.CertificatePending = tt.cert, tt.certErr, tt.pending
			if tt.upload {
				f.emu.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, tt.cert.Certificate())
			}
			steps := f.run(t)
			var names []string
			for _, s := range steps {
				names = append(names, s.Name)
			}
			wantNames := []string{StepConfig, StepCertificate, StepToken, StepSyncUser, StepMailboxes, StepSubjects, StepCertificateExpiry}
			if fmt.Sprint(names) != fmt.Sprint(wantNames) {
				t.Errorf("steps %v\nwant  %v", names, wantNames)
			}
			if marks(steps) != tt.marks {
				for _, s := range steps {
					t.Logf("%+v", s)
				}
				t.Errorf("marks %s, want %s", marks(steps), tt.marks)
			}
			for name, text := range tt.want {
				s := find(t, steps, name)
				if !strings.Contains(s.Detail+" "+s.Remedy, text) {
					t.Errorf("%s: %q / %q does not contain %q", name, s.Detail, s.Remedy, text)
				}
			}
		})
	}
}

// The secret mode's token step names the secret as the credential in use.
func TestSecretCredentialInUse(t *testing.T) {
	steps := newFixture(t).run(t)
	if d := find(t, steps, StepToken).Detail; !strings.HasSuffix(d, "with the client secret") {
		t.Errorf("token detail %q", d)
	}
}
