package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipeClientAccess is what Dial asks for: exactly the rights interactive
// users have on the pipe (GENERIC_WRITE would include
// FILE_CREATE_PIPE_INSTANCE and be refused to them).
const pipeClientAccess = windows.FILE_GENERIC_READ | windows.FILE_WRITE_DATA | windows.FILE_WRITE_ATTRIBUTES

// Listen creates the local API's named pipe: PipeName(path), with the ACL
// pipeSDDLFor gives it (the service's pipeSDDL, or a process pipe's own).
// Creating a pipe under ProtectedPrefix\Administrators itself needs
// administrator rights (the service runs as LocalSystem), so no ordinary
// process can create the pipe first and impersonate the service.
func Listen(path string) (net.Listener, error) {
	name := PipeName(path)
	l, err := winio.ListenPipe(name, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDLFor(name, processSID()),
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err != nil {
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return nil, fmt.Errorf("listen on pipe %s: %w (the pipe exists already, or this process is not an administrator)", name, err)
		}
		return nil, fmt.Errorf("listen on pipe %s: %w", name, err)
	}
	occupyFirstInstance(name)
	return l, nil
}

// occupyFirstInstance connects to the pipe's first instance once and lets go
// at once. go-winio keeps that instance (created to own the name) without
// ever accepting on it; where a client can connect to it (Wine, which CI runs
// calsync under; Windows 7 and Server 2008 R2, go-winio issue #313) the
// first client would wait forever on an instance nobody serves. Used up
// here, it is never offered again; where clients cannot reach it, this fails
// harmlessly. Only the name is opened: no data, no identity (anonymous).
func occupyFirstInstance(name string) {
	n, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return
	}
	h, err := windows.CreateFile(n, 0, 0, nil, windows.OPEN_EXISTING, windows.SECURITY_SQOS_PRESENT|windows.SECURITY_ANONYMOUS, 0)
	if err == nil {
		windows.CloseHandle(h)
	}
}

// Dial connects to the local API pipe PipeName(path).
func Dial(ctx context.Context, path string) (net.Conn, error) {
	name := PipeName(path)
	c, err := winio.DialPipeAccess(ctx, name, pipeClientAccess)
	if err != nil {
		return nil, fmt.Errorf("connect to local API pipe %s: %w", name, err)
	}
	return c, nil
}

// PeerCredentials identifies a pipe client by its process token: the
// server's end of the pipe names the client's process
// (GetNamedPipeClientProcessId), whose token says whether it is SYSTEM, an
// (elevated) administrator or an interactive user. Policy.Permission then
// grants read-write or read (see permissionFor). Any other kind of connection
// is refused.
func PeerCredentials(c net.Conn) (Peer, error) {
	if c.LocalAddr().Network() != "pipe" {
		return Peer{}, fmt.Errorf("peer credentials: a %T is not a named pipe connection", c)
	}
	// go-winio's pipe connections expose their handle as Fd.
	fc, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return Peer{}, fmt.Errorf("peer credentials: a %T does not expose its pipe handle", c)
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(windows.Handle(fc.Fd()), &pid); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: find the pipe client's process: %w", err)
	}
	facts, user, sid, err := processTokenFacts(pid)
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials of process %d: %w", pid, err)
	}
	return peerFromToken(facts, int(pid), user, sid), nil
}

// processTokenFacts reads what permissionFor needs from the token of
// process pid, and its account for logs.
func processTokenFacts(pid uint32) (f tokenFacts, user, sid string, err error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return f, "", "", fmt.Errorf("open process: %w", err)
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return f, "", "", fmt.Errorf("open process token: %w", err)
	}
	defer tok.Close()

	tu, err := tok.GetTokenUser()
	if err != nil {
		return f, "", "", fmt.Errorf("read token user: %w", err)
	}
	account := tu.User.Sid
	sid = account.String()
	f.System = account.IsWellKnown(windows.WinLocalSystemSid)
	f.Elevated = tok.IsElevated()
	groups, err := tok.GetTokenGroups()
	if err != nil {
		return f, "", "", fmt.Errorf("read token groups: %w", err)
	}
	for _, g := range groups.AllGroups() {
		switch {
		case g.Sid.IsWellKnown(windows.WinBuiltinAdministratorsSid):
			f.AdminMember = true // enabled or deny-only
		case g.Sid.IsWellKnown(windows.WinInteractiveSid):
			f.Interactive = g.Attributes&windows.SE_GROUP_ENABLED != 0
		}
	}
	// The name is for logs only; a lookup failure (a deleted account, no
	// domain controller) leaves the SID to name the caller.
	if name, domain, _, lerr := account.LookupAccount(""); lerr == nil {
		user = name
		if domain != "" {
			user = domain + `\` + name
		}
	}
	return f, user, sid, nil
}

// processSID is the SID of this process's account, "" when it cannot be
// read (the pipe then gets the service's ACL).
func processSID() string {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return ""
	}
	return tu.User.Sid.String()
}
