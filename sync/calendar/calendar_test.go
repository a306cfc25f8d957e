package calendar

import (
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in      string
		want    Status
		wantErr bool
	}{
		{"busy", Busy, false},
		{"Busy", Busy, false},
		{" OOF ", OOF, false},
		{"workingelsewhere", WorkingElsewhere, false},
		{"WorkingElsewhere", WorkingElsewhere, false},
		{"tentative", Tentative, false},
		{"free", Free, false},
		{"unknown", Unknown, false},
		{"bussy", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseStatus(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestInProgressIsHalfOpen(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	e := Event{Start: start, End: start.Add(time.Hour)}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{start.Add(-time.Second), false},
		{start, true},
		{start.Add(59 * time.Minute), true},
		{start.Add(time.Hour), false},
	}
	for _, tt := range tests {
		if got := e.InProgress(tt.at); got != tt.want {
			t.Errorf("InProgress(%s) = %v, want %v", tt.at.Format(time.TimeOnly), got, tt.want)
		}
	}
}

func TestBoundariesSortedDistinctAfterNow(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 25, h, m, 0, 0, time.UTC) }
	s := Schedule{Events: []Event{
		{Start: at(11, 0), End: at(12, 0)},
		{Start: at(9, 0), End: at(10, 0)},  // ends before now: only nothing
		{Start: at(10, 0), End: at(11, 0)}, // back-to-back with the first
		{Start: at(10, 30), End: at(12, 0)},
	}}
	got := s.Boundaries(at(10, 0))
	want := []time.Time{at(10, 30), at(11, 0), at(12, 0)}
	if len(got) != len(want) {
		t.Fatalf("Boundaries = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("Boundaries[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
