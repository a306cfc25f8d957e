package emulator

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/workhours"
)

// TestGraphWorkingHours: the default, another zone, a custom zone and none,
// each read back through the parser calsync uses.
func TestGraphWorkingHours(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	for _, m := range []string{"anna@contoso.com", "bruno@contoso.com", "carla@contoso.com", "dario@contoso.com"} {
		f.g.SetCalendar(m, []calendar.Event{})
	}
	rome := workhours.Graph{DaysOfWeek: []string{"monday"}, StartTime: "09:00:00.0000000", EndTime: "13:00:00.0000000",
		TimeZone: &workhours.TimeZone{Name: "Pacific Standard Time"}}
	f.g.SetWorkingHours("bruno@contoso.com", &rome)
	rome.StartTime = "10:00:00.0000000" // a later edit of the value must not leak in
	custom := DefaultWorkingHours()
	custom.TimeZone = CustomPacificZone()
	f.g.SetWorkingHours("carla@contoso.com", &custom)
	f.g.SetWorkingHours("dario@contoso.com", nil)

	body := graphBody("2025-06-02T06:00:00.0000000", "2025-06-02T14:00:00.0000000",
		"anna@contoso.com", "bruno@contoso.com", "carla@contoso.com", "dario@contoso.com")
	status, _, b := f.schedule(tok, GraphDefaultSyncUser, body, nil)
	if status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	var resp graphScheduleResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"mon,tue,wed,thu,fri 08:00-17:00 W. Europe Standard Time (Europe/Berlin)",
		"mon 09:00-13:00 Pacific Standard Time (America/Los_Angeles)",
		"mon,tue,wed,thu,fri 08:00-17:00 Customized Time Zone",
		"",
	}
	for i, v := range resp.Value {
		wh, err := workhours.Parse(v.WorkingHours)
		if err != nil {
			t.Fatalf("%s: %v (%s)", v.ScheduleID, err, v.WorkingHours)
		}
		got := ""
		if wh != nil {
			got = wh.String()
		}
		if got != want[i] {
			t.Errorf("%s: working hours %q, want %q", v.ScheduleID, got, want[i])
		}
	}
	if string(resp.Value[3].WorkingHours) != "null" {
		t.Errorf("none is published as %s, want null", resp.Value[3].WorkingHours)
	}
	// The custom zone keeps US Pacific time: Monday 2 June 2025 17:00 PDT is
	// 00:00 UTC on Tuesday.
	wh, _ := workhours.Parse(resp.Value[2].WorkingHours)
	if end := wh.NextBoundary(time.Date(2025, 6, 2, 20, 0, 0, 0, time.UTC)); !end.Equal(time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("custom zone: day ends at %s", end)
	}
}
