package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/emulator"
)

// contactsReportJSON is the contract of `calsync contacts sync --once --json`, decoded strictly.
type contactsReportJSON struct {
	Phonebooks []struct {
		Book       *string `json:"book"`
		Mailbox    *string `json:"mailbox"`
		Created    *int    `json:"created"`
		Updated    *int    `json:"updated"`
		Deleted    *int    `json:"deleted"`
		Unchanged  *int    `json:"unchanged"`
		KeptEdited *int    `json:"keptEdited"`
		Skipped    []struct {
			Contact *string `json:"contact"`
			Reason  *string `json:"reason"`
		} `json:"skipped"`
		Error *string `json:"error"`
	} `json:"phonebooks"`
}

func decodeContactsReport(t *testing.T, stdout string) contactsReportJSON {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout is not one JSON line: %q", stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var rep contactsReportJSON
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decode: %v\n%s", err, stdout)
	}
	for _, b := range rep.Phonebooks {
		if b.Book == nil || b.Mailbox == nil || b.Created == nil || b.Updated == nil || b.Deleted == nil ||
			b.Unchanged == nil || b.KeptEdited == nil || b.Skipped == nil || b.Error == nil {
			t.Fatalf("a phonebook lacks a field: %s", stdout)
		}
	}
	return rep
}

func TestContactsSyncOnce(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "mario@contoso.it", nil, false)
	o.addUser("1002", "giulia@contoso.it", nil, false)
	o.cfg.Contacts = &config.Contacts{Enabled: true, DefaultRegion: "IT", PhonebookMailbox: "rubrica@contoso.it"}
	o.save()
	for mailbox, cs := range map[string][]emulator.GraphContact{
		"mario@contoso.it":   {{DisplayName: "Studio Bianchi", BusinessPhones: []string{"02 1234 5678"}}, {DisplayName: "Idraulico"}},
		"giulia@contoso.it":  {},
		"rubrica@contoso.it": {{DisplayName: "Corriere", BusinessPhones: []string{"800 123 456"}}},
	} {
		if _, err := o.graph.SetContacts(mailbox, cs); err != nil {
			t.Fatal(err)
		}
	}

	r := o.run("contacts", "sync", "--once", "--dry-run", "--json")
	rep := decodeContactsReport(t, r.stdout)
	if r.code != exitOK || len(rep.Phonebooks) != 3 || *rep.Phonebooks[0].Created != 1 || o.oc.Counts().Writes != 0 {
		t.Fatalf("dry run: %s (writes %d)", r, o.oc.Counts().Writes)
	}

	r = o.run("contacts", "sync", "--once", "--json")
	rep = decodeContactsReport(t, r.stdout)
	if r.code != exitOK {
		t.Fatalf("contacts sync: %s", r)
	}
	want := []string{"user:1001 mario@contoso.it 1", "user:1002 giulia@contoso.it 0", "phonebook rubrica@contoso.it 1"}
	for i, b := range rep.Phonebooks {
		if got := *b.Book + " " + *b.Mailbox + " " + string(rune('0'+*b.Created)); got != want[i] {
			t.Errorf("phonebooks[%d] = %s, want %s", i, got, want[i])
		}
	}
	if s := rep.Phonebooks[0].Skipped; len(s) != 1 || *s[0].Contact != "Idraulico" || *s[0].Reason != "no phone number" {
		t.Errorf("skipped = %+v", s)
	}
	if e := o.oc.PhonebookEntries(emulator.OneCloudOfficeBook()); len(e) != 1 || e[0].Numbers[0].Number != "+39800123456" {
		t.Errorf("office phonebook = %+v", e)
	}

	// The table, and nothing to write the second time.
	o.oc.ResetCounts()
	r = o.run("contacts", "sync", "--once")
	if r.code != exitOK || !strings.Contains(r.stdout, "PHONEBOOK") || !strings.Contains(r.stdout, "Idraulico: no phone number") ||
		!strings.Contains(r.stdout, "3 phonebooks: 0 created, 0 updated, 0 deleted, 2 unchanged") || o.oc.Counts().Writes != 0 || r.stderr != "" {
		t.Errorf("second run: %s (writes %d)", r, o.oc.Counts().Writes)
	}

	// Without Contacts.Read: exit 3, every phonebook names the permission.
	o.graph.SetContactsConsent(false)
	r = o.run("contacts", "sync", "--once")
	if r.code != exitSomeFailed || !strings.Contains(r.stdout, "Contacts.Read") || !strings.Contains(r.stderr, "3 of 3 phonebooks could not be synced") {
		t.Errorf("without Contacts.Read: %s", r)
	}
}

func TestContactsSyncUsage(t *testing.T) {
	o := newOffice(t)
	o.addUser("1001", "mario@contoso.it", nil, false)
	o.save()
	if r := o.run("contacts", "sync"); r.code != exitUsage || !strings.Contains(r.stderr, "--once is required") {
		t.Errorf("without --once: %s", r)
	}
	if r := o.run("contacts", "sync", "--once"); r.code != exitUsage || !strings.Contains(r.stderr, "contacts sync is off") {
		t.Errorf("contacts off: %s", r)
	}
	o.cfg.Contacts = &config.Contacts{Enabled: true, Interval: "1m"}
	data, err := config.Marshal(o.cfg) // config.Save refuses it; an admin's editor does not
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(o.path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := o.run("contacts", "sync", "--once"); r.code != exitUsage || !strings.Contains(r.stderr, "contacts.interval: 1m is too short") {
		t.Errorf("bad contacts config: %s", r)
	}
}

// A client secret Entra refuses ends a contacts run after one token request (not one per
// phonebook), is said once with its remedy, and exits 4 as `sync --once` does; Entra being
// down costs one retry more.
func TestContactsSyncFailedSignIn(t *testing.T) {
	o := newOffice(t)
	const users = 12
	for i := range users {
		o.addUser(fmt.Sprintf("10%02d", i), fmt.Sprintf("user%02d@contoso.it", i), nil, false)
	}
	o.cfg.Contacts = &config.Contacts{Enabled: true, DefaultRegion: "IT", PhonebookMailbox: "rubrica@contoso.it"}
	o.save()
	const wrong = "Wr0ng~Secret.Value_zyxwvutsrqponmlkjihgfedcba"
	o.vars["CALSYNC_GRAPH_SECRET"] = wrong
	tests := []struct {
		name     string
		args     []string
		down     bool
		requests int64
		says     string
	}{
		{"wrong secret", []string{"contacts", "sync", "--once"}, false, 1, "AADSTS7000215"},
		{"wrong secret, json", []string{"contacts", "sync", "--once", "--json"}, false, 1, "AADSTS7000215"},
		{"wrong secret, dry run", []string{"contacts", "sync", "--once", "--dry-run"}, false, 1, "AADSTS7000215"},
		{"Entra down", []string{"contacts", "sync", "--once"}, true, 2, "AADSTS90033"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o.graph.ResetStats()
			o.graph.SetTokenDown(tt.down)
			r := o.run(tt.args...)
			st := o.graph.Stats()
			t.Logf("token requests: %d (%d phonebooks)", st.TokenRequests, users+1)
			if r.code != exitNoneSynced || st.TokenRequests != tt.requests {
				t.Fatalf("want exit 4 after %d token requests, got %d: %s", tt.requests, st.TokenRequests, r)
			}
			// Once on stderr; in the table never (the JSON report has it once, in "error").
			if n, m := strings.Count(r.stderr, tt.says), strings.Count(r.stdout, tt.says); n != 1 || m > 1 || (m == 1) != slices.Contains(tt.args, "--json") {
				t.Errorf("%s said %d times on stderr, %d on stdout: %s", tt.says, n, m, r)
			}
			if !tt.down && !strings.Contains(r.stderr, "-> The client secret is wrong") {
				t.Errorf("no remedy: %s", r)
			}
			if strings.Contains(r.stdout+r.stderr, wrong) || o.oc.Counts().Writes != 0 {
				t.Errorf("secret printed, or a write: %s", r)
			}
			if slices.Contains(tt.args, "--json") {
				var rep struct {
					Phonebooks []struct{ Error string } `json:"phonebooks"`
					Error      string                   `json:"error"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Phonebooks) != users+1 ||
					!strings.Contains(rep.Error, tt.says) || rep.Phonebooks[0].Error != contacts.ErrStopped {
					t.Errorf("json report (%v): %s", err, r.stdout)
				}
			}
		})
	}
}
