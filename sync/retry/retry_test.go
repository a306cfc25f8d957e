package retry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// drive runs p.Do in a goroutine, advancing the fake clock whenever the
// policy sleeps, and records each sleep's length.
func drive(t *testing.T, p Policy, f *clock.Fake, fn func(ctx context.Context, attempt int) error) (error, []time.Duration) {
	t.Helper()
	p.Clock = f
	done := make(chan error, 1)
	go func() { done <- p.Do(context.Background(), fn) }()
	var sleeps []time.Duration
	for {
		select {
		case err := <-done:
			return err, sleeps
		default:
		}
		if next, ok := f.Next(); ok {
			d := next.Sub(f.Now())
			sleeps = append(sleeps, d)
			f.Advance(d)
			continue
		}
		f.WaitForTimers(1, 20*time.Millisecond)
	}
}

func TestDoHonoursRetryAfterAndBacksOff(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	p := Policy{Base: time.Second, Max: 8 * time.Second, MaxAttempts: 5, Jitter: func() float64 { return 0 }}
	calls := 0
	err, sleeps := drive(t, p, f, func(ctx context.Context, attempt int) error {
		calls++
		switch attempt {
		case 1:
			return Transient(errors.New("429"), 7*time.Second)
		case 2, 3:
			return Transient(errors.New("503"), 0)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Do = %v", err)
	}
	if calls != 4 {
		t.Fatalf("calls = %d, want 4", calls)
	}
	// Retry-After 7s, then backoff 2s and 4s with zero jitter (half of 2^n).
	want := []time.Duration{7 * time.Second, time.Second, 2 * time.Second}
	if len(sleeps) != len(want) {
		t.Fatalf("sleeps = %v, want %v", sleeps, want)
	}
	for i := range want {
		if sleeps[i] != want[i] {
			t.Fatalf("sleeps = %v, want %v", sleeps, want)
		}
	}
}

func TestDoStopsOnPermanentErrorAndAttempts(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	perm := errors.New("401 bad token")
	calls := 0
	err, _ := drive(t, Policy{}, f, func(ctx context.Context, attempt int) error { calls++; return perm })
	if !errors.Is(err, perm) || calls != 1 {
		t.Fatalf("permanent error: err %v after %d calls", err, calls)
	}

	calls = 0
	err, _ = drive(t, Policy{MaxAttempts: 3}, f, func(ctx context.Context, attempt int) error {
		calls++
		return Transient(errors.New("500"), 0)
	})
	if err == nil || calls != 3 || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("exhausted: err %v after %d calls", err, calls)
	}
}

func TestDoRefusesOverlongRetryAfter(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	err, sleeps := drive(t, Policy{MaxRetryAfter: time.Minute}, f, func(ctx context.Context, attempt int) error {
		return Transient(errors.New("429"), time.Hour)
	})
	if err == nil || len(sleeps) != 0 || !strings.Contains(err.Error(), "server asked to wait") {
		t.Fatalf("err %v, sleeps %v", err, sleeps)
	}
}

func TestDoCancelledContextStopsPromptly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := clock.NewFake(time.Unix(0, 0))
	done := make(chan error, 1)
	go func() {
		done <- Policy{Clock: f}.Do(ctx, func(ctx context.Context, attempt int) error {
			return Transient(errors.New("503"), 10*time.Second)
		})
	}()
	f.WaitForTimers(1, 5*time.Second)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Do after cancel = %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30", 30 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"Wed, 25 Nov 2026 10:01:00 GMT", time.Minute, true},
		{"Wed, 25 Nov 2026 09:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetryableStatus(t *testing.T) {
	for code, want := range map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true, 400: false, 401: false, 404: false, 412: false, 501: false} {
		if got := RetryableStatus(code); got != want {
			t.Errorf("RetryableStatus(%d) = %v", code, got)
		}
	}
}
