package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// editFlow is the Save / Revert flow every screen that edits the draft shares (connector,
// rules, users): the call to the service runs in the background, bounded by callTimeout, with
// Save and Revert disabled meanwhile; a save refused for want of administrator rights goes to
// the admin notice; then the buttons come back (Save only where this user may write) and the
// screen shows the outcome its own way. The widgets are the screen's.
type editFlow struct {
	ed           *configEditor
	admin        *adminNotice
	save, revert *widget.Button
	message      *widget.Label // the outcome line below the buttons
	// relayout, if set, lays the screen out again once "Saving..." shows, before the call
	// starts: afterwards the UI goroutine belongs to the call's outcome.
	relayout func()
}

// show puts text on the message line with the given importance.
func (f editFlow) show(text string, imp widget.Importance) {
	f.message.Importance = imp
	f.message.SetText(text)
	f.message.Show()
}

// saveDraft sends the draft to the service and then, on the UI goroutine, calls done with the
// result; needsAdmin says the admin notice has taken the refusal (the screen says only that it
// did not save).
func (f editFlow) saveDraft(done func(err error, needsAdmin bool)) {
	f.show(lang.L("Saving..."), widget.MediumImportance)
	if f.relayout != nil {
		f.relayout()
	}
	f.call(f.ed.Save, func(err error) bool { return f.admin.Check(err) }, done)
}

// revertDraft drops the edits, reloads the service's configuration and then, on the UI
// goroutine, calls done with the result.
func (f editFlow) revertDraft(done func(err error)) {
	f.call(f.ed.Revert, nil, func(err error, _ bool) { done(err) })
}

// revertAndShow is Revert for a screen that shows its outcome on the message line: a good reload calls
// reloaded, a failed one says so; then the screen is laid out again and done, if set, sees the
// result. All on the UI goroutine.
func (f editFlow) revertAndShow(reloaded func(), done func(err error)) {
	f.revertDraft(func(err error) {
		if err != nil {
			f.show(lang.L("Could not reload the configuration:")+" "+err.Error(), widget.DangerImportance)
		} else {
			reloaded()
		}
		if f.relayout != nil {
			f.relayout()
		}
		if done != nil {
			done(err)
		}
	})
}

// call runs op off the UI goroutine; check, if set, sees its error first on the UI goroutine.
func (f editFlow) call(op func(context.Context) error, check func(error) bool, done func(err error, needsAdmin bool)) {
	f.save.Disable()
	f.revert.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		err := op(ctx)
		fyne.Do(func() {
			needsAdmin := check != nil && check(err)
			f.revert.Enable()
			if !f.admin.ReadOnly() { // a save that went through has cleared it
				f.save.Enable()
			}
			done(err, needsAdmin)
		})
	}()
}
