package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

type appFakeService struct{}

func (appFakeService) State(context.Context) (string, error)      { return ServiceRunning, nil }
func (appFakeService) Do(context.Context, string) (string, error) { return "ok", nil }

// appLightWindow builds the window with placeholder screens: these tests are
// about the window's own logic, and the real screens start goroutines that
// the test driver would run beside the test.
func appLightWindow(w fyne.Window, opts Options) (*mainWindow, *bool) {
	placeholder := func(fyne.Window, localapi.Backend, *configEditor) fyne.CanvasObject { return widget.NewLabel("screen") }
	finished := new(bool)
	mw := newWindow(w, opts, windowScreens{
		connector: placeholder, rules: placeholder, users: placeholder,
		wizard: func(_ fyne.Window, _ localapi.Backend, _ *configEditor, done func()) fyne.CanvasObject {
			return widget.NewButton("finish", func() { *finished = true; done() })
		},
		service: func(fyne.Window, ServiceControl, func()) fyne.CanvasObject { return widget.NewLabel("service") },
	})
	return mw, finished
}

func appWaitReady(t *testing.T, ready <-chan struct{}) {
	t.Helper()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the configuration was never loaded")
	}
}

// The window has its five tabs; once the service answers, the editor holds
// its configuration, and a configured connector shows no wizard.
func TestWindowLoadsConfigWhenServiceAnswers(t *testing.T) {
	test.NewTempApp(t)
	if err := loadTranslations(); err != nil {
		t.Fatalf("loadTranslations: %v", err)
	}
	cfg := config.Default()
	cfg.Connector = config.Connector{TenantID: "contoso.onmicrosoft.com", ClientID: "3b9c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", SyncUser: "monitor@contoso.com"}
	cfg.Users = []config.User{{OneCloudUser: "1001", Mailbox: "mario@contoso.com", Enabled: true}}
	data, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	mw, _ := appLightWindow(w, Options{Backend: &fakeRulesBackend{config: data}, Service: appFakeService{}})
	w.SetContent(mw.Content())
	if got := len(mw.Tabs.Items); got != 2 {
		t.Fatalf("tabs before the service answers = %d, want Status and Service", got)
	}
	ready := make(chan struct{}, 1)
	mw.OnReady = func() { ready <- struct{}{} }
	mw.Observe(localapi.Status{}, context.DeadlineExceeded) // service not answering: nothing loads
	mw.Observe(localapi.Status{State: localapi.StateOK}, nil)
	appWaitReady(t, ready)
	if got := mw.Editor.Draft(); len(got.Users) != 1 || got.Connector.SyncUser != "monitor@contoso.com" {
		t.Fatalf("editor draft = %+v", got)
	}
	if w.Content() != mw.Tabs {
		t.Fatal("a configured connector must not open the first-run wizard")
	}
	var titles []string
	for _, it := range mw.Tabs.Items {
		titles = append(titles, it.Text)
	}
	if want := []string{"Status", "Connector", "Rules", "Users", "Service"}; !slices.Equal(titles, want) {
		t.Fatalf("tabs = %v, want %v", titles, want)
	}
}

// A connector never set up opens the first-run wizard in place of the tabs.
func TestWindowOpensWizardOnFirstRun(t *testing.T) {
	test.NewTempApp(t)
	data, err := config.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	mw, finished := appLightWindow(w, Options{Backend: &fakeRulesBackend{config: data}})
	w.SetContent(mw.Content())
	if got := len(mw.Tabs.Items); got != 1 {
		t.Fatalf("tabs without a service control = %d, want Status only", got)
	}
	ready := make(chan struct{}, 1)
	mw.OnReady = func() { ready <- struct{}{} }
	mw.Observe(localapi.Status{State: localapi.StateError}, nil)
	appWaitReady(t, ready)
	if w.Content() == mw.Tabs || len(mw.Tabs.Items) != 1 {
		t.Fatal("first run did not open the wizard in place of the editing tabs")
	}
	test.Tap(w.Content().(*widget.Button))
	if !*finished || w.Content() != mw.Tabs || len(mw.Tabs.Items) != 4 {
		t.Fatalf("after the wizard: content is the tabs %v, %d tabs", w.Content() == mw.Tabs, len(mw.Tabs.Items))
	}
}
