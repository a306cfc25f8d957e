// Package daemon is the body of `calsync service run`: it runs the sync jobs
// (jobs.go lists them: presence, whose scheduler runs the others, and
// contacts) from the configuration and the secret store, serves the local
// API the GUI steers it through (it implements localapi.Backend), and swaps
// in a new generation of jobs when the GUI saves a configuration or a secret.
//
// The service never exits because it cannot sync: with no configuration, an
// invalid one or a missing secret it stays up, reports the state "error"
// with the reason, and waits for the GUI to fix it over the local API.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/internal/pubsub"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/presence"
	"github.com/calsync/calsync/sync/secrets"
	"github.com/calsync/calsync/sync/setup"
)

// LogTailer reads the last lines of the service's log; *logfile.File is one.
type LogTailer interface {
	Tail(n int) ([]string, error)
}

// Options are what a Daemon needs from the process that runs it.
type Options struct {
	// ConfigPath is the absolute path of config.json; the state file and
	// the local API socket live next to it.
	ConfigPath string
	// SocketPath overrides where the local API listens; "" means
	// config.SiblingPath(ConfigPath, config.SocketFileName). On Windows
	// localapi.Listen picks the named pipe unless this is a pipe name.
	SocketPath string
	Secrets    *secrets.Store // required
	Logger     *slog.Logger   // nil: discard
	// LogFile serves the GUI's log view; nil: the logs endpoint says there
	// is no log file.
	LogFile    LogTailer
	Clock      clock.Clock  // nil: the real clock
	HTTPClient *http.Client // nil: each client's default
	Version    string
	// SchedulerOptions tune every scheduler the daemon starts (zero:
	// production behaviour; Interval 0 uses the config's sync.interval).
	SchedulerOptions presence.SchedulerOptions
	// StartRetry is how long to wait before trying again to start the
	// engine after a failure that may pass by itself (a locked keychain, an
	// unreadable state file); 0 means DefaultStartRetry. A missing or
	// invalid configuration and a missing secret are not retried: they wait
	// for PutConfig or SetSecret.
	StartRetry time.Duration
	// ConfigCheck is how often config.json is looked at for changes made
	// by something other than the local API; 0 means DefaultConfigCheck,
	// a negative value never.
	ConfigCheck time.Duration
}

// DefaultStartRetry is the wait before a failed engine start is tried again.
const DefaultStartRetry = time.Minute

// ShutdownTimeout bounds how long RunService waits for local API requests in
// flight once the sync has stopped.
const ShutdownTimeout = 5 * time.Second

// CodeNotSyncing is the local API error code of sync-now, pause and resume
// when no engine runs (no configuration, an invalid one, a missing secret);
// the message says why. The HTTP status is 409.
const CodeNotSyncing = "not_syncing"

// Daemon runs the engine and answers the local API. Create it with New;
// RunService (or Run plus a localapi server) runs it. Its Backend methods
// are safe for concurrent use.
type Daemon struct {
	opts  Options
	log   *slog.Logger
	clock clock.Clock

	hub     pubsub.Hub[localapi.Event] // outlives the engines, so an event stream survives a restart
	stopped chan struct{}              // closed when Run returns: the service is stopping
	dir     directoryCache
	restart chan restartRequest
	saveMu  sync.Mutex // one config save at a time

	watchMu sync.Mutex // guards watch; held through a check
	watch   configWatch

	mu      sync.Mutex
	cur     *generation // the running engine, nil when none
	cfg     *config.Config
	reasons []string // why no engine runs; none while it is still starting
	paused  bool     // the pause the GUI asked for, kept across restarts
	running bool     // Run is running
	ran     bool     // Run has been called
}

// restartRequest asks Run to stop the engine and start a new one; done is
// closed once the new one has been started (or has failed to).
type restartRequest struct {
	reason string
	done   chan struct{}
}

var _ localapi.Backend = (*Daemon)(nil)

// New returns a daemon for opts. It does nothing until Run.
func New(opts Options) *Daemon {
	d := &Daemon{
		opts:    opts,
		log:     opts.Logger,
		clock:   clock.OrReal(opts.Clock),
		restart: make(chan restartRequest, 8),
		stopped: make(chan struct{}),
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.opts.StartRetry <= 0 {
		d.opts.StartRetry = DefaultStartRetry
	}
	if d.opts.ConfigCheck == 0 {
		d.opts.ConfigCheck = DefaultConfigCheck
	}
	d.watch.path = opts.ConfigPath
	return d
}

// SocketPath is where the local API listens (on Windows, see Options).
func (d *Daemon) SocketPath() string {
	if d.opts.SocketPath != "" {
		return d.opts.SocketPath
	}
	return config.SiblingPath(d.opts.ConfigPath, config.SocketFileName)
}

func (d *Daemon) setupOptions() setup.Options {
	return setup.Options{
		ConfigPath: d.opts.ConfigPath,
		Secrets:    d.opts.Secrets,
		HTTPClient: d.opts.HTTPClient,
		Clock:      d.opts.Clock,
		Logger:     d.log,
	}
}

// RunService is `calsync service run`'s body: it opens the local API
// (localapi.Listen on SocketPath, creating the config directory if needed),
// serves it, and runs the daemon until ctx ends; then the sync stops (its
// state saved), and the server shuts down gracefully. It returns nil after a
// clean stop, and an error when the local API cannot be opened (another
// calsync already serves it, say) or stops serving by itself.
func RunService(ctx context.Context, opts Options) error {
	return New(opts).ListenAndRun(ctx)
}

// ListenAndRun is RunService for an existing Daemon.
func (d *Daemon) ListenAndRun(ctx context.Context) error {
	if d.opts.Secrets == nil {
		return errors.New("run the service: no secret store")
	}
	path := d.SocketPath()
	if !localapi.IsPipeName(path) {
		if err := os.MkdirAll(filepath.Dir(path), config.DirPerm); err != nil {
			return fmt.Errorf("run the service: create the directory of the local API socket: %w", err)
		}
	}
	l, err := localapi.Listen(path)
	if err != nil {
		return fmt.Errorf("run the service: open the local API: %w", err)
	}
	srv := localapi.NewServer(d, localapi.ServerOptions{Logger: d.log})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	serveErr := make(chan error, 1)
	go func() {
		err := srv.Serve(l)
		if err != nil && runCtx.Err() == nil {
			d.log.Error("the local API stopped serving; stopping the service", "err", err.Error())
			cancel()
		}
		serveErr <- err
	}()
	d.log.Info("local API listening", "address", l.Addr().String())

	runErr := d.Run(runCtx)

	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer scancel()
	shutErr := srv.Shutdown(sctx)
	serr := <-serveErr
	if serr == nil && ctx.Err() == nil && runErr == nil {
		// Run ended because the server failed: that is the error.
		return errors.New("run the service: the local API stopped")
	}
	return errors.Join(runErr, serr, shutErr)
}

// Run loads the configuration, builds the engine and runs its scheduler until
// ctx ends; it returns nil once the scheduler has stopped and saved its
// state. When no engine can run (no configuration yet, an invalid one, a
// missing secret), it reports the state "error" with the reason and waits:
// PutConfig and SetSecret start a new engine. Run may be called once.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	if d.ran {
		d.mu.Unlock()
		return errors.New("daemon: Run called twice")
	}
	d.ran, d.running = true, true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
		d.hub.Close() // ends every event stream
		close(d.stopped)
	}()
	if d.opts.Secrets == nil {
		return errors.New("daemon: no secret store")
	}

	var waiting []chan struct{} // restart requests served by the next start
	for {
		g, retry := d.start(ctx)
		for _, ch := range waiting {
			close(ch)
		}
		waiting = nil
		d.publishStatus()

		var retryC <-chan time.Time
		var retryTimer clock.Timer
		if retry {
			retryTimer = d.clock.NewTimer(d.opts.StartRetry)
			retryC = retryTimer.C()
		}
		var ended <-chan struct{}
		if g != nil {
			ended = g.schedDone
		}
		var checkTimer clock.Timer
		reason := ""
	wait:
		for {
			var checkC <-chan time.Time
			if d.opts.ConfigCheck > 0 {
				checkTimer = d.clock.NewTimer(d.opts.ConfigCheck)
				checkC = checkTimer.C()
			}
			select {
			case <-ctx.Done():
			case req := <-d.restart:
				waiting = append(waiting, req.done)
				reason = req.reason
			drain: // several saves in a row make one restart
				for {
					select {
					case req := <-d.restart:
						waiting = append(waiting, req.done)
					default:
						break drain
					}
				}
			case <-retryC:
				reason = "trying again to start the sync"
			case <-ended:
				// Scheduler.Run returns only when its context ends; if it ever
				// returns by itself, report it and wait for a fix.
				reason = "the scheduler stopped by itself"
			case <-checkC:
				if !d.checkConfigFile() {
					continue wait
				}
				reason = "the configuration file was changed on disk"
			}
			break
		}
		if checkTimer != nil {
			checkTimer.Stop()
		}
		if retryTimer != nil {
			retryTimer.Stop()
		}
		d.stop(g)
		if ctx.Err() != nil {
			for _, ch := range waiting {
				close(ch)
			}
			d.setStopped("the service is stopping")
			d.publishStatus()
			d.log.Info("sync stopped")
			return nil
		}
		d.log.Info("restarting the sync", "reason", reason)
	}
}

// requestRestart asks Run for a new engine and waits, until ctx ends, for it
// to have been started. Without a running Run it returns at once: the next
// Run reads the new configuration and secrets anyway.
func (d *Daemon) requestRestart(ctx context.Context, reason string) {
	d.mu.Lock()
	running := d.running
	d.mu.Unlock()
	if !running {
		return
	}
	req := restartRequest{reason: reason, done: make(chan struct{})}
	select {
	case d.restart <- req:
	case <-ctx.Done():
		return
	case <-d.stopped:
		return
	}
	select {
	case <-req.done:
	case <-ctx.Done():
	case <-d.stopped:
	}
}

// generation is one engine with its scheduler and helpers, from one
// configuration and one set of secrets.
type generation struct {
	cfg   *config.Config
	eng   *presence.Engine
	sched *presence.Scheduler
	oc    *onecloud.Client // for names and the directory
	// jobs is every sync job the configuration turns on, in jobSpecs' order (presence first).
	jobs []*runningJob

	cancel    context.CancelFunc
	schedDone chan struct{}  // closed when the scheduler's Run has returned
	helpers   sync.WaitGroup // the event translator and the observer

	// observer reads the presences a person set and the presence job kept, for the status.
	observer *presence.Observer
}

// start loads the configuration and starts an engine and its scheduler.
// When that is impossible it records why and returns nil; retry says the
// cause may pass by itself.
func (d *Daemon) start(ctx context.Context) (g *generation, retry bool) {
	g, cfg, reasons, retry := d.build(ctx)
	if g != nil {
		return g, false
	}
	d.mu.Lock()
	d.cur, d.cfg, d.reasons = nil, cfg, reasons
	d.mu.Unlock()
	for _, r := range reasons {
		d.log.Error("the sync cannot start", "reason", r)
	}
	d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: d.now(), Message: strings.Join(reasons, "; ")})
	return nil, retry
}

// build does start's work: a running generation, or the configuration as
// far as it could be read and why no engine runs.
func (d *Daemon) build(ctx context.Context) (g *generation, cfg *config.Config, reasons []string, retry bool) {
	path := d.opts.ConfigPath
	// Stamped before it is read: an edit in between restarts once more.
	d.stampConfigFile()
	cfg, err := config.Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, []string{fmt.Sprintf("there is no configuration at %s yet: fill in the connector and the users in the calsync window and save", path)}, false
	case err != nil:
		return nil, nil, []string{fmt.Sprintf("the configuration cannot be read: %v", err)}, false
	}
	if verr := cfg.Validate(); verr != nil {
		var ve config.ValidationErrors
		if errors.As(verr, &ve) {
			for _, fe := range ve {
				reasons = append(reasons, "configuration: "+fe.Error())
			}
		} else {
			reasons = []string{"configuration: " + verr.Error()}
		}
		return nil, cfg, reasons, false
	}

	parts, err := setup.Build(ctx, cfg, d.setupOptions())
	if err != nil {
		// A secret that is not set waits for SetSecret, a config problem
		// for PutConfig; anything else (a locked keychain, an unreadable
		// state file) may pass by itself.
		var missing *setup.MissingSecretError
		var ce *presence.ConfigError
		retry = (!errors.As(err, &missing) || errors.Is(err, secrets.ErrKeychain)) && !errors.As(err, &ce) && ctx.Err() == nil
		return nil, cfg, []string{err.Error()}, retry
	}
	eng, oc := parts.Engine, parts.OneCloud

	g = &generation{
		cfg:       cfg,
		eng:       eng,
		oc:        oc,
		schedDone: make(chan struct{}),
		observer:  presence.NewObserver(eng),
	}
	runCtx, cancel := context.WithCancel(ctx)
	g.cancel = cancel
	d.mu.Lock()
	paused := d.paused
	// A pause survives the restart without a poll in between.
	schedOpts := d.opts.SchedulerOptions
	schedOpts.Paused = paused
	schedOpts.Jobs = append(slices.Clone(schedOpts.Jobs), d.startJobs(g, parts)...)
	g.sched = presence.NewScheduler(eng, schedOpts)
	d.cur, d.cfg, d.reasons = g, cfg, nil
	d.mu.Unlock()

	// Subscribe before Run, so the first sync-started is not missed.
	events, unsubscribe := g.sched.Subscribe(256)
	g.helpers.Add(3)
	go func() {
		defer g.helpers.Done()
		d.translate(g, events)
	}()
	go func() {
		defer g.helpers.Done()
		g.observer.Run(runCtx, d.publishStatus)
	}()
	go func() {
		defer g.helpers.Done()
		// Names for the status table; best effort.
		if err := d.dir.refresh(runCtx, oc, d.clock); err != nil && runCtx.Err() == nil {
			d.log.Warn("OneCloud directory could not be read; the status shows user ids instead of names", "err", err.Error())
			return
		}
		d.publishStatus()
	}()
	go func() {
		defer close(g.schedDone)
		defer unsubscribe() // closes events: the translator ends
		_ = g.sched.Run(runCtx)
	}()

	d.log.Info("sync started", "users", len(eng.Users()), "interval", cfg.Interval().String(),
		"lookahead", eng.Lookahead().String(), "paused", paused)
	return g, cfg, nil, false
}

// stop ends g's scheduler and waits for it (its state is then saved) and
// for its helpers.
func (d *Daemon) stop(g *generation) {
	if g == nil {
		return
	}
	g.cancel()
	<-g.schedDone
	g.helpers.Wait()
	d.dir.invalidate()
}

func (d *Daemon) setStopped(reason string) {
	d.mu.Lock()
	d.cur, d.reasons = nil, []string{reason}
	d.mu.Unlock()
}

func (d *Daemon) now() time.Time { return d.clock.Now().UTC() }

// current returns the running generation (nil when none) and why none runs.
func (d *Daemon) current() (g *generation, cfg *config.Config, reasons []string, paused bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur, d.cfg, append([]string(nil), d.reasons...), d.paused
}

// notSyncing is the error of the actions that need an engine.
func (d *Daemon) notSyncing(reasons []string) error {
	msg := "the sync is not running yet: it is starting"
	if len(reasons) > 0 {
		msg = "the sync is not running: " + strings.Join(reasons, "; ")
	}
	return &localapi.APIError{Status: http.StatusConflict, Code: CodeNotSyncing, Message: msg}
}
