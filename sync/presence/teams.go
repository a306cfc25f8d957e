package presence

import (
	"context"
	"fmt"

	"github.com/calsync/calsync/sync/teamspresence"
)

// TeamsReader reads the users' Teams activity; *teamspresence.Reader is one. Results are keyed
// by lower-cased mailbox.
type TeamsReader interface {
	Read(ctx context.Context, mailboxes []string) (map[string]teamspresence.Result, teamspresence.Stats, error)
}

// teamsState is one mailbox's Teams activity as last read.
type teamsState struct {
	activity string // "" unknown
	err      string // why it is unknown, if it could not be read
}

// UsesTeams reports whether Teams presence is read: some rule is of type teams and the engine
// has a reader.
func (e *Engine) UsesTeams() bool { return e != nil && e.teamsReader != nil && e.rules.UsesTeams() }

// PollTeams reads every enabled user's Teams activity and keeps it for the rules. It returns
// the users whose activity changed since the last read, who are to be decided again (an Apply
// writes only those whose desired presence changed), and the number of presence requests. A
// user whose activity cannot be read counts as not in Teams, so the other rules decide; the
// error return is non-nil only when nothing could be read.
func (e *Engine) PollTeams(ctx context.Context) (changed []string, requests int, err error) {
	if !e.UsesTeams() {
		return nil, 0, nil
	}
	mailboxes := make([]string, len(e.users))
	for i, u := range e.users {
		mailboxes[i] = u.Mailbox
	}
	got, st, err := e.teamsReader.Read(ctx, mailboxes)
	if err != nil && ctx.Err() != nil {
		return nil, st.Presence, ctx.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range e.users {
		k := mailboxKey(u.Mailbox)
		next := teamsState{}
		if res, ok := got[k]; ok && res.Err == nil {
			next.activity = res.Activity
		} else if ok {
			next.err = res.Err.Error()
		}
		if prev := e.teams[k]; prev.activity != next.activity || (prev.err == "") != (next.err == "") {
			changed = append(changed, u.OneCloudUser)
		}
		e.teams[k] = next
	}
	if err != nil {
		return changed, st.Presence, fmt.Errorf("read Teams presence: %w", err)
	}
	return changed, st.Presence, nil
}

// TeamsActivity returns a mailbox's Teams activity as last read ("" unknown) and why it could
// not be read, for status screens.
func (e *Engine) TeamsActivity(mailbox string) (activity, problem string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.teams[mailboxKey(mailbox)]
	return t.activity, t.err
}

// teamsWarning is a user's Teams problem worth showing: only when some rule needs Teams and the
// user's activity could not be read. The other rules still apply.
func (e *Engine) teamsWarning(mailbox string) string {
	if !e.UsesTeams() {
		return ""
	}
	if _, problem := e.TeamsActivity(mailbox); problem != "" {
		return "Teams presence not used: " + problem
	}
	return ""
}
