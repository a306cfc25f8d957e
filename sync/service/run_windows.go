//go:build windows

package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// runUnderSCM runs body as the Windows service when the service control
// manager started this process, and reports false when it did not (a
// terminal, `calsync service run` by hand): the dispatcher then fails at once
// with ERROR_FAILED_SERVICE_CONTROLLER_CONNECT, Microsoft's documented test.
// Not kardianos's Run: it decides from the parent process (services.exe in
// session 0), which Wine does not present, and a service started there would
// run as if in a terminal and never tell the SCM it is running.
func runUnderSCM(ctx context.Context, p Params, log *slog.Logger, body Body) (handled bool, err error) {
	h := &scmHandler{ctx: ctx, log: log, p: p, r: newRunner(ctx, log, body, p.stopTimeout())}
	err = svc.Run(Name, h)
	if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) && !h.started {
		return false, nil
	}
	if err != nil {
		err = fmt.Errorf("run the %s service: %w", Name, err)
	}
	return true, errors.Join(err, h.err, h.r.timeoutErr())
}

// scmHandler is the svc.Handler: it reports start and stop to the SCM and
// stops body on the SCM's stop or shutdown, when body returns by itself or
// when ctx ends.
type scmHandler struct {
	ctx     context.Context
	log     *slog.Logger
	p       Params
	r       *runner
	started bool
	err     error // body's outcome, once Execute has returned
}

// stopWaitHintExtra is added to the bounded wait for body in what the SCM is
// told a stop may take.
const stopWaitHintExtra = 5000 // milliseconds

func (h *scmHandler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (serviceSpecific bool, exitCode uint32) {
	h.started = true
	status <- svc.Status{State: svc.StartPending}
	h.log.Info("service started", SystemLog(), "mode", "windows-service", "config", h.p.ConfigPath)
	h.r.start()
	const accepts = svc.AcceptStop | svc.AcceptShutdown
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	for {
		select {
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
				continue
			case svc.Stop, svc.Shutdown:
				h.log.Info("service stopping", SystemLog(), "reason", stopReason(h.ctx))
			default:
				continue
			}
		case <-h.r.done:
		case <-h.ctx.Done():
			h.log.Info("service stopping", SystemLog(), "reason", stopReason(h.ctx))
		}
		status <- svc.Status{State: svc.StopPending, WaitHint: uint32(h.p.stopTimeout().Milliseconds()) + stopWaitHintExtra}
		err := h.r.finish()
		if errors.Is(err, ErrStopTimeout) {
			// A stop that merely ran out of time is not a failure: the SCM
			// would restart a service an admin has just stopped.
			return false, 0
		}
		if err != nil {
			// A service-specific exit code: the recovery actions (restart)
			// apply, "actions for stops with errors" being set at install.
			h.err = err
			return true, 1
		}
		return false, 0
	}
}
