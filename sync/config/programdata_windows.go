package config

import "golang.org/x/sys/windows"

// programData is the machine's ProgramData folder as Windows knows it, whatever the process's
// environment says: a service's environment is not the admin's, and both must agree on which
// configuration is the default one. "" when Windows cannot say.
func programData() string {
	p, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
	if err != nil {
		return ""
	}
	return p
}
