//go:build !windows

package service

// afterInstall has nothing to add outside Windows: systemd's Restart= and
// launchd's KeepAlive already cover a non-zero exit.
func afterInstall(string) error { return nil }

// platformAdvice has no OS-specific advice outside Windows; Control's own
// checks (root, the systemd user session) come before the service manager.
func platformAdvice(error) string { return "" }
