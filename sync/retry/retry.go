// Package retry runs a request again after transient failures: it honours a
// server's Retry-After and otherwise backs off exponentially with jitter,
// always bounded by the caller's context.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// Policy says how often and how long to retry. The zero value is usable.
type Policy struct {
	Clock       clock.Clock   // nil: the real clock
	Base        time.Duration // first backoff; default 500ms
	Max         time.Duration // cap of one backoff; default 30s
	MaxAttempts int           // total tries including the first; default 5
	// MaxRetryAfter caps a server-requested wait; a longer request ends the
	// retries so the caller can report throttling instead of hanging.
	// Default 2m.
	MaxRetryAfter time.Duration
	// Jitter returns a number in [0,1); nil uses math/rand/v2.
	Jitter func() float64
}

// Error marks an error as transient. After, when positive, is the wait the
// server asked for (Retry-After).
type Error struct {
	Err   error
	After time.Duration
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Transient wraps err so that Do retries it, after the given server-requested
// delay if positive.
func Transient(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, After: after}
}

// IsTransient reports whether err (or what it wraps) is marked transient.
func IsTransient(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// RetryableStatus reports whether an HTTP status is worth retrying:
// throttling, and server errors that are usually short-lived.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func ParseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(h); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// Do calls fn until it succeeds, returns a non-transient error, the attempts
// run out, or ctx ends. The attempt number starts at 1.
func (p Policy) Do(ctx context.Context, fn func(ctx context.Context, attempt int) error) error {
	p = p.withDefaults()
	var last error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return fmt.Errorf("%w (last error: %v)", err, last)
			}
			return err
		}
		err := fn(ctx, attempt)
		if err == nil {
			return nil
		}
		var te *Error
		if !errors.As(err, &te) {
			return err
		}
		last = err
		if attempt >= p.MaxAttempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		wait := p.backoff(attempt)
		if te.After > 0 {
			if te.After > p.MaxRetryAfter {
				return fmt.Errorf("server asked to wait %s, more than %s: %w", te.After, p.MaxRetryAfter, err)
			}
			wait = te.After
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlive the caller's deadline; fail now with the
			// real cause rather than a bare deadline error later.
			return fmt.Errorf("no time left to retry in %s: %w", wait, err)
		}
		if err := clock.Sleep(ctx, p.Clock, wait); err != nil {
			return fmt.Errorf("%w (last error: %v)", err, last)
		}
	}
}

// backoff is the capped exponential delay with "equal jitter": half fixed,
// half random, so concurrent clients spread out but never retry at once.
func (p Policy) backoff(attempt int) time.Duration {
	d := p.Base << (attempt - 1)
	if d <= 0 || d > p.Max {
		d = p.Max
	}
	half := d / 2
	return half + time.Duration(p.Jitter()*float64(half))
}

func (p Policy) withDefaults() Policy {
	p.Clock = clock.OrReal(p.Clock)
	if p.Base <= 0 {
		p.Base = 500 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 30 * time.Second
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}
