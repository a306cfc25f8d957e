//go:build windows

package service

import (
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc/mgr"
)

// Windows error numbers the advice below recognises.
const (
	errServiceMarkedForDelete syscall.Errno = 1072 // ERROR_SERVICE_MARKED_FOR_DELETE
	errServiceExists          syscall.Errno = 1073 // ERROR_SERVICE_EXISTS
)

// afterInstall applies opt to the service name, each setting on its own, and
// returns one error per setting the service manager refused (see
// WindowsOptional).
func afterInstall(name string, opt WindowsOptional) []error {
	m, err := mgr.Connect()
	if err != nil {
		return []error{fmt.Errorf("connect to the service manager: %w", err)}
	}
	defer m.Disconnect()
	s, err := m.OpenService(name)
	if err != nil {
		return []error{fmt.Errorf("open service %s: %w", name, err)}
	}
	defer s.Close()
	var errs []error
	if opt.DelayedAutoStart {
		info := windows.SERVICE_DELAYED_AUTO_START_INFO{IsDelayedAutoStartUp: 1}
		if err := windows.ChangeServiceConfig2(s.Handle, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (*byte)(unsafe.Pointer(&info))); err != nil {
			errs = append(errs, fmt.Errorf("delayed automatic start of service %s: %w", name, err))
		}
	}
	if opt.RestartDelay > 0 {
		actions := []mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: opt.RestartDelay}}
		if err := s.SetRecoveryActions(actions, uint32(opt.ResetPeriod/time.Second)); err != nil {
			errs = append(errs, fmt.Errorf("restart service %s after a failure: %w", name, err))
		} else if opt.RestartOnErrorExit {
			if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
				errs = append(errs, fmt.Errorf("restart service %s after a failed exit: %w", name, err))
			}
		}
	}
	return errs
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
