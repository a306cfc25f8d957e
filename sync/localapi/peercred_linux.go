package localapi

import "golang.org/x/sys/unix"

// peerFromFD reads SO_PEERCRED: the peer's pid, uid and primary gid as of
// connect().
func peerFromFD(fd int) (Peer, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return Peer{}, err
	}
	return Peer{UID: int(cred.Uid), GIDs: []int{int(cred.Gid)}, PID: int(cred.Pid)}, nil
}
