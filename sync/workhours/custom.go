package workhours

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// StandardOffset is Graph's standardTimeZoneOffset: when a custom zone
// goes back to standard time. The transition is the DayOccurrence-th
// DayOfWeek of Month (5 = the last one), at Time in the local time then in
// force. Year 0 means every year, the only form Outlook writes.
type StandardOffset struct {
	Time          string `json:"time"`
	DayOccurrence int    `json:"dayOccurrence"`
	DayOfWeek     string `json:"dayOfWeek"`
	Month         int    `json:"month"`
	Year          int    `json:"year"`
}

// DaylightOffset is Graph's daylightTimeZoneOffset: when a custom zone goes
// to daylight saving time, and DaylightBias, the minutes added to the bias
// then (usually -60).
type DaylightOffset struct {
	Time          string `json:"time"`
	DayOccurrence int    `json:"dayOccurrence"`
	DayOfWeek     string `json:"dayOfWeek"`
	Month         int    `json:"month"`
	Year          int    `json:"year"`
	DaylightBias  int    `json:"daylightBias"`
}

// TimeZone is Graph's timeZoneBase, or a customTimeZone when Bias is set:
// {"name": "Pacific Standard Time"} or {"@odata.type":
// "#microsoft.graph.customTimeZone", "bias": 480, "name": "Customized Time
// Zone", "standardOffset": {...}, "daylightOffset": {...}}.
//
// Bias follows the Windows convention, UTC = local time + bias, so a zone
// west of Greenwich has a positive bias (480 for Pacific). Graph's reference
// page words it the other way round, but its own getSchedule example and
// every Exchange answer use the Windows sign.
type TimeZone struct {
	ODataType      string          `json:"@odata.type,omitempty"`
	Name           string          `json:"name"`
	Bias           *int            `json:"bias,omitempty"`
	StandardOffset *StandardOffset `json:"standardOffset,omitempty"`
	DaylightOffset *DaylightOffset `json:"daylightOffset,omitempty"`
}

// IsCustom reports whether the zone is given by its rules rather than by
// name.
func (z TimeZone) IsCustom() bool {
	return z.Bias != nil || z.StandardOffset != nil || z.DaylightOffset != nil ||
		strings.EqualFold(strings.TrimPrefix(z.ODataType, "#"), "microsoft.graph.customTimeZone")
}

// Location resolves the zone: a named one with LoadZone, a custom one from
// its bias and transition rules.
func (z TimeZone) Location() (*time.Location, error) {
	if !z.IsCustom() {
		return LoadZone(z.Name)
	}
	return customLocation(z)
}

// maxBias bounds a bias in minutes: real offsets lie within UTC-12..UTC+14.
const maxBias = 18 * 60

// customLocation builds a *time.Location for a customTimeZone. Go cannot
// make a zone with rules directly, so it is written as a tiny TZif file
// whose footer is the POSIX TZ rule ("<-0800>8<-0700>7,M3.2.0/2,M11.1.0/2"),
// which the time package then applies to every year: DST arithmetic stays
// the standard library's, not ours.
func customLocation(z TimeZone) (*time.Location, error) {
	if z.Bias == nil {
		return nil, fmt.Errorf("customTimeZone %q: bias is missing", truncate(z.Name, 60))
	}
	bias := *z.Bias
	if bias < -maxBias || bias > maxBias {
		return nil, fmt.Errorf("customTimeZone %q: bias %d minutes is out of range", truncate(z.Name, 60), bias)
	}
	name := strings.TrimSpace(z.Name)
	if name == "" {
		name = "Customized Time Zone"
	}
	stdOff := -bias * 60 // seconds east of UTC
	if !hasDST(z) {
		return time.FixedZone(name, stdOff), nil
	}
	d, s := z.DaylightOffset, z.StandardOffset
	dstBias := bias + d.DaylightBias
	if dstBias < -maxBias || dstBias > maxBias {
		return nil, fmt.Errorf("customTimeZone %q: daylightBias %d minutes is out of range", truncate(name, 60), d.DaylightBias)
	}
	toDST, err := posixRule("daylightOffset", d.Month, d.DayOccurrence, d.DayOfWeek, d.Time)
	if err != nil {
		return nil, fmt.Errorf("customTimeZone %q: %w", truncate(name, 60), err)
	}
	toStd, err := posixRule("standardOffset", s.Month, s.DayOccurrence, s.DayOfWeek, s.Time)
	if err != nil {
		return nil, fmt.Errorf("customTimeZone %q: %w", truncate(name, 60), err)
	}
	tz := posixName(stdOff) + posixOffset(bias) + posixName(-dstBias*60) + posixOffset(dstBias) +
		"," + toDST + "," + toStd
	loc, err := time.LoadLocationFromTZData(name, tzif(stdOff, tz))
	if err != nil {
		return nil, fmt.Errorf("customTimeZone %q: rule %q: %w", truncate(name, 60), tz, err)
	}
	return loc, nil
}

// hasDST reports whether a custom zone has a daylight period at all: both
// offsets with a month, and a daylight bias that changes the clock.
func hasDST(z TimeZone) bool {
	return z.DaylightOffset != nil && z.StandardOffset != nil &&
		z.DaylightOffset.Month != 0 && z.StandardOffset.Month != 0 && z.DaylightOffset.DaylightBias != 0
}

// posixRule writes one transition as POSIX "Mm.w.d/hh:mm:ss", the same
// shape as Windows' (month, occurrence with 5 = last, weekday, local time).
func posixRule(field string, month, occ int, weekday, at string) (string, error) {
	if month < 1 || month > 12 {
		return "", fmt.Errorf("%s.month %d: expected 1 to 12", field, month)
	}
	if occ < 1 || occ > 5 {
		return "", fmt.Errorf("%s.dayOccurrence %d: expected 1 to 5 (5 = last)", field, occ)
	}
	wd, err := parseWeekday(weekday)
	if err != nil {
		return "", fmt.Errorf("%s.dayOfWeek: %w", field, err)
	}
	tod, err := parseTimeOfDay(at)
	if err != nil {
		return "", fmt.Errorf("%s.time: %w", field, err)
	}
	sec := int(tod / time.Second)
	return fmt.Sprintf("M%d.%d.%d/%d:%02d:%02d", month, occ, int(wd), sec/3600, sec/60%60, sec%60), nil
}

// posixName is a quoted abbreviation such as "<+0100>" for an offset east
// of UTC in seconds.
func posixName(east int) string {
	sign := '+'
	if east < 0 {
		sign, east = '-', -east
	}
	return fmt.Sprintf("<%c%02d%02d>", sign, east/3600, east/60%60)
}

// posixOffset writes a Windows bias (minutes, UTC = local + bias) as a POSIX
// offset, which has the same sign: hours west of UTC.
func posixOffset(bias int) string {
	sign := ""
	if bias < 0 {
		sign, bias = "-", -bias
	}
	return fmt.Sprintf("%s%d:%02d", sign, bias/60, bias%60)
}

// tzif returns a version 2 TZif file with no transitions, one standard
// local time type and the POSIX footer, which Go applies to all instants.
func tzif(stdOff int, footer string) []byte {
	abbr := []byte(strings.Trim(posixName(stdOff), "<>") + "\x00")
	block := func(b []byte) []byte {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		for _, n := range []int{0, 0, 0, 0, 1, len(abbr)} { // isut, isstd, leap, time, type, char
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
		b = binary.BigEndian.AppendUint32(b, uint32(int32(stdOff)))
		b = append(b, 0, 0) // isdst, abbreviation index
		return append(b, abbr...)
	}
	b := block(nil)
	b = block(b)
	return append(b, "\n"+footer+"\n"...)
}
