package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/workhours"
)

// The getSchedule response, as far as calsync reads it.
type scheduleResponse struct {
	Value *[]scheduleInformation `json:"value"`
}

type scheduleInformation struct {
	ScheduleID    string         `json:"scheduleId"`
	ScheduleItems []scheduleItem `json:"scheduleItems"`
	// WorkingHours stays raw: its errors must not fail the events.
	WorkingHours json.RawMessage `json:"workingHours"`
	Error        *freeBusyError  `json:"error"`
}

type freeBusyError struct {
	Message      string     `json:"message"`
	ResponseCode flexString `json:"responseCode"`
}

type scheduleItem struct {
	IsPrivate bool             `json:"isPrivate"`
	Status    string           `json:"status"`
	Subject   string           `json:"subject"`
	Location  string           `json:"location"`
	Start     dateTimeTimeZone `json:"start"`
	End       dateTimeTimeZone `json:"end"`
}

type dateTimeTimeZone struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

// flexString accepts a JSON string or number: responseCode is documented as
// a string ("5009") but nothing is lost by accepting 5009.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("responseCode: expected a string or a number, got %s", truncate(string(b), 40))
	}
	*f = flexString(n.String())
	return nil
}

// ParseScheduleResponse reads a getSchedule 200 body into one Schedule per
// returned scheduleInformation, in response order, Mailbox set to its
// scheduleId. Times are UTC. A per-mailbox error object, or an item that
// cannot be read (unknown time zone, end before start), sets that
// Schedule's Err (an *Error) and fails that mailbox only. workingHours go
// to WorkingHours (nil when null, missing or {}), or to WorkingHoursErr when
// they cannot be read, which leaves the events alone. The subject and
// location of private items are dropped here, so they go no further.
// The error return is for a body that is not a getSchedule response at all.
func ParseScheduleResponse(body []byte) ([]calendar.Schedule, error) {
	var resp scheduleResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("parse getSchedule response: %w", err)
	}
	if resp.Value == nil {
		return nil, fmt.Errorf("parse getSchedule response: no \"value\" array")
	}
	zones := zoneCache{}
	out := make([]calendar.Schedule, 0, len(*resp.Value))
	for i, info := range *resp.Value {
		s := calendar.Schedule{Mailbox: info.ScheduleID}
		if info.Error != nil && (info.Error.ResponseCode != "" || info.Error.Message != "") {
			s.Err = classifyItemError(info.ScheduleID, string(info.Error.ResponseCode), info.Error.Message)
			out = append(out, s)
			continue
		}
		events, err := parseItems(info.ScheduleItems, zones)
		if err != nil {
			msg := err.Error()
			if info.ScheduleID == "" {
				msg = "schedule #" + strconv.Itoa(i) + ": " + msg
			}
			s.Err = &Error{Kind: KindBadResponse, Mailbox: info.ScheduleID, Message: msg,
				Remedy: remedy(KindBadResponse, "", "")}
		} else {
			s.Events = events
		}
		// Working hours are read apart from the events: a zone this build
		// cannot resolve is that user's working-hours error, not a reason
		// to drop their meetings.
		if wh, err := workhours.ParseWith(info.WorkingHours, zones.resolve); err != nil {
			s.WorkingHoursErr = err
		} else {
			s.WorkingHours = wh
		}
		out = append(out, s)
	}
	return out, nil
}

// parseItems converts scheduleItems; error messages never quote a subject
// or location, only positions and times.
func parseItems(items []scheduleItem, zones zoneCache) ([]calendar.Event, error) {
	var events []calendar.Event
	for j, it := range items {
		start, err := parseDateTime(it.Start, zones)
		if err != nil {
			return nil, fmt.Errorf("item %d start: %w", j, err)
		}
		end, err := parseDateTime(it.End, zones)
		if err != nil {
			return nil, fmt.Errorf("item %d end: %w", j, err)
		}
		if end.Before(start) {
			return nil, fmt.Errorf("item %d: end %s is before start %s", j,
				end.Format(time.RFC3339), start.Format(time.RFC3339))
		}
		st, err := calendar.ParseStatus(it.Status)
		if err != nil {
			// A status newer than this build must not hide the event.
			st = calendar.Unknown
		}
		ev := calendar.Event{Start: start, End: end, Status: st, Private: it.IsPrivate}
		if !it.IsPrivate {
			ev.Subject, ev.Location = it.Subject, it.Location
		}
		events = append(events, ev)
	}
	return events, nil
}

// localLayout is Graph's dateTime without offset: seven fractional digits,
// though any number (or none) is accepted.
const localLayout = "2006-01-02T15:04:05.999999999"

func parseDateTime(d dateTimeTimeZone, zones zoneCache) (time.Time, error) {
	s := strings.TrimSpace(d.DateTime)
	if s == "" {
		return time.Time{}, fmt.Errorf("dateTime is missing")
	}
	if hasOffset(s) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("dateTime %q: expected YYYY-MM-DDThh:mm:ss.fffffff", truncate(s, 40))
		}
		return t.UTC(), nil
	}
	loc, err := zones.resolve(d.TimeZone)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(localLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("dateTime %q: expected YYYY-MM-DDThh:mm:ss.fffffff", truncate(s, 40))
	}
	return t.UTC(), nil
}

// hasOffset reports whether a dateTime carries its own offset (Z or ±hh:mm
// after the time), which then wins over timeZone.
func hasOffset(s string) bool {
	i := strings.IndexByte(s, 'T')
	if i < 0 {
		return false
	}
	rest := s[i:]
	return strings.HasSuffix(rest, "Z") || strings.ContainsAny(rest, "+-")
}

// zoneCache resolves time zone names once per response.
type zoneCache map[string]*time.Location

func (z zoneCache) resolve(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if loc, ok := z[name]; ok {
		return loc, nil
	}
	loc, err := lookupZone(name)
	if err != nil {
		return nil, err
	}
	z[name] = loc
	return loc, nil
}

// lookupZone maps Graph's timeZone: UTC (the default without a Prefer
// header), a Windows zone name (what Outlook uses, through CLDR), or an
// IANA name; workhours.LoadZone says how.
func lookupZone(name string) (*time.Location, error) {
	return workhours.LoadZone(name)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
