package demo

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestHeadlessDemo runs the demo for a few seconds: the first sync writes
// the seeded presences, reports the unknown mailbox, keeps the presence set
// by hand, and no output - presence lines or engine log - carries the
// private appointment's text or a secret.
func TestHeadlessDemo(t *testing.T) {
	var out, logs bytes.Buffer
	var office *Office
	err := RunHeadless(context.Background(), Options{
		Out:      &out,
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Duration: 4 * time.Second,
		OnOffice: func(o *Office) { office = o },
	})
	if err != nil {
		t.Fatalf("RunHeadless: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"Mario Rossi      -> meeting",
		"Luca Verdi       -> lunch",
		"Anna Neri        -> busy",
		"Paolo Russo      -> vacation",
		"Elena Costa      -> business-trip",
		"Davide Marino    kept as set by hand",
		"Sara Conti       not synced",
		"first sync done",
		"Demo over",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if office == nil {
		t.Fatal("OnOffice was not called")
	}
	all := text + logs.String()
	for _, secret := range []string{office.PrivateSubject, "Via Roma 12", "Dentist", oneCloudToken, "emulator.secret-value"} {
		if strings.Contains(all, secret) {
			t.Errorf("output or log contains %q", secret)
		}
	}
}
