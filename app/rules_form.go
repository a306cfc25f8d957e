package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/teams"
)

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
	matchFixed  *widget.Label // workinghours: match is always "outside"
	matchTeams  *widget.Select

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
	f.matchFixed = widget.NewLabel(lang.L("outside working hours"))
	f.matchTeams = widget.NewSelect(teams.Activities(), changed)
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
	case config.TypeWorkingHours:
		f.matchBox.Objects = []fyne.CanvasObject{f.matchFixed}
	case config.TypeTeams:
		a, err := teams.ParseActivity(match)
		if err != nil || prev != config.TypeTeams {
			// An availability such as busy is no Teams activity to carry over: a call is.
			a = "InACall"
		}
		f.matchTeams.SetSelected(a)
		f.matchBox.Objects = []fyne.CanvasObject{f.matchTeams}
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
	case config.TypeWorkingHours:
		return config.MatchOutside
	case config.TypeTeams:
		return f.matchTeams.Selected
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
