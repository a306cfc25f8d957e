package demo

import (
	"context"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/setup"
	"github.com/calsync/calsync/sync/workhours"
)

// TestWorkingAround: at every instant of a year (every 10 minutes, both
// clock changes and the weeks when only the US has changed included), the
// demo office's working day is valid, holds the start and lasts at least 6
// hours after it.
func TestWorkingAround(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for at := from; at.Before(from.AddDate(1, 0, 0)); at = at.Add(10 * time.Minute) {
		g := workingAround(at)
		wh, err := workhours.FromGraph(*g)
		if err != nil {
			t.Fatalf("workingAround(%v) = %+v: %v", at, g, err)
		}
		if wh.Outside(at) || wh.Outside(at.Add(6*time.Hour)) {
			t.Fatalf("workingAround(%v) = %s: not at work at the start or 6 hours later", at, wh)
		}
	}
}

// TestDemoStoryAtAnyHour plays the README's story against the emulated
// office with the engine on a fake clock started at night and near
// midnight, in several zones: Giulia's meeting at 45 s, Marco free at 90 s,
// Chiara going home at 2 minutes, and no one else sent home meanwhile.
func TestDemoStoryAtAnyHour(t *testing.T) {
	now := time.Now()
	next := func(zone string, hour, minute int) time.Time {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		d := now.In(loc)
		return time.Date(d.Year(), d.Month(), d.Day()+1, hour, minute, 0, 0, loc)
	}
	for _, start := range []time.Time{
		next("Europe/Rome", 0, 30),
		next("America/New_York", 23, 50),
		next("Asia/Tokyo", 0, 30),
		next("Europe/Rome", 23, 50),
	} {
		t.Run(start.Format("15:04 MST"), func(t *testing.T) {
			ctx := context.Background()
			o, err := NewOffice(ctx, start)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			clk := clock.NewFake(start)
			parts, err := setup.Build(ctx, o.Config, setup.Options{ConfigPath: o.ConfigPath, Secrets: o.Secrets, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				after time.Duration
				want  map[string]string // OneCloud user -> activity
			}{
				{time.Second, map[string]string{"1001": "meeting", "1002": "available", "1007": "meeting", "1011": "available", "1003": "lunch"}},
				{50 * time.Second, map[string]string{"1002": "meeting", "1007": "meeting", "1011": "available"}},
				{95 * time.Second, map[string]string{"1002": "meeting", "1007": "available", "1011": "available"}},
				{125 * time.Second, map[string]string{"1002": "meeting", "1007": "available", "1011": "gone-home"}},
			}
			for _, s := range steps {
				clk.Set(start.Add(s.after))
				if _, err := parts.Engine.SyncOnce(ctx, false); err != nil {
					t.Fatalf("sync at +%s: %v", s.after, err)
				}
				for id, want := range s.want {
					if p, _ := o.OneCloud.Presence(id); p.Activity != want {
						t.Errorf("at +%s, user %s is %q; want %q", s.after, id, p.Activity, want)
					}
				}
				for _, p := range o.People {
					if got, _ := o.OneCloud.Presence(p.ID); got.Activity == "gone-home" && p.ID != "1011" && p.ID != "1012" {
						t.Errorf("at +%s, %s went home", s.after, p.Name)
					}
				}
			}
		})
	}
}
