package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// fakeConnectorBackend plays the service for the connector screen and the
// wizard. It holds secret values, as the keychain does, to prove the screen
// has no way to show them.
type fakeConnectorBackend struct {
	localapi.Backend // unused methods panic

	mu           sync.Mutex
	config       []byte
	putErr       error
	puts         [][]byte
	secrets      []localapi.SecretState
	secretValues map[string]string
	setCalls     []string // "name=value"
	statusErr    error
	steps        []localapi.CheckStep
	testErr      error
	testStarted  chan struct{} // closed when TestConnection is entered, if set
	testRelease  chan struct{} // TestConnection waits for it, if set
}

func (f *fakeConnectorBackend) Config(context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.config, nil
}

func (f *fakeConnectorBackend) PutConfig(_ context.Context, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, data)
	if f.putErr != nil {
		return f.putErr
	}
	f.config = data
	return nil
}

func (f *fakeConnectorBackend) SecretStatus(context.Context) ([]localapi.SecretState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.secrets), f.statusErr
}

func (f *fakeConnectorBackend) SetSecret(_ context.Context, name, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setCalls = append(f.setCalls, name+"="+value)
	if f.secretValues == nil {
		f.secretValues = map[string]string{}
	}
	f.secretValues[name] = value
	for i := range f.secrets {
		if f.secrets[i].Name == name {
			f.secrets[i] = localapi.SecretState{Name: name, Set: true, Source: "keychain"}
			return nil
		}
	}
	f.secrets = append(f.secrets, localapi.SecretState{Name: name, Set: true, Source: "keychain"})
	return nil
}

func (f *fakeConnectorBackend) TestConnection(ctx context.Context) ([]localapi.CheckStep, error) {
	if f.testStarted != nil {
		close(f.testStarted)
	}
	if f.testRelease != nil {
		select {
		case <-f.testRelease:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.steps, f.testErr
}

func (f *fakeConnectorBackend) putCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.puts)
}

// connectorValidConfig is a complete, valid configuration as the service
// would hold it.
func connectorValidConfig(t *testing.T) []byte {
	t.Helper()
	c := config.Default()
	c.Connector = config.Connector{
		Name:          "Contoso calendars",
		TenantID:      "11111111-2222-3333-4444-555555555555",
		ClientID:      "66666666-7777-8888-9999-000000000000",
		SyncUser:      "monitor@contoso.com",
		SecretExpires: "2027-06-30",
	}
	data, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// connectorWaits turns the screen's hooks into channels a test waits on.
type connectorWaits struct {
	secretsShown chan struct{}
	secretStored chan error
	saved        chan error
	tested       chan struct{}
}

func newConnectorWaits() (connectorWaits, connectorHooks) {
	w := connectorWaits{
		secretsShown: make(chan struct{}, 8),
		secretStored: make(chan error, 8),
		saved:        make(chan error, 8),
		tested:       make(chan struct{}, 8),
	}
	return w, connectorHooks{
		secretsShown: func() { w.secretsShown <- struct{}{} },
		secretStored: func(_ string, err error) { w.secretStored <- err },
		saved:        func(err error) { w.saved <- err },
		tested:       func() { w.tested <- struct{}{} },
	}
}

// connectorTestEditor loads data (a valid config when nil) into an editor
// on f, on the test goroutine.
func connectorTestEditor(t *testing.T, f *fakeConnectorBackend) *configEditor {
	t.Helper()
	if f.config == nil {
		f.config = connectorValidConfig(t)
	}
	ed := newConfigEditor(f)
	if err := ed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ed
}

// newConnectorTestScreen shows the connector screen on f in a test window
// and waits for the secrets' status.
func newConnectorTestScreen(t *testing.T, f *fakeConnectorBackend) (*connectorScreen, *configEditor, connectorWaits) {
	t.Helper()
	test.NewTempApp(t)
	ed := connectorTestEditor(t, f)
	waits, hooks := newConnectorWaits()
	w := test.NewTempWindow(t, widget.NewLabel(""))
	s := newConnectorScreen(w, f, ed, hooks)
	s.refreshSecrets()
	// The test driver runs fyne.Do on the calling goroutine: wait for the
	// status fetch started by the constructor before laying anything out.
	<-waits.secretsShown
	w.SetContent(s.content)
	w.Resize(fyne.NewSize(800, 900))
	return s, ed, waits
}

func connectorSetText(e *widget.Entry, text string) {
	e.SetText("")
	test.Type(e, text)
}

func TestConnectorFieldValidation(t *testing.T) {
	tests := []struct {
		path      string
		bad       string
		wantMsg   string
		good      string
		goodDraft func(*config.Config) string
	}{
		{"connector.tenantId", "not a tenant", "is neither a GUID nor a domain", "contoso.onmicrosoft.com",
			func(c *config.Config) string { return c.Connector.TenantID }},
		{"connector.clientId", "12345", "is not a GUID", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			func(c *config.Config) string { return c.Connector.ClientID }},
		{"connector.syncUser", "Monitor <monitor@contoso.com>", "is not a plain mailbox address", "sync@contoso.com",
			func(c *config.Config) string { return c.Connector.SyncUser }},
		{"connector.secretExpires", "30/06/2027", "is not a date; expected YYYY-MM-DD", "2028-01-31",
			func(c *config.Config) string { return c.Connector.SecretExpires }},
		{"onecloud.baseURL", "http://onecloud.example.com/api", "must use https", "https://onecloud.example.com/api",
			func(c *config.Config) string { return c.OneCloud.BaseURL }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			s, ed, _ := newConnectorTestScreen(t, &fakeConnectorBackend{})
			f := s.field(tt.path)
			if f == nil {
				t.Fatalf("no field %s", tt.path)
			}
			if f.errLabel.Visible() {
				t.Fatalf("valid loaded value shows %q", f.errLabel.Text)
			}

			connectorSetText(f.entry, tt.bad)
			if !f.errLabel.Visible() || !strings.Contains(f.errLabel.Text, tt.wantMsg) {
				t.Errorf("after typing %q: message %q (visible %v), want it to contain %q",
					tt.bad, f.errLabel.Text, f.errLabel.Visible(), tt.wantMsg)
			}
			if got := tt.goodDraft(ed.Draft()); got != tt.bad {
				t.Errorf("draft has %q, want the typed %q", got, tt.bad)
			}
			for _, other := range s.fields {
				if other != f && other.errLabel.Visible() {
					t.Errorf("%s shows %q for a problem in %s", other.path, other.errLabel.Text, tt.path)
				}
			}

			connectorSetText(f.entry, tt.good)
			if f.errLabel.Visible() {
				t.Errorf("after fixing to %q the message %q is still shown", tt.good, f.errLabel.Text)
			}
			if got := tt.goodDraft(ed.Draft()); got != tt.good {
				t.Errorf("draft has %q, want %q", got, tt.good)
			}
		})
	}
}

func TestConnectorRequiredShownOnlyOnceTouched(t *testing.T) {
	blank, err := config.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := newConnectorTestScreen(t, &fakeConnectorBackend{config: blank})
	tenant := s.field("connector.tenantId")
	if tenant.errLabel.Visible() {
		t.Fatalf("an untouched empty field shows %q on a first run", tenant.errLabel.Text)
	}
	connectorSetText(tenant.entry, "x")
	tenant.entry.SetText("")
	if !tenant.errLabel.Visible() || !strings.HasPrefix(tenant.errLabel.Text, "required") {
		t.Errorf("cleared tenant: message %q (visible %v), want required", tenant.errLabel.Text, tenant.errLabel.Visible())
	}
}

func TestConnectorSecretNeverShowsStoredValue(t *testing.T) {
	const graphValue, tokenValue = "Zx8Q~graph-client-secret-value-0123456789", "oc-api-token-4711"
	f := &fakeConnectorBackend{
		secrets: []localapi.SecretState{
			{Name: "graph", Set: true, Source: "keychain"},
			{Name: "onecloud", Set: true, Source: "keychain"},
		},
		secretValues: map[string]string{"graph": graphValue, "onecloud": tokenValue},
	}
	s, _, _ := newConnectorTestScreen(t, f)

	for _, sec := range []*connectorSecret{s.graph, s.onecloud} {
		if sec.entry.Text != "" {
			t.Errorf("%s: entry holds %q", sec.name, sec.entry.Text)
		}
		if sec.entry.Visible() {
			t.Errorf("%s: the password entry is shown though a secret is stored", sec.name)
		}
		if sec.state.Text != "Stored in the system keychain" {
			t.Errorf("%s: state %q", sec.name, sec.state.Text)
		}
		if !sec.replace.Visible() {
			t.Errorf("%s: no Replace button", sec.name)
		}
	}
	texts := visibleTexts(s.content)
	for _, text := range texts {
		if strings.Contains(text, graphValue) || strings.Contains(text, tokenValue) {
			t.Errorf("a secret value is on screen: %q", text)
		}
	}

	test.Tap(s.graph.replace)
	if !s.graph.entry.Visible() || s.graph.entry.Text != "" || !s.graph.entry.Password {
		t.Errorf("Replace: entry visible %v, text %q, password %v; want an empty password entry",
			s.graph.entry.Visible(), s.graph.entry.Text, s.graph.entry.Password)
	}
	if !s.graph.store.Visible() || !s.graph.cancel.Visible() || s.graph.replace.Visible() {
		t.Error("Replace: want Store secret and Cancel instead of Replace")
	}
	test.Type(s.graph.entry, "half typed")
	test.Tap(s.graph.cancel)
	if s.graph.entry.Visible() || s.graph.entry.Text != "" || !s.graph.replace.Visible() {
		t.Errorf("Cancel: entry visible %v, text %q; want it hidden and cleared", s.graph.entry.Visible(), s.graph.entry.Text)
	}
}

func TestConnectorSecretSources(t *testing.T) {
	tests := []struct {
		name      string
		states    []localapi.SecretState
		statusErr error
		wantGraph string
		wantEntry bool
	}{
		{"not stored", nil, nil, "Not stored yet", true},
		{"environment", []localapi.SecretState{{Name: "graph", Set: true, Source: "environment"}}, nil,
			"Set by an environment variable, which takes precedence over a value stored here", false},
		{"keychain failure", []localapi.SecretState{{Name: "graph", Error: "keychain locked"}}, nil, "Not stored yet", true},
		{"service unreachable", nil, errors.New("connection refused"),
			"Could not ask the service whether it is stored: connection refused", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newConnectorTestScreen(t, &fakeConnectorBackend{secrets: tt.states, statusErr: tt.statusErr})
			if s.graph.state.Text != tt.wantGraph {
				t.Errorf("state %q, want %q", s.graph.state.Text, tt.wantGraph)
			}
			if s.graph.entry.Visible() != tt.wantEntry {
				t.Errorf("entry visible %v, want %v", s.graph.entry.Visible(), tt.wantEntry)
			}
			for _, st := range tt.states {
				if st.Error != "" && (!s.graph.errLabel.Visible() || s.graph.errLabel.Text != st.Error) {
					t.Errorf("keychain error %q not shown (got %q)", st.Error, s.graph.errLabel.Text)
				}
			}
		})
	}
}

func TestConnectorStoreSecret(t *testing.T) {
	tests := []struct {
		name  string
		pick  func(*connectorScreen) *connectorSecret
		value string
	}{
		{"graph", func(s *connectorScreen) *connectorSecret { return s.graph }, "Zx8Q~new-secret-value"},
		{"onecloud", func(s *connectorScreen) *connectorSecret { return s.onecloud }, "oc-token-42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeConnectorBackend{}
			s, ed, waits := newConnectorTestScreen(t, f)
			before := ed.Draft()
			sec := tt.pick(s)

			test.Tap(sec.store) // nothing typed yet
			if len(f.setCalls) != 0 || !sec.errLabel.Visible() {
				t.Fatalf("Store with an empty entry: calls %v, error shown %v", f.setCalls, sec.errLabel.Visible())
			}

			other := s.onecloud
			if sec == s.onecloud {
				other = s.graph
			}
			test.Type(other.entry, "half typed")

			test.Type(sec.entry, tt.value)
			test.Tap(sec.store)
			if err := <-waits.secretStored; err != nil {
				t.Fatal(err)
			}

			f.mu.Lock()
			calls := slices.Clone(f.setCalls)
			f.mu.Unlock()
			if want := []string{tt.name + "=" + tt.value}; !slices.Equal(calls, want) {
				t.Errorf("SetSecret calls %q, want %q", calls, want)
			}
			if sec.entry.Text != "" || sec.entry.Visible() {
				t.Errorf("after storing: entry text %q, visible %v; want cleared and hidden", sec.entry.Text, sec.entry.Visible())
			}
			if sec.state.Text != "Stored in the system keychain" || sec.errLabel.Visible() {
				t.Errorf("after storing: state %q, error %q", sec.state.Text, sec.errLabel.Text)
			}
			if other.entry.Text != "half typed" || !other.entry.Visible() || len(calls) != 1 {
				t.Errorf("storing %s disturbed the other secret's entry: %q", tt.name, other.entry.Text)
			}
			// A secret is not part of the configuration.
			if f.putCount() != 0 || ed.Dirty() {
				t.Errorf("storing a secret touched the configuration: puts %d, dirty %v", f.putCount(), ed.Dirty())
			}
			data, _ := config.Marshal(ed.Draft())
			if strings.Contains(string(data), tt.value) {
				t.Error("the secret ended up in the draft configuration")
			}
			if ed.Draft().Connector != before.Connector {
				t.Errorf("connector changed: %+v", ed.Draft().Connector)
			}
		})
	}
}

func TestConnectorSaveShowsServiceErrorsAndKeepsDraft(t *testing.T) {
	f := &fakeConnectorBackend{}
	s, ed, waits := newConnectorTestScreen(t, f)
	f.putErr = &localapi.ValidationError{Fields: []localapi.FieldError{
		{Field: "connector.tenantId", Message: "tenant not found in Entra ID"},
		{Field: "rules[0].activity", Message: `"meeting" is not a OneCloud activity`},
	}}

	name := s.field("connector.name")
	connectorSetText(name.entry, "Sales calendars")
	test.Tap(s.save)
	if err := <-waits.saved; err == nil {
		t.Fatal("save succeeded")
	}

	tenant := s.field("connector.tenantId")
	if !tenant.errLabel.Visible() || tenant.errLabel.Text != "tenant not found in Entra ID" {
		t.Errorf("tenant message %q (visible %v)", tenant.errLabel.Text, tenant.errLabel.Visible())
	}
	if !s.otherErrs.Visible() || !strings.Contains(s.otherErrs.Text, `rules[0].activity: "meeting" is not a OneCloud activity`) {
		t.Errorf("errors of other screens: %q (visible %v)", s.otherErrs.Text, s.otherErrs.Visible())
	}
	if !strings.HasPrefix(s.saveStatus.Text, "Not saved") {
		t.Errorf("save status %q", s.saveStatus.Text)
	}
	if got := ed.Draft().Connector.Name; got != "Sales calendars" || name.entry.Text != "Sales calendars" || !ed.Dirty() {
		t.Errorf("draft name %q, entry %q, dirty %v: the typed value was lost", got, name.entry.Text, ed.Dirty())
	}
	if !s.testNote.Visible() {
		t.Error("no note that the connection test uses the saved configuration")
	}

	// Editing the field the service refused clears its message.
	connectorSetText(tenant.entry, "contoso.onmicrosoft.com")
	if tenant.errLabel.Visible() {
		t.Errorf("message %q stays after editing the field", tenant.errLabel.Text)
	}

	// Now the service accepts it.
	f.mu.Lock()
	f.putErr = nil
	f.mu.Unlock()
	test.Tap(s.save)
	if err := <-waits.saved; err != nil {
		t.Fatal(err)
	}
	saved, err := config.Decode(f.config)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Connector.Name != "Sales calendars" || saved.Connector.TenantID != "contoso.onmicrosoft.com" {
		t.Errorf("service got connector %+v", saved.Connector)
	}
	if s.saveStatus.Text != "Saved." || s.otherErrs.Visible() || ed.Dirty() || s.testNote.Visible() {
		t.Errorf("after save: status %q, other errors shown %v, dirty %v", s.saveStatus.Text, s.otherErrs.Visible(), ed.Dirty())
	}
}

func TestConnectorSaveTransportError(t *testing.T) {
	f := &fakeConnectorBackend{}
	s, ed, waits := newConnectorTestScreen(t, f)
	f.putErr = errors.New("the service is not running")
	connectorSetText(s.field("connector.name").entry, "X")
	test.Tap(s.save)
	<-waits.saved
	if !strings.Contains(s.saveStatus.Text, "the service is not running") || !s.saveStatus.Visible() {
		t.Errorf("save status %q", s.saveStatus.Text)
	}
	if ed.Draft().Connector.Name != "X" {
		t.Error("draft lost")
	}
}

func TestConnectorRevert(t *testing.T) {
	test.NewTempApp(t)
	f := &fakeConnectorBackend{}
	ed := connectorTestEditor(t, f)
	waits, hooks := newConnectorWaits()
	reverted := make(chan error, 1)
	hooks.reverted = func(err error) { reverted <- err }
	s := newConnectorScreen(test.NewTempWindow(t, widget.NewLabel("")), f, ed, hooks)
	s.refreshSecrets()
	<-waits.secretsShown

	tenant := s.field("connector.tenantId")
	connectorSetText(tenant.entry, "bad tenant")
	test.Tap(s.revert)
	if err := <-reverted; err != nil {
		t.Fatal(err)
	}
	if tenant.entry.Text != "11111111-2222-3333-4444-555555555555" || tenant.errLabel.Visible() || ed.Dirty() {
		t.Errorf("after Revert: entry %q, message shown %v, dirty %v", tenant.entry.Text, tenant.errLabel.Visible(), ed.Dirty())
	}
}

func TestConnectorTestConnectionShowsSteps(t *testing.T) {
	f := &fakeConnectorBackend{
		steps: []localapi.CheckStep{
			{Name: "Configuration is valid", OK: true},
			{Name: "Client secret expiry", OK: true, Detail: "the client secret expires on 2026-12-10",
				Remedy: "Create a new client secret before then."},
			{Name: "Access token obtained from Entra ID", OK: false,
				Detail: "AADSTS7000215: Invalid client secret provided.",
				Remedy: "Copy the Value of the client secret, not its Secret ID, and store it again."},
		},
		testStarted: make(chan struct{}),
		testRelease: make(chan struct{}),
	}
	s, _, waits := newConnectorTestScreen(t, f)

	test.Tap(s.testButton)
	<-f.testStarted
	if !s.testProgress.Visible() || !s.testButton.Disabled() {
		t.Errorf("while running: progress visible %v, button disabled %v", s.testProgress.Visible(), s.testButton.Disabled())
	}
	close(f.testRelease)
	<-waits.tested

	if s.testProgress.Visible() || s.testButton.Disabled() {
		t.Error("progress still shown after the test")
	}
	if len(s.testRows) != 3 || len(s.testSteps.Objects) != 3 {
		t.Fatalf("%d rows, %d objects; want 3", len(s.testRows), len(s.testSteps.Objects))
	}
	wantIcons := []string{
		theme.NewSuccessThemedResource(theme.ConfirmIcon()).Name(),
		theme.NewWarningThemedResource(theme.WarningIcon()).Name(),
		theme.NewErrorThemedResource(theme.ErrorIcon()).Name(),
	}
	for i, row := range s.testRows {
		if got := row.icon.Resource.Name(); got != wantIcons[i] {
			t.Errorf("step %d icon %q, want %q", i, got, wantIcons[i])
		}
		if row.name.Text != f.steps[i].Name {
			t.Errorf("step %d name %q", i, row.name.Text)
		}
		if row.detail.Visible() != (f.steps[i].Detail != "") || row.detail.Text != f.steps[i].Detail {
			t.Errorf("step %d detail %q (visible %v)", i, row.detail.Text, row.detail.Visible())
		}
		if row.detail.Wrapping != fyne.TextWrapWord || row.remedy.Wrapping != fyne.TextWrapWord {
			t.Errorf("step %d: detail and remedy must wrap", i)
		}
	}
	texts := visibleTexts(s.testSteps)
	for _, want := range []string{
		"AADSTS7000215: Invalid client secret provided.",
		"What to do: Copy the Value of the client secret, not its Secret ID, and store it again.",
		"What to do: Create a new client secret before then.",
	} {
		if !slices.Contains(texts, want) {
			t.Errorf("%q not on screen; have %q", want, texts)
		}
	}
	if s.testRows[0].remedy.Visible() {
		t.Error("a passed step shows a remedy line")
	}
}

func TestConnectorTestConnectionError(t *testing.T) {
	f := &fakeConnectorBackend{testErr: errors.New("the service is not running")}
	s, _, waits := newConnectorTestScreen(t, f)
	test.Tap(s.testButton)
	<-waits.tested
	if !s.testErr.Visible() || !strings.Contains(s.testErr.Text, "the service is not running") {
		t.Errorf("error %q (visible %v)", s.testErr.Text, s.testErr.Visible())
	}
	if len(s.testRows) != 0 {
		t.Errorf("%d rows", len(s.testRows))
	}
}

func TestConnectorFixedFields(t *testing.T) {
	s, _, _ := newConnectorTestScreen(t, &fakeConnectorBackend{})
	texts := visibleTexts(s.content)
	for _, want := range []string{
		"Name", "Connector type", "Exchange Office 365", "Authentication method", "OAuth2.0",
		"Synchronization user ID", "Client secret", "Application (client) ID", "Directory (tenant) ID",
		"Client secret expiry date", "OneCloud API URL", "OneCloud API token", "Test connection",
	} {
		if !slices.Contains(texts, want) {
			t.Errorf("%q not on screen", want)
		}
	}
}

// TestConnectorTicketExpiry: the OneCloud token is stored with the ticket's
// expiry date, which goes into the configuration (never the keychain); a bad
// date stores nothing and keeps what was typed.
func TestConnectorTicketExpiry(t *testing.T) {
	f := &fakeConnectorBackend{}
	s, ed, waits := newConnectorTestScreen(t, f)
	sec := s.onecloud
	if sec.expires == nil || !sec.expires.Visible() || s.graph.expires != nil {
		t.Fatal("the OneCloud token has no expiry date entry (or the Graph secret has one)")
	}
	const token = "oc-ticket-token-42"
	now := time.Now()
	for _, tc := range []struct{ date, want string }{
		{"2027-02-30", `"2027-02-30" is not a date`},
		{now.AddDate(0, 0, -1).Format("2006-01-02"), "is in the past"},
		{now.AddDate(6, 0, 0).Format("2006-01-02"), "more than 5 years ahead"},
	} {
		connectorSetText(sec.entry, token)
		connectorSetText(sec.expires, tc.date)
		test.Tap(sec.store)
		if !sec.errLabel.Visible() || !strings.Contains(sec.errLabel.Text, "Ticket expiry date: ") ||
			!strings.Contains(sec.errLabel.Text, tc.want) || !strings.Contains(sec.errLabel.Text, "Nothing was stored.") {
			t.Errorf("%s: error %q", tc.date, sec.errLabel.Text)
		}
		f.mu.Lock()
		calls := len(f.setCalls)
		f.mu.Unlock()
		if calls != 0 || f.putCount() != 0 || ed.Dirty() {
			t.Fatalf("%s stored something: %d SetSecret, %d PutConfig, dirty %v", tc.date, calls, f.putCount(), ed.Dirty())
		}
		if sec.entry.Text != token || sec.expires.Text != tc.date {
			t.Errorf("%s: what was typed is lost: %q %q", tc.date, sec.entry.Text, sec.expires.Text)
		}
	}

	date := now.AddDate(1, 0, 0).Format("2006-01-02")
	connectorSetText(sec.expires, date)
	test.Tap(sec.store)
	if err := <-waits.secretStored; err != nil {
		t.Fatal(err)
	}
	if err := <-waits.saved; err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	calls, saved := slices.Clone(f.setCalls), f.config
	f.mu.Unlock()
	if !slices.Equal(calls, []string{"onecloud=" + token}) {
		t.Errorf("SetSecret calls %q", calls)
	}
	cfg, err := config.Decode(saved)
	if err != nil || cfg.OneCloud.TokenExpires != date {
		t.Fatalf("saved configuration %+v, %v", cfg, err)
	}
	if strings.Contains(string(saved), token) {
		t.Error("the token is in the configuration")
	}
	if want := "Stored in the system keychain; the ticket expires on " + date; sec.state.Text != want || sec.expires.Visible() {
		t.Errorf("state %q (want %q), date entry visible %v", sec.state.Text, want, sec.expires.Visible())
	}
	if ed.Dirty() {
		t.Error("draft dirty after the date was saved")
	}
}
