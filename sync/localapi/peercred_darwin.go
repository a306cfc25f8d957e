package localapi

import "golang.org/x/sys/unix"

// peerFromFD reads LOCAL_PEERCRED (the peer's uid and first 16 groups, as
// getpeereid does) and LOCAL_PEERPID.
func peerFromFD(fd int) (Peer, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return Peer{}, err
	}
	n := min(max(int(cred.Ngroups), 0), len(cred.Groups))
	gids := make([]int, n)
	for i := range n {
		gids[i] = int(cred.Groups[i])
	}
	p := Peer{UID: int(cred.Uid), GIDs: gids}
	if pid, err := unix.GetsockoptInt(fd, unix.SOL_LOCAL, unix.LOCAL_PEERPID); err == nil {
		p.PID = pid
	}
	return p, nil
}
