// Package service makes calsync an OS service with
// github.com/kardianos/service: it says how the service is defined on each OS
// (Config), installs, removes, starts, stops and queries it (Control, Status),
// runs the sync under the service manager or in a terminal with a clean,
// bounded stop (Run), and builds the service's logger (NewLogger, OpenLogger).
//
// Who the service runs as decides where secrets can live, so it differs per
// OS (docs/service.md explains it): a LocalSystem service on Windows, a
// per-user LaunchAgent on macOS, a systemd user unit on Linux.
package service

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"time"

	kservice "github.com/kardianos/service"
)

// Identity of the service, the same on every OS.
const (
	Name        = "calsync"
	DisplayName = "OneCloud Calendar Sync"
	Description = "Sets OneCloud telephone presence from Microsoft 365 calendars."
)

// DefaultStopTimeout bounds how long a stop waits for the sync to save its
// state and return. It stays under the shortest grace period a service manager
// gives before killing the process (launchd's ExitTimeOut, 20 s).
const DefaultStopTimeout = 15 * time.Second

// Values of the per-OS options, named so tests and docs agree with the code.
const (
	windowsRestartDelay = 10 * time.Second
	windowsResetPeriod  = 24 * time.Hour // the failure count is forgotten after a day
	linuxRestart        = "on-failure"
)

// WindowsOptional is what install sets on the Windows service once it
// exists, each setting on its own (ChangeServiceConfig2): a system that
// refuses one (Wine refuses the delayed start with "Invalid level", an older
// or locked-down Windows may refuse another) gets a service without it and
// a logged warning, never a failed install.
type WindowsOptional struct {
	// DelayedAutoStart: the engine copes with a network that is not up yet
	// (it retries), but starting after boot has settled avoids a first poll
	// that fails on Wi-Fi/VPN still connecting and keeps the boot itself
	// quick. Cost: about two minutes after a reboot.
	DelayedAutoStart bool
	// RestartDelay is how long the SCM waits before restarting a failed
	// service; ResetPeriod, after how long without failure it forgets them.
	RestartDelay, ResetPeriod time.Duration
	// RestartOnErrorExit also restarts a service that stopped with a
	// non-zero exit code, not only a crash: Run reports a sync that gave up
	// with an error that way.
	RestartOnErrorExit bool
}

// WindowsOptionalSettings is the WindowsOptional install applies.
func WindowsOptionalSettings() WindowsOptional {
	return WindowsOptional{DelayedAutoStart: true, RestartDelay: windowsRestartDelay, ResetPeriod: windowsResetPeriod, RestartOnErrorExit: true}
}

// Params says what to install: for which OS, which binary, which config.
type Params struct {
	// GOOS is the OS the service is for: "windows", "darwin" or "linux".
	// Config takes it as input so the definition for any OS can be inspected
	// anywhere; Control and Run want runtime.GOOS.
	GOOS string
	// Executable is the absolute path of the calsync binary the service runs.
	Executable string
	// ConfigPath is the absolute path of config.json; the service gets it as
	// --config, and its log and state files live next to it.
	ConfigPath string
	// StopTimeout bounds how long Run waits for the body after a stop; 0 means
	// DefaultStopTimeout. Config ignores it.
	StopTimeout time.Duration
}

// CurrentParams is Params for this OS and this binary (symlinks resolved, so
// a link in a PATH directory installs the real file), with configPath as given.
func CurrentParams(configPath string) (Params, error) {
	exe, err := os.Executable()
	if err != nil {
		return Params{}, fmt.Errorf("find the calsync executable: %w", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return Params{GOOS: runtime.GOOS, Executable: exe, ConfigPath: configPath}, nil
}

// Validate reports what is wrong with p for controlling or running the
// service on this machine.
func (p Params) Validate() error {
	var errs []error
	if p.GOOS != runtime.GOOS {
		errs = append(errs, fmt.Errorf("service params: GOOS is %q, but this is %s; the service can only be managed on the OS it runs on", p.GOOS, runtime.GOOS))
	}
	if !supportedOS(p.GOOS) {
		errs = append(errs, fmt.Errorf("service params: GOOS %q is not supported, want windows, darwin or linux", p.GOOS))
	}
	if p.Executable == "" || !filepath.IsAbs(p.Executable) {
		errs = append(errs, fmt.Errorf("service params: Executable %q must be the absolute path of the calsync binary", p.Executable))
	}
	if p.ConfigPath == "" || !filepath.IsAbs(p.ConfigPath) {
		errs = append(errs, fmt.Errorf("service params: ConfigPath %q must be the absolute path of config.json", p.ConfigPath))
	}
	if p.StopTimeout < 0 {
		errs = append(errs, fmt.Errorf("service params: StopTimeout %s must not be negative", p.StopTimeout))
	}
	return errors.Join(errs...)
}

func supportedOS(goos string) bool {
	return goos == "windows" || goos == "darwin" || goos == "linux"
}

func (p Params) stopTimeout() time.Duration {
	if p.StopTimeout > 0 {
		return p.StopTimeout
	}
	return DefaultStopTimeout
}

// Config is the service definition for p.GOOS. It is a pure function of p, so
// tests can inspect the definition for every OS on any machine. The service
// runs calsync itself as `calsync service run --config <ConfigPath>`.
//
//   - windows: a system service (LocalSystem: no UserName), automatic start;
//     install then delays the start until boot has settled and sets the
//     restart 10 s after a failure, the failure count reset after a day
//     (WindowsOptional).
//   - darwin: a per-user LaunchAgent (so the login keychain is readable),
//     started at load and kept alive; launchd's stdout/stderr capture (where a
//     crash trace lands) goes next to the config instead of the home folder.
//   - linux: a systemd user unit (so the session's Secret Service is
//     reachable), restarted on failure, wanted by default.target (the built-in
//     template's multi-user.target does not exist in a user manager, so the
//     unit would never start at login; see systemdUnit).
//
// On darwin and linux the definition file is rendered here (DefinitionFile)
// and handed to kardianos as a template without actions, so what install
// writes is exactly what `calsync service print-config` shows.
//
// An unsupported GOOS gets the common part only.
func Config(p Params) *kservice.Config {
	c := &kservice.Config{
		Name:        Name,
		DisplayName: DisplayName,
		Description: Description,
		Executable:  p.Executable,
		Arguments:   runArguments(p.ConfigPath),
	}
	switch p.GOOS {
	case "windows":
		// Only what CreateService itself takes: the optional settings
		// (delayed start, restart on failure) go through ChangeServiceConfig2,
		// which a system may refuse one by one (Wine, an older or locked-down
		// Windows), so install applies them itself, each best-effort
		// (WindowsOptional), instead of letting kardianos fail the install.
		c.Option = kservice.KeyValue{"StartType": "automatic"}
	case "darwin":
		// LaunchdConfig is the whole plist (launchdPlist), so the options
		// below only repeat what it says for kardianos's own use.
		c.Option = kservice.KeyValue{
			"UserService":   true,
			"RunAtLoad":     true,
			"KeepAlive":     true,
			"LogDirectory":  path.Dir(p.ConfigPath), // macOS paths use "/" whatever OS computes this
			"LaunchdConfig": launchdPlist(p),
		}
	case "linux":
		// No After=network-online.target: a user manager cannot see system
		// units, so ordering on it would be a silent no-op. The engine retries
		// until the network is there instead.
		c.Option = kservice.KeyValue{
			"UserService":   true,
			"Restart":       linuxRestart,
			"SystemdScript": systemdUnit(p),
		}
	}
	return c
}

// runArguments are the arguments the service starts calsync with.
func runArguments(configPath string) []string {
	return []string{"service", "run", "--config", configPath}
}
