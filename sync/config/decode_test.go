package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestDefaultGolden(t *testing.T) {
	data, err := Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "default.json", data)

	c, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode(default.json): %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Decode(Marshal(Default())) = %+v, want Default()", c)
	}
}

// The issue's example, with real ids, survives a decode/encode round trip
// byte for byte.
func TestExampleRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if !reflect.DeepEqual(c, validConfig()) {
		t.Errorf("decoded %+v, want %+v", c, validConfig())
	}
	out, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "example.json", out)
}

// The example exactly as the issue prints it decodes (its shape is right);
// only its two placeholder ids fail validation.
func TestIssueExampleVerbatim(t *testing.T) {
	data, err := os.ReadFile("testdata/issue-example.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := "connector.tenantId: is neither a GUID nor a domain; " + tenantExp + "\n" +
		"connector.clientId: is not a GUID; " + clientExp
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "  \n", `empty; expected a JSON object like {"version": 1, ...}`},
		{"UTF-16 LE with its byte order mark", "\xff\xfe{\x00\"\x00v\x00", `the file is saved as UTF-16 ("Unicode"); save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)`},
		{"UTF-16 BE with its byte order mark", "\xfe\xff\x00{\x00\"", `the file is saved as UTF-16 ("Unicode"); save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)`},
		{"UTF-16 without a byte order mark", "{\x00\"\x00v\x00e\x00r\x00", `the file is saved as UTF-16 ("Unicode"); save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)`},
		{"syntax: missing comma", "{\n  \"version\": 1\n  \"sync\": {}\n}",
			"line 3, column 3: invalid character '\"' after object key:value pair"},
		{"syntax: trailing comma", "{\n  \"users\": [\n    {\"onecloudUser\": \"1001\"},\n  ]\n}",
			"line 4, column 3: invalid character ']' looking for beginning of value"},
		{"syntax: column counts characters", "{\"defaultActivity\": \"disponibilità\" x}",
			"line 1, column 37: invalid character 'x' after object key:value pair"},
		{"syntax: cut short", "{\n  \"version\": 1,\n",
			"line 3, column 1: unexpected end of JSON input"},
		{"syntax: trailing data", "{\"version\": 1}\n{}",
			"line 2, column 1: invalid character '{' after top-level value"},
		{"top level not an object", "\n[1, 2]",
			"line 2, column 1: expected a JSON object at the top level, got a list"},
		{"unknown field", "{\n  \"version\": 1,\n  \"intervall\": \"1m\"\n}",
			"line 3, column 3: intervall: unknown field; expected one of version, connector, onecloud, sync, defaultActivity, rules, users, contacts, teams"},
		{"contacts field of the wrong type", "{\"contacts\": {\"enabled\": true, \"personal\": \"yes\"}}",
			"line 1, column 32: contacts.personal: expected true or false, got a string"},
		{"contacts unknown field", "{\"contacts\": {\"region\": \"IT\"}}",
			"line 1, column 15: contacts.region: unknown field; expected one of enabled, interval, defaultRegion, personal, phonebookMailbox"},
		{"field in wrong case", "{\"connector\": {\"tenantID\": \"x\"}}",
			`line 1, column 16: connector.tenantID: unknown field; did you mean "tenantId"? (names are case-sensitive)`},
		{"unknown rule field", "{\"rules\": [{\"type\": \"subject\"}, {\"acitvity\": \"lunch\"}]}",
			"line 1, column 34: rules[1].acitvity: unknown field; expected one of scope, type, match, activity, role"},
		{"secret in the config", "{\"connector\": {\"clientSecret\": \"Abc8Q~verysecret\"}}",
			"line 1, column 16: connector.clientSecret: unknown field; expected one of name, tenantId, clientId, syncUser, secretExpires, authorityURL, graphURL, credential"},
		{"bool as string", "{\"users\": [{\"enabled\": \"true\"}]}",
			"line 1, column 13: users[0].enabled: expected true or false, got a string"},
		{"string as number", "{\"users\": [{\"onecloudUser\": 1001}]}",
			"line 1, column 13: users[0].onecloudUser: expected a string, got the number 1001"},
		{"object expected", "{\"sync\": \"1m\"}",
			"line 1, column 2: sync: expected an object, got a string"},
		{"list expected", "{\"rules\": {}}",
			"line 1, column 2: rules: expected a list [...], got an object"},
		{"version not a number", "{\"version\": \"1\"}",
			"line 1, column 2: version: expected a whole number like 1, got a string"},
		{"version fraction", "{\"version\": 1.5}",
			"line 1, column 2: version: 1.5 is not a schema version; expected a whole number like 1"},
		{"version negative", "{\"version\": -1}",
			"line 1, column 2: version: -1 is not a schema version; expected a whole number like 1"},
		{"duplicate field", "{\n  \"rules\": [],\n  \"rules\": []\n}",
			"line 3, column 3: rules: appears twice (first at line 2, column 3); keep one"},
		{"several problems in file order", "{\"users\": [{\"enabled\": 1}],\n \"Version\": 1, \"rules\": 2}",
			"line 1, column 13: users[0].enabled: expected true or false, got the number 1\n" +
				"line 2, column 2: Version: unknown field; did you mean \"version\"? (names are case-sensitive)\n" +
				"line 2, column 16: rules: expected a list [...], got the number 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode([]byte(tt.in))
			if err == nil {
				t.Fatalf("Decode() = %+v, want error %q", c, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Decode() error\n got %s\nwant %s", got, tt.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error %T is not a *DecodeError", err)
			}
		})
	}
}

func TestDecodeNewerVersionRefused(t *testing.T) {
	_, err := Decode([]byte(`{"version": 2, "someFutureField": true}`))
	if !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("error = %v, want ErrNewerVersion", err)
	}
	want := "written by a newer calsync (version 2); this build reads up to 1; upgrade calsync"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestDecodeVersionMissingOrZeroIsOne(t *testing.T) {
	for _, in := range []string{`{}`, `{"version": 0}`, `{"version": null}`, `{"version": 1}`} {
		c, err := Decode([]byte(in))
		if err != nil {
			t.Errorf("Decode(%s): %v", in, err)
			continue
		}
		if c.Version != CurrentVersion {
			t.Errorf("Decode(%s).Version = %d, want %d", in, c.Version, CurrentVersion)
		}
	}
}

func TestDecodeLenient(t *testing.T) {
	// A byte order mark (Windows Notepad) and nulls are accepted; an empty
	// connector loads so that it can be edited.
	in := "\xef\xbb\xbf{\"version\": 1, \"connector\": {}, \"rules\": null, \"users\": [{\"onecloudUser\": \"7\", \"enabled\": null}]}"
	c, err := Decode([]byte(in))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := &Config{Version: 1, Users: []User{{OneCloudUser: "7"}}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Decode = %+v, want %+v", c, want)
	}
}

// testMigrations pretend the schema is at version 3: version 1 called the
// tenant "tenant", version 2 kept the interval at the top level.
func testMigrations() []migration {
	return []migration{
		{from: 1, migrate: func(doc map[string]any) error {
			if k, ok := doc["connector"].(map[string]any); ok {
				if v, ok := k["tenant"]; ok {
					k["tenantId"] = v
					delete(k, "tenant")
				}
			}
			return nil
		}},
		{from: 2, migrate: func(doc map[string]any) error {
			v, ok := doc["interval"]
			if !ok {
				return nil
			}
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("interval: expected a string")
			}
			delete(doc, "interval")
			doc["sync"] = map[string]any{"interval": s, "lookahead": "8h"}
			return nil
		}},
	}
}

func TestMigrations(t *testing.T) {
	d := decoder{current: 3, migrations: testMigrations()}
	tests := []struct {
		name string
		in   string
		want Config
	}{
		{"from 1 runs both", `{"version": 1, "connector": {"tenant": "contoso.it"}, "interval": "5m"}`,
			Config{Version: 3, Connector: Connector{TenantID: "contoso.it"}, Sync: Sync{Interval: "5m", Lookahead: "8h"}}},
		{"missing version is 1", `{"connector": {"tenant": "contoso.it"}}`,
			Config{Version: 3, Connector: Connector{TenantID: "contoso.it"}}},
		{"from 2 runs only the second", `{"version": 2, "connector": {"tenant": "x"}, "interval": "5m"}`,
			Config{}}, // "tenant" is no longer migrated: unknown field
		{"current runs none", `{"version": 3, "sync": {"interval": "2m"}}`,
			Config{Version: 3, Sync: Sync{Interval: "2m"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := d.decode([]byte(tt.in), "")
			if tt.want.Version == 0 {
				if err == nil || !strings.Contains(err.Error(), `connector.tenant: unknown field`) {
					t.Fatalf("error = %v, want connector.tenant unknown", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(*c, tt.want) {
				t.Errorf("decode = %+v, want %+v", *c, tt.want)
			}
		})
	}
}

func TestMigrationFailures(t *testing.T) {
	d := decoder{current: 3, migrations: testMigrations()}
	_, err := d.decode([]byte(`{"version": 1, "interval": 5}`), "")
	if want := "migrate from version 2 to 3: interval: expected a string"; err == nil || err.Error() != want {
		t.Errorf("failing migration: error = %v, want %q", err, want)
	}
	gap := decoder{current: 3, migrations: testMigrations()[:1]}
	_, err = gap.decode([]byte(`{"version": 1}`), "")
	if want := "no migration from version 2 to 3 (a bug in calsync)"; err == nil || err.Error() != want {
		t.Errorf("missing migration: error = %v, want %q", err, want)
	}
}

// Whoever bumps CurrentVersion must add the migration that reaches it.
func TestMigrationListCoversEveryVersion(t *testing.T) {
	ms := migrations()
	if len(ms) != CurrentVersion-1 {
		t.Fatalf("%d migrations, want %d (one per version before %d)", len(ms), CurrentVersion-1, CurrentVersion)
	}
	for i, m := range ms {
		if m.from != i+1 || m.migrate == nil {
			t.Errorf("migrations()[%d] migrates from %d, want %d", i, m.from, i+1)
		}
	}
}

func TestAccessors(t *testing.T) {
	c := validConfig()
	c.Sync = Sync{Interval: "30s", Lookahead: "12h"}
	c.Connector.AuthorityURL = "http://127.0.0.1:9000/"
	c.Connector.GraphURL = ""
	c.Users = append(c.Users, User{OneCloudUser: "1002", Mailbox: "b@contoso.it"}, User{OneCloudUser: "1003", Mailbox: "c@contoso.it", Enabled: true})

	if got := c.Interval(); got != 30*time.Second {
		t.Errorf("Interval() = %v", got)
	}
	if got := c.Lookahead(); got != 12*time.Hour {
		t.Errorf("Lookahead() = %v", got)
	}
	if got := c.AuthorityURL(); got != "http://127.0.0.1:9000" {
		t.Errorf("AuthorityURL() = %q", got)
	}
	if got := c.GraphURL(); got != DefaultGraphURL {
		t.Errorf("GraphURL() = %q", got)
	}
	exp, ok := c.SecretExpiry()
	if !ok || !exp.Equal(time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("SecretExpiry() = %v, %v", exp, ok)
	}
	if _, ok := c.OneCloudTokenExpiry(); ok {
		t.Error("OneCloudTokenExpiry() ok when unset")
	}
	c.OneCloud.TokenExpires = "2027-01-15"
	if exp, ok := c.OneCloudTokenExpiry(); !ok || !exp.Equal(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("OneCloudTokenExpiry() = %v, %v", exp, ok)
	}
	c.OneCloud.TokenExpires = "2027-02-30"
	if _, ok := c.OneCloudTokenExpiry(); ok {
		t.Error("OneCloudTokenExpiry() ok for an impossible date")
	}
	var ids []string
	for _, u := range c.EnabledUsers() {
		ids = append(ids, u.OneCloudUser)
	}
	if strings.Join(ids, ",") != "1001,1003" {
		t.Errorf("EnabledUsers() = %v", ids)
	}

	// Invalid or unset values fall back to the defaults, never to zero.
	c.Sync = Sync{Interval: "soon", Lookahead: "-1h"}
	c.Connector.SecretExpires = "June"
	if c.Interval() != time.Minute || c.Lookahead() != 8*time.Hour {
		t.Errorf("fallbacks: Interval() = %v, Lookahead() = %v", c.Interval(), c.Lookahead())
	}
	if _, ok := c.SecretExpiry(); ok {
		t.Error("SecretExpiry() ok for an invalid date")
	}
	c.Connector.SecretExpires = ""
	if _, ok := c.SecretExpiry(); ok {
		t.Error("SecretExpiry() ok when unset")
	}
}

func TestClone(t *testing.T) {
	c := validConfig()
	d := c.Clone()
	d.Rules[0].Activity = "changed"
	d.Users[0].Enabled = false
	if c.Rules[0].Activity != "meeting" || !c.Users[0].Enabled {
		t.Error("changing the clone changed the original")
	}
	var n *Config
	if n.Clone() != nil {
		t.Error("nil.Clone() != nil")
	}
}

func TestMarshalShape(t *testing.T) {
	c := validConfig()
	c.Connector.Name = "R&D <Milano>"
	c.Rules, c.Users = nil, nil
	data, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{`"name": "R&D <Milano>"`, `"rules": []`, `"users": []`} {
		if !strings.Contains(s, want) {
			t.Errorf("Marshal output lacks %s:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, "}\n") {
		t.Error("Marshal output does not end with a newline")
	}
	if strings.Contains(s, `"role"`) {
		t.Error("an empty role is written; it is optional")
	}
	if !json.Valid(data) {
		t.Error("Marshal output is not valid JSON")
	}
}

func TestParseExpiryInput(t *testing.T) {
	now := time.Date(2026, 12, 7, 23, 30, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		in, want, err string
	}{
		{"2027-12-07", "2027-12-07", ""},
		{" 2026-12-07 ", "2026-12-07", ""}, // today
		{"2031-12-07", "2031-12-07", ""},   // exactly 5 years
		{"2026-12-06", "", "2026-12-06 is in the past"},
		{"2031-12-08", "", "2031-12-08 is more than 5 years ahead"},
		{"2027-02-30", "", `"2027-02-30" is not a date; expected YYYY-MM-DD (a day that exists), e.g. 2027-12-07`},
		{"07/12/2027", "", `"07/12/2027" is not a date`},
		{"", "", `"" is not a date`},
		{"2027-1-5", "", `"2027-1-5" is not a date`},
	} {
		got, err := ParseExpiryInput(tc.in, now)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseExpiryInput(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseExpiryInput(%q) error %v, want %q", tc.in, err, tc.err)
		}
	}
}
