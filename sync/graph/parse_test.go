package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenSchedule is the stable text form of a parsed schedule.
type goldenSchedule struct {
	Mailbox string        `json:"mailbox"`
	Events  []goldenEvent `json:"events,omitempty"`
	Kind    string        `json:"errorKind,omitempty"`
	Code    string        `json:"errorCode,omitempty"`
	Error   string        `json:"error,omitempty"`
	// WorkingHours is workhours.WorkingHours.String(); WorkingHoursErr its
	// parse error.
	WorkingHours    string `json:"workingHours,omitempty"`
	WorkingHoursErr string `json:"workingHoursError,omitempty"`
}

type goldenEvent struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Status   string `json:"status"`
	Subject  string `json:"subject,omitempty"`
	Location string `json:"location,omitempty"`
	Private  bool   `json:"private,omitempty"`
}

func renderGolden(t *testing.T, schedules []calendar.Schedule) []byte {
	t.Helper()
	var out []goldenSchedule
	for _, s := range schedules {
		g := goldenSchedule{Mailbox: s.Mailbox}
		for _, e := range s.Events {
			g.Events = append(g.Events, goldenEvent{
				Start: e.Start.Format(time.RFC3339Nano), End: e.End.Format(time.RFC3339Nano),
				Status: string(e.Status), Subject: e.Subject, Location: e.Location, Private: e.Private,
			})
		}
		if s.Err != nil {
			var ge *Error
			if !errors.As(s.Err, &ge) {
				t.Fatalf("%s: error %v is not an *Error", s.Mailbox, s.Err)
			}
			g.Kind, g.Code, g.Error = ge.Kind.String(), ge.Code, ge.Error()
		}
		if s.WorkingHours != nil {
			g.WorkingHours = s.WorkingHours.String()
		}
		if s.WorkingHoursErr != nil {
			g.WorkingHoursErr = s.WorkingHoursErr.Error()
		}
		out = append(out, g)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestParseScheduleResponseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/getschedule_*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			schedules, err := ParseScheduleResponse(body)
			if err != nil {
				t.Fatalf("ParseScheduleResponse: %v", err)
			}
			got := renderGolden(t, schedules)
			want := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -update once to create it)", err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("parsed %s differs from %s:\n%s", in, want, got)
			}
		})
	}
}

// The facts the golden files encode, asserted directly so a careless
// -update cannot bless a regression.
func TestParseScheduleResponseFacts(t *testing.T) {
	read := func(name string) []calendar.Schedule {
		t.Helper()
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseScheduleResponse(body)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	utc := read("getschedule_utc.json")
	if len(utc) != 3 {
		t.Fatalf("got %d schedules, want 3", len(utc))
	}
	mario := utc[0].Events
	if got := mario[0]; got.Subject != "Weekly sync" || got.Location != "Teams" || got.Status != calendar.Busy ||
		!got.Start.Equal(time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)) || got.Start.Location() != time.UTC {
		t.Errorf("first event = %+v", got)
	}
	if got := mario[1]; !got.Private || got.Subject != "" || got.Location != "" {
		t.Errorf("private event kept details: %+v", got)
	}
	if got := mario[3]; got.Status != calendar.WorkingElsewhere || got.Start.Nanosecond() != 123456700 {
		t.Errorf("seven fractional digits or workingElsewhere lost: %+v", got)
	}
	giulia := utc[1].Events
	wantStatus := []calendar.Status{calendar.Tentative, calendar.Free, calendar.Unknown, calendar.Unknown}
	for i, w := range wantStatus {
		if giulia[i].Status != w {
			t.Errorf("giulia event %d status = %q, want %q", i, giulia[i].Status, w)
		}
	}
	if giulia[0].Subject != "" {
		t.Errorf("absent subject became %q", giulia[0].Subject)
	}
	if utc[2].Err != nil || len(utc[2].Events) != 0 {
		t.Errorf("empty schedule = %+v", utc[2])
	}

	zones := read("getschedule_zones.json")[0].Events
	wantStarts := []time.Time{
		time.Date(2025, 1, 15, 8, 0, 0, 0, time.UTC),  // CET = UTC+1
		time.Date(2025, 7, 15, 7, 0, 0, 0, time.UTC),  // CEST = UTC+2
		time.Date(2025, 7, 15, 9, 0, 0, 0, time.UTC),  // Europe/Rome CEST
		time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC), // explicit Z wins over timeZone
		time.Date(2025, 7, 15, 13, 0, 0, 0, time.UTC), // London BST = UTC+1
		time.Date(2025, 7, 15, 16, 0, 0, 0, time.UTC), // no timeZone: UTC
	}
	for i, w := range wantStarts {
		if !zones[i].Start.Equal(w) || zones[i].Start.Location() != time.UTC {
			t.Errorf("zone event %d start = %s, want %s", i, zones[i].Start, w)
		}
	}

	errs := read("getschedule_errors.json")
	want := []struct {
		mailbox string
		kind    Kind
		code    string
	}{
		{"gone@contoso.com", KindMailboxNotFound, "5009"},
		{"typo@contoso.con", KindMailboxNotFound, "ErrorInvalidUser"},
		{"onprem@contoso.com", KindMailboxNotEnabled, "MailboxNotEnabledForRESTAPI"},
		{"numeric@contoso.com", KindMailboxNotFound, "5009"},
		{"proxy@contoso.com", KindOther, "5016"},
		{"mars@contoso.com", KindBadResponse, ""},
		{"backwards@contoso.com", KindBadResponse, ""},
	}
	for i, w := range want {
		var e *Error
		if !errors.As(errs[i].Err, &e) {
			t.Fatalf("%s: err = %v, want *Error", w.mailbox, errs[i].Err)
		}
		if e.Kind != w.kind || e.Code != w.code || e.Mailbox != w.mailbox {
			t.Errorf("%s: got kind %v code %q mailbox %q", w.mailbox, e.Kind, e.Code, e.Mailbox)
		}
		if !strings.Contains(e.Remedy, w.mailbox) && e.Kind != KindBadResponse {
			t.Errorf("%s: remedy does not name the mailbox: %q", w.mailbox, e.Remedy)
		}
		if strings.Contains(e.Error(), "Secret project") || strings.Contains(e.Error(), "Time travel") {
			t.Errorf("%s: error quotes a subject: %v", w.mailbox, e)
		}
	}
	if !strings.Contains(errs[5].Err.Error(), `unknown time zone "Mars Standard Time"`) {
		t.Errorf("unknown zone error = %v", errs[5].Err)
	}
	if errs[7].Err != nil || len(errs[7].Events) != 1 {
		t.Errorf("a healthy mailbox beside failing ones = %+v", errs[7])
	}
}

func TestParseScheduleResponseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"not json":    `<html>`,
		"no value":    `{"@odata.context":"x"}`,
		"null value":  `{"value":null}`,
		"value shape": `{"value":{"scheduleId":"a"}}`,
		"empty":       ``,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseScheduleResponse([]byte(body)); err == nil {
				t.Errorf("accepted %q", body)
			}
		})
	}
	s, err := ParseScheduleResponse([]byte(`{"value":[]}`))
	if err != nil || len(s) != 0 {
		t.Errorf("empty value: %v, %v", s, err)
	}
}

func TestLookupZone(t *testing.T) {
	for _, ok := range []string{"", "UTC", "utc", "W. Europe Standard Time", "Romance Standard Time",
		"Europe/Rome", "America/New_York", "tzone://Microsoft/Utc"} {
		if _, err := lookupZone(ok); err != nil {
			t.Errorf("lookupZone(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"Local", "Mars Standard Time", "../../etc/passwd", "/etc/localtime", "Europe/Atlantis"} {
		if _, err := lookupZone(bad); err == nil {
			t.Errorf("lookupZone(%q) accepted", bad)
		}
	}
	// Names the old hand-written table had must still resolve through CLDR.
	for _, win := range []string{"Pacific Standard Time", "GMT Standard Time", "Central Standard Time (Mexico)",
		"US Eastern Standard Time", "Cen. Australia Standard Time", "New Zealand Standard Time", "UTC"} {
		if _, err := lookupZone(win); err != nil {
			t.Errorf("lookupZone(%q): %v", win, err)
		}
	}
}

func FuzzParseScheduleResponse(f *testing.F) {
	files, _ := filepath.Glob("testdata/getschedule_*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"value":[{"scheduleId":"a","scheduleItems":[{"isPrivate":true,"subject":"s","location":"l",` +
		`"start":{"dateTime":"2025-01-01T00:00:00.0000000","timeZone":"UTC"},` +
		`"end":{"dateTime":"2025-01-01T01:00:00.0000000","timeZone":"UTC"}}]}]}`))
	f.Add([]byte(`{"value":[{"error":{"responseCode":null}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		schedules, err := ParseScheduleResponse(body)
		if err != nil {
			return
		}
		for _, s := range schedules {
			if s.Err != nil {
				var e *Error
				if !errors.As(s.Err, &e) {
					t.Fatalf("schedule error %v is not an *Error", s.Err)
				}
				if len(s.Events) != 0 {
					t.Fatalf("failed schedule kept %d events", len(s.Events))
				}
				continue
			}
			for _, ev := range s.Events {
				if ev.End.Before(ev.Start) {
					t.Fatalf("event ends before it starts: %+v", ev)
				}
				if ev.Start.Location() != time.UTC || ev.End.Location() != time.UTC {
					t.Fatalf("event not in UTC: %+v", ev)
				}
				if ev.Private && (ev.Subject != "" || ev.Location != "") {
					t.Fatalf("private event kept details: %+v", ev)
				}
				if _, err := calendar.ParseStatus(string(ev.Status)); err != nil {
					t.Fatalf("event status %q is not a calendar.Status", ev.Status)
				}
			}
		}
	})
}

// Working hours are read per schedule; their errors never cost the events.
func TestParseScheduleWorkingHours(t *testing.T) {
	body, err := os.ReadFile("testdata/getschedule_workinghours.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseScheduleResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	byMailbox := map[string]calendar.Schedule{}
	for _, x := range s {
		if x.Err != nil {
			t.Errorf("%s: working hours failed the schedule: %v", x.Mailbox, x.Err)
		}
		byMailbox[x.Mailbox] = x
	}
	berlin := byMailbox["berlin@contoso.com"].WorkingHours
	if berlin == nil {
		t.Fatal("berlin: no working hours")
	}
	// Monday 7 December 2026, 17:00 in Berlin is 16:00 UTC.
	if berlin.Outside(time.Date(2026, 12, 7, 15, 59, 59, 0, time.UTC)) || !berlin.Outside(time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)) {
		t.Error("berlin: the working day does not end at 16:00 UTC")
	}
	custom := byMailbox["custom@contoso.com"].WorkingHours
	if custom == nil || !custom.NextStart(time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)).Equal(time.Date(2026, 12, 8, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("custom zone: next start wrong (%v)", custom)
	}
	for _, m := range []string{"null@contoso.com", "missing@contoso.com"} {
		if x := byMailbox[m]; x.WorkingHours != nil || x.WorkingHoursErr != nil {
			t.Errorf("%s: %v, %v; want none and no error", m, x.WorkingHours, x.WorkingHoursErr)
		}
	}
	mars := byMailbox["mars@contoso.com"]
	if mars.WorkingHours != nil || mars.WorkingHoursErr == nil || !strings.Contains(mars.WorkingHoursErr.Error(), `"Mars Standard Time"`) {
		t.Errorf("mars: %v, %v", mars.WorkingHours, mars.WorkingHoursErr)
	}
	if len(mars.Events) != 1 {
		t.Errorf("mars: events lost: %v", mars.Events)
	}
	if byMailbox["zerolength@contoso.com"].WorkingHoursErr == nil || byMailbox["badshape@contoso.com"].WorkingHoursErr == nil {
		t.Error("bad working hours accepted")
	}
}
