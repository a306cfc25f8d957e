package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const ocContactBody = `{"source":"calsync","externalId":"AAMk1","name":"Studio Bianchi","company":"Studio Bianchi srl",` +
	`"title":"","email":"info@studiobianchi.it","numbers":[{"type":"work","number":"+390212345678"}]}`

// TestOneCloudPhonebookContract drives both phonebooks over raw HTTP, in
// the order of the contract's statuses.
func TestOneCloudPhonebookContract(t *testing.T) {
	for _, base := range []string{"/v1/users/1001/contacts", "/v1/phonebook/contacts"} {
		t.Run(base, func(t *testing.T) {
			f := ocNewFixture(t, OneCloudOptions{})
			r := f.do(t, "POST", base, ocContactBody)
			if r.status != http.StatusCreated {
				t.Fatalf("POST = %d %s", r.status, r.body)
			}
			var stored ocContactJSON
			if err := json.Unmarshal([]byte(r.body), &stored); err != nil {
				t.Fatal(err)
			}
			tag := r.header.Get("ETag")
			if stored.ID == "" || tag == "" || stored.ETag != tag || !strings.HasPrefix(tag, `"`+stored.ID+"-") {
				t.Fatalf("stored %+v with ETag %q", stored, tag)
			}
			item := base + "/" + stored.ID

			want := fmt.Sprintf(`{"contacts":[{"id":%q,"etag":%q,"source":"calsync","externalId":"AAMk1","name":"Studio Bianchi",`+
				`"company":"Studio Bianchi srl","title":"","email":"info@studiobianchi.it",`+
				`"numbers":[{"type":"work","number":"+390212345678"}]}],"nextPage":null}`, stored.ID, tag)
			if r := f.do(t, "GET", base+"?page=1", ""); r.status != 200 || strings.TrimSpace(r.body) != want {
				t.Errorf("GET = %d %s\nwant %s", r.status, r.body, want)
			}
			steps := []struct {
				name, method, path, body string
				headers                  []string
				status                   int
				code                     string
			}{
				{"page past the end", "GET", base + "?page=9", "", nil, 200, ""},
				{"bad page", "GET", base + "?page=x", "", nil, 400, "bad_request"},
				{"PUT without If-Match", "PUT", item, ocContactBody, nil, 428, "precondition_required"},
				{"PUT stale", "PUT", item, ocContactBody, []string{"If-Match", `"c-0-0"`}, 412, "precondition_failed"},
				{"PUT weak tag", "PUT", item, ocContactBody, []string{"If-Match", "W/" + tag}, 412, "precondition_failed"},
				{"PUT unknown", "PUT", base + "/c-999", ocContactBody, []string{"If-Match", tag}, 404, "not_found"},
				{"PUT bad body", "PUT", item, `{"name":`, []string{"If-Match", tag}, 400, "bad_request"},
				{"PUT unknown field", "PUT", item, `{"name":"a","fax":"1"}`, []string{"If-Match", tag}, 400, "bad_request"},
				{"PUT invalid", "PUT", item, `{"source":"calsync","name":"a","numbers":[]}`, []string{"If-Match", tag}, 400, "invalid_contact"},
				{"PUT other id", "PUT", item, `{"id":"c-9","source":"calsync","name":"a","numbers":[{"type":"work","number":"+3902"}]}`,
					[]string{"If-Match", tag}, 400, "invalid_contact"},
				{"POST with id", "POST", base, `{"id":"c-9","source":"calsync","name":"a","numbers":[{"type":"work","number":"+3902"}]}`, nil, 400, "invalid_contact"},
				{"POST no source", "POST", base, `{"name":"a","numbers":[{"type":"work","number":"+3902"}]}`, nil, 400, "invalid_contact"},
				{"POST bad number", "POST", base, `{"source":"calsync","name":"a","numbers":[{"type":"work","number":"02 1234"}]}`, nil, 400, "invalid_contact"},
				{"POST duplicate externalId", "POST", base, ocContactBody, nil, 400, "invalid_contact"},
				{"DELETE without If-Match", "DELETE", item, "", nil, 428, "precondition_required"},
				{"DELETE stale", "DELETE", item, "", []string{"If-Match", `"c-0-0"`}, 412, "precondition_failed"},
				{"PATCH", "PATCH", item, "", nil, 405, "method_not_allowed"},
				{"no token", "GET", base, "", []string{"Authorization", ""}, 401, "unauthorized"},
			}
			for _, s := range steps {
				r := f.do(t, s.method, s.path, s.body, s.headers...)
				if r.status != s.status || (s.code != "" && r.errorCode(t) != s.code) {
					t.Errorf("%s: %d %s, want %d %s", s.name, r.status, r.body, s.status, s.code)
				}
			}
			if e := f.oc.PhonebookEntries(onecloudBook(base)); len(e) != 1 || e[0].ETag != tag {
				t.Fatalf("a refused request changed the entry: %+v", e)
			}
			r = f.do(t, "PUT", item, strings.Replace(ocContactBody, `"title":""`, `"title":"Notaio"`, 1), "If-Match", tag)
			newTag := r.header.Get("ETag")
			if r.status != 200 || newTag == "" || newTag == tag || !strings.Contains(r.body, "Notaio") {
				t.Fatalf("PUT = %d %s (ETag %q)", r.status, r.body, newTag)
			}
			if r := f.do(t, "DELETE", item, "", "If-Match", newTag); r.status != http.StatusNoContent || r.body != "" {
				t.Fatalf("DELETE = %d %q", r.status, r.body)
			}
			if r := f.do(t, "DELETE", item, "", "If-Match", newTag); r.status != 404 {
				t.Fatalf("DELETE again = %d", r.status)
			}
			// The externalId is free again once its entry is gone.
			if r := f.do(t, "POST", base, ocContactBody); r.status != http.StatusCreated {
				t.Fatalf("POST after delete = %d %s", r.status, r.body)
			}
		})
	}
}

func onecloudBook(base string) OneCloudBook {
	if strings.HasPrefix(base, "/v1/phonebook") {
		return OneCloudOfficeBook()
	}
	return OneCloudPersonalBook("1001")
}

func TestOneCloudPhonebookUnknownUser(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	for _, m := range []string{"GET", "POST"} {
		if r := f.do(t, m, "/v1/users/9999/contacts", ocContactBody); r.status != 404 || r.errorCode(t) != "not_found" {
			t.Errorf("%s unknown user = %d %s", m, r.status, r.body)
		}
	}
	if _, err := f.oc.AddPhonebookEntry(OneCloudPersonalBook("9999"), OneCloudContact{Name: "x"}); err == nil {
		t.Error("AddPhonebookEntry accepted an unknown user")
	}
}

// TestOneCloudPhonebookPagingAndCounts: 120 entries are pages of 50, 50,
// 20, and the counters tell reads and writes per phonebook.
func TestOneCloudPhonebookPagingAndCounts(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	office := OneCloudOfficeBook()
	for i := range 120 {
		if _, err := f.oc.AddPhonebookEntry(office, OneCloudContact{Name: fmt.Sprint("n", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for page, want := range map[int]struct {
		n    int
		next string
	}{1: {50, `"nextPage":2`}, 2: {50, `"nextPage":3`}, 3: {20, `"nextPage":null`}, 4: {0, `"nextPage":null`}} {
		r := f.do(t, "GET", fmt.Sprintf("/v1/phonebook/contacts?page=%d", page), "")
		var body struct{ Contacts []json.RawMessage }
		_ = json.Unmarshal([]byte(r.body), &body)
		if r.status != 200 || len(body.Contacts) != want.n || !strings.Contains(r.body, want.next) {
			t.Errorf("page %d: %d, %d entries, body %.80s...", page, r.status, len(body.Contacts), r.body)
		}
	}
	f.do(t, "POST", "/v1/users/1001/contacts", ocContactBody)
	f.do(t, "DELETE", "/v1/users/1001/contacts/c-1", "") // 428, counted all the same
	if c := f.oc.PhonebookCounts(office); c != (OneCloudPhonebookCounts{Reads: 4}) {
		t.Errorf("office counts = %+v", c)
	}
	if c := f.oc.PhonebookCounts(OneCloudPersonalBook("1001")); c != (OneCloudPhonebookCounts{Writes: 2, Creates: 1, Deletes: 1}) {
		t.Errorf("personal counts = %+v", c)
	}
	if c := f.oc.Counts(); c.Writes != 2 || c.ByEndpoint[OneCloudGetOfficeContacts] != 4 || c.ByEndpoint[OneCloudPostPersonalContact] != 1 {
		t.Errorf("counts = %+v", c)
	}
	f.oc.ResetCounts()
	if c := f.oc.PhonebookCounts(office); c != (OneCloudPhonebookCounts{}) {
		t.Errorf("after reset: %+v", c)
	}
}

func TestOneCloudPhonebookHooks(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	b := OneCloudPersonalBook("1002")
	e, err := f.oc.AddPhonebookEntry(b, OneCloudContact{Name: "Idraulico", ExternalID: "AAMk9",
		Numbers: []OneCloudNumber{{Type: "mobile", Number: "+393331234567"}}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Source != "manual" || e.ID == "" || e.ETag == "" {
		t.Fatalf("added %+v", e)
	}
	if _, err := f.oc.AddPhonebookEntry(b, OneCloudContact{Name: "again", ExternalID: "AAMk9"}); err == nil {
		t.Error("a second entry with the same externalId was added")
	}
	ed, err := f.oc.EditPhonebookEntry(b, e.ID, func(c *OneCloudContact) { c.ID, c.Title = "hijack", "Capo" })
	if err != nil || ed.ID != e.ID || ed.ETag == e.ETag || ed.Title != "Capo" {
		t.Fatalf("edited %+v, %v", ed, err)
	}
	if _, err := f.oc.EditPhonebookEntry(b, "nope", nil); err == nil {
		t.Error("edited a missing entry")
	}
	if err := f.oc.DeletePhonebookEntry(b, e.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.oc.PhonebookEntries(b)) != 0 || len(f.oc.PhonebookWrites()) != 0 {
		t.Error("hand changes left entries or API writes")
	}
	if c := f.oc.PhonebookCounts(b); c != (OneCloudPhonebookCounts{}) {
		t.Errorf("hand changes were counted as requests: %+v", c)
	}
}

func TestOneCloudPhonebookReadOnlyAndFaults(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{ReadOnlyToken: "ro"})
	if r := f.do(t, "POST", "/v1/phonebook/contacts", ocContactBody, "Authorization", "Bearer ro"); r.status != 403 {
		t.Errorf("read-only POST = %d", r.status)
	}
	if r := f.do(t, "GET", "/v1/phonebook/contacts", "", "Authorization", "Bearer ro"); r.status != 200 {
		t.Errorf("read-only GET = %d", r.status)
	}
	f.oc.FailNext(1, http.StatusServiceUnavailable)
	if r := f.do(t, "GET", "/v1/phonebook/contacts", ""); r.status != 503 {
		t.Errorf("FailNext = %d", r.status)
	}
	f.oc.ThrottleEvery(1)
	if r := f.do(t, "POST", "/v1/phonebook/contacts", ocContactBody); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("throttled = %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if n := len(f.oc.PhonebookEntries(OneCloudOfficeBook())); n != 0 {
		t.Errorf("a refused POST stored %d entries", n)
	}
}
