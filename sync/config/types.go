// Package config is the versioned JSON configuration of calsync: its model,
// validation with one message per bad field, migrations from older schema
// versions, and atomic saves that never lose the previous file.
package config

// CurrentVersion is the schema version this build writes.
const CurrentVersion = 1

// Config is the whole configuration file. Field names are a contract
// (docs/config.md); secrets are never part of it.
type Config struct {
	Version         int       `json:"version"`
	Connector       Connector `json:"connector"`
	OneCloud        OneCloud  `json:"onecloud"`
	Sync            Sync      `json:"sync"`
	DefaultActivity string    `json:"defaultActivity"`
	Rules           []Rule    `json:"rules"`
	Users           []User    `json:"users"`
	// Contacts is contacts sync; absent (nil) means off.
	Contacts *Contacts `json:"contacts,omitempty"`
	// Teams tunes how Teams presence is read for rules of type teams; absent means the defaults.
	Teams *Teams `json:"teams,omitempty"`
}

// Teams is the reading of Teams presence, which happens only while some rule is of type teams.
type Teams struct {
	// Interval is a Go duration from MinTeamsInterval to MaxTeamsInterval; "" is DefaultTeamsInterval.
	Interval string `json:"interval,omitempty"`
}

// Contacts says which Exchange contacts become OneCloud phonebook entries, and how often.
type Contacts struct {
	Enabled bool `json:"enabled"`
	// Interval is a Go duration, at least MinContactsInterval; "" is DefaultContactsInterval.
	Interval string `json:"interval,omitempty"`
	// DefaultRegion is the ISO 3166 region of numbers written without a country code ("IT").
	DefaultRegion string `json:"defaultRegion,omitempty"`
	// Personal fills each enabled user's personal phonebook from their mailbox; nil is true.
	Personal *bool `json:"personal,omitempty"`
	// PhonebookMailbox fills the office's shared phonebook from that mailbox's contacts; "" is none.
	PhonebookMailbox string `json:"phonebookMailbox,omitempty"`
}

// Connector is the Microsoft 365 calendar connector, named as in OneCloud.
type Connector struct {
	Name          string `json:"name"`
	TenantID      string `json:"tenantId"`
	ClientID      string `json:"clientId"`
	SyncUser      string `json:"syncUser"`
	SecretExpires string `json:"secretExpires,omitempty"` // YYYY-MM-DD
	AuthorityURL  string `json:"authorityURL,omitempty"`  // default DefaultAuthorityURL
	GraphURL      string `json:"graphURL,omitempty"`      // default DefaultGraphURL
	// Credential is how the app signs in: CredentialSecret ("" too) or
	// CredentialCertificate (credential.go).
	Credential string `json:"credential,omitempty"`
}

// OneCloud says where the OneCloud REST API is and how to reach it.
type OneCloud struct {
	BaseURL string `json:"baseURL"`
	// TokenExpires is the expiry date of the API ticket whose token calsync
	// uses, YYYY-MM-DD as the ticket page shows it; "" when not recorded.
	TokenExpires string `json:"tokenExpires,omitempty"`
	// MethodOverride sends PUT and DELETE as POST with
	// X-HTTP-Method-Override, for proxies that block those methods.
	MethodOverride bool `json:"methodOverride,omitempty"`
}

// Sync holds the polling settings as Go duration strings ("1m", "8h").
type Sync struct {
	Interval  string `json:"interval"`
	Lookahead string `json:"lookahead"`
}

// Rule maps calendar events to a OneCloud presence.
type Rule struct {
	Scope    string `json:"scope"` // "organization" or "group:<id>"
	Type     string `json:"type"`  // availability, subject, location, private, workinghours, teams
	Match    string `json:"match"`
	Activity string `json:"activity"`
	Role     string `json:"role,omitempty"`
}

// User links a OneCloud user to the mailbox whose calendar drives it.
type User struct {
	OneCloudUser string `json:"onecloudUser"`
	Mailbox      string `json:"mailbox"`
	Enabled      bool   `json:"enabled"`
}

// Rule types.
const (
	TypeAvailability = "availability"
	TypeSubject      = "subject"
	TypeLocation     = "location"
	TypePrivate      = "private"
	// TypeWorkingHours matches when the moment is outside the working
	// hours the user's mailbox publishes; its only match is MatchOutside.
	TypeWorkingHours = "workinghours"
	// TypeTeams matches while the user's Microsoft Teams activity is the rule's match
	// (InACall, Presenting, ...; any case).
	TypeTeams = "teams"
)

// MatchOutside is the one match of a workinghours rule.
const MatchOutside = "outside"

// Scopes.
const (
	ScopeOrganization = "organization"
	ScopeGroupPrefix  = "group:"
)

// Defaults for optional fields.
const (
	DefaultAuthorityURL = "https://login.microsoftonline.com"
	DefaultGraphURL     = "https://graph.microsoft.com"
	DefaultOneCloudURL  = "https://onecloud.setera.com/api"
	DefaultInterval     = "1m"
	DefaultLookahead    = "8h"
	DefaultActivity     = "available"
	// DefaultContactsInterval is how often contacts are synced when contacts.interval is unset.
	DefaultContactsInterval = "15m"
	// DefaultTeamsInterval is how often Teams presence is read when teams.interval is unset.
	DefaultTeamsInterval = "5s"
)
