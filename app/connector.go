package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// The secrets the connector screen stores, as the service names them.
const (
	connectorSecretGraph    = "graph"
	connectorSecretOneCloud = "onecloud"
)

// connectorTab builds the Microsoft 365 connector screen: the fields
// labelled as in OneCloud, the write-only secrets, Save / Revert, and Test
// connection. It edits ed's draft; secrets go straight to the service's
// keychain with their own Store secret button.
func connectorTab(w fyne.Window, b localapi.Backend, ed *configEditor) fyne.CanvasObject {
	s := newConnectorScreen(w, b, ed, connectorHooks{})
	s.refreshSecrets()
	return s.content
}

// connectorScreen keeps the widgets the wizard and the tests need. Its state
// is touched only on the UI goroutine.
type connectorScreen struct {
	w  fyne.Window
	b  localapi.Backend
	ed *configEditor

	fields []*connectorField
	// touched fields show their local validation message; untouched empty
	// fields would otherwise all shout "required" at a first-time admin.
	touched map[string]bool
	// serverErrs are the service's messages from the last failed Save, by
	// field, shown until the admin edits that field.
	serverErrs map[string]string

	graph, onecloud *connectorSecret
	cert            *connectorCert

	save, revert *widget.Button
	saveStatus   *widget.Label
	otherErrs    *widget.Label
	// admin and testAdmin say that a refused change needs administrator
	// rights: below Save (and the secrets), and below Test connection,
	// which the wizard shows on a page of its own.
	admin, testAdmin *adminNotice
	flow             editFlow // Save and Revert, with saveStatus as its message line

	testButton   *widget.Button
	testNote     *widget.Label
	testProgress *widget.ProgressBarInfinite
	testErr      *widget.Label
	testSteps    *fyne.Container
	testRows     []connectorStepRow

	form    fyne.CanvasObject // fields, secrets, Save / Revert
	test    fyne.CanvasObject // Test connection and its steps
	content fyne.CanvasObject
	// root is the outermost object showing form and test (content, or the
	// wizard); it is laid out again when a message appears or goes.
	root fyne.CanvasObject

	hooks connectorHooks
}

// connectorHooks let tests wait for background work; each runs on the UI
// goroutine after the result is shown. They are fixed before any goroutine
// starts.
type connectorHooks struct {
	secretsShown func()
	secretStored func(name string, err error)
	saved        func(error)
	reverted     func(error)
	tested       func()
	// certShown: the certificate's state arrived, or creating or importing one failed.
	certShown func(err error)
}

// connectorField is one text field bound to the draft at path (the config's
// JSON path, as FieldError.Field names it).
type connectorField struct {
	path     string
	entry    *widget.Entry
	errLabel *widget.Label
	get      func(*config.Config) string
	set      func(*config.Config, string)
}

// connectorSecret is a write-only secret: a status line, Replace, and a
// password entry that is never filled from anywhere but the keyboard.
type connectorSecret struct {
	name  string
	state *widget.Label
	// expires takes the OneCloud ticket's expiry date with its token (nil
	// for the Graph secret); note says what the draft records of it.
	expires      *widget.Entry
	expiresLabel *widget.Label
	note         func() string
	stateText    string // the state without the note
	replace      *widget.Button
	entry        *widget.Entry
	store        *widget.Button
	cancel       *widget.Button
	errLabel     *widget.Label
	set          bool
	box          *fyne.Container
}

// connectorStepRow is one step of the connection test as shown.
type connectorStepRow struct {
	step   localapi.CheckStep
	icon   *widget.Icon
	name   *widget.Label
	detail *widget.Label
	remedy *widget.Label
}

func newConnectorScreen(w fyne.Window, b localapi.Backend, ed *configEditor, hooks connectorHooks) *connectorScreen {
	s := &connectorScreen{
		w: w, b: b, ed: ed, hooks: hooks,
		touched:    map[string]bool{},
		serverErrs: map[string]string{},
	}

	name := s.newField("connector.name", "",
		func(c *config.Config) string { return c.Connector.Name },
		func(c *config.Config, v string) { c.Connector.Name = v })
	syncUser := s.newField("connector.syncUser", "monitor@contoso.com",
		func(c *config.Config) string { return c.Connector.SyncUser },
		func(c *config.Config, v string) { c.Connector.SyncUser = v })
	clientID := s.newField("connector.clientId", "00000000-0000-0000-0000-000000000000",
		func(c *config.Config) string { return c.Connector.ClientID },
		func(c *config.Config, v string) { c.Connector.ClientID = v })
	tenantID := s.newField("connector.tenantId", "00000000-0000-0000-0000-000000000000",
		func(c *config.Config) string { return c.Connector.TenantID },
		func(c *config.Config, v string) { c.Connector.TenantID = v })
	expires := s.newField("connector.secretExpires", lang.L("YYYY-MM-DD"),
		func(c *config.Config) string { return c.Connector.SecretExpires },
		func(c *config.Config, v string) { c.Connector.SecretExpires = v })
	baseURL := s.newField("onecloud.baseURL", config.DefaultOneCloudURL,
		func(c *config.Config) string { return c.OneCloud.BaseURL },
		func(c *config.Config, v string) { c.OneCloud.BaseURL = v })

	s.graph = s.newSecret(connectorSecretGraph)
	s.onecloud = s.newSecret(connectorSecretOneCloud)
	s.cert = s.newCert()

	connType := widget.NewSelect([]string{lang.L("Exchange Office 365")}, nil)
	connType.SetSelected(lang.L("Exchange Office 365"))
	connType.Disable()
	authMethod := widget.NewSelect([]string{lang.L("OAuth2.0")}, nil)
	authMethod.SetSelected(lang.L("OAuth2.0"))
	authMethod.Disable()

	item := func(label string, obj fyne.CanvasObject, hint string) *widget.FormItem {
		it := widget.NewFormItem(label, obj)
		it.HintText = hint
		return it
	}
	form := widget.NewForm(
		item(lang.L("Name"), name.widget(), lang.L("Any name, e.g. the one the connector has in OneCloud")),
		item(lang.L("Connector type"), connType, ""),
		item(lang.L("Authentication method"), authMethod, ""),
		item(lang.L("Synchronization user ID"), syncUser.widget(), lang.L("The monitor user's mailbox, with Reviewer rights on every calendar")),
		item(lang.L("Credential"), container.NewVBox(s.cert.choice, s.cert.box),
			lang.L("A certificate made by calsync keeps its private key in the service's keychain and lasts up to 3 years")),
		item(lang.L("Client secret"), container.NewVBox(s.graph.box, s.cert.secretNote), lang.L("The secret's Value, not its Secret ID; kept in the system keychain, not in the configuration")),
		item(lang.L("Application (client) ID"), clientID.widget(), lang.L("Entra ID > App registrations > your app > Overview")),
		item(lang.L("Directory (tenant) ID"), tenantID.widget(), lang.L("Entra ID > App registrations > your app > Overview")),
		item(lang.L("Client secret expiry date"), expires.widget(), lang.L("calsync warns 30 days before it expires")),
		item(lang.L("OneCloud API URL"), baseURL.widget(), ""),
		item(lang.L("OneCloud API token"), s.onecloud.box, lang.L("Kept in the system keychain, not in the configuration")),
	)

	s.save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), func() { s.saveThen(nil) })
	s.save.Importance = widget.HighImportance
	s.revert = widget.NewButtonWithIcon(lang.L("Revert"), theme.ContentUndoIcon(), s.doRevert)
	s.saveStatus = connectorWrapLabel("")
	s.saveStatus.Hide()
	s.otherErrs = connectorWrapLabel("")
	s.otherErrs.Importance = widget.DangerImportance
	s.otherErrs.Hide()
	s.admin = newAdminNotice(ed.Elevate)
	s.testAdmin = newAdminNotice(ed.Elevate)
	s.flow = editFlow{ed: ed, admin: s.admin, save: s.save, revert: s.revert, message: s.saveStatus, relayout: s.relayout}
	s.form = container.NewVBox(
		form,
		s.otherErrs,
		container.NewHBox(layout.NewSpacer(), s.revert, s.save),
		s.saveStatus,
		s.admin,
	)

	s.testButton = widget.NewButtonWithIcon(lang.L("Test connection"), theme.MediaPlayIcon(), s.runTest)
	s.testNote = connectorWrapLabel("")
	s.testNote.Importance = widget.WarningImportance
	s.testNote.Hide()
	s.testProgress = widget.NewProgressBarInfinite()
	s.testProgress.Stop()
	s.testProgress.Hide()
	s.testErr = connectorWrapLabel("")
	s.testErr.Importance = widget.DangerImportance
	s.testErr.Hide()
	s.testSteps = container.NewVBox()
	s.test = container.NewVBox(
		container.NewHBox(s.testButton),
		s.testNote,
		s.testProgress,
		s.testErr,
		s.testAdmin,
		s.testSteps,
	)

	s.content = container.NewVScroll(container.NewVBox(
		s.form,
		widget.NewSeparator(),
		s.test,
	))

	s.root = s.content
	s.resetMarks()
	s.syncFromDraft()
	// The listener may run on any goroutine (a Load finishing in the
	// background); fyne.Do brings it to the UI one, and syncFromDraft reads
	// the newest draft then, so a queued call never undoes later typing.
	ed.OnChange(func(*config.Config) { fyne.Do(s.syncFromDraft) })
	// A user who may only read learns it now, not from a refused Save.
	s.admin.CheckAccess(b, func(readOnly bool) {
		if readOnly {
			s.save.Disable()
		}
		s.relayout()
	})
	return s
}

// relayout lays the screen out again after messages appeared or went. The
// desktop driver notices size changes by itself; the software renderer used
// for tests and screenshots does not.
func (s *connectorScreen) relayout() {
	s.root.Refresh()
}

func connectorWrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (s *connectorScreen) newField(path, placeholder string, get func(*config.Config) string, set func(*config.Config, string)) *connectorField {
	f := &connectorField{path: path, get: get, set: set}
	f.entry = widget.NewEntry()
	f.entry.SetPlaceHolder(placeholder)
	f.errLabel = connectorWrapLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Hide()
	f.entry.OnChanged = func(text string) {
		if f.get(s.ed.Draft()) == text {
			return // set from the draft, not typed
		}
		s.touched[f.path] = true
		delete(s.serverErrs, f.path)
		s.ed.Update(func(c *config.Config) { f.set(c, text) })
		s.showErrors()
	}
	s.fields = append(s.fields, f)
	return f
}

func (f *connectorField) widget() fyne.CanvasObject {
	return container.NewVBox(f.entry, f.errLabel)
}

// field returns the field bound to path, or nil.
func (s *connectorScreen) field(path string) *connectorField {
	for _, f := range s.fields {
		if f.path == path {
			return f
		}
	}
	return nil
}

// syncFromDraft shows the draft's values (changed elsewhere, loaded or
// reverted) and their validation.
func (s *connectorScreen) syncFromDraft() {
	cfg := s.ed.Draft()
	s.cert.syncFromDraft(cfg)
	for _, f := range s.fields {
		if v := f.get(cfg); f.entry.Text != v {
			f.entry.SetText(v)
			// A value that arrives (a load finishing after the screen was
			// built) shows its problems like one that was there at once.
			if v != "" {
				s.touched[f.path] = true
			}
		}
	}
	s.showErrors()
}

// resetMarks forgets typing and the service's errors: fields with a value
// show their problems at once, empty ones only once edited or saved.
func (s *connectorScreen) resetMarks() {
	cfg := s.ed.Draft()
	clear(s.touched)
	clear(s.serverErrs)
	for _, f := range s.fields {
		s.touched[f.path] = f.get(cfg) != ""
	}
	s.otherErrs.Hide()
}

// showErrors puts each field's message under it: the service's refusal from
// the last Save if there is one, else what ed.Validate says.
func (s *connectorScreen) showErrors() {
	local := map[string]string{}
	for _, fe := range s.ed.Validate() {
		if _, seen := local[fe.Field]; !seen {
			local[fe.Field] = fe.Message
		}
	}
	changed := false
	show := func(l *widget.Label, msg string) {
		if l.Text == msg && l.Visible() == (msg != "") {
			return
		}
		changed = true
		l.SetText(msg)
		l.Hidden = msg == ""
		l.Refresh()
	}
	for _, f := range s.fields {
		msg := s.serverErrs[f.path]
		if msg == "" && s.touched[f.path] {
			msg = local[f.path]
		}
		show(f.errLabel, msg)
	}
	note := ""
	if s.ed.Dirty() {
		note = lang.L("The test uses the saved configuration: save your changes first.")
	}
	show(s.testNote, note)
	if changed {
		s.relayout()
	}
}

// saveThen saves the draft in the background; done, if set, runs on the UI
// goroutine with the result after it is shown.
func (s *connectorScreen) saveThen(done func(error)) {
	for _, f := range s.fields {
		s.touched[f.path] = true
	}
	s.showErrors()
	s.flow.saveDraft(func(err error, needsAdmin bool) {
		s.showSaved(err, needsAdmin)
		if done != nil {
			done(err)
		}
		s.relayout()
		if s.hooks.saved != nil {
			s.hooks.saved(err)
		}
	})
}

// showSaved shows a save's outcome: the service's field errors go to their fields.
func (s *connectorScreen) showSaved(err error, needsAdmin bool) {
	clear(s.serverErrs)
	s.otherErrs.Hide()
	if needsAdmin {
		s.flow.show(lang.L("Not saved; your changes are kept."), widget.DangerImportance)
		s.showErrors()
		return
	}
	if err == nil {
		s.flow.show(lang.L("Saved."), widget.SuccessImportance)
		s.showErrors()
		return
	}
	fes := localapi.FieldErrors(err)
	if len(fes) == 0 {
		s.flow.show(lang.L("Not saved; your changes are kept.")+" "+err.Error(), widget.DangerImportance)
		s.showErrors()
		return
	}
	var other []string
	for _, fe := range fes {
		if s.field(fe.Field) != nil {
			if _, seen := s.serverErrs[fe.Field]; !seen {
				s.serverErrs[fe.Field] = fe.Message
			}
			continue
		}
		other = append(other, fe.String()) // a field of another screen (rules, users)
	}
	s.flow.show(lang.L("Not saved: correct the fields marked in red; your changes are kept."), widget.DangerImportance)
	if len(other) > 0 {
		s.otherErrs.SetText(lang.L("Other settings the service refused:") + "\n" + strings.Join(other, "\n"))
		s.otherErrs.Show()
	}
	s.showErrors()
}

func (s *connectorScreen) doRevert() {
	s.flow.revertAndShow(func() {
		s.saveStatus.Hide()
		s.resetMarks()
		s.syncFromDraft()
	}, s.hooks.reverted)
}

func (s *connectorScreen) newSecret(name string) *connectorSecret {
	sec := &connectorSecret{name: name}
	sec.state = connectorWrapLabel(lang.L("Checking..."))
	sec.entry = widget.NewPasswordEntry()
	sec.entry.SetPlaceHolder(lang.L("Paste the new value"))
	sec.store = widget.NewButtonWithIcon(lang.L("Store secret"), theme.DocumentSaveIcon(), func() { s.storeSecret(sec) })
	sec.cancel = widget.NewButton(lang.L("Cancel"), func() {
		sec.entry.SetText("")
		sec.errLabel.Hide()
		sec.showEditing(false)
		s.relayout()
	})
	sec.replace = widget.NewButton(lang.L("Replace"), func() {
		sec.entry.SetText("")
		sec.showEditing(true)
		s.relayout()
		if c := s.canvas(); c != nil {
			c.Focus(sec.entry)
		}
	})
	sec.errLabel = connectorWrapLabel("")
	sec.errLabel.Importance = widget.DangerImportance
	sec.errLabel.Hide()
	sec.box = container.NewVBox(
		container.NewBorder(nil, nil, nil, sec.replace, sec.state),
		sec.entry,
	)
	if name == connectorSecretOneCloud {
		sec.expiresLabel = connectorWrapLabel(lang.L("Ticket expiry date, as the ticket shows it (YYYY-MM-DD; a ticket lasts 365 days). calsync warns 30, 7 and 1 days before."))
		sec.expires = widget.NewEntry()
		sec.expires.SetPlaceHolder(lang.L("YYYY-MM-DD"))
		sec.note = func() string {
			if d := s.ed.Draft().OneCloud.TokenExpires; d != "" {
				return lang.L("the ticket expires on {{.Date}}", map[string]any{"Date": d})
			}
			return ""
		}
		sec.box.Add(sec.expiresLabel)
		sec.box.Add(sec.expires)
		s.ed.OnChange(func(*config.Config) { fyne.Do(sec.renderState) })
	}
	sec.box.Add(container.NewHBox(sec.store, sec.cancel))
	sec.box.Add(sec.errLabel)
	sec.replace.Hide()
	sec.showEditing(true)
	sec.cancel.Hide()
	return sec
}

func (s *connectorScreen) canvas() fyne.Canvas {
	if s.w == nil {
		return nil
	}
	return s.w.Canvas()
}

// showEditing shows the password entry (to store or replace the secret) or
// hides it behind Replace when a secret is stored.
func (sec *connectorSecret) showEditing(on bool) {
	if sec.expires != nil {
		if on {
			sec.expiresLabel.Show()
			sec.expires.Show()
		} else {
			sec.expiresLabel.Hide()
			sec.expires.Hide()
		}
	}
	if on {
		sec.entry.Show()
		sec.store.Show()
		if sec.set {
			sec.cancel.Show()
		} else {
			sec.cancel.Hide()
		}
		sec.replace.Hide()
		return
	}
	sec.entry.Hide()
	sec.store.Hide()
	sec.cancel.Hide()
	if sec.set {
		sec.replace.Show()
	}
}

// showState shows whether the secret is stored; it never has a value to show.
func (sec *connectorSecret) showState(st localapi.SecretState, found bool) {
	sec.set = found && st.Set
	switch {
	case !sec.set:
		sec.stateText = lang.L("Not stored yet")
	case st.Source == "environment":
		sec.stateText = lang.L("Set by an environment variable, which takes precedence over a value stored here")
	case st.Source == "keychain" || st.Source == "":
		sec.stateText = lang.L("Stored in the system keychain")
	default:
		sec.stateText = lang.L("Stored") + " (" + st.Source + ")"
	}
	sec.renderState()
	if st.Error != "" {
		sec.errLabel.SetText(st.Error)
		sec.errLabel.Show()
	}
	sec.showEditing(!sec.set)
}

// renderState shows the state with what the draft records of the expiry.
func (sec *connectorSecret) renderState() {
	if sec.stateText == "" {
		return // not known yet: "Checking..." or the service's error stays
	}
	text := sec.stateText
	if sec.set && sec.note != nil {
		if n := sec.note(); n != "" {
			text += "; " + n
		}
	}
	sec.state.SetText(text)
}

// refreshSecrets asks the service which secrets are stored.
func (s *connectorScreen) refreshSecrets() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		states, err := s.b.SecretStatus(ctx)
		fyne.Do(func() {
			for _, sec := range []*connectorSecret{s.graph, s.onecloud} {
				if err != nil {
					sec.state.SetText(lang.L("Could not ask the service whether it is stored:") + " " + err.Error())
					sec.set = false
					sec.showEditing(true)
					continue
				}
				st, found := connectorSecretState(states, sec.name)
				sec.showState(st, found)
			}
			s.relayout()
			if s.hooks.secretsShown != nil {
				s.hooks.secretsShown()
			}
		})
	}()
}

func connectorSecretState(states []localapi.SecretState, name string) (localapi.SecretState, bool) {
	for _, st := range states {
		if st.Name == name {
			return st, true
		}
	}
	return localapi.SecretState{}, false
}

// storeSecret sends what the admin typed to the service's keychain, clears
// the entry and shows the secret's new status (leaving the other secret,
// which may be half typed, alone).
func (s *connectorScreen) storeSecret(sec *connectorSecret) {
	value := sec.entry.Text
	if value == "" {
		sec.errLabel.SetText(lang.L("Type or paste the secret first."))
		sec.errLabel.Show()
		s.relayout()
		return
	}
	// The ticket's expiry date is checked first: a bad one stores nothing,
	// and what was typed stays.
	var date string
	if sec.expires != nil {
		if raw := strings.TrimSpace(sec.expires.Text); raw != "" {
			d, err := config.ParseExpiryInput(raw, time.Now())
			if err != nil {
				sec.errLabel.SetText(lang.L("Ticket expiry date:") + " " + err.Error() + ". " + lang.L("Nothing was stored."))
				sec.errLabel.Show()
				s.relayout()
				return
			}
			date = d
		}
	}
	sec.errLabel.Hide()
	sec.store.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		err := s.b.SetSecret(ctx, sec.name, value)
		// Where the service now reads it from; a failure to tell is no
		// reason to doubt that it was stored.
		st, found := localapi.SecretState{Name: sec.name, Set: true, Source: "keychain"}, true
		if err == nil {
			if states, stErr := s.b.SecretStatus(ctx); stErr == nil {
				if got, ok := connectorSecretState(states, sec.name); ok && got.Set {
					st = got
				}
			}
		}
		fyne.Do(func() {
			sec.store.Enable()
			if s.admin.Check(err) {
				// The notice says why; the typed value stays in the entry.
				sec.errLabel.SetText(lang.L("Could not store the secret:") + " " + adminRightsMessage())
				sec.errLabel.Show()
			} else if err != nil {
				// The service redacts the value from its errors.
				sec.errLabel.SetText(lang.L("Could not store the secret:") + " " + err.Error())
				sec.errLabel.Show()
			} else {
				sec.entry.SetText("")
				sec.showState(st, found)
			}
			s.relayout()
			if s.hooks.secretStored != nil {
				s.hooks.secretStored(sec.name, err)
			}
			if err == nil && date != "" {
				s.recordTicketExpiry(sec, date)
			}
		})
	}()
}

// recordTicketExpiry saves the ticket's expiry date, stored with its token,
// in the configuration (never the keychain). A refused save keeps the date
// in the draft, beside the form's other messages, for the next Save.
func (s *connectorScreen) recordTicketExpiry(sec *connectorSecret, date string) {
	sec.expires.SetText("")
	s.ed.Update(func(c *config.Config) { c.OneCloud.TokenExpires = date })
	s.saveThen(func(err error) {
		if err != nil {
			sec.errLabel.SetText(lang.L("The token is stored; its expiry date is not saved yet: correct the settings and press Save."))
			sec.errLabel.Show()
		}
	})
}

// runTest runs the service's connection test in the background and shows
// each step with its outcome and what to do.
func (s *connectorScreen) runTest() {
	s.testButton.Disable()
	s.testErr.Hide()
	s.testSteps.RemoveAll()
	s.testRows = nil
	s.testProgress.Show()
	s.testProgress.Start()
	s.relayout()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), outsideTimeout)
		defer cancel()
		steps, err := s.b.TestConnection(ctx)
		fyne.Do(func() {
			s.testProgress.Stop()
			s.testProgress.Hide()
			s.testButton.Enable()
			if s.testAdmin.Check(err) {
				s.testErr.SetText(lang.L("Could not run the test:") + " " + adminRightsMessage())
				s.testErr.Show()
			} else if err != nil {
				s.testErr.SetText(lang.L("Could not run the test:") + " " + err.Error())
				s.testErr.Show()
			}
			for _, st := range steps {
				row := newConnectorStepRow(st)
				s.testRows = append(s.testRows, row)
				s.testSteps.Add(row.object())
			}
			s.relayout()
			if s.hooks.tested != nil {
				s.hooks.tested()
			}
		})
	}()
}

// connectorStepIcon is a failed step's error icon, a passed one's check
// mark, or a warning for a step that passed with something to do (the
// service sends a remedy only for failures and warnings).
func connectorStepIcon(st localapi.CheckStep) fyne.Resource {
	switch {
	case !st.OK:
		return theme.NewErrorThemedResource(theme.ErrorIcon())
	case st.Remedy != "":
		return theme.NewWarningThemedResource(theme.WarningIcon())
	default:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	}
}

func newConnectorStepRow(st localapi.CheckStep) connectorStepRow {
	row := connectorStepRow{
		step:   st,
		icon:   widget.NewIcon(connectorStepIcon(st)),
		name:   connectorWrapLabel(lang.L(st.Name)),
		detail: connectorWrapLabel(st.Detail),
		remedy: connectorWrapLabel(""),
	}
	row.name.TextStyle = fyne.TextStyle{Bold: true}
	if st.Detail == "" {
		row.detail.Hide()
	}
	if st.Remedy != "" {
		row.remedy.SetText(fmt.Sprintf("%s %s", lang.L("What to do:"), st.Remedy))
		row.remedy.Importance = widget.WarningImportance
		if !st.OK {
			row.remedy.Importance = widget.DangerImportance
		}
	} else {
		row.remedy.Hide()
	}
	return row
}

func (r connectorStepRow) object() fyne.CanvasObject {
	icon := container.NewVBox(r.icon) // keep the icon at the top of a tall row
	return container.NewBorder(nil, nil, icon, nil, container.NewVBox(r.name, r.detail, r.remedy))
}
