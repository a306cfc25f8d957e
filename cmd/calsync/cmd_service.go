package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"runtime"

	"github.com/calsync/calsync/sync/service"
	"github.com/calsync/calsync/sync/service/action"
)

func serviceCommand() *command {
	control := func(act, short string) *command {
		return &command{
			name:  act,
			short: short,
			flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
				return func(ctx context.Context, e *env, args []string) error {
					if err := noArgs("calsync service "+act, args); err != nil {
						return err
					}
					p, err := serviceParams(g, e)
					if err != nil {
						return err
					}
					log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
					msg, err := service.Control(ctx, act, p, log)
					if err != nil {
						return fmt.Errorf("service %s: %w", act, err)
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
			control(action.Install, "install calsync as a service that starts automatically"),
			control(action.Uninstall, "stop and remove the service (configuration and secrets stay)"),
			control(action.Start, "start the installed service"),
			control(action.Stop, "stop the service"),
			control(action.Status, "say whether the service is installed and running"),
			serviceRunCommand(),
			servicePrintConfigCommand(),
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

// Where packaging/linux/install.sh puts the program and where calsync looks
// for its configuration by default, in systemd's %h (home) form: the unit
// the tar.gz ships works for any user.
const (
	portableLinuxExecutable = "%h/.local/bin/calsync"
	portableLinuxConfig     = "%h/.config/calsync/config.json"
)

func servicePrintConfigCommand() *command {
	return &command{
		name:  "print-config",
		short: "print the LaunchAgent plist or systemd unit that install writes",
		long: "Prints to standard output the service definition file `calsync service install` writes\n" +
			"(macOS: ~/Library/LaunchAgents/calsync.plist, Linux: ~/.config/systemd/user/calsync.service)\n" +
			"for this binary and --config, without installing anything. Packaging uses it to ship and\n" +
			"check the same file; --os and --executable render it for another machine.",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			goos := fs.String("os", runtime.GOOS, "render for this `OS`: darwin or linux (Windows keeps its service in the SCM, not a file)")
			exe := fs.String("executable", "", "the calsync binary's `path` on that machine (default: this binary; required with another --os)")
			portable := fs.Bool("portable", false, "linux: name the program and config as %h/.local/bin/calsync and %h/.config/calsync/config.json (systemd expands %h), as install.sh places them")
			return func(ctx context.Context, e *env, args []string) error {
				const path = "calsync service print-config"
				if err := noArgs(path, args); err != nil {
					return err
				}
				p := service.Params{GOOS: *goos, Executable: *exe}
				switch {
				case *portable:
					if *goos != "linux" {
						return usageErrorf("%s: --portable is for --os linux only: launchd expands no home directory in a plist", path)
					}
					if *exe != "" || g.config != "" {
						return usageErrorf("%s: --portable names the program and configuration itself; drop --executable and --config", path)
					}
					p.Executable, p.ConfigPath = portableLinuxExecutable, portableLinuxConfig
				case *goos != runtime.GOOS:
					if *exe == "" || g.config == "" {
						return usageErrorf("%s: for --os %s give --executable and --config as paths on that machine", path, *goos)
					}
					// Not through configPath: filepath.Abs would judge another OS's path by this one's rules.
					p.ConfigPath = g.config
				default:
					cur, err := serviceParams(g, e)
					if err != nil {
						return err
					}
					p.ConfigPath = cur.ConfigPath
					if p.Executable == "" {
						p.Executable = cur.Executable
					}
				}
				d, err := service.DefinitionFile(p)
				if err != nil {
					return withCode(exitUsage, err)
				}
				fmt.Fprint(e.stdout, d.Content)
				return nil
			}
		},
	}
}
