package pubsub

import (
	"context"
	"errors"
	"testing"
	"time"
)

// closedWithin reports whether ch is closed (after draining what it holds)
// within a second.
func closedWithin(ch <-chan int) bool {
	deadline := time.After(time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// Each way a subscription ends closes its channel, and ending it twice is
// harmless.
func TestSubscriptionEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(h *Hub[int], cancel context.CancelFunc, unsubscribe func())
	}{
		{"unsubscribe", func(_ *Hub[int], _ context.CancelFunc, unsubscribe func()) { unsubscribe(); unsubscribe() }},
		{"context ends", func(_ *Hub[int], cancel context.CancelFunc, unsubscribe func()) { cancel(); unsubscribe() }},
		{"hub closes", func(h *Hub[int], _ context.CancelFunc, unsubscribe func()) { h.Close(); unsubscribe(); h.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Hub[int]
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, unsubscribe, err := h.Subscribe(ctx, 4)
			if err != nil {
				t.Fatal(err)
			}
			h.Publish(1)
			if v := <-ch; v != 1 {
				t.Fatalf("got %d, want 1", v)
			}
			tt.end(&h, cancel, unsubscribe)
			if !closedWithin(ch) {
				t.Fatal("the channel did not close")
			}
			h.Publish(2) // no subscriber left: must not panic on a closed channel
		})
	}
}

// A full subscriber misses values instead of blocking the publisher; the
// others still get them.
func TestPublishNeverBlocks(t *testing.T) {
	var h Hub[int]
	slow, _, _ := h.Subscribe(context.Background(), 1)
	fast, _, _ := h.Subscribe(context.Background(), 3)
	for i := range 3 {
		h.Publish(i)
	}
	if len(slow) != 1 || len(fast) != 3 {
		t.Fatalf("slow holds %d, fast %d; want 1 and 3", len(slow), len(fast))
	}
	if v := <-slow; v != 0 {
		t.Fatalf("slow got %d first, want 0", v)
	}
}

// After Close, Subscribe fails with ErrClosed.
func TestSubscribeAfterClose(t *testing.T) {
	var h Hub[string]
	h.Close()
	ch, unsubscribe, err := h.Subscribe(context.Background(), 1)
	if !errors.Is(err, ErrClosed) || ch != nil {
		t.Fatalf("Subscribe after Close = %v, %v", ch, err)
	}
	unsubscribe()
}
