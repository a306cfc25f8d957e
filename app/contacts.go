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

// contactsScreen edits the contacts block of the draft (on, how often, the region of national
// numbers, personal phonebooks, the office phonebook's mailbox) and shows what the service's
// last contacts sync did to each phonebook, with a button to sync contacts now.
type contactsScreen struct {
	b  localapi.Backend
	ed *configEditor

	enabled, personal *widget.Check
	interval, region  *widget.Entry
	mailbox           *widget.Entry
	fieldErrs         map[string]*widget.Label // by config field path

	save, revert *widget.Button
	message      *widget.Label
	admin        *adminNotice
	flow         editFlow

	lastRun *widget.Label
	books   *fyne.Container
	syncNow *widget.Button
	syncErr *widget.Label
	root    *container.Scroll
	// synced, if set, runs on the UI goroutine once a Sync contacts now call has been answered
	// (tests: the test driver runs fyne.Do on the calling goroutine).
	synced func()
}

// contactsTab builds the Contacts tab.
func contactsTab(w fyne.Window, b localapi.Backend, ed *configEditor) fyne.CanvasObject {
	return newContactsScreen(b, ed).root
}

func newContactsScreen(b localapi.Backend, ed *configEditor) *contactsScreen {
	s := &contactsScreen{b: b, ed: ed, fieldErrs: map[string]*widget.Label{}}
	set := func(fn func(*config.Contacts)) {
		ed.Update(func(c *config.Config) {
			if c.Contacts == nil {
				c.Contacts = &config.Contacts{}
			}
			fn(c.Contacts)
		})
		s.showErrors()
	}
	s.enabled = widget.NewCheck(lang.L("Copy Exchange contacts into OneCloud phonebooks"), func(on bool) {
		if on != s.ed.Draft().ContactsEnabled() {
			set(func(k *config.Contacts) { k.Enabled = on })
		}
	})
	s.personal = widget.NewCheck(lang.L("Each enabled user's personal phonebook, from their mailbox"), func(on bool) {
		if on != s.ed.Draft().ContactsPersonal() {
			set(func(k *config.Contacts) { k.Personal = new(on) })
		}
	})
	entry := func(placeholder string, get func(*config.Contacts) string, put func(*config.Contacts, string)) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(text string) {
			if k := s.ed.Draft().Contacts; (k == nil && text == "") || (k != nil && get(k) == text) {
				return // set from the draft, not typed
			}
			set(func(k *config.Contacts) { put(k, text) })
		}
		return e
	}
	s.interval = entry(config.DefaultContactsInterval, func(k *config.Contacts) string { return k.Interval },
		func(k *config.Contacts, v string) { k.Interval = strings.TrimSpace(v) })
	s.region = entry("IT", func(k *config.Contacts) string { return k.DefaultRegion },
		func(k *config.Contacts, v string) { k.DefaultRegion = strings.ToUpper(strings.TrimSpace(v)) })
	s.mailbox = entry("rubrica@contoso.it", func(k *config.Contacts) string { return k.PhonebookMailbox },
		func(k *config.Contacts, v string) { k.PhonebookMailbox = strings.TrimSpace(v) })

	withErr := func(field string, o fyne.CanvasObject) fyne.CanvasObject {
		l := connectorWrapLabel("")
		l.Importance = widget.DangerImportance
		l.Hide()
		s.fieldErrs[field] = l
		return container.NewVBox(o, l)
	}
	hint := func(o fyne.CanvasObject, text string) fyne.CanvasObject {
		h := widget.NewLabel(text)
		h.Wrapping = fyne.TextWrapWord
		h.Importance = widget.LowImportance
		return container.NewVBox(o, h)
	}
	form := widget.NewForm(
		widget.NewFormItem("", withErr("contacts.enabled", s.enabled)),
		widget.NewFormItem(lang.L("Every"), withErr("contacts.interval", hint(s.interval, lang.L("At least 5m; for example 15m or 1h")))),
		widget.NewFormItem(lang.L("Country of numbers without +"), withErr("contacts.defaultRegion",
			hint(s.region, lang.L("Two letters, e.g. IT: 02 1234 5678 becomes +39 02 1234 5678")))),
		widget.NewFormItem("", withErr("contacts.personal", s.personal)),
		widget.NewFormItem(lang.L("Office phonebook from"), withErr("contacts.phonebookMailbox",
			hint(s.mailbox, lang.L("The mailbox whose contacts fill the shared OneCloud phonebook; empty: none")))),
	)

	s.save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), s.doSave)
	s.save.Importance = widget.HighImportance
	s.revert = widget.NewButtonWithIcon(lang.L("Revert"), theme.ContentUndoIcon(), s.doRevert)
	s.message = connectorWrapLabel("")
	s.message.Hide()
	s.admin = newAdminNotice(ed.Elevate)
	s.flow = editFlow{ed: ed, admin: s.admin, save: s.save, revert: s.revert, message: s.message, relayout: s.relayout}

	s.lastRun = widget.NewLabel(lang.L("Contacts have not been synced yet."))
	s.lastRun.Wrapping = fyne.TextWrapWord
	s.books = container.NewVBox()
	s.syncNow = widget.NewButtonWithIcon(lang.L("Sync contacts now"), theme.ViewRefreshIcon(), s.doSyncNow)
	s.syncErr = connectorWrapLabel("")
	s.syncErr.Importance = widget.DangerImportance
	s.syncErr.Hide()
	permission := widget.NewLabel(lang.L("Needs the Microsoft Graph application permission Contacts.Read, with admin consent. calsync writes only the entries it made: an entry someone made or edited in OneCloud is never changed."))
	permission.Wrapping = fyne.TextWrapWord

	s.root = container.NewVScroll(container.NewVBox(
		permission,
		form,
		container.NewHBox(layout.NewSpacer(), s.revert, s.save),
		s.message,
		s.admin,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("Last contacts sync"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.lastRun,
		s.books,
		container.NewHBox(s.syncNow),
		s.syncErr,
	))
	s.syncFromDraft()
	ed.OnChange(func(*config.Config) { fyne.Do(s.syncFromDraft) })
	s.admin.CheckAccess(b, func(readOnly bool) {
		if readOnly {
			s.save.Disable()
			s.syncNow.Disable()
		}
		s.relayout()
	})
	return s
}

func (s *contactsScreen) relayout() { s.root.Refresh() }

// syncFromDraft shows the draft's contacts settings (loaded, reverted, or changed elsewhere).
func (s *contactsScreen) syncFromDraft() {
	cfg := s.ed.Draft()
	k := config.Contacts{}
	if cfg.Contacts != nil {
		k = *cfg.Contacts
	}
	s.enabled.SetChecked(k.Enabled)
	s.personal.SetChecked(cfg.Contacts == nil || cfg.ContactsPersonal())
	for e, v := range map[*widget.Entry]string{s.interval: k.Interval, s.region: k.DefaultRegion, s.mailbox: k.PhonebookMailbox} {
		if e.Text != v {
			e.SetText(v)
		}
	}
	s.showErrors()
}

// showErrors puts each contacts field's validation message under it.
func (s *contactsScreen) showErrors() {
	msgs := map[string]string{}
	for _, fe := range s.ed.Validate() {
		if _, seen := msgs[fe.Field]; !seen {
			msgs[fe.Field] = fe.Message
		}
	}
	for field, l := range s.fieldErrs {
		if msg := msgs[field]; l.Text != msg || l.Visible() != (msg != "") {
			l.SetText(msg)
			l.Hidden = msg == ""
			l.Refresh()
		}
	}
	s.relayout()
}

func (s *contactsScreen) doSave() {
	s.flow.saveDraft(func(err error, needsAdmin bool) {
		switch {
		case needsAdmin:
			s.flow.show(lang.L("Not saved; your changes are kept."), widget.DangerImportance)
		case err == nil:
			s.flow.show(lang.L("Saved."), widget.SuccessImportance)
		default:
			var lines []string
			for _, fe := range localapi.FieldErrors(err) {
				lines = append(lines, fe.String())
			}
			text := err.Error()
			if len(lines) > 0 {
				text = strings.Join(lines, "\n")
			}
			s.flow.show(lang.L("Not saved; your changes are kept.")+" "+text, widget.DangerImportance)
		}
		s.relayout()
	})
}

func (s *contactsScreen) doRevert() {
	s.flow.revertAndShow(func() {
		s.message.Hide()
		s.syncFromDraft()
	}, nil)
}

// contactsJob is the service's name of contacts sync among its jobs (status.jobs, jobs/{name}/sync-now).
const contactsJob = "contacts"

// doSyncNow asks the service for a contacts sync; the status stream then shows its outcome.
func (s *contactsScreen) doSyncNow() {
	s.syncNow.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		err := s.b.SyncJobNow(ctx, contactsJob)
		fyne.Do(func() {
			if s.admin.Check(err) {
				err = nil
			}
			if err != nil {
				s.syncErr.SetText(lang.L("Contacts sync not started:") + " " + err.Error())
				s.syncErr.Show()
			} else {
				s.syncErr.Hide()
			}
			if !s.admin.ReadOnly() {
				s.syncNow.Enable()
			}
			s.relayout()
			if s.synced != nil {
				s.synced()
			}
		})
	}()
}

// showStatus shows the service's contacts status; call it on the UI goroutine with every status.
func (s *contactsScreen) showStatus(st localapi.Status) {
	c := st.Contacts
	switch {
	case c == nil:
		s.lastRun.SetText(lang.L("Contacts sync is off in the service's configuration."))
		s.books.Objects = nil
	case c.Syncing:
		s.lastRun.SetText(lang.L("Syncing contacts..."))
	case c.LastRun.IsZero():
		s.lastRun.SetText(lang.L("Contacts have not been synced yet."))
	default:
		s.lastRun.SetText(lang.L("Last run {{.When}}, every {{.Interval}}.", map[string]any{
			"When": statusTimeText(c.LastRun, time.Now()), "Interval": contactsDurationText(c.Interval)}))
	}
	if c != nil && !c.Syncing {
		names := map[string]string{}
		for _, u := range st.Users {
			names[u.OneCloudUser] = u.Name
		}
		s.books.Objects = contactsBookLabels(c.Phonebooks, names)
		if c.Error != "" {
			e := connectorWrapLabel(c.Error)
			e.Importance = widget.DangerImportance
			s.books.Objects = append([]fyne.CanvasObject{e}, s.books.Objects...)
		}
	}
	s.books.Refresh()
	s.relayout()
}

// contactsBookLabels is one line per phonebook with its counts, its error and what was skipped.
func contactsBookLabels(books []localapi.ContactsPhonebook, names map[string]string) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, b := range books {
		name := lang.L("Office phonebook")
		if id, ok := strings.CutPrefix(b.Book, "user:"); ok {
			if n := names[id]; n != "" && n != id {
				id = n + " (" + id + ")"
			}
			name = lang.L("Phonebook of {{.User}}", map[string]any{"User": id})
		}
		line := widget.NewLabel(fmt.Sprintf("%s (%s): %s", name, b.Mailbox, lang.L(
			"{{.Created}} created, {{.Updated}} updated, {{.Deleted}} deleted, {{.Unchanged}} unchanged, {{.Kept}} kept as edited in OneCloud, {{.Skipped}} skipped",
			map[string]any{"Created": b.Created, "Updated": b.Updated, "Deleted": b.Deleted, "Unchanged": b.Unchanged,
				"Kept": b.KeptEdited, "Skipped": len(b.Skipped)})))
		line.Wrapping = fyne.TextWrapWord
		out = append(out, line)
		if b.Error != "" {
			e := connectorWrapLabel(b.Error)
			e.Importance = widget.DangerImportance
			out = append(out, e)
		}
		for i, sk := range b.Skipped {
			if i == 5 {
				more := widget.NewLabel(lang.L("... and {{.N}} more skipped", map[string]any{"N": len(b.Skipped) - i}))
				more.Importance = widget.LowImportance
				out = append(out, more)
				break
			}
			l := widget.NewLabel("  " + sk.Contact + ": " + sk.Reason)
			l.Importance = widget.LowImportance
			l.Wrapping = fyne.TextWrapWord
			out = append(out, l)
		}
	}
	return out
}

// contactsDurationText shows a Go duration as people write it: "15m", not "15m0s".
func contactsDurationText(d string) string {
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return d
}
