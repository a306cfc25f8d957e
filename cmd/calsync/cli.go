package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/calsync/calsync/sync/secrets"
)

// Exit codes, a contract documented in README.md.
const (
	exitOK         = 0
	exitFailure    = 1 // an unexpected error (I/O, a bug)
	exitUsage      = 2 // bad usage or configuration: the message names the file and field
	exitSomeFailed = 3 // some users could not be synced
	exitNoneSynced = 4 // nothing could be synced (auth, network)
	// exitServiceDown is calsync status's: the service did not answer.
	exitServiceDown = 3
)

// exitError carries an exit code up to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErrorf(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

// env is what commands need from the process, injectable for tests.
type env struct {
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	getenv     func(string) string
	stdinIsTTY func() bool
	// keychain is the secret store's backend; nil is the OS keychain.
	keychain secrets.Backend
	// serviceOwnsSecrets says whether an installed service keeps the secrets
	// for a configuration in a store of its own (secretroute.go); nil asks
	// the OS (Windows: is the service installed).
	serviceOwnsSecrets func(configPath string) bool
}

func newEnv() *env {
	return &env{
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		stdinIsTTY: func() bool { return term.IsTerminal(int(os.Stdin.Fd())) },
	}
}

// command is one node of the command tree.
type command struct {
	name  string
	args  string // argument synopsis for help
	short string // one line for the parent's list
	long  string // paragraph for its own --help
	// flags registers the command's flags; the returned func runs it with
	// the remaining positional arguments.
	flags func(fs *flag.FlagSet, g *globals) func(ctx context.Context, e *env, args []string) error
	subs  []*command
}

// globals are the flags every command accepts.
type globals struct {
	config string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.Var((*configFlag)(&g.config), "config", "configuration `file` (default: $CALSYNC_CONFIG, else the OS config dir)")
}

// configFlag is --config: a path, never empty. An empty value would quietly
// mean the default file, which is not what anyone typing it meant (an unset
// shell variable, most likely).
type configFlag string

func (c *configFlag) String() string { return string(*c) }

func (c *configFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("is empty; give the configuration file's path, or leave --config out for the default")
	}
	*c = configFlag(v)
	return nil
}

func rootCommand() *command {
	return &command{
		name:  "calsync",
		short: "OneCloud Calendar Sync",
		long: "OneCloud Calendar Sync sets each person's OneCloud telephone presence from their\n" +
			"Microsoft 365 calendar. With no command it opens the desktop application.",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			draft := fs.String("draft", "", "unsaved edits `file` handed over by the window that restarted this one as administrator")
			return func(ctx context.Context, e *env, args []string) error { return runGUI(ctx, e, g, *draft) }
		},
		subs: []*command{
			demoCommand(),
			syncCommand(),
			contactsCommand(),
			checkCommand(),
			secretCommand(),
			certCommand(),
			rulesCommand(),
			serviceCommand(),
			statusCommand(),
			versionCommand(),
		},
	}
}

// run executes args against the command tree and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	err := dispatch(ctx, rootCommand(), nil, &globals{}, args, e)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "calsync: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailure
}

func dispatch(ctx context.Context, c *command, path []string, g *globals, args []string, e *env) error {
	path = append(path, c.name)
	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	var runFn func(context.Context, *env, []string) error
	if c.flags != nil {
		runFn = c.flags(fs, g)
	}
	// A command with subcommands stops at the first argument, its
	// subcommand's name; the others take flags after their arguments too
	// (calsync secret set graph --config FILE).
	var rest []string
	var err error
	if len(c.subs) == 0 {
		rest, err = parseInterspersed(fs, args)
	} else {
		err = fs.Parse(args)
		rest = fs.Args()
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(e.stdout, c, path, fs)
			return flag.ErrHelp
		}
		return usageErrorf("%s: %v (see %s --help)", strings.Join(path, " "), err, strings.Join(path, " "))
	}
	if len(rest) > 0 && len(c.subs) > 0 {
		for _, s := range c.subs {
			if s.name == rest[0] {
				return dispatch(ctx, s, path, g, rest[1:], e)
			}
		}
		if runFn == nil || c.name != "calsync" {
			return usageErrorf("%s: unknown command %q; expected one of %s", strings.Join(path, " "), rest[0], subNames(c))
		}
		return usageErrorf("unknown command %q; expected one of %s (see calsync --help)", rest[0], subNames(c))
	}
	if runFn == nil {
		if len(c.subs) > 0 {
			return usageErrorf("%s: missing command; expected one of %s", strings.Join(path, " "), subNames(c))
		}
		return usageErrorf("%s: nothing to run", strings.Join(path, " "))
	}
	return runFn(ctx, e, rest)
}

// parseInterspersed parses flags anywhere among the arguments and returns
// the positional ones in order; after "--" everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func subNames(c *command) string {
	var names []string
	for _, s := range c.subs {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

func printHelp(w io.Writer, c *command, path []string, fs *flag.FlagSet) {
	synopsis := strings.Join(path, " ")
	if len(c.subs) > 0 {
		synopsis += " [command]"
	}
	if c.args != "" {
		synopsis += " " + c.args
	}
	fmt.Fprintf(w, "Usage: %s\n\n", synopsis)
	if c.long != "" {
		fmt.Fprintf(w, "%s\n\n", c.long)
	} else if c.short != "" {
		fmt.Fprintf(w, "%s.\n\n", c.short)
	}
	if len(c.subs) > 0 {
		fmt.Fprintln(w, "Commands:")
		width := 10
		for _, s := range c.subs {
			width = max(width, len(s.name))
		}
		for _, s := range c.subs {
			fmt.Fprintf(w, "  %-*s %s\n", width, s.name, s.short)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// noArgs rejects positional arguments for commands that take none.
func noArgs(path string, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s: unexpected argument %q (see %s --help)", path, args[0], path)
	}
	return nil
}
