package daemon

import (
	"context"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
)

// A service in certificate mode: without a certificate it says what to
// run; a certificate made through the local API (its key never sent back)
// and uploaded to Entra starts the sync; an imported one that expires
// soon becomes a rotation whose warning the status carries.
func TestCertificateThroughLocalAPI(t *testing.T) {
	o := newOffice(t)
	cfg := o.config()
	cfg.Connector.Credential = config.CredentialCertificate
	o.writeConfig(cfg)
	o.start()
	ctx := ctxT(t)

	st := o.waitStatus("the missing certificate reported", func(st localapi.Status) bool {
		return st.State == localapi.StateError && strings.Contains(strings.Join(st.Errors, " "), "calsync cert new")
	})
	if cs, err := o.client.Certificate(ctx); err != nil || cs.Current != nil {
		t.Fatalf("Certificate before any = %+v, %v", cs, err)
	}

	if _, err := o.client.NewCertificate(ctx, 4); len(localapi.FieldErrors(err)) == 0 {
		t.Errorf("4 years accepted: %v", err)
	}
	made, err := o.client.NewCertificate(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(made.PEM))
	if block == nil || block.Type != "CERTIFICATE" || strings.Contains(made.PEM, "PRIVATE") {
		t.Fatalf("NewCertificate PEM %q", made.PEM)
	}
	cert, err := certcred.ParseCertificatePEM([]byte(made.PEM))
	if err != nil || certcred.Thumbprint(cert) != made.Thumbprint || made.Subject != "CN=calsync Exchange" ||
		made.DaysLeft < 729 || !strings.Contains(made.UploadSteps, made.Thumbprint) {
		t.Fatalf("NewCertificate = %+v, %v", made, err)
	}
	if b, err := os.ReadFile(made.File); err != nil || string(b) != made.PEM {
		t.Fatalf("%s: %v", made.File, err)
	}
	o.graph.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, cert)
	// The service restarted on its own with the new certificate.
	st = o.waitStatus("the first poll with the certificate", firstPollDone)
	if st.SecretExpiresWarning != "" {
		t.Errorf("warning for a fresh certificate: %q", st.SecretExpiresWarning)
	}

	// An imported certificate, PEM with its key, that expires in 10 days.
	soon, err := certcred.New("Soon", 2, time.Now().AddDate(-2, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	der, err := soon.KeyPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	file := append(soon.CertificatePEM(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	if _, err := o.client.ImportCertificate(ctx, []byte("not a certificate"), ""); len(localapi.FieldErrors(err)) == 0 {
		t.Errorf("junk import: %v", err)
	}
	imp, err := o.client.ImportCertificate(ctx, file, "")
	if err != nil || imp.Thumbprint != soon.Thumbprint() {
		t.Fatalf("ImportCertificate = %+v, %v", imp, err)
	}
	cs, err := o.client.Certificate(ctx)
	if err != nil || cs.Current == nil || cs.Current.Thumbprint != soon.Thumbprint() || cs.Previous == nil ||
		cs.Previous.Thumbprint != made.Thumbprint || !strings.Contains(cs.ExpiryWarning, "in 10 days") {
		t.Fatalf("Certificate during the rotation = %+v, %v", cs, err)
	}
	o.waitStatus("the expiry warning of the certificate", func(st localapi.Status) bool {
		return strings.Contains(st.SecretExpiresWarning, "certificate credential expires")
	})

	// Neither key ever reached the log.
	for _, n := range []secrets.Name{secrets.GraphCertificateKey, secrets.GraphCertificateKeyPrevious} {
		key, _, err := o.store.Get(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(o.logs.String(), key) || strings.Contains(o.logs.String(), key[:40]) {
			t.Errorf("the log holds the %s", n)
		}
	}
}
