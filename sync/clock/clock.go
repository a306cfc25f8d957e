// Package clock lets code that waits on wall time be driven by a fake clock in
// tests, so days of simulated schedule run in seconds.
package clock

import (
	"context"
	"time"
)

// Clock is the source of time and timers.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the engine uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// Real is the system clock.
type Real struct{}

// Now returns the current wall time.
func (Real) Now() time.Time { return time.Now() }

// NewTimer starts a real timer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// Sleep waits for d on c, or returns ctx's error if ctx ends first.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

// OrReal returns c, or the real clock when c is nil, so that a zero-valued
// options struct means production behaviour.
func OrReal(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}
