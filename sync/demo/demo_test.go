package demo

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/workhours"
)

// TestHeadlessDemo runs the demo for a few seconds: the first sync writes
// the seeded presences, reports the unknown mailbox, keeps the presence set
// by hand; and nothing the demo printed, logged (at debug level) or wrote to
// disk carries a private event's subject or location, a secret or an access
// token. The files it wrote are 0600.
func TestHeadlessDemo(t *testing.T) {
	var out, logs bytes.Buffer
	var office *Office
	dir := filepath.Join(t.TempDir(), "demo")
	err := RunHeadless(context.Background(), Options{
		Out:            &out,
		Logger:         slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Duration:       6 * time.Second,
		OnOffice:       func(o *Office) { office = o },
		Dir:            dir,
		HandEditAfter:  2 * time.Second,
		TeamsCallAfter: time.Second,
		TeamsCallFor:   2 * time.Second,
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
		"[teams] Luca Verdi joined a Teams call (no meeting booked): the next Teams read (every 2s) picks it up",
		"Luca Verdi       -> busy (Teams: in a call)",
		"[teams] Luca Verdi left the Teams call",
		"[contacts] Mario Rossi's phonebook (mario.rossi@contoso.it): 3 created, 0 updated, 0 deleted, 0 unchanged, 0 kept as edited in OneCloud",
		"skipped Idraulico: no phone number",
		`skipped London office: work number "ask reception" is not a phone number`,
		"[contacts] the office phonebook (rubrica@contoso.it): 3 created",
		"someone renamed Mario's \"Studio Bianchi\"",
		"0 created, 0 updated, 0 deleted, 2 unchanged, 1 kept as edited in OneCloud",
		"Demo over",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if office == nil {
		t.Fatal("OnOffice was not called")
	}
	names := map[string]string{}
	for _, e := range office.OneCloud.PhonebookEntries(emulator.OneCloudPersonalBook("1001")) {
		names[e.Name] = e.Source
	}
	if names["Mamma"] != "manual" || names["Studio Bianchi (commercialista)"] != "calsync" || len(names) != 4 {
		t.Errorf("Mario's phonebook after the demo: %v; want the entry made by hand and the edited one kept, 4 in all", names)
	}
	if office.Dir() != dir {
		t.Errorf("office in %s, want %s", office.Dir(), dir)
	}
	if len(office.PrivateTexts) < 4 {
		t.Fatalf("PrivateTexts = %q: want the subject and location of two private events", office.PrivateTexts)
	}
	forbidden := append([]string{"Dentist", oneCloudToken, emulator.GraphDefaultClientSecret,
		"emulator.secret-value", "eyJ0eXAiOiJKV1QifQ." /* every emulator access token starts so */}, office.PrivateTexts...)
	check := func(where, content string) {
		t.Helper()
		for _, s := range forbidden {
			if strings.Contains(content, s) {
				t.Errorf("%s contains %q", where, s)
			}
		}
	}
	check("demo output", text)
	check("engine log", logs.String())

	// Every file the demo wrote: the configuration and the engine state.
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, filepath.Base(path))
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		check(path, string(data))
		if fi, err := d.Info(); err != nil {
			return err
		} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"config.json", "state.json", "contacts-state.json"} {
		if !strings.Contains(strings.Join(files, " "), want) {
			t.Errorf("the demo wrote %v, want %s among them", files, want)
		}
	}
}

// TestHeadlessDemoGoingHome starts the demo as if seeded 2 minutes less 3
// seconds ago: Chiara Romano's working day ends 3 seconds in, and the demo
// shows her going home then, until her next start.
func TestHeadlessDemoGoingHome(t *testing.T) {
	var out bytes.Buffer
	seeded := time.Now().Truncate(time.Second).Add(-2*time.Minute + 3*time.Second)
	if err := RunHeadless(context.Background(), Options{Out: &out, Duration: 7 * time.Second, Seeded: seeded}); err != nil {
		t.Fatalf("RunHeadless: %v\n%s", err, out.String())
	}
	text := out.String()
	end := seeded.Add(2 * time.Minute)
	want := clockText(end) + "  Chiara Romano    -> gone-home until "
	i := strings.Index(text, want)
	if i < 0 {
		t.Fatalf("demo output lacks %q:\n%s", want, text)
	}
	if line, _, _ := strings.Cut(text[i:], "\n"); !strings.HasSuffix(line, "(outside working hours)") {
		t.Errorf("going-home line %q does not say why", line)
	}
	if strings.Count(text, "Chiara Romano    ->") != 1 {
		t.Errorf("Chiara's presence changed more than once:\n%s", text)
	}
}

// TestEndingDay: the demo's ending working day holds the seeded instant
// and ends at the given end, whatever the time of day, midnight included.
func TestEndingDay(t *testing.T) {
	for _, end := range []time.Time{
		time.Date(2026, 12, 7, 16, 2, 0, 0, time.UTC),
		time.Date(2026, 12, 6, 23, 1, 30, 0, time.UTC), // 00:01:30 in Berlin
		time.Date(2026, 12, 6, 23, 7, 0, 0, time.UTC),
		time.Date(2026, 7, 4, 22, 1, 0, 0, time.UTC), // 00:01 in Berlin, summer
		time.Date(2026, 3, 29, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC),
	} {
		g := endingDay(end)
		wh, err := workhours.FromGraph(*g)
		if err != nil {
			t.Fatalf("endingDay(%v): %v", end, err)
		}
		if start := end.Add(-2 * time.Minute); wh.Outside(start) || !wh.Outside(end) || !wh.NextBoundary(start).Equal(end) {
			t.Errorf("endingDay(%v) = %s: outside at the seed %t, at the end %t, next boundary %v",
				end, wh, wh.Outside(start), wh.Outside(end), wh.NextBoundary(start))
		}
	}
}

// TestTemporaryDirRemoved: without Dir the demo's files go when it ends.
func TestTemporaryDirRemoved(t *testing.T) {
	o, err := NewOffice(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := o.Dir()
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		t.Fatalf("no configuration in %s: %v", dir, err)
	}
	o.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there after Close: %v", dir, err)
	}
}

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 polls"}, {1, "1 poll"}, {2, "2 polls"}} {
		if got := plural(tt.n, "poll"); got != tt.want {
			t.Errorf("plural(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}
