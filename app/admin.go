package app

import (
	"errors"
	"net/http"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/localapi"
)

// NeedsAdminRights reports whether err is the service refusing a change because this user may
// only read (403 read_only: on Windows, a GUI running without elevation), or the OS refusing
// the connection to the service altogether.
func NeedsAdminRights(err error) bool {
	var ae *localapi.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Code == localapi.CodeReadOnly {
		return true
	}
	return errors.Is(err, localapi.ErrAccessDenied)
}

// adminRightsMessage is the notice's message, for screens that also say it inline.
func adminRightsMessage() string { return lang.L("Changing settings needs administrator rights") }

// AdminNotice says plainly that changing settings needs administrator rights and, where the OS
// can (Windows), offers to restart the GUI as administrator. It stays hidden until Check sees a
// refusal. It never touches a screen's draft: what the admin typed stays for after the restart
// is refused, or for Save once the rights are there.
type AdminNotice struct {
	widget.BaseWidget

	elevate func() error

	message *widget.Label
	restart *widget.Button
	failure *widget.Label
	box     *fyne.Container

	// OnElevateDone, if set, runs on the UI goroutine after the elevate function returned (tests).
	OnElevateDone func(error)
}

// NewAdminNotice returns a hidden notice; elevate restarts the GUI as administrator, nil when
// the OS offers no such thing (the button is then left out).
func NewAdminNotice(elevate func() error) *AdminNotice {
	n := &AdminNotice{
		message: widget.NewLabelWithStyle(adminRightsMessage(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		failure: widget.NewLabel(""),
	}
	n.message.Importance = widget.WarningImportance
	n.message.Wrapping = fyne.TextWrapWord
	n.failure.Importance = widget.DangerImportance
	n.failure.Wrapping = fyne.TextWrapWord
	n.failure.Hide()
	n.restart = widget.NewButtonWithIcon(lang.L("Restart as administrator"), theme.WarningIcon(), n.doElevate)
	n.box = container.NewVBox(n.message, container.NewHBox(n.restart), n.failure)
	n.SetElevate(elevate)
	n.ExtendBaseWidget(n)
	n.Hide()
	return n
}

// SetElevate changes the function behind Restart as administrator; nil hides the button.
func (n *AdminNotice) SetElevate(elevate func() error) {
	n.elevate = elevate
	if elevate == nil {
		n.restart.Hide()
	} else {
		n.restart.Show()
	}
}

// CreateRenderer shows the message, the button and an elevation failure.
func (n *AdminNotice) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(n.box)
}

// Check shows the notice when err needs administrator rights and reports whether it did; call
// it on the UI goroutine with the result of every change sent to the service. A success (nil)
// hides it; any other error leaves it as it is, for the screen to show its own way.
func (n *AdminNotice) Check(err error) bool {
	switch {
	case err == nil:
		n.Hide()
		return false
	case !NeedsAdminRights(err):
		return false
	}
	n.failure.Hide()
	n.Show()
	n.Refresh()
	return true
}

// doElevate runs the elevate function off the UI goroutine: on Windows the consent prompt
// blocks until answered. On success the caller's function quits this copy of the GUI.
func (n *AdminNotice) doElevate() {
	if n.elevate == nil {
		return
	}
	elevate := n.elevate
	n.restart.Disable()
	go func() {
		err := elevate()
		fyne.Do(func() {
			n.restart.Enable()
			if err != nil {
				n.failure.SetText(lang.L("Could not restart as administrator:") + " " + err.Error())
				n.failure.Show()
			} else {
				n.failure.Hide()
			}
			if n.OnElevateDone != nil {
				n.OnElevateDone(err)
			}
		})
	}()
}
