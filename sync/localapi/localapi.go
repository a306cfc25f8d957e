// Package localapi is the HTTP API the calsync background service offers the
// desktop GUI and the CLI over a local socket (a 0600 unix socket on
// Linux/macOS, an ACL-protected named pipe on Windows), and the Go client for
// it. It is modelled on Tailscale's LocalAPI: the kernel says who the caller
// is (peer credentials) and a policy grants read or read-write access;
// requests that a web browser could have sent (Origin or Referer header, or a
// Host other than LocalAPIHost) are refused, so a web page cannot reach the
// service through a DNS-rebinding or cross-site trick. The service implements
// Backend; the package knows nothing of the engine. docs/localapi.md
// describes the endpoints and the security model.
package localapi

import (
	"encoding/json"
	"time"
)

// LocalAPIHost is the Host every request must carry. The client always sends
// it; a browser never can, since no DNS name resolves to a local socket.
const LocalAPIHost = "local-calsync.sock"

// PathPrefix starts every endpoint's path.
const PathPrefix = "/localapi/v0/"

// DefaultMaxBodyBytes caps request bodies unless ServerOptions says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// MaxConfigBodyBytes caps a PUT config body whatever ServerOptions says: the
// configuration file's own limit (config.MaxFileBytes), so that any file
// calsync reads, the window can also save (a 12,000-user one is 1.3 MB).
const MaxConfigBodyBytes = 4 << 20

// MaxCertificateImportBytes is the largest certificate file the service
// takes through the API (certcred.MaxImportBytes): base64 in a
// DefaultMaxBodyBytes body, with room for the JSON around it.
const MaxCertificateImportBytes = 512 << 10

// DefaultBodyReadTimeout bounds reading one request body, so a caller that
// trickles it (or stops) does not hold a connection; on a local socket even
// MaxConfigBodyBytes takes milliseconds. Headers are bounded by the
// server's ReadHeaderTimeout (10 s).
const DefaultBodyReadTimeout = 30 * time.Second

// DefaultHeartbeat is how often an idle event stream carries an empty line,
// so both ends notice a dead connection.
const DefaultHeartbeat = 30 * time.Second

// Service states reported in Status.State.
const (
	StateOK       = "ok"
	StateSyncing  = "syncing"
	StateDegraded = "degraded"
	StatePaused   = "paused"
	StateError    = "error"
)

// Event types carried by the event stream.
const (
	EventStatus       = "status"        // Status holds the whole new status
	EventPresence     = "presence"      // Presence holds one user's change
	EventLog          = "log"           // Message holds a log line
	EventSyncStarted  = "sync-started"  // Status may hold the status at the start
	EventSyncFinished = "sync-finished" // Status may hold the status at the end
	EventError        = "error"         // Message says what went wrong
)

// Status is the service's state at a glance plus one row per synchronised
// user. Times are UTC; the zero time means "never" or "not planned".
type Status struct {
	State    string    `json:"state"` // one of the State constants
	Paused   bool      `json:"paused"`
	Syncing  bool      `json:"syncing"`
	LastSync time.Time `json:"lastSync,omitzero"`
	NextSync time.Time `json:"nextSync,omitzero"`
	Progress Progress  `json:"progress"`
	// Degraded says why the service runs in a degraded mode (throttled,
	// OneCloud unreachable, ...); empty when it does not.
	Degraded string       `json:"degraded,omitempty"`
	Users    []UserStatus `json:"users"`
	Errors   []string     `json:"errors,omitempty"`
	// SecretExpiresWarning is set when the Entra client secret expires soon.
	SecretExpiresWarning string `json:"secretExpiresWarning,omitempty"`
	// OneCloudTokenExpiresWarning is set when the OneCloud API ticket
	// (onecloud.tokenExpires) expires within 30 days or has expired.
	OneCloudTokenExpiresWarning string `json:"oneCloudTokenExpiresWarning,omitempty"`
	Version                     string `json:"version"`
	// Contacts is contacts sync; absent when it is off.
	Contacts *ContactsStatus `json:"contacts,omitempty"`
	// Jobs is every sync job that runs (presence first), the same few fields for each; absent
	// while none runs. A job's own details are in its own field (contacts).
	Jobs []JobStatus `json:"jobs,omitempty"`
}

// JobStatus is one sync job's last run, as every job reports it.
type JobStatus struct {
	Name    string    `json:"name"` // "presence", "contacts"
	Running bool      `json:"running"`
	LastRun time.Time `json:"lastRun,omitzero"`
	// Interval is how often the job runs, a Go duration ("15m0s").
	Interval string `json:"interval"`
	// Error is why the last run failed; empty when it succeeded.
	Error string `json:"error,omitempty"`
}

// ContactsStatus is what contacts sync did last and does now.
type ContactsStatus struct {
	Syncing bool      `json:"syncing"`
	LastRun time.Time `json:"lastRun,omitzero"`
	// Interval is how often the service syncs contacts, a Go duration ("15m").
	Interval   string              `json:"interval"`
	Phonebooks []ContactsPhonebook `json:"phonebooks"`
	// Error is what stopped the last run (signing in failed, a credential was refused), with
	// what to do; its phonebooks then say only "not synced". Empty when nothing stopped it.
	Error string `json:"error,omitempty"`
}

// ContactsPhonebook is the last run's outcome for one phonebook, as calsync contacts sync
// --json reports it.
type ContactsPhonebook struct {
	Book       string         `json:"book"` // "user:<id>" or "phonebook"
	Mailbox    string         `json:"mailbox"`
	Created    int            `json:"created"`
	Updated    int            `json:"updated"`
	Deleted    int            `json:"deleted"`
	Unchanged  int            `json:"unchanged"`
	KeptEdited int            `json:"keptEdited"`
	Skipped    []ContactsSkip `json:"skipped"`
	Error      string         `json:"error"`
}

// ContactsSkip is a contact, or one of its numbers, left out, with why.
type ContactsSkip struct {
	Contact string `json:"contact"`
	Reason  string `json:"reason"`
}

// Progress counts the users a running sync has handled out of its total.
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Presence is a OneCloud telephone presence: activity and role are OneCloud
// ids; the zero Until means open-ended.
type Presence struct {
	Activity string    `json:"activity"`
	Role     string    `json:"role,omitempty"`
	Until    time.Time `json:"until,omitzero"`
}

// UserStatus is one synchronised user's row.
type UserStatus struct {
	OneCloudUser string `json:"oneCloudUser"` // OneCloud user id
	Name         string `json:"name"`
	Mailbox      string `json:"mailbox"`
	// Current is the user's OneCloud presence as last read.
	Current Presence `json:"current"`
	// LastApplied is the presence calsync last wrote, at LastAppliedAt.
	LastApplied   Presence  `json:"lastApplied"`
	LastAppliedAt time.Time `json:"lastAppliedAt,omitzero"`
	// Calendar says what the calendar says now ("busy", "out of office",
	// "private appointment", ...). It never holds a private event's subject
	// or location.
	Calendar string `json:"calendar"`
	// Teams is the user's Microsoft Teams activity as last read ("InACall", ...), there only
	// while some rule is of type teams; "" when it is not read or not known.
	Teams        string    `json:"teams,omitempty"`
	NextChange   time.Time `json:"nextChange,omitzero"`
	NextActivity string    `json:"nextActivity,omitempty"`
	LastError    string    `json:"lastError,omitempty"`
}

// PresenceChange is one presence write, or a decision not to write.
type PresenceChange struct {
	OneCloudUser string   `json:"oneCloudUser"`
	Name         string   `json:"name,omitempty"`
	Mailbox      string   `json:"mailbox,omitempty"`
	From         Presence `json:"from"`
	To           Presence `json:"to"`
	// Reason is a short human explanation ("meeting started", "kept manual
	// presence"); never a private event's subject or location.
	Reason string `json:"reason,omitempty"`
}

// Event is one item of the event stream. Type says which optional field is
// set; Data carries anything a newer service adds, for forward compatibility.
type Event struct {
	Type     string          `json:"type"`
	Time     time.Time       `json:"time"`
	Status   *Status         `json:"status,omitempty"`
	Presence *PresenceChange `json:"presence,omitempty"`
	Message  string          `json:"message,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// SecretState describes one secret without its value: there is no way to
// read a value back through this API.
type SecretState struct {
	Name   string `json:"name"`
	Set    bool   `json:"set"`
	Source string `json:"source,omitempty"` // "keychain", "environment", ...; empty when not set
	Error  string `json:"error,omitempty"`  // a keychain failure worth showing
	// Service and Account name the service's keychain entry for the secret.
	Service string `json:"service,omitempty"`
	Account string `json:"account,omitempty"`
}

// Directory is what OneCloud offers the rule and user editors.
type Directory struct {
	Activities []Activity      `json:"activities"`
	Roles      []Role          `json:"roles"`
	Groups     []Group         `json:"groups"`
	Users      []DirectoryUser `json:"users"`
}

// Activity is a OneCloud presence activity. Available says whether calls
// reach a user in it.
type Activity struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Available bool   `json:"available"`
}

// Role is a OneCloud role (which devices ring).
type Role struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Group is a OneCloud user group; Members are user ids.
type Group struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// DirectoryUser is a OneCloud user; Groups are group ids.
type DirectoryUser struct {
	ID       string   `json:"id"`
	Username string   `json:"username,omitempty"`
	Name     string   `json:"name"`
	Email    string   `json:"email,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// CheckStep is one step of the connection test, with what to do when it
// fails.
type CheckStep struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Remedy string `json:"remedy,omitempty"`
}
