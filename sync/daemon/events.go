package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/internal/pubsub"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/presence"
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
func (d *Daemon) translate(g *generation, events <-chan presence.Event) {
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
		case presence.EventSyncStarted:
			st := d.status()
			d.hub.Publish(localapi.Event{Type: localapi.EventSyncStarted, Time: at, Status: &st})
		case presence.EventSyncFinished:
			// A poll's apply may have recorded presences without a change
			// event (found already right): they are the From of the next.
			refreshShown()
			st := d.status()
			d.hub.Publish(localapi.Event{Type: localapi.EventSyncFinished, Time: at, Status: &st, Message: ev.Message})
			g.observer.Ask()
			dirty = true
		case presence.EventPresence:
			id, key := ev.User.OneCloudUser, keptKey(ev.User)
			if ev.User.Action == presence.ActionKeptManual {
				if kept[id] == key {
					break
				}
				kept[id] = key
			} else {
				delete(kept, id)
			}
			d.hub.Publish(localapi.Event{Type: localapi.EventPresence, Time: at, Presence: d.presenceChange(g, ev.User, shown)})
			if ev.User.Action == presence.ActionKeptManual {
				g.observer.Ask()
			}
			dirty = true
		case presence.EventUserError:
			name := d.dir.name(ev.User.OneCloudUser)
			d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: at,
				Message: fmt.Sprintf("user %s: %s", userLabel(name, ev.User.OneCloudUser), ev.Message)})
			dirty = true
		case presence.EventError:
			d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: at, Message: ev.Message})
			dirty = true
		case presence.EventDegraded:
			d.hub.Publish(localapi.Event{Type: localapi.EventError, Time: at,
				Message: "calendars could not be read; presence keeps following the calendars already read: " + ev.Message})
			dirty = true
		case presence.EventRecovered, presence.EventPaused, presence.EventResumed:
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

func keptKey(u presence.UserReport) string {
	return fmt.Sprintf("%s|%s|%d", u.Activity, u.Role, u.Until.Unix())
}

// presenceChange describes one decision of the engine for the GUI. It
// carries the event's class ("busy (private)"), never its text.
func (d *Daemon) presenceChange(g *generation, u presence.UserReport, shown map[string]localapi.Presence) *localapi.PresenceChange {
	id := u.OneCloudUser
	pc := &localapi.PresenceChange{OneCloudUser: id, Name: d.dir.name(id), Mailbox: u.Mailbox, From: shown[id]}
	switch u.Action {
	case presence.ActionSet:
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
	case presence.ActionKeptManual:
		pc.To = pc.From
		if p, ok := g.observer.Presence(id); ok {
			pc.To = oneCloudPresence(p)
		}
		pc.Reason = fmt.Sprintf("kept the presence set by hand (the calendar asks for %s)", u.Activity)
		shown[id] = pc.To
	}
	return pc
}
