package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeBackend answers Status with fixed values. It also holds secret values, as the service
// does, to prove the screen has no way to show them.
type fakeBackend struct {
	status       Status
	err          error
	secretValues []string
}

func (f *fakeBackend) Status(context.Context) (Status, error) { return f.status, f.err }

// gatedBackend blocks in Status until released, to observe the screen while a fetch runs.
type gatedBackend struct {
	called  chan struct{}
	release chan struct{}
}

func (g *gatedBackend) Status(ctx context.Context) (Status, error) {
	close(g.called)
	select {
	case <-g.release:
		return Status{ConfigPath: "/etc/calsync/config.json"}, nil
	case <-ctx.Done():
		return Status{}, ctx.Err()
	}
}

// loadedScreen builds a status screen on b in a test window, taps Refresh, and waits until the
// result is shown. The OnLoaded callback orders the test after the background update.
func loadedScreen(t *testing.T, b Backend) *StatusScreen {
	t.Helper()
	test.NewTempApp(t)
	s := NewStatusScreen(b)
	loaded := make(chan struct{}, 1)
	s.OnLoaded = func(Status, error) { loaded <- struct{}{} }
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(600, 400))
	test.Tap(s.refresh)
	<-loaded
	return s
}

// visibleTexts is every string drawn for o: labels, buttons, entries and bare canvas text,
// skipping hidden subtrees. It walks the widgets' live renderers, so it sees what is on screen.
func visibleTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(obj fyne.CanvasObject) {
		if obj == nil || !obj.Visible() {
			return
		}
		switch v := obj.(type) {
		case *widget.Label:
			out = append(out, v.Text)
			return
		case *widget.Button:
			out = append(out, v.Text)
			return
		case *widget.Entry:
			out = append(out, v.Text)
			return
		case *canvas.Text:
			out = append(out, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func containsText(texts []string, want string) bool {
	return slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, want) })
}

func TestStatusScreenShowsBackendStatus(t *testing.T) {
	tests := []struct {
		name    string
		backend *fakeBackend
		want    []string
		notWant []string
	}{
		{
			name: "valid config, both secrets stored",
			backend: &fakeBackend{
				status: Status{
					ConfigPath: "/home/admin/.config/calsync/config.json",
					Secrets: []SecretState{
						{Name: "graph", Set: true, Source: "keychain"},
						{Name: "onecloud", Set: true, Source: "environment"},
					},
				},
				secretValues: []string{"Zx8Q~graph-client-secret-value", "oc-api-token-4711"},
			},
			want: []string{
				"/home/admin/.config/calsync/config.json",
				"Valid",
				"Microsoft Graph client secret: stored in the system keychain",
				"OneCloud API token: from an environment variable",
			},
			notWant: []string{"Zx8Q~graph-client-secret-value", "oc-api-token-4711", "Problems found"},
		},
		{
			name: "invalid config, a secret missing",
			backend: &fakeBackend{
				status: Status{
					ConfigPath: "C:\\ProgramData\\calsync\\config.json",
					ConfigErrors: []string{
						`rules[2].match: unknown availability "bussy"; expected one of free, tentative, busy, oof, workingElsewhere, unknown`,
						"sync.interval: 5s is under the 15s minimum",
					},
					Secrets: []SecretState{
						{Name: "graph", Set: false},
						{Name: "onecloud", Set: true, Source: "keychain"},
					},
				},
			},
			want: []string{
				"C:\\ProgramData\\calsync\\config.json",
				"Problems found: 2",
				`rules[2].match: unknown availability "bussy"`,
				"sync.interval: 5s is under the 15s minimum",
				"Microsoft Graph client secret: not set",
				"OneCloud API token: stored in the system keychain",
			},
			notWant: []string{"Valid"},
		},
		{
			name:    "no config file, unknown secret source",
			backend: &fakeBackend{status: Status{Secrets: []SecretState{{Name: "smtp", Set: true, Source: "file"}}}},
			want:    []string{"(none)", "smtp: set (file)"},
		},
		{
			name:    "service unreachable",
			backend: &fakeBackend{err: errors.New("dial unix /run/user/1000/calsync.sock: connect: no such file or directory")},
			want: []string{
				"Could not read the status from the service: dial unix /run/user/1000/calsync.sock",
				"Unknown",
			},
			notWant: []string{"Valid"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadedScreen(t, tt.backend)
			texts := visibleTexts(s)
			for _, w := range tt.want {
				if !containsText(texts, w) {
					t.Errorf("screen does not show %q; it shows %q", w, texts)
				}
			}
			for _, nw := range append(tt.notWant, tt.backend.secretValues...) {
				if containsText(texts, nw) {
					t.Errorf("screen shows %q; it must not", nw)
				}
			}
			if s.refresh.Disabled() {
				t.Error("Refresh stays disabled after the fetch")
			}
		})
	}
}

func TestStatusScreenHasNoSecretEntry(t *testing.T) {
	s := loadedScreen(t, &fakeBackend{status: Status{Secrets: []SecretState{{Name: "graph", Set: true, Source: "keychain"}}}})
	for _, obj := range test.LaidOutObjects(s) {
		if _, ok := obj.(*widget.Entry); ok {
			t.Fatal("the status screen has an entry; a stored secret must not be shown or editable here")
		}
	}
}

func TestStatusScreenReloadShowsNewData(t *testing.T) {
	b := &fakeBackend{status: Status{ConfigPath: "/first.json"}}
	s := loadedScreen(t, b)
	if !containsText(visibleTexts(s), "/first.json") {
		t.Fatal("first load not shown")
	}

	b.status = Status{ConfigPath: "/second.json", ConfigErrors: []string{"version: 9 is newer than this program (1)"}}
	loaded := make(chan struct{}, 1)
	s.OnLoaded = func(Status, error) { loaded <- struct{}{} }
	test.Tap(s.refresh)
	<-loaded

	texts := visibleTexts(s)
	for _, w := range []string{"/second.json", "Problems found: 1", "version: 9 is newer"} {
		if !containsText(texts, w) {
			t.Errorf("after Refresh the screen does not show %q; it shows %q", w, texts)
		}
	}
	if containsText(texts, "/first.json") {
		t.Error("after Refresh the screen still shows the old path")
	}

	// A failed refresh keeps the last good facts and adds the error; a later success clears it.
	b.err = errors.New("service stopped")
	test.Tap(s.refresh)
	<-loaded
	if texts := visibleTexts(s); !containsText(texts, "service stopped") {
		t.Errorf("failed refresh not reported; screen shows %q", texts)
	}
	b.err = nil
	test.Tap(s.refresh)
	<-loaded
	if texts := visibleTexts(s); containsText(texts, "service stopped") {
		t.Errorf("error still shown after a good refresh: %q", texts)
	}
}

func TestStatusScreenRefreshDisabledWhileLoading(t *testing.T) {
	test.NewTempApp(t)
	g := &gatedBackend{called: make(chan struct{}), release: make(chan struct{})}
	s := NewStatusScreen(g)
	loaded := make(chan struct{}, 1)
	s.OnLoaded = func(Status, error) { loaded <- struct{}{} }
	test.NewTempWindow(t, s)

	test.Tap(s.refresh)
	<-g.called
	if !s.refresh.Disabled() {
		t.Error("Refresh is enabled while a fetch runs")
	}
	if got := s.configState.Text; got != "Loading..." {
		t.Errorf("config state while loading = %q, want Loading...", got)
	}
	close(g.release)
	<-loaded
	if s.refresh.Disabled() {
		t.Error("Refresh still disabled after the fetch")
	}
}
