package presence

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Action is what a decision did for one user.
type Action string

// The actions of a report (the `action` field of `calsync sync --once --json`).
const (
	ActionSet        Action = "set"         // desired presence written
	ActionUnchanged  Action = "unchanged"   // already right: nothing written
	ActionKeptManual Action = "kept-manual" // a person set it by hand: left alone
	ActionError      Action = "error"       // this user could not be synced; Error says why
	ActionWouldSet   Action = "would-set"   // dry run: would have been written
)

// Report is the result of a cycle (or of an Apply). Its JSON form is the
// contract of `calsync sync --once --json`:
//
//	{"durationMs":812,"graphRequests":3,"onecloudReads":2,"onecloudWrites":2,
//	 "users":[{"onecloudUser":"1001","mailbox":"a@contoso.it","activity":"meeting","role":"",
//	   "until":"2026-11-25T14:30:00Z","rule":0,"action":"set","error":""}]}
//
// A user's "warning" appears only when there is one (see UserReport.Warning).
//
// GraphRequests counts getSchedule HTTP requests (retries included) when
// the reader is a *graph.Client, otherwise GetSchedules calls.
// OneCloudReads and OneCloudWrites count the OneCloud API calls the engine
// made (groups, activities, roles and presence reads; presence writes); a
// call the client retried after a 429 counts once (the client's Stats has the
// raw request counts).
type Report struct {
	DurationMs     int64
	GraphRequests  int
	OneCloudReads  int
	OneCloudWrites int
	Users          []UserReport
}

// UserReport is one user's line. Activity, Role and Until are the desired
// presence, also when it was not written (kept-manual, error after the
// decision); Until is zero when open-ended. Rule is the index in the
// config's rules of the winning rule, -1 for the default activity (and for a
// user whose calendar could not be read, whose Activity is then "").
type UserReport struct {
	OneCloudUser string
	Mailbox      string
	Activity     string
	Role         string
	Until        time.Time
	Rule         int
	Action       Action
	Error        string
	// Warning is a problem that did not stop the user's sync: the user's
	// working hours could not be used (e.g. an unknown time zone) although
	// a workinghours rule needs them, or the user's Teams presence could
	// not be read although a teams rule needs it; the other rules still applied.
	Warning string
	// TeamsActivity is the user's Teams activity the rules saw ("" when
	// Teams presence is not read or not known).
	TeamsActivity string

	// Current describes, for the human table only, the calendar event
	// behind the decision without its text: "busy", "oof", "busy (private)",
	// "no event". It is not part of the JSON contract.
	Current string
}

// userReportJSON fixes the contract's field names and order.
type userReportJSON struct {
	OneCloudUser string `json:"onecloudUser"`
	Mailbox      string `json:"mailbox"`
	Activity     string `json:"activity"`
	Role         string `json:"role"`
	Until        string `json:"until"`
	Rule         int    `json:"rule"`
	Action       Action `json:"action"`
	Error        string `json:"error"`
	Warning      string `json:"warning,omitempty"`
	// TeamsActivity is there only while some rule is of type teams.
	TeamsActivity string `json:"teamsActivity,omitempty"`
}

type reportJSON struct {
	DurationMs     int64        `json:"durationMs"`
	GraphRequests  int          `json:"graphRequests"`
	OneCloudReads  int          `json:"onecloudReads"`
	OneCloudWrites int          `json:"onecloudWrites"`
	Users          []UserReport `json:"users"`
}

// MarshalJSON writes the contract form: until as RFC 3339 UTC or "".
func (u UserReport) MarshalJSON() ([]byte, error) {
	j := userReportJSON{
		OneCloudUser: u.OneCloudUser, Mailbox: u.Mailbox, Activity: u.Activity, Role: u.Role,
		Rule: u.Rule, Action: u.Action, Error: u.Error, Warning: u.Warning, TeamsActivity: u.TeamsActivity,
	}
	if !u.Until.IsZero() {
		j.Until = u.Until.UTC().Format(time.RFC3339)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the contract form, for clients of the local API.
func (u *UserReport) UnmarshalJSON(data []byte) error {
	var j userReportJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*u = UserReport{OneCloudUser: j.OneCloudUser, Mailbox: j.Mailbox, Activity: j.Activity, Role: j.Role,
		Rule: j.Rule, Action: j.Action, Error: j.Error, Warning: j.Warning, TeamsActivity: j.TeamsActivity}
	if j.Until != "" {
		t, err := time.Parse(time.RFC3339, j.Until)
		if err != nil {
			return fmt.Errorf("until: expected an RFC 3339 time or \"\": %w", err)
		}
		u.Until = t.UTC()
	}
	return nil
}

// MarshalJSON writes the contract form; users is [] rather than null.
func (r Report) MarshalJSON() ([]byte, error) {
	users := r.Users
	if users == nil {
		users = []UserReport{}
	}
	return json.Marshal(reportJSON{r.DurationMs, r.GraphRequests, r.OneCloudReads, r.OneCloudWrites, users})
}

// UnmarshalJSON reads the contract form.
func (r *Report) UnmarshalJSON(data []byte) error {
	var j reportJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*r = Report{j.DurationMs, j.GraphRequests, j.OneCloudReads, j.OneCloudWrites, j.Users}
	return nil
}

// Failed counts the users whose action is error.
func (r Report) Failed() int {
	n := 0
	for _, u := range r.Users {
		if u.Action == ActionError {
			n++
		}
	}
	return n
}

// Exit codes of `calsync sync --once` (issue 2).
const (
	ExitOK      = 0 // every user synced (set, unchanged, kept-manual, would-set)
	ExitConfig  = 2 // the config is wrong (ConfigError): nothing was written
	ExitPartial = 3 // some users failed, others synced
	ExitNothing = 4 // nothing could be synced: auth, network, or every user failed
)

// ExitCode classifies a cycle's outcome: a *ConfigError is 2, any other
// error (Graph or OneCloud unreachable, bad credentials) is 4, a report in
// which every user failed is 4, some failed 3, none 0. A config with no
// enabled user is 0.
func ExitCode(r Report, err error) int {
	var ce *ConfigError
	switch {
	case errors.As(err, &ce):
		return ExitConfig
	case err != nil:
		return ExitNothing
	}
	failed := r.Failed()
	switch {
	case failed == 0:
		return ExitOK
	case failed == len(r.Users):
		return ExitNothing
	}
	return ExitPartial
}

// joinWarnings puts the non-empty warnings in one line.
func joinWarnings(ws ...string) string {
	var out string
	for _, w := range ws {
		switch {
		case w == "":
		case out == "":
			out = w
		default:
			out += "; " + w
		}
	}
	return out
}
