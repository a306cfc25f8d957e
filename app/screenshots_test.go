package app

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// screenshotsServiceControl is a machine where the service was never installed: the Service tab
// then offers to install it or to run the sync in the window.
type screenshotsServiceControl struct{}

func (screenshotsServiceControl) State(context.Context) (string, error) {
	return ServiceNotInstalled, nil
}
func (screenshotsServiceControl) Do(context.Context, string) (string, error) { return "", nil }

// TestScreenshots renders the screens the demo window never shows - the first-run wizard and
// the Service tab - with Fyne's software renderer in the dark theme, into the directory named by
// CALSYNC_SCREENSHOTS (make screenshots sets it). Without it the test is skipped.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("CALSYNC_SCREENSHOTS")
	if dir == "" {
		t.Skip("set CALSYNC_SCREENSHOTS to a directory to render the screenshots")
	}
	goldenSetup(t)
	if err := loadTranslations(); err != nil {
		t.Fatal(err)
	}
	test.ApplyTheme(t, theme.DarkTheme())
	size := defaultWindowSize()

	// The wizard's first page, as a first run shows it in place of the tabs.
	b := newGoldenBackend(t)
	ed := goldenEditor(t, b)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	shown := make(chan struct{}, 1)
	z := newFirstRunWizard(w, b, ed, func() {}, connectorHooks{secretsShown: func() { shown <- struct{}{} }})
	goldenWait(t, shown, "the secret status load")
	w.SetContent(z.content)
	// Tall enough for the whole page: the software renderer does not clip text inside a
	// scrolled entry the way the desktop driver does.
	w.Resize(fyne.NewSize(size.Width, 860))
	screenshotsWrite(t, w, filepath.Join(dir, "wizard.png"))

	// The Service tab, among the window's tabs, on a machine without the service.
	w = test.NewTempWindow(t, widget.NewLabel(""))
	states := make(chan string, 1)
	svc := newServiceScreen(w, screenshotsServiceControl{}, func() {}, func(st string, _ error) { states <- st })
	goldenWait(t, states, "the service state read")
	tabs := container.NewAppTabs(
		container.NewTabItem(lang.L("Status"), widget.NewLabel("")),
		container.NewTabItem(lang.L("Connector"), widget.NewLabel("")),
		container.NewTabItem(lang.L("Rules"), widget.NewLabel("")),
		container.NewTabItem(lang.L("Users"), widget.NewLabel("")),
		container.NewTabItem(lang.L("Service"), svc),
	)
	tabs.SelectIndex(4)
	w.SetContent(tabs)
	w.Resize(size)
	screenshotsWrite(t, w, filepath.Join(dir, "service.png"))
}

func screenshotsWrite(t *testing.T, w fyne.Window, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
