package emulator

import (
	"encoding/json"
	"sync"

	"github.com/calsync/calsync/sync/workhours"
)

// DefaultWorkingHours is what every mailbox publishes until
// SetWorkingHours: Monday to Friday, 08:00-17:00, W. Europe Standard Time.
func DefaultWorkingHours() workhours.Graph {
	return workhours.Graph{
		DaysOfWeek: []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
		StartTime:  "08:00:00.0000000",
		EndTime:    "17:00:00.0000000",
		TimeZone:   &workhours.TimeZone{Name: "W. Europe Standard Time"},
	}
}

// CustomPacificZone is a customTimeZone as Exchange writes one for a
// mailbox whose zone has no name: US Pacific rules, bias 480 (UTC = local
// + bias), daylight from the second Sunday of March to the first Sunday of
// November at 02:00.
func CustomPacificZone() *workhours.TimeZone {
	bias := 480
	return &workhours.TimeZone{
		ODataType: "#microsoft.graph.customTimeZone",
		Name:      "Customized Time Zone",
		Bias:      &bias,
		StandardOffset: &workhours.StandardOffset{
			Time: "02:00:00.0000000", DayOccurrence: 1, DayOfWeek: "sunday", Month: 11,
		},
		DaylightOffset: &workhours.DaylightOffset{
			Time: "02:00:00.0000000", DayOccurrence: 2, DayOfWeek: "sunday", Month: 3, DaylightBias: -60,
		},
	}
}

// graphMailboxHours is a mailbox's working hours as JSON, rendered when
// set so a test may go on editing its value: unset publishes
// DefaultWorkingHours.
type graphMailboxHours struct {
	set  bool
	json json.RawMessage
}

// SetWorkingHours sets what getSchedule publishes as the mailbox's
// workingHours, creating the mailbox; nil publishes null (a mailbox without
// working hours). Any shape a test builds, even an invalid one, goes out
// as it is.
func (g *Graph) SetWorkingHours(mailbox string, wh *workhours.Graph) {
	b := json.RawMessage("null")
	if wh != nil {
		var err error
		if b, err = json.Marshal(wh); err != nil {
			panic(err) // strings and ints only: cannot happen
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxLocked(mailbox)
	mb.wh = graphMailboxHours{set: true, json: b}
}

// defaultWorkingHoursJSON is DefaultWorkingHours as getSchedule writes it.
var defaultWorkingHoursJSON = sync.OnceValue(func() json.RawMessage {
	b, _ := json.Marshal(DefaultWorkingHours())
	return b
})

// workingHoursJSON renders the mailbox's workingHours; g.mu is held.
func (mb *graphMailbox) workingHoursJSON() json.RawMessage {
	if mb.wh.set {
		return mb.wh.json
	}
	return defaultWorkingHoursJSON()
}
