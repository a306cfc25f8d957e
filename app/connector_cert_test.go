package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// certConnectorBackend adds the certificate endpoints to the connector's fake.
type certConnectorBackend struct {
	*fakeConnectorBackend
	cmu sync.Mutex
	// gate holds every certificate call until waitCert opens it: the test driver shows a
	// call's answer on the call's goroutine, which must not run beside the test's own UI steps.
	gate      chan struct{}
	state     localapi.CertificateState
	made      localapi.Certificate
	importErr error
	imported  []byte
	password  string
}

// wait blocks until the gate is open.
func (f *certConnectorBackend) wait() {
	f.cmu.Lock()
	g := f.gate
	f.cmu.Unlock()
	if g != nil {
		<-g
	}
}

func (f *certConnectorBackend) Certificate(context.Context) (localapi.CertificateState, error) {
	f.wait()
	f.cmu.Lock()
	defer f.cmu.Unlock()
	return f.state, nil
}

func (f *certConnectorBackend) NewCertificate(context.Context, int) (localapi.Certificate, error) {
	f.wait()
	f.cmu.Lock()
	defer f.cmu.Unlock()
	c := f.made
	f.state = localapi.CertificateState{Current: &c}
	return f.made, nil
}

func (f *certConnectorBackend) ImportCertificate(_ context.Context, data []byte, password string) (localapi.Certificate, error) {
	f.wait()
	f.cmu.Lock()
	defer f.cmu.Unlock()
	f.imported, f.password = data, password
	return f.made, f.importErr
}

// waitCert lets the certificate calls through until one's outcome is shown, then holds them
// again.
func waitCert(t *testing.T, f *certConnectorBackend, ch <-chan error) error {
	t.Helper()
	f.cmu.Lock()
	close(f.gate)
	f.cmu.Unlock()
	defer func() {
		f.cmu.Lock()
		f.gate = make(chan struct{})
		f.cmu.Unlock()
	}()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the certificate was never shown")
		return nil
	}
}

func newCertTestScreen(t *testing.T, credential string) (*connectorScreen, *configEditor, *certConnectorBackend, chan error) {
	t.Helper()
	test.NewTempApp(t)
	f := &certConnectorBackend{fakeConnectorBackend: &fakeConnectorBackend{}, gate: make(chan struct{})}
	cfg := config.Default()
	cfg.Connector = config.Connector{Name: "Contoso", TenantID: "11111111-2222-3333-4444-555555555555",
		ClientID: "66666666-7777-8888-9999-000000000000", SyncUser: "monitor@contoso.com", Credential: credential}
	data, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.config = data
	old := localapi.Certificate{Thumbprint: "AAAA1111", NotAfter: "2027-01-31T00:00:00Z", DaysLeft: 40}
	f.state = localapi.CertificateState{Current: &old}
	f.made = localapi.Certificate{Thumbprint: "BBBB2222", NotAfter: "2028-12-06T00:00:00Z", DaysLeft: 730,
		PEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}
	ed := newConfigEditor(f)
	if err := ed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	shown := make(chan error, 8)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newConnectorScreen(w, f, ed, connectorHooks{certShown: func(err error) { shown <- err }})
	w.SetContent(s.content)
	w.Resize(fyne.NewSize(800, 900))
	return s, ed, f, shown
}

// In certificate mode the screen shows the installed certificate; Create
// certificate has the service make one and offers its file to save.
func TestConnectorCertificateCreate(t *testing.T) {
	s, _, f, shown := newCertTestScreen(t, config.CredentialCertificate)
	if err := waitCert(t, f, shown); err != nil {
		t.Fatal(err)
	}
	if !s.cert.box.Visible() || s.graph.box.Visible() || !strings.Contains(s.cert.info.Text, "AAAA1111") ||
		!strings.Contains(s.cert.info.Text, "2027-01-31") {
		t.Fatalf("certificate mode: box %v, secret %v, info %q", s.cert.box.Visible(), s.graph.box.Visible(), s.cert.info.Text)
	}
	var saved []byte
	s.cert.saveCer = func(pem []byte) { saved = pem }
	test.Tap(s.cert.create)
	if err := waitCert(t, f, shown); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(saved), "-----BEGIN CERTIFICATE-----") {
		t.Errorf("save dialog offered %q", saved)
	}
	if !strings.Contains(s.cert.result.Text, "BBBB2222") || !strings.Contains(s.cert.result.Text, "Upload certificate") ||
		!strings.Contains(s.cert.info.Text, "BBBB2222") {
		t.Errorf("after create: result %q, info %q", s.cert.result.Text, s.cert.info.Text)
	}
}

// Import sends the picked file to the service, with the password asked for
// a .pfx; a refusal is shown.
func TestConnectorCertificateImport(t *testing.T) {
	s, _, f, shown := newCertTestScreen(t, config.CredentialCertificate)
	waitCert(t, f, shown)
	pfx := []byte{0x30, 0x82, 0x01, 0x00}
	s.cert.pickFile = func(then func([]byte, string)) { then(pfx, "office.pfx") }
	var asked string
	s.cert.askPassword = func(name string, then func(string)) { asked = name; then("pfx-password") }
	test.Tap(s.cert.imp)
	waitCert(t, f, shown)
	if asked != "office.pfx" || string(f.imported) != string(pfx) || f.password != "pfx-password" {
		t.Errorf("import: asked %q, sent %v with %q", asked, f.imported, f.password)
	}
	f.importErr = errors.New("wrong password for the .pfx file")
	test.Tap(s.cert.imp)
	if err := waitCert(t, f, shown); err == nil || !s.cert.err.Visible() || !strings.Contains(s.cert.err.Text, "wrong password") ||
		strings.Contains(s.cert.err.Text, "pfx-password") {
		t.Errorf("refused import: %v, shown %q", err, s.cert.err.Text)
	}
}

// The choice edits connector.credential; secret mode shows the secret.
func TestConnectorCredentialChoice(t *testing.T) {
	s, ed, f, shown := newCertTestScreen(t, "")
	if s.cert.box.Visible() || !s.graph.box.Visible() || s.cert.choice.Selected != s.cert.choice.Options[0] {
		t.Fatalf("secret mode: box %v, secret %v, choice %q", s.cert.box.Visible(), s.graph.box.Visible(), s.cert.choice.Selected)
	}
	s.cert.choice.SetSelected(s.cert.choice.Options[1])
	waitCert(t, f, shown)
	if !ed.Draft().Connector.UsesCertificate() || !s.cert.box.Visible() || s.graph.box.Visible() {
		t.Fatalf("after choosing the certificate: draft %q, box %v", ed.Draft().Connector.Credential, s.cert.box.Visible())
	}
	s.cert.choice.SetSelected(s.cert.choice.Options[0])
	if ed.Draft().Connector.CredentialKind() != config.CredentialSecret || s.cert.box.Visible() {
		t.Fatalf("back to the secret: draft %q", ed.Draft().Connector.Credential)
	}
}
