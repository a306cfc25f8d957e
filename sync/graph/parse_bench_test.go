package graph

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseScheduleResponse parses a full batch: 20 mailboxes, three
// items each in the mailbox's own zone, and their working hours; the cost
// per poll is this times the number of batches.
func BenchmarkParseScheduleResponse(b *testing.B) {
	var parts []string
	for i := range 20 {
		parts = append(parts, fmt.Sprintf(`{"scheduleId":"user%d@contoso.com","availabilityView":"0",
"scheduleItems":[
 {"isPrivate":false,"status":"busy","subject":"Weekly","location":"Teams",
  "start":{"dateTime":"2026-12-07T09:00:00.0000000","timeZone":"W. Europe Standard Time"},
  "end":{"dateTime":"2026-12-07T10:00:00.0000000","timeZone":"W. Europe Standard Time"}},
 {"isPrivate":true,"status":"oof",
  "start":{"dateTime":"2026-12-07T11:00:00.0000000","timeZone":"W. Europe Standard Time"},
  "end":{"dateTime":"2026-12-07T12:00:00.0000000","timeZone":"W. Europe Standard Time"}},
 {"isPrivate":false,"status":"tentative","subject":"Lunch","location":"",
  "start":{"dateTime":"2026-12-07T12:30:00.0000000","timeZone":"W. Europe Standard Time"},
  "end":{"dateTime":"2026-12-07T13:30:00.0000000","timeZone":"W. Europe Standard Time"}}],
"workingHours":{"daysOfWeek":["monday","tuesday","wednesday","thursday","friday"],
 "startTime":"08:00:00.0000000","endTime":"17:00:00.0000000","timeZone":{"name":"W. Europe Standard Time"}}}`, i))
	}
	body := []byte(`{"value":[` + strings.Join(parts, ",") + `]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		s, err := ParseScheduleResponse(body)
		if err != nil || len(s) != 20 {
			b.Fatal(err)
		}
	}
}
