package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// certFileName is the certificate file the service keeps and Entra ID is
// given (certcred.FileName; the GUI knows the engine only through the API).
const certFileName = "calsync-graph.cer"

// connectorCert is the credential choice and, in certificate mode, the
// certificate: what is installed, Create certificate and Import. The
// private key never reaches the GUI: the service makes it, or the imported
// file goes straight to the service.
type connectorCert struct {
	s      *connectorScreen
	choice *widget.RadioGroup
	info   *widget.Label
	create *widget.Button
	imp    *widget.Button
	result *widget.Label // thumbprint, expiry and the Entra steps after create or import
	err    *widget.Label
	box    *fyne.Container // shown in certificate mode
	// secretNote replaces the client secret's entry in certificate mode.
	secretNote *widget.Label

	// The dialogs, replaceable in tests: saveCer offers to save the
	// certificate file, pickFile asks for a file to import, askPassword
	// for a .pfx password; each calls back on the UI goroutine.
	saveCer     func(pem []byte)
	pickFile    func(then func(data []byte, name string))
	askPassword func(name string, then func(password string))
}

func (s *connectorScreen) newCert() *connectorCert {
	c := &connectorCert{s: s}
	secret, cert := lang.L("Client secret"), lang.L("Certificate (recommended)")
	c.choice = widget.NewRadioGroup([]string{secret, cert}, func(v string) {
		want := config.CredentialSecret
		if v == cert {
			want = config.CredentialCertificate
		}
		if s.ed.Draft().Connector.CredentialKind() == want {
			return // set from the draft
		}
		s.ed.Update(func(c *config.Config) { c.Connector.Credential = want })
		c.showMode()
	})
	c.choice.Horizontal = true
	c.choice.Required = true
	c.info = connectorWrapLabel("")
	c.result = connectorWrapLabel("")
	c.result.Hide()
	c.err = connectorWrapLabel("")
	c.err.Importance = widget.DangerImportance
	c.err.Hide()
	c.create = widget.NewButtonWithIcon(lang.L("Create certificate"), theme.ContentAddIcon(), c.doCreate)
	c.imp = widget.NewButtonWithIcon(lang.L("Import..."), theme.FolderOpenIcon(), c.doImport)
	c.box = container.NewVBox(c.info, container.NewHBox(c.create, c.imp), c.result, c.err)
	c.secretNote = connectorWrapLabel(lang.L("Not used: the connector signs in with the certificate."))
	c.secretNote.Hide()
	c.saveCer = c.saveDialog
	c.pickFile = c.openDialog
	c.askPassword = c.passwordDialog
	return c
}

// syncFromDraft selects the draft's credential kind.
func (c *connectorCert) syncFromDraft(cfg *config.Config) {
	want := c.choice.Options[0]
	if cfg.Connector.UsesCertificate() {
		want = c.choice.Options[1]
	}
	if c.choice.Selected != want {
		c.choice.SetSelected(want)
		c.showMode()
	}
}

// showMode shows the certificate part or the client secret's, and asks the
// service for the certificate the first time it is needed.
func (c *connectorCert) showMode() {
	load := false
	if c.s.ed.Draft().Connector.UsesCertificate() {
		c.box.Show()
		c.s.graph.box.Hide()
		c.secretNote.Show()
		load = c.info.Text == ""
	} else {
		c.box.Hide()
		c.s.graph.box.Show()
		c.secretNote.Hide()
	}
	c.s.relayout()
	if load {
		c.refresh() // last: under the test driver its answer is shown on its own goroutine
	}
}

// refresh asks the service which certificate is installed.
func (c *connectorCert) refresh() {
	c.info.SetText(lang.L("Checking..."))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		st, err := c.s.b.Certificate(ctx)
		fyne.Do(func() {
			c.showState(st, err)
			c.s.relayout()
			if c.s.hooks.certShown != nil {
				c.s.hooks.certShown(err)
			}
		})
	}()
}

func (c *connectorCert) showState(st localapi.CertificateState, err error) {
	switch {
	case err != nil:
		c.info.SetText(lang.L("Could not ask the service for the certificate:") + " " + err.Error())
	case st.Current == nil:
		c.info.SetText(lang.L("No certificate yet: create one, or import one you have."))
	default:
		text := certLine(*st.Current)
		if st.Previous != nil {
			text += "\n" + lang.L("Being replaced, and signing in until Entra ID accepts the new one:") + " " + st.Previous.Thumbprint
		}
		if st.ExpiryWarning != "" {
			text += "\n" + st.ExpiryWarning
		}
		c.info.SetText(text)
	}
}

// certLine is a certificate's thumbprint and expiry, as Entra ID lists them.
func certLine(ci localapi.Certificate) string {
	expires := ci.NotAfter
	if t, err := time.Parse(time.RFC3339, ci.NotAfter); err == nil {
		expires = t.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s %s\n%s %s (%d %s)", lang.L("Thumbprint:"), ci.Thumbprint, lang.L("Expires:"), expires,
		ci.DaysLeft, lang.L("days left"))
}

func (c *connectorCert) busy(on bool) {
	if on {
		c.create.Disable()
		c.imp.Disable()
		c.err.Hide()
		return
	}
	c.create.Enable()
	c.imp.Enable()
}

// doCreate has the service make the key and certificate, then offers to
// save the certificate to upload.
func (c *connectorCert) doCreate() {
	c.busy(true)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), outsideTimeout)
		defer cancel()
		got, err := c.s.b.NewCertificate(ctx, 0)
		fyne.Do(func() { c.installed(got, err, true) })
	}()
}

// doImport picks a file, asks for its password when it is a .pfx, and
// hands both to the service.
func (c *connectorCert) doImport() {
	c.pickFile(func(data []byte, name string) {
		send := func(password string) {
			c.busy(true)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				defer cancel()
				got, err := c.s.b.ImportCertificate(ctx, data, password)
				fyne.Do(func() { c.installed(got, err, false) })
			}()
		}
		if bytes.Contains(data, []byte("-----BEGIN")) {
			send("")
			return
		}
		c.askPassword(name, send)
	})
}

func (c *connectorCert) installed(got localapi.Certificate, err error, offerSave bool) {
	c.busy(false)
	switch {
	case c.s.admin.Check(err):
		c.err.SetText(lang.L("Could not install the certificate:") + " " + adminRightsMessage())
		c.err.Show()
	case err != nil:
		// The service never puts the key or the password in an error.
		c.err.SetText(lang.L("Could not install the certificate:") + " " + err.Error())
		c.err.Show()
	default:
		c.result.SetText(certLine(got) + "\n" + lang.L("Next: in Entra ID > App registrations > your app > Certificates & secrets > Certificates > Upload certificate, upload the file") +
			" " + certFileName + ". " + lang.L("Entra ID then lists it with the thumbprint above."))
		c.result.Show()
		if offerSave && len(got.PEM) > 0 {
			c.saveCer([]byte(got.PEM))
		}
	}
	c.s.relayout()
	if err != nil {
		if c.s.hooks.certShown != nil {
			c.s.hooks.certShown(err)
		}
		return
	}
	c.refresh() // last, as in showMode
}

func (c *connectorCert) saveDialog(pem []byte) {
	if c.s.w == nil {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return // cancelled: the service keeps its copy beside the configuration
		}
		_, werr := w.Write(pem)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			c.err.SetText(lang.L("Could not save the certificate:") + " " + werr.Error())
			c.err.Show()
			c.s.relayout()
		}
	}, c.s.w)
	d.SetFileName(certFileName)
	d.Show()
}

func (c *connectorCert) openDialog(then func(data []byte, name string)) {
	if c.s.w == nil {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, localapi.MaxCertificateImportBytes+1))
		if err == nil && len(data) > localapi.MaxCertificateImportBytes {
			err = fmt.Errorf("%s: %s", r.URI().Name(), lang.L("too large for a certificate and key"))
		}
		if err != nil {
			c.err.SetText(lang.L("Could not read the file:") + " " + err.Error())
			c.err.Show()
			c.s.relayout()
			return
		}
		then(data, r.URI().Name())
	}, c.s.w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pem", ".pfx", ".p12", ".crt", ".cer", ".key"}))
	d.Show()
}

func (c *connectorCert) passwordDialog(name string, then func(password string)) {
	if c.s.w == nil {
		return
	}
	entry := widget.NewPasswordEntry()
	dialog.ShowForm(lang.L("Password of")+" "+name, lang.L("Import"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("Password"), entry)}, func(ok bool) {
			if ok {
				then(entry.Text)
			}
		}, c.s.w)
}
