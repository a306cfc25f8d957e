package expiry

import (
	"strings"
	"testing"
	"time"
)

func TestWarning(t *testing.T) {
	c := Credential{What: "The thing", Expired: "get a new one", Soon: "get a new one before then"}
	now := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		expires time.Time
		want    string
	}{
		{time.Time{}, ""},
		{day("2026-01-01"), ""},
		{day("2025-07-03"), ""}, // 30.6 days
		{day("2025-07-02"), "The thing expires on 2025-07-02 (in 30 days): get a new one before then."},
		{day("2025-06-09"), "The thing expires on 2025-06-09 (in 7 days): get a new one before then."},
		{day("2025-06-03"), "The thing expires on 2025-06-03 (in 1 day): get a new one before then."},
		{day("2025-06-02"), "The thing expired on 2025-06-02: get a new one."},
		{day("2024-12-31"), "The thing expired on 2024-12-31: get a new one."},
	} {
		if got := c.Warning(tc.expires, now); got != tc.want {
			t.Errorf("Warning(%s) = %q, want %q", tc.expires.Format("2006-01-02"), got, tc.want)
		}
	}
	// A date in another zone is shown as its UTC day.
	if got := c.Warning(time.Date(2025, 6, 10, 1, 0, 0, 0, time.FixedZone("CET", 3600)), now); !strings.Contains(got, "2025-06-10") {
		t.Errorf("zoned date: %q", got)
	}
}

func TestDaysLeftAndStage(t *testing.T) {
	now := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		expires    time.Time
		days, stge int
	}{
		{now.AddDate(0, 0, 60), 60, -1},
		{now.AddDate(0, 0, 31), 31, -1},
		{now.AddDate(0, 0, 30), 30, 30},
		{now.AddDate(0, 0, 8), 8, 30},
		{now.AddDate(0, 0, 7), 7, 7},
		{now.AddDate(0, 0, 2), 2, 7},
		{now.Add(25 * time.Hour), 2, 7},
		{now.AddDate(0, 0, 1), 1, 1},
		{now.Add(time.Hour), 1, 1},
		{now, 0, 0},
		{now.AddDate(0, 0, -3), -3, 0},
	} {
		d := DaysLeft(tc.expires, now)
		if d != tc.days || Stage(d) != tc.stge {
			t.Errorf("%v: DaysLeft %d Stage %d, want %d %d", tc.expires, d, Stage(d), tc.days, tc.stge)
		}
	}
}
