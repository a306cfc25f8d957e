package presence

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/onecloud"
)

// A sync's progress counts the users its Apply has handled: while the
// calendars are read nobody is, during the writes one more after each user,
// and a boundary's Apply for a few users leaves the sync's count alone.
func TestProgressCountsUsersOfASync(t *testing.T) {
	cfg := testConfig(user("1001", "a@contoso.com"), user("1002", "b@contoso.com"), user("1003", "c@contoso.com"))
	g, oc, clk := newFakeGraph(), newFakeOneCloud(), clock.NewFake(t0)
	for _, id := range []string{"1001", "1002", "1003"} {
		oc.setByHand(id, onecloud.Presence{Activity: "available"})
	}
	for _, m := range []string{"a@contoso.com", "b@contoso.com", "c@contoso.com"} {
		g.set(m, ev(calendar.Busy, h10, h11))
	}
	// One worker, so each PUT sees exactly the users before it done.
	e, err := New(cfg, Deps{Schedules: g, OneCloud: oc, Catalog: oc}, Options{
		StatePath: filepath.Join(t.TempDir(), "state.json"), Clock: clk, Location: time.UTC,
		Logger: slog.New(slog.DiscardHandler), Concurrency: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if done, total := e.Progress(); done != 0 || total != 0 {
		t.Fatalf("before any sync: %d of %d", done, total)
	}
	type seen struct{ done, total int }
	var during []seen
	oc.beforePut = func(_ *fakeOneCloud, _ string, _ int) {
		d, tot := e.Progress()
		during = append(during, seen{d, tot})
	}
	if _, err := e.SyncOnce(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	want := []seen{{0, 3}, {1, 3}, {2, 3}}
	if len(during) != len(want) {
		t.Fatalf("progress seen at each write: %v, want %v", during, want)
	}
	for i := range want {
		if during[i] != want[i] {
			t.Errorf("write %d saw %d of %d, want %d of %d", i, during[i].done, during[i].total, want[i].done, want[i].total)
		}
	}
	if done, total := e.Progress(); done != 3 || total != 3 {
		t.Errorf("after the sync: %d of %d, want 3 of 3", done, total)
	}

	// A boundary's Apply for one user is not a sync.
	oc.beforePut = nil
	if _, err := e.Apply(context.Background(), []string{"1002"}, h11, false); err != nil {
		t.Fatal(err)
	}
	if done, total := e.Progress(); done != 3 || total != 3 {
		t.Errorf("after a boundary apply: %d of %d, want 3 of 3", done, total)
	}

	// A new sync starts from nothing while it reads calendars.
	if _, err := e.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if done, total := e.Progress(); done != 0 || total != 0 {
		t.Errorf("after a new poll: %d of %d, want 0 of 0", done, total)
	}
}
