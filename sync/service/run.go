package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	kservice "github.com/kardianos/service"
)

// ErrStopTimeout is returned (wrapped) by Run when the body did not return
// within the stop timeout; the process should exit anyway.
var ErrStopTimeout = errors.New("the sync did not stop in time")

// Body is the work Run runs: the sync engine. It must return soon after ctx is
// cancelled, having saved its state; returning ctx's error then counts as a
// clean stop.
type Body func(ctx context.Context, log *slog.Logger) error

// Run runs body until it is told to stop, then cancels body's context and waits
// for it (at most p.StopTimeout) so it can save its state.
//
// Started by the service manager it runs under it: on Windows through the
// SCM's dispatcher (runUnderSCM), elsewhere under kardianos's Run
// (kservice.Interactive() is false); the manager's stop request (SCM stop,
// SIGTERM from systemd or launchd) is the stop. Run in a terminal
// (`calsync service run`), it runs in the foreground and SIGINT (Ctrl+C) or
// SIGTERM is the stop.
// Cancelling ctx stops it in both modes.
//
// If body returns by itself, Run returns its error, so the process exits
// non-zero and the service manager's restart-on-failure applies. A panic in
// body is logged and returned as an error too.
func Run(ctx context.Context, p Params, log *slog.Logger, body Body) error {
	if body == nil {
		return errors.New("run the service: no body to run")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if handled, err := runUnderSCM(ctx, p, log, body); handled {
		return err
	}
	if kservice.Interactive() || runtime.GOOS == "windows" {
		return runForeground(ctx, p, log, body)
	}
	return runManaged(ctx, p, log, body)
}

// runForeground runs body in this terminal until a stop signal or ctx ends it.
func runForeground(ctx context.Context, p Params, log *slog.Logger, body Body) error {
	// On Windows only Ctrl+C arrives; SIGTERM is never sent there.
	sigCtx, unnotify := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer unnotify()
	r := newRunner(ctx, log, body, p.stopTimeout())
	log.Info("service started", SystemLog(), "mode", "foreground", "config", p.ConfigPath)
	r.start()
	select {
	case <-sigCtx.Done():
		log.Info("service stopping", SystemLog(), "reason", stopReason(ctx))
	case <-r.done:
	}
	return r.finish()
}

// runManaged runs body under systemd or launchd through kardianos.
func runManaged(ctx context.Context, p Params, log *slog.Logger, body Body) error {
	sigCtx, unnotify := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer unnotify()
	r := newRunner(ctx, log, body, p.stopTimeout())
	prog := &program{r: r, log: log, p: p}

	cfg := Config(p)
	cfg.Option = maps.Clone(cfg.Option)
	if cfg.Option == nil {
		cfg.Option = kservice.KeyValue{}
	}
	// Instead of kardianos's own wait for SIGTERM, also end the wait when
	// body returns by itself or ctx is cancelled.
	cfg.Option["RunWait"] = func() {
		select {
		case <-sigCtx.Done():
		case <-r.done:
		}
	}
	s, err := kservice.New(prog, cfg)
	if err != nil {
		return fmt.Errorf("run the service: %w", err)
	}
	runErr := s.Run()
	return errors.Join(runErr, r.timeoutErr())
}

// program is the kservice.Interface: Start launches body, Stop ends it.
type program struct {
	r   *runner
	log *slog.Logger
	p   Params
}

func (g *program) Start(s kservice.Service) error {
	g.log.Info("service started", SystemLog(), "mode", s.Platform(), "config", g.p.ConfigPath)
	g.r.start()
	return nil
}

// Stop returns body's own error only: a stop that merely ran out of time must
// not look like a failure to the SCM, which would restart a service an admin
// has just stopped.
func (g *program) Stop(kservice.Service) error {
	select {
	case <-g.r.done:
	default:
		g.log.Info("service stopping", SystemLog(), "reason", stopReason(g.r.parent))
	}
	err := g.r.finish()
	if errors.Is(err, ErrStopTimeout) {
		return nil
	}
	return err
}

// stopReason names why a stop started, for the log.
func stopReason(ctx context.Context) string {
	if ctx.Err() != nil {
		return "cancelled"
	}
	return "stop requested"
}

// runner runs body once and stops it with a bounded wait.
type runner struct {
	parent  context.Context
	log     *slog.Logger
	body    Body
	timeout time.Duration

	cancel   context.CancelFunc
	done     chan struct{} // closed when body has returned
	err      error         // body's result, read only after done
	stopping atomic.Bool   // a stop was requested: cancellation is clean
	timedOut atomic.Bool
}

func newRunner(parent context.Context, log *slog.Logger, body Body, timeout time.Duration) *runner {
	return &runner{parent: parent, log: log, body: body, timeout: timeout, done: make(chan struct{}), cancel: func() {}}
}

func (r *runner) start() {
	ctx, cancel := context.WithCancel(r.parent)
	r.cancel = cancel
	go func() {
		defer close(r.done)
		defer func() {
			if v := recover(); v != nil {
				r.log.Error("the sync panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				r.err = fmt.Errorf("the sync panicked: %v", v)
			}
		}()
		r.err = r.body(ctx, r.log)
	}()
}

// finish stops body if it is still running, waits for it at most timeout and
// logs and returns the outcome.
func (r *runner) finish() error {
	endedAlone := false
	select {
	case <-r.done:
		endedAlone = !r.stopping.Load() && r.parent.Err() == nil
	default:
	}
	if !endedAlone {
		r.stopping.Store(true)
	}
	r.cancel()
	timer := time.NewTimer(r.timeout)
	defer timer.Stop()
	select {
	case <-r.done:
	case <-timer.C:
		r.timedOut.Store(true)
		err := fmt.Errorf("%w: it had not returned %s after the stop request; exiting without waiting longer", ErrStopTimeout, r.timeout)
		r.log.Error("service stop timed out", "err", err)
		return err
	}
	err := r.result()
	switch {
	case err != nil:
		r.log.Error("the sync stopped with an error", "err", err)
	case endedAlone:
		r.log.Warn("the sync ended by itself", SystemLog())
	default:
		r.log.Info("service stopped", SystemLog())
	}
	return err
}

// result is body's outcome once done: nil for a clean return, or for the
// cancellation a stop (or the caller's ctx) caused.
func (r *runner) result() error {
	if r.err == nil {
		return nil
	}
	stopped := r.stopping.Load() || r.parent.Err() != nil
	if stopped && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
		return nil
	}
	return fmt.Errorf("the sync failed: %w", r.err)
}

func (r *runner) timeoutErr() error {
	if r.timedOut.Load() {
		return fmt.Errorf("%w (after %s)", ErrStopTimeout, r.timeout)
	}
	return nil
}
