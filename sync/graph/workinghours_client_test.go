package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/workhours"
)

// GetSchedules hands each mailbox its working hours, also to a mailbox
// asked for twice, and keeps a working-hours error apart from the events.
func TestGetSchedulesReadsWorkingHours(t *testing.T) {
	e := newEnv(t)
	e.emu.SetCalendar("anna@contoso.com", []calendar.Event{busy(t0.Add(time.Hour), time.Hour, "Standup")})
	pacific := workhours.Graph{DaysOfWeek: []string{"monday"}, StartTime: "09:00:00.0000000", EndTime: "17:00:00.0000000",
		TimeZone: &workhours.TimeZone{Name: "Pacific Standard Time"}}
	e.emu.SetWorkingHours("bruno@contoso.com", &pacific)
	e.emu.SetWorkingHours("carla@contoso.com", nil)
	mars := pacific
	mars.TimeZone = &workhours.TimeZone{Name: "Mars Standard Time"}
	e.emu.SetWorkingHours("dario@contoso.com", &mars)
	e.emu.SetCalendar("dario@contoso.com", []calendar.Event{busy(t0.Add(time.Hour), time.Hour, "Kept")})

	in := []string{"anna@contoso.com", "bruno@contoso.com", "carla@contoso.com", "dario@contoso.com", "anna@contoso.com"}
	got, err := e.client.GetSchedules(context.Background(), in, t0, t0.Add(8*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	def := emulator.DefaultWorkingHours()
	want, err := workhours.FromGraph(def)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 4} {
		if wh := got[i].WorkingHours; wh == nil || wh.String() != want.String() {
			t.Errorf("%s: working hours %v, want %v", got[i].Mailbox, wh, want)
		}
	}
	if wh := got[1].WorkingHours; wh == nil || wh.Location().String() != "America/Los_Angeles" {
		t.Errorf("bruno: %v", wh)
	}
	if got[2].WorkingHours != nil || got[2].WorkingHoursErr != nil {
		t.Errorf("carla: %v, %v", got[2].WorkingHours, got[2].WorkingHoursErr)
	}
	if d := got[3]; d.Err != nil || len(d.Events) != 1 || d.WorkingHoursErr == nil ||
		!strings.Contains(d.WorkingHoursErr.Error(), `"Mars Standard Time"`) {
		t.Errorf("dario: err %v, events %v, working hours error %v", d.Err, d.Events, d.WorkingHoursErr)
	}
}
