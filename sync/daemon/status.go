package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/presence"
)

// Status reports the service at a glance and one row per enabled user. It
// makes no network call: the rows come from the engine's state (what was
// applied, the last error), its cached schedules (what the calendar says now,
// the next change) and the OneCloud directory read when the engine started
// (names).
func (d *Daemon) Status(context.Context) (localapi.Status, error) {
	return d.status(), nil
}

func (d *Daemon) status() localapi.Status {
	g, cfg, reasons, paused := d.current()
	now := d.clock.Now()
	st := localapi.Status{Version: d.opts.Version, Paused: paused, Users: []localapi.UserStatus{}}
	if g != nil {
		cfg = g.cfg
	}
	switch {
	case cfg != nil && cfg.Connector.UsesCertificate():
		// The certificate's notAfter feeds the same warning as a secret's expiry.
		st.SecretExpiresWarning = d.certificateWarning(now)
	case cfg != nil:
		if exp, ok := cfg.SecretExpiry(); ok {
			st.SecretExpiresWarning = graph.SecretExpiryWarning(exp, now)
		}
	}
	if cfg != nil {
		if exp, ok := cfg.OneCloudTokenExpiry(); ok {
			st.OneCloudTokenExpiresWarning = onecloud.TokenExpiryWarning(exp, now)
		}
	}
	if g == nil {
		st.State = localapi.StateError
		st.Errors = reasons
		if len(reasons) == 0 { // starting: not an error to show anyone
			st.State, st.Syncing = localapi.StateSyncing, true
		}
		if cfg != nil {
			for _, u := range cfg.EnabledUsers() {
				st.Users = append(st.Users, localapi.UserStatus{OneCloudUser: u.OneCloudUser, Name: d.dir.name(u.OneCloudUser), Mailbox: u.Mailbox})
			}
		}
		return st
	}

	g.jobsStatus(&st)
	ss := g.sched.Status()
	st.Syncing = ss.Polling
	st.LastSync = utc(ss.LastPoll)
	if !paused {
		st.NextSync = utc(ss.NextPoll)
	}
	st.Degraded = ss.Degraded
	if ss.LastError != "" {
		st.Errors = append(st.Errors, ss.LastError)
	}
	if ss.TeamsError != "" {
		st.Errors = append(st.Errors, "Teams presence: "+ss.TeamsError)
	}

	state := g.eng.State()
	userErrors := 0
	for _, v := range g.eng.UserViews(now) {
		us := state.Users[v.OneCloudUser]
		row := localapi.UserStatus{
			OneCloudUser:  v.OneCloudUser,
			Name:          d.dir.name(v.OneCloudUser),
			Mailbox:       v.Mailbox,
			LastApplied:   appliedPresence(us.Applied),
			LastAppliedAt: utc(us.Applied.At),
			Calendar:      v.Calendar,
			NextChange:    utc(v.NextChange),
			NextActivity:  v.NextActivity,
			LastError:     us.LastError,
		}
		row.Current = g.currentPresence(v.OneCloudUser, us)
		teamsProblem := ""
		if g.eng.UsesTeams() && ss.TeamsError == "" {
			row.Teams, teamsProblem = g.eng.TeamsActivity(v.Mailbox)
		}
		if row.LastError == "" {
			row.LastError = v.CalendarError
		}
		if row.LastError == "" {
			row.LastError = v.Warning
		}
		if row.LastError == "" && teamsProblem != "" {
			row.LastError = "Teams presence not used: " + teamsProblem
		}
		if row.LastError != "" {
			userErrors++
			st.Errors = append(st.Errors, fmt.Sprintf("user %s: %s", userLabel(row.Name, row.OneCloudUser), row.LastError))
		}
		st.Users = append(st.Users, row)
	}
	st.Progress = syncProgress(st.Syncing, len(st.Users), g.eng.Progress)

	switch {
	case ss.LastError != "":
		st.State = localapi.StateError
	case paused:
		st.State = localapi.StatePaused
	case ss.Polling:
		st.State = localapi.StateSyncing
	case ss.Degraded != "" || ss.TeamsError != "" || userErrors > 0:
		st.State = localapi.StateDegraded
	default:
		st.State = localapi.StateOK
	}
	return st
}

// syncProgress is a sync's progress as the status reports it: all users done
// when no sync runs; while one runs, the users the engine's Apply has handled,
// and none of users while it still reads the calendars (the engine knows no
// total yet).
func syncProgress(syncing bool, users int, engine func() (done, total int)) localapi.Progress {
	if !syncing {
		return localapi.Progress{Done: users, Total: users}
	}
	done, total := engine()
	if total <= 0 {
		return localapi.Progress{Done: 0, Total: users}
	}
	return localapi.Progress{Done: min(done, total), Total: total}
}

// currentPresence is what OneCloud shows for a user as far as calsync knows
// without asking: the presence it applied (or found already right), or, for
// a presence a person set and calsync kept, what the presence job's observer last read.
func (g *generation) currentPresence(id string, us presence.UserState) localapi.Presence {
	if !us.Applied.IsZero() {
		return appliedPresence(us.Applied)
	}
	p, _ := g.observer.Presence(id)
	return oneCloudPresence(p)
}

// oneCloudPresence is a presence read from OneCloud as the local API shows it.
func oneCloudPresence(p onecloud.Presence) localapi.Presence {
	return localapi.Presence{Activity: p.Activity, Role: p.Role, Until: utc(p.Until)}
}

func appliedPresence(a presence.AppliedPresence) localapi.Presence {
	return localapi.Presence{Activity: a.Activity, Role: a.Role, Until: utc(a.Until)}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func userLabel(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", id, name)
}

// publishStatus sends the fresh status to every event subscriber.
func (d *Daemon) publishStatus() {
	st := d.status()
	d.hub.Publish(localapi.Event{Type: localapi.EventStatus, Time: d.now(), Status: &st})
}

// loadConfig reads the configuration file as far as it can be read: the
// config (nil when there is none or it cannot be decoded) and what is wrong
// with it (nil when it is valid).
// certificateWarning is the certificate credential's expiry warning, read
// from the certificate file (no keychain, no network); "" when there is
// nothing to warn of or no certificate (the engine's error says so).
func (d *Daemon) certificateWarning(now time.Time) string {
	cur, _, err := d.certStore().Show(now)
	if err != nil {
		return ""
	}
	notAfter, err := time.Parse(time.RFC3339, cur.NotAfter)
	if err != nil {
		return ""
	}
	return certcred.ExpiryWarning(notAfter, now)
}

func (d *Daemon) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(d.opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	if verr := cfg.Validate(); verr != nil {
		return cfg, verr
	}
	return cfg, nil
}
