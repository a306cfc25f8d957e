package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/engine"
	"github.com/calsync/calsync/sync/internal/pubsub"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/teams"
)

// SubscriberBuffer is how many events wait for a slow event-stream reader
// before it starts missing them; the engine is never held up.
const SubscriberBuffer = 64

// Subscribe returns the event stream: presence changes, sync start and end,
// errors, and a "status" event with the whole fresh status whenever it
// changes (after a sync, a boundary, pause, resume, an engine restart), so
// the GUI never polls. The channel closes when ctx ends or the service
// stops; a subscriber that falls SubscriberBuffer events behind misses
// events rather than slowing the sync.
func (d *Daemon) Subscribe(ctx context.Context) (<-chan localapi.Event, error) {
	// The stream ends with ctx; the function that ends it sooner is not needed.
	ch, _, err := d.hub.Subscribe(ctx, SubscriberBuffer)
	if errors.Is(err, pubsub.ErrClosed) {
		return nil, errors.New("the service is stopping")
	}
	return ch, err
}

// translate turns g's scheduler events into local API events until the
// scheduler's subscription closes. After a burst of changes (the channel is
// empty again) it publishes one status event.
func (d *Daemon) translate(g *generation, events <-chan engine.Event) {
	// shown is the presence last reported per user: the From of the next
	// change.
	shown := map[string]localapi.Presence{}
	refreshShown := func() {
		for id, us := range g.eng.State().Users {
			if p := g.currentPresence(id, us); p.Activity != "" {
				shown[id] = p
			}
		}
	}
	refreshShown()
	// kept is, per user, the desired presence of the last kept-manual
	// decision reported: the engine repeats that decision at every poll,
	// the GUI needs it once.
	kept := map[string]string{}
	dirty := false
	for ev := range events {
		at := utc(ev.Time)
		switch ev.Type {
		case engine.EventSyncStarted:
			st := d.status()
			d.hub.Publish(localapi.Event{Type: localapi.EventSyncStarted, Time: at, Status: &st})
		case engine.EventSyncFinished:
			// A poll's apply may have recorded presences without a change
			// event (found already right): they are the From of the next.
			refreshShown()
			st := d.status()
			d.hub.Publish(localapi.Event{Type: localapi.EventSyncFinished, Time: at, Status: &st, Message: ev.Message})
			d.askObserver(g)
			dirty = true
		case engine.EventPresence:
			id, key := ev.User.OneCloudUser, keptKey(ev.User)
			if ev.User.Action == engine.ActionKeptManual {
				if kept[id] == key {
					break
				}
				kept[id] = key
			} else {
				delete(kept, id)
			}
			d.hub.Publish(localapi.Event{Type: localapi.EventPresence, Time: at, Presence: d.presenceChange(g, ev.User, shown)})
			if ev.User.Action == engine.ActionKeptManual {
				d.askObserver(g)
			}
			dirty = true
		case engine.EventUserError:
			name := d.dir.name(ev.User.OneCloudUser)
			d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: at,
				Message: fmt.Sprintf("user %s: %s", userLabel(name, ev.User.OneCloudUser), ev.Message)})
			dirty = true
		case engine.EventError:
			d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: at, Message: ev.Message})
			dirty = true
		case engine.EventDegraded:
			d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: at,
				Message: "calendars could not be read; presence keeps following the calendars already read: " + ev.Message})
			dirty = true
		case engine.EventRecovered, engine.EventPaused, engine.EventResumed:
			dirty = true
		default:
			dirty = true
		}
		if dirty && len(events) == 0 {
			d.publishStatus()
			dirty = false
		}
	}
}

func keptKey(u engine.UserReport) string {
	return fmt.Sprintf("%s|%s|%d", u.Activity, u.Role, u.Until.Unix())
}

// presenceChange describes one decision of the engine for the GUI. It
// carries the event's class ("busy (private)"), never its text.
func (d *Daemon) presenceChange(g *generation, u engine.UserReport, shown map[string]localapi.Presence) *localapi.PresenceChange {
	id := u.OneCloudUser
	pc := &localapi.PresenceChange{OneCloudUser: id, Name: d.dir.name(id), Mailbox: u.Mailbox, From: shown[id]}
	switch u.Action {
	case engine.ActionSet:
		pc.To = localapi.Presence{Activity: u.Activity, Role: u.Role, Until: utc(u.Until)}
		// The state has what was really written (a rule without a role
		// keeps the user's role).
		if us, ok := g.eng.State().Users[id]; ok && us.Applied.Activity == u.Activity {
			pc.To = appliedPresence(us.Applied)
		}
		switch {
		case u.Rule >= 0 && u.Rule < len(g.cfg.Rules) && strings.EqualFold(g.cfg.Rules[u.Rule].Type, config.TypeTeams):
			pc.Reason = "Teams: " + teams.Words(u.TeamsActivity)
		case u.Current != "":
			pc.Reason = "calendar: " + u.Current
		}
		shown[id] = pc.To
	case engine.ActionKeptManual:
		pc.To = pc.From
		g.obsMu.Lock()
		if o, ok := g.current[id]; ok {
			pc.To = o.p
		}
		g.obsMu.Unlock()
		pc.Reason = fmt.Sprintf("kept the presence set by hand (the calendar asks for %s)", u.Activity)
		shown[id] = pc.To
	}
	return pc
}

func (d *Daemon) askObserver(g *generation) {
	select {
	case g.observe <- struct{}{}:
	default:
	}
}

// observeLoop reads, when asked, the OneCloud presence of the users whose
// presence a person set and calsync kept: the engine's state has no record
// of it, and the status table should show it. Each user is read once per
// change of their state (a kept-manual decision), not on every status.
func (d *Daemon) observeLoop(ctx context.Context, g *generation) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.observe:
		}
		changed := false
		state := g.eng.State()
		for _, u := range g.eng.Users() {
			us, ok := state.Users[u.OneCloudUser]
			if !ok || !us.KeptManual || !us.Applied.IsZero() {
				continue
			}
			g.obsMu.Lock()
			seen, known := g.current[u.OneCloudUser]
			g.obsMu.Unlock()
			if known && seen.stamp.Equal(us.ChangedAt) {
				continue
			}
			p, _, err := g.oc.GetPresence(ctx, u.OneCloudUser)
			if ctx.Err() != nil {
				return
			}
			obs := observedPresence{stamp: us.ChangedAt}
			if err != nil {
				d.log.Debug("presence set by hand could not be read for the status", "user", u.OneCloudUser, "err", err.Error())
			} else {
				obs.p = localapi.Presence{Activity: p.Activity, Role: p.Role, Until: utc(p.Until)}
			}
			g.obsMu.Lock()
			g.current[u.OneCloudUser] = obs
			g.obsMu.Unlock()
			changed = true
		}
		if changed {
			d.publishStatus()
		}
	}
}
