package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/localapi"
)

func TestStatusColumnFit(t *testing.T) {
	tests := []struct {
		name           string
		natural, least []float32
		avail          float32
		want           []float32
	}{
		{"all fit: the spare goes to the last", []float32{100, 200, 50}, []float32{50, 80, 40}, 400, []float32{100, 200, 100}},
		{"exact fit", []float32{100, 200}, []float32{50, 50}, 300, []float32{100, 200}},
		{"the wide column gives way", []float32{100, 400, 100}, []float32{60, 120, 60}, 400, []float32{100, 200, 100}},
		{"two wide ones share", []float32{80, 400, 400}, []float32{60, 100, 100}, 480, []float32{80, 200, 200}},
		{"a column never below its least", []float32{100, 400, 400}, []float32{100, 300, 100}, 500, []float32{100, 300, 100}},
		{"least wider than the share settles first", []float32{150, 150, 400}, []float32{140, 60, 60}, 360, []float32{140, 110, 110}},
		{"least of all wider than avail: table scrolls", []float32{300, 300}, []float32{250, 250}, 400, []float32{250, 250}},
		{"fractional share rounds down", []float32{200, 200, 200}, []float32{10, 10, 10}, 100, []float32{33, 33, 33}},
		{"no columns", nil, nil, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := statusColumnFit(tt.natural, tt.least, tt.avail)
			if !slices.Equal(got, tt.want) {
				t.Errorf("statusColumnFit(%v, %v, %v) = %v, want %v", tt.natural, tt.least, tt.avail, got, tt.want)
			}
		})
	}
}

// statusDemoOffice is the demo's office as the Status tab shows it, with every time on another
// day (so each carries its date, the longest form) and the demo's one failing user.
func statusDemoOffice() localapi.Status {
	at := func(day, hour, minute int) time.Time { return time.Date(2030, 1, day, hour, minute, 0, 0, time.Local) }
	office := func(activity string, until time.Time) localapi.Presence {
		return localapi.Presence{Activity: activity, Role: "office", Until: until}
	}
	return localapi.Status{
		State: localapi.StateDegraded,
		Users: []localapi.UserStatus{
			{OneCloudUser: "1001", Name: "Mario Rossi", Mailbox: "mario.rossi@contoso.it", Current: office("meeting", at(7, 10, 30)),
				Calendar: "busy", NextChange: at(7, 10, 30), NextActivity: "available"},
			{OneCloudUser: "1002", Name: "Giulia Bianchi", Mailbox: "giulia.bianchi@contoso.it", Current: office("available", time.Time{}),
				Calendar: "no event", NextChange: at(7, 11, 0), NextActivity: "meeting"},
			{OneCloudUser: "1003", Name: "Luca Verdi", Mailbox: "luca.verdi@contoso.it", Current: office("lunch", at(7, 13, 30)),
				Calendar: "free", NextChange: at(7, 13, 30), NextActivity: "available"},
			{OneCloudUser: "1004", Name: "Anna Neri", Mailbox: "anna.neri@contoso.it", Current: office("busy", at(7, 15, 45)),
				Calendar: "busy (private)", NextChange: at(7, 15, 45), NextActivity: "available"},
			{OneCloudUser: "1005", Name: "Paolo Russo", Mailbox: "paolo.russo@contoso.it", Current: office("vacation", at(14, 0, 0)),
				Calendar: "oof"},
			{OneCloudUser: "1006", Name: "Sara Conti", Mailbox: "sara.conti@contoso.it",
				LastError: "sara.conti@contoso.it: mailbox not found (5009): Unable to resolve e-mail address sara.conti@contoso.it to an Active Directory object."},
		},
	}
}

// TestStatusTableReadableAtDefaultSize opens the Status tab among the window's tabs at the
// default window size, in English and Italian, and reads every cell the table draws: each shows
// its whole text (no ellipsis, no word cut in two, every line inside the cell) and lies inside
// the table's width, so no column needs sideways scrolling. The column widths and row heights
// are compared with testdata/status-table-<language>.txt.
func TestStatusTableReadableAtDefaultSize(t *testing.T) {
	for _, language := range []string{"en", "it"} {
		t.Run(language, func(t *testing.T) {
			goldenSetup(t)
			statusUseLanguage(t, language)
			s := newStatusScreen(newFakeStatusBackend(statusDemoOffice()))
			loaded := make(chan error, 4)
			s.OnLoaded = func(_ localapi.Status, err error) { loaded <- err }
			tabs := container.NewAppTabs(
				container.NewTabItem(lang.L("Status"), s),
				container.NewTabItem(lang.L("Connector"), widget.NewLabel("")),
			)
			w := test.NewTempWindow(t, tabs)
			w.Resize(defaultWindowSize())
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			s.Start(ctx)
			if err := goldenWait(t, loaded, "the status load"); err != nil {
				t.Fatalf("status load: %v", err)
			}

			texts := map[string]bool{} // every non-empty cell, true once read
			for _, row := range s.cellTexts() {
				for _, c := range row {
					if c != "" {
						texts[c] = false
					}
				}
			}
			d := fyne.CurrentApp().Driver()
			read := func() {
				w.Canvas().Capture() // a frame drawn: the table makes its cells as it draws them
				tableRight := d.AbsolutePositionForObject(s.table).X + s.table.Size().Width
				for _, o := range statusDrawn(s.table) {
					l, ok := o.(*widget.Label)
					if !ok || !l.Visible() {
						continue
					}
					if _, cell := texts[l.Text]; !cell {
						continue
					}
					texts[l.Text] = true
					if right := d.AbsolutePositionForObject(l).X + l.Size().Width; right > tableRight+0.5 {
						t.Errorf("cell %q ends at x=%.0f, past the table's right edge %.0f", l.Text, right, tableRight)
					}
					if min := l.MinSize(); min.Height > l.Size().Height+0.5 {
						t.Errorf("cell %q needs height %.0f, has %.0f", l.Text, min.Height, l.Size().Height)
					}
					var lines []string
					for _, lo := range statusDrawn(l) {
						if txt, ok := lo.(*canvas.Text); ok && txt.Text != "" {
							lines = append(lines, strings.TrimSpace(txt.Text))
						}
					}
					if got, want := strings.Join(lines, " "), strings.Join(strings.Fields(l.Text), " "); got != want {
						t.Errorf("cell %q drawn as %q", l.Text, lines)
					}
				}
			}
			read()
			s.table.ScrollToBottom() // the rows below, as the admin scrolls down to them
			read()
			for text, seen := range texts {
				if !seen {
					t.Errorf("cell %q never drawn", text)
				}
			}

			var golden strings.Builder
			fmt.Fprintf(&golden, "table width %.0f\ncolumn widths %v\nrow heights %v\n", s.table.Size().Width, s.fit.widths, s.fit.heights)
			statusCompareGolden(t, "status-table-"+language+".txt", golden.String())
		})
	}
}

// statusDrawn is o and every object drawn inside it, as laid out now.
func statusDrawn(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	var children []fyne.CanvasObject
	switch o := o.(type) {
	case *fyne.Container:
		children = o.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(o).Objects()
	}
	for _, c := range children {
		out = append(out, statusDrawn(c)...)
	}
	return out
}

// statusUseLanguage switches Fyne's translations to language through the environment, as the
// OS locale does, and back to the environment's own afterwards.
func statusUseLanguage(t *testing.T, language string) {
	t.Helper()
	t.Cleanup(func() {
		if err := loadTranslations(); err != nil {
			t.Error(err)
		}
	})
	t.Setenv("LANGUAGE", language)
	t.Setenv("LC_ALL", map[string]string{"en": "en_US.UTF-8", "it": "it_IT.UTF-8"}[language])
	if err := loadTranslations(); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"en": "Sync now", "it": "Sincronizza ora"}[language]; lang.L("Sync now") != want {
		t.Skipf("Fyne did not switch to %s here", language)
	}
}

// statusCompareGolden compares got with testdata/name; on a mismatch it writes got to
// testdata/failed/name, like Fyne's markup assertions, to review and copy over.
func statusCompareGolden(t *testing.T, name, got string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", name))
	if err == nil && string(want) == got {
		return
	}
	failed := filepath.Join("testdata", "failed", name)
	if err := os.MkdirAll(filepath.Dir(failed), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(failed, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("testdata/%s differs from what the table laid out (written to %s):\n%s", name, failed, got)
}
