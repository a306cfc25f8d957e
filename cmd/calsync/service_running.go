package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// serviceProbeTimeout bounds asking whether the service answers beside the
// configuration: a warning is not worth a wait.
const serviceProbeTimeout = 2 * time.Second

// warnIfServiceRunning says, in one line on stderr, that the service of this
// configuration is running and writes what this one-off run (writes, e.g.
// "the same presence") writes too, and what to do. A service that refuses
// this user is running all the same; one that does not answer is not.
func warnIfServiceRunning(ctx context.Context, e *env, path, writes string) {
	ctx, cancel := context.WithTimeout(ctx, serviceProbeTimeout)
	defer cancel()
	_, err := localapi.NewClient(config.SiblingPath(path, config.SocketFileName)).Status(ctx)
	if err != nil && !errors.Is(err, localapi.ErrAccessDenied) {
		return
	}
	fmt.Fprintf(e.stderr, "calsync: warning: the calsync service is running for %s and writes %s too: "+
		"use Sync now in the calsync window instead, or pause the service there (or calsync service stop) before running this\n", path, writes)
}
