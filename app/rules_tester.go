package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/rules"
	"github.com/calsync/calsync/sync/teams"
	"github.com/calsync/calsync/sync/workhours"
)

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
	at                *widget.Entry // empty: now
	noEvent           *widget.Check
	hours             *widget.Entry // Monday to Friday, this computer's zone
	teams             *widget.Select
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
	t.at = widget.NewEntry()
	t.at.SetPlaceHolder(lang.L("now, or e.g. 2026-12-07T18:30"))
	t.at.OnChanged = changed
	t.noEvent = widget.NewCheck(lang.L("No event in progress"), func(bool) { t.update() })
	t.hours = widget.NewEntry()
	t.hours.SetText("08:00-17:00")
	t.hours.OnChanged = changed
	t.teams = widget.NewSelect(append([]string{lang.L("(not in Teams)")}, teams.Activities()...), changed)
	t.teams.SetSelected(lang.L("(not in Teams)"))
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

	hoursItem := widget.NewFormItem(lang.L("Working hours"), t.hours)
	hoursItem.HintText = lang.L("Monday to Friday, in this computer's time zone")
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Availability"), t.status),
		widget.NewFormItem(lang.L("Subject"), t.subject),
		widget.NewFormItem(lang.L("Location"), t.location),
		widget.NewFormItem("", t.private),
		widget.NewFormItem("", t.noEvent),
		widget.NewFormItem(lang.L("Time"), t.at),
		hoursItem,
		widget.NewFormItem(lang.L("Teams activity"), t.teams),
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
	now := time.Now()
	if at := strings.TrimSpace(t.at.Text); at != "" {
		var ok bool
		if now, ok = testerTime(at); !ok {
			return lang.L("Not a time: use e.g. 2026-12-07T18:30")
		}
	}
	wh, ok := testerHours(t.hours.Text)
	if !ok {
		return lang.L("Not working hours: use e.g. 08:00-17:00")
	}
	ev := []calendar.Event{{
		Start:    now.Add(-30 * time.Minute),
		End:      now.Add(30 * time.Minute),
		Status:   calendar.Status(t.status.Selected),
		Subject:  t.subject.Text,
		Location: t.location.Text,
		Private:  t.private.Checked,
	}}
	if t.noEvent.Checked {
		ev = nil
	}
	activity := ""
	if a, err := teams.ParseActivity(t.teams.Selected); err == nil {
		activity = a
	}
	d := set.DecideFor(calendar.Schedule{Events: ev, WorkingHours: wh, TeamsActivity: activity}, t.groupList(), now, cfg.DefaultActivity)
	if d.Rule < 0 {
		return fmt.Sprintf(lang.L("No rule matches -> default activity %s"), t.s.activityName(d.Activity))
	}
	text := fmt.Sprintf(lang.L("Rule %d wins: %s"), d.Rule+1, t.s.describeRule(cfg.Rules[d.Rule])) + "\n" +
		lang.L("Presence") + ": " + t.s.activityName(d.Activity)
	if d.Role != "" {
		text += ", " + lang.L("role") + " " + t.s.roleName(d.Role)
	}
	if d.Event == nil && !d.Until.IsZero() {
		// Outside working hours: until is when the person is back.
		text += ", " + lang.L("until") + " " + d.Until.Local().Format("Mon 2 Jan 15:04")
	}
	return text
}

// testerTime reads the tester's time: this computer's local time, with or
// without seconds, or RFC 3339.
func testerTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, l := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// testerHours reads "08:00-17:00" as Monday-to-Friday working hours in
// this computer's zone; empty is none.
func testerHours(s string) (*workhours.WorkingHours, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return nil, false
	}
	clock := func(v string) (time.Duration, bool) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, false
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
	}
	start, ok1 := clock(from)
	end, ok2 := clock(to)
	if !ok1 || !ok2 {
		return nil, false
	}
	wh, err := workhours.New([]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, start, end, time.Local)
	if err != nil {
		return nil, false
	}
	return wh, true
}
