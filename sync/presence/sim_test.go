package presence

import (
	"math/rand/v2"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
)

// Helpers shared by the simulated-time tests (the simulated week, the fault
// soak and the memory benchmark).

// randomWeek builds a working week of calendars: meetings between 07:00 and
// 19:00, overlaps and back-to-back runs, lunches by subject, private
// appointments, and now and then an all-day or multi-day out of office.
func randomWeek(rng *rand.Rand, start time.Time, days int) []calendar.Event {
	return randomCalendar(rng, start, days, nil)
}

// randomCalendar is randomWeek; private, when set, gives each private event
// its subject and location (the soak uses unique markers, to show they never
// leave Microsoft 365). It draws the same random numbers either way.
func randomCalendar(rng *rand.Rand, start time.Time, days int, private func() (subject, location string)) []calendar.Event {
	var evs []calendar.Event
	for d := range days {
		day := start.AddDate(0, 0, d)
		if rng.IntN(15) == 0 {
			n := 1 + rng.IntN(3)
			evs = append(evs, calendar.Event{Start: day, End: day.AddDate(0, 0, n), Status: calendar.OOF, Subject: "Holiday"})
			continue
		}
		for range rng.IntN(7) {
			s := day.Add(7*time.Hour + time.Duration(rng.IntN(144))*5*time.Minute)
			e := s.Add(time.Duration(1+rng.IntN(18)) * 5 * time.Minute)
			ev := calendar.Event{Start: s, End: e, Status: calendar.Busy, Subject: "Meeting"}
			switch rng.IntN(8) {
			case 0:
				ev.Subject = "Team lunch"
				ev.Status = calendar.Free
			case 1:
				ev.Private, ev.Subject = true, ""
				if private != nil {
					ev.Subject, ev.Location = private()
				}
			case 2:
				ev.Status = calendar.Tentative
			case 3:
				// back-to-back with the previous event
				if len(evs) > 0 {
					last := evs[len(evs)-1]
					ev.Start, ev.End = last.End, last.End.Add(e.Sub(s))
				}
			}
			evs = append(evs, ev)
		}
	}
	return evs
}

// runSimulated drives a scheduler on a fake clock: each time the scheduler
// is idle (s.idle, no poll in flight) it calls step, if not nil, and then
// moves the clock to the next armed timer, until that lies after end or
// step returns false. Time therefore only moves while nothing is running.
func runSimulated(clk *clock.Fake, idle <-chan struct{}, end time.Time, step func(now time.Time) bool) {
	for {
		<-idle
		if step != nil && !step(clk.Now()) {
			return
		}
		next, ok := clk.Next()
		if !ok || next.After(end) {
			return
		}
		clk.Set(next)
	}
}
