package clock

import (
	"context"
	"testing"
	"time"
)

func TestFakeFiresTimersInOrderWhenDue(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	f := NewFake(start)
	t1 := f.NewTimer(time.Minute)
	t2 := f.NewTimer(2 * time.Minute)
	if f.Pending() != 2 {
		t.Fatalf("Pending = %d, want 2", f.Pending())
	}
	if next, ok := f.Next(); !ok || !next.Equal(start.Add(time.Minute)) {
		t.Fatalf("Next = %v %v", next, ok)
	}
	f.Advance(59 * time.Second)
	select {
	case <-t1.C():
		t.Fatal("timer fired early")
	default:
	}
	f.Advance(time.Second)
	select {
	case got := <-t1.C():
		if !got.Equal(start.Add(time.Minute)) {
			t.Fatalf("fired with %v", got)
		}
	default:
		t.Fatal("timer did not fire when due")
	}
	if !t2.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	f.Advance(time.Hour)
	select {
	case <-t2.C():
		t.Fatal("stopped timer fired")
	default:
	}
	if f.Pending() != 0 {
		t.Fatalf("Pending = %d after all fired or stopped", f.Pending())
	}
}

func TestFakeResetDropsStaleTick(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	tm := f.NewTimer(time.Second)
	f.Advance(time.Second) // fires, tick buffered
	tm.Reset(time.Minute)
	select {
	case <-tm.C():
		t.Fatal("reset timer delivered its old tick")
	default:
	}
	f.Advance(time.Minute)
	select {
	case <-tm.C():
	default:
		t.Fatal("reset timer did not fire at its new deadline")
	}
}

func TestSleepReturnsOnContextOrTimer(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan error, 1)
	go func() { done <- Sleep(context.Background(), f, time.Hour) }()
	if !f.WaitForTimers(1, 5*time.Second) {
		t.Fatal("Sleep never armed a timer")
	}
	f.Advance(time.Hour)
	if err := <-done; err != nil {
		t.Fatalf("Sleep = %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- Sleep(ctx, f, time.Hour) }()
	f.WaitForTimers(1, 5*time.Second)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Sleep after cancel = %v, want context.Canceled", err)
	}
}
