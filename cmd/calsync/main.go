// Command calsync is OneCloud Calendar Sync: with no arguments it opens the
// desktop GUI; subcommands run the sync, check the set-up, manage secrets and
// install the program as an OS service. This package only parses flags and
// wires the sync/ packages together.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Stamped at build time with -ldflags "-X main.version=... ".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], newEnv())
	stop()
	os.Exit(code)
}
