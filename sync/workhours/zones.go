package workhours

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
	"time"

	// Embed the IANA database: Windows machines have none, and a named zone
	// published by a mailbox must resolve there too.
	_ "time/tzdata"
)

// CLDRRelease is the CLDR release whose windowsZones.xml is embedded
// (data/README.md says where it came from and under which licence).
const CLDRRelease = "41"

//go:embed data/windowsZones.xml
var windowsZonesXML []byte

// windowsZones is the CLDR mapping from lower-cased Windows zone name to the
// IANA name of its territory "001" row, built once from the embedded XML.
// It is never modified after it is built.
var windowsZones = sync.OnceValues(func() (map[string]string, error) {
	return parseWindowsZones(windowsZonesXML)
})

// parseWindowsZones reads CLDR's supplementalData/windowsZones: one
// Windows name -> IANA zone per territory "001" row. Other territories are
// refinements for a country, which a mailbox never tells us.
func parseWindowsZones(b []byte) (map[string]string, error) {
	var doc struct {
		Zones []struct {
			Other     string `xml:"other,attr"`
			Territory string `xml:"territory,attr"`
			Type      string `xml:"type,attr"`
		} `xml:"windowsZones>mapTimezones>mapZone"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse CLDR windowsZones: %w", err)
	}
	m := make(map[string]string)
	for _, z := range doc.Zones {
		if z.Territory != "001" {
			continue
		}
		// A 001 row names exactly one zone; take the first to be safe.
		iana := strings.Fields(z.Type)
		if z.Other == "" || len(iana) == 0 {
			return nil, fmt.Errorf("parse CLDR windowsZones: bad mapZone %q -> %q", z.Other, z.Type)
		}
		m[strings.ToLower(z.Other)] = iana[0]
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("parse CLDR windowsZones: no territory 001 rows")
	}
	return m, nil
}

// WindowsToIANA returns the IANA zone CLDR gives for a Windows zone name
// ("W. Europe Standard Time" -> "Europe/Berlin"), case-insensitively.
func WindowsToIANA(name string) (string, bool) {
	m, err := windowsZones()
	if err != nil {
		return "", false
	}
	iana, ok := m[strings.ToLower(strings.TrimSpace(name))]
	return iana, ok
}

// LoadZone resolves a time zone name as Graph and Outlook write it: UTC
// (also "" and Microsoft's UTC spellings), a Windows zone name through CLDR,
// or an IANA name. Anything else is an error naming the zone: guessing UTC
// would shift a user's presence by hours without anyone noticing.
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "", strings.EqualFold(name, "UTC"), strings.EqualFold(name, "Etc/UTC"),
		strings.EqualFold(name, "tzone://Microsoft/Utc"), strings.EqualFold(name, "Coordinated Universal Time"):
		return time.UTC, nil
	}
	m, err := windowsZones()
	if err != nil {
		return nil, err
	}
	if iana, ok := m[strings.ToLower(name)]; ok {
		loc, err := time.LoadLocation(iana)
		if err != nil {
			return nil, fmt.Errorf("time zone %q (IANA %q): %w", name, iana, err)
		}
		return loc, nil
	}
	// IANA names always have a slash ("Europe/Rome"); anything else would
	// let "Local" or a file name through.
	if strings.Contains(name, "/") && !strings.Contains(name, "..") && !strings.HasPrefix(name, "/") &&
		!strings.Contains(name, `\`) {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %q: expected UTC, a Windows zone name such as "+
		"\"W. Europe Standard Time\", or an IANA name such as \"Europe/Rome\"", truncate(name, 60))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
