package daemon

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/certstore"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// certStore is the certificate credential of this service's configuration:
// the key in its secret store, the certificate beside its config.json.
func (d *Daemon) certStore() *certstore.Store {
	return certstore.New(d.opts.Secrets, filepath.Dir(d.opts.ConfigPath), d.log)
}

// Certificate describes the installed certificate credential from its
// files alone (no keychain read), so status and the GUI can show it cheaply.
func (d *Daemon) Certificate(context.Context) (localapi.CertificateState, error) {
	now := d.now()
	cur, prev, err := d.certStore().Show(now)
	if errors.Is(err, certstore.ErrNone) {
		return localapi.CertificateState{}, nil
	}
	if err != nil {
		return localapi.CertificateState{}, err
	}
	st := localapi.CertificateState{Current: apiCertificate(cur)}
	if prev != nil {
		st.Previous = apiCertificate(*prev)
	}
	if notAfter, err := time.Parse(time.RFC3339, cur.NotAfter); err == nil {
		st.ExpiryWarning = certcred.ExpiryWarning(notAfter, now)
	}
	return st, nil
}

// NewCertificate makes a certificate credential for the configured
// connector and installs it (as a rotation when one is installed already).
func (d *Daemon) NewCertificate(ctx context.Context, years int) (localapi.Certificate, error) {
	if years < 0 || years > certcred.MaxYears {
		return localapi.Certificate{}, &localapi.ValidationError{Fields: []localapi.FieldError{{Field: "years",
			Message: fmt.Sprintf("%d is not a validity; expected 1 to %d years", years, certcred.MaxYears)}}}
	}
	var name string
	if cfg, _ := d.loadConfig(); cfg != nil {
		// The name goes into the certificate's subject: only plain text.
		if err := config.CheckConnectorName(cfg.Connector.Name); err != nil {
			return localapi.Certificate{}, &localapi.ValidationError{Fields: []localapi.FieldError{{Field: "connector.name", Message: err.Error()}}}
		}
		name = cfg.Connector.Name
	}
	cred, err := certcred.New(name, years, d.now())
	if err != nil {
		return localapi.Certificate{}, err
	}
	return d.installCertificate(ctx, cred, "made")
}

// ImportCertificate installs an existing certificate and key. Import
// errors never hold the key or the password; they are the caller's to fix.
func (d *Daemon) ImportCertificate(ctx context.Context, data []byte, password string) (localapi.Certificate, error) {
	cred, err := certcred.Import(data, password, d.now())
	if err != nil {
		field := "data"
		if errors.Is(err, certcred.ErrWrongPassword) {
			field = "password"
		}
		return localapi.Certificate{}, &localapi.ValidationError{Fields: []localapi.FieldError{{Field: field, Message: err.Error()}}}
	}
	return d.installCertificate(ctx, cred, "imported")
}

func (d *Daemon) installCertificate(ctx context.Context, cred *certcred.Credential, how string) (localapi.Certificate, error) {
	store := d.certStore()
	if err := store.Install(ctx, cred); err != nil {
		return localapi.Certificate{}, err
	}
	d.log.Info("certificate credential "+how+" through the local API", "thumbprint", cred.Thumbprint())
	if cfg, _ := d.loadConfig(); cfg != nil && cfg.Connector.UsesCertificate() {
		// The engine signs in again, trying the new certificate first.
		d.requestRestart(ctx, "the certificate credential was replaced")
	}
	c := apiCertificate(cred.Info(store.CertificatePath()).WithDaysLeft(d.now()))
	c.PEM = string(cred.CertificatePEM())
	c.UploadSteps = certcred.UploadSteps(certcred.FileName, cred.Thumbprint())
	return *c, nil
}

func apiCertificate(i certcred.Info) *localapi.Certificate {
	c := &localapi.Certificate{File: i.File, Subject: i.Subject, Thumbprint: i.Thumbprint,
		ThumbprintSHA256: i.ThumbprintSHA256, NotBefore: i.NotBefore, NotAfter: i.NotAfter}
	if i.DaysLeft != nil {
		c.DaysLeft = *i.DaysLeft
	}
	return c
}
