package workhours

import (
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustParse(t *testing.T, js string) *WorkingHours {
	t.Helper()
	w, err := Parse([]byte(js))
	if err != nil {
		t.Fatalf("Parse(%s): %v", js, err)
	}
	if w == nil {
		t.Fatalf("Parse(%s) = nil", js)
	}
	return w
}

const (
	weekdays = `["monday","tuesday","wednesday","thursday","friday"]`
	allDays  = `["sunday","monday","tuesday","wednesday","thursday","friday","saturday"]`
)

func hours(days, start, end, zone string) string {
	return `{"daysOfWeek":` + days + `,"startTime":"` + start + `","endTime":"` + end +
		`","timeZone":` + zone + `}`
}

// customPacific is the customTimeZone of Graph's getSchedule example: the
// US Pacific rules written out (second Sunday of March, first of November).
const customPacific = `{"@odata.type":"#microsoft.graph.customTimeZone","bias":480,"name":"Customized Time Zone",
 "standardOffset":{"time":"02:00:00.0000000","dayOccurrence":1,"dayOfWeek":"sunday","month":11,"year":0},
 "daylightOffset":{"daylightBias":-60,"time":"02:00:00.0000000","dayOccurrence":2,"dayOfWeek":"sunday","month":3,"year":0}}`

// customCET is W. Europe written as rules: last Sunday of March at 02:00
// to daylight, last Sunday of October at 03:00 back.
const customCET = `{"@odata.type":"#microsoft.graph.customTimeZone","bias":-60,"name":"Custom CET",
 "standardOffset":{"time":"03:00:00.0000000","dayOccurrence":5,"dayOfWeek":"sunday","month":10,"year":0},
 "daylightOffset":{"daylightBias":-60,"time":"02:00:00.0000000","dayOccurrence":5,"dayOfWeek":"sunday","month":3,"year":0}}`

func TestOutside(t *testing.T) {
	berlin := hours(weekdays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"W. Europe Standard Time"}`)
	berlinAll := hours(allDays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"W. Europe Standard Time"}`)
	pacific := hours(weekdays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"Pacific Standard Time"}`)
	cases := []struct {
		name, hours, at string
		outside         bool
	}{
		// An ordinary winter Monday in Berlin (UTC+1): 07:00-16:00 UTC.
		{"before start", berlin, "2026-12-07T06:59:59Z", true},
		{"at start", berlin, "2026-12-07T07:00:00Z", false},
		{"midday", berlin, "2026-12-07T11:00:00Z", false},
		{"last second", berlin, "2026-12-07T15:59:59Z", false},
		{"at end", berlin, "2026-12-07T16:00:00Z", true},
		{"evening", berlin, "2026-12-07T18:30:00Z", true},
		{"saturday", berlin, "2026-12-05T11:00:00Z", true},
		{"sunday", berlin, "2026-12-06T11:00:00Z", true},
		// Summer (UTC+2): the same wall hours are 06:00-15:00 UTC.
		{"summer before start", berlin, "2026-07-06T05:59:59Z", true},
		{"summer at start", berlin, "2026-07-06T06:00:00Z", false},
		{"summer last second", berlin, "2026-07-06T14:59:59Z", false},
		{"summer at end", berlin, "2026-07-06T15:00:00Z", true},
		// The DST days themselves (Sundays, so with every day a working day).
		{"2026 spring day end", berlinAll, "2026-03-29T15:00:00Z", true},
		{"2026 spring day before end", berlinAll, "2026-03-29T14:59:59Z", false},
		{"2026 spring day start", berlinAll, "2026-03-29T06:00:00Z", false},
		{"2026 spring day before start", berlinAll, "2026-03-29T05:59:59Z", true},
		{"2026 day before spring end", berlinAll, "2026-03-28T15:30:00Z", false},
		{"2026 autumn day end", berlinAll, "2026-10-25T16:00:00Z", true},
		{"2026 autumn day before end", berlinAll, "2026-10-25T15:59:59Z", false},
		{"2026 autumn day start", berlinAll, "2026-10-25T07:00:00Z", false},
		{"2026 autumn day before start", berlinAll, "2026-10-25T06:59:59Z", true},
		{"2027 spring day end", berlinAll, "2027-03-28T15:00:00Z", true},
		{"2027 spring day before end", berlinAll, "2027-03-28T14:59:59Z", false},
		{"2027 autumn day end", berlinAll, "2027-10-31T16:00:00Z", true},
		{"2027 autumn day before end", berlinAll, "2027-10-31T15:59:59Z", false},
		// Pacific (UTC-8 in winter): a working day ends at 01:00 UTC the
		// next UTC day; Friday evening local is already Saturday in UTC.
		{"pacific after utc midnight", pacific, "2026-12-09T00:30:00Z", false},
		{"pacific end next utc day", pacific, "2026-12-09T01:00:00Z", true},
		{"pacific friday evening is saturday utc", pacific, "2026-12-12T00:59:59Z", false},
		{"pacific saturday", pacific, "2026-12-12T01:00:00Z", true},
		{"pacific monday morning utc is sunday local", pacific, "2026-12-07T07:00:00Z", true},
		{"pacific summer end", pacific, "2026-07-07T00:00:00Z", true},
		{"pacific summer before end", pacific, "2026-07-06T23:59:59Z", false},
		// IANA and custom zones.
		{"iana", hours(weekdays, "09:00:00", "18:00:00", `{"name":"Europe/Rome"}`), "2026-12-07T17:00:00Z", true},
		{"iana inside", hours(weekdays, "09:00:00", "18:00:00", `{"name":"Europe/Rome"}`), "2026-12-07T16:59:59Z", false},
		{"custom pacific winter end", hours(weekdays, "08:00:00", "17:00:00", customPacific), "2026-12-08T01:00:00Z", true},
		{"custom pacific winter inside", hours(weekdays, "08:00:00", "17:00:00", customPacific), "2026-12-08T00:59:59Z", false},
		{"custom pacific summer end", hours(weekdays, "08:00:00", "17:00:00", customPacific), "2026-07-07T00:00:00Z", true},
		{"custom pacific summer inside", hours(weekdays, "08:00:00", "17:00:00", customPacific), "2026-07-06T23:59:59Z", false},
		{"custom fixed", hours(weekdays, "09:00:00", "18:00:00", `{"bias":-330,"name":"India custom"}`), "2026-12-07T12:29:59Z", false},
		{"custom fixed end", hours(weekdays, "09:00:00", "18:00:00", `{"bias":-330,"name":"India custom"}`), "2026-12-07T12:30:00Z", true},
		// Seconds and fractions as published.
		{"fractional start", hours(weekdays, "08:30:00.5000000", "17:00:00", `{"name":"UTC"}`), "2026-12-07T08:30:00Z", true},
		{"fractional start reached", hours(weekdays, "08:30:00.5000000", "17:00:00", `{"name":"UTC"}`), "2026-12-07T08:30:00.5Z", false},
		// A day ending at midnight.
		{"midnight end inside", hours(weekdays, "08:00:00", "00:00:00", `{"name":"UTC"}`), "2026-12-07T23:59:59Z", false},
		{"midnight end", hours(weekdays, "08:00:00", "00:00:00", `{"name":"UTC"}`), "2026-12-08T00:00:00Z", true},
		// No working day at all: always outside.
		{"no days", hours(`[]`, "08:00:00", "17:00:00", `{"name":"UTC"}`), "2026-12-07T12:00:00Z", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := mustParse(t, c.hours)
			if got := w.Outside(utc(c.at)); got != c.outside {
				t.Errorf("Outside(%s) = %v, want %v (%s)", c.at, got, c.outside, w)
			}
		})
	}
}

func TestNextStartAndBoundary(t *testing.T) {
	berlin := hours(weekdays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"W. Europe Standard Time"}`)
	berlinAll := hours(allDays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"W. Europe Standard Time"}`)
	pacific := hours(weekdays, "08:30:00.0000000", "17:00:00.0000000", `{"name":"Pacific Standard Time"}`)
	cases := []struct {
		name, hours, at, start, boundary string
	}{
		{"monday evening", berlin, "2026-12-07T18:30:00Z", "2026-12-08T07:00:00Z", "2026-12-08T07:00:00Z"},
		{"during the day", berlin, "2026-12-07T10:00:00Z", "2026-12-08T07:00:00Z", "2026-12-07T16:00:00Z"},
		{"at start", berlin, "2026-12-07T07:00:00Z", "2026-12-08T07:00:00Z", "2026-12-07T16:00:00Z"},
		{"just before start", berlin, "2026-12-07T06:59:59Z", "2026-12-07T07:00:00Z", "2026-12-07T07:00:00Z"},
		{"at end", berlin, "2026-12-07T16:00:00Z", "2026-12-08T07:00:00Z", "2026-12-08T07:00:00Z"},
		{"friday evening to monday", berlin, "2026-12-11T16:00:00Z", "2026-12-14T07:00:00Z", "2026-12-14T07:00:00Z"},
		{"saturday", berlin, "2026-12-12T12:00:00Z", "2026-12-14T07:00:00Z", "2026-12-14T07:00:00Z"},
		// A weekend with the spring change: Friday ends 16:00 UTC, Monday
		// starts 06:00 UTC, not 07:00.
		{"2026 spring weekend", berlin, "2026-03-27T16:00:00Z", "2026-03-30T06:00:00Z", "2026-03-30T06:00:00Z"},
		{"2026 autumn weekend", berlin, "2026-10-23T15:00:00Z", "2026-10-26T07:00:00Z", "2026-10-26T07:00:00Z"},
		{"2027 spring weekend", berlin, "2027-03-26T16:00:00Z", "2027-03-29T06:00:00Z", "2027-03-29T06:00:00Z"},
		{"2027 autumn weekend", berlin, "2027-10-29T15:00:00Z", "2027-11-01T07:00:00Z", "2027-11-01T07:00:00Z"},
		// Across the change night itself, every day a working day.
		{"2026 spring night", berlinAll, "2026-03-28T16:00:00Z", "2026-03-29T06:00:00Z", "2026-03-29T06:00:00Z"},
		{"2026 spring day", berlinAll, "2026-03-29T06:00:00Z", "2026-03-30T06:00:00Z", "2026-03-29T15:00:00Z"},
		{"2026 autumn night", berlinAll, "2026-10-24T15:00:00Z", "2026-10-25T07:00:00Z", "2026-10-25T07:00:00Z"},
		{"2026 autumn day", berlinAll, "2026-10-25T07:00:00Z", "2026-10-26T07:00:00Z", "2026-10-25T16:00:00Z"},
		{"2027 spring night", berlinAll, "2027-03-27T16:00:00Z", "2027-03-28T06:00:00Z", "2027-03-28T06:00:00Z"},
		{"2027 spring day", berlinAll, "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z", "2027-03-28T15:00:00Z"},
		{"2027 autumn night", berlinAll, "2027-10-30T15:00:00Z", "2027-10-31T07:00:00Z", "2027-10-31T07:00:00Z"},
		{"2027 autumn day", berlinAll, "2027-10-31T07:00:00Z", "2027-11-01T07:00:00Z", "2027-10-31T16:00:00Z"},
		// Pacific: the end lies on the next UTC day.
		{"pacific day", pacific, "2026-12-08T20:00:00Z", "2026-12-09T16:30:00Z", "2026-12-09T01:00:00Z"},
		{"pacific friday night", pacific, "2026-12-12T01:00:00Z", "2026-12-14T16:30:00Z", "2026-12-14T16:30:00Z"},
		{"pacific 2026 spring", pacific, "2026-03-07T01:00:00Z", "2026-03-09T15:30:00Z", "2026-03-09T15:30:00Z"},
		{"pacific 2026 autumn", pacific, "2026-10-31T00:00:00Z", "2026-11-02T16:30:00Z", "2026-11-02T16:30:00Z"},
		{"custom pacific 2027 spring", hours(weekdays, "08:30:00", "17:00:00", customPacific), "2027-03-13T01:00:00Z", "2027-03-15T15:30:00Z", "2027-03-15T15:30:00Z"},
		{"custom cet 2027 autumn", hours(weekdays, "08:00:00", "17:00:00", customCET), "2027-10-29T15:00:00Z", "2027-11-01T07:00:00Z", "2027-11-01T07:00:00Z"},
		// Only Sunday: a week away.
		{"one day a week", hours(`["sunday"]`, "08:00:00", "17:00:00", `{"name":"UTC"}`), "2026-12-06T08:00:00Z", "2026-12-13T08:00:00Z", "2026-12-06T17:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := mustParse(t, c.hours)
			at := utc(c.at)
			if got := w.NextStart(at); !got.Equal(utc(c.start)) {
				t.Errorf("NextStart(%s) = %s, want %s", c.at, got.UTC().Format(time.RFC3339), c.start)
			}
			if got := w.NextBoundary(at); !got.Equal(utc(c.boundary)) {
				t.Errorf("NextBoundary(%s) = %s, want %s", c.at, got.UTC().Format(time.RFC3339), c.boundary)
			}
		})
	}
	none := mustParse(t, hours(`[]`, "08:00:00", "17:00:00", `{"name":"UTC"}`))
	if !none.NextStart(utc("2026-12-07T12:00:00Z")).IsZero() || !none.NextBoundary(utc("2026-12-07T12:00:00Z")).IsZero() {
		t.Error("no working day: next start and boundary must be zero")
	}
}

// TestBoundariesAgreeWithOutside walks two years minute by minute in several
// zones: Outside changes exactly at the boundaries NextBoundary reports, and
// NextStart is always a boundary at which Outside becomes false.
func TestBoundariesAgreeWithOutside(t *testing.T) {
	if testing.Short() {
		t.Skip("long walk")
	}
	for _, zone := range []string{`{"name":"W. Europe Standard Time"}`, `{"name":"Pacific Standard Time"}`,
		`{"name":"AUS Eastern Standard Time"}`, customPacific, `{"name":"Lord Howe Standard Time"}`} {
		w := mustParse(t, hours(`["monday","wednesday","thursday","saturday"]`, "08:30:00", "17:15:00", zone))
		at := utc("2026-01-01T00:00:00Z")
		endWalk := utc("2028-01-01T00:00:00Z")
		next := w.NextBoundary(at)
		prev := w.Outside(at)
		for at = at.Add(time.Minute); at.Before(endWalk); at = at.Add(time.Minute) {
			cur := w.Outside(at)
			if at.Equal(next) {
				if cur == prev {
					t.Fatalf("%s: boundary %s does not change Outside (%v)", w, at, cur)
				}
				if !cur {
					if s := w.NextStart(at.Add(-time.Nanosecond)); !s.Equal(at) {
						t.Fatalf("%s: NextStart before %s = %s", w, at, s)
					}
				}
				next = w.NextBoundary(at)
				if !next.After(at) {
					t.Fatalf("%s: NextBoundary(%s) = %s, not after", w, at, next)
				}
			} else if cur != prev {
				t.Fatalf("%s: Outside changes at %s, not a boundary (next %s)", w, at, next)
			}
			prev = cur
		}
	}
}

func TestCustomZoneMatchesIANA(t *testing.T) {
	cases := []struct {
		custom, iana string
	}{
		{customPacific, "America/Los_Angeles"},
		{customCET, "Europe/Berlin"},
		// Southern hemisphere: daylight from the first Sunday of October
		// at 02:00 to the first Sunday of April at 03:00.
		{`{"bias":-600,"name":"Custom Sydney",
		  "standardOffset":{"time":"03:00:00","dayOccurrence":1,"dayOfWeek":"sunday","month":4,"year":0},
		  "daylightOffset":{"daylightBias":-60,"time":"02:00:00","dayOccurrence":1,"dayOfWeek":"sunday","month":10,"year":0}}`,
			"Australia/Sydney"},
		// Half-hour bias, no daylight time.
		{`{"bias":-330,"name":"Custom India"}`, "Asia/Kolkata"},
		// Daylight offsets given but with zero months: no DST.
		{`{"bias":-540,"name":"Custom Tokyo",
		  "standardOffset":{"time":"00:00:00","dayOccurrence":0,"dayOfWeek":"sunday","month":0,"year":0},
		  "daylightOffset":{"daylightBias":0,"time":"00:00:00","dayOccurrence":0,"dayOfWeek":"sunday","month":0,"year":0}}`,
			"Asia/Tokyo"},
	}
	for _, c := range cases {
		var tz TimeZone
		if err := jsonUnmarshal(c.custom, &tz); err != nil {
			t.Fatal(err)
		}
		loc, err := tz.Location()
		if err != nil {
			t.Fatalf("%s: %v", tz.Name, err)
		}
		want, err := time.LoadLocation(c.iana)
		if err != nil {
			t.Fatal(err)
		}
		for at := utc("2026-01-01T00:00:00Z"); at.Before(utc("2028-01-01T00:00:00Z")); at = at.Add(15 * time.Minute) {
			_, got := at.In(loc).Zone()
			_, exp := at.In(want).Zone()
			if got != exp {
				t.Fatalf("%s at %s: offset %d, %s has %d", tz.Name, at, got, c.iana, exp)
			}
		}
	}
}

func TestParseNone(t *testing.T) {
	for _, in := range []string{"", "null", " null ", "{}", " { } "} {
		w, err := Parse([]byte(in))
		if w != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", in, w, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	w := `{"name":"W. Europe Standard Time"}`
	cases := []struct {
		name, in, want string
	}{
		{"not json", `{"daysOfWeek":`, "workingHours:"},
		{"not an object", `[1]`, "workingHours:"},
		{"unknown day", hours(`["mondey"]`, "08:00:00", "17:00:00", w), `unknown day "mondey"`},
		{"start == end", hours(weekdays, "08:00:00.0000000", "08:00:00.0000000", w), "startTime and endTime are both 08:00:00.0000000"},
		{"end before start", hours(weekdays, "17:00:00", "08:00:00", w), "endTime 08:00:00 is before startTime 17:00:00"},
		{"midnight both", hours(weekdays, "00:00:00", "00:00:00", w), "startTime and endTime are both"},
		{"missing start", `{"daysOfWeek":["monday"],"endTime":"17:00:00","timeZone":` + w + `}`, "startTime: missing"},
		{"hour 24", hours(weekdays, "24:00:00", "17:00:00", w), `startTime: "24:00:00"`},
		{"minute 60", hours(weekdays, "08:60:00", "17:00:00", w), `startTime: "08:60:00"`},
		{"one digit", hours(weekdays, "8:00:00", "17:00:00", w), `startTime: "8:00:00"`},
		{"ten fraction digits", hours(weekdays, "08:00:00.0000000000", "17:00:00", w), "startTime"},
		{"letters", hours(weekdays, "08:00:00", "five pm", w), `endTime: "five pm"`},
		{"no zone", `{"daysOfWeek":["monday"],"startTime":"08:00:00","endTime":"17:00:00"}`, "timeZone is missing"},
		{"empty zone name", `{"daysOfWeek":["monday"],"startTime":"08:00:00","endTime":"17:00:00","timeZone":{"name":""}}`, "timeZone.name is empty"},
		{"blank zone name", `{"daysOfWeek":["monday"],"startTime":"08:00:00","endTime":"17:00:00","timeZone":{"name":"  "}}`, "timeZone.name is empty"},
		{"unknown zone", hours(weekdays, "08:00:00", "17:00:00", `{"name":"Mars Standard Time"}`), `unknown time zone "Mars Standard Time"`},
		{"empty zone object is UTC? no: name empty", hours(weekdays, "08:00:00", "17:00:00", `{"name":"Local"}`), `unknown time zone "Local"`},
		{"custom without bias", hours(weekdays, "08:00:00", "17:00:00", `{"@odata.type":"#microsoft.graph.customTimeZone","name":"X"}`), "bias is missing"},
		{"custom bad bias", hours(weekdays, "08:00:00", "17:00:00", `{"bias":100000,"name":"X"}`), "bias 100000 minutes is out of range"},
		{"custom bad occurrence", hours(weekdays, "08:00:00", "17:00:00", `{"bias":0,"name":"X",
			"standardOffset":{"time":"03:00:00","dayOccurrence":6,"dayOfWeek":"sunday","month":10},
			"daylightOffset":{"daylightBias":-60,"time":"02:00:00","dayOccurrence":5,"dayOfWeek":"sunday","month":3}}`), "standardOffset.dayOccurrence 6"},
		{"custom bad month", hours(weekdays, "08:00:00", "17:00:00", `{"bias":0,"name":"X",
			"standardOffset":{"time":"03:00:00","dayOccurrence":5,"dayOfWeek":"sunday","month":10},
			"daylightOffset":{"daylightBias":-60,"time":"02:00:00","dayOccurrence":5,"dayOfWeek":"sunday","month":13}}`), "daylightOffset.month 13"},
		{"custom bad day", hours(weekdays, "08:00:00", "17:00:00", `{"bias":0,"name":"X",
			"standardOffset":{"time":"03:00:00","dayOccurrence":5,"dayOfWeek":"sun","month":10},
			"daylightOffset":{"daylightBias":-60,"time":"02:00:00","dayOccurrence":5,"dayOfWeek":"sunday","month":3}}`), `standardOffset.dayOfWeek: unknown day "sun"`},
		{"custom bad time", hours(weekdays, "08:00:00", "17:00:00", `{"bias":0,"name":"X",
			"standardOffset":{"time":"3am","dayOccurrence":5,"dayOfWeek":"sunday","month":10},
			"daylightOffset":{"daylightBias":-60,"time":"02:00:00","dayOccurrence":5,"dayOfWeek":"sunday","month":3}}`), `standardOffset.time: "3am"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := Parse([]byte(c.in))
			if err == nil {
				t.Fatalf("Parse accepted it: %s", w)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestParseForms(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{hours(weekdays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"W. Europe Standard Time"}`),
			"mon,tue,wed,thu,fri 08:00-17:00 W. Europe Standard Time (Europe/Berlin)"},
		{hours(`["Friday","MONDAY","monday"]`, "08:30", "17:45:30", `{"name":"w. europe standard time"}`),
			"mon,fri 08:30-17:45:30 w. europe standard time (Europe/Berlin)"},
		{hours(weekdays, "09:00:00", "18:00:00", `{"name":"Europe/Rome"}`), "mon,tue,wed,thu,fri 09:00-18:00 Europe/Rome"},
		{hours(`[]`, "09:00:00", "18:00:00", `{"name":"UTC"}`), "no days 09:00-18:00 UTC"},
		{hours(`["sunday"]`, "09:00:00", "00:00:00", `{"name":"UTC"}`), "sun 09:00-24:00 UTC"},
		{hours(weekdays, "08:00:00", "17:00:00", customPacific), "mon,tue,wed,thu,fri 08:00-17:00 Customized Time Zone"},
	}
	for _, c := range cases {
		if got := mustParse(t, c.in).String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestNew(t *testing.T) {
	w, err := New([]time.Weekday{time.Monday}, 8*time.Hour, 17*time.Hour, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if w.Outside(utc("2026-12-07T08:00:00Z")) || !w.Outside(utc("2026-12-08T08:00:00Z")) {
		t.Error("New: Monday 08-17 UTC wrong")
	}
	for _, bad := range []struct {
		days       []time.Weekday
		start, end time.Duration
		loc        *time.Location
	}{
		{nil, 8 * time.Hour, 8 * time.Hour, time.UTC},
		{nil, 8 * time.Hour, 25 * time.Hour, time.UTC},
		{nil, 8 * time.Hour, 9 * time.Hour, nil},
		{[]time.Weekday{7}, 8 * time.Hour, 9 * time.Hour, time.UTC},
	} {
		if _, err := New(bad.days, bad.start, bad.end, bad.loc); err == nil {
			t.Errorf("New(%v, %s, %s) accepted", bad.days, bad.start, bad.end)
		}
	}
}

func TestZeroValue(t *testing.T) {
	var w WorkingHours
	if !w.Outside(utc("2026-12-07T12:00:00Z")) || !w.NextStart(utc("2026-12-07T12:00:00Z")).IsZero() {
		t.Error("the zero value has no working day")
	}
}

func TestParseWithResolver(t *testing.T) {
	var asked []string
	resolve := func(name string) (*time.Location, error) {
		asked = append(asked, name)
		return LoadZone(name)
	}
	if _, err := ParseWith([]byte(hours(weekdays, "08:00:00", "17:00:00", `{"name":"GMT Standard Time"}`)), resolve); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseWith([]byte(hours(weekdays, "08:00:00", "17:00:00", customPacific)), resolve); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != "GMT Standard Time" {
		t.Errorf("resolver asked for %q; want the named zone only", asked)
	}
}
