package workhours

import (
	"testing"
	"time"
)

// FuzzParse: any input either fails cleanly or gives working hours whose
// answers are consistent: NextBoundary is after t, NextStart is inside.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		hours(weekdays, "08:00:00.0000000", "17:00:00.0000000", `{"name":"W. Europe Standard Time"}`),
		hours(allDays, "08:30:00", "00:00:00", `{"name":"Pacific Standard Time"}`),
		hours(weekdays, "08:00:00", "17:00:00", customPacific),
		hours(weekdays, "08:00:00", "17:00:00", customCET),
		hours(`[]`, "08:00:00", "17:00:00", `{"name":"UTC"}`),
		`{}`, `null`, `{"daysOfWeek":null}`, `{"timeZone":{"bias":-330}}`,
	} {
		f.Add([]byte(s), int64(1796000000))
	}
	f.Fuzz(func(t *testing.T, b []byte, unix int64) {
		w, err := Parse(b)
		if err != nil || w == nil {
			return
		}
		at := time.Unix(unix%(1<<34), 0) // years 1425..2514: time.Date stays exact
		_ = w.String()
		out := w.Outside(at)
		if nb := w.NextBoundary(at); !nb.IsZero() {
			if !nb.After(at) {
				t.Fatalf("%s: NextBoundary(%s) = %s", w, at, nb)
			}
			ns := w.NextStart(at)
			if ns.Before(nb) {
				t.Fatalf("%s: NextStart %s before NextBoundary %s", w, ns, nb)
			}
			if w.Outside(ns) {
				t.Fatalf("%s: outside at its own start %s", w, ns)
			}
			if out && !ns.Equal(nb) && !w.Outside(nb) {
				t.Fatalf("%s: outside at %s, next boundary %s is not a start", w, at, nb)
			}
		} else if !out {
			t.Fatalf("%s: inside at %s but no boundary", w, at)
		}
	})
}

// FuzzTimeOfDay: the time parser never panics and accepts only times of day.
func FuzzTimeOfDay(f *testing.F) {
	for _, s := range []string{"08:30:00.0000000", "23:59:59.999999999", "00:00", "24:00:00", "8:00", ".", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseTimeOfDay(s)
		if err == nil && (d < 0 || d >= 24*time.Hour) {
			t.Fatalf("parseTimeOfDay(%q) = %s", s, d)
		}
	})
}
