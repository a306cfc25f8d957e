package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/calsync/calsync/app"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/daemon"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/service"
)

func runGUI(ctx context.Context, e *env, g *globals, draft string) error {
	p, err := serviceParams(g, e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	runInWindow := func() {
		once.Do(func() { go runEngineInProcess(ctx, e, p) })
	}
	return app.Run(app.Options{
		Backend:     localapi.NewClient(config.SiblingPath(p.ConfigPath, config.SocketFileName)),
		Service:     serviceControl{p: p},
		RunInWindow: runInWindow,
		Elevate:     elevateGUI(),
		Draft:       draft,
	})
}

// runEngineInProcess runs what the service would run, inside the GUI's
// process, until ctx ends: the window reaches it through the same local API.
func runEngineInProcess(ctx context.Context, e *env, p service.Params) {
	log, logFile, err := service.OpenLogger(p, slog.LevelInfo)
	if err != nil {
		fmt.Fprintf(e.stderr, "calsync: run the sync in the window: %v\n", err)
		return
	}
	defer logFile.Close()
	err = daemon.RunService(ctx, daemonOptions(e, p, log, logFile))
	if err != nil && ctx.Err() == nil {
		log.Error("the sync in the window stopped", "err", err.Error())
	}
}

// serviceControl lets the Service tab install and control the OS service.
type serviceControl struct{ p service.Params }

func (s serviceControl) State(ctx context.Context) (string, error) {
	st, err := service.Status(s.p)
	if err != nil {
		return "", err
	}
	switch {
	case !st.Installed():
		return app.ServiceNotInstalled, nil
	case st == service.StateRunning:
		return app.ServiceRunning, nil
	}
	return app.ServiceStopped, nil
}

func (s serviceControl) Do(ctx context.Context, action string) (string, error) {
	return service.Control(ctx, action, s.p, slog.New(slog.DiscardHandler))
}
