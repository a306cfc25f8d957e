package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// usersTab builds the Users screen: the OneCloud users, each with an
// Enabled checkbox and the mailbox whose calendar drives it, a search box,
// enable/disable all, CSV import and export, and Save / Revert. Edits go to
// ed's draft; nothing reaches the service until Save.
func usersTab(w fyne.Window, b localapi.Backend, ed *configEditor) fyne.CanvasObject {
	s := newUsersScreen(w, b, ed)
	s.loadDirectory()
	return s.content
}

// usersScreen is the Users screen with the handles its tests use.
type usersScreen struct {
	w  fyne.Window
	b  localapi.Backend
	ed *configEditor

	dir       []localapi.DirectoryUser // as last loaded from OneCloud
	groupName map[string]string        // group id -> name
	rows      []*usersRow

	search     *widget.Entry
	count      *widget.Label
	enableAll  *widget.Button
	disableAll *widget.Button
	importCSV  *widget.Button
	exportCSV  *widget.Button
	reload     *widget.Button
	progress   *widget.ProgressBarInfinite
	loading    *widget.Label
	dirErr     *widget.Label
	list       *fyne.Container
	message    *widget.Label // outcome of save, revert, import, export
	admin      *adminNotice  // a save refused for lack of rights
	saveBtn    *widget.Button
	revertBtn  *widget.Button
	flow       editFlow // Save and Revert
	content    fyne.CanvasObject

	// saveErrs are the service's field errors from the last failed save,
	// by OneCloud user; a row shows them instead of the local checks until
	// it is edited, or the next save or revert.
	saveErrs map[string][]string
	// syncing is set while the rows are being filled from the draft, so
	// the widgets' change callbacks don't write back what they just read.
	syncing bool

	// afterLoad, afterSave and afterRevert run on the UI goroutine when a
	// background call has been shown (tests wait on them).
	afterLoad   func(error)
	afterSave   func(error)
	afterRevert func(error)
}

// usersRow is one user's line: a directory user, a configured user, or both.
type usersRow struct {
	id       string // the OneCloud user id (config.User.OneCloudUser)
	name     string
	username string
	email    string
	groups   []string // names
	inDir    bool

	box     *fyne.Container
	nameLbl *widget.Label
	detail  *widget.Label
	enabled *widget.Check
	mailbox *widget.Entry
	errLbl  *widget.Label
}

func newUsersScreen(w fyne.Window, b localapi.Backend, ed *configEditor) *usersScreen {
	s := &usersScreen{w: w, b: b, ed: ed, groupName: map[string]string{}}

	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(lang.L("Search by name, email, id or group"))
	s.search.OnChanged = func(string) { s.applyFilter() }
	s.count = widget.NewLabel("")
	s.enableAll = widget.NewButton(lang.L("Enable all"), func() { s.setAllEnabled(true) })
	s.disableAll = widget.NewButton(lang.L("Disable all"), func() { s.setAllEnabled(false) })
	s.importCSV = widget.NewButton(lang.L("Import CSV..."), s.showImportDialog)
	s.exportCSV = widget.NewButton(lang.L("Export CSV..."), s.showExportDialog)
	s.reload = widget.NewButton(lang.L("Reload from OneCloud"), s.loadDirectory)

	s.progress = widget.NewProgressBarInfinite()
	s.progress.Hide()
	s.progress.Stop()
	s.loading = widget.NewLabel(lang.L("Loading the OneCloud users..."))
	s.loading.Hide()
	s.dirErr = widget.NewLabel("")
	s.dirErr.Importance = widget.DangerImportance
	s.dirErr.Wrapping = fyne.TextWrapWord
	s.dirErr.Hide()

	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.message.Hide()
	s.admin = newAdminNotice(ed.Elevate)
	s.saveBtn = widget.NewButton(lang.L("Save"), s.save)
	s.saveBtn.Importance = widget.HighImportance
	s.revertBtn = widget.NewButton(lang.L("Revert"), s.revert)
	s.flow = editFlow{ed: ed, admin: s.admin, save: s.saveBtn, revert: s.revertBtn, message: s.message}

	s.list = container.NewVBox()
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, s.count, s.search),
		container.NewHBox(s.enableAll, s.disableAll, layout.NewSpacer(), s.importCSV, s.exportCSV, s.reload),
		s.loading, s.progress, s.dirErr,
	)
	bottom := container.NewVBox(s.message, s.admin, container.NewHBox(layout.NewSpacer(), s.revertBtn, s.saveBtn))
	s.content = container.NewBorder(top, bottom, nil, nil, container.NewVScroll(s.list))

	// The draft changes on load, revert, import and in other screens; the
	// listener may run on any goroutine.
	ed.OnChange(func(*config.Config) { fyne.Do(s.fromDraft) })
	s.fromDraft()
	// A user who may only read learns it now, not from a refused Save.
	s.admin.CheckAccess(b, func(readOnly bool) {
		if readOnly {
			s.saveBtn.Disable()
		}
		s.content.Refresh() // lay out the notice
	})
	return s
}

// loadDirectory fetches the OneCloud users in the background; the users
// already in the configuration stay listed whatever happens.
func (s *usersScreen) loadDirectory() {
	s.reload.Disable()
	s.loading.Show()
	s.progress.Show()
	s.progress.Start()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), outsideTimeout)
		defer cancel()
		dir, err := s.b.OneCloudDirectory(ctx)
		fyne.Do(func() {
			s.progress.Stop()
			s.progress.Hide()
			s.loading.Hide()
			s.reload.Enable()
			if err != nil {
				s.dirErr.SetText(lang.L("Could not load the OneCloud users; showing the users in the configuration only.") + " " + err.Error())
				s.dirErr.Show()
			} else {
				s.dirErr.Hide()
				s.dir = dir.Users
				s.groupName = map[string]string{}
				for _, g := range dir.Groups {
					s.groupName[g.ID] = g.Name
				}
				s.rebuild(s.ed.Draft())
			}
			if s.afterLoad != nil {
				s.afterLoad(err)
			}
		})
	}()
}

// fromDraft brings the rows in line with the current draft: new rows when
// the set of users changed, else only the values that differ (so typing in
// an entry is never disturbed by the echo of its own edit).
func (s *usersScreen) fromDraft() {
	cfg := s.ed.Draft()
	if !s.sameUsers(cfg) {
		s.rebuild(cfg)
		return
	}
	s.fill(cfg)
}

func (s *usersScreen) sameUsers(cfg *config.Config) bool {
	ids := usersMergedIDs(s.dir, cfg.Users)
	if len(ids) != len(s.rows) {
		return false
	}
	for _, r := range s.rows {
		if !ids[r.id] {
			return false
		}
	}
	return true
}

func usersMergedIDs(dir []localapi.DirectoryUser, users []config.User) map[string]bool {
	ids := map[string]bool{}
	for _, d := range dir {
		ids[d.ID] = true
	}
	for _, u := range users {
		ids[u.OneCloudUser] = true
	}
	return ids
}

// rebuild makes one row per directory user (by name) followed by the
// configured users OneCloud did not list.
func (s *usersScreen) rebuild(cfg *config.Config) {
	dir := slices.Clone(s.dir)
	slices.SortStableFunc(dir, func(a, b localapi.DirectoryUser) int {
		if c := strings.Compare(strings.ToLower(usersDisplayName(a)), strings.ToLower(usersDisplayName(b))); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	seen := map[string]bool{}
	s.rows = s.rows[:0]
	for _, d := range dir {
		if seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		var groups []string
		for _, g := range d.Groups {
			if n := s.groupName[g]; n != "" {
				groups = append(groups, n)
			} else {
				groups = append(groups, g)
			}
		}
		s.rows = append(s.rows, s.newRow(usersRow{id: d.ID, name: usersDisplayName(d), username: d.Username, email: d.Email, groups: groups, inDir: true}))
	}
	for _, u := range cfg.Users {
		if seen[u.OneCloudUser] {
			continue
		}
		seen[u.OneCloudUser] = true
		s.rows = append(s.rows, s.newRow(usersRow{id: u.OneCloudUser}))
	}
	objs := make([]fyne.CanvasObject, len(s.rows))
	for i, r := range s.rows {
		objs[i] = r.box
	}
	s.list.Objects = objs
	s.list.Refresh()
	s.fill(cfg)
	s.applyFilter()
}

func usersDisplayName(d localapi.DirectoryUser) string {
	switch {
	case d.Name != "":
		return d.Name
	case d.Username != "":
		return d.Username
	}
	return d.ID
}

func (s *usersScreen) newRow(r usersRow) *usersRow {
	row := &r
	name := r.name
	if !r.inDir {
		name = r.id
	}
	row.nameLbl = widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	row.nameLbl.Truncation = fyne.TextTruncateEllipsis
	row.detail = widget.NewLabel(s.rowDetail(row))
	row.detail.Wrapping = fyne.TextWrapWord
	row.detail.SizeName = theme.SizeNameCaptionText
	row.enabled = widget.NewCheck(lang.L("Enabled"), func(on bool) {
		if !s.syncing {
			s.setUser(row, func(u *config.User) { u.Enabled = on })
		}
	})
	row.mailbox = widget.NewEntry()
	row.mailbox.SetPlaceHolder(lang.L("Mailbox, e.g. mario.rossi@contoso.it"))
	row.mailbox.OnChanged = func(text string) {
		if !s.syncing {
			s.setUser(row, func(u *config.User) { u.Mailbox = strings.TrimSpace(text) })
		}
	}
	row.errLbl = widget.NewLabel("")
	row.errLbl.Importance = widget.DangerImportance
	row.errLbl.Wrapping = fyne.TextWrapWord
	row.errLbl.Hide()
	info := container.NewVBox(row.nameLbl, row.detail)
	row.box = container.NewVBox(
		container.NewBorder(nil, nil, usersVCenter(row.enabled), nil, container.NewGridWithColumns(2, info, usersVCenter(row.mailbox))),
		row.errLbl,
		widget.NewSeparator(),
	)
	return row
}

// usersVCenter centres o vertically in its row, at its natural height.
func usersVCenter(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), o, layout.NewSpacer())
}

func (s *usersScreen) rowDetail(r *usersRow) string {
	if !r.inDir {
		return lang.L("Not in the OneCloud directory")
	}
	parts := []string{}
	if r.username != "" && r.username != r.name {
		parts = append(parts, r.username)
	}
	parts = append(parts, lang.L("User id")+" "+r.id)
	if r.email != "" {
		parts = append(parts, r.email)
	}
	if len(r.groups) > 0 {
		parts = append(parts, lang.L("Groups")+": "+strings.Join(r.groups, ", "))
	}
	return strings.Join(parts, " · ")
}

// fill shows the draft's values in the rows, and the field errors: the
// service's from a failed save, else the configuration's own checks.
func (s *usersScreen) fill(cfg *config.Config) {
	byID := map[string]config.User{}
	for _, u := range cfg.Users {
		if _, dup := byID[u.OneCloudUser]; !dup {
			byID[u.OneCloudUser] = u
		}
	}
	s.syncing = true
	for _, r := range s.rows {
		u, configured := byID[r.id]
		mailbox := u.Mailbox
		if !configured {
			mailbox = r.email // the default until the admin says otherwise
		}
		r.enabled.SetChecked(u.Enabled)
		if r.mailbox.Text != mailbox && strings.TrimSpace(r.mailbox.Text) != mailbox {
			r.mailbox.SetText(mailbox)
		}
	}
	s.syncing = false
	s.showFieldErrors(cfg)
}

func (s *usersScreen) showFieldErrors(cfg *config.Config) {
	var fes []localapi.FieldError
	if err := cfg.Validate(); err != nil {
		if ve, ok := err.(config.ValidationErrors); ok {
			for _, fe := range ve {
				fes = append(fes, localapi.FieldError{Field: fe.Field, Message: fe.Message})
			}
		}
	}
	live, _ := usersFieldErrors(cfg.Users, fes)
	relayout := false
	for _, r := range s.rows {
		was := r.errLbl.Visible()
		msgs, fromSave := s.saveErrs[r.id]
		if !fromSave {
			msgs = live[r.id]
		}
		if len(msgs) > 0 {
			r.errLbl.SetText(strings.Join(msgs, "\n"))
			r.errLbl.Show()
		} else {
			r.errLbl.Hide()
		}
		if was != r.errLbl.Visible() {
			r.box.Refresh() // the row's height changed
			relayout = true
		}
	}
	if relayout {
		s.list.Refresh()
	}
}

var usersFieldPattern = regexp.MustCompile(`^users\[(\d+)\]\.?(.*)$`)

// usersFieldErrors sorts field errors into those of a user (by OneCloud
// user id, as "field: message") and the rest.
func usersFieldErrors(users []config.User, fes []localapi.FieldError) (byUser map[string][]string, other []localapi.FieldError) {
	byUser = map[string][]string{}
	for _, fe := range fes {
		m := usersFieldPattern.FindStringSubmatch(fe.Field)
		if m == nil {
			other = append(other, fe)
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i >= len(users) {
			other = append(other, fe)
			continue
		}
		msg := fe.Message
		if m[2] != "" {
			msg = usersFieldLabel(m[2]) + ": " + msg
		}
		byUser[users[i].OneCloudUser] = append(byUser[users[i].OneCloudUser], msg)
	}
	return byUser, other
}

func usersFieldLabel(field string) string {
	switch field {
	case "mailbox":
		return lang.L("Mailbox")
	case "enabled":
		return lang.L("Enabled")
	case "onecloudUser":
		return lang.L("OneCloud user")
	}
	return field
}

// setUser changes row's user in the draft, adding it (with the mailbox
// shown) when it is not configured yet.
func (s *usersScreen) setUser(r *usersRow, change func(*config.User)) {
	mailbox := strings.TrimSpace(r.mailbox.Text)
	delete(s.saveErrs, r.id)
	s.ed.Update(func(c *config.Config) {
		i := slices.IndexFunc(c.Users, func(u config.User) bool { return u.OneCloudUser == r.id })
		if i < 0 {
			c.Users = append(c.Users, config.User{OneCloudUser: r.id, Mailbox: mailbox})
			i = len(c.Users) - 1
		}
		change(&c.Users[i])
	})
}

// matches reports whether the row fits the search: every word must appear
// in its name, username, id, email, mailbox or group names.
func (r *usersRow) matches(query string) bool {
	hay := strings.ToLower(strings.Join(append([]string{r.name, r.username, r.id, r.email, r.mailbox.Text}, r.groups...), "\n"))
	for _, word := range strings.Fields(strings.ToLower(query)) {
		if !strings.Contains(hay, word) {
			return false
		}
	}
	return true
}

func (s *usersScreen) applyFilter() {
	shown := 0
	for _, r := range s.rows {
		if r.matches(s.search.Text) {
			r.box.Show()
			shown++
		} else {
			r.box.Hide()
		}
	}
	s.list.Refresh()
	s.count.SetText(lang.L("{{.Shown}} of {{.Total}} users", map[string]any{"Shown": shown, "Total": len(s.rows)}))
}

func (s *usersScreen) visibleRows() []*usersRow {
	var out []*usersRow
	for _, r := range s.rows {
		if r.box.Visible() {
			out = append(out, r)
		}
	}
	return out
}

// setAllEnabled enables or disables every user the search shows, in one
// change of the draft.
func (s *usersScreen) setAllEnabled(on bool) {
	rows := s.visibleRows()
	for _, r := range rows {
		delete(s.saveErrs, r.id)
	}
	s.ed.Update(func(c *config.Config) {
		for _, r := range rows {
			i := slices.IndexFunc(c.Users, func(u config.User) bool { return u.OneCloudUser == r.id })
			if i < 0 {
				c.Users = append(c.Users, config.User{OneCloudUser: r.id, Mailbox: strings.TrimSpace(r.mailbox.Text)})
				i = len(c.Users) - 1
			}
			c.Users[i].Enabled = on
		}
	})
}

// usersImportResult is what an import did, for the report.
type usersImportResult struct {
	Added, Updated int
	Errors         []config.RowError
}

// usersApplyCSV reads users CSV and applies its good rows to cfg: a row
// updates the user with its onecloudUser, or adds one. Bad rows are
// returned, line by line, and change nothing.
func usersApplyCSV(cfg *config.Config, r io.Reader) usersImportResult {
	users, errs := config.ParseUsersCSV(r)
	res := usersImportResult{Errors: errs}
	for _, u := range users {
		if i := slices.IndexFunc(cfg.Users, func(c config.User) bool { return c.OneCloudUser == u.OneCloudUser }); i >= 0 {
			cfg.Users[i] = u
			res.Updated++
		} else {
			cfg.Users = append(cfg.Users, u)
			res.Added++
		}
	}
	return res
}

// usersCSV is the draft's users as CSV, as Export writes them.
func usersCSV(cfg *config.Config) ([]byte, error) {
	var buf bytes.Buffer
	if err := config.WriteUsersCSV(&buf, cfg.Users); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// importCSVFrom applies a CSV file to the draft and shows what happened:
// a summary, and a dialog listing every bad line.
func (s *usersScreen) importCSVFrom(r io.Reader) usersImportResult {
	var res usersImportResult
	s.ed.Update(func(c *config.Config) { res = usersApplyCSV(c, r) })
	s.showMessage(lang.L("Imported {{.Added}} new and {{.Updated}} updated users; {{.Bad}} lines with errors.",
		map[string]any{"Added": res.Added, "Updated": res.Updated, "Bad": usersBadLines(res.Errors)}), len(res.Errors) > 0)
	if len(res.Errors) > 0 && s.w != nil {
		s.importReport(res).Show()
	}
	return res
}

func usersBadLines(errs []config.RowError) int {
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	return len(lines)
}

// usersReportLines is the row-by-row error report, one line per problem.
func usersReportLines(errs []config.RowError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		prefix := lang.L("Line {{.Line}}", map[string]any{"Line": e.Line})
		if e.Line == 0 {
			prefix = lang.L("File")
		}
		if e.Field != "" {
			prefix += ", " + e.Field
		}
		out[i] = prefix + ": " + e.Message
	}
	return out
}

func (s *usersScreen) importReport(res usersImportResult) dialog.Dialog {
	lines := usersReportLines(res.Errors)
	report := widget.NewLabel(strings.Join(lines, "\n"))
	report.Wrapping = fyne.TextWrapWord
	intro := widget.NewLabel(lang.L("These lines were not imported; fix them and import the file again. The other lines were applied to the draft."))
	intro.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(report)
	scroll.SetMinSize(fyne.NewSize(520, 260))
	d := dialog.NewCustom(lang.L("CSV import: lines with errors"), lang.L("Close"), container.NewBorder(intro, nil, nil, nil, scroll), s.w)
	return d
}

func (s *usersScreen) showImportDialog() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			s.showMessage(lang.L("Could not open the file")+": "+err.Error(), true)
			return
		}
		if rc == nil {
			return // cancelled
		}
		defer rc.Close()
		s.importCSVFrom(rc)
	}, s.w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".CSV", ".txt"}))
	d.Show()
}

func (s *usersScreen) showExportDialog() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			s.showMessage(lang.L("Could not save the file")+": "+err.Error(), true)
			return
		}
		if wc == nil {
			return // cancelled
		}
		s.exportCSVTo(wc)
	}, s.w)
	d.SetFileName("calsync-users.csv")
	d.Show()
}

// exportCSVTo writes the draft's users to wc and closes it.
func (s *usersScreen) exportCSVTo(wc io.WriteCloser) error {
	data, err := usersCSV(s.ed.Draft())
	if err == nil {
		_, err = wc.Write(data)
	}
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("export the users: %w", err)
		s.showMessage(lang.L("Could not save the file")+": "+err.Error(), true)
		return err
	}
	s.showMessage(lang.L("Exported {{.N}} users.", map[string]any{"N": len(s.ed.Draft().Users)}), false)
	return nil
}

func (s *usersScreen) showMessage(text string, bad bool) {
	imp := widget.MediumImportance
	if bad {
		imp = widget.DangerImportance
	}
	s.flow.show(text, imp)
}

// save sends the draft to the service. On failure the draft stays and each
// user's field errors show on its row; other errors show below the list.
func (s *usersScreen) save() {
	users := s.ed.Draft().Users // the indexes the service's errors refer to
	s.flow.saveDraft(func(err error, needsAdmin bool) {
		switch {
		case needsAdmin:
			s.saveErrs = nil
			s.showMessage(lang.L("Not saved; nothing you changed is lost."), true)
			s.content.Refresh() // lay out the notice
		case err != nil:
			byUser, other := usersFieldErrors(users, localapi.FieldErrors(err))
			s.saveErrs = byUser
			msg := lang.L("Not saved; nothing you changed is lost.")
			if len(byUser) == 0 && len(other) == 0 {
				msg += " " + err.Error()
			}
			for _, fe := range other {
				msg += "\n" + fe.String()
			}
			s.showMessage(msg, true)
		default:
			s.saveErrs = nil
			s.showMessage(lang.L("Saved."), false)
		}
		s.showFieldErrors(s.ed.Draft())
		if s.afterSave != nil {
			s.afterSave(err)
		}
	})
}

// revert drops the edits and reloads the service's configuration.
func (s *usersScreen) revert() {
	s.flow.revertDraft(func(err error) {
		if err != nil {
			s.showMessage(lang.L("Could not reload the configuration")+": "+err.Error(), true)
		} else {
			s.saveErrs = nil
			s.showMessage(lang.L("Reverted to the saved configuration."), false)
			s.fromDraft()
		}
		if s.afterRevert != nil {
			s.afterRevert(err)
		}
	})
}
