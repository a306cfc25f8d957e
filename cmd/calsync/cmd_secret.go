package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
)

func secretCommand() *command {
	return &command{
		name:  "secret",
		short: "store the Graph client secret or OneCloud API token in the OS keychain",
		long: "Secrets live in the OS keychain, never in the configuration: service \"calsync\" for the\n" +
			"default configuration, \"calsync-<hash of the config path>\" for any other (--config,\n" +
			"CALSYNC_CONFIG), so each instance keeps its own; `secret status` names the entries.\n" +
			"Where there is no keychain (a server, cron, SSH), set CALSYNC_GRAPH_SECRET and\n" +
			"CALSYNC_ONECLOUD_TOKEN instead: a variable that is set wins, and the keychain is then\n" +
			"not asked at all.",
		subs: []*command{
			{
				name:  "set",
				args:  "graph|onecloud [--expires YYYY-MM-DD]",
				short: "read a secret from standard input (no echo) and store it",
				long: "Reads the value from standard input: typed without echo on a terminal, or piped:\n" +
					"  calsync secret set graph < secret.txt\n" +
					"graph is the Entra app's client secret Value (not its Secret ID); onecloud is the OneCloud API token.\n\n" +
					"--expires records the expiry date the OneCloud ticket (or the Entra secret) shows, in the\n" +
					"configuration (onecloud.tokenExpires, connector.secretExpires), so calsync warns 30, 7 and 1 days\n" +
					"before. A OneCloud ticket lasts 365 days:\n" +
					"  calsync secret set onecloud --expires 2027-12-01\n" +
					"A date that does not exist, is in the past or is more than 5 years ahead stores nothing.",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					var expires *string
					fs.Func("expires", "the expiry date the ticket or secret shows, YYYY-MM-DD", func(v string) error {
						expires = &v
						return nil
					})
					return func(ctx context.Context, e *env, args []string) error {
						return runSecretSet(ctx, g, e, args, expires)
					}
				},
			},
			{
				name:  "status",
				short: "say which secrets are set (never their values)",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					return func(ctx context.Context, e *env, args []string) error {
						return runSecretStatus(ctx, g, e, args)
					}
				},
			},
		},
	}
}

// runSecretSet is `calsync secret set NAME [--expires DATE]`: the date is checked first, then the
// value is read and handed to a running service or stored in this instance's keychain entry,
// then the date is recorded.
func runSecretSet(ctx context.Context, g *globals, e *env, args []string, expires *string) error {
	if len(args) != 1 {
		return usageErrorf("calsync secret set: expected exactly one secret name (graph or onecloud)")
	}
	name, err := secrets.ParseName(args[0])
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("calsync secret set: %w", err))
	}
	var rec *expiryRecord // checked before anything is read or stored
	if expires != nil {
		if rec, err = prepareExpiry(ctx, g, e, name, *expires, time.Now()); err != nil {
			return err
		}
	}
	value, err := secrets.ReadValue(e.stdin, e.stdinIsTTY(), e.stderr)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("read %s secret from standard input: %w", name, err))
	}
	// A running service owns the secrets it uses (on Windows it runs as
	// LocalSystem and cannot read this user's keychain): hand the value
	// over so it stores it and restarts its sync with it.
	handed, err := handSecretToService(ctx, g, e, name, value)
	if err != nil {
		return err
	}
	if handed {
		fmt.Fprintf(e.stdout, "%s secret handed to the running calsync service, which stored it in its keychain\n", name)
		return rec.record(ctx, e)
	}
	path, err := configPath(g, e)
	if err != nil {
		return err
	}
	store := newSecretStore(e, path)
	if err := store.Set(ctx, name, value); err != nil {
		// The store's error already begins "set graph secret: ".
		// A bad value is bad input (2); a failing keychain is not.
		if errors.Is(err, secrets.ErrInvalidValue) || errors.Is(err, secrets.ErrTooBig) {
			return withCode(exitUsage, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "%s secret stored in the system keychain (service %q, account %q)\n", name, store.Service(), name.User())
	if e.getenv(name.EnvVar()) != "" {
		fmt.Fprintf(e.stderr, "calsync: note: %s is set here and takes precedence over the keychain; unset it for the stored value to be used\n", name.EnvVar())
	}
	return rec.record(ctx, e)
}

// runSecretStatus is `calsync secret status`: which secrets are set, where, under which keychain
// entries, with the expiry notes the configuration records; never a value.
func runSecretStatus(ctx context.Context, g *globals, e *env, args []string) error {
	if err := noArgs("calsync secret status", args); err != nil {
		return err
	}
	path, err := configPath(g, e)
	if err != nil {
		return err
	}
	store := newSecretStore(e, path)
	fmt.Fprintf(e.stdout, "Configuration: %s\nKeychain service: %s\n\n", path, store.Service())
	// The expiry dates are in the configuration; without one there is no note.
	cfg, _ := config.Load(path)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SECRET\tSTATE\tSOURCE\tKEYCHAIN ACCOUNT\tNOTE")
	var missing []string
	for _, st := range store.Status(ctx) {
		state := "set"
		if !st.Set {
			state = "missing"
			missing = append(missing, st.Name.EnvVar())
		}
		note := st.Err
		if n := expiryNote(cfg, st.Name, time.Now()); n != "" && note != "" {
			note += "; " + n
		} else if n != "" {
			note = n
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", st.Name, state, orDash(st.Source.Where(st.Name)), st.Account, note)
	}
	tw.Flush()
	if len(missing) > 0 {
		fmt.Fprintf(e.stdout, "\nSet a missing secret with: calsync secret set graph|onecloud (in a session where the system keychain works),\n"+
			"or in its environment variable (servers, cron, SSH): %s\n", strings.Join(missing, ", "))
	}
	return nil
}

// handSecretToService gives the secret to the service over the local API.
// It reports false, without error, when no service is listening.
func handSecretToService(ctx context.Context, g *globals, e *env, name secrets.Name, value string) (bool, error) {
	path, err := configPath(g, e)
	if err != nil {
		return false, err
	}
	client := localapi.NewClient(config.SiblingPath(path, config.SocketFileName))
	err = client.SetSecret(ctx, string(name), value)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, localapi.ErrNotRunning):
		return false, localStoreFallback(e, path, "the "+string(name)+" secret")
	case errors.Is(err, localapi.ErrAccessDenied):
		return false, fmt.Errorf("the calsync service is running but refused this user: run this command as the user the service runs as (on Windows, from an elevated prompt): %w", err)
	case len(localapi.FieldErrors(err)) > 0:
		return false, withCode(exitUsage, fmt.Errorf("the calsync service refused the %s secret: %w", name, err))
	}
	return false, fmt.Errorf("hand the %s secret to the calsync service: %w", name, err)
}

// newSecretStore is the secret store of the instance whose configuration
// is configPath: its own keychain entries (secrets.InstanceService).
func newSecretStore(e *env, configPath string) *secrets.Store {
	return secrets.New(secrets.Options{Service: keychainService(configPath), Backend: e.keychain, Getenv: e.getenv})
}

// keychainService is the keychain service name of the instance whose
// configuration is configPath; "calsync" for the default configuration.
func keychainService(configPath string) string {
	return secrets.InstanceService(configPath, defaultConfigPaths()...)
}

// defaultConfigPaths are the places that count as the default
// configuration: the OS default (on Windows also under the ProgramData folder
// Windows names, as a service's environment may differ), and on Linux and the BSDs also
// ~/.config/calsync/config.json, where the systemd user unit looks, in case
// XDG_CONFIG_HOME differs between the admin's shell and the service.
func defaultConfigPaths() []string {
	out := config.DefaultPaths()
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		if home, err := os.UserHomeDir(); err == nil {
			out = append(out, filepath.Join(home, ".config", "calsync", "config.json"))
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
