package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/calsync/calsync/sync/service"
)

func serviceCommand() *command {
	control := func(action, short string) *command {
		return &command{
			name:  action,
			short: short,
			flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
				return func(ctx context.Context, e *env, args []string) error {
					if err := noArgs("calsync service "+action, args); err != nil {
						return err
					}
					p, err := serviceParams(g, e)
					if err != nil {
						return err
					}
					log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
					msg, err := service.Control(ctx, action, p, log)
					if err != nil {
						return fmt.Errorf("service %s: %w", action, err)
					}
					fmt.Fprintln(e.stdout, msg)
					return nil
				}
			},
		}
	}
	return &command{
		name:  "service",
		short: "install, control or run the background service",
		long: "The background service keeps presence in sync while nobody is logged in to the window.\n" +
			"calsync installs itself: a Windows system service, a macOS LaunchAgent, or a systemd user unit\n" +
			"on Linux (see docs/service.md). The service reads the configuration given by --config.",
		subs: []*command{
			control(service.ActionInstall, "install calsync as a service that starts automatically"),
			control(service.ActionUninstall, "stop and remove the service (configuration and secrets stay)"),
			control(service.ActionStart, "start the installed service"),
			control(service.ActionStop, "stop the service"),
			control(service.ActionStatus, "say whether the service is installed and running"),
			serviceRunCommand(),
		},
	}
}

// serviceParams describes this executable as the service, with the
// configuration it must read.
func serviceParams(g *globals, e *env) (service.Params, error) {
	path, err := configPath(g, e)
	if err != nil {
		return service.Params{}, err
	}
	p, err := service.CurrentParams(path)
	if err != nil {
		return service.Params{}, fmt.Errorf("describe the service: %w", err)
	}
	return p, nil
}
