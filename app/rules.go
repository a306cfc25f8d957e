package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

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
	flow                     editFlow
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
	s.flow = editFlow{ed: ed, admin: s.admin, save: s.save, revert: s.revert, message: s.message}
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
	ctx, cancel := context.WithTimeout(context.Background(), outsideTimeout)
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
		if r.Type == config.TypeWorkingHours && r.Match == config.MatchOutside {
			return lang.L("outside")
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
	s.flow.saveDraft(func(err error, needsAdmin bool) {
		switch {
		case needsAdmin:
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
}

func (s *rulesScreen) doRevert() {
	s.showMessage(lang.L("Reloading..."), widget.MediumImportance)
	s.flow.revertDraft(func(err error) {
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
}

func (s *rulesScreen) showMessage(text string, imp widget.Importance) { s.flow.show(text, imp) }

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
	return []string{config.TypeAvailability, config.TypeSubject, config.TypeLocation, config.TypePrivate, config.TypeWorkingHours,
		config.TypeTeams}
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
	case config.TypeWorkingHours:
		return lang.L("Working hours")
	case config.TypeTeams:
		return lang.L("Teams activity")
	}
	return t
}
