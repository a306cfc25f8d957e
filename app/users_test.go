package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// fakeUsersBackend serves a configuration and a OneCloud directory, and
// records what Save sends. Methods the screen must not use panic.
type fakeUsersBackend struct {
	localapi.Backend

	mu      sync.Mutex
	config  []byte
	dir     localapi.Directory
	dirErr  error
	putErr  error
	putData [][]byte
}

func (f *fakeUsersBackend) Config(context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.config, nil
}

func (f *fakeUsersBackend) PutConfig(_ context.Context, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.putData = append(f.putData, data)
	if f.putErr != nil {
		return f.putErr
	}
	f.config = data
	return nil
}

func (f *fakeUsersBackend) OneCloudDirectory(context.Context) (localapi.Directory, error) {
	return f.dir, f.dirErr
}

func newFakeUsersBackend(t *testing.T) *fakeUsersBackend {
	t.Helper()
	cfg := config.Default()
	cfg.Users = []config.User{
		{OneCloudUser: "1002", Mailbox: "m.rossi@contoso.it", Enabled: true},
		{OneCloudUser: "9999", Mailbox: "old@contoso.it"},
	}
	data, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeUsersBackend{
		config: data,
		dir: localapi.Directory{
			Groups: []localapi.Group{{ID: "g1", Name: "Sales"}, {ID: "g2", Name: "Support"}},
			Users: []localapi.DirectoryUser{
				{ID: "1002", Username: "mrossi", Name: "Mario Rossi", Email: "mario@contoso.it", Groups: []string{"g1", "g2"}},
				{ID: "1001", Username: "abianchi", Name: "Anna Bianchi", Email: "anna@contoso.it", Groups: []string{"g1"}},
				{ID: "1003", Name: "Luca Verdi"},
			},
		},
	}
}

// usersTestScreen builds the screen on b in a test window, with the
// configuration and the directory loaded.
func usersTestScreen(t *testing.T, b *fakeUsersBackend) (*usersScreen, *configEditor, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	ed := newConfigEditor(b)
	if err := ed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newUsersScreen(w, b, ed)
	w.SetContent(s.content)
	w.Resize(fyne.NewSize(900, 700))
	loaded := make(chan error, 1)
	s.afterLoad = func(err error) { loaded <- err }
	s.loadDirectory()
	<-loaded
	return s, ed, w
}

func usersRowByID(t *testing.T, s *usersScreen, id string) *usersRow {
	t.Helper()
	for _, r := range s.rows {
		if r.id == id {
			return r
		}
	}
	t.Fatalf("no row for user %s", id)
	return nil
}

// usersTapCheck taps the middle of c's box, where a click lands; the row
// stretches the checkbox taller than its active area.
func usersTapCheck(c *widget.Check) {
	test.TapAt(c, fyne.NewPos(c.MinSize().Height/2, c.Size().Height/2))
}

func usersDraftUser(ed *configEditor, id string) (config.User, bool) {
	for _, u := range ed.Draft().Users {
		if u.OneCloudUser == id {
			return u, true
		}
	}
	return config.User{}, false
}

func usersVisibleIDs(s *usersScreen) []string {
	var ids []string
	for _, r := range s.visibleRows() {
		ids = append(ids, r.id)
	}
	return ids
}

func TestUsersScreenMergesDirectoryAndConfig(t *testing.T) {
	s, _, _ := usersTestScreen(t, newFakeUsersBackend(t))

	type shown struct {
		id, name, detail, mailbox string
		enabled                   bool
	}
	var got []shown
	for _, r := range s.rows {
		got = append(got, shown{r.id, r.nameLbl.Text, r.detail.Text, r.mailbox.Text, r.enabled.Checked})
	}
	want := []shown{
		{"1001", "Anna Bianchi", "abianchi · User id 1001 · anna@contoso.it · Groups: Sales", "anna@contoso.it", false},
		{"1003", "Luca Verdi", "User id 1003", "", false},
		{"1002", "Mario Rossi", "mrossi · User id 1002 · mario@contoso.it · Groups: Sales, Support", "m.rossi@contoso.it", true},
		{"9999", "9999", "Not in the OneCloud directory", "old@contoso.it", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
	if s.count.Text != "4 of 4 users" {
		t.Errorf("count = %q", s.count.Text)
	}
	if s.dirErr.Visible() || s.progress.Visible() || s.loading.Visible() {
		t.Error("error or progress still shown after a good load")
	}
}

func TestUsersScreenDirectoryErrorKeepsConfiguredUsers(t *testing.T) {
	b := newFakeUsersBackend(t)
	b.dirErr = errors.New("OneCloud API token rejected")
	s, _, _ := usersTestScreen(t, b)

	var ids []string
	for _, r := range s.rows {
		ids = append(ids, r.id)
	}
	if !slices.Equal(ids, []string{"1002", "9999"}) {
		t.Errorf("rows = %v; want the configured users", ids)
	}
	if !s.dirErr.Visible() || !strings.Contains(s.dirErr.Text, "OneCloud API token rejected") {
		t.Errorf("directory error not shown: visible=%v %q", s.dirErr.Visible(), s.dirErr.Text)
	}
	if s.reload.Disabled() {
		t.Error("Reload stays disabled after the failed load")
	}
}

func TestUsersScreenEditsChangeDraft(t *testing.T) {
	s, ed, _ := usersTestScreen(t, newFakeUsersBackend(t))

	// Enabling a user not configured yet adds it with its email as mailbox.
	usersTapCheck(usersRowByID(t, s, "1001").enabled)
	if u, ok := usersDraftUser(ed, "1001"); !ok || u != (config.User{OneCloudUser: "1001", Mailbox: "anna@contoso.it", Enabled: true}) {
		t.Errorf("after enabling Anna: %+v, %v", u, ok)
	}

	// Typing a mailbox changes the configured one.
	mario := usersRowByID(t, s, "1002")
	mario.mailbox.SetText("")
	test.Type(mario.mailbox, "mario.rossi@contoso.it")
	usersTapCheck(mario.enabled)
	if u, _ := usersDraftUser(ed, "1002"); u != (config.User{OneCloudUser: "1002", Mailbox: "mario.rossi@contoso.it", Enabled: false}) {
		t.Errorf("after editing Mario: %+v", u)
	}
	if mario.mailbox.Text != "mario.rossi@contoso.it" {
		t.Errorf("the entry changed under the typing: %q", mario.mailbox.Text)
	}
	if !ed.Dirty() {
		t.Error("draft not dirty after edits")
	}

	// An enabled user without a mailbox gets the configuration's message.
	luca := usersRowByID(t, s, "1003")
	usersTapCheck(luca.enabled)
	if !luca.errLbl.Visible() || !strings.Contains(luca.errLbl.Text, "Mailbox: required for an enabled user") {
		t.Errorf("no inline error for an enabled user without mailbox: %q", luca.errLbl.Text)
	}
	test.Type(luca.mailbox, "luca@contoso.it")
	if luca.errLbl.Visible() {
		t.Errorf("error still shown after the mailbox was typed: %q", luca.errLbl.Text)
	}
	if u, _ := usersDraftUser(ed, "1003"); u != (config.User{OneCloudUser: "1003", Mailbox: "luca@contoso.it", Enabled: true}) {
		t.Errorf("Luca: %+v", u)
	}
}

func TestUsersScreenSearch(t *testing.T) {
	s, _, _ := usersTestScreen(t, newFakeUsersBackend(t))
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"1001", "1003", "1002", "9999"}},
		{"support", []string{"1002"}},
		{"SALES", []string{"1001", "1002"}},
		{"bianchi", []string{"1001"}},
		{"anna@contoso", []string{"1001"}},
		{"1003", []string{"1003"}},
		{"old@", []string{"9999"}}, // the configured mailbox
		{"sales mario", []string{"1002"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		s.search.SetText("")
		test.Type(s.search, tt.query)
		if got := usersVisibleIDs(s); !slices.Equal(got, tt.want) {
			t.Errorf("search %q shows %v; want %v", tt.query, got, tt.want)
		}
	}
	s.search.SetText("sales")
	if s.count.Text != "2 of 4 users" {
		t.Errorf("count = %q", s.count.Text)
	}
}

func TestUsersScreenEnableDisableAllFiltered(t *testing.T) {
	s, ed, _ := usersTestScreen(t, newFakeUsersBackend(t))

	test.Type(s.search, "sales")
	test.Tap(s.enableAll)
	want := []config.User{
		{OneCloudUser: "1002", Mailbox: "m.rossi@contoso.it", Enabled: true},
		{OneCloudUser: "9999", Mailbox: "old@contoso.it"},
		{OneCloudUser: "1001", Mailbox: "anna@contoso.it", Enabled: true},
	}
	if got := ed.Draft().Users; !reflect.DeepEqual(got, want) {
		t.Errorf("after Enable all on %q:\n got %+v\nwant %+v", "sales", got, want)
	}
	if !usersRowByID(t, s, "1001").enabled.Checked {
		t.Error("Anna's checkbox not updated")
	}

	s.search.SetText("")
	test.Tap(s.disableAll)
	for _, u := range ed.Draft().Users {
		if u.Enabled {
			t.Errorf("%s still enabled after Disable all", u.OneCloudUser)
		}
	}
	if len(ed.Draft().Users) != 4 {
		t.Errorf("Disable all with no search should cover all 4 users: %+v", ed.Draft().Users)
	}
}

func TestUsersScreenImportCSV(t *testing.T) {
	s, ed, w := usersTestScreen(t, newFakeUsersBackend(t))
	in := "onecloudUser,mailbox,enabled\r\n" +
		"1001,anna.b@contoso.it,yes\r\n" + // adds a directory user
		"1002,not-a-mailbox,true\r\n" + // bad: Mario keeps his mailbox
		"9999,old@contoso.it,1\r\n" + // updates
		"2000,new@contoso.it,maybe\r\n" + // bad enabled
		"2001,new@contoso.it,false\r\n" // adds a user OneCloud did not list

	res := s.importCSVFrom(strings.NewReader(in))
	if res.Added != 2 || res.Updated != 1 {
		t.Errorf("added %d, updated %d; want 2, 1", res.Added, res.Updated)
	}
	want := []config.User{
		{OneCloudUser: "1002", Mailbox: "m.rossi@contoso.it", Enabled: true},
		{OneCloudUser: "9999", Mailbox: "old@contoso.it", Enabled: true},
		{OneCloudUser: "1001", Mailbox: "anna.b@contoso.it", Enabled: true},
		{OneCloudUser: "2001", Mailbox: "new@contoso.it"},
	}
	if got := ed.Draft().Users; !reflect.DeepEqual(got, want) {
		t.Errorf("draft after import:\n got %+v\nwant %+v", got, want)
	}
	if r := usersRowByID(t, s, "2001"); r.mailbox.Text != "new@contoso.it" {
		t.Errorf("new user's row shows %q", r.mailbox.Text)
	}
	if r := usersRowByID(t, s, "1001"); r.mailbox.Text != "anna.b@contoso.it" || !r.enabled.Checked {
		t.Errorf("Anna's row not updated: %q %v", r.mailbox.Text, r.enabled.Checked)
	}

	wantReport := []string{
		`Line 3, mailbox: "not-a-mailbox" is not a plain mailbox address; expected the user's mailbox address, e.g. mario.rossi@contoso.it`,
		`Line 5, enabled: "maybe" is not a yes/no value; expected true, false, yes, no, 1 or 0 (or sì, si, vero, falso)`,
	}
	if got := usersReportLines(res.Errors); !slices.Equal(got, wantReport) {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantReport, "\n"))
	}
	// The report dialog is on screen and lists the bad lines.
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no error report dialog shown")
	}
	text := strings.Join(visibleTexts(top), "\n")
	for _, line := range wantReport {
		if !strings.Contains(text, line) {
			t.Errorf("report dialog lacks %q; shows:\n%s", line, text)
		}
	}
	if !strings.Contains(s.message.Text, "2 lines with errors") {
		t.Errorf("summary = %q", s.message.Text)
	}
}

func TestUsersImportCSVAllGoodShowsNoReport(t *testing.T) {
	s, _, w := usersTestScreen(t, newFakeUsersBackend(t))
	res := s.importCSVFrom(strings.NewReader("onecloudUser,mailbox,enabled\n1003,luca@contoso.it,true\n"))
	if len(res.Errors) != 0 || res.Added != 1 {
		t.Errorf("result %+v", res)
	}
	if w.Canvas().Overlays().Top() != nil {
		t.Error("a report dialog was shown for a file without errors")
	}
}

func TestUsersApplyCSV(t *testing.T) {
	cfg := &config.Config{Users: []config.User{{OneCloudUser: "1", Mailbox: "a@x.it", Enabled: true}}}
	res := usersApplyCSV(cfg, strings.NewReader("mailbox,onecloudUser,enabled\n"))
	if len(res.Errors) != 1 || res.Errors[0].Field != "header" || res.Added+res.Updated != 0 {
		t.Errorf("a wrong header: %+v", res)
	}
	if len(cfg.Users) != 1 {
		t.Errorf("a refused file changed the users: %+v", cfg.Users)
	}
}

type usersBuffer struct {
	bytes.Buffer
	closed bool
}

func (b *usersBuffer) Close() error { b.closed = true; return nil }

func TestUsersExportRoundTrip(t *testing.T) {
	s, ed, _ := usersTestScreen(t, newFakeUsersBackend(t))
	usersTapCheck(usersRowByID(t, s, "1001").enabled)

	var out usersBuffer
	if err := s.exportCSVTo(&out); err != nil {
		t.Fatal(err)
	}
	if !out.closed {
		t.Error("export did not close the file")
	}
	want := "onecloudUser,mailbox,enabled\n1002,m.rossi@contoso.it,true\n9999,old@contoso.it,false\n1001,anna@contoso.it,true\n"
	if out.String() != want {
		t.Errorf("exported\n%s\nwant\n%s", out.String(), want)
	}

	var fresh config.Config
	res := usersApplyCSV(&fresh, strings.NewReader(out.String()))
	if len(res.Errors) != 0 || !reflect.DeepEqual(fresh.Users, ed.Draft().Users) {
		t.Errorf("read back %+v, %v; want %+v", fresh.Users, res.Errors, ed.Draft().Users)
	}
}

func TestUsersScreenSaveErrorShownAndDraftKept(t *testing.T) {
	b := newFakeUsersBackend(t)
	s, ed, _ := usersTestScreen(t, b)
	saved := make(chan error, 1)
	s.afterSave = func(err error) { saved <- err }

	mario := usersRowByID(t, s, "1002")
	mario.mailbox.SetText("")
	test.Type(mario.mailbox, "mario@contoso.it")
	b.putErr = &localapi.ValidationError{Fields: []localapi.FieldError{
		{Field: "users[0].mailbox", Message: "no such mailbox in the tenant"},
		{Field: "connector.clientId", Message: "required"},
	}}
	test.Tap(s.saveBtn)
	if err := <-saved; err == nil {
		t.Fatal("save did not fail")
	}
	if !mario.errLbl.Visible() || mario.errLbl.Text != "Mailbox: no such mailbox in the tenant" {
		t.Errorf("Mario's row error: visible=%v %q", mario.errLbl.Visible(), mario.errLbl.Text)
	}
	if usersRowByID(t, s, "9999").errLbl.Visible() {
		t.Error("an error shown on a user without one")
	}
	if !strings.Contains(s.message.Text, "connector.clientId: required") || s.message.Importance != widget.DangerImportance {
		t.Errorf("message = %q", s.message.Text)
	}
	if u, _ := usersDraftUser(ed, "1002"); u.Mailbox != "mario@contoso.it" || mario.mailbox.Text != "mario@contoso.it" {
		t.Errorf("the failed save lost the edit: draft %+v, entry %q", u, mario.mailbox.Text)
	}

	// Editing the row replaces the service's verdict with the local checks.
	test.Type(mario.mailbox, "x")
	if mario.errLbl.Visible() {
		t.Errorf("the save error stays after the row was edited: %q", mario.errLbl.Text)
	}
	mario.mailbox.SetText("mario@contoso.it")

	b.putErr = nil
	test.Tap(s.saveBtn)
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if mario.errLbl.Visible() || s.message.Text != "Saved." || ed.Dirty() {
		t.Errorf("after a good save: row error %v, message %q, dirty %v", mario.errLbl.Visible(), s.message.Text, ed.Dirty())
	}
	var sent config.Config
	if err := json.Unmarshal(b.putData[len(b.putData)-1], &sent); err != nil {
		t.Fatal(err)
	}
	if sent.Users[0].Mailbox != "mario@contoso.it" {
		t.Errorf("saved users %+v", sent.Users)
	}
}

func TestUsersScreenRevert(t *testing.T) {
	s, ed, _ := usersTestScreen(t, newFakeUsersBackend(t))
	reverted := make(chan error, 1)
	s.afterRevert = func(err error) { reverted <- err }

	usersTapCheck(usersRowByID(t, s, "1001").enabled)
	s.importCSVFrom(strings.NewReader("onecloudUser,mailbox,enabled\n3000,z@contoso.it,true\n"))
	test.Tap(s.revertBtn)
	if err := <-reverted; err != nil {
		t.Fatal(err)
	}
	if ed.Dirty() || len(ed.Draft().Users) != 2 {
		t.Errorf("draft after revert: %+v", ed.Draft().Users)
	}
	if len(s.rows) != 4 || usersRowByID(t, s, "1001").enabled.Checked {
		t.Errorf("rows not reverted: %d rows", len(s.rows))
	}
}

// TestUsersTranslations checks that every string the screen shows has an
// English and an Italian entry.
func TestUsersTranslations(t *testing.T) {
	src, err := os.ReadFile("users.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`lang\.L\("((?:[^"\\]|\\.)*)"`).FindAllSubmatch(src, -1) {
		keys = append(keys, string(m[1]))
	}
	if len(keys) < 10 {
		t.Fatalf("found only %d strings; is the pattern right?", len(keys))
	}
	for _, file := range []string{"translations/users/en.json", "translations/users/it.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tr map[string]string
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, k := range keys {
			if tr[k] == "" {
				t.Errorf("%s lacks %q", file, k)
			}
		}
	}
}

func TestUsersScreenFileDialogsOpen(t *testing.T) {
	s, _, w := usersTestScreen(t, newFakeUsersBackend(t))
	for _, btn := range []*widget.Button{s.importCSV, s.exportCSV} {
		test.Tap(btn)
		top := w.Canvas().Overlays().Top()
		if top == nil {
			t.Fatalf("%q opened no dialog", btn.Text)
		}
		w.Canvas().Overlays().Remove(top)
	}
}
