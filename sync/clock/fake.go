package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a manually advanced clock for tests. Timers fire, in deadline
// order, when Advance or Set moves the time to or past their deadline.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	waiters []chan struct{} // woken whenever a timer is armed
}

// NewFake returns a fake clock reading start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer arms a timer that fires when the fake time reaches now+d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{f: f, c: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// Advance moves the time forward by d, firing due timers in order.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the time to t (backwards too, to simulate a clock change) and
// fires every timer whose deadline is not after t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
	sort.SliceStable(f.timers, func(i, j int) bool { return f.timers[i].when.Before(f.timers[j].when) })
	kept := f.timers[:0]
	for _, ft := range f.timers {
		if !ft.when.After(t) {
			select {
			case ft.c <- t:
			default:
			}
			ft.armed = false
			continue
		}
		kept = append(kept, ft)
	}
	f.timers = kept
}

// Pending returns the number of armed timers.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// Next returns the earliest armed timer deadline, if any.
func (f *Fake) Next() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.timers) == 0 {
		return time.Time{}, false
	}
	min := f.timers[0].when
	for _, t := range f.timers[1:] {
		if t.when.Before(min) {
			min = t.when
		}
	}
	return min, true
}

// WaitForTimers blocks until at least n timers are armed or timeout passes
// (real time); it reports whether the count was reached. Tests use it to let
// the code under test reach its next wait before advancing time.
func (f *Fake) WaitForTimers(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		f.mu.Lock()
		if len(f.timers) >= n {
			f.mu.Unlock()
			return true
		}
		w := make(chan struct{})
		f.waiters = append(f.waiters, w)
		f.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-w:
		case <-time.After(left):
			return false
		}
	}
}

type fakeTimer struct {
	f     *Fake
	c     chan time.Time
	when  time.Time
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	return t.disarmLocked()
}

func (t *fakeTimer) disarmLocked() bool {
	if !t.armed {
		return false
	}
	for i, ft := range t.f.timers {
		if ft == t {
			t.f.timers = append(t.f.timers[:i], t.f.timers[i+1:]...)
			break
		}
	}
	t.armed = false
	return true
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	f := t.f
	f.mu.Lock()
	defer f.mu.Unlock()
	was := t.disarmLocked()
	// Drain a stale tick so a reset timer never fires for its old deadline,
	// matching time.Timer since Go 1.23.
	select {
	case <-t.c:
	default:
	}
	t.when = f.now.Add(d)
	if d <= 0 {
		t.c <- f.now
		return was
	}
	t.armed = true
	f.timers = append(f.timers, t)
	for _, w := range f.waiters {
		close(w)
	}
	f.waiters = nil
	return was
}
