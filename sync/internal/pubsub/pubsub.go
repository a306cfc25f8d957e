// Package pubsub fans values out to subscribers without ever blocking the
// publisher: a subscriber that falls behind its buffer misses values rather
// than slowing the sync. The engine's scheduler events and the service's
// local API events both go through a Hub.
package pubsub

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is Subscribe's error once the hub is closed.
var ErrClosed = errors.New("the hub is closed")

// Hub is a set of subscriptions to values of type T. The zero value is
// ready; it is safe for concurrent use.
type Hub[T any] struct {
	mu     sync.Mutex
	subs   map[chan T]func() bool // the channel -> stops its context's AfterFunc
	closed bool
}

// Subscribe returns a channel of the values published from now on, with
// room for buf of them (at least 1) while the reader is busy, and the
// function that ends the subscription. The channel closes when that
// function is called, ctx ends or the hub closes.
func (h *Hub[T]) Subscribe(ctx context.Context, buf int) (<-chan T, func(), error) {
	ch := make(chan T, max(buf, 1))
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, func() {}, ErrClosed
	}
	if h.subs == nil {
		h.subs = map[chan T]func() bool{}
	}
	h.subs[ch] = context.AfterFunc(ctx, func() { h.remove(ch) })
	return ch, func() { h.remove(ch) }, nil
}

// remove ends ch's subscription; it may be called more than once.
func (h *Hub[T]) remove(ch chan T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if stop, ok := h.subs[ch]; ok {
		stop()
		delete(h.subs, ch)
		close(ch)
	}
}

// Publish hands v to every subscriber with room for it.
func (h *Hub[T]) Publish(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- v:
		default: // a slow subscriber misses this one
		}
	}
}

// Close ends every subscription; later Subscribes fail with ErrClosed.
func (h *Hub[T]) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch, stop := range h.subs {
		stop()
		delete(h.subs, ch)
		close(ch)
	}
}
