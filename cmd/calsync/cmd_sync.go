package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/presence"
	"github.com/calsync/calsync/sync/setup"
)

func syncCommand() *command {
	return &command{
		name:  "sync",
		short: "run one sync of every enabled user (--once) and exit",
		long: "Reads every enabled user's calendar, decides their OneCloud presence with the rules and\n" +
			"writes it, never overwriting a presence a person set by hand. --once is required: the\n" +
			"continuous sync is the service (calsync service run, or calsync service install).\n\n" +
			"--json prints exactly one JSON object on standard output (the report; see README);\n" +
			"logs go to standard error. Exit codes: 0 every user synced, 2 configuration or missing\n" +
			"secret, 3 some users failed, 4 nothing could be synced (authentication, network).",
		flags: onceCommand{
			cmd:     "calsync sync",
			once:    "run one full cycle and exit (required)",
			dryRun:  "decide but write nothing to OneCloud nor to the state file; reports would-set",
			verbose: "log warnings and debug details to standard error (names mailboxes, never secrets or private text)",
			without: "for continuous sync run the service: calsync service run (in the foreground) or calsync service install",
			run:     runSyncOnce,
		}.flags,
	}
}

type syncOptions struct {
	dryRun, json, verbose bool
}

// onceCommand is a job's `sync --once` command: what differs between the jobs, around the flags
// they share (--once, required; --dry-run; --json; --verbose).
type onceCommand struct {
	cmd                   string // "calsync sync"
	once, dryRun, verbose string // the flags' help
	without               string // the usage error's remedy when --once is missing
	run                   func(ctx context.Context, e *env, g *globals, o syncOptions) error
}

func (c onceCommand) flags(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
	once := fs.Bool("once", false, c.once)
	dryRun := fs.Bool("dry-run", false, c.dryRun)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	verbose := fs.Bool("verbose", false, c.verbose)
	return func(ctx context.Context, e *env, args []string) error {
		if err := noArgs(c.cmd, args); err != nil {
			return err
		}
		if !*once {
			return usageErrorf("%s: --once is required; %s", c.cmd, c.without)
		}
		return c.run(ctx, e, g, syncOptions{dryRun: *dryRun, json: *asJSON, verbose: *verbose})
	}
}

// stderrLogger keeps logs off standard output, which belongs to the report.
// By default only errors the report does not show (a state file that could
// not be saved) are logged: every warning of a cycle is already in the
// report or in the returned error.
func stderrLogger(e *env, verbose bool) *slog.Logger {
	level := slog.LevelError
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

func runSyncOnce(ctx context.Context, e *env, g *globals, o syncOptions) error {
	cfg, path, err := loadValidConfig(g, e)
	if err != nil {
		return err
	}
	if !o.dryRun {
		warnIfServiceRunning(ctx, e, path, "the same presence")
	}
	parts, err := setup.Build(ctx, cfg, setup.Options{
		ConfigPath: path,
		Secrets:    newSecretStore(e, path),
		Logger:     stderrLogger(e, o.verbose),
	})
	if err != nil {
		return setupError(path, err)
	}
	rep, err := parts.Engine.SyncOnce(ctx, o.dryRun)
	code := cliExitCode(presence.ExitCode(rep, err))

	if o.json {
		data, merr := json.Marshal(rep)
		if merr != nil {
			return fmt.Errorf("encode the report: %w", merr)
		}
		if _, werr := fmt.Fprintf(e.stdout, "%s\n", data); werr != nil {
			return fmt.Errorf("write the report: %w", werr)
		}
	} else if err == nil || len(rep.Users) > 0 {
		printSyncTable(e.stdout, rep, time.Now(), o.dryRun)
	}

	switch {
	case err != nil:
		var ce *presence.ConfigError
		if errors.As(err, &ce) {
			return withCode(code, fmt.Errorf("%s: %w", path, err))
		}
		return withCode(code, withRemedy(err))
	case code != exitOK:
		where := "the ERROR column"
		if o.json {
			where = "each user's error field"
		}
		return withCode(code, fmt.Errorf("%d of %d users could not be synced; %s says why", rep.Failed(), len(rep.Users), where))
	}
	return nil
}

// setupError classifies a failure to build the engine: a missing secret or
// a rule the engine cannot compile is the administrator's to fix (exit 2,
// the message naming the command to run or the field); anything else (an
// unreadable state file) is unexpected (1).
func setupError(path string, err error) error {
	var mse *setup.MissingSecretError
	var mce *setup.MissingCertificateError
	if errors.As(err, &mse) || errors.As(err, &mce) {
		return withCode(exitUsage, err)
	}
	var ce *presence.ConfigError
	if errors.As(err, &ce) {
		return withCode(exitUsage, fmt.Errorf("%s: %w", path, err))
	}
	return err
}

// cliExitCode maps the engine's classification to the CLI's exit codes.
func cliExitCode(engineCode int) int {
	switch engineCode {
	case presence.ExitOK:
		return exitOK
	case presence.ExitConfig:
		return exitUsage
	case presence.ExitPartial:
		return exitSomeFailed
	case presence.ExitNothing:
		return exitNoneSynced
	}
	return exitFailure
}

// withRemedy appends what a person should do to an authentication failure
// of Entra ID, Graph or OneCloud.
func withRemedy(err error) error {
	if r := remedyOf(err); r != "" {
		return fmt.Errorf("%w\n  -> %s", err, r)
	}
	return err
}

func remedyOf(err error) string {
	var ge *graph.Error
	if errors.As(err, &ge) && ge.Remedy != "" {
		return ge.Remedy
	}
	if onecloud.IsAuth(err) {
		return onecloud.AuthRemedy(err)
	}
	var rem interface{ Remedy() string }
	if errors.As(err, &rem) {
		return rem.Remedy()
	}
	return ""
}

// printSyncTable writes the human report: one row per user and a summary.
// It shows the event's class (UserReport.Current), never its text.
func printSyncTable(w io.Writer, rep presence.Report, now time.Time, dryRun bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tMAILBOX\tCALENDAR\tDESIRED\tRULE\tACTION\tERROR")
	counts := map[presence.Action]int{}
	for _, u := range rep.Users {
		counts[u.Action]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			orDash(u.OneCloudUser), orDash(u.Mailbox), orDash(u.Current), desiredText(u, now),
			ruleText(u), u.Action, orDash(oneLine(errorText(u))))
	}
	tw.Flush()

	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", plural(len(rep.Users), "user"))
	if dryRun {
		fmt.Fprintf(&b, "%d would-set, ", counts[presence.ActionWouldSet])
	} else {
		fmt.Fprintf(&b, "%d set, ", counts[presence.ActionSet])
	}
	fmt.Fprintf(&b, "%d unchanged, %d kept-manual, %s; %s, %s, %s; took %s",
		counts[presence.ActionUnchanged], counts[presence.ActionKeptManual], plural(counts[presence.ActionError], "error"),
		plural(rep.GraphRequests, "Graph request"), plural(rep.OneCloudReads, "OneCloud read"),
		plural(rep.OneCloudWrites, "OneCloud write"), time.Duration(rep.DurationMs)*time.Millisecond)
	if dryRun {
		b.WriteString(" (dry run: nothing written)")
	}
	fmt.Fprintf(w, "\n%s\n", b.String())
}

// errorText is the user's error, or else its warning, marked as such.
func errorText(u presence.UserReport) string {
	if u.Error == "" && u.Warning != "" {
		return "warning: " + u.Warning
	}
	return u.Error
}

// desiredText is "activity[/role] [until HH:MM]" in local time, the until
// with its day when it is not today.
func desiredText(u presence.UserReport, now time.Time) string {
	if u.Activity == "" {
		return "-"
	}
	s := u.Activity
	if u.Role != "" {
		s += "/" + u.Role
	}
	if !u.Until.IsZero() {
		s += " until " + untilText(u.Until, now)
	}
	return s
}

// untilText is "15:04" for a time today and "Mon _2 Jan 15:04" for any
// other day: an all-day vacation ends at 00:00, which alone reads as
// tonight.
func untilText(until, now time.Time) string {
	l, n := until.Local(), now.Local()
	if y, m, d := l.Date(); y == n.Year() && m == n.Month() && d == n.Day() {
		return l.Format("15:04")
	}
	return l.Format("Mon _2 Jan 15:04")
}

func ruleText(u presence.UserReport) string {
	switch {
	case u.Rule >= 0:
		return strconv.Itoa(u.Rule)
	case u.Activity == "":
		return "-" // nothing was decided
	}
	return "default"
}

// oneLine keeps a multi-line error inside its table cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
