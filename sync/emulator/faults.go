package emulator

import "sync"

// faults are the one-shot faults both emulators inject: the next n requests
// fail with a status, or hang until their client gives up. Graph and
// OneCloud embed one each, so FailNext, HangNext and PendingFaults are
// theirs; which requests count is theirs to say (Graph's getSchedule calls,
// every routed OneCloud request). Its own lock is taken last, under the
// emulator's.
type faults struct {
	mu         sync.Mutex
	failLeft   int
	failStatus int
	hangLeft   int
}

// FailNext makes the next n requests fail with status (a 5xx burst, say)
// and the service's error body; the Graph emulator drops the connection
// without an answer when status is 0.
func (f *faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failLeft, f.failStatus = max(n, 0), status
}

// HangNext makes the next n requests hang without an answer until the
// client gives up (its timeout or cancellation), as a request lost in a
// stalled proxy does; nothing is changed.
func (f *faults) HangNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangLeft = max(n, 0)
}

// PendingFaults is the number of FailNext and HangNext faults no request
// has consumed yet.
func (f *faults) PendingFaults() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failLeft + f.hangLeft
}

// takeHang consumes one pending hang, if there is one.
func (f *faults) takeHang() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hangLeft == 0 {
		return false
	}
	f.hangLeft--
	return true
}

// takeFail consumes one pending failure and returns its status.
func (f *faults) takeFail() (status int, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLeft == 0 {
		return 0, false
	}
	f.failLeft--
	return f.failStatus, true
}
