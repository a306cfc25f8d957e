package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// fakeRulesBackend serves a configuration and a OneCloud directory, and
// records what PutConfig was sent.
type fakeRulesBackend struct {
	config []byte
	dir    localapi.Directory
	dirErr error

	mu     sync.Mutex
	putErr error
	puts   [][]byte
}

func (f *fakeRulesBackend) Status(context.Context) (localapi.Status, error) {
	return localapi.Status{}, nil
}
func (f *fakeRulesBackend) Subscribe(context.Context) (<-chan localapi.Event, error) {
	return nil, errors.New("not supported")
}
func (f *fakeRulesBackend) SyncNow(context.Context) error                   { return nil }
func (f *fakeRulesBackend) SyncJobNow(context.Context, string) error        { return nil }
func (f *fakeRulesBackend) Pause(context.Context) error                     { return nil }
func (f *fakeRulesBackend) Resume(context.Context) error                    { return nil }
func (f *fakeRulesBackend) Config(context.Context) ([]byte, error)          { return f.config, nil }
func (f *fakeRulesBackend) SetSecret(context.Context, string, string) error { return nil }
func (f *fakeRulesBackend) SecretStatus(context.Context) ([]localapi.SecretState, error) {
	return nil, nil
}
func (f *fakeRulesBackend) OneCloudDirectory(context.Context) (localapi.Directory, error) {
	return f.dir, f.dirErr
}
func (f *fakeRulesBackend) TestConnection(context.Context) ([]localapi.CheckStep, error) {
	return nil, nil
}
func (f *fakeRulesBackend) Logs(context.Context, int) ([]string, error) { return nil, nil }
func (f *fakeRulesBackend) Certificate(context.Context) (localapi.CertificateState, error) {
	return localapi.CertificateState{}, nil
}
func (f *fakeRulesBackend) NewCertificate(context.Context, int) (localapi.Certificate, error) {
	return localapi.Certificate{}, nil
}
func (f *fakeRulesBackend) ImportCertificate(context.Context, []byte, string) (localapi.Certificate, error) {
	return localapi.Certificate{}, nil
}
func (f *fakeRulesBackend) PutConfig(_ context.Context, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, data)
	return f.putErr
}

func rulesTestDirectory() localapi.Directory {
	return localapi.Directory{
		Activities: []localapi.Activity{
			{ID: "available", Name: "Available", Available: true},
			{ID: "meeting", Name: "Meeting"},
			{ID: "lunch", Name: "Lunch"},
			{ID: "busy", Name: "Busy"},
			{ID: "away", Name: "Away"},
			{ID: "vacation", Name: "Vacation"},
			{ID: "business-trip", Name: "Business trip"},
		},
		Roles: []localapi.Role{{ID: "mobile", Name: "Mobile only"}, {ID: "desk", Name: "Desk phone"}},
		Groups: []localapi.Group{
			{ID: "g-sales", Name: "Sales", Members: []string{"u1"}},
			{ID: "g-support", Name: "Support", Members: []string{"u2"}},
		},
		Users: []localapi.DirectoryUser{
			{ID: "u1", Name: "Anna Rossi", Groups: []string{"g-sales"}},
			{ID: "u2", Name: "Marco Bianchi", Groups: []string{"g-support"}},
		},
	}
}

// rulesSetup shows the rules screen on the default configuration, with the
// directory loaded (or failed with dirErr).
func rulesSetup(t *testing.T, dirErr error) (*rulesScreen, *configEditor, *fakeRulesBackend, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	data, err := config.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeRulesBackend{config: data, dir: rulesTestDirectory(), dirErr: dirErr}
	ed := newConfigEditor(fb)
	if err := ed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newRulesScreen(w, fb, ed)
	<-s.dirDone // the load's fyne.Do has run; nothing else touches the widgets
	w.SetContent(s.root)
	w.Resize(fyne.NewSize(1000, 800))
	return s, ed, fb, w
}

// rulesFindButton finds the visible button labelled text under o, walking
// widgets through their renderers as they are drawn.
func rulesFindButton(o fyne.CanvasObject, text string) *widget.Button {
	if o == nil || !o.Visible() {
		return nil
	}
	if b, ok := o.(*widget.Button); ok {
		if b.Text == text {
			return b
		}
		return nil
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(v).Objects()
	}
	for _, k := range kids {
		if b := rulesFindButton(k, text); b != nil {
			return b
		}
	}
	return nil
}

// rulesConfirm taps OK in the open dialog.
func rulesConfirm(t *testing.T, w fyne.Window) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog open")
	}
	ok := rulesFindButton(top, "OK")
	if ok == nil {
		t.Fatal("no OK button in the dialog")
	}
	test.Tap(ok)
	if w.Canvas().Overlays().Top() != nil {
		t.Fatal("dialog still open after OK")
	}
}

func rulesSelect(s *rulesScreen, row int) {
	s.table.Select(widget.TableCellID{Row: row, Col: 0})
}

func rulesCheckRules(t *testing.T, ed *configEditor, want []config.Rule) {
	t.Helper()
	if got := ed.Draft().Rules; !slices.Equal(got, want) {
		t.Errorf("draft rules:\n got %+v\nwant %+v", got, want)
	}
}

func TestRulesScreenAddRule(t *testing.T) {
	s, ed, _, w := rulesSetup(t, nil)
	test.Tap(s.add)
	f := s.form
	if f == nil {
		t.Fatal("Add opened no form")
	}
	f.scope.sel.SetSelected("Group: Sales")
	f.typ.SetSelected("Subject")
	test.Type(f.matchText, "*dentist*")
	f.activity.sel.SetSelected("Away (away)")
	f.role.sel.SetSelected("Mobile only (mobile)")
	rulesConfirm(t, w)

	want := append(config.DefaultRules(), config.Rule{
		Scope: "group:g-sales", Type: config.TypeSubject, Match: "*dentist*", Activity: "away", Role: "mobile",
	})
	rulesCheckRules(t, ed, want)
	if s.selected != len(want)-1 {
		t.Errorf("selected row %d, want the new rule %d", s.selected, len(want)-1)
	}
}

func TestRulesScreenAddCancelled(t *testing.T) {
	s, ed, _, w := rulesSetup(t, nil)
	test.Tap(s.add)
	cancel := rulesFindButton(w.Canvas().Overlays().Top(), "Cancel")
	if cancel == nil {
		t.Fatal("no Cancel button")
	}
	test.Tap(cancel)
	rulesCheckRules(t, ed, config.DefaultRules())
	if ed.Dirty() {
		t.Error("a cancelled Add left the draft dirty")
	}
}

func TestRulesScreenEditRule(t *testing.T) {
	s, ed, _, w := rulesSetup(t, nil)
	if !s.edit.Disabled() {
		t.Error("Edit enabled with no row selected")
	}
	rulesSelect(s, 2) // subject *lunch* -> lunch
	test.Tap(s.edit)
	f := s.form
	if got := f.matchText.Text; got != "*lunch*" {
		t.Fatalf("edit form match = %q, want the rule's *lunch*", got)
	}
	f.matchText.SetText("")
	test.Type(f.matchText, "*break*")
	f.role.sel.SetSelected("Desk phone (desk)")
	rulesConfirm(t, w)

	want := config.DefaultRules()
	want[2] = config.Rule{Scope: "organization", Type: "subject", Match: "*break*", Activity: "lunch", Role: "desk"}
	rulesCheckRules(t, ed, want)
}

func TestRulesScreenDeleteAndMove(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, nil)
	def := config.DefaultRules()

	rulesSelect(s, 1)
	test.Tap(s.del)
	want := slices.Delete(slices.Clone(def), 1, 2)
	rulesCheckRules(t, ed, want)

	// Now [oof, *lunch*, *pranzo*, busy, workingElsewhere]; move busy (3) up.
	rulesSelect(s, 3)
	test.Tap(s.up)
	want = []config.Rule{def[0], def[2], def[4], def[3], def[5]}
	rulesCheckRules(t, ed, want)
	if s.selected != 2 {
		t.Errorf("after Move up the selection is row %d, want 2 (it follows the rule)", s.selected)
	}
	test.Tap(s.up)
	test.Tap(s.up)
	want = []config.Rule{def[4], def[0], def[2], def[3], def[5]}
	rulesCheckRules(t, ed, want)
	if !s.up.Disabled() {
		t.Error("Move up enabled on the first row")
	}
	rulesSelect(s, 3)
	test.Tap(s.down)
	want = []config.Rule{def[4], def[0], def[2], def[5], def[3]}
	rulesCheckRules(t, ed, want)
	if !s.down.Disabled() {
		t.Error("Move down enabled on the last row")
	}

	// Deleting the last row selects the new last one.
	test.Tap(s.del)
	rulesCheckRules(t, ed, want[:4])
	if s.selected != 3 {
		t.Errorf("after deleting the last row the selection is %d, want 3", s.selected)
	}
}

func TestRulesScreenMatchFollowsType(t *testing.T) {
	s, _, _, _ := rulesSetup(t, nil)
	test.Tap(s.add)
	f := s.form
	shown := func() fyne.CanvasObject { return f.matchBox.Objects[0] }

	if shown() != f.matchStatus {
		t.Fatal("availability: match is not the status select")
	}
	wantStatuses := []string{"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"}
	if !slices.Equal(f.matchStatus.Options, wantStatuses) {
		t.Errorf("status options %v, want %v", f.matchStatus.Options, wantStatuses)
	}
	f.matchStatus.SetSelected("oof")
	if r := f.rule(); r.Type != "availability" || r.Match != "oof" {
		t.Errorf("availability rule = %+v", r)
	}

	for _, typ := range []string{"Subject", "Location"} {
		f.typ.SetSelected(typ)
		if shown() != f.matchTextUI {
			t.Fatalf("%s: match is not the text entry", typ)
		}
		if f.matchHint.Text != "* matches any text, e.g. *lunch*" {
			t.Errorf("%s: hint %q", typ, f.matchHint.Text)
		}
	}
	test.Type(f.matchText, "*Room 4*")
	if r := f.rule(); r.Type != "location" || r.Match != "*Room 4*" {
		t.Errorf("location rule = %+v", r)
	}

	f.typ.SetSelected("Private")
	if shown() != f.matchCheck {
		t.Fatal("private: match is not the checkbox")
	}
	if r := f.rule(); r.Match != "true" {
		t.Errorf("private match = %q, want true by default", r.Match)
	}
	test.Tap(f.matchCheck)
	if r := f.rule(); r.Type != "private" || r.Match != "false" {
		t.Errorf("unchecked private rule = %+v", r)
	}

	// Back to availability: a private flag is no status, so it starts at busy.
	f.typ.SetSelected("Availability")
	if r := f.rule(); r.Match != "busy" {
		t.Errorf("availability after private: match %q, want busy", r.Match)
	}
}

func TestRulesScreenSelectsFromDirectory(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, nil)
	if s.dirStatus.Visible() {
		t.Errorf("directory status shown after a good load: %q", s.dirStatus.Text)
	}
	test.Tap(s.add)
	f := s.form
	for name, c := range map[string]*rulesChoice{"scope": f.scope, "activity": f.activity, "role": f.role} {
		if c.box.Objects[0] != c.sel {
			t.Errorf("%s is not a select with a directory", name)
		}
	}
	if want := []string{"Organization", "Group: Sales", "Group: Support"}; !slices.Equal(f.scope.sel.Options, want) {
		t.Errorf("scope options %v, want %v", f.scope.sel.Options, want)
	}
	if want := []string{"(leave the role as it is)", "Mobile only (mobile)", "Desk phone (desk)"}; !slices.Equal(f.role.sel.Options, want) {
		t.Errorf("role options %v, want %v", f.role.sel.Options, want)
	}
	if got := f.activity.sel.Options; len(got) != 7 || got[0] != "Available (available)" {
		t.Errorf("activity options %v", got)
	}
	f.scope.sel.SetSelected("Group: Support")
	if got := f.scope.Value(); got != "group:g-support" {
		t.Errorf("scope value %q, want group:g-support", got)
	}
	f.scope.sel.SetSelected("Organization")
	if got := f.scope.Value(); got != "organization" {
		t.Errorf("scope value %q, want organization", got)
	}

	// The default activity is a select too, and writes the draft.
	if s.defaultActivity.sel.Selected != "Available (available)" {
		t.Errorf("default activity shows %q", s.defaultActivity.sel.Selected)
	}
	s.defaultActivity.sel.SetSelected("Away (away)")
	if got := ed.Draft().DefaultActivity; got != "away" {
		t.Errorf("draft default activity %q, want away", got)
	}

	// An id OneCloud does not list is kept as its own option, not dropped.
	ed.Update(func(c *config.Config) { c.Rules[0].Activity = "holiday-legacy" })
	rulesSelect(s, 0)
	test.Tap(s.edit)
	if got := s.form.activity.sel.Selected; got != "holiday-legacy" {
		t.Errorf("unknown activity shows as %q", got)
	}
	if got := s.form.rule().Activity; got != "holiday-legacy" {
		t.Errorf("unknown activity value %q", got)
	}
	// The table shows names from the directory.
	if got := s.scopeLabel("group:g-sales"); got != "Group: Sales" {
		t.Errorf("scope label %q", got)
	}
}

func TestRulesScreenDirectoryFailure(t *testing.T) {
	s, ed, _, w := rulesSetup(t, errors.New("onecloud: 401 unauthorized"))
	if !s.dirStatus.Visible() || !strings.Contains(s.dirStatus.Text, "401 unauthorized") ||
		!strings.Contains(s.dirStatus.Text, "type their ids instead") {
		t.Errorf("directory failure not explained: visible=%v %q", s.dirStatus.Visible(), s.dirStatus.Text)
	}
	test.Tap(s.add)
	f := s.form
	for name, c := range map[string]*rulesChoice{"scope": f.scope, "activity": f.activity, "role": f.role} {
		if c.box.Objects[0] != c.entry {
			t.Errorf("%s is not a text entry without a directory", name)
		}
	}
	f.scope.entry.SetText("group:g-x")
	f.activity.entry.SetText("")
	test.Type(f.activity.entry, "lunch")
	f.typ.SetSelected("Subject")
	test.Type(f.matchText, "*mensa*")
	rulesConfirm(t, w)
	want := append(config.DefaultRules(), config.Rule{Scope: "group:g-x", Type: "subject", Match: "*mensa*", Activity: "lunch"})
	rulesCheckRules(t, ed, want)

	s.defaultActivity.entry.SetText("")
	test.Type(s.defaultActivity.entry, "gone-home")
	if got := ed.Draft().DefaultActivity; got != "gone-home" {
		t.Errorf("typed default activity %q", got)
	}
}

func TestRulesScreenInlineValidation(t *testing.T) {
	s, ed, _, w := rulesSetup(t, nil)
	if s.problemsLabel.Visible() {
		t.Errorf("problems shown for the default rules: %q", s.problemsLabel.Text)
	}
	ed.Update(func(c *config.Config) {
		c.Rules[1].Activity = ""
		c.Rules[2].Match = " "
	})
	text := s.problemsLabel.Text
	if !s.problemsLabel.Visible() || !strings.Contains(text, "Rule 2 - activity: ") || !strings.Contains(text, "Rule 3 - match: ") {
		t.Errorf("problems = %q; want rule 2 activity and rule 3 match", text)
	}
	if len(s.problems[1]) != 1 || len(s.problems[2]) != 1 || len(s.problems[0]) != 0 {
		t.Errorf("problems by rule = %v", s.problems)
	}

	// The dialog validates as the admin types, and fixing the rule clears it.
	rulesSelect(s, 2)
	test.Tap(s.edit)
	f := s.form
	if !f.problems.Visible() || !strings.Contains(f.problems.Text, "match: empty pattern") {
		t.Errorf("dialog problems = %q", f.problems.Text)
	}
	f.matchText.SetText("*lunch*")
	if f.problems.Visible() {
		t.Errorf("dialog problems after the fix: %q", f.problems.Text)
	}
	rulesConfirm(t, w)
	if strings.Contains(s.problemsLabel.Text, "Rule 3") {
		t.Errorf("rule 3 still reported: %q", s.problemsLabel.Text)
	}
}

func TestRulesScreenSave(t *testing.T) {
	s, ed, fb, _ := rulesSetup(t, nil)
	if !s.save.Disabled() {
		t.Error("Save enabled with nothing changed")
	}
	done := make(chan error, 1)
	s.afterSave = func(err error) { done <- err }

	rulesSelect(s, 0)
	test.Tap(s.del)
	fb.mu.Lock()
	fb.putErr = &localapi.ValidationError{Fields: []localapi.FieldError{
		{Field: "rules[0].activity", Message: "unknown OneCloud activity \"vacation\""},
		{Field: "defaultActivity", Message: "unknown OneCloud activity"},
	}}
	fb.mu.Unlock()
	test.Tap(s.save)
	if err := <-done; err == nil {
		t.Fatal("save succeeded against a refusing backend")
	}
	msg := s.message.Text
	for _, want := range []string{"Could not save", `rules[0].activity: unknown OneCloud activity "vacation"`, "defaultActivity: unknown OneCloud activity"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if s.message.Importance != widget.DangerImportance {
		t.Error("save error not shown as an error")
	}
	want := config.DefaultRules()[1:]
	rulesCheckRules(t, ed, want) // the edit survives the failed save
	if !ed.Dirty() || s.save.Disabled() {
		t.Error("after a failed save the draft should stay dirty and savable")
	}

	// A plain failure shows its text.
	fb.mu.Lock()
	fb.putErr = errors.New("service not running")
	fb.mu.Unlock()
	test.Tap(s.save)
	<-done
	if !strings.Contains(s.message.Text, "service not running") {
		t.Errorf("message %q", s.message.Text)
	}

	fb.mu.Lock()
	fb.putErr = nil
	fb.mu.Unlock()
	test.Tap(s.save)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.message.Text != "Saved." || ed.Dirty() || !s.save.Disabled() {
		t.Errorf("after saving: message %q dirty=%v", s.message.Text, ed.Dirty())
	}
	fb.mu.Lock()
	last := fb.puts[len(fb.puts)-1]
	fb.mu.Unlock()
	saved, err := config.Decode(last)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(saved.Rules, want) {
		t.Errorf("saved rules %+v, want %+v", saved.Rules, want)
	}
}

func TestRulesScreenRevert(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, nil)
	done := make(chan error, 1)
	s.afterSave = func(err error) { done <- err }
	rulesSelect(s, 0)
	test.Tap(s.del)
	test.Tap(s.revert)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rulesCheckRules(t, ed, config.DefaultRules())
	if len(s.cfg.Rules) != len(config.DefaultRules()) {
		t.Errorf("table shows %d rules after Revert", len(s.cfg.Rules))
	}
}

func TestRulesTester(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, nil)
	tr := s.tester
	set := func(status, subject string, private bool) string {
		tr.status.SetSelected(status)
		tr.subject.SetText(subject)
		tr.private.SetChecked(private)
		return tr.result.Text
	}
	tests := []struct {
		name, status, subject string
		private               bool
		want                  string
	}{
		{"busy meeting", "busy", "Budget review", false, "Rule 5 wins: Organization, Availability: busy\nPresence: Meeting"},
		{"lunch by subject beats busy", "busy", "Team Lunch", false, "Rule 3 wins: Organization, Subject: *lunch*\nPresence: Lunch"},
		{"private beats the subject rule", "busy", "lunch with the doctor", true, "Rule 2 wins: Organization, private\nPresence: Busy"},
		{"free, nothing matches", "free", "Focus time", false, "No rule matches -> default activity Available"},
		{"out of office wins", "oof", "Lunch", true, "Rule 1 wins: Organization, Availability: oof\nPresence: Vacation"},
	}
	for _, tt := range tests {
		if got := set(tt.status, tt.subject, tt.private); got != tt.want {
			t.Errorf("%s: tester says %q, want %q", tt.name, got, tt.want)
		}
	}

	// Subject rules never look at a private event, even below a private=false rule.
	ed.Update(func(c *config.Config) {
		c.Rules = []config.Rule{
			{Scope: "organization", Type: "subject", Match: "*lunch*", Activity: "lunch"},
		}
	})
	if got := set("busy", "lunch", true); got != "No rule matches -> default activity Available" {
		t.Errorf("private event vs subject rule: %q", got)
	}
	if got := set("busy", "lunch", false); !strings.HasPrefix(got, "Rule 1 wins") {
		t.Errorf("public lunch: %q", got)
	}

	// A group rule applies to the user picked, through their groups.
	ed.Update(func(c *config.Config) {
		c.Rules = append(c.Rules, config.Rule{Scope: "group:g-sales", Type: "availability", Match: "busy", Activity: "away", Role: "mobile"})
	})
	set("busy", "Call", false)
	tr.user.SetSelected("Anna Rossi (u1)")
	if !slices.Equal(tr.groups.Selected, []string{"Sales"}) {
		t.Errorf("user's groups ticked: %v", tr.groups.Selected)
	}
	if got, want := tr.result.Text, "Rule 2 wins: Group: Sales, Availability: busy\nPresence: Away, role Mobile only"; got != want {
		t.Errorf("group rule: %q, want %q", got, want)
	}
	tr.user.SetSelected("Marco Bianchi (u2)")
	if got := tr.result.Text; !strings.HasPrefix(got, "No rule matches") {
		t.Errorf("user outside the group: %q", got)
	}

	// Broken rules: the tester says so instead of guessing.
	ed.Update(func(c *config.Config) { c.Rules[0].Type = "colour" })
	if got := tr.result.Text; !strings.HasPrefix(got, "Fix the rules above to test them.") {
		t.Errorf("broken rules: %q", got)
	}
}

func TestRulesTesterWithoutDirectory(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, errors.New("offline"))
	ed.Update(func(c *config.Config) {
		c.Rules = append([]config.Rule{{Scope: "group:sales", Type: "availability", Match: "busy", Activity: "away"}}, c.Rules...)
	})
	tr := s.tester
	if tr.groupsBox.Objects[0] != tr.groupsEntry {
		t.Fatal("without a directory the groups are not a text entry")
	}
	tr.status.SetSelected("busy")
	if got := tr.result.Text; !strings.HasPrefix(got, "Rule 6 wins") {
		t.Errorf("no groups: %q", got)
	}
	test.Type(tr.groupsEntry, "support, sales")
	if got := tr.result.Text; got != "Rule 1 wins: Group: sales, Availability: busy\nPresence: away" {
		t.Errorf("typed groups: %q", got)
	}
}

// TestRulesTranslations checks that every string the screen shows has an
// English and an Italian entry, with the same format verbs.
func TestRulesTranslations(t *testing.T) {
	src, err := os.ReadFile("rules.go")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]map[string]string{}
	for _, name := range []string{"en", "it"} {
		data, err := os.ReadFile(filepath.Join("translations", "rules", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		files[name] = m
	}
	verbs := regexp.MustCompile(`%[a-z]`)
	keys := regexp.MustCompile(`lang\.L\("((?:[^"\\]|\\.)*)"\)`).FindAllSubmatch(src, -1)
	if len(keys) < 20 {
		t.Fatalf("found only %d lang.L strings in rules.go", len(keys))
	}
	for _, k := range keys {
		key, err := strconv.Unquote(`"` + string(k[1]) + `"`)
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range files {
			v, ok := m[key]
			if !ok {
				t.Errorf("%s.json lacks %q", name, key)
				continue
			}
			if !slices.Equal(verbs.FindAllString(v, -1), verbs.FindAllString(key, -1)) {
				t.Errorf("%s.json: %q -> %q changes the format verbs", name, key, v)
			}
		}
	}
}

// TestRulesWorkingHours: the type "Working hours" has its match fixed to
// outside, and the tester evaluates it at the time given, against working
// hours in this computer's zone.
func TestRulesWorkingHours(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, nil)
	test.Tap(s.add)
	f := s.form
	f.typ.SetSelected("Working hours")
	if f.matchBox.Objects[0] != f.matchFixed || f.matchFixed.Text != "outside working hours" {
		t.Fatalf("working hours: match shows %v", f.matchBox.Objects[0])
	}
	f.activity.SetValue("away")
	if r := f.rule(); r.Type != "workinghours" || r.Match != "outside" {
		t.Errorf("working hours rule = %+v", r)
	}
	if !f.problems.Hidden {
		t.Errorf("a valid working-hours rule shows problems: %q", f.problems.Text)
	}
	if got := s.ruleCellText(f.rule(), 2); got != "outside" {
		t.Errorf("match cell %q", got)
	}

	ed.Update(func(c *config.Config) {
		c.Rules = append(c.Rules, config.Rule{Scope: "organization", Type: "workinghours", Match: "outside", Activity: "away"})
	})
	n := strconv.Itoa(len(ed.Draft().Rules))
	tr := s.tester
	tr.noEvent.SetChecked(true)
	back := time.Date(2026, 12, 8, 8, 0, 0, 0, time.Local).Format("Mon 2 Jan 15:04")
	for _, tc := range []struct{ at, hours, want string }{
		{"2026-12-07T18:30", "08:00-17:00", "Rule " + n + " wins: Organization, Working hours: outside\nPresence: "},
		{"2026-12-07T18:30", "08:00-17:00", ", until " + back},
		{"2026-12-07T17:00:00", "08:00-17:00", "Rule " + n + " wins"},
		{"2026-12-07T16:59:59", "08:00-17:00", "No rule matches"},
		{"2026-12-07T18:30", "", "No rule matches"}, // no working hours: never matches
		{"2026-12-07T18:30", "8 to 5", "Not working hours"},
		{"tonight", "08:00-17:00", "Not a time"},
	} {
		tr.hours.SetText(tc.hours)
		tr.at.SetText(tc.at)
		if got := tr.result.Text; !strings.Contains(got, tc.want) {
			t.Errorf("at %s, hours %q: tester says %q, want %q in it", tc.at, tc.hours, got, tc.want)
		}
	}
	// An event in progress: rule order decides, and the busy rule comes first.
	tr.hours.SetText("08:00-17:00")
	tr.at.SetText("2026-12-07T18:30")
	tr.noEvent.SetChecked(false)
	tr.status.SetSelected("busy")
	tr.subject.SetText("Late call")
	if got := tr.result.Text; !strings.HasPrefix(got, "Rule 5 wins") {
		t.Errorf("meeting in the evening: %q", got)
	}
}

// TestRulesTeams: the type "Teams activity" offers Microsoft's activities, and the tester takes
// a Teams activity beside the event, with rule order deciding between them.
func TestRulesTeams(t *testing.T) {
	s, ed, _, _ := rulesSetup(t, nil)
	test.Tap(s.add)
	f := s.form
	f.typ.SetSelected("Teams activity")
	if f.matchBox.Objects[0] != f.matchTeams || f.matchTeams.Selected != "InACall" || len(f.matchTeams.Options) != 15 {
		t.Fatalf("teams: match shows %v, selected %q, %d options", f.matchBox.Objects[0], f.matchTeams.Selected, len(f.matchTeams.Options))
	}
	f.matchTeams.SetSelected("Presenting")
	f.activity.SetValue("busy")
	if r := f.rule(); r.Type != "teams" || r.Match != "Presenting" {
		t.Errorf("teams rule = %+v", r)
	}
	if !f.problems.Hidden {
		t.Errorf("a valid teams rule shows problems: %q", f.problems.Text)
	}

	ed.Update(func(c *config.Config) {
		c.Rules = append([]config.Rule{{Scope: "organization", Type: "teams", Match: "inacall", Activity: "busy"}}, c.Rules...)
	})
	tr := s.tester
	tr.status.SetSelected("busy")
	tr.subject.SetText("Budget review")
	busy := slices.IndexFunc(ed.Draft().Rules, func(r config.Rule) bool { return r.Type == "availability" && r.Match == "busy" })
	if busy < 1 {
		t.Fatalf("the setup has no availability busy rule after the teams rule: %+v", ed.Draft().Rules)
	}
	meeting := "Rule " + strconv.Itoa(busy+1) + " wins"
	for _, tc := range []struct{ teams, want string }{
		{"InACall", "Rule 1 wins: Organization, Teams activity: inacall"},
		{"(not in Teams)", meeting},
		{"Presenting", meeting},
	} {
		tr.teams.SetSelected(tc.teams)
		if got := tr.result.Text; !strings.HasPrefix(got, tc.want) || strings.Contains(got, "until") {
			t.Errorf("Teams %s: tester says %q, want %q and no until", tc.teams, got, tc.want)
		}
	}
}
