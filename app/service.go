package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/service/action"
)

// ServiceControl installs and runs the calsync background service. State returns one of the
// ServiceNotInstalled, ServiceStopped or ServiceRunning strings; Do runs one of the action package's
// actions and returns a short message for the admin. The operating system asks for elevation
// where an action needs it.
type ServiceControl interface {
	State(ctx context.Context) (string, error)
	Do(ctx context.Context, action string) (string, error)
}

// Service states, as ServiceControl.State reports them.
const (
	ServiceNotInstalled = "not installed"
	ServiceStopped      = "stopped"
	ServiceRunning      = "running"
)

// serviceScreen is the Service tab: the background service's state, buttons to install, start,
// stop and uninstall it, and, while no service runs, the offer to run the sync in the window.
type serviceScreen struct {
	widget.BaseWidget

	win         fyne.Window
	ctl         ServiceControl
	runInWindow func()
	// onState, if set, runs on the UI goroutine after each state has been shown; tests wait on it.
	onState func(state string, err error)

	state       string // last state read; "" when unknown
	busy        bool
	inWindow    bool
	stateLabel  *widget.Label
	message     *widget.Label
	noService   *widget.Label
	install     *widget.Button
	start       *widget.Button
	stop        *widget.Button
	uninstall   *widget.Button
	refresh     *widget.Button
	runInWinBtn *widget.Button
}

// newServiceScreen builds the Service tab on ctl and reads the state in the background.
// onRunInWindow starts the engine inside the GUI; nil hides that offer. onState, if set, runs
// after each state has been shown (tests wait on it).
func newServiceScreen(w fyne.Window, ctl ServiceControl, onRunInWindow func(), onState func(string, error)) *serviceScreen {
	s := &serviceScreen{
		win:         w,
		ctl:         ctl,
		runInWindow: onRunInWindow,
		onState:     onState,
		stateLabel:  widget.NewLabelWithStyle(lang.L("Checking..."), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		message:     widget.NewLabel(""),
		noService:   widget.NewLabel(lang.L("No background service is running. calsync can run the sync inside this window until one is installed.")),
	}
	s.message.Wrapping = fyne.TextWrapWord
	s.message.Hide()
	s.noService.Wrapping = fyne.TextWrapWord
	s.noService.Importance = widget.WarningImportance
	s.noService.Hide()
	s.install = widget.NewButton(lang.L("Install"), func() { s.run(action.Install) })
	s.start = widget.NewButton(lang.L("Start"), func() { s.run(action.Start) })
	s.stop = widget.NewButton(lang.L("Stop"), func() { s.run(action.Stop) })
	s.uninstall = widget.NewButton(lang.L("Uninstall"), s.confirmUninstall)
	s.refresh = widget.NewButton(lang.L("Check again"), s.Reload)
	s.runInWinBtn = widget.NewButton(lang.L("Run sync in this window"), s.startInWindow)
	s.runInWinBtn.Importance = widget.HighImportance
	s.runInWinBtn.Hide()
	s.updateButtons()
	s.ExtendBaseWidget(s)
	s.Reload()
	return s
}

// CreateRenderer lays out the tab.
func (s *serviceScreen) CreateRenderer() fyne.WidgetRenderer {
	intro := widget.NewLabel(lang.L("The background service syncs presence while nobody is signed in. Installing, starting, stopping and uninstalling it change the system, so your operating system may ask for an administrator's permission."))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem(lang.L("Background service"), s.stateLabel))
	buttons := container.NewHBox(s.install, s.start, s.stop, s.uninstall, s.refresh)
	body := container.NewVBox(intro, form, buttons, s.message, widget.NewSeparator(), s.noService, container.NewHBox(s.runInWinBtn))
	return widget.NewSimpleRenderer(container.NewVScroll(body))
}

// Reload reads the service's state in the background and shows it.
func (s *serviceScreen) Reload() {
	s.busy = true
	s.updateButtons()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		st, err := s.ctl.State(ctx)
		fyne.Do(func() {
			if err == nil {
				s.message.Hide()
			}
			s.showState(st, err)
		})
	}()
}

func (s *serviceScreen) showState(st string, err error) {
	s.busy = false
	if err != nil {
		s.state = ""
		s.stateLabel.SetText(lang.L("Unknown"))
		s.stateLabel.Importance = widget.DangerImportance
		s.message.SetText(lang.L("Could not read the service's state") + ": " + err.Error())
		s.message.Importance = widget.DangerImportance
		s.message.Show()
	} else {
		s.state = st
		s.stateLabel.SetText(serviceStateText(st))
		s.stateLabel.Importance = widget.MediumImportance
		if st == ServiceRunning {
			s.stateLabel.Importance = widget.SuccessImportance
		}
	}
	s.stateLabel.Refresh()
	s.updateButtons()
	if s.onState != nil {
		s.onState(st, err)
	}
}

func serviceStateText(st string) string {
	switch st {
	case ServiceNotInstalled:
		return lang.L("Not installed")
	case ServiceStopped:
		return lang.L("Installed, stopped")
	case ServiceRunning:
		return lang.L("Installed, running")
	}
	return st
}

// updateButtons enables what makes sense in the current state: Install when there is no
// service, Start when it is stopped, Stop when it runs, Uninstall when it exists. Nothing while
// an action or a state read is under way.
func (s *serviceScreen) updateButtons() {
	set := func(b *widget.Button, on bool) {
		if on && !s.busy {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	set(s.install, s.state == ServiceNotInstalled)
	set(s.start, s.state == ServiceStopped)
	set(s.stop, s.state == ServiceRunning)
	set(s.uninstall, s.state == ServiceStopped || s.state == ServiceRunning)
	set(s.refresh, true)

	if s.state != ServiceRunning && !s.busy {
		s.noService.Show()
		if s.runInWindow != nil {
			s.runInWinBtn.Show()
			set(s.runInWinBtn, !s.inWindow)
		}
	} else {
		s.noService.Hide()
		s.runInWinBtn.Hide()
	}
	if s.inWindow {
		s.noService.SetText(lang.L("The sync runs inside this window. It stops when you quit calsync; install the background service to keep it running."))
	}
}

func (s *serviceScreen) confirmUninstall() {
	if s.win == nil {
		s.run(action.Uninstall)
		return
	}
	d := dialog.NewConfirm(lang.L("Uninstall the background service?"),
		lang.L("Presence is not synced any more until the service is installed again or the sync runs in this window. The configuration is kept."),
		func(ok bool) {
			if ok {
				s.run(action.Uninstall)
			}
		}, s.win)
	d.SetConfirmText(lang.L("Uninstall"))
	d.SetDismissText(lang.L("Cancel"))
	d.Show()
}

// run performs the action act in the background, shows its outcome and reads the state again.
func (s *serviceScreen) run(act string) {
	s.busy = true
	s.updateButtons()
	s.message.Importance = widget.MediumImportance
	s.message.SetText(serviceProgressText(act))
	s.message.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), outsideTimeout) // may wait for an elevation prompt
		defer cancel()
		msg, err := s.ctl.Do(ctx, act)
		st, stErr := s.ctl.State(ctx)
		fyne.Do(func() {
			if err != nil {
				s.message.Importance = widget.DangerImportance
				s.message.SetText(serviceFailureText(act) + ": " + err.Error())
			} else {
				if msg == "" {
					msg = lang.L("Done.")
				}
				s.message.Importance = widget.SuccessImportance
				s.message.SetText(msg)
			}
			s.message.Refresh()
			s.showState(st, stErr)
		})
	}()
}

func serviceProgressText(act string) string {
	switch act {
	case action.Install:
		return lang.L("Installing the service... Your operating system may ask for permission.")
	case action.Uninstall:
		return lang.L("Uninstalling the service... Your operating system may ask for permission.")
	case action.Start:
		return lang.L("Starting the service...")
	case action.Stop:
		return lang.L("Stopping the service...")
	}
	return act + "..."
}

func serviceFailureText(act string) string {
	switch act {
	case action.Install:
		return lang.L("Could not install the service")
	case action.Uninstall:
		return lang.L("Could not uninstall the service")
	case action.Start:
		return lang.L("Could not start the service")
	case action.Stop:
		return lang.L("Could not stop the service")
	}
	return act
}

func (s *serviceScreen) startInWindow() {
	if s.runInWindow == nil || s.inWindow {
		return
	}
	s.inWindow = true
	s.runInWindow()
	s.updateButtons()
}
