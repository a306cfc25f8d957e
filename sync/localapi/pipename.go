package localapi

import (
	"fmt"
	"runtime"
	"strings"
)

// DefaultPipeName is the local API's named pipe on Windows. It lives under
// ProtectedPrefix\Administrators, where only administrators (and SYSTEM) can
// create pipes, as Tailscale's does.
const DefaultPipeName = `\\.\pipe\ProtectedPrefix\Administrators\calsync\localapi`

// pipeSDDL is the named pipe's security descriptor, a protected DACL:
//   - SYSTEM and Administrators: full access;
//   - interactive users (IU): 0x12018b = FILE_GENERIC_READ | FILE_WRITE_DATA
//     | FILE_WRITE_ATTRIBUTES, enough to talk over the pipe, but without
//     FILE_APPEND_DATA, which on a pipe is FILE_CREATE_PIPE_INSTANCE: they
//     cannot add a server instance of their own and pose as the service.
//
// Everyone else (network logons, other services) is refused by the OS
// before any byte is read. What an admitted caller may do is decided per
// connection from its token (PeerCredentials, permissionFor).
const pipeSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12018b;;;IU)"

// protectedPipePrefix is the namespace only administrators can create pipes in.
const protectedPipePrefix = `\\.\pipe\ProtectedPrefix\`

// PipeName is the Windows pipe that Listen and Dial use for path: path itself
// when it is already a pipe name (`\\.\pipe\...`, for tests or a second
// instance), DefaultPipeName otherwise. The service is one per machine on
// Windows, so the config directory does not enter the name and the GUI finds
// it without knowing where the service keeps its config.
func PipeName(path string) string {
	if IsPipeName(path) {
		return path
	}
	return DefaultPipeName
}

// IsPipeName reports whether path names a Windows pipe (`\\.\pipe\...`)
// rather than a file: it has no directory to create.
func IsPipeName(path string) bool {
	return strings.HasPrefix(path, `\\.\pipe\`)
}

// ProcessPipeName is a pipe of process pid's own, for a local API that is not
// the service's (the desktop demo's): outside ProtectedPrefix, so a
// non-administrator can create it, and named after the process, so it never
// meets an installed service or another demo. Unix sockets need no such
// name: they live next to their configuration.
func ProcessPipeName(pid int) string {
	return fmt.Sprintf(`\\.\pipe\calsync-%d\localapi`, pid)
}

// pipeSDDLFor is the security descriptor Listen gives pipe name: the
// service's (pipeSDDL) in the protected namespace; elsewhere (a
// ProcessPipeName) only SYSTEM and the account that creates it, ownerSID,
// which also needs the right to add the further pipe instances a listener
// makes for each client.
func pipeSDDLFor(name, ownerSID string) string {
	if strings.HasPrefix(strings.ToLower(name), strings.ToLower(protectedPipePrefix)) || ownerSID == "" {
		return pipeSDDL
	}
	return "D:P(A;;GA;;;SY)(A;;GA;;;" + ownerSID + ")"
}

// Endpoint names what Listen listens on for path on this OS, for messages:
// the pipe on Windows, the socket's path elsewhere.
func Endpoint(path string) string {
	if runtime.GOOS == "windows" {
		return PipeName(path)
	}
	return path
}
