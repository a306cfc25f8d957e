package localapi

// The Windows pipe admits SYSTEM, Administrators and interactive users; what
// each caller may then do is decided here from facts read off its process
// token (socket_windows.go reads them). The decision is plain Go so it is
// tested on every OS.

// tokenFacts are what a Windows caller's process token says about it.
type tokenFacts struct {
	// System: the token's user is LocalSystem (S-1-5-18).
	System bool
	// Elevated: the token is elevated (TokenElevation). With UAC an
	// administrator's processes run with a filtered, non-elevated token
	// unless started "as administrator"; with UAC off their tokens are full.
	Elevated bool
	// AdminMember: BUILTIN\Administrators (S-1-5-32-544) is among the
	// token's groups, enabled or deny-only (a UAC-filtered token keeps it as
	// deny-only).
	AdminMember bool
	// Interactive: the INTERACTIVE group (S-1-5-4) is enabled in the token:
	// a person logged on at the machine (console or remote desktop).
	Interactive bool
}

// permissionFor decides what a Windows caller may do: SYSTEM and elevated
// administrators change settings; any other interactive user, including an
// administrator whose process is not elevated, may read status, config and
// logs; anyone else (a service account, a network logon) nothing.
func permissionFor(f tokenFacts) Permission {
	switch {
	case f.System:
		return PermReadWrite
	case f.AdminMember && f.Elevated:
		return PermReadWrite
	case f.Interactive:
		return PermRead
	}
	return PermNone
}

// peerFromToken is the Peer for a Windows caller with the given token facts,
// process id and account (DOMAIN\name and SID, for logs).
func peerFromToken(f tokenFacts, pid int, user, sid string) Peer {
	perm := permissionFor(f)
	return Peer{
		UID:         -1,
		PID:         pid,
		User:        user,
		SID:         sid,
		Privileged:  perm == PermReadWrite,
		Interactive: perm == PermRead,
		// Only an administrator gains by restarting the GUI elevated.
		CanElevate: perm == PermRead && f.AdminMember && !f.Elevated,
	}
}

// windowsRole describes a Windows caller's standing, for logs and errors.
func (p Peer) windowsRole() string {
	switch {
	case p.Privileged && p.SID == "S-1-5-18":
		return "SYSTEM"
	case p.Privileged:
		return "elevated administrator"
	case p.CanElevate:
		return "administrator, not elevated"
	case p.Interactive:
		return "interactive user"
	}
	return "not an interactive user"
}
