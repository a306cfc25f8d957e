package winconsole

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is AttachConsole's "the console of the parent process".
const attachParentProcess = ^uint32(0)

func init() {
	if len(os.Args) < 2 {
		return // the window: no console is wanted
	}
	attach()
}

func attach() {
	missing := func(std uint32) bool {
		h, err := windows.GetStdHandle(std)
		return err != nil || h == 0 || h == windows.InvalidHandle
	}
	in, out, errOut := missing(windows.STD_INPUT_HANDLE), missing(windows.STD_OUTPUT_HANDLE), missing(windows.STD_ERROR_HANDLE)
	if !in && !out && !errOut {
		return
	}
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if proc.Find() != nil {
		return
	}
	if r, _, _ := proc.Call(uintptr(attachParentProcess)); r == 0 {
		return // started from Explorer or by the service manager: there is no console to attach to
	}
	if out || errOut {
		if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			if out {
				os.Stdout = f
			}
			if errOut {
				os.Stderr = f
			}
		}
	}
	if in {
		if f, err := os.OpenFile("CONIN$", os.O_RDONLY, 0); err == nil {
			os.Stdin = f
		}
	}
}
