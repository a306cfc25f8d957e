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

	// First of all imports in initialisation order: C.UTF-8 must read as English before Fyne's
	// lang package parses the locale, or every command prints a locale error on stderr.
	_ "github.com/calsync/calsync/cmd/calsync/internal/posixlocale"
	// Next, on Windows: a command typed in cmd.exe or PowerShell prints there, although
	// calsync.exe is a GUI program (winconsole explains).
	_ "github.com/calsync/calsync/cmd/calsync/internal/winconsole"
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
