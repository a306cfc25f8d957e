package teams

import (
	"strings"
	"testing"
)

func TestParseActivity(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"InACall", "InACall", ""},
		{" inacall ", "InACall", ""},
		{"PRESENTING", "Presenting", ""},
		{"InAConferenceCall", "InAConferenceCall", ""},
		{"Sailing", "", `"Sailing" is not a Teams activity; expected one of Available, Away,`},
		{"", "", `"" is not a Teams activity`},
		{"AvailableIdle", "", "not a Teams activity"}, // an availability, not an activity
	}
	for _, tt := range tests {
		got, err := ParseActivity(tt.in)
		if got != tt.want || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ParseActivity(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	if a, err := ParseAvailability("busyidle"); a != "BusyIdle" || err != nil {
		t.Errorf("ParseAvailability = %q, %v", a, err)
	}
	if len(Activities()) != 15 || len(Availabilities()) != 9 {
		t.Errorf("%d activities, %d availabilities; Microsoft documents 15 and 9", len(Activities()), len(Availabilities()))
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{"InACall": "in a call", "inaconferencecall": "in a conference call",
		"OffWork": "off work", "Presenting": "presenting", "BeRightBack": "be right back", "Sailing": "Sailing"} {
		if got := Words(in); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}
