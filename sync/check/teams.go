package check

import (
	"fmt"
	"strings"

	"github.com/calsync/calsync/sync/graph"
)

// The steps of Teams presence, only when some rule is of type teams.
const (
	StepUserLookup    = "User ids can be looked up (User.Read.All)"
	StepTeamsPresence = "Teams presence is readable (Presence.Read.All)"
)

// teams proves the two optional permissions that rules of type teams need: it looks up every
// enabled user's Entra object id ($batch, 20 to a request) and reads their Teams presence
// (650 to a request). A mailbox with no Microsoft 365 user is a warning naming it: that user
// only is decided by the calendar.
func (r *runner) teams() {
	if r.d.Config == nil || !r.d.Config.UsesTeams() {
		return
	}
	if !r.tokenOK {
		r.skip(StepUserLookup, "no access token")
		r.skip(StepTeamsPresence, "no access token")
		return
	}
	var mailboxes []string
	for _, u := range r.d.Config.EnabledUsers() {
		if u.Mailbox != "" {
			mailboxes = append(mailboxes, u.Mailbox)
		}
	}
	if len(mailboxes) == 0 {
		r.add(Step{Name: StepUserLookup, OK: true, Warning: true, Detail: "no user is enabled yet"})
		r.skip(StepTeamsPresence, "no user to read")
		return
	}
	found, err := r.client.LookupUserIDs(r.ctx, mailboxes)
	if err != nil {
		r.add(failure(StepUserLookup, err))
		r.skip(StepTeamsPresence, "no user id")
		return
	}
	var ids, missing []string
	for _, u := range found {
		if u.Err != nil {
			missing = append(missing, u.Mailbox)
			continue
		}
		ids = append(ids, u.ID)
	}
	switch {
	case len(missing) > 0:
		r.add(Step{Name: StepUserLookup, OK: true, Warning: true,
			Detail: fmt.Sprintf("%d of %d mailboxes have no Microsoft 365 user: %s", len(missing), len(mailboxes), strings.Join(missing, ", ")),
			Remedy: "Check these users' mailbox addresses: Teams rules cannot match them, so the calendar decides their presence alone."})
	default:
		r.add(Step{Name: StepUserLookup, OK: true, Detail: fmt.Sprintf("all %d users found", len(mailboxes))})
	}
	if len(ids) == 0 {
		r.skip(StepTeamsPresence, "no user id")
		return
	}
	got, err := r.client.GetPresences(r.ctx, ids)
	if err != nil {
		r.add(failure(StepTeamsPresence, err))
		return
	}
	inCall := 0
	for _, p := range got {
		if strings.EqualFold(p.Activity, "InACall") || strings.EqualFold(p.Activity, "InAConferenceCall") {
			inCall++
		}
	}
	r.add(Step{Name: StepTeamsPresence, OK: true,
		Detail: fmt.Sprintf("presence read for %d users in %d requests; %d in a call now", len(ids),
			(len(ids)+graph.MaxPresenceIDs-1)/graph.MaxPresenceIDs, inCall)})
}
