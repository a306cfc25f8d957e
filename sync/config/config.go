package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Default returns the configuration of a fresh install: the global Microsoft
// cloud, the OneCloud API, polling every minute for the next eight hours and
// the first-run rule set (docs/config.md explains it). The connector is empty
// and there are no users yet, so it does not pass Validate until an admin has
// filled the connector in; it can still be edited, and used by the GUI.
func Default() *Config {
	return &Config{
		Version:  CurrentVersion,
		OneCloud: OneCloud{BaseURL: DefaultOneCloudURL},
		Sync: Sync{
			Interval:  DefaultInterval,
			Lookahead: DefaultLookahead,
		},
		DefaultActivity: DefaultActivity,
		Rules:           DefaultRules(),
		Users:           []User{},
	}
}

// DefaultRules is the first-run rule set an office expects. The first rule
// that matches an event in progress wins, so the order is the policy:
//   - out of office beats everything (a private appointment during a
//     holiday still shows "vacation");
//   - private events come next and show only "busy", before any rule that
//     could reveal what they are about;
//   - lunch by its subject (English and Italian) before the generic busy
//     rule, which would otherwise claim every lunch booked as busy;
//   - busy means a meeting;
//   - working elsewhere comes last, so a meeting during a day away still
//     shows "meeting" while it lasts.
//
// Only the activity ids every OneCloud tenant (and the emulator) knows are
// used: available, meeting, lunch, away, vacation, busy, business-trip, sick,
// gone-home.
func DefaultRules() []Rule {
	return []Rule{
		{Scope: ScopeOrganization, Type: TypeAvailability, Match: "oof", Activity: "vacation"},
		{Scope: ScopeOrganization, Type: TypePrivate, Match: "true", Activity: "busy"},
		{Scope: ScopeOrganization, Type: TypeSubject, Match: "*lunch*", Activity: "lunch"},
		{Scope: ScopeOrganization, Type: TypeSubject, Match: "*pranzo*", Activity: "lunch"},
		{Scope: ScopeOrganization, Type: TypeAvailability, Match: "busy", Activity: "meeting"},
		{Scope: ScopeOrganization, Type: TypeAvailability, Match: "workingElsewhere", Activity: "business-trip"},
	}
}

// Names of the files calsync keeps next to its config file (SiblingPath).
const (
	StateFileName  = "state.json"
	LogFileName    = "calsync.log"
	SocketFileName = "calsync.sock"
)

// Clone returns a deep copy, so an editor can change it and throw it away.
func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	d := *c
	d.Rules = slices.Clone(c.Rules)
	d.Users = slices.Clone(c.Users)
	if c.Contacts != nil {
		k := *c.Contacts
		if k.Personal != nil {
			personal := *k.Personal
			k.Personal = &personal
		}
		d.Contacts = &k
	}
	return &d
}

// Interval is the polling interval. An unset or unparsable value (which
// Validate reports) gives DefaultInterval, never zero, so a caller that skipped
// validation cannot spin.
func (c *Config) Interval() time.Duration {
	return durationOr(c.Sync.Interval, DefaultInterval)
}

// Lookahead is how far ahead calendars are read. An unset or unparsable value
// (which Validate reports) gives DefaultLookahead.
func (c *Config) Lookahead() time.Duration {
	return durationOr(c.Sync.Lookahead, DefaultLookahead)
}

// TeamsInterval is how often Teams presence is read while a rule of type teams exists. An
// unset or unparsable value (which Validate reports) gives DefaultTeamsInterval.
func (c *Config) TeamsInterval() time.Duration {
	if c.Teams == nil {
		return durationOr("", DefaultTeamsInterval)
	}
	return durationOr(c.Teams.Interval, DefaultTeamsInterval)
}

// UsesTeams reports whether some rule is of type teams: only then is Teams presence read.
func (c *Config) UsesTeams() bool {
	for _, r := range c.Rules {
		if strings.EqualFold(strings.TrimSpace(r.Type), TypeTeams) {
			return true
		}
	}
	return false
}

// ContactsEnabled reports whether contacts sync is on.
func (c *Config) ContactsEnabled() bool { return c.Contacts != nil && c.Contacts.Enabled }

// ContactsInterval is how often contacts are synced: contacts.interval, or
// DefaultContactsInterval when unset or unparsable (which Validate reports).
func (c *Config) ContactsInterval() time.Duration {
	if c.Contacts == nil {
		return durationOr("", DefaultContactsInterval)
	}
	return durationOr(c.Contacts.Interval, DefaultContactsInterval)
}

// ContactsPersonal reports whether users' personal phonebooks are filled (contacts.personal,
// true when unset).
func (c *Config) ContactsPersonal() bool {
	return c.Contacts != nil && (c.Contacts.Personal == nil || *c.Contacts.Personal)
}

func durationOr(s, def string) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	d, _ := time.ParseDuration(def) // the defaults are constants that parse
	return d
}

// AuthorityURL is the Entra ID login endpoint without a trailing slash:
// connector.authorityURL, or DefaultAuthorityURL when unset.
func (c *Config) AuthorityURL() string {
	return urlOr(c.Connector.AuthorityURL, DefaultAuthorityURL)
}

// GraphURL is the Microsoft Graph endpoint without a trailing slash:
// connector.graphURL, or DefaultGraphURL when unset.
func (c *Config) GraphURL() string {
	return urlOr(c.Connector.GraphURL, DefaultGraphURL)
}

func urlOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimRight(s, "/")
}

// SecretExpiry is the day the Graph client secret expires, as midnight UTC
// at the start of that day; false when connector.secretExpires is unset or
// not a YYYY-MM-DD date.
func (c *Config) SecretExpiry() (time.Time, bool) {
	if c.Connector.SecretExpires == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, c.Connector.SecretExpires)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// OneCloudTokenExpiry is the day the OneCloud API ticket expires, as
// midnight UTC at the start of that day; false when onecloud.tokenExpires is
// unset or not a YYYY-MM-DD date.
func (c *Config) OneCloudTokenExpiry() (time.Time, bool) {
	if c.OneCloud.TokenExpires == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, c.OneCloud.TokenExpires)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// MaxExpiryYears bounds an expiry date typed in when a credential is stored:
// an API ticket lasts a year and an Entra secret at most two, so a date
// further ahead is a typing mistake.
const MaxExpiryYears = 5

// ParseExpiryInput checks an expiry date a person types when storing a
// credential: YYYY-MM-DD, a day that exists, not before today (in now's
// zone) and at most MaxExpiryYears ahead. It returns the date as written
// for the configuration. The error says what is expected, without naming
// the flag or field (the caller does).
func ParseExpiryInput(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return "", fmt.Errorf("%q is not a date; expected YYYY-MM-DD (a day that exists), e.g. %s", s,
			now.AddDate(1, 0, 0).Format(dateLayout))
	}
	today, _ := time.Parse(dateLayout, now.Format(dateLayout))
	switch {
	case d.Before(today):
		return "", fmt.Errorf("%s is in the past; expected the expiry date the ticket or secret shows, today or later", s)
	case d.After(today.AddDate(MaxExpiryYears, 0, 0)):
		return "", fmt.Errorf("%s is more than %d years ahead; expected the expiry date the ticket or secret shows (a OneCloud ticket lasts 365 days)", s, MaxExpiryYears)
	}
	return s, nil
}

// EnabledUsers returns a copy of the users whose synchronisation is on, in
// config order.
func (c *Config) EnabledUsers() []User {
	var out []User
	for _, u := range c.Users {
		if u.Enabled {
			out = append(out, u)
		}
	}
	return out
}

// ConnectorConfigured reports whether the fields a sync cannot do without
// (tenant, client and sync user) have been typed in at all. It lets the GUI
// and CLI say "not set up yet" to a fresh install instead of listing errors;
// whether the values are right is Validate's job.
func (c *Config) ConnectorConfigured() bool {
	k := c.Connector
	return strings.TrimSpace(k.TenantID) != "" &&
		strings.TrimSpace(k.ClientID) != "" &&
		strings.TrimSpace(k.SyncUser) != ""
}

const dateLayout = "2006-01-02"
