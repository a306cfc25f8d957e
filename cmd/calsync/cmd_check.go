package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/check"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/setup"
)

// defaultCheckTimeout bounds the whole diagnosis: the Graph client retries
// throttling and 5xx within it, so a dead network ends in a clear failure
// rather than a hang.
const defaultCheckTimeout = 2 * time.Minute

func checkCommand() *command {
	return &command{
		name:  "check",
		short: "check config, secret, Entra token, calendars, mailboxes, permissions and OneCloud",
		long: "Runs the set-up checks in order and prints one line per step with a mark\n" +
			"(✓ passed, ! passed with a warning, ✗ failed, - not run) and, under a failure or\n" +
			"warning, what to do. It never prints a secret.\n\n" +
			"Exit codes: 0 every step passed (warnings allowed); 2 the configuration or the client\n" +
			"secret is missing or wrong; 3 only some mailboxes or the Reviewer rights failed;\n" +
			"4 Entra ID, Microsoft Graph or OneCloud refused or could not be reached.",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			timeout := fs.Duration("timeout", defaultCheckTimeout, "give up after this long")
			verbose := fs.Bool("verbose", false, "log debug details to standard error (names mailboxes)")
			return func(ctx context.Context, e *env, args []string) error {
				if err := noArgs("calsync check", args); err != nil {
					return err
				}
				if *timeout <= 0 {
					return usageErrorf("calsync check: --timeout %s must be positive", *timeout)
				}
				return runCheck(ctx, e, g, *timeout, *verbose)
			}
		},
	}
}

func runCheck(ctx context.Context, e *env, g *globals, timeout time.Duration, verbose bool) error {
	path, err := configPath(g, e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if viaService, err := checkThroughService(ctx, e, path); viaService {
		return err
	}
	// The diagnosis runs on an invalid config too: a bad rule does not keep
	// the connector from being tested.
	cfg, cfgErr, missing := loadConfigForCheck(path)

	var logger *slog.Logger // nil: discard; the steps say everything
	if verbose {
		logger = stderrLogger(e, true)
	}
	deps := setup.CheckDeps(ctx, cfg, cfgErr, setup.Options{ConfigPath: path, Secrets: newSecretStore(e, path), Logger: logger})
	steps := check.Run(ctx, deps)
	if missing {
		for i := range steps {
			if steps[i].Name == check.StepConfig && !steps[i].OK {
				steps[i].Remedy = fmt.Sprintf("Create %s: set the connection up in the calsync window (Settings), "+
					"or write the file as docs/config.md describes (or point --config / CALSYNC_CONFIG at yours).", path)
			}
		}
	}
	printSteps(e.stdout, steps)
	if check.Passed(steps) {
		return nil
	}
	failed, skipped := countFailed(steps)
	msg := fmt.Sprintf("%d of %d checks failed", failed, len(steps))
	if skipped > 0 {
		msg += fmt.Sprintf(", %d not run", skipped)
	}
	return withCode(checkExitCode(steps), errors.New(msg))
}

// loadConfigForCheck loads the config without refusing an invalid one.
// missing is true when there is no file at path.
func loadConfigForCheck(path string) (cfg *config.Config, cfgErr error, missing bool) {
	cfg, err := config.Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("there is no configuration file at %s", path), true
	case err != nil:
		return nil, err, false // a *DecodeError names the path, line and column
	}
	if err := cfg.Validate(); err != nil {
		return cfg, invalidConfigError(path, err), false
	}
	return cfg, nil, false
}

// printSteps writes one line per step, with the remedy indented beneath a
// failure or warning; multi-line details keep their lines, indented.
func printSteps(w io.Writer, steps []check.Step) {
	for _, s := range steps {
		detail := strings.ReplaceAll(strings.TrimSpace(s.Detail), "\n", "\n    ")
		line := fmt.Sprintf("%s %s", stepMark(s), s.Name)
		if detail != "" {
			line += ": " + detail
		}
		fmt.Fprintln(w, line)
		if s.Remedy != "" && !s.Skipped && (!s.OK || s.Warning) {
			fmt.Fprintf(w, "    -> %s\n", s.Remedy)
		}
	}
}

func stepMark(s check.Step) string {
	switch {
	case s.Skipped:
		return "-"
	case s.OK && s.Warning:
		return "!"
	case s.OK:
		return "✓"
	}
	return "✗"
}

func stepFailed(s check.Step) bool { return !s.OK && !s.Skipped }

func countFailed(steps []check.Step) (failed, skipped int) {
	for _, s := range steps {
		switch {
		case s.Skipped:
			skipped++
		case !s.OK:
			failed++
		}
	}
	return failed, skipped
}

// checkExitCode classifies a failed diagnosis. The configuration and the
// secret come first, because every later step depends on them (2); a
// failure of Entra ID, Graph, the secret's expiry or OneCloud means nothing
// could be synced (4); a failure of only the per-mailbox, Reviewer-rights,
// working-hours or contacts steps leaves presence syncing (3).
func checkExitCode(steps []check.Step) int {
	code := exitOK
	for _, s := range steps {
		if !stepFailed(s) {
			continue
		}
		switch s.Name {
		case check.StepConfig, check.StepSecret:
			return exitUsage
		case check.StepMailboxes, check.StepSubjects, check.StepWorkingHours, check.StepContacts:
			code = max(code, exitSomeFailed)
		default:
			code = exitNoneSynced
		}
	}
	if code == exitOK {
		// Only skipped steps: some earlier failure (already classified
		// above) must explain them; be safe.
		return exitNoneSynced
	}
	return code
}
