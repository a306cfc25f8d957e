package app

import (
	"testing"

	"fyne.io/fyne/v2/lang"
)

// statusWordsCases are the calendar classes and activity ids the service sends, with what the
// status table shows in English and in Italian; unknown words pass through as they are.
var statusWordsCases = []struct {
	calendar, en, it string
}{
	{"busy", "busy", "occupato"},
	{"free", "free", "libero"},
	{"tentative", "tentative", "provvisorio"},
	{"oof", "out of office", "fuori sede"},
	{"workingElsewhere", "working elsewhere", "lavora altrove"},
	{"unknown", "unknown", "sconosciuto"},
	{"Busy", "busy", "occupato"}, // as Graph may spell it
	{"busy (private)", "busy (private)", "occupato (privato)"},
	{"oof (private)", "out of office (private)", "fuori sede (privato)"},
	{"no event", "no event", "nessun evento"},
	{"out of office", "out of office", "fuori sede"},
	{"private appointment", "private appointment", "appuntamento privato"},
	{"", "", ""},
	{"focus time", "focus time", "focus time"},
	{"weird (private)", "weird (private)", "weird (private)"},
}

var statusActivityCases = []struct {
	id, en, it string
}{
	{"available", "available", "disponibile"},
	{"meeting", "meeting", "in riunione"},
	{"business-trip", "business trip", "in trasferta"},
	{"gone-home", "gone home", "uscito"},
	{"custom-42", "custom-42", "custom-42"},
	{"", "", ""},
}

func statusCheckWords(t *testing.T, italian bool) {
	t.Helper()
	for _, c := range statusWordsCases {
		want := c.en
		if italian {
			want = c.it
		}
		if got := statusCalendarText(c.calendar); got != want {
			t.Errorf("statusCalendarText(%q) = %q, want %q", c.calendar, got, want)
		}
	}
	for _, c := range statusActivityCases {
		want := c.en
		if italian {
			want = c.it
		}
		if got := statusActivityText(c.id); got != want {
			t.Errorf("statusActivityText(%q) = %q, want %q", c.id, got, want)
		}
	}
}

func TestStatusWordsEnglish(t *testing.T) {
	statusCheckWords(t, false)
}

// TestStatusWordsItalian switches Fyne's language to Italian through the environment (as the OS
// locale does) and back afterwards, so the other tests keep the English strings.
func TestStatusWordsItalian(t *testing.T) {
	// Registered first, so it runs after t.Setenv has put the environment back.
	t.Cleanup(func() {
		if err := loadTranslations(); err != nil {
			t.Error(err)
		}
	})
	t.Setenv("LANGUAGE", "it")
	t.Setenv("LC_ALL", "it_IT.UTF-8")
	if err := loadTranslations(); err != nil {
		t.Fatal(err)
	}
	if got := lang.L("Sync now"); got != "Sincronizza ora" {
		t.Skipf("Fyne did not switch to Italian here (%q)", got)
	}
	statusCheckWords(t, true)
	if got := statusPresenceText(statusTestUsers()[0].Current); got[:len("in riunione / mobile")] != "in riunione / mobile" {
		t.Errorf("presence shown as %q", got)
	}
}
