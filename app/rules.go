package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/rules"
)

// rulesBackendTimeout bounds one backend call of the rules screen, so a hung
// service leaves an error on screen instead of a spinner forever.
const rulesBackendTimeout = 15 * time.Second

// rulesColumns are the table's column titles, in order (translated when shown).
func rulesColumns() []string { return []string{"Scope", "Type", "Match", "Activity", "Role"} }

// rulesTab builds the Rules screen: the ordered rule table of the
// editor's draft with Add, Edit, Delete, Move up/down, the default activity,
// Save/Revert and a rule tester. Activities, roles and groups come from
// b.OneCloudDirectory, loaded in the background; without it the screen takes
// typed ids.
func rulesTab(w fyne.Window, b localapi.Backend, ed *configEditor) fyne.CanvasObject {
	return newRulesScreen(w, b, ed).root
}

// rulesScreen is the state behind rulesTab; tests drive its widgets.
type rulesScreen struct {
	w  fyne.Window
	b  localapi.Backend
	ed *configEditor

	cfg      *config.Config   // the draft as last shown
	problems map[int][]string // rule index -> "field: message"
	selected int              // selected row; -1 when none

	table                    *widget.Table
	add, edit, del, up, down *widget.Button
	save, revert             *widget.Button
	defaultActivity          *rulesChoice
	defaultActivityLabel     *widget.Label
	problemsLabel            *widget.Label // the draft's rule problems
	message                  *widget.Label // the result of Save/Revert
	admin                    *adminNotice  // a save refused for lack of rights
	dirStatus                *widget.Label // directory loading or its failure
	tester                   *rulesTester
	root                     fyne.CanvasObject

	dir       *localapi.Directory // nil until loaded
	dirDone   chan struct{}       // closed once the directory load has been shown
	form      *rulesForm          // the open Add/Edit dialog's form, if any
	afterSave func(error)         // tests: runs on the UI goroutine after Save/Revert shows its result
}

func newRulesScreen(w fyne.Window, b localapi.Backend, ed *configEditor) *rulesScreen {
	s := &rulesScreen{w: w, b: b, ed: ed, cfg: ed.Draft(), selected: -1, dirDone: make(chan struct{})}

	s.table = widget.NewTable(
		func() (int, int) { return len(s.cfg.Rules), len(rulesColumns()) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		s.updateCell,
	)
	s.table.ShowHeaderRow = true
	s.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if cols := rulesColumns(); id.Col >= 0 && id.Col < len(cols) {
			o.(*widget.Label).SetText(lang.L(cols[id.Col]))
		}
	}
	for col, width := range []float32{170, 110, 170, 150, 120} {
		s.table.SetColumnWidth(col, width)
	}
	s.table.OnSelected = func(id widget.TableCellID) {
		s.selected = id.Row
		s.updateButtons()
	}

	s.add = widget.NewButton(lang.L("Add"), func() { s.openForm(-1) })
	s.edit = widget.NewButton(lang.L("Edit"), func() { s.openForm(s.selected) })
	s.del = widget.NewButton(lang.L("Delete"), s.deleteSelected)
	s.up = widget.NewButton(lang.L("Move up"), func() { s.moveSelected(-1) })
	s.down = widget.NewButton(lang.L("Move down"), func() { s.moveSelected(1) })
	s.save = widget.NewButton(lang.L("Save"), s.doSave)
	s.save.Importance = widget.HighImportance
	s.revert = widget.NewButton(lang.L("Revert"), s.doRevert)

	s.defaultActivity = newRulesChoice(lang.L("OneCloud activity id, e.g. available"), func(v string) {
		s.ed.Update(func(c *config.Config) { c.DefaultActivity = v })
		s.refresh(s.ed.Draft())
	})
	s.defaultActivityLabel = widget.NewLabel(lang.L("When no rule matches, show"))

	s.problemsLabel = widget.NewLabel("")
	s.problemsLabel.Importance = widget.DangerImportance
	s.problemsLabel.Wrapping = fyne.TextWrapWord
	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.message.Hide()
	s.admin = newAdminNotice(ed.Elevate)
	s.dirStatus = widget.NewLabel(lang.L("Loading activities, roles and groups from OneCloud..."))
	s.dirStatus.Wrapping = fyne.TextWrapWord

	s.tester = newRulesTester(s)

	// Other screens, Load and Save change the draft too. The copy passed in
	// may be stale by the time the UI goroutine runs this, so read it afresh.
	ed.OnChange(func(*config.Config) { fyne.Do(func() { s.refresh(s.ed.Draft()) }) })
	s.refresh(ed.Draft())

	top := container.NewVBox(
		s.dirStatus,
		container.NewBorder(nil, nil, s.defaultActivityLabel, nil, s.defaultActivity.box),
	)
	rowButtons := container.NewHBox(s.add, s.edit, s.del, s.up, s.down)
	saveRow := container.NewHBox(layout.NewSpacer(), s.revert, s.save)
	bottom := container.NewVBox(rowButtons, s.problemsLabel, s.message, s.admin, saveRow)
	tableArea := container.NewBorder(nil, bottom, nil, nil, s.table)
	split := container.NewVSplit(tableArea, container.NewVScroll(s.tester.box))
	split.SetOffset(0.6)
	s.root = container.NewBorder(top, nil, nil, nil, split)

	go func() {
		s.loadDirectory()
		// A user who may only read learns it now, not from a refused Save.
		s.admin.checkAccess(b, func(bool) {
			s.refresh(s.ed.Draft()) // Save follows ReadOnly
			s.root.Refresh()        // lay out the notice
		})
	}()
	return s
}

// loadDirectory fetches OneCloud's activities, roles and groups and turns the
// free-text fields into selects; on failure it says why and keeps the entries.
func (s *rulesScreen) loadDirectory() {
	ctx, cancel := context.WithTimeout(context.Background(), rulesBackendTimeout)
	defer cancel()
	dir, err := s.b.OneCloudDirectory(ctx)
	fyne.Do(func() {
		defer close(s.dirDone)
		if err != nil {
			s.dirStatus.Importance = widget.WarningImportance
			s.dirStatus.SetText(lang.L("Could not load activities, roles and groups from OneCloud; type their ids instead.") + " " + err.Error())
			return
		}
		s.dir = &dir
		s.dirStatus.Hide()
		s.defaultActivity.setOptions(s.activityOptions())
		s.tester.setDirectory(&dir)
		s.refresh(s.ed.Draft())
	})
}

// refresh shows cfg: the table, the problems of its rules and the tester.
func (s *rulesScreen) refresh(cfg *config.Config) {
	s.cfg = cfg
	s.problems = map[int][]string{}
	var lines []string
	for _, fe := range s.ed.Validate() {
		if strings.HasPrefix(fe.Field, "rules[") {
			var i int
			var rest string
			if n, _ := fmt.Sscanf(fe.Field, "rules[%d]%s", &i, &rest); n >= 1 {
				msg := strings.TrimPrefix(rest, ".") + ": " + fe.Message
				s.problems[i] = append(s.problems[i], msg)
				lines = append(lines, fmt.Sprintf(lang.L("Rule %d"), i+1)+" - "+msg)
			}
		} else if fe.Field == "defaultActivity" || fe.Field == "rules" {
			lines = append(lines, fe.Error())
		}
	}
	s.problemsLabel.SetText(strings.Join(lines, "\n"))
	s.problemsLabel.Hidden = len(lines) == 0
	s.problemsLabel.Refresh()
	s.defaultActivity.SetValue(cfg.DefaultActivity)
	if s.selected >= len(cfg.Rules) {
		s.selected = -1
		s.table.UnselectAll()
	}
	s.table.Refresh()
	s.updateButtons()
	if s.ed.Dirty() && !s.admin.ReadOnly() {
		s.save.Enable()
	} else {
		s.save.Disable()
	}
	s.tester.update()
}

func (s *rulesScreen) updateButtons() {
	has := s.selected >= 0 && s.selected < len(s.cfg.Rules)
	for _, b := range []*widget.Button{s.edit, s.del} {
		if has {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if has && s.selected > 0 {
		s.up.Enable()
	} else {
		s.up.Disable()
	}
	if has && s.selected < len(s.cfg.Rules)-1 {
		s.down.Enable()
	} else {
		s.down.Disable()
	}
}

func (s *rulesScreen) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row < 0 || id.Row >= len(s.cfg.Rules) {
		l.SetText("")
		return
	}
	l.Importance = widget.MediumImportance
	if len(s.problems[id.Row]) > 0 {
		l.Importance = widget.DangerImportance
	}
	l.SetText(s.ruleCellText(s.cfg.Rules[id.Row], id.Col))
}

// ruleCellText is what the table shows of rule r in column col, translated.
func (s *rulesScreen) ruleCellText(r config.Rule, col int) string {
	switch col {
	case 0:
		return s.scopeLabel(r.Scope)
	case 1:
		return rulesTypeLabel(r.Type)
	case 2:
		if r.Type == config.TypePrivate {
			switch r.Match {
			case "true":
				return lang.L("private")
			case "false":
				return lang.L("not private")
			}
		}
		return r.Match
	case 3:
		return s.activityName(r.Activity)
	case 4:
		return s.roleName(r.Role)
	}
	return ""
}

// describeRule says what rule r matches in the table's own (translated) words, e.g.
// "Organization, Availability: busy"; the presence it sets follows on its own line.
func (s *rulesScreen) describeRule(r config.Rule) string {
	if r.Type == config.TypePrivate {
		return s.ruleCellText(r, 0) + ", " + s.ruleCellText(r, 2) // "Organization, private"
	}
	return s.ruleCellText(r, 0) + ", " + s.ruleCellText(r, 1) + ": " + s.ruleCellText(r, 2)
}

// select selects row i of the table (or nothing for -1).
func (s *rulesScreen) selectRow(i int) {
	s.selected = i
	if i < 0 {
		s.table.UnselectAll()
	} else {
		s.table.Select(widget.TableCellID{Row: i, Col: 0})
	}
	s.updateButtons()
}

func (s *rulesScreen) deleteSelected() {
	i := s.selected
	if i < 0 || i >= len(s.cfg.Rules) {
		return
	}
	s.ed.Update(func(c *config.Config) {
		if i < len(c.Rules) {
			c.Rules = slices.Delete(c.Rules, i, i+1)
		}
	})
	s.refresh(s.ed.Draft())
	if i >= len(s.cfg.Rules) {
		i = len(s.cfg.Rules) - 1
	}
	s.selectRow(i)
}

// moveSelected moves the selected rule by delta (-1 up, +1 down); the order
// is the policy, so the selection follows the rule.
func (s *rulesScreen) moveSelected(delta int) {
	i, j := s.selected, s.selected+delta
	if i < 0 || j < 0 || i >= len(s.cfg.Rules) || j >= len(s.cfg.Rules) {
		return
	}
	s.ed.Update(func(c *config.Config) {
		if i < len(c.Rules) && j < len(c.Rules) {
			c.Rules[i], c.Rules[j] = c.Rules[j], c.Rules[i]
		}
	})
	s.refresh(s.ed.Draft())
	s.selectRow(j)
}

func (s *rulesScreen) doSave() {
	s.save.Disable()
	s.showMessage(lang.L("Saving..."), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), rulesBackendTimeout)
		defer cancel()
		err := s.ed.Save(ctx)
		fyne.Do(func() {
			switch {
			case s.admin.Check(err):
				s.showMessage(lang.L("Could not save; your changes are kept."), widget.DangerImportance)
				s.root.Refresh() // lay out the notice
			case err != nil:
				text := lang.L("Could not save; your changes are kept.")
				if fes := localapi.FieldErrors(err); len(fes) > 0 {
					for _, fe := range fes {
						text += "\n" + fe.String()
					}
				} else {
					text += " " + err.Error()
				}
				s.showMessage(text, widget.DangerImportance)
			default:
				s.showMessage(lang.L("Saved."), widget.SuccessImportance)
			}
			s.refresh(s.ed.Draft())
			if s.afterSave != nil {
				s.afterSave(err)
			}
		})
	}()
}

func (s *rulesScreen) doRevert() {
	s.showMessage(lang.L("Reloading..."), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), rulesBackendTimeout)
		defer cancel()
		err := s.ed.Revert(ctx)
		fyne.Do(func() {
			if err != nil {
				s.showMessage(lang.L("Could not reload the saved configuration.")+" "+err.Error(), widget.DangerImportance)
			} else {
				s.showMessage(lang.L("Changes dropped."), widget.MediumImportance)
			}
			s.refresh(s.ed.Draft())
			if s.afterSave != nil {
				s.afterSave(err)
			}
		})
	}()
}

func (s *rulesScreen) showMessage(text string, imp widget.Importance) {
	s.message.Importance = imp
	s.message.SetText(text)
	s.message.Show()
}

// activityOptions lists OneCloud's activities; nil without a directory.
func (s *rulesScreen) activityOptions() []rulesOption {
	if s.dir == nil {
		return nil
	}
	opts := make([]rulesOption, 0, len(s.dir.Activities))
	for _, a := range s.dir.Activities {
		opts = append(opts, rulesOption{label: rulesNameAndID(a.Name, a.ID), value: a.ID})
	}
	return opts
}

func (s *rulesScreen) roleOptions() []rulesOption {
	if s.dir == nil {
		return nil
	}
	opts := []rulesOption{{label: lang.L("(leave the role as it is)"), value: ""}}
	for _, r := range s.dir.Roles {
		opts = append(opts, rulesOption{label: rulesNameAndID(r.Name, r.ID), value: r.ID})
	}
	return opts
}

func (s *rulesScreen) scopeOptions() []rulesOption {
	if s.dir == nil {
		return nil
	}
	opts := []rulesOption{{label: lang.L("Organization"), value: config.ScopeOrganization}}
	for _, g := range s.dir.Groups {
		opts = append(opts, rulesOption{label: lang.L("Group") + ": " + rulesOr(g.Name, g.ID), value: config.ScopeGroupPrefix + g.ID})
	}
	return opts
}

func (s *rulesScreen) scopeLabel(scope string) string {
	if scope == config.ScopeOrganization {
		return lang.L("Organization")
	}
	if id, ok := strings.CutPrefix(scope, config.ScopeGroupPrefix); ok {
		return lang.L("Group") + ": " + s.groupName(id)
	}
	return scope
}

func (s *rulesScreen) groupName(id string) string {
	if s.dir != nil {
		for _, g := range s.dir.Groups {
			if g.ID == id {
				return rulesOr(g.Name, id)
			}
		}
	}
	return id
}

func (s *rulesScreen) activityName(id string) string {
	if s.dir != nil {
		for _, a := range s.dir.Activities {
			if a.ID == id {
				return rulesOr(a.Name, id)
			}
		}
	}
	return id
}

func (s *rulesScreen) roleName(id string) string {
	if id == "" {
		return "-"
	}
	if s.dir != nil {
		for _, r := range s.dir.Roles {
			if r.ID == id {
				return rulesOr(r.Name, id)
			}
		}
	}
	return id
}

func rulesOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func rulesNameAndID(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

// rulesTypes are the rule types in the order the type select offers them.
func rulesTypes() []string {
	return []string{config.TypeAvailability, config.TypeSubject, config.TypeLocation, config.TypePrivate}
}

func rulesTypeLabel(t string) string {
	switch t {
	case config.TypeAvailability:
		return lang.L("Availability")
	case config.TypeSubject:
		return lang.L("Subject")
	case config.TypeLocation:
		return lang.L("Location")
	case config.TypePrivate:
		return lang.L("Private")
	}
	return t
}

// openForm opens the Add (index -1) or Edit dialog of rule index.
func (s *rulesScreen) openForm(index int) {
	r := config.Rule{Scope: config.ScopeOrganization, Type: config.TypeAvailability, Match: string(calendar.Busy), Activity: "meeting"}
	title := lang.L("Add rule")
	if index >= 0 {
		if index >= len(s.cfg.Rules) {
			return
		}
		r = s.cfg.Rules[index]
		title = lang.L("Edit rule")
	}
	f := newRulesForm(s, index, r)
	d := dialog.NewCustomConfirm(title, lang.L("OK"), lang.L("Cancel"), f.box, func(ok bool) {
		if ok {
			s.applyForm(f)
		}
		if s.form == f {
			s.form = nil
		}
	}, s.w)
	f.dialog = d
	s.form = f
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// applyForm writes the dialog's rule into the draft: in place for Edit, at
// the end for Add, and selects it.
func (s *rulesScreen) applyForm(f *rulesForm) {
	r := f.rule()
	at := f.index
	s.ed.Update(func(c *config.Config) {
		if at < 0 || at >= len(c.Rules) {
			c.Rules = append(c.Rules, r)
			at = len(c.Rules) - 1
			return
		}
		c.Rules[at] = r
	})
	s.refresh(s.ed.Draft())
	s.selectRow(at)
}

// rulesForm is the Add/Edit dialog's content.
type rulesForm struct {
	s      *rulesScreen
	index  int // -1 when adding
	dialog *dialog.ConfirmDialog

	scope, activity, role *rulesChoice
	typ                   *widget.Select
	typeValue             string

	matchBox    *fyne.Container // holds the match widget for the type
	matchStatus *widget.Select
	matchText   *widget.Entry
	matchHint   *widget.Label
	matchTextUI fyne.CanvasObject
	matchCheck  *widget.Check

	problems *widget.Label
	box      fyne.CanvasObject
}

func newRulesForm(s *rulesScreen, index int, r config.Rule) *rulesForm {
	f := &rulesForm{s: s, index: index}
	changed := func(string) { f.validate() }

	f.scope = newRulesChoice(lang.L("organization or group:<group id>"), changed)
	f.scope.setOptions(s.scopeOptions())
	f.scope.SetValue(r.Scope)
	f.activity = newRulesChoice(lang.L("OneCloud activity id, e.g. meeting"), changed)
	f.activity.setOptions(s.activityOptions())
	f.activity.SetValue(r.Activity)
	f.role = newRulesChoice(lang.L("OneCloud role id, or empty"), changed)
	f.role.setOptions(s.roleOptions())
	f.role.SetValue(r.Role)

	statuses := make([]string, 0, 6)
	for _, st := range calendar.Statuses() {
		statuses = append(statuses, string(st))
	}
	f.matchStatus = widget.NewSelect(statuses, changed)
	f.matchText = widget.NewEntry()
	f.matchText.SetPlaceHolder("*lunch*")
	f.matchText.OnChanged = changed
	f.matchHint = widget.NewLabel(lang.L("* matches any text, e.g. *lunch*"))
	f.matchHint.Importance = widget.LowImportance
	f.matchTextUI = container.NewVBox(f.matchText, f.matchHint)
	f.matchCheck = widget.NewCheck(lang.L("The event is private"), func(bool) { f.validate() })
	f.matchBox = container.NewStack()

	labels := make([]string, len(rulesTypes()))
	for i, t := range rulesTypes() {
		labels[i] = rulesTypeLabel(t)
	}
	f.typ = widget.NewSelect(labels, func(label string) {
		for _, t := range rulesTypes() {
			if rulesTypeLabel(t) == label {
				f.setType(t, f.matchValue())
			}
		}
		f.validate()
	})

	f.problems = widget.NewLabel("")
	f.problems.Importance = widget.DangerImportance
	f.problems.Wrapping = fyne.TextWrapWord

	f.typeValue = r.Type
	if f.typeValue == "" {
		f.typeValue = config.TypeAvailability
	}
	f.setType(f.typeValue, r.Match)
	f.typ.SetSelected(rulesTypeLabel(f.typeValue))

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Scope"), f.scope.box),
		widget.NewFormItem(lang.L("Type"), f.typ),
		widget.NewFormItem(lang.L("Match"), f.matchBox),
		widget.NewFormItem(lang.L("Activity"), f.activity.box),
		widget.NewFormItem(lang.L("Role"), f.role.box),
	)
	f.box = container.NewVBox(form, f.problems)
	f.validate()
	return f
}

// setType shows the match widget for rule type t, keeping match where it
// still makes sense for the new type.
func (f *rulesForm) setType(t, match string) {
	prev := f.typeValue
	f.typeValue = t
	switch t {
	case config.TypeAvailability:
		st, err := calendar.ParseStatus(match)
		if err != nil {
			st = calendar.Busy
		}
		f.matchStatus.SetSelected(string(st))
		f.matchBox.Objects = []fyne.CanvasObject{f.matchStatus}
	case config.TypeSubject, config.TypeLocation:
		if prev != config.TypeSubject && prev != config.TypeLocation && prev != t {
			match = ""
		}
		f.matchText.SetText(match)
		f.matchBox.Objects = []fyne.CanvasObject{f.matchTextUI}
	case config.TypePrivate:
		f.matchCheck.SetChecked(match != "false")
		f.matchBox.Objects = []fyne.CanvasObject{f.matchCheck}
	default:
		f.matchText.SetText(match)
		f.matchBox.Objects = []fyne.CanvasObject{f.matchTextUI}
	}
	f.matchBox.Refresh()
}

func (f *rulesForm) matchValue() string {
	switch f.typeValue {
	case config.TypeAvailability:
		return f.matchStatus.Selected
	case config.TypePrivate:
		if f.matchCheck.Checked {
			return "true"
		}
		return "false"
	}
	return f.matchText.Text
}

func (f *rulesForm) rule() config.Rule {
	return config.Rule{
		Scope:    f.scope.Value(),
		Type:     f.typeValue,
		Match:    f.matchValue(),
		Activity: f.activity.Value(),
		Role:     f.role.Value(),
	}
}

// validate shows the problems the config's own validation finds with the
// rule as it stands in the dialog.
func (f *rulesForm) validate() {
	if f.problems == nil || f.matchBox == nil {
		return // still being built
	}
	cfg := f.s.ed.Draft()
	at := f.index
	if at < 0 || at >= len(cfg.Rules) {
		cfg.Rules = append(cfg.Rules, config.Rule{})
		at = len(cfg.Rules) - 1
	}
	cfg.Rules[at] = f.rule()
	prefix := fmt.Sprintf("rules[%d].", at)
	var lines []string
	if err := cfg.Validate(); err != nil {
		if ve, ok := err.(config.ValidationErrors); ok {
			for _, fe := range ve {
				if field, ok := strings.CutPrefix(fe.Field, prefix); ok {
					lines = append(lines, field+": "+fe.Message)
				}
			}
		}
	}
	f.problems.SetText(strings.Join(lines, "\n"))
	f.problems.Hidden = len(lines) == 0
	f.problems.Refresh()
}

// rulesOption is one choice of a rulesChoice: what it shows and the id it
// stands for.
type rulesOption struct{ label, value string }

// rulesChoice is a select over OneCloud's ids when the directory is known,
// and a plain entry for the id when it is not.
type rulesChoice struct {
	box      *fyne.Container
	sel      *widget.Select
	entry    *widget.Entry
	opts     []rulesOption
	value    string
	quiet    bool
	onChange func(string)
}

func newRulesChoice(placeholder string, onChange func(string)) *rulesChoice {
	c := &rulesChoice{onChange: onChange}
	c.sel = widget.NewSelect(nil, func(label string) {
		if c.quiet {
			return
		}
		for _, o := range c.opts {
			if o.label == label {
				c.value = o.value
			}
		}
		c.onChange(c.value)
	})
	c.entry = widget.NewEntry()
	c.entry.SetPlaceHolder(placeholder)
	c.entry.OnChanged = func(text string) {
		if c.quiet {
			return
		}
		c.value = text
		c.onChange(text)
	}
	c.box = container.NewStack(c.entry)
	return c
}

// setOptions switches to a select of opts, or back to an entry when opts is
// nil, keeping the value.
func (c *rulesChoice) setOptions(opts []rulesOption) {
	c.opts = slices.Clone(opts)
	if opts == nil {
		c.box.Objects = []fyne.CanvasObject{c.entry}
	} else {
		c.box.Objects = []fyne.CanvasObject{c.sel}
	}
	c.box.Refresh()
	c.SetValue(c.value)
}

// Value is the id chosen or typed.
func (c *rulesChoice) Value() string { return c.value }

// SetValue shows v without calling onChange. A value the directory does not
// know is added as its own option, so editing never drops it.
func (c *rulesChoice) SetValue(v string) {
	c.value = v
	c.quiet = true
	defer func() { c.quiet = false }()
	if c.opts == nil {
		if c.entry.Text != v {
			c.entry.SetText(v)
		}
		return
	}
	label := ""
	found := false
	for _, o := range c.opts {
		if o.value == v {
			label, found = o.label, true
			break
		}
	}
	if !found && v != "" {
		label = v
		c.opts = append(c.opts, rulesOption{label: v, value: v})
		found = true
	}
	labels := make([]string, len(c.opts))
	for i, o := range c.opts {
		labels[i] = o.label
	}
	c.sel.SetOptions(labels)
	if found {
		c.sel.SetSelected(label)
	} else {
		c.sel.ClearSelected()
	}
}

// rulesTester describes one event in progress and shows which rule wins.
type rulesTester struct {
	s *rulesScreen

	status            *widget.Select
	subject, location *widget.Entry
	private           *widget.Check
	user              *widget.Select
	groups            *widget.CheckGroup
	groupsEntry       *widget.Entry
	groupsBox         *fyne.Container
	userRow           *fyne.Container
	result            *widget.Label

	groupIDs  map[string]string // check label -> group id
	userOpts  []rulesOption     // user label -> user id
	userGroup map[string][]string
	box       fyne.CanvasObject
}

func newRulesTester(s *rulesScreen) *rulesTester {
	t := &rulesTester{s: s}
	statuses := make([]string, 0, 6)
	for _, st := range calendar.Statuses() {
		statuses = append(statuses, string(st))
	}
	changed := func(string) { t.update() }
	t.status = widget.NewSelect(statuses, changed)
	t.status.SetSelected(string(calendar.Busy))
	t.subject = widget.NewEntry()
	t.subject.SetPlaceHolder(lang.L("e.g. Lunch with Anna"))
	t.subject.OnChanged = changed
	t.location = widget.NewEntry()
	t.location.SetPlaceHolder(lang.L("e.g. Room 4"))
	t.location.OnChanged = changed
	t.private = widget.NewCheck(lang.L("Private event"), func(bool) { t.update() })
	t.groupsEntry = widget.NewEntry()
	t.groupsEntry.SetPlaceHolder(lang.L("group ids, separated by commas"))
	t.groupsEntry.OnChanged = changed
	t.groups = widget.NewCheckGroup(nil, func([]string) { t.update() })
	t.groupsBox = container.NewStack(t.groupsEntry)
	t.user = widget.NewSelect(nil, t.pickUser)
	t.user.PlaceHolder = lang.L("(pick a user to use their groups)")
	t.userRow = container.NewStack(widget.NewLabel(lang.L("(no users loaded)")))
	t.result = widget.NewLabel("")
	t.result.Wrapping = fyne.TextWrapWord
	t.result.TextStyle = fyne.TextStyle{Bold: true}

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Availability"), t.status),
		widget.NewFormItem(lang.L("Subject"), t.subject),
		widget.NewFormItem(lang.L("Location"), t.location),
		widget.NewFormItem("", t.private),
		widget.NewFormItem(lang.L("OneCloud user"), t.userRow),
		widget.NewFormItem(lang.L("User's groups"), t.groupsBox),
	)
	t.box = widget.NewCard(lang.L("Rule tester"), lang.L("Describe an event in progress to see which rule wins."),
		container.NewVBox(t.result, widget.NewSeparator(), form))
	return t
}

// setDirectory offers the directory's groups as checks and its users as a
// select that sets the checks to that user's groups.
func (t *rulesTester) setDirectory(dir *localapi.Directory) {
	t.groupIDs = map[string]string{}
	var labels []string
	for _, g := range dir.Groups {
		label := rulesOr(g.Name, g.ID)
		if _, dup := t.groupIDs[label]; dup {
			label = rulesNameAndID(g.Name, g.ID)
		}
		t.groupIDs[label] = g.ID
		labels = append(labels, label)
	}
	if len(labels) > 0 {
		t.groups.Options = labels
		t.groups.Refresh()
		t.groupsBox.Objects = []fyne.CanvasObject{t.groups}
		t.groupsBox.Refresh()
	}
	t.userOpts = nil
	t.userGroup = map[string][]string{}
	var users []string
	for _, u := range dir.Users {
		label := rulesNameAndID(rulesOr(u.Name, u.Username), u.ID)
		t.userOpts = append(t.userOpts, rulesOption{label: label, value: u.ID})
		t.userGroup[label] = u.Groups
		users = append(users, label)
	}
	if len(users) > 0 {
		t.user.SetOptions(users)
		t.userRow.Objects = []fyne.CanvasObject{t.user}
		t.userRow.Refresh()
	}
}

// pickUser ticks the groups of the chosen OneCloud user.
func (t *rulesTester) pickUser(label string) {
	ids := t.userGroup[label]
	var sel []string
	for _, l := range t.groups.Options {
		if slices.Contains(ids, t.groupIDs[l]) {
			sel = append(sel, l)
		}
	}
	t.groups.SetSelected(sel)
	t.update()
}

func (t *rulesTester) groupList() []string {
	if len(t.groupIDs) == 0 {
		var ids []string
		for _, id := range strings.Split(t.groupsEntry.Text, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
		return ids
	}
	var ids []string
	for _, l := range t.groups.Selected {
		ids = append(ids, t.groupIDs[l])
	}
	return ids
}

// update decides the presence with the draft's rules, as the engine would for
// one event in progress now.
func (t *rulesTester) update() {
	if t.result == nil || t.s.cfg == nil {
		return
	}
	t.result.SetText(t.outcome(t.s.cfg))
}

func (t *rulesTester) outcome(cfg *config.Config) string {
	set, err := rules.Compile(cfg.Rules)
	if err != nil {
		return lang.L("Fix the rules above to test them.") + "\n" + err.Error()
	}
	now := time.Now().UTC()
	ev := []calendar.Event{{
		Start:    now.Add(-30 * time.Minute),
		End:      now.Add(30 * time.Minute),
		Status:   calendar.Status(t.status.Selected),
		Subject:  t.subject.Text,
		Location: t.location.Text,
		Private:  t.private.Checked,
	}}
	d := set.Decide(ev, t.groupList(), now, cfg.DefaultActivity)
	if d.Rule < 0 {
		return fmt.Sprintf(lang.L("No rule matches -> default activity %s"), t.s.activityName(d.Activity))
	}
	text := fmt.Sprintf(lang.L("Rule %d wins: %s"), d.Rule+1, t.s.describeRule(cfg.Rules[d.Rule])) + "\n" +
		lang.L("Presence") + ": " + t.s.activityName(d.Activity)
	if d.Role != "" {
		text += ", " + lang.L("role") + " " + t.s.roleName(d.Role)
	}
	return text
}
