package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/calsync/calsync/app"
	"github.com/calsync/calsync/sync/daemon"
	"github.com/calsync/calsync/sync/demo"
	"github.com/calsync/calsync/sync/localapi"
)

func demoCommand() *command {
	return &command{
		name:  "demo",
		short: "run calsync on built-in emulators of Microsoft 365 and OneCloud (no account needed)",
		long: "Starts emulators of Entra ID / Microsoft Graph and of OneCloud with a seeded office of twelve\n" +
			"people, runs the real engine against them with an in-memory keyring, and prints every presence\n" +
			"change as it happens. With a display it also opens the calsync window on the demo office.",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			headless := fs.Bool("headless", false, "print presence changes only; open no window")
			duration := fs.Duration("duration", 0, "end the demo after this long (default: run until Ctrl-C)")
			verbose := fs.Bool("verbose", false, "also print the engine's log on standard error")
			return func(ctx context.Context, e *env, args []string) error {
				if err := noArgs("calsync demo", args); err != nil {
					return err
				}
				if *duration < 0 {
					return usageErrorf("calsync demo: --duration must not be negative")
				}
				level := slog.LevelError
				if *verbose {
					level = slog.LevelInfo
				}
				opts := demo.Options{
					Out:      e.stdout,
					Logger:   slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})),
					Duration: *duration,
				}
				if *headless || !hasDisplay(e) {
					if !*headless {
						fmt.Fprintln(e.stderr, "calsync demo: no display found; running headless")
					}
					return demo.RunHeadless(ctx, opts)
				}
				return runDesktopDemo(ctx, e, opts)
			}
		},
	}
}

// runDesktopDemo opens the window on the demo office: the service's engine
// and local API run in this process on the office's configuration and
// in-memory keyring, and the window talks to them as it talks to a service.
func runDesktopDemo(ctx context.Context, e *env, opts demo.Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	office, err := demo.NewOffice(ctx, time.Now())
	if err != nil {
		return err
	}
	defer office.Close()
	d := daemon.New(daemon.Options{ConfigPath: office.ConfigPath, SocketPath: demoSocketPath(runtime.GOOS, os.Getpid()),
		Secrets: office.Secrets, Logger: opts.Logger, Version: version})
	done := make(chan error, 1)
	go func() { done <- d.ListenAndRun(ctx) }()
	fmt.Fprintf(e.stdout, "OneCloud Calendar Sync demo: %d people on emulated Microsoft 365 and OneCloud, local API on %s; close the window (or Quit in the tray) to end.\n",
		len(office.People), localapi.Endpoint(d.SocketPath()))
	guiErr := app.Run(app.Options{Backend: localapi.NewClient(d.SocketPath()), Title: "demo"})
	cancel()
	if err := <-done; err != nil && guiErr == nil {
		return err
	}
	return guiErr
}

// demoSocketPath is where the desktop demo serves its local API: on Windows
// a pipe of this process's own, never the service's (which a non-admin
// cannot create, and where an installed service would answer instead of the
// demo office); elsewhere "", the socket beside the demo's own configuration
// in its temporary directory.
func demoSocketPath(goos string, pid int) string {
	if goos == "windows" {
		return localapi.ProcessPipeName(pid)
	}
	return ""
}

func hasDisplay(e *env) bool {
	return e.getenv("DISPLAY") != "" || e.getenv("WAYLAND_DISPLAY") != "" || displayAlwaysPresent
}
