package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/teams"
)

const (
	// statusLogLines is how many recent service log lines the log view keeps.
	statusLogLines = 200
	// statusMinBackoff and statusMaxBackoff bound the wait between attempts to reach the service's
	// event stream: quick after a restart, gentle while no service is installed.
	statusMinBackoff = time.Second
	statusMaxBackoff = 30 * time.Second
	// statusAnswerWait is how long the screen waits for the service's first answer before it says
	// the service does not answer: a pipe or socket that accepts nothing, a hung service. It keeps
	// waiting (and retrying) after that; only the silence ends.
	statusAnswerWait = 5 * time.Second
)

// errNoAnswer is what the screen reports when the service has not answered within
// statusAnswerWait.
var errNoAnswer = fmt.Errorf("no answer from the service within %d seconds", int(statusAnswerWait/time.Second))

// errStatusStreamEnded is what the screen reports when the service closes its event stream,
// which it does when it stops.
var errStatusStreamEnded = errors.New("the service closed its event stream")

// statusScreen shows the service's status: last and next sync, progress, problems, a row per
// user and the recent log. It follows the service's event stream (Start) rather than polling;
// while the service cannot be reached it says so and reconnects with backoff.
type statusScreen struct {
	widget.BaseWidget

	// OnLoaded, if set, runs on the UI goroutine after each status has been shown, and with a
	// non-nil error when the service cannot be reached. Hook the tray and notifications here.
	OnLoaded func(localapi.Status, error)
	// Clock times the reconnection backoff; nil means the real clock. Set it before Start.
	Clock clock.Clock
	// OnNeedsAdmin, if set, runs on the UI goroutine when the service refused Sync now, Pause
	// or Resume because this user may only read; the screen then shows the admin notice. Run
	// shows the window with it, since the tray's actions land here too.
	OnNeedsAdmin func()
	// OnOpenService, if set, opens the Service tab: while the service cannot be reached the
	// screen offers it with a button. Nil (the demo, which has no Service tab) hides the button.
	OnOpenService func()

	backend localapi.Backend
	// answered is set once the current attempt to reach the service has an outcome (a status or
	// an error), so the no-answer watchdog stays quiet.
	answered atomic.Bool

	// UI state, touched only on the UI goroutine.
	status   localapi.Status
	logLines []string

	state      *widget.Label
	lastSync   *widget.Label
	nextSync   *widget.Label
	progress   *widget.ProgressBar
	notRunning *widget.Label
	openSvc    *widget.Button
	openSvcRow *fyne.Container // openSvc at its own width; hidden with it, so it takes no room
	problems   *fyne.Container
	actionErr  *widget.Label
	admin      *adminNotice
	syncNow    *widget.Button
	pause      *widget.Button
	table      *widget.Table
	// tableWidth, fit and measure belong to fitTable (status_table.go).
	tableWidth float32
	fit        statusTableFit
	measure    *widget.RichText
	logs       *widget.List
	// body is the laid-out screen, set by CreateRenderer; it is laid out again when a message
	// appears (the desktop driver notices by itself, the software renderer does not).
	body *fyne.Container
}

// newStatusScreen builds the status screen on b. It shows nothing until Start (or Reload) runs.
func newStatusScreen(b localapi.Backend) *statusScreen {
	s := &statusScreen{
		backend:    b,
		state:      widget.NewLabelWithStyle(lang.L("Connecting to the service..."), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		lastSync:   widget.NewLabel("-"),
		nextSync:   widget.NewLabel("-"),
		progress:   widget.NewProgressBar(),
		notRunning: widget.NewLabel(""),
		problems:   container.NewVBox(),
		actionErr:  widget.NewLabel(""),
		admin:      newAdminNotice(nil),
	}
	s.progress.Hide()
	s.progress.TextFormatter = func() string {
		return lang.L("Syncing... {{.Done}} of {{.Total}} users", map[string]any{"Done": int(s.progress.Value), "Total": int(s.progress.Max)})
	}
	s.notRunning.Importance = widget.DangerImportance
	s.notRunning.Wrapping = fyne.TextWrapWord
	s.notRunning.Hide()
	s.openSvc = widget.NewButton(lang.L("Open the Service tab"), func() {
		if s.OnOpenService != nil {
			s.OnOpenService()
		}
	})
	s.openSvcRow = container.NewHBox(s.openSvc)
	s.openSvcRow.Hide()
	s.actionErr.Importance = widget.DangerImportance
	s.actionErr.Wrapping = fyne.TextWrapWord
	s.actionErr.Hide()
	s.syncNow = widget.NewButton(lang.L("Sync now"), s.SyncNow)
	s.pause = widget.NewButton(lang.L("Pause"), s.togglePause)
	s.syncNow.Disable()
	s.pause.Disable()
	s.table = s.newUserTable()
	s.logs = widget.NewList(
		func() int { return len(s.logLines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= 0 && id < len(s.logLines) {
				o.(*widget.Label).SetText(s.logLines[id])
			}
		},
	)
	s.ExtendBaseWidget(s)
	return s
}

// CreateRenderer lays the screen out: the summary and buttons on top, the users table and the
// log below in a split.
func (s *statusScreen) CreateRenderer() fyne.WidgetRenderer {
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Last sync"), s.lastSync),
		widget.NewFormItem(lang.L("Next sync"), s.nextSync),
	)
	buttons := container.NewHBox(s.syncNow, s.pause, layout.NewSpacer())
	top := container.NewVBox(s.state, s.notRunning, s.openSvcRow, s.problems, form, s.progress, buttons, s.actionErr, s.admin)
	logBox := container.NewBorder(widget.NewLabelWithStyle(lang.L("Service log"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.logs)
	split := container.NewVSplit(container.New(statusTableLayout{s}, s.table), logBox)
	split.Offset = 0.65
	s.body = container.NewBorder(top, nil, nil, nil, split)
	return widget.NewSimpleRenderer(s.body)
}

// statusColumns are the user table's headings, in order.
func statusColumns() []string {
	return []string{lang.L("Name"), lang.L("Mailbox"), lang.L("OneCloud presence"), lang.L("Calendar"), lang.L("Next change"), lang.L("Last error")}
}

func (s *statusScreen) newUserTable() *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(s.status.Users), len(statusColumns()) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord // fitTable makes the row tall enough
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.SetText(s.cellText(id.Row, id.Col))
			imp := widget.MediumImportance
			if id.Col == 5 && l.Text != "" {
				imp = widget.DangerImportance
			}
			if l.Importance != imp {
				l.Importance = imp
				l.Refresh()
			}
		},
	)
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if cols := statusColumns(); id.Row < 0 && id.Col >= 0 && id.Col < len(cols) {
			o.(*widget.Label).SetText(cols[id.Col])
		}
	}
	return t
}

// cellText is what the users table shows in a cell; call it on the UI goroutine.
func (s *statusScreen) cellText(row, col int) string {
	if row < 0 || row >= len(s.status.Users) {
		return ""
	}
	u := s.status.Users[row]
	switch col {
	case 0:
		if u.Name != "" {
			return u.Name
		}
		return u.OneCloudUser
	case 1:
		return u.Mailbox
	case 2:
		return statusPresenceText(u.Current)
	case 3:
		if u.Teams != "" {
			// Beside the calendar, what Teams says: the teams rules decide by it.
			return statusCalendarText(u.Calendar) + "\n" + fmt.Sprintf(lang.L("Teams: %s"), teams.Words(u.Teams))
		}
		return statusCalendarText(u.Calendar)
	case 4:
		if u.NextChange.IsZero() {
			return ""
		}
		when := statusTimeText(u.NextChange, time.Now())
		if u.NextActivity == "" {
			return when
		}
		return statusActivityText(u.NextActivity) + " " + lang.L("at") + " " + when
	case 5:
		return u.LastError
	}
	return ""
}

// statusPresenceText shows a presence as "activity / role until 15:00".
func statusPresenceText(p localapi.Presence) string {
	out := statusActivityText(p.Activity)
	if p.Role != "" {
		out += " / " + p.Role
	}
	if !p.Until.IsZero() && out != "" {
		out += " " + lang.L("until") + " " + statusTimeText(p.Until, time.Now())
	}
	return out
}

// statusPrivateMark is how the service marks a private event's class ("busy (private)"); the
// event's own text never comes with it.
const statusPrivateMark = " (private)"

// statusCalendarText shows what the service says the calendar holds in the admin's language:
// the availabilities (as the engine names them, "busy", "oof", ..., and as people write them,
// "out of office"), "no event", and the private mark. Anything else - a newer service's words -
// is shown as it comes.
func statusCalendarText(class string) string {
	base, private := strings.CutSuffix(class, statusPrivateMark)
	var out string
	switch st, err := calendar.ParseStatus(base); {
	case err == nil:
		out = statusAvailabilityText(st)
	case base == "out of office":
		out = statusAvailabilityText(calendar.OOF)
	case base == "working elsewhere":
		out = statusAvailabilityText(calendar.WorkingElsewhere)
	case base == "no event":
		out = lang.L("no event")
	case base == "private appointment":
		out = lang.L("private appointment")
	default:
		return class
	}
	if private {
		out += " " + lang.L("(private)")
	}
	return out
}

// statusAvailabilityText names an Exchange availability for people.
func statusAvailabilityText(st calendar.Status) string {
	switch st {
	case calendar.Free:
		return lang.L("free")
	case calendar.Tentative:
		return lang.L("tentative")
	case calendar.Busy:
		return lang.L("busy")
	case calendar.OOF:
		return lang.L("out of office")
	case calendar.WorkingElsewhere:
		return lang.L("working elsewhere")
	case calendar.Unknown:
		return lang.L("unknown")
	}
	return string(st)
}

// statusActivityText names a OneCloud activity id in the admin's language when it is one of
// the activities OneCloud offers out of the box (those of the demo office); an id the admin
// made up is shown as it is.
func statusActivityText(id string) string {
	switch id {
	case "available":
		return lang.L("available")
	case "meeting":
		return lang.L("meeting")
	case "lunch":
		return lang.L("lunch")
	case "away":
		return lang.L("away")
	case "vacation":
		return lang.L("vacation")
	case "busy":
		return lang.L("busy")
	case "business-trip":
		return lang.L("business trip")
	case "sick":
		return lang.L("sick")
	case "gone-home":
		return lang.L("gone home")
	}
	return id
}

// statusTimeText formats t in local time: just the clock time today, with the date otherwise.
func statusTimeText(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// Start follows the service's event stream in the background until ctx ends: it shows the
// status on connecting, on every status event and after presence or sync events, and appends
// log events to the log view. When the service cannot be reached or closes the stream, the
// screen says the service is not running and tries again after 1s, 2s, 4s ... up to 30s.
func (s *statusScreen) Start(ctx context.Context) {
	go s.follow(ctx)
}

func (s *statusScreen) follow(ctx context.Context) {
	clk := clock.OrReal(s.Clock)
	backoff := statusMinBackoff
	for ctx.Err() == nil {
		s.answered.Store(false)
		stopWatch := s.watchAnswer(ctx, clk)
		events, err := s.backend.Subscribe(ctx)
		if err == nil {
			// Before the first status shows: a user who may only read sees so at once.
			s.askAccess(ctx)
			// Subscribe first, then read: nothing that happens in between is missed.
			if s.fetch(ctx) {
				backoff = statusMinBackoff
			}
			stopWatch()
			err = s.consume(ctx, events)
		}
		stopWatch()
		if ctx.Err() != nil {
			return
		}
		s.showDown(err)
		if clock.Sleep(ctx, clk, backoff) != nil {
			return
		}
		backoff = min(backoff*2, statusMaxBackoff)
	}
}

// watchAnswer says the service does not answer when this attempt has had no outcome after
// statusAnswerWait: the window never waits in silence (a pipe that accepts no connection, a hung
// service). The returned func ends the watch.
func (s *statusScreen) watchAnswer(ctx context.Context, clk clock.Clock) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		if clock.Sleep(ctx, clk, statusAnswerWait) != nil {
			return
		}
		fyne.Do(func() {
			if !s.answered.Load() {
				s.show(localapi.Status{}, errNoAnswer)
			}
		})
	}()
	return cancel
}

// consume handles events until the stream ends. Events that say "something changed" without
// carrying the new status cause one Status call, however many of them arrive together.
func (s *statusScreen) consume(ctx context.Context, events <-chan localapi.Event) error {
	for {
		var ev localapi.Event
		var ok bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok = <-events:
			if !ok {
				return errStatusStreamEnded
			}
		}
		refetch := s.handle(ev)
		// Take whatever else is already queued before fetching, so a burst of presence changes
		// costs one Status call.
	drain:
		for {
			select {
			case ev, ok = <-events:
				if !ok {
					return errStatusStreamEnded
				}
				if s.handle(ev) {
					refetch = true
				}
			default:
				break drain
			}
		}
		if refetch {
			s.fetchStatus(ctx)
		}
	}
}

// handle shows what an event carries and reports whether the status must be fetched.
func (s *statusScreen) handle(ev localapi.Event) (refetch bool) {
	switch ev.Type {
	case localapi.EventStatus, localapi.EventSyncStarted, localapi.EventSyncFinished:
		if ev.Status != nil {
			st := *ev.Status
			fyne.Do(func() { s.show(st, nil) })
			return false
		}
		return true
	case localapi.EventPresence:
		return true
	case localapi.EventLog:
		if ev.Message != "" {
			fyne.Do(func() { s.appendLogs(ev.Message) })
		}
	case localapi.EventError:
		if ev.Message != "" {
			line := lang.L("Service error") + ": " + ev.Message
			fyne.Do(func() { s.appendLogs(line) })
		}
	}
	return false
}

// askAccess asks the service what this user may do and shows the answer: when it may only
// read, the admin notice appears up front and Sync now and Pause stay disabled. A backend that
// cannot tell (an engine in this process) or a service too old to answer leaves things as they
// were: the first refused action says it then.
func (s *statusScreen) askAccess(ctx context.Context) {
	who, ok := askAccess(ctx, s.backend)
	if !ok {
		return
	}
	fyne.Do(func() {
		if s.admin.ShowAccess(who) {
			s.syncNow.Disable()
			s.pause.Disable()
		}
		s.relayout()
	})
}

// fetch reads the recent log and the status; it reports whether the status came through.
func (s *statusScreen) fetch(ctx context.Context) bool {
	s.fetchLogs(ctx)
	return s.fetchStatus(ctx)
}

func (s *statusScreen) fetchLogs(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	lines, err := s.backend.Logs(ctx, statusLogLines)
	if err != nil {
		return // the log view is a convenience; the status says whether the service works
	}
	fyne.Do(func() { s.setLogs(lines) })
}

func (s *statusScreen) fetchStatus(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	st, err := s.backend.Status(ctx)
	if err != nil {
		err = fmt.Errorf("read status: %w", err)
	}
	s.answered.Store(true)
	fyne.Do(func() { s.show(st, err) })
	return err == nil
}

// Reload fetches the status and the recent log once, in the background. Start keeps the screen
// current by itself; Reload is for a refresh after an action.
func (s *statusScreen) Reload() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*callTimeout)
		defer cancel()
		s.fetch(ctx)
	}()
}

func (s *statusScreen) showDown(err error) {
	if err == nil {
		err = errStatusStreamEnded
	}
	s.answered.Store(true)
	fyne.Do(func() { s.show(localapi.Status{}, err) })
}

// show puts a status, or the reason there is none, on screen; UI goroutine only.
func (s *statusScreen) show(st localapi.Status, err error) {
	if err != nil {
		state, why := unreachableTexts(err)
		s.state.SetText(state)
		s.notRunning.SetText(why + "\n" + err.Error())
		s.notRunning.Show()
		if s.OnOpenService != nil {
			s.openSvcRow.Show()
		}
		s.progress.Hide()
		s.syncNow.Disable()
		s.pause.Disable()
		if s.OnLoaded != nil {
			s.OnLoaded(st, err)
		}
		return
	}
	s.notRunning.Hide()
	s.openSvcRow.Hide()
	s.status = st

	s.state.SetText(statusStateText(st))
	s.lastSync.SetText(statusWhenText(st.LastSync, lang.L("never")))
	s.nextSync.SetText(statusWhenText(st.NextSync, lang.L("not planned")))
	if st.Syncing && st.Progress.Total > 0 {
		s.progress.Max = float64(st.Progress.Total)
		s.progress.SetValue(float64(min(st.Progress.Done, st.Progress.Total)))
		s.progress.Show()
	} else {
		s.progress.Hide()
	}
	s.problems.Objects = statusProblemLabels(st)
	s.problems.Refresh()

	readOnly := s.admin.ReadOnly()
	if st.Syncing || readOnly {
		s.syncNow.Disable()
	} else {
		s.syncNow.Enable()
	}
	if st.Paused {
		s.pause.SetText(lang.L("Resume"))
	} else {
		s.pause.SetText(lang.L("Pause"))
	}
	if readOnly {
		s.pause.Disable()
	} else {
		s.pause.Enable()
	}
	s.table.Refresh()
	s.fitTable(0)
	if s.OnLoaded != nil {
		s.OnLoaded(st, nil)
	}
}

// unreachableTexts are the headline and the explanation for a service that cannot be reached,
// by why: the OS refused this user, the service does not answer, or it is not running.
func unreachableTexts(err error) (state, why string) {
	switch {
	case errors.Is(err, localapi.ErrAccessDenied):
		return lang.L("Access to the service denied"),
			lang.L("The system refused this user's connection to the calsync service: open calsync as the user the service runs as, or as an administrator on Windows. Retrying.")
	case errors.Is(err, errNoAnswer):
		return lang.L("The service does not answer"),
			lang.L("The calsync service has not answered yet; still trying. If this lasts, restart it on the Service tab.")
	}
	return lang.L("Service not running"),
		lang.L("The calsync service is not running or cannot be reached; retrying. Start it on the Service tab.")
}

func statusStateText(st localapi.Status) string {
	switch {
	case st.Paused || st.State == localapi.StatePaused:
		return lang.L("Paused")
	case st.Syncing || st.State == localapi.StateSyncing:
		return lang.L("Syncing...")
	case st.State == localapi.StateError:
		return lang.L("Not syncing: see the errors below")
	case st.State == localapi.StateDegraded:
		return lang.L("Syncing with problems")
	}
	return lang.L("Sync is working")
}

func statusWhenText(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return statusTimeText(t, time.Now())
}

// statusProblemLabels are the things the admin must see first: errors, the degraded mode, an
// expiring client secret and an expiring OneCloud API ticket.
func statusProblemLabels(st localapi.Status) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	add := func(text string, imp widget.Importance) {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = imp
		out = append(out, l)
	}
	for _, e := range st.Errors {
		add(lang.L("Error")+": "+e, widget.DangerImportance)
	}
	if st.Degraded != "" {
		add(lang.L("Degraded")+": "+st.Degraded, widget.WarningImportance)
	}
	if st.SecretExpiresWarning != "" {
		add(st.SecretExpiresWarning, widget.WarningImportance)
	}
	if st.OneCloudTokenExpiresWarning != "" {
		add(st.OneCloudTokenExpiresWarning, widget.WarningImportance)
	}
	if n := statusFailedUsers(st); n > 0 {
		add(lang.L("Users with errors: {{.Count}}", map[string]any{"Count": n}), widget.WarningImportance)
	}
	return out
}

func statusFailedUsers(st localapi.Status) int {
	n := 0
	for _, u := range st.Users {
		if u.LastError != "" {
			n++
		}
	}
	return n
}

func (s *statusScreen) setLogs(lines []string) {
	s.logLines = slices.Clone(lines)
	s.trimLogs()
}

func (s *statusScreen) appendLogs(lines ...string) {
	for _, l := range lines {
		s.logLines = append(s.logLines, strings.TrimRight(l, "\r\n"))
	}
	s.trimLogs()
}

func (s *statusScreen) trimLogs() {
	if n := len(s.logLines); n > statusLogLines {
		s.logLines = slices.Clone(s.logLines[n-statusLogLines:])
	}
	s.logs.Refresh()
	if n := len(s.logLines); n > 0 {
		s.logs.ScrollToBottom()
	}
}

// SyncNow asks the service for a sync at once; the stream then shows its progress. Safe to use
// as the tray's Sync now action.
func (s *statusScreen) SyncNow() {
	s.act(lang.L("Could not start a sync"), s.backend.SyncNow)
}

// Pause stops the service's syncing until Resume; for the tray's Pause action.
func (s *statusScreen) Pause() {
	s.act(lang.L("Could not pause"), s.backend.Pause)
}

// Resume restarts a paused service's syncing; for the tray's Resume action.
func (s *statusScreen) Resume() {
	s.act(lang.L("Could not resume"), s.backend.Resume)
}

// TrayActions are the tray menu's actions driven by this screen, with open and quit from the
// caller (show the window, quit the GUI).
func (s *statusScreen) TrayActions(open, quit func()) trayActions {
	return trayActions{SyncNow: s.SyncNow, Pause: s.Pause, Resume: s.Resume, Open: open, Quit: quit}
}

// relayout lays the screen out again after a message appeared; UI goroutine only.
func (s *statusScreen) relayout() {
	if s.body != nil {
		s.body.Refresh()
	}
}

// SetElevate sets what the admin notice's Restart as administrator does; nil (the default)
// leaves the button out. Call it on the UI goroutine.
func (s *statusScreen) SetElevate(elevate func() error) { s.admin.SetElevate(elevate) }

func (s *statusScreen) togglePause() {
	if s.status.Paused {
		s.Resume()
	} else {
		s.Pause()
	}
}

// act runs a backend action in the background and shows its failure inline. On success it
// reads the status once, in case the service's own status event is slow to come.
func (s *statusScreen) act(failure string, call func(context.Context) error) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		err := call(ctx)
		fyne.Do(func() {
			if s.admin.Check(err) {
				s.actionErr.SetText(failure + ".")
				s.actionErr.Show()
				s.relayout()
				if s.OnNeedsAdmin != nil {
					s.OnNeedsAdmin()
				}
				return
			}
			if err != nil {
				s.actionErr.SetText(failure + ": " + err.Error())
				s.actionErr.Show()
				return
			}
			s.actionErr.Hide()
		})
		if err == nil {
			s.fetchStatus(ctx)
		}
	}()
}
