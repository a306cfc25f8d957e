package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/service"
)

// statusTimeout bounds `calsync status`: a service that does not answer in
// that time is as good as absent to someone who asked.
const statusTimeout = 10 * time.Second

func statusCommand() *command {
	return &command{
		name:  "status",
		short: "show what the running service is doing: last and next sync, each person's presence",
		long: "Asks the running calsync service over its local API (a unix socket next to the\n" +
			"configuration; on Windows the service's named pipe) and prints its state, the last and next\n" +
			"sync and one line per person: presence and until when, what the calendar says, the next\n" +
			"change and the last error. --json prints the service's Status object as it sent it\n" +
			"(docs/localapi.md). Exit code 0 when the service answered, 3 when it did not (it is not\n" +
			"installed, not running or refuses this user), with what to do about it.",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print the service's Status object as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if err := noArgs("calsync status", args); err != nil {
					return err
				}
				path, err := configPath(g, e)
				if err != nil {
					return err
				}
				client := localapi.NewClient(config.SiblingPath(path, config.SocketFileName))
				client.Timeout = statusTimeout
				raw, err := client.StatusJSON(ctx)
				if err != nil {
					return serviceUnreachable(g, e, err)
				}
				if *asJSON {
					_, err := fmt.Fprintf(e.stdout, "%s\n", raw)
					return err
				}
				var st localapi.Status
				if err := json.Unmarshal(raw, &st); err != nil {
					return fmt.Errorf("read the service's status: %w", err)
				}
				return printStatus(e.stdout, st, time.Now())
			}
		},
	}
}

// serviceUnreachable is `calsync status`'s exit-3 error: why the service did
// not answer and what to do about it.
func serviceUnreachable(g *globals, e *env, err error) error {
	var remedy string
	switch {
	case errors.Is(err, localapi.ErrAccessDenied):
		remedy = "the calsync service is running but refused this user: run calsync status as the user the service runs as (on Windows, from an elevated prompt)"
	case errors.Is(err, localapi.ErrNotRunning):
		remedy = notRunningRemedy(g, e)
	default:
		remedy = "the calsync service did not answer: " + notRunningRemedy(g, e)
	}
	return withCode(exitServiceDown, fmt.Errorf("%s\n(%w)", remedy, err))
}

// notRunningRemedy asks the service manager whether the service is installed
// and says what to run; when the manager cannot be asked it names both steps.
func notRunningRemedy(g *globals, e *env) string {
	const both = "the calsync service is not running: start it with calsync service start (install it first with calsync service install if it is not installed)"
	p, err := serviceParams(g, e)
	if err != nil {
		return both
	}
	st, err := service.Status(p)
	switch {
	case err != nil:
		return both
	case st == service.StateNotInstalled:
		return "the calsync service is not installed: install it with calsync service install, then start it with calsync service start"
	case st == service.StateRunning:
		return "the calsync service is running but its local API did not answer: wait a moment and run calsync status again; if this persists, restart it with calsync service stop and calsync service start"
	}
	return fmt.Sprintf("the calsync service is installed but %s: start it with calsync service start", st)
}

// printStatus writes the short human form of st: the service's state, the
// last and next sync, what is wrong, then one line per person. Times are in
// now's location.
func printStatus(w io.Writer, st localapi.Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	state := st.State
	if st.Syncing && st.State != localapi.StateSyncing {
		state += ", syncing"
	}
	if st.Syncing && st.Progress.Total > 0 {
		state += fmt.Sprintf(" (%d of %d people)", st.Progress.Done, st.Progress.Total)
	}
	fmt.Fprintf(tw, "State:\t%s\n", state)
	if st.Version != "" {
		fmt.Fprintf(tw, "Version:\t%s\n", st.Version)
	}
	fmt.Fprintf(tw, "Last sync:\t%s\n", clockOr(st.LastSync, now, "not yet"))
	fmt.Fprintf(tw, "Next sync:\t%s\n", clockOr(st.NextSync, now, "-"))
	if st.Degraded != "" {
		fmt.Fprintf(tw, "Degraded:\t%s\n", st.Degraded)
	}
	for _, e := range st.Errors {
		fmt.Fprintf(tw, "Error:\t%s\n", e)
	}
	for _, warning := range []string{st.SecretExpiresWarning, st.OneCloudTokenExpiresWarning} {
		if warning != "" {
			fmt.Fprintf(tw, "Warning:\t%s\n", warning)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(st.Users) == 0 {
		_, err := fmt.Fprintln(w, "\nNo people are synced yet: add them in the calsync window or the configuration.")
		return err
	}
	fmt.Fprintln(w)
	// A TEAMS column beside the calendar only while Teams presence is read (a teams rule).
	withTeams := slices.ContainsFunc(st.Users, func(u localapi.UserStatus) bool { return u.Teams != "" })
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if withTeams {
		fmt.Fprintln(tw, "USER\tPRESENCE\tUNTIL\tCALENDAR\tTEAMS\tNEXT CHANGE\tERROR")
	} else {
		fmt.Fprintln(tw, "USER\tPRESENCE\tUNTIL\tCALENDAR\tNEXT CHANGE\tERROR")
	}
	for _, u := range st.Users {
		name := u.Name
		if name == "" {
			name = u.OneCloudUser
		}
		next := clockOr(u.NextChange, now, "-")
		if !u.NextChange.IsZero() && u.NextActivity != "" {
			next += " " + u.NextActivity
		}
		calendar := cell(orDash(u.Calendar))
		if withTeams {
			calendar += "\t" + cell(orDash(u.Teams))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(name), cell(orDash(u.Current.Activity)),
			clockOr(u.Current.Until, now, "-"), calendar, cell(next), cell(orDash(u.LastError)))
	}
	return tw.Flush()
}

// clockOr is t as a time of day when it is today (in now's location), with
// the date otherwise; zero is none.
func clockOr(t, now time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// cell keeps a value on its line and column: a tab or line break from the
// service would break the table.
func cell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
