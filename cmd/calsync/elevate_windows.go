package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// elevateGUI returns what the window's "Restart as administrator" does on
// Windows: start this program again, with the same arguments and the file of
// unsaved edits (draft), through the UAC prompt (ShellExecute's "runas"
// verb). The caller quits this copy once it returns nil; a refused prompt
// is an error.
func elevateGUI() func(draft string) error {
	return func(draft string) error {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("restart as administrator: find this program: %w", err)
		}
		verb, err := windows.UTF16PtrFromString("runas")
		if err != nil {
			return fmt.Errorf("restart as administrator: %w", err)
		}
		file, err := windows.UTF16PtrFromString(exe)
		if err != nil {
			return fmt.Errorf("restart as administrator: %w", err)
		}
		var args *uint16
		if a := elevatedArgs(os.Args[1:], draft); len(a) > 0 {
			if args, err = windows.UTF16PtrFromString(windows.ComposeCommandLine(a)); err != nil {
				return fmt.Errorf("restart as administrator: %w", err)
			}
		}
		var cwd *uint16
		if wd, err := os.Getwd(); err == nil {
			cwd, _ = windows.UTF16PtrFromString(wd)
		}
		if err := windows.ShellExecute(0, verb, file, args, cwd, windows.SW_SHOWNORMAL); err != nil {
			if err == windows.ERROR_CANCELLED {
				return fmt.Errorf("restart as administrator: the request was declined")
			}
			return fmt.Errorf("restart as administrator: %w", err)
		}
		return nil
	}
}
