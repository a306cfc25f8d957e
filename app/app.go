// Package app is the Fyne desktop GUI; it reaches the engine only through the local API client.
//
// Screens and the tray menu are built by functions that take their dependencies (the local API
// backend, the shared config editor, plain state values and callbacks), so tests drive them with
// fyne.io/fyne/v2/test and never need a display, a tray or a running service. Run wires them into
// a real app.
package app

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/calsync/calsync/assets"
	"github.com/calsync/calsync/sync/localapi"
)

// appID is the reverse-DNS application ID, the same as in FyneApp.toml; Fyne keys the app's
// preferences and storage by it.
const appID = "com.onecloud.calsync"

// defaultWindowSize is the main window's size when it opens; the Status table is made to be
// read whole at it, in English and Italian (status_table_test.go).
func defaultWindowSize() fyne.Size { return fyne.NewSize(960, 640) }

//go:embed translations
var translations embed.FS

// loadTranslations registers every screen's English and Italian strings with Fyne's lang
// package; the OS locale picks the language.
func loadTranslations() error {
	dirs, err := fs.ReadDir(translations, "translations")
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dirs {
		if d.IsDir() {
			errs = append(errs, lang.AddTranslationsFS(translations, path.Join("translations", d.Name())))
		}
	}
	return errors.Join(errs...)
}

// Options are what the window needs.
type Options struct {
	// Backend is the local API of the service (or of an engine run in this process).
	Backend localapi.Backend
	// Service installs and controls the OS service; nil leaves the Service tab out.
	Service ServiceControl
	// RunInWindow starts the engine inside this process while no service runs; nil hides the offer.
	RunInWindow func()
	// Title is added to the window title (e.g. "demo").
	Title string
	// Elevate restarts the GUI as administrator (Windows: the UAC prompt), passing draft (the
	// path of the unsaved edits, "" when there are none) on to the new copy as its
	// Options.Draft; nil where the OS has no such thing. The screens offer it when the service
	// refuses a change because this user may only read. Run quits this copy once it succeeded.
	Elevate func(draft string) error
	// Draft is the file of unsaved edits that the copy which restarted this one as
	// administrator handed over: once the service's configuration is loaded, it becomes the
	// draft (unsaved, for the admin to check and Save) and the file is removed.
	Draft string
}

// mainWindow is the main window's content: the Status (and Service) tabs at once, the editing tabs
// once the service has handed over its configuration, or the first-run wizard before them while
// the connector has never been set up.
type mainWindow struct {
	w       fyne.Window
	opts    Options
	Editor  *configEditor
	Status  *statusScreen
	Tabs    *container.AppTabs
	OnReady func() // called on the UI goroutine once the configuration is loaded (tests)

	loadMu  sync.Mutex
	loading bool // a load is in flight or done
	editing bool // the editing tabs exist
	screens windowScreens
	// showJobs show each status in the jobs' tabs, once they exist.
	showJobs []func(localapi.Status)
}

// windowScreens are the constructors Run builds the window with; tests of the window's own logic pass
// placeholders (each screen has its own tests, and the real ones start goroutines that the test
// driver runs beside the test).
type windowScreens struct {
	connector, rules, users func(fyne.Window, localapi.Backend, *configEditor) fyne.CanvasObject
	wizard                  func(fyne.Window, localapi.Backend, *configEditor, func()) fyne.CanvasObject
	service                 func(fyne.Window, ServiceControl, func()) fyne.CanvasObject
	// jobs are the tabs of the sync jobs that have one of their own (presence has the others), in
	// the order they follow Users.
	jobs []jobScreen
}

// jobScreen is a sync job's own tab: its title, translated, and what builds it, returning what
// shows each status in it.
type jobScreen struct {
	title func() string
	build func(fyne.Window, localapi.Backend, *configEditor) (fyne.CanvasObject, func(localapi.Status))
}

func realScreens() windowScreens {
	return windowScreens{
		connector: connectorTab, rules: rulesTab, users: usersTab, wizard: wizardTab,
		jobs: []jobScreen{
			{title: func() string { return lang.L("Contacts") }, build: func(w fyne.Window, b localapi.Backend, ed *configEditor) (fyne.CanvasObject, func(localapi.Status)) {
				s := newContactsScreen(b, ed)
				return s.root, s.showStatus
			}},
		},
		service: func(w fyne.Window, c ServiceControl, run func()) fyne.CanvasObject {
			return newServiceScreen(w, c, run, nil)
		},
	}
}

func newWindow(w fyne.Window, opts Options, screens windowScreens) *mainWindow {
	mw := &mainWindow{w: w, opts: opts, Editor: newConfigEditor(opts.Backend), screens: screens}
	mw.Status = newStatusScreen(opts.Backend)
	if opts.Elevate != nil {
		// What the admin typed goes along to the elevated copy.
		elevate := func() error {
			draft, err := mw.Editor.HandOver()
			if err != nil {
				return err
			}
			if err := opts.Elevate(draft); err != nil {
				if draft != "" {
					_ = os.Remove(draft)
				}
				return err
			}
			return nil
		}
		mw.Editor.Elevate = elevate
		mw.Status.SetElevate(elevate)
	}
	mw.Tabs = container.NewAppTabs(container.NewTabItem(lang.L("Status"), mw.Status))
	if opts.Service != nil {
		serviceTab := container.NewTabItem(lang.L("Service"), screens.service(w, opts.Service, opts.RunInWindow))
		mw.Tabs.Append(serviceTab)
		mw.Status.OnOpenService = func() { mw.Tabs.Select(serviceTab) }
	}
	return mw
}

// Content is what the window shows first.
func (mw *mainWindow) Content() fyne.CanvasObject { return mw.Tabs }

// Observe is fed every status the status screen shows. The first time the service answers, its
// configuration is fetched; the editing tabs (or the first-run wizard) are built with it.
func (mw *mainWindow) Observe(st localapi.Status, err error) {
	if err != nil {
		return
	}
	for _, show := range mw.showJobs {
		show(st)
	}
	mw.loadMu.Lock()
	if mw.loading {
		mw.loadMu.Unlock()
		return
	}
	mw.loading = true
	mw.loadMu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		data, err := mw.opts.Backend.Config(ctx)
		fyne.Do(func() {
			if err == nil {
				err = mw.Editor.LoadData(data)
			}
			if err != nil {
				fyne.LogError("load the configuration", err)
				mw.loadMu.Lock()
				mw.loading = false // try again with the next status
				mw.loadMu.Unlock()
				return
			}
			mw.takeOverDraft()
			if mw.Editor.Draft().ConnectorConfigured() {
				mw.addEditingTabs()
			} else {
				mw.w.SetContent(mw.screens.wizard(mw.w, mw.opts.Backend, mw.Editor, func() {
					mw.addEditingTabs()
					mw.w.SetContent(mw.Tabs)
				}))
			}
			if mw.OnReady != nil {
				mw.OnReady()
			}
		})
	}()
}

// takeOverDraft makes the unsaved edits handed over by the copy that restarted this one as
// administrator the draft, once, and says so.
func (mw *mainWindow) takeOverDraft() {
	path := mw.opts.Draft
	if path == "" {
		return
	}
	mw.opts.Draft = ""
	if err := mw.Editor.TakeOver(path); err != nil {
		dialog.ShowError(fmt.Errorf("%s %w", lang.L("The unsaved changes of the previous window could not be brought over:"), err), mw.w)
		return
	}
	dialog.ShowInformation(lang.L("Unsaved changes"),
		lang.L("The changes you had not saved in the previous window are here. Check them and press Save."), mw.w)
}

// addEditingTabs puts Connector, Rules, Users and the jobs' own tabs after Status, once.
func (mw *mainWindow) addEditingTabs() {
	if mw.editing {
		return
	}
	mw.editing = true
	b, w, ed := mw.opts.Backend, mw.w, mw.Editor
	items := []*container.TabItem{mw.Tabs.Items[0],
		container.NewTabItem(lang.L("Connector"), mw.screens.connector(w, b, ed)),
		container.NewTabItem(lang.L("Rules"), mw.screens.rules(w, b, ed)),
		container.NewTabItem(lang.L("Users"), mw.screens.users(w, b, ed)),
	}
	for _, js := range mw.screens.jobs {
		tab, show := js.build(w, b, ed)
		show(mw.Status.status) // the status shown so far; later ones come through Observe
		mw.showJobs = append(mw.showJobs, show)
		items = append(items, container.NewTabItem(js.title(), tab))
	}
	mw.Tabs.SetItems(append(items, mw.Tabs.Items[1:]...))
}

// Run opens the GUI and returns when the user quits it. With a system tray the app lives there:
// closing the window only hides it, and the tray's Open... brings it back. Quit ends the GUI only;
// the service keeps running.
func Run(opts Options) error {
	if opts.Backend == nil {
		return errors.New("start GUI: no local API to talk to")
	}
	if err := loadTranslations(); err != nil {
		fyne.LogError("load translations", err)
	}
	a := fyneapp.NewWithID(appID)
	a.SetIcon(appIcon())

	title := lang.L("OneCloud Calendar Sync")
	if opts.Title != "" {
		title += " - " + opts.Title
	}
	w := a.NewWindow(title)
	if elevate := opts.Elevate; elevate != nil {
		// The elevated copy takes over (and its tray icon); this one ends.
		opts.Elevate = func(draft string) error {
			if err := elevate(draft); err != nil {
				return err
			}
			fyne.Do(a.Quit)
			return nil
		}
	}
	mw := newWindow(w, opts, realScreens())
	w.SetContent(mw.Content())
	w.Resize(defaultWindowSize())

	notifier := newNotifier(a.SendNotification)
	actions := mw.Status.TrayActions(w.Show, a.Quit)
	tray, hasTray := a.(desktop.App)
	mw.Status.OnNeedsAdmin = func() {
		// A tray action was refused: bring the window up with the notice.
		mw.Tabs.SelectIndex(0)
		w.Show()
	}
	mw.Status.OnLoaded = func(st localapi.Status, err error) {
		notifier.Observe(st, err)
		mw.Observe(st, err)
		if hasTray {
			showTrayState(tray, trayStateFromStatus(st, err), actions)
		}
	}
	if hasTray {
		showTrayState(tray, trayState{Health: healthSyncing, Summary: lang.L("Connecting to the service...")}, actions)
		tray.SetSystemTrayWindow(w)
		w.SetCloseIntercept(w.Hide)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mw.Status.Start(ctx)
	w.ShowAndRun()
	return nil
}

// appIcon is the application icon as a Fyne resource.
func appIcon() fyne.Resource {
	return fyne.NewStaticResource("icon.png", assets.AppIconPNG())
}
