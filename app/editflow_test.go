package app

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
)

// editFlowBackend holds PutConfig and Config until gate closes, so the test sees the buttons
// while the call runs.
type editFlowBackend struct {
	*fakeRulesBackend
	gate chan struct{}
}

func (b *editFlowBackend) PutConfig(ctx context.Context, data []byte) error {
	<-b.gate
	return b.fakeRulesBackend.PutConfig(ctx, data)
}

func (b *editFlowBackend) Config(ctx context.Context) ([]byte, error) {
	<-b.gate
	return b.fakeRulesBackend.Config(ctx)
}

// The shared Save / Revert flow: the buttons are off while the call runs and come back after
// it (Save only where this user may write), a refusal for want of rights goes to the admin
// notice, and the screen gets the outcome.
func TestEditFlow(t *testing.T) {
	tests := []struct {
		name         string
		revert       bool
		putErr       error
		readOnly     bool // the service said up front this user may only read
		wantAdmin    bool
		wantSaveOn   bool
		wantNoticeOn bool
	}{
		{name: "saved", wantSaveOn: true},
		{name: "saved clears read-only", readOnly: true, wantSaveOn: true},
		{name: "refused: needs administrator", putErr: adminReadOnlyErr(), wantAdmin: true, wantSaveOn: true, wantNoticeOn: true},
		{name: "refused, known read-only", putErr: adminReadOnlyErr(), readOnly: true, wantAdmin: true, wantNoticeOn: true},
		{name: "other error", putErr: errors.New("boom"), wantSaveOn: true},
		{name: "reverted", revert: true, wantSaveOn: true},
		{name: "reverted, read-only", revert: true, readOnly: true, wantNoticeOn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			data, err := config.Marshal(config.Default())
			if err != nil {
				t.Fatal(err)
			}
			fb := &fakeRulesBackend{config: data, putErr: tt.putErr}
			gb := &editFlowBackend{fakeRulesBackend: fb, gate: make(chan struct{})}
			close(gb.gate)
			ed := newConfigEditor(gb)
			if err := ed.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			gb.gate = make(chan struct{})
			f := editFlow{ed: ed, admin: newAdminNotice(nil), save: widget.NewButton("Save", nil),
				revert: widget.NewButton("Revert", nil), message: widget.NewLabel("")}
			if tt.readOnly {
				f.admin.ShowAccess(accessReader)
			}
			type outcome struct {
				err        error
				needsAdmin bool
			}
			done := make(chan outcome, 1)
			if tt.revert {
				f.revertDraft(func(err error) { done <- outcome{err: err} })
			} else {
				f.saveDraft(func(err error, needsAdmin bool) { done <- outcome{err, needsAdmin} })
				if f.message.Text != "Saving..." || !f.message.Visible() {
					t.Errorf("message while saving = %q (visible %v)", f.message.Text, f.message.Visible())
				}
			}
			if !f.save.Disabled() || !f.revert.Disabled() {
				t.Error("Save or Revert enabled while the call runs")
			}
			close(gb.gate)
			got := <-done
			if !errors.Is(got.err, tt.putErr) || got.needsAdmin != tt.wantAdmin {
				t.Errorf("outcome = %v, needs admin %v; want %v, %v", got.err, got.needsAdmin, tt.putErr, tt.wantAdmin)
			}
			if f.save.Disabled() == tt.wantSaveOn || f.revert.Disabled() {
				t.Errorf("after: save enabled %v (want %v), revert enabled %v", !f.save.Disabled(), tt.wantSaveOn, !f.revert.Disabled())
			}
			if f.admin.Visible() != tt.wantNoticeOn {
				t.Errorf("admin notice shown %v, want %v", f.admin.Visible(), tt.wantNoticeOn)
			}
			if want := 1; !tt.revert && len(fb.puts) != want {
				t.Errorf("%d puts, want %d", len(fb.puts), want)
			}
		})
	}
}
