package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/calsync/calsync/sync/check"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/service"
)

// One secret store per installation. On Windows the service runs as LocalSystem, whose
// Credential Manager is not the admin's: once the service is installed, its store is the one
// that counts, and the commands that write or test secrets (secret set, cert new|import, check)
// reach it through the running service or say it must be started. On macOS and Linux the
// service runs as the user who installed it, with the same keychain, so this user's store is
// the service's.

// serviceOwnsSecrets reports whether the secrets for configPath belong to an installed service
// that keeps them in a store of its own (Windows).
func serviceOwnsSecrets(e *env, configPath string) bool {
	if e.serviceOwnsSecrets != nil {
		return e.serviceOwnsSecrets(configPath)
	}
	if runtime.GOOS != "windows" {
		return false
	}
	p, err := service.CurrentParams(configPath)
	if err != nil {
		return false
	}
	st, err := service.Status(p)
	return err == nil && st.Installed()
}

// errServiceStoreStopped is why a command does not fall back to this user's store: the
// installed service would never read what it wrote there.
func errServiceStoreStopped(what string) error {
	return fmt.Errorf("the calsync service is installed but not running, and it keeps %s in its own store "+
		"(the LocalSystem account's Credential Manager), which only the running service can reach: "+
		"start it with calsync service start (from an elevated prompt) and run this command again", what)
}

// localStoreFallback is what secret set and cert new|import do when no service answered: nil
// when this user's store is the right one, else errServiceStoreStopped.
func localStoreFallback(e *env, configPath, what string) error {
	if serviceOwnsSecrets(e, configPath) {
		return errServiceStoreStopped(what)
	}
	return nil
}

// checkThroughService runs calsync check as the installed service sees it: its own secrets,
// through its test-connection endpoint. It reports false when the service does not own the
// secrets here, so the check runs in this process.
func checkThroughService(ctx context.Context, e *env, path string) (bool, error) {
	if !serviceOwnsSecrets(e, path) {
		return false, nil
	}
	client := localapi.NewClient(config.SiblingPath(path, config.SocketFileName))
	got, err := client.TestConnection(ctx)
	switch {
	case errors.Is(err, localapi.ErrNotRunning):
		return true, withCode(exitUsage, errServiceStoreStopped("the secrets calsync check must test"))
	case errors.Is(err, localapi.ErrAccessDenied):
		return true, fmt.Errorf("the calsync service is running but refused this user: run calsync check from an elevated prompt: %w", err)
	case err != nil:
		return true, fmt.Errorf("run the connection test in the calsync service: %w", err)
	}
	fmt.Fprintln(e.stdout, "Checked by the running calsync service, with the secrets in its own store:")
	steps := make([]check.Step, len(got))
	for i, s := range got {
		steps[i] = check.Step{Name: s.Name, OK: s.OK, Detail: s.Detail, Remedy: s.Remedy}
	}
	printSteps(e.stdout, steps)
	if check.Passed(steps) {
		return true, nil
	}
	failed, _ := countFailed(steps)
	return true, withCode(checkExitCode(steps), fmt.Errorf("%d of %d checks failed", failed, len(steps)))
}
