package engine

import (
	"sync"
	"time"
)

// EventType names what happened.
type EventType string

// The events a Scheduler publishes.
const (
	EventSyncStarted  EventType = "sync-started"
	EventSyncFinished EventType = "sync-finished" // Message: why degraded, "" if the poll succeeded
	EventPresence     EventType = "presence"      // User: a set or kept-manual decision
	EventUserError    EventType = "user-error"    // User and Message: a new or changed per-user error
	EventError        EventType = "error"         // Message: an engine-level error (config, OneCloud lists)
	EventDegraded     EventType = "degraded"      // Message: polls fail; known schedules still applied
	EventRecovered    EventType = "recovered"
	EventPaused       EventType = "paused"
	EventResumed      EventType = "resumed"
)

// Event is one thing the scheduler did. It never carries a private event's
// text: User holds only the desired presence and the action.
type Event struct {
	Type    EventType
	Time    time.Time
	User    UserReport
	Message string
}

// hub fans events out to subscribers without ever blocking the publisher.
type hub struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

func (h *hub) subscribe(buf int) (<-chan Event, func()) {
	ch := make(chan Event, max(buf, 1))
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan Event]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
			close(ch)
		})
	}
}

func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default: // a slow subscriber misses this one
		}
	}
}
