package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// validConfig is the example with real-looking ids: it passes.
func validConfig() *Config {
	return &Config{
		Version: CurrentVersion,
		Connector: Connector{
			Name:          "Contoso M365",
			TenantID:      "contoso.onmicrosoft.com",
			ClientID:      "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
			SyncUser:      "monitor@contoso.com",
			SecretExpires: "2027-06-30",
			AuthorityURL:  "https://login.microsoftonline.com",
			GraphURL:      "https://graph.microsoft.com",
		},
		OneCloud:        OneCloud{BaseURL: "https://onecloud.setera.com/api"},
		Sync:            Sync{Interval: "1m", Lookahead: "8h"},
		DefaultActivity: "available",
		Rules: []Rule{
			{Scope: "organization", Type: "availability", Match: "busy", Activity: "meeting"},
			{Scope: "group:sales", Type: "subject", Match: "*lunch*", Activity: "lunch"},
			{Scope: "organization", Type: "private", Match: "true", Activity: "busy"},
		},
		Users: []User{{OneCloudUser: "1001", Mailbox: "mario.rossi@contoso.it", Enabled: true}},
	}
}

const (
	tenantExp = "expected the Directory (tenant) ID, a GUID like 00000000-0000-0000-0000-000000000000, or a domain like contoso.onmicrosoft.com"
	clientExp = "expected the Application (client) ID, a GUID like 00000000-0000-0000-0000-000000000000"
	scopeExp  = `expected "organization" or "group:<OneCloud group id>", e.g. group:sales`
	typesExp  = "expected one of availability, subject, location, private, workinghours, teams"
	durExp    = "expected a Go duration like 30s, 1m or 1h30m"
)

// One row per message Validate can give: each mutation breaks exactly one
// field, and the whole message is compared.
func TestValidateEachError(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"version", func(c *Config) { c.Version = 2 },
			"version: 2 is not the schema version this build writes; expected 1"},

		{"name with a NUL", func(c *Config) { c.Connector.Name = "Contoso\x00Evil" },
			`connector.name: "Contoso\x00Evil" contains a control character (a NUL, tab or line break); expected a plain name, e.g. Contoso`},
		{"name with a line break", func(c *Config) { c.Connector.Name = "Contoso\nCN=evil" },
			`connector.name: "Contoso\nCN=evil" contains a control character (a NUL, tab or line break); expected a plain name, e.g. Contoso`},
		{"name not UTF-8", func(c *Config) { c.Connector.Name = "Caf\xe9" },
			"connector.name: is not UTF-8 text; save the configuration as UTF-8 and type the name again"},
		{"tenant missing", func(c *Config) { c.Connector.TenantID = "" },
			"connector.tenantId: required; " + tenantExp},
		{"tenant bad", func(c *Config) { c.Connector.TenantID = "contoso" },
			"connector.tenantId: is neither a GUID nor a domain; " + tenantExp},
		{"tenant is a pasted secret", func(c *Config) { c.Connector.TenantID = "Abc8Q~xyzXYZ0123456789abcdefghijklmnopq" },
			"connector.tenantId: is neither a GUID nor a domain; " + tenantExp +
				"; this looks like a client secret, which belongs in the keychain (calsync secret set graph), not in the config"},
		{"client missing", func(c *Config) { c.Connector.ClientID = "" },
			"connector.clientId: required; " + clientExp},
		{"client bad", func(c *Config) { c.Connector.ClientID = "3f2504e0-4f89-41d3-9a0c-0305e82c330" },
			"connector.clientId: is not a GUID; " + clientExp},
		{"client is a pasted secret", func(c *Config) { c.Connector.ClientID = "Abc8Q~xyzXYZ0123456789abcdefghijklmnopq" },
			"connector.clientId: is not a GUID; " + clientExp +
				"; this looks like a client secret, which belongs in the keychain (calsync secret set graph), not in the config"},
		{"sync user missing", func(c *Config) { c.Connector.SyncUser = "" },
			"connector.syncUser: required; expected the monitor user's mailbox address, e.g. monitor@contoso.com"},
		{"sync user with display name", func(c *Config) { c.Connector.SyncUser = "Monitor <monitor@contoso.com>" },
			`connector.syncUser: "Monitor <monitor@contoso.com>" is not a plain mailbox address; expected the monitor user's mailbox address, e.g. monitor@contoso.com`},
		{"secret expiry not a date", func(c *Config) { c.Connector.SecretExpires = "30/06/2027" },
			`connector.secretExpires: "30/06/2027" is not a date; expected YYYY-MM-DD, e.g. 2027-06-30`},
		{"authority not a URL", func(c *Config) { c.Connector.AuthorityURL = "https://login microsoft" },
			`connector.authorityURL: "https://login microsoft" is not a valid URL; expected the Entra ID login endpoint, e.g. https://login.microsoftonline.com`},
		{"authority relative", func(c *Config) { c.Connector.AuthorityURL = "login.microsoftonline.com" },
			`connector.authorityURL: "login.microsoftonline.com" is not an absolute URL; expected the Entra ID login endpoint, e.g. https://login.microsoftonline.com`},
		{"graph plain http", func(c *Config) { c.Connector.GraphURL = "http://graph.microsoft.com" },
			`connector.graphURL: "http://graph.microsoft.com" must use https; plain http is allowed only for a loopback host (127.0.0.0/8, ::1, localhost)`},
		{"graph other scheme", func(c *Config) { c.Connector.GraphURL = "ftp://graph.microsoft.com" },
			`connector.graphURL: "ftp://graph.microsoft.com" has scheme "ftp"; expected https (http only for a loopback host)`},
		{"graph with password", func(c *Config) { c.Connector.GraphURL = "https://me:hunter2@graph.microsoft.com" },
			"connector.graphURL: must not contain a user name or password (secrets belong in the keychain); expected the Microsoft Graph endpoint, e.g. https://graph.microsoft.com"},
		{"graph unparsable with password", func(c *Config) { c.Connector.GraphURL = "https://me:hunter2@graph.microsoft.com:x/" },
			"connector.graphURL: is not a valid URL; expected the Microsoft Graph endpoint, e.g. https://graph.microsoft.com"},
		{"graph with query", func(c *Config) { c.Connector.GraphURL = "https://graph.microsoft.com/?a=b" },
			`connector.graphURL: "https://graph.microsoft.com/?a=b" must not have a query or fragment; expected the Microsoft Graph endpoint, e.g. https://graph.microsoft.com`},
		{"graph with fragment", func(c *Config) { c.Connector.GraphURL = "https://graph.microsoft.com/#v1" },
			`connector.graphURL: "https://graph.microsoft.com/#v1" must not have a query or fragment; expected the Microsoft Graph endpoint, e.g. https://graph.microsoft.com`},
		{"graph without host name", func(c *Config) { c.Connector.GraphURL = "https://:443/" },
			`connector.graphURL: "https://:443/" has no host name; expected the Microsoft Graph endpoint, e.g. https://graph.microsoft.com`},
		{"onecloud missing", func(c *Config) { c.OneCloud.BaseURL = "" },
			"onecloud.baseURL: required; expected the OneCloud API base URL, e.g. https://onecloud.setera.com/api"},
		{"onecloud token expiry not a date", func(c *Config) { c.OneCloud.TokenExpires = "2027-02-30" },
			`onecloud.tokenExpires: "2027-02-30" is not a date; expected YYYY-MM-DD as the OneCloud ticket page shows it, e.g. 2027-06-30`},
		{"onecloud http on LAN", func(c *Config) { c.OneCloud.BaseURL = "http://192.168.1.10:8080/api" },
			`onecloud.baseURL: "http://192.168.1.10:8080/api" must use https; plain http is allowed only for a loopback host (127.0.0.0/8, ::1, localhost)`},

		{"interval missing", func(c *Config) { c.Sync.Interval = "" },
			"sync.interval: required; " + durExp},
		{"interval bad", func(c *Config) { c.Sync.Interval = "1 minute" },
			`sync.interval: "1 minute" is not a duration; ` + durExp},
		{"interval too short", func(c *Config) { c.Sync.Interval = "10s" },
			"sync.interval: 10s is too short; the minimum is 15s"},
		{"lookahead missing", func(c *Config) { c.Sync.Lookahead = "" },
			"sync.lookahead: required; " + durExp},
		{"lookahead bad", func(c *Config) { c.Sync.Lookahead = "8 hours" },
			`sync.lookahead: "8 hours" is not a duration; ` + durExp},
		{"lookahead not longer than interval", func(c *Config) { c.Sync.Lookahead = "60s" },
			"sync.lookahead: 60s must be longer than sync.interval (1m), or events starting between two polls are missed"},
		{"lookahead 62 days", func(c *Config) { c.Sync.Lookahead = "1488h" },
			"sync.lookahead: 1488h is too long; Graph reads a range under 62 days (1488h)"},
		{"lookahead negative", func(c *Config) { c.Sync.Interval = "5s"; c.Sync.Lookahead = "-1h" },
			"sync.interval: 5s is too short; the minimum is 15s\nsync.lookahead: -1h must be positive"},

		{"default activity missing", func(c *Config) { c.DefaultActivity = "" },
			"defaultActivity: required; expected the OneCloud activity id set when no rule matches, e.g. available"},
		{"default activity blank", func(c *Config) { c.DefaultActivity = "  " },
			"defaultActivity: is blank; expected the OneCloud activity id set when no rule matches, e.g. available"},
		{"default activity with spaces", func(c *Config) { c.DefaultActivity = "available " },
			`defaultActivity: "available " has leading or trailing spaces; expected the OneCloud activity id set when no rule matches, e.g. available`},

		{"scope missing", func(c *Config) { c.Rules[0].Scope = "" },
			"rules[0].scope: required; " + scopeExp},
		{"scope bad", func(c *Config) { c.Rules[0].Scope = "everyone" },
			`rules[0].scope: "everyone" is not a scope; ` + scopeExp},
		{"scope group without id", func(c *Config) { c.Rules[1].Scope = "group:" },
			`rules[1].scope: "group:" names no group; ` + scopeExp},
		{"scope group with spaces", func(c *Config) { c.Rules[1].Scope = "group: sales" },
			`rules[1].scope: "group: sales" has spaces around the group id; ` + scopeExp},
		{"type missing", func(c *Config) { c.Rules[2].Type = "" },
			"rules[2].type: required; " + typesExp},
		{"type bad", func(c *Config) { c.Rules[2].Type = "Subject" },
			`rules[2].type: "Subject" is not a rule type; ` + typesExp},
		{"availability unknown", func(c *Config) {
			c.Rules[2] = Rule{Scope: "organization", Type: "availability", Match: "bussy", Activity: "meeting"}
		},
			`rules[2].match: unknown availability "bussy"; expected one of free, tentative, busy, oof, workingElsewhere, unknown`},
		{"subject empty", func(c *Config) { c.Rules[1].Match = " " },
			"rules[1].match: empty pattern; expected the subject text with optional * wildcards, e.g. *lunch*"},
		{"location empty", func(c *Config) { c.Rules[1].Type = "location"; c.Rules[1].Match = "" },
			"rules[1].match: empty pattern; expected the location text with optional * wildcards, e.g. *Room 4*"},
		{"private not a flag", func(c *Config) { c.Rules[2].Match = "yes" },
			`rules[2].match: "yes" is not a private flag; expected "true" or "false"`},
		{"workinghours inside", func(c *Config) {
			c.Rules[2] = Rule{Scope: "organization", Type: "workinghours", Match: "inside", Activity: "gone-home"}
		},
			`rules[2].match: "inside" is not a working-hours match; expected "outside", the only one`},
		{"teams activity unknown", func(c *Config) {
			c.Rules[2] = Rule{Scope: "organization", Type: TypeTeams, Match: "Sailing", Activity: "busy"}
		}, `rules[2].match: "Sailing" is not a Teams activity; expected one of Available, Away, BeRightBack, Busy, DoNotDisturb, ` +
			`InACall, InAConferenceCall, Inactive, InAMeeting, Offline, OffWork, OutOfOffice, PresenceUnknown, Presenting, UrgentInterruptionsOnly`},
		{"teams interval too short", func(c *Config) { c.Teams = &Teams{Interval: "1s"} },
			"teams.interval: 1s is out of range; expected from 2s to 1m0s"},
		{"teams interval too long", func(c *Config) { c.Teams = &Teams{Interval: "2m"} },
			"teams.interval: 2m is out of range; expected from 2s to 1m0s"},
		{"teams interval not a duration", func(c *Config) { c.Teams = &Teams{Interval: "often"} },
			`teams.interval: "often" is not a duration; ` + durExp},
		{"workinghours empty match", func(c *Config) {
			c.Rules[2] = Rule{Scope: "organization", Type: "workinghours", Activity: "gone-home"}
		},
			`rules[2].match: "" is not a working-hours match; expected "outside", the only one`},
		{"workinghours match case", func(c *Config) {
			c.Rules[2] = Rule{Scope: "organization", Type: "workinghours", Match: "Outside", Activity: "gone-home"}
		},
			`rules[2].match: "Outside" is not a working-hours match; expected "outside", the only one`},
		{"workinghours no activity", func(c *Config) {
			c.Rules[2] = Rule{Scope: "group:sales", Type: "workinghours", Match: "outside"}
		},
			"rules[2].activity: required; expected the OneCloud activity id to set, e.g. meeting"},
		{"workinghours bad scope", func(c *Config) {
			c.Rules[2] = Rule{Scope: "everyone", Type: "workinghours", Match: "outside", Activity: "gone-home"}
		},
			`rules[2].scope: "everyone" is not a scope; ` + scopeExp},
		{"activity missing", func(c *Config) { c.Rules[0].Activity = "" },
			"rules[0].activity: required; expected the OneCloud activity id to set, e.g. meeting"},
		{"role blank", func(c *Config) { c.Rules[0].Role = " " },
			"rules[0].role: is blank; expected a OneCloud role id, or nothing to leave the role alone"},

		{"user id missing", func(c *Config) { c.Users[0].OneCloudUser = "" },
			"users[0].onecloudUser: required; expected the OneCloud user id, e.g. 1001"},
		{"mailbox missing on enabled user", func(c *Config) { c.Users[0].Mailbox = "" },
			"users[0].mailbox: required for an enabled user; expected the user's mailbox address, e.g. mario.rossi@contoso.it"},
		{"mailbox bad", func(c *Config) { c.Users[0].Mailbox = "mario.rossi" },
			`users[0].mailbox: "mario.rossi" is not a plain mailbox address; expected the user's mailbox address, e.g. mario.rossi@contoso.it`},
		{"mailbox too long", func(c *Config) { c.Users[0].Mailbox = strings.Repeat("m", 5<<20) + "@contoso.it" },
			"users[0].mailbox: is 5242891 characters long; a mailbox address has at most 254"},
		{"sync user too long", func(c *Config) { c.Connector.SyncUser = "m@" + longDomain(253) },
			"connector.syncUser: is 255 characters long; a mailbox address has at most 254"},
		{"duplicate user", func(c *Config) {
			c.Users = append(c.Users, User{OneCloudUser: "1002", Mailbox: "a@contoso.it"}, User{OneCloudUser: "1001", Mailbox: "b@contoso.it"})
		}, `users[2].onecloudUser: "1001" is also users[0]; each OneCloud user may appear only once`},
		{"duplicate mailbox in other case", func(c *Config) {
			c.Users = append(c.Users, User{OneCloudUser: "1002", Mailbox: "Mario.Rossi@Contoso.it", Enabled: true})
		}, `users[1].mailbox: "Mario.Rossi@Contoso.it" is also users[0] (mailboxes compare case-insensitively); each mailbox may appear only once`},

		{"contacts interval short", func(c *Config) { c.Contacts = &Contacts{Enabled: true, Interval: "1m"} },
			"contacts.interval: 1m is too short; the minimum is 5m0s"},
		{"contacts interval bad", func(c *Config) { c.Contacts = &Contacts{Enabled: true, Interval: "often"} },
			`contacts.interval: "often" is not a duration; ` + durExp},
		{"contacts region unknown", func(c *Config) { c.Contacts = &Contacts{Enabled: true, DefaultRegion: "ITA"} },
			`contacts.defaultRegion: "ITA" is not a region; expected an ISO 3166 region code in capitals, e.g. IT, GB or US`},
		{"contacts region lower case", func(c *Config) { c.Contacts = &Contacts{Enabled: true, DefaultRegion: "it"} },
			`contacts.defaultRegion: "it" is not a region; expected an ISO 3166 region code in capitals, e.g. IT, GB or US`},
		{"contacts phonebook mailbox bad", func(c *Config) { c.Contacts = &Contacts{Enabled: true, PhonebookMailbox: "rubrica"} },
			`contacts.phonebookMailbox: "rubrica" is not a plain mailbox address; expected the mailbox whose contacts fill the office phonebook, e.g. rubrica@contoso.it`},
		{"contacts with nothing to sync", func(c *Config) { c.Contacts = &Contacts{Enabled: true, Personal: new(false)} },
			"contacts.personal: is false and contacts.phonebookMailbox is empty, so there is nothing to sync; set personal to true, name a phonebook mailbox, or set enabled to false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			var verrs ValidationErrors
			if !errors.As(err, &verrs) {
				t.Fatalf("Validate() error is %T, want ValidationErrors", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Validate():\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
	}{
		{"example as is", func(c *Config) {}},
		{"tenant GUID", func(c *Config) { c.Connector.TenantID = "72F988BF-86F1-41AF-91AB-2D7CD011DB47" }},
		{"tenant custom domain", func(c *Config) { c.Connector.TenantID = "contoso.it" }},
		{"optional fields empty", func(c *Config) {
			c.Connector.Name, c.Connector.SecretExpires, c.Connector.AuthorityURL, c.Connector.GraphURL = "", "", "", ""
		}},
		{"loopback http", func(c *Config) {
			c.Connector.AuthorityURL = "http://127.0.0.1:8443"
			c.Connector.GraphURL = "http://[::1]:9000/graph/"
			c.OneCloud.BaseURL = "http://LOCALHOST:8080/api"
		}},
		{"127/8 http", func(c *Config) { c.OneCloud.BaseURL = "http://127.5.6.7/api" }},
		{"national cloud", func(c *Config) {
			c.Connector.AuthorityURL = "https://login.microsoftonline.us"
			c.Connector.GraphURL = "https://graph.microsoft.us"
		}},
		{"availability any case", func(c *Config) { c.Rules[0].Match = "WorkingElsewhere" }},
		{"match everything", func(c *Config) { c.Rules[1].Match = "*" }},
		{"private false", func(c *Config) { c.Rules[2].Match = "false" }},
		{"workinghours outside", func(c *Config) {
			c.Rules = append(c.Rules, Rule{Scope: "organization", Type: TypeWorkingHours, Match: MatchOutside, Activity: "gone-home"})
		}},
		{"workinghours outside, group and role", func(c *Config) {
			c.Rules = append(c.Rules, Rule{Scope: "group:sales", Type: TypeWorkingHours, Match: MatchOutside, Activity: "closed", Role: "night"})
		}},
		{"role set", func(c *Config) { c.Rules[0].Role = "office" }},
		{"teams rule, any case, interval at both ends", func(c *Config) {
			c.Rules = append(c.Rules, Rule{Scope: "organization", Type: TypeTeams, Match: "inacall", Activity: "busy", Role: "calls"})
			c.Teams = &Teams{Interval: "2s"}
		}},
		{"teams interval a minute", func(c *Config) { c.Teams = &Teams{Interval: "1m"} }},
		{"interval minimum, lookahead just under 62 days", func(c *Config) {
			c.Sync.Interval = "15s"
			c.Sync.Lookahead = "1487h59m"
		}},
		{"disabled user without mailbox", func(c *Config) {
			c.Users = append(c.Users, User{OneCloudUser: "1002"})
		}},
		{"no rules, no users", func(c *Config) { c.Rules, c.Users = nil, nil }},
		{"contacts, every field", func(c *Config) {
			c.Contacts = &Contacts{Enabled: true, Interval: "5m", DefaultRegion: "IT", Personal: new(true), PhonebookMailbox: "rubrica@contoso.it"}
		}},
		{"contacts, office phonebook only", func(c *Config) {
			c.Contacts = &Contacts{Enabled: true, Personal: new(false), PhonebookMailbox: "rubrica@contoso.it"}
		}},
		{"contacts off, nothing else", func(c *Config) { c.Contacts = &Contacts{Personal: new(false)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateReportsAllErrorsAtOnce(t *testing.T) {
	c := validConfig()
	c.Connector.TenantID = ""
	c.Connector.SyncUser = "monitor"
	c.Sync.Interval = "5s"
	c.Rules[0].Match = "bussy"
	c.Rules[1].Activity = ""
	c.Users = append(c.Users, User{OneCloudUser: "1001", Mailbox: "x@contoso.it"})

	err := c.Validate()
	var verrs ValidationErrors
	if !errors.As(err, &verrs) {
		t.Fatalf("Validate() = %v, want ValidationErrors", err)
	}
	var fields []string
	for _, fe := range verrs {
		fields = append(fields, fe.Field)
	}
	want := []string{"connector.tenantId", "connector.syncUser", "sync.interval", "rules[0].match", "rules[1].activity", "users[1].onecloudUser"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v", fields, want)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want) {
		t.Errorf("Error() has %d lines, want %d:\n%s", len(lines), len(want), err)
	}
}

func TestValidateNil(t *testing.T) {
	var c *Config
	if err := c.Validate(); err == nil || err.Error() != "no config" {
		t.Errorf("nil.Validate() = %v, want \"no config\"", err)
	}
}

func TestValidateDoesNotEchoSecretsInURL(t *testing.T) {
	for _, u := range []string{"https://me:hunter2@graph.microsoft.com", "https://me:hunter2@graph.microsoft.com:x/", "http://me:hunter2@example.com"} {
		c := validConfig()
		c.Connector.GraphURL = u
		err := c.Validate()
		if err == nil {
			t.Fatalf("%s: accepted", u)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

func TestDefaultNeedsOnlyTheConnector(t *testing.T) {
	c := Default()
	if c.ConnectorConfigured() {
		t.Error("Default().ConnectorConfigured() = true, want false")
	}
	err := c.Validate()
	var verrs ValidationErrors
	if !errors.As(err, &verrs) {
		t.Fatalf("Default().Validate() = %v, want ValidationErrors", err)
	}
	var fields []string
	for _, fe := range verrs {
		fields = append(fields, fe.Field)
	}
	if want := []string{"connector.tenantId", "connector.clientId", "connector.syncUser"}; !slices.Equal(fields, want) {
		t.Errorf("Default() invalid fields = %v, want %v", fields, want)
	}

	c.Connector.TenantID = "contoso.onmicrosoft.com"
	c.Connector.ClientID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	c.Connector.SyncUser = "monitor@contoso.com"
	if !c.ConnectorConfigured() {
		t.Error("ConnectorConfigured() = false after filling the connector")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default() with a connector: Validate() = %v", err)
	}
}

// The first-run rules may only name activities every OneCloud (and the
// emulator) has.
func TestDefaultRulesUseSeededActivities(t *testing.T) {
	seeded := []string{"available", "meeting", "lunch", "away", "vacation", "busy", "business-trip", "sick", "gone-home"}
	c := Default()
	if !slices.Contains(seeded, c.DefaultActivity) {
		t.Errorf("defaultActivity %q is not seeded", c.DefaultActivity)
	}
	for i, r := range c.Rules {
		if !slices.Contains(seeded, r.Activity) {
			t.Errorf("rules[%d].activity %q is not seeded", i, r.Activity)
		}
	}
	// Order is policy: out of office first, private before any subject rule,
	// subject rules before the generic busy rule.
	first := func(typ, match string) int {
		return slices.IndexFunc(c.Rules, func(r Rule) bool { return r.Type == typ && (match == "" || r.Match == match) })
	}
	if first(TypeAvailability, "oof") != 0 {
		t.Error("oof is not the first rule")
	}
	if !(first(TypePrivate, "true") < first(TypeSubject, "") && first(TypeSubject, "") < first(TypeAvailability, "busy")) {
		t.Errorf("rule order is not oof, private, subject, busy: %+v", c.Rules)
	}
}

func TestTeamsSettings(t *testing.T) {
	c := validConfig()
	if c.UsesTeams() || c.TeamsInterval() != 5*time.Second {
		t.Errorf("no teams rule: UsesTeams %v, interval %s; want false, 5s", c.UsesTeams(), c.TeamsInterval())
	}
	c.Rules = append(c.Rules, Rule{Scope: "organization", Type: " Teams ", Match: "InACall", Activity: "busy"})
	c.Teams = &Teams{Interval: "10s"}
	if !c.UsesTeams() || c.TeamsInterval() != 10*time.Second {
		t.Errorf("teams rule: UsesTeams %v, interval %s; want true, 10s", c.UsesTeams(), c.TeamsInterval())
	}
}
