package app

import (
	"context"
	"errors"
	"net/http"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/localapi"
)

// needsAdminRights reports whether err is the service refusing a change because this user may
// only read (403 read_only: on Windows, a GUI running without elevation), or the OS refusing
// the connection to the service altogether.
func needsAdminRights(err error) bool {
	var ae *localapi.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Code == localapi.CodeReadOnly {
		return true
	}
	return errors.Is(err, localapi.ErrAccessDenied)
}

// adminRightsMessage is the notice's message, for screens that also say it inline.
func adminRightsMessage() string { return lang.L("Changing settings needs administrator rights") }

// adminReadOnlyMessage is the notice's message when the service said up front that this user
// may only read.
func adminReadOnlyMessage() string {
	return lang.L("You can look but not change: changing settings needs administrator rights")
}

// askAccess asks b what this user may do, when b can tell (a localapi.WhoAmIer: the service's
// client). ok is false when it cannot - an engine in this process, where the user may do
// everything - or the question failed (a service older than the question answers 404): the
// screens then learn from the first refused change, as before. Call it off the UI goroutine.
func askAccess(ctx context.Context, b localapi.Backend) (who localapi.Caller, ok bool) {
	w, can := b.(localapi.WhoAmIer)
	if !can {
		return localapi.Caller{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	who, err := w.WhoAmI(ctx)
	if err != nil {
		return localapi.Caller{}, false
	}
	return who, true
}

// adminNotice says plainly that changing settings needs administrator rights and, where the OS
// can (Windows), offers to restart the GUI as administrator. It stays hidden until Check sees a
// refusal. It never touches a screen's draft: what the admin typed stays for after the restart
// is refused, or for Save once the rights are there.
type adminNotice struct {
	widget.BaseWidget

	elevate func() error

	message *widget.Label
	restart *widget.Button
	failure *widget.Label
	box     *fyne.Container
	// readOnly is set once the service said this user may only read (ShowAccess); a change
	// that succeeds clears it.
	readOnly bool
	// accessDone is closed once CheckAccess has its answer shown (or had nothing to ask).
	accessDone chan struct{}

	// OnElevateDone, if set, runs on the UI goroutine after the elevate function returned (tests).
	OnElevateDone func(error)
}

// newAdminNotice returns a hidden notice; elevate restarts the GUI as administrator, nil when
// the OS offers no such thing (the button is then left out).
func newAdminNotice(elevate func() error) *adminNotice {
	n := &adminNotice{
		message:    widget.NewLabelWithStyle(adminRightsMessage(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		failure:    widget.NewLabel(""),
		accessDone: make(chan struct{}),
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
func (n *adminNotice) SetElevate(elevate func() error) {
	n.elevate = elevate
	if elevate == nil {
		n.restart.Hide()
	} else {
		n.restart.Show()
	}
}

// CreateRenderer shows the message, the button and an elevation failure.
func (n *adminNotice) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(n.box)
}

// Check shows the notice when err needs administrator rights and reports whether it did; call
// it on the UI goroutine with the result of every change sent to the service. A success (nil)
// hides it; any other error leaves it as it is, for the screen to show its own way.
func (n *adminNotice) Check(err error) bool {
	switch {
	case err == nil:
		// The change went through: whatever the service said before, this user may write.
		n.clear()
		return false
	case !needsAdminRights(err):
		return false
	}
	// Known read-only: the message up front says it already, and more plainly.
	n.failure.Hide()
	n.Show()
	n.Refresh()
	return true
}

// clear hides the notice and forgets any read-only answer: this user may write.
func (n *adminNotice) clear() {
	n.readOnly = false
	n.message.SetText(adminRightsMessage())
	n.Hide()
}

// ReadOnly reports whether the service said this user may only read; screens keep their Save
// disabled while it does. UI goroutine only.
func (n *adminNotice) ReadOnly() bool { return n.readOnly }

// ShowAccess shows what the service said this user may do (askAccess): when it may only read,
// the notice appears up front, before any change was tried, and ShowAccess returns true. When
// it may write, a notice shown for that reason goes. UI goroutine only.
func (n *adminNotice) ShowAccess(who localapi.Caller) bool {
	if who.CanWrite() {
		if n.readOnly {
			n.clear()
		}
		return false
	}
	n.readOnly = true
	n.message.SetText(adminReadOnlyMessage())
	n.failure.Hide()
	n.Show()
	n.Refresh()
	return true
}

// CheckAccess asks b in the background what this user may do and shows the answer
// (ShowAccess); then, if set, runs on the UI goroutine with whether the user may only read,
// for the screen to disable its Save. Nothing is asked of a backend that cannot tell. Call it
// (or checkAccess) once, when the screen is built.
func (n *adminNotice) CheckAccess(b localapi.Backend, then func(readOnly bool)) {
	if _, can := b.(localapi.WhoAmIer); !can {
		close(n.accessDone)
		return
	}
	go n.checkAccess(b, then)
}

// checkAccess is CheckAccess on the caller's goroutine (not the UI one), for a screen that
// already loads something in the background: one goroutine doing both in turn keeps their UI
// updates apart under the test driver, which runs fyne.Do on the calling goroutine.
func (n *adminNotice) checkAccess(b localapi.Backend, then func(readOnly bool)) {
	done := n.accessDone
	who, ok := askAccess(context.Background(), b)
	if !ok {
		close(done)
		return
	}
	fyne.Do(func() {
		defer close(done)
		ro := n.ShowAccess(who)
		if then != nil {
			then(ro)
		}
	})
}

// doElevate runs the elevate function off the UI goroutine: on Windows the consent prompt
// blocks until answered. On success the caller's function quits this copy of the GUI.
func (n *adminNotice) doElevate() {
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
