package localapi

import "strings"

// DefaultPipeName is the local API's named pipe on Windows. It lives under
// ProtectedPrefix\Administrators, where only administrators (and SYSTEM) can
// create pipes, as Tailscale's does.
const DefaultPipeName = `\\.\pipe\ProtectedPrefix\Administrators\calsync\localapi`

// PipeName is the Windows pipe that Listen and Dial use for path: path itself
// when it is already a pipe name (`\\.\pipe\...`, for tests or a second
// instance), DefaultPipeName otherwise. The service is one per machine on
// Windows, so the config directory does not enter the name and the GUI finds
// it without knowing where the service keeps its config.
func PipeName(path string) string {
	if strings.HasPrefix(path, `\\.\pipe\`) {
		return path
	}
	return DefaultPipeName
}
