package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	kservice "github.com/kardianos/service"

	"github.com/calsync/calsync/sync/service/action"
)

// State is what the OS service manager says about the calsync service.
type State int

// States, from least to most alive.
const (
	StateUnknown      State = iota // the service manager could not be asked
	StateNotInstalled              // no calsync service is defined
	StateStopped                   // installed, not running
	StateFailed                    // installed, stopped by the manager after failing (Linux)
	StateRunning                   // installed and running (or starting)
)

// String is the word Control prints for the state.
func (s State) String() string {
	switch s {
	case StateNotInstalled:
		return "not installed"
	case StateStopped:
		return "stopped"
	case StateFailed:
		return "failed"
	case StateRunning:
		return "running"
	}
	return "unknown"
}

// Installed reports whether the service is defined in the service manager.
func (s State) Installed() bool {
	return s == StateStopped || s == StateFailed || s == StateRunning
}

// commandTimeout bounds the systemctl call this package makes itself.
const commandTimeout = 30 * time.Second

// host is what Control needs from the machine; tests replace parts of it.
type host struct {
	euid      int    // -1 where there is no such thing (Windows)
	username  string // for the loginctl advice
	home      string // for the unit/plist path in messages
	lingerDir string // where systemd-logind marks users with lingering on
	// userManager returns nil when `systemctl --user` can reach the user's
	// service manager, else an error with what systemctl said (Linux only).
	userManager func(ctx context.Context) error
	// afterInstall applies the optional settings kardianos is not given
	// (Windows: WindowsOptional), each best-effort: it returns one error per
	// setting the system refused.
	afterInstall func() []error
}

func currentHost() host {
	h := host{
		euid:         os.Geteuid(),
		lingerDir:    "/var/lib/systemd/linger",
		userManager:  systemdUserManager,
		afterInstall: func() []error { return afterInstall(Name, WindowsOptionalSettings()) },
	}
	// The user name only goes into the Linux advice (loginctl enable-linger).
	if runtime.GOOS != "windows" {
		if u, err := user.Current(); err == nil {
			h.username = u.Username
		} else {
			h.username = os.Getenv("USER")
		}
	}
	h.home, _ = os.UserHomeDir()
	return h
}

// Status asks the OS service manager about the calsync service.
func Status(p Params) (State, error) {
	if err := p.Validate(); err != nil {
		return StateUnknown, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	c, err := newController(p, currentHost(), nil)
	if err != nil {
		return StateUnknown, err
	}
	return c.status(ctx)
}

// Control performs the action act (install, uninstall, start, stop or status) on the
// calsync service and returns a message for a human. Asking for what is
// already so (installing an installed service, stopping a stopped one) is not
// an error. Errors say what to do about them: an elevated prompt on Windows, a
// user session (and loginctl enable-linger) on Linux.
func Control(ctx context.Context, act string, p Params, log *slog.Logger) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	c, err := newController(p, currentHost(), log)
	if err != nil {
		return "", err
	}
	return c.control(ctx, act)
}

// controller runs one Control or Status call.
type controller struct {
	p   Params
	h   host
	svc kservice.Service
	log *slog.Logger
}

func newController(p Params, h host, log *slog.Logger) (*controller, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc, err := kservice.New(noProgram{}, Config(p))
	if err != nil {
		return nil, fmt.Errorf("set up the %s service definition: %w", p.GOOS, err)
	}
	return &controller{p: p, h: h, svc: svc, log: log}, nil
}

// noProgram is the kservice.Interface for a process that only controls the
// service and never runs it.
type noProgram struct{}

func (noProgram) Start(kservice.Service) error { return nil }
func (noProgram) Stop(kservice.Service) error  { return nil }

func (c *controller) control(ctx context.Context, act string) (string, error) {
	switch act {
	case action.Install, action.Uninstall, action.Start, action.Stop, action.Status:
	default:
		return "", fmt.Errorf("service action %q is not known, want install, uninstall, start, stop or status", act)
	}
	if err := c.preflight(ctx); err != nil {
		return "", err
	}
	st, err := c.status(ctx)
	if err != nil {
		return "", err
	}
	c.log.Debug("service control", "action", act, "state", st.String(), "platform", c.svc.Platform())
	switch act {
	case action.Status:
		return st.String(), nil
	case action.Install:
		return c.install(ctx, st)
	case action.Uninstall:
		return c.uninstall(ctx, st)
	case action.Start:
		return c.start(ctx, st)
	default:
		return c.stop(st)
	}
}

// preflight refuses what cannot work before anything is changed.
func (c *controller) preflight(ctx context.Context) error {
	if c.p.GOOS != "windows" && c.h.euid == 0 {
		kind := "LaunchAgent"
		if c.p.GOOS == "linux" {
			kind = "systemd user service"
		}
		return fmt.Errorf("calsync installs a %s for the user who runs this command, so as root it would be root's: run it as the user whose %s holds the calsync secrets, without sudo",
			kind, secretStoreName(c.p.GOOS))
	}
	// Linux: status, which always follows, checks the user manager.
	return nil
}

func secretStoreName(goos string) string {
	if goos == "darwin" {
		return "login keychain"
	}
	return "Secret Service keyring"
}

func (c *controller) noUserSessionAdvice() string {
	return fmt.Sprintf("calsync runs as a systemd user service, which needs the user's own service manager (systemctl --user). "+
		"Run this command in a login session of %[1]s: a desktop or ssh login, not sudo or su. "+
		"On a machine nobody logs in to, first run once as an administrator: sudo loginctl enable-linger %[1]s "+
		"(this starts %[1]s's service manager at boot), then log in again and retry.", c.userOr("the user"))
}

func (c *controller) userOr(fallback string) string {
	if c.h.username != "" {
		return c.h.username
	}
	return fallback
}

// status maps kardianos's answer onto State.
func (c *controller) status(ctx context.Context) (State, error) {
	if c.p.GOOS == "linux" {
		// Without a reachable user manager systemctl prints nothing on
		// stdout and kardianos would report "not installed".
		if err := c.h.userManager(ctx); err != nil {
			return StateUnknown, fmt.Errorf("%w\n%s", err, c.noUserSessionAdvice())
		}
	}
	st, err := c.svc.Status()
	switch {
	case errors.Is(err, kservice.ErrNotInstalled):
		return StateNotInstalled, nil
	case err != nil && strings.Contains(err.Error(), "failed state"):
		return StateFailed, nil
	case err != nil:
		return StateUnknown, c.explain("query", err)
	case st == kservice.StatusRunning:
		return StateRunning, nil
	case st == kservice.StatusStopped:
		return StateStopped, nil
	}
	return StateUnknown, fmt.Errorf("query the %s service: the service manager gave no state", Name)
}

func (c *controller) install(ctx context.Context, st State) (string, error) {
	if st.Installed() {
		return fmt.Sprintf("already installed (%s); to install it afresh, run calsync service uninstall first", st), nil
	}
	if c.p.GOOS != "windows" {
		// The definition is handed to kardianos as a template: refuse what it would misread.
		if _, err := DefinitionFile(c.p); err != nil {
			return "", fmt.Errorf("install the %s service: %w", Name, err)
		}
	}
	if c.p.GOOS == "linux" {
		// systemd expands %specifiers and $VARIABLES even inside quotes in
		// ExecStart=, so such a path would reach calsync changed.
		for _, f := range []struct{ field, v string }{{"executable", c.p.Executable}, {"config path", c.p.ConfigPath}} {
			if strings.ContainsAny(f.v, "%$\n") {
				return "", fmt.Errorf("install the %s service: the %s %q contains %%, $ or a line break, which a systemd unit cannot pass on unchanged; move the file to a plainer path", Name, f.field, f.v)
			}
		}
	}
	if err := c.svc.Install(); err != nil {
		return "", c.explain("install", err)
	}
	for _, err := range c.h.afterInstall() {
		// The service works without any of them: say so rather than undo
		// the install.
		c.log.Warn("service installed without an optional setting the system refused", "err", err.Error())
	}
	c.log.Info("service installed", "platform", c.svc.Platform(), "config", c.p.ConfigPath)
	switch c.p.GOOS {
	case "linux":
		msg := fmt.Sprintf("installed as a systemd user service (%s); start it with: calsync service start",
			filepath.Join(c.h.home, ".config", "systemd", "user", Name+".service"))
		if !c.lingering() {
			msg += fmt.Sprintf("\nIt starts when %[1]s logs in. To run it with nobody logged in (a headless machine, or after a reboot), run once: sudo loginctl enable-linger %[1]s",
				c.userOr("you"))
		}
		return msg, nil
	case "darwin":
		return fmt.Sprintf("installed as a LaunchAgent (%s); it starts when you log in; start it now with: calsync service start",
			filepath.Join(c.h.home, "Library", "LaunchAgents", Name+".plist")), nil
	default:
		return fmt.Sprintf("installed as the Windows service %q (%s), starting automatically at boot; start it now with: calsync service start",
			Name, DisplayName), nil
	}
}

// lingering reports whether systemd-logind starts this user's service manager
// at boot (loginctl enable-linger), which a headless machine needs.
func (c *controller) lingering() bool {
	if c.h.username == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(c.h.lingerDir, c.h.username))
	return err == nil
}

func (c *controller) uninstall(ctx context.Context, st State) (string, error) {
	if !st.Installed() {
		return StateNotInstalled.String(), nil
	}
	// launchd's Uninstall unloads the agent itself; systemd and the Windows
	// SCM would leave a running process behind a deleted definition.
	if st == StateRunning && c.p.GOOS != "darwin" {
		if err := c.svc.Stop(); err != nil {
			return "", c.explain("stop", err)
		}
	}
	if err := c.svc.Uninstall(); err != nil {
		return "", c.explain("uninstall", err)
	}
	c.log.Info("service uninstalled", "platform", c.svc.Platform())
	return fmt.Sprintf("uninstalled; the configuration, secrets and logs in %s were kept", filepath.Dir(c.p.ConfigPath)), nil
}

func (c *controller) start(ctx context.Context, st State) (string, error) {
	switch st {
	case StateNotInstalled:
		return "", errors.New("the calsync service is not installed; install it first with: calsync service install")
	case StateRunning:
		return "already running", nil
	}
	if err := c.svc.Start(); err != nil {
		return "", c.explain("start", err)
	}
	c.log.Info("service start requested", "platform", c.svc.Platform())
	now, err := c.status(ctx)
	if err != nil {
		return "", err
	}
	if now == StateRunning {
		return now.String(), nil
	}
	return "", fmt.Errorf("the service manager accepted the start, but the service is %s; %s", now, c.whereToLook())
}

func (c *controller) stop(st State) (string, error) {
	switch st {
	case StateNotInstalled:
		return "", errors.New("the calsync service is not installed, so there is nothing to stop")
	case StateStopped, StateFailed:
		return "already stopped", nil
	}
	if err := c.svc.Stop(); err != nil {
		return "", c.explain("stop", err)
	}
	c.log.Info("service stopped", "platform", c.svc.Platform())
	return StateStopped.String(), nil
}

// whereToLook names the logs that explain a service that does not run.
func (c *controller) whereToLook() string {
	logPath := LogPath(c.p.ConfigPath)
	switch c.p.GOOS {
	case "linux":
		return fmt.Sprintf("see %s and: journalctl --user -u %s", logPath, Name)
	case "darwin":
		return fmt.Sprintf("see %s and %s", logPath, filepath.Join(filepath.Dir(c.p.ConfigPath), Name+".err.log"))
	default:
		return fmt.Sprintf("see %s and the Windows Event Log (Windows Logs > Application, source %s)", logPath, Name)
	}
}

// explain wraps a service manager error with what to do about it.
func (c *controller) explain(act string, err error) error {
	wrapped := fmt.Errorf("%s the %s service: %w", act, Name, err)
	var advice string
	switch {
	case errors.Is(err, fs.ErrPermission) && c.p.GOOS == "windows":
		advice = "managing a Windows service needs administrator rights: open an elevated prompt (right-click Terminal or Command Prompt, Run as administrator) and run the command again"
	case errors.Is(err, fs.ErrPermission):
		advice = "the service file could not be written: check that your home directory and its Library/.config folders belong to you"
	default:
		advice = platformAdvice(err)
	}
	if advice == "" && (act == action.Start || act == action.Stop) {
		advice = c.whereToLook()
	}
	if advice == "" {
		return wrapped
	}
	return fmt.Errorf("%w\n%s", wrapped, advice)
}

// systemdUserManager checks that `systemctl --user` reaches a service manager.
func systemdUserManager(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemctl", "--user", "show-environment")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		said := strings.TrimSpace(stderr.String())
		if said == "" {
			said = err.Error()
		}
		return fmt.Errorf("no systemd user session is reachable (systemctl --user: %s)", said)
	}
	return nil
}
