package presence

import (
	"context"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/onecloud"
)

// TestObserverReadsKeptPresencesOnce: asked after a cycle, the observer reads the presence of
// each user whose hand-set presence was kept, once per change of their state, and nobody else's.
func TestObserverReadsKeptPresencesOnce(t *testing.T) {
	h := newHarness(t, testConfig(user("1001", "a@contoso.it"), user("1002", "b@contoso.it")))
	h.g.set("a@contoso.it", ev(calendar.Busy, h10, h11), ev(calendar.OOF, h11, h12))
	h.g.set("b@contoso.it", ev(calendar.Busy, h10, h11))
	h.oc.setByHand("1001", onecloud.Presence{Activity: "away", Role: "office"})
	h.oc.setByHand("1002", onecloud.Presence{Activity: "available", Role: "office"})
	h.sync(false) // 1001 kept by hand, 1002 set to meeting

	o := NewObserver(h.e)
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{}, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Run(ctx, func() { changed <- struct{}{} })
	}()
	defer func() { cancel(); <-done }()

	look := func(wantChange bool) {
		t.Helper()
		o.Ask()
		select {
		case <-changed:
			if !wantChange {
				t.Error("a look read a presence already read for its state")
			}
		case <-time.After(200 * time.Millisecond):
			if wantChange {
				t.Fatal("the observer read nothing")
			}
		}
	}
	gets := h.oc.gets
	look(true)
	if p, ok := o.Presence("1001"); !ok || presenceString(p) != "away/office" {
		t.Errorf("1001 = %+v, %v; want away/office", p, ok)
	}
	if _, ok := o.Presence("1002"); ok {
		t.Error("1002's presence is calsync's own: not to be read")
	}
	look(false) // the same state: not read again
	if n := h.oc.gets - gets; n != 1 {
		t.Errorf("%d reads, want 1", n)
	}
}
