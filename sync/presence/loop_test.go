package presence

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// The loop waits for the earliest of the next poll, the next boundary and
// MaxSleep; a pause hides both, a poll in flight hides the next poll.
func TestLoopArm(t *testing.T) {
	now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name               string
		paused, polling    bool
		nextPoll, boundary time.Duration // from now; 0: none / already due
		want               time.Duration
		wantDue            bool
	}{
		{"poll due", false, false, 0, 0, 0, true},
		{"boundary first", false, false, 10 * time.Second, 3 * time.Second, 3 * time.Second, false},
		{"poll first", false, false, 4 * time.Second, 9 * time.Second, 4 * time.Second, false},
		{"max sleep caps", false, false, time.Hour, time.Hour, 15 * time.Second, false},
		{"polling hides the next poll", false, true, 0, 7 * time.Second, 7 * time.Second, false},
		{"paused hides both", true, false, 0, 2 * time.Second, 15 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Scheduler{clock: clock.NewFake(now), maxSleep: 15 * time.Second}
			l := newLoop(context.Background(), s)
			defer l.timer.Stop()
			l.pollRequested, l.paused, l.polling = false, tt.paused, tt.polling
			l.nextPoll = now.Add(tt.nextPoll)
			if tt.boundary > 0 {
				l.boundary = now.Add(tt.boundary)
			}
			if got := l.pollDue(now); got != tt.wantDue {
				t.Errorf("pollDue = %v, want %v", got, tt.wantDue)
			}
			if got := l.arm(now); got != tt.want {
				t.Errorf("arm = %v, want %v", got, tt.want)
			}
			if got := s.Status().NextPoll; !got.Equal(l.nextPoll) {
				t.Errorf("status NextPoll = %v, want %v", got, l.nextPoll)
			}
		})
	}
}

// A manual sync during a poll is answered by that poll; otherwise it asks
// for one. Resuming asks for one too; pausing twice publishes once.
func TestLoopManualSyncAndPause(t *testing.T) {
	s := &Scheduler{clock: clock.NewFake(time.Now()), log: slog.New(slog.DiscardHandler)}
	events, unsubscribe := s.Subscribe(8)
	defer unsubscribe()
	l := newLoop(context.Background(), s)
	defer l.timer.Stop()

	l.pollRequested, l.polling = false, true
	l.manualSync()
	if l.pollRequested {
		t.Fatal("a manual sync during a poll asked for another")
	}
	l.polling = false
	l.manualSync()
	if !l.pollRequested {
		t.Fatal("a manual sync asked for no poll")
	}

	l.pollRequested = false
	l.setPaused(true)
	l.setPaused(true)
	l.setPaused(false)
	if !l.pollRequested || s.Status().Paused {
		t.Fatalf("after resume: poll requested %v, status paused %v", l.pollRequested, s.Status().Paused)
	}
	var got []EventType
	for len(events) > 0 {
		got = append(got, (<-events).Type)
	}
	if len(got) != 2 || got[0] != EventPaused || got[1] != EventResumed {
		t.Fatalf("events = %v, want paused, resumed", got)
	}
}
