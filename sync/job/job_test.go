package job

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// TestTrackerReportsRuns: a tracked job reports that it runs while it does, then its start time
// and its error, which a later success clears.
func TestTrackerReportsRuns(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	clk := clock.NewFake(start)
	tr := NewTracker("contacts", 15*time.Minute, clk)
	if r := tr.Report(); r.Running || !r.LastRun.IsZero() || r.Name != "contacts" || r.Interval != 15*time.Minute {
		t.Fatalf("before any run: %+v", r)
	}
	fail := errors.New("2 of 3 phonebooks could not be synced")
	var during Report
	var result error
	j := tr.Job(func(context.Context) error {
		during = tr.Report()
		clk.Advance(time.Minute)
		return result
	})
	if j.Name != "contacts" || j.Interval != 15*time.Minute {
		t.Fatalf("job = %+v", j)
	}
	for _, tc := range []struct {
		err     error
		wantErr string
	}{{fail, fail.Error()}, {nil, ""}} {
		result = tc.err
		runAt := clk.Now()
		if err := j.Run(context.Background()); err != tc.err {
			t.Errorf("Run = %v, want %v", err, tc.err)
		}
		if !during.Running {
			t.Errorf("during the run: %+v", during)
		}
		r := tr.Report()
		if r.Running || !r.LastRun.Equal(runAt) || r.LastRun.Location() != time.UTC || r.Error != tc.wantErr {
			t.Errorf("after a run returning %v: %+v", tc.err, r)
		}
	}
}
