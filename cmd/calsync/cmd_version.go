package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
)

func versionCommand() *command {
	return &command{
		name:  "version",
		short: "print version, commit and build date",
		flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if err := noArgs("calsync version", args); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "calsync %s (commit %s, built %s, %s %s/%s)\n",
					version, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			}
		},
	}
}
