package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/calsync/calsync/sync/daemon"
	"github.com/calsync/calsync/sync/service"
)

func serviceRunCommand() *command {
	return &command{
		name:  "run",
		short: "run the service's engine (in the foreground from a terminal, for debugging)",
		long: "Runs the sync engine and the local API the window talks to. The service manager starts it\n" +
			"this way; from a terminal it runs in the foreground, logs to standard error too, and stops\n" +
			"cleanly on Ctrl-C or SIGTERM after saving its state.",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			debug := fs.Bool("debug", false, "log at debug level (names mailboxes; never secrets or private text)")
			return func(ctx context.Context, e *env, args []string) error {
				if err := noArgs("calsync service run", args); err != nil {
					return err
				}
				p, err := serviceParams(g, e)
				if err != nil {
					return err
				}
				level := slog.LevelInfo
				if *debug {
					level = slog.LevelDebug
				}
				log, logFile, err := service.OpenLogger(p, level)
				if err != nil {
					return err
				}
				defer logFile.Close()
				return service.Run(ctx, p, log, func(ctx context.Context, log *slog.Logger) error {
					return daemon.RunService(ctx, daemonOptions(e, p, log, logFile))
				})
			}
		},
	}
}

// daemonOptions is what the service runs, from the service manager or
// inside the window alike.
func daemonOptions(e *env, p service.Params, log *slog.Logger, logFile daemon.LogTailer) daemon.Options {
	return daemon.Options{
		ConfigPath: p.ConfigPath,
		Secrets:    newSecretStore(e, p.ConfigPath),
		Logger:     log,
		LogFile:    logFile,
		Version:    version,
	}
}
