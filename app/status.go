package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Backend is what the GUI needs from the engine. The local API client will implement it; tests
// use fakes.
type Backend interface {
	// Status reports the configuration and which secrets are available.
	Status(ctx context.Context) (Status, error)
}

// Status is the engine's view of its set-up.
type Status struct {
	ConfigPath   string   // the config file in use
	ConfigErrors []string // validation errors, one per bad field; empty when the config is valid
	Secrets      []SecretState
}

// SecretState says whether a secret is available and from where - never its value.
type SecretState struct {
	Name   string // "graph" (client secret) or "onecloud" (API token)
	Set    bool
	Source string // where it comes from, e.g. "keychain" or "environment"; empty when not set
}

// statusTimeout bounds one Status call so a hung service can't leave the screen loading forever.
const statusTimeout = 10 * time.Second

// StatusScreen shows the config path, whether the config is valid (with its errors), and which
// secrets are stored. It fetches on Reload, which its Refresh button also calls.
type StatusScreen struct {
	widget.BaseWidget

	// OnLoaded, if set, runs on the UI goroutine after each reload has been shown.
	OnLoaded func(Status, error)

	backend     Backend
	configPath  *widget.Label
	configState *widget.Label
	configErrs  *fyne.Container
	secrets     *fyne.Container
	loadErr     *widget.Label
	refresh     *widget.Button
}

// NewStatusScreen builds the status screen on b. It shows nothing fetched until Reload is called.
func NewStatusScreen(b Backend) *StatusScreen {
	s := &StatusScreen{
		backend:     b,
		configPath:  widget.NewLabel("-"),
		configState: widget.NewLabel("-"),
		configErrs:  container.NewVBox(),
		secrets:     container.NewVBox(),
		loadErr:     widget.NewLabel(""),
	}
	s.configPath.Wrapping = fyne.TextWrapBreak
	s.loadErr.Importance = widget.DangerImportance
	s.loadErr.Wrapping = fyne.TextWrapWord
	s.loadErr.Hide()
	s.refresh = widget.NewButton(lang.L("Refresh"), s.Reload)
	s.ExtendBaseWidget(s)
	return s
}

// CreateRenderer lays the screen out: the facts in a scrolling form, Refresh at the bottom.
func (s *StatusScreen) CreateRenderer() fyne.WidgetRenderer {
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Configuration file"), s.configPath),
		widget.NewFormItem(lang.L("Configuration"), container.NewVBox(s.configState, s.configErrs)),
		widget.NewFormItem(lang.L("Secrets"), s.secrets),
	)
	body := container.NewVScroll(container.NewVBox(form, s.loadErr))
	buttons := container.NewHBox(layout.NewSpacer(), s.refresh)
	return widget.NewSimpleRenderer(container.NewBorder(nil, buttons, nil, nil, body))
}

// Reload fetches the status in the background and shows it; call it on the UI goroutine.
// Refresh is disabled while a fetch is running.
func (s *StatusScreen) Reload() {
	s.refresh.Disable()
	s.configState.SetText(lang.L("Loading..."))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
		defer cancel()
		st, err := s.backend.Status(ctx)
		fyne.Do(func() {
			s.show(st, err)
			s.refresh.Enable()
			if s.OnLoaded != nil {
				s.OnLoaded(st, err)
			}
		})
	}()
}

func (s *StatusScreen) show(st Status, err error) {
	if err != nil {
		s.loadErr.SetText(lang.L("Could not read the status from the service") + ": " + err.Error())
		s.loadErr.Show()
		s.configState.Importance = widget.MediumImportance
		s.configState.SetText(lang.L("Unknown"))
		return
	}
	s.loadErr.Hide()

	path := st.ConfigPath
	if path == "" {
		path = lang.L("(none)")
	}
	s.configPath.SetText(path)

	if n := len(st.ConfigErrors); n == 0 {
		s.configState.SetText(lang.L("Valid"))
		s.configState.Importance = widget.SuccessImportance
	} else {
		s.configState.SetText(lang.L("Problems found: {{.Count}}", map[string]any{"Count": n}))
		s.configState.Importance = widget.DangerImportance
	}
	s.configState.Refresh()
	objs := make([]fyne.CanvasObject, 0, len(st.ConfigErrors))
	for _, e := range st.ConfigErrors {
		l := widget.NewLabel(e)
		l.Wrapping = fyne.TextWrapWord
		objs = append(objs, l)
	}
	s.configErrs.Objects = objs
	s.configErrs.Refresh()

	objs = make([]fyne.CanvasObject, 0, len(st.Secrets))
	for _, sec := range st.Secrets {
		l := widget.NewLabel(secretTitle(sec.Name) + ": " + secretStateText(sec))
		if !sec.Set {
			l.Importance = widget.WarningImportance
		}
		objs = append(objs, l)
	}
	s.secrets.Objects = objs
	s.secrets.Refresh()
}

// secretTitle names a secret as the admin knows it.
func secretTitle(name string) string {
	switch name {
	case "graph":
		return lang.L("Microsoft Graph client secret")
	case "onecloud":
		return lang.L("OneCloud API token")
	}
	return name
}

// secretStateText says where a secret is stored. Status carries no values, so none can leak here.
func secretStateText(s SecretState) string {
	switch {
	case !s.Set:
		return lang.L("not set")
	case s.Source == "keychain":
		return lang.L("stored in the system keychain")
	case s.Source == "environment":
		return lang.L("from an environment variable")
	case s.Source != "":
		return fmt.Sprintf("%s (%s)", lang.L("set"), s.Source)
	}
	return lang.L("set")
}
