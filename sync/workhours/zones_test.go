package workhours

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestCLDRData checks the embedded CLDR table: the file is the one
// data/README.md names, every Windows name maps, and every zone it maps to
// resolves in Go's embedded tz database (else a real mailbox would fail).
func TestCLDRData(t *testing.T) {
	readme, err := os.ReadFile("data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "release "+CLDRRelease) && !strings.Contains(string(readme), "**release "+CLDRRelease+"**") {
		t.Errorf("data/README.md does not name CLDR release %s", CLDRRelease)
	}
	m, err := windowsZones()
	if err != nil {
		t.Fatal(err)
	}
	if len(m) < 130 {
		t.Errorf("only %d Windows names mapped", len(m))
	}
	for win, iana := range m {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%q -> %q: %v", win, iana, err)
		}
		if _, err := LoadZone(win); err != nil {
			t.Errorf("LoadZone(%q): %v", win, err)
		}
	}
}

func TestWindowsToIANA(t *testing.T) {
	for win, want := range map[string]string{
		"W. Europe Standard Time":       "Europe/Berlin",
		"w. europe standard time":       "Europe/Berlin",
		" GMT Standard Time ":           "Europe/London",
		"Pacific Standard Time":         "America/Los_Angeles",
		"Romance Standard Time":         "Europe/Paris",
		"AUS Eastern Standard Time":     "Australia/Sydney",
		"India Standard Time":           "Asia/Calcutta",
		"UTC":                           "Etc/UTC",
		"UTC-11":                        "Etc/GMT+11",
		"Dateline Standard Time":        "Etc/GMT+12",
		"Line Islands Standard Time":    "Pacific/Kiritimati",
		"Central Standard Time":         "America/Chicago",
		"Tasmania Standard Time":        "Australia/Hobart",
		"Chatham Islands Standard Time": "Pacific/Chatham",
	} {
		if got, ok := WindowsToIANA(win); !ok || got != want {
			t.Errorf("WindowsToIANA(%q) = %q, %v; want %q", win, got, ok, want)
		}
	}
	if _, ok := WindowsToIANA("Mars Standard Time"); ok {
		t.Error("an unknown name mapped")
	}
}

func TestLoadZone(t *testing.T) {
	for _, ok := range []string{"", "UTC", "utc", "Etc/UTC", "tzone://Microsoft/Utc", "Coordinated Universal Time",
		"W. Europe Standard Time", "Romance Standard Time", "Europe/Rome", "America/New_York"} {
		if _, err := LoadZone(ok); err != nil {
			t.Errorf("LoadZone(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"Local", "Mars Standard Time", "../../etc/passwd", "/etc/localtime",
		"Europe/Atlantis", `Europe\Rome`, "Europe/../etc"} {
		_, err := LoadZone(bad)
		if err == nil {
			t.Errorf("LoadZone(%q) accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "unknown time zone") {
			t.Errorf("LoadZone(%q): %v", bad, err)
		}
	}
}

func TestParseWindowsZonesErrors(t *testing.T) {
	for _, bad := range []string{"<", "<supplementalData/>",
		`<supplementalData><windowsZones><mapTimezones><mapZone other="" territory="001" type="X/Y"/></mapTimezones></windowsZones></supplementalData>`} {
		if _, err := parseWindowsZones([]byte(bad)); err == nil {
			t.Errorf("parseWindowsZones(%q) accepted", bad)
		}
	}
}

// BenchmarkCLDRParse is the one-time cost of building the table.
func BenchmarkCLDRParse(b *testing.B) {
	for b.Loop() {
		if _, err := parseWindowsZones(windowsZonesXML); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOutside(b *testing.B) {
	w, err := Parse([]byte(hours(weekdays, "08:00:00", "17:00:00", `{"name":"W. Europe Standard Time"}`)))
	if err != nil {
		b.Fatal(err)
	}
	at := utc("2026-12-07T18:30:00Z")
	for b.Loop() {
		w.Outside(at)
		w.NextBoundary(at)
	}
}
