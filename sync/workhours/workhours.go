// Package workhours reads the working hours a mailbox publishes (Graph
// getSchedule's workingHours: days of the week, a start and an end time,
// and a time zone) and answers, to the nanosecond and across daylight saving
// changes, whether an instant is outside them and when they next start or
// end. It also resolves the time zone names Graph and Outlook write:
// Windows names through the CLDR windowsZones mapping embedded as data
// (data/README.md: CLDR release, licence), IANA names through Go's embedded
// tz database, and customTimeZone rules.
//
// It is pure: no I/O, no clock, no logging.
package workhours

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Graph is workingHours exactly as Graph publishes it in getSchedule:
//
//	{"daysOfWeek": ["monday", ...], "startTime": "08:00:00.0000000",
//	 "endTime": "17:00:00.0000000", "timeZone": {"name": "Pacific Standard Time"}}
//
// The emulator writes this shape; Parse reads it.
type Graph struct {
	DaysOfWeek []string  `json:"daysOfWeek"`
	StartTime  string    `json:"startTime"`
	EndTime    string    `json:"endTime"`
	TimeZone   *TimeZone `json:"timeZone,omitempty"`
}

// WorkingHours are a mailbox's checked working hours, ready to match. The
// zero value has no working day. Values are immutable and safe for
// concurrent use.
type WorkingHours struct {
	days  [7]bool       // indexed by time.Weekday
	start time.Duration // wall-clock time of day in loc
	end   time.Duration // after start; 24h when the day ends at midnight
	zone  string        // the zone as published, for messages
	loc   *time.Location
}

// Parse reads a workingHours JSON value. null, an absent value (empty
// input) and {} mean the mailbox publishes none: (nil, nil), so a rule on
// working hours never matches it.
func Parse(b []byte) (*WorkingHours, error) {
	return ParseWith(b, LoadZone)
}

// ParseWith is Parse with named zones resolved by resolve, e.g. a cache in
// front of LoadZone: loading a zone from the embedded database costs tens
// of microseconds, and a getSchedule answer names the same few zones for
// every mailbox.
func ParseWith(b []byte, resolve func(name string) (*time.Location, error)) (*WorkingHours, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil, nil
	}
	var g Graph
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("workingHours: %w", err)
	}
	if g.DaysOfWeek == nil && g.StartTime == "" && g.EndTime == "" && g.TimeZone == nil {
		return nil, nil // {} (or only fields this build does not read)
	}
	return fromGraph(g, resolve)
}

// FromGraph checks Graph's workingHours and resolves its zone. Errors name
// the field and the value, never guess: a wrong zone would be hours off.
func FromGraph(g Graph) (*WorkingHours, error) {
	return fromGraph(g, LoadZone)
}

func fromGraph(g Graph, resolve func(string) (*time.Location, error)) (*WorkingHours, error) {
	w := &WorkingHours{}
	for _, d := range g.DaysOfWeek {
		wd, err := parseWeekday(d)
		if err != nil {
			return nil, fmt.Errorf("workingHours.daysOfWeek: %w", err)
		}
		w.days[wd] = true
	}
	var err error
	if w.start, err = parseTimeOfDay(g.StartTime); err != nil {
		return nil, fmt.Errorf("workingHours.startTime: %w", err)
	}
	if w.end, err = parseTimeOfDay(g.EndTime); err != nil {
		return nil, fmt.Errorf("workingHours.endTime: %w", err)
	}
	if w.end == 0 && w.start > 0 {
		w.end = 24 * time.Hour // "00:00" as an end is midnight at the end of the day
	}
	if w.start == w.end {
		return nil, fmt.Errorf("workingHours: startTime and endTime are both %s: a working day must have a length",
			strings.TrimSpace(g.StartTime))
	}
	if w.end < w.start {
		return nil, fmt.Errorf("workingHours: endTime %s is before startTime %s",
			strings.TrimSpace(g.EndTime), strings.TrimSpace(g.StartTime))
	}
	if g.TimeZone == nil {
		return nil, fmt.Errorf("workingHours.timeZone is missing")
	}
	switch {
	case g.TimeZone.IsCustom():
		w.loc, err = customLocation(*g.TimeZone)
	case strings.TrimSpace(g.TimeZone.Name) == "":
		// Not UTC by default: a guessed zone would put the hours off, as a missing one would.
		return nil, fmt.Errorf("workingHours.timeZone.name is empty; expected a zone such as \"W. Europe Standard Time\"")
	default:
		w.loc, err = resolve(g.TimeZone.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("workingHours.timeZone: %w", err)
	}
	w.zone = strings.TrimSpace(g.TimeZone.Name)
	if w.zone == "" {
		w.zone = w.loc.String()
	}
	return w, nil
}

// New makes working hours from plain values, for tests and the emulator:
// start and end are times of day in loc (end 24h = midnight).
func New(days []time.Weekday, start, end time.Duration, loc *time.Location) (*WorkingHours, error) {
	if loc == nil {
		return nil, fmt.Errorf("working hours: no time zone")
	}
	if start < 0 || end > 24*time.Hour || start >= end {
		return nil, fmt.Errorf("working hours: %s-%s is not a time span within one day", start, end)
	}
	w := &WorkingHours{start: start, end: end, zone: loc.String(), loc: loc}
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			return nil, fmt.Errorf("working hours: weekday %d out of range", int(d))
		}
		w.days[d] = true
	}
	return w, nil
}

// Days returns the working days, Sunday first.
func (w *WorkingHours) Days() []time.Weekday {
	var out []time.Weekday
	for d, on := range w.days {
		if on {
			out = append(out, time.Weekday(d))
		}
	}
	return out
}

// Start and End are the wall-clock times of day the working day starts and
// ends in Location (End is 24h for a day ending at midnight).
func (w *WorkingHours) Start() time.Duration { return w.start }

// End: see Start.
func (w *WorkingHours) End() time.Duration { return w.end }

// Location is the zone the times are in.
func (w *WorkingHours) Location() *time.Location {
	if w.loc == nil {
		return time.UTC
	}
	return w.loc
}

// Zone is the zone as the mailbox published it ("W. Europe Standard
// Time", or a custom zone's name).
func (w *WorkingHours) Zone() string { return w.zone }

// String is a stable, readable form: "mon,tue,wed,thu,fri 08:00-17:00 W.
// Europe Standard Time (Europe/Berlin)".
func (w *WorkingHours) String() string {
	var days []string
	for _, d := range w.Days() {
		days = append(days, strings.ToLower(d.String()[:3]))
	}
	if len(days) == 0 {
		days = []string{"no days"}
	}
	s := fmt.Sprintf("%s %s-%s %s", strings.Join(days, ","), clock(w.start), clock(w.end), w.zone)
	if loc := w.Location().String(); loc != w.zone {
		s += " (" + loc + ")"
	}
	return s
}

func clock(d time.Duration) string {
	s := int(d / time.Second)
	out := fmt.Sprintf("%02d:%02d", s/3600, s/60%60)
	if s%60 != 0 {
		out += fmt.Sprintf(":%02d", s%60)
	}
	return out
}

// span returns the working interval of the local calendar day y-m-d:
// [start, end) as instants. time.Date resolves wall times the DST change
// skips or repeats (the earlier offset wins), so a span is exact on those
// days too.
func (w *WorkingHours) span(y int, m time.Month, d int) (time.Time, time.Time) {
	loc := w.Location()
	return wall(y, m, d, w.start, loc), wall(y, m, d, w.end, loc)
}

func wall(y int, m time.Month, d int, tod time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, int(tod), loc)
}

// Outside reports whether t is outside the working hours: on a day that is
// not a working day, or before the start or at or after the end of a
// working day, both in the working hours' own zone.
func (w *WorkingHours) Outside(t time.Time) bool {
	lt := t.In(w.Location())
	if !w.days[lt.Weekday()] {
		return true
	}
	s, e := w.span(lt.Date())
	return t.Before(s) || !t.Before(e)
}

// NextStart returns the first start of working hours strictly after t:
// the "until" of an outside-working-hours presence. It is the zero time
// when there is no working day.
func (w *WorkingHours) NextStart(t time.Time) time.Time {
	return w.next(t, false)
}

// NextBoundary returns the first start or end of working hours strictly
// after t: when Outside may next change. It is the zero time when there is
// no working day.
func (w *WorkingHours) NextBoundary(t time.Time) time.Time {
	return w.next(t, true)
}

func (w *WorkingHours) next(t time.Time, ends bool) time.Time {
	if !slices.Contains(w.days[:], true) {
		return time.Time{}
	}
	y, m, d := t.In(w.Location()).Date()
	// Spans lie within their own day and in order, so the first one found
	// is the earliest; eight days always reach the same weekday again.
	for i := 0; i <= 8; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC) // noon: no DST edge
		if !w.days[day.Weekday()] {
			continue
		}
		s, e := w.span(day.Date())
		if s.After(t) {
			return s
		}
		if ends && e.After(t) {
			return e
		}
	}
	return time.Time{} // unreachable with at least one working day
}

// parseWeekday reads Graph's dayOfWeek ("monday"), case-insensitively.
func parseWeekday(s string) (time.Weekday, error) {
	t := strings.TrimSpace(s)
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(t, d.String()) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown day %q: expected sunday, monday, ... saturday", truncate(s, 40))
}

// parseTimeOfDay reads Graph's Edm.TimeOfDay, "08:30:00.0000000": hh:mm,
// hh:mm:ss, or hh:mm:ss with up to nine fractional digits.
func parseTimeOfDay(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	bad := func() (time.Duration, error) {
		if t == "" {
			return 0, fmt.Errorf("missing: expected hh:mm:ss such as \"08:30:00.0000000\"")
		}
		return 0, fmt.Errorf("%q: expected hh:mm:ss such as \"08:30:00.0000000\"", truncate(s, 40))
	}
	two := func(p string, max int) (int, bool) {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, false
		}
		n := int(p[0]-'0')*10 + int(p[1]-'0')
		return n, n <= max
	}
	frac := ""
	if i := strings.IndexByte(t, '.'); i >= 0 {
		t, frac = t[:i], t[i+1:]
		if frac == "" || len(frac) > 9 {
			return bad()
		}
	}
	parts := strings.Split(t, ":")
	if len(parts) < 2 || len(parts) > 3 || (frac != "" && len(parts) != 3) {
		return bad()
	}
	h, ok1 := two(parts[0], 23)
	m, ok2 := two(parts[1], 59)
	sec, ok3 := 0, true
	if len(parts) == 3 {
		sec, ok3 = two(parts[2], 59)
	}
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	ns := 0
	for i := 0; i < 9; i++ {
		ns *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return bad()
			}
			ns += int(c - '0')
		}
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second +
		time.Duration(ns), nil
}
