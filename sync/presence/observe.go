package presence

import (
	"context"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/onecloud"
)

// Observer reads, when asked, the OneCloud presence of the users whose presence a person set
// and the engine kept: the state has no record of it, and the service's status should show it.
// Each user is read once per change of their state (a kept-manual decision), not on every
// status. It is part of the presence job; Run it beside the Scheduler.
type Observer struct {
	eng *Engine
	ask chan struct{} // capacity 1: asks coalesce

	mu   sync.Mutex
	seen map[string]observed // OneCloud user -> what OneCloud showed
}

// observed is a presence read from OneCloud, with the state's ChangedAt it was read for.
type observed struct {
	stamp time.Time
	p     onecloud.Presence
}

// NewObserver returns an observer of eng's kept presences; Run runs it.
func NewObserver(eng *Engine) *Observer {
	return &Observer{eng: eng, ask: make(chan struct{}, 1), seen: map[string]observed{}}
}

// Ask has Run look again soon; it never blocks.
func (o *Observer) Ask() {
	select {
	case o.ask <- struct{}{}:
	default:
	}
}

// Presence is what OneCloud last showed for a user whose kept presence was read; ok is false
// when none was (or the read failed: p is then zero).
func (o *Observer) Presence(id string) (p onecloud.Presence, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.seen[id]
	return s.p, ok
}

// Run reads, each time it is asked, the kept presences not read yet for their state; changed is
// called after a look that read some. It returns when ctx ends.
func (o *Observer) Run(ctx context.Context, changed func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.ask:
		}
		if o.look(ctx) && ctx.Err() == nil {
			changed()
		}
	}
}

// look reads the kept presences not read yet for their state, and says whether it read any.
func (o *Observer) look(ctx context.Context) bool {
	read := false
	state := o.eng.State()
	for _, u := range o.eng.Users() {
		us, ok := state.Users[u.OneCloudUser]
		if !ok || !us.KeptManual || !us.Applied.IsZero() {
			continue
		}
		o.mu.Lock()
		s, known := o.seen[u.OneCloudUser]
		o.mu.Unlock()
		if known && s.stamp.Equal(us.ChangedAt) {
			continue
		}
		p, _, err := o.eng.onecloud.GetPresence(ctx, u.OneCloudUser)
		if ctx.Err() != nil {
			return false
		}
		obs := observed{stamp: us.ChangedAt}
		if err != nil {
			o.eng.log.Debug("presence set by hand could not be read for the status", "user", u.OneCloudUser, "err", err.Error())
		} else {
			obs.p = p
		}
		o.mu.Lock()
		o.seen[u.OneCloudUser] = obs
		o.mu.Unlock()
		read = true
	}
	return read
}
