//go:build !windows

package service

// afterInstall has nothing to add outside Windows: the unit or plist says
// it all (systemd's Restart=, launchd's KeepAlive).
func afterInstall(string, WindowsOptional) []error { return nil }

// platformAdvice has no OS-specific advice outside Windows; Control's own
// checks (root, the systemd user session) come before the service manager.
func platformAdvice(error) string { return "" }
