package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
)

func secretCommand() *command {
	return &command{
		name:  "secret",
		short: "store the Graph client secret or OneCloud API token in the OS keychain",
		long: "Secrets live in the OS keychain (service \"calsync\"), never in the configuration.\n" +
			"Where there is no keychain (a server, cron, SSH), set CALSYNC_GRAPH_SECRET and\n" +
			"CALSYNC_ONECLOUD_TOKEN instead: a variable that is set wins, and the keychain is then\n" +
			"not asked at all.",
		subs: []*command{
			{
				name:  "set",
				args:  "graph|onecloud",
				short: "read a secret from standard input (no echo) and store it",
				long: "Reads the value from standard input: typed without echo on a terminal, or piped:\n" +
					"  calsync secret set graph < secret.txt\n" +
					"graph is the Entra app's client secret Value (not its Secret ID); onecloud is the OneCloud API token.",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					return func(ctx context.Context, e *env, args []string) error {
						if len(args) != 1 {
							return usageErrorf("calsync secret set: expected exactly one secret name (graph or onecloud)")
						}
						name, err := secrets.ParseName(args[0])
						if err != nil {
							return withCode(exitUsage, fmt.Errorf("calsync secret set: %w", err))
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
							return nil
						}
						if err := newSecretStore(e).Set(ctx, name, value); err != nil {
							// The store's error already begins "set graph secret: ".
							// A bad value is bad input (2); a failing keychain is not.
							if errors.Is(err, secrets.ErrInvalidValue) || errors.Is(err, secrets.ErrTooBig) {
								return withCode(exitUsage, err)
							}
							return err
						}
						fmt.Fprintf(e.stdout, "%s secret stored in the system keychain\n", name)
						if e.getenv(name.EnvVar()) != "" {
							fmt.Fprintf(e.stderr, "calsync: note: %s is set here and takes precedence over the keychain; unset it for the stored value to be used\n", name.EnvVar())
						}
						return nil
					}
				},
			},
			{
				name:  "status",
				short: "say which secrets are set (never their values)",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					return func(ctx context.Context, e *env, args []string) error {
						if err := noArgs("calsync secret status", args); err != nil {
							return err
						}
						tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
						fmt.Fprintln(tw, "SECRET\tSTATE\tSOURCE\tNOTE")
						var missing []string
						for _, st := range newSecretStore(e).Status(ctx) {
							state := "set"
							if !st.Set {
								state = "missing"
								missing = append(missing, st.Name.EnvVar())
							}
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.Name, state, orDash(st.Source.Where(st.Name)), st.Err)
						}
						tw.Flush()
						if len(missing) > 0 {
							fmt.Fprintf(e.stdout, "\nSet a missing secret with: calsync secret set graph|onecloud (in a session where the system keychain works),\n"+
								"or in its environment variable (servers, cron, SSH): %s\n", strings.Join(missing, ", "))
						}
						return nil
					}
				},
			},
		},
	}
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

func newSecretStore(e *env) *secrets.Store {
	return secrets.New(secrets.Options{Backend: e.keychain, Getenv: e.getenv})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
