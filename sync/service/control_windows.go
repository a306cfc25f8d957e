//go:build windows

package service

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/windows/svc/mgr"
)

// Windows error numbers the advice below recognises.
const (
	errServiceMarkedForDelete syscall.Errno = 1072 // ERROR_SERVICE_MARKED_FOR_DELETE
	errServiceExists          syscall.Errno = 1073 // ERROR_SERVICE_EXISTS
)

// afterInstall makes the SCM run the recovery action (restart) also when the
// service stops with a non-zero exit code, not only when the process crashes:
// Run reports a sync that gave up with an error that way.
func afterInstall(name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the service manager: %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(name)
	if err != nil {
		return fmt.Errorf("open service %s: %w", name, err)
	}
	defer s.Close()
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return fmt.Errorf("restart service %s after a failed exit: %w", name, err)
	}
	return nil
}

// platformAdvice says what to do about a Windows service manager error.
func platformAdvice(err error) string {
	switch {
	case errors.Is(err, errServiceMarkedForDelete):
		return "Windows is still deleting the previous calsync service: close the Services console (services.msc) and Event Viewer, wait a moment and run the command again (or restart Windows)"
	case errors.Is(err, errServiceExists):
		return "a service named calsync already exists: remove it with calsync service uninstall first"
	}
	return ""
}
