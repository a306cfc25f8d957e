package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// contactsGet sends a GET with the token to a path or an absolute URL.
func (f *graphFixture) contactsGet(token, pathOrURL string) (int, http.Header, map[string]any) {
	f.t.Helper()
	u := pathOrURL
	if strings.HasPrefix(u, "/") {
		u = f.url + u
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		f.t.Fatalf("body %q: %v", data, err)
	}
	return resp.StatusCode, resp.Header, body
}

func graphErrCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestGraphContactsPaging(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	in := make([]GraphContact, 250)
	for i := range in {
		in[i] = GraphContact{DisplayName: fmt.Sprintf("C%03d", i), BusinessPhones: []string{"02 1234"}}
	}
	seeded, err := f.g.SetContacts("mario@contoso.it", in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(seeded[0].ID, "AAMkAD") || seeded[0].ID == seeded[1].ID {
		t.Fatalf("ids %q %q", seeded[0].ID, seeded[1].ID)
	}
	tok := f.accessToken()
	link := "/v1.0/users/mario@contoso.it/contacts?$select=id,displayName,businessPhones&$top=100"
	var names []string
	pages := 0
	for link != "" {
		status, _, body := f.contactsGet(tok, link)
		if status != 200 {
			t.Fatalf("page %d: %d %v", pages, status, body)
		}
		pages++
		for _, v := range body["value"].([]any) {
			c := v.(map[string]any)
			names = append(names, c["displayName"].(string))
			if _, ok := c["mobilePhone"]; ok {
				t.Fatal("$select not honoured: mobilePhone served")
			}
			if _, ok := c["@odata.etag"]; !ok {
				t.Fatal("no @odata.etag")
			}
		}
		link, _ = body["@odata.nextLink"].(string)
		if link != "" && (!strings.HasPrefix(link, f.url+"/v1.0/users/mario@contoso.it/contacts?") ||
			!strings.Contains(link, "$skip=") || !strings.Contains(link, "$select=id,displayName,businessPhones")) {
			t.Fatalf("nextLink %q", link)
		}
	}
	if pages != 3 || len(names) != 250 || names[0] != "C000" || names[249] != "C249" {
		t.Errorf("%d pages, %d contacts", pages, len(names))
	}

	// Defaults and limits: $top 10 by default, at most 1000.
	_, _, body := f.contactsGet(tok, "/v1.0/users/mario@contoso.it/contacts")
	if n := len(body["value"].([]any)); n != 10 || !strings.Contains(body["@odata.nextLink"].(string), "$skip=10") {
		t.Errorf("default page: %d, next %v", n, body["@odata.nextLink"])
	}
	c0 := body["value"].([]any)[0].(map[string]any)
	if c0["mobilePhone"] != nil || c0["givenName"] != nil {
		t.Errorf("empty strings should be null: %v", c0)
	}
	if hp, ok := c0["homePhones"].([]any); !ok || len(hp) != 0 {
		t.Errorf("homePhones = %v, want []", c0["homePhones"])
	}
	if _, _, body := f.contactsGet(tok, "/v1.0/users/mario@contoso.it/contacts?$top=5000"); len(body["value"].([]any)) != 250 {
		t.Errorf("$top=5000 served %d", len(body["value"].([]any)))
	}
	if st := f.g.Stats(); st.ContactsRequests != 5 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGraphContactsErrors(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	f.g.SetCalendar("a@contoso.it", nil)
	tok := f.accessToken()
	tests := []struct {
		name   string
		setup  func()
		token  string
		path   string
		status int
		code   string
	}{
		{"no token", nil, "-", "/v1.0/users/a@contoso.it/contacts", 401, "InvalidAuthenticationToken"},
		{"unknown mailbox", nil, "", "/v1.0/users/nobody@contoso.it/contacts", 404, "ErrorInvalidUser"},
		{"bad $top", nil, "", "/v1.0/users/a@contoso.it/contacts?$top=x", 400, "BadRequest"},
		{"bad $skip", nil, "", "/v1.0/users/a@contoso.it/contacts?$skip=-1", 400, "BadRequest"},
		{"unknown $select", nil, "", "/v1.0/users/a@contoso.it/contacts?$select=id,birthdayCake", 400, "RequestBroker--ParseUri"},
		{"delta is not served", nil, "", "/v1.0/users/a@contoso.it/contactFolders/AAMk/contacts/delta", 404, "ResourceNotFound"},
		{"no Contacts.Read", func() { f.g.SetContactsConsent(false) }, "", "/v1.0/users/a@contoso.it/contacts", 403, "ErrorAccessDenied"},
		{"Contacts.Read again", func() { f.g.SetContactsConsent(true) }, "", "/v1.0/users/a@contoso.it/contacts", 200, ""},
		{"no consent at all", func() { f.g.SetConsent(false) }, "", "/v1.0/users/a@contoso.it/contacts", 403, "ErrorAccessDenied"},
		{"not enabled", func() {
			f.g.SetConsent(true)
			f.g.SetMailboxError("a@contoso.it", "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		}, "", "/v1.0/users/a@contoso.it/contacts", 404, "MailboxNotEnabledForRESTAPI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			token := tok
			if tt.token == "-" {
				token = ""
			}
			status, _, body := f.contactsGet(token, tt.path)
			if status != tt.status || graphErrCode(body) != tt.code {
				t.Errorf("%d %v, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
}

func TestGraphContactsFaults(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{RetryAfter: 3 * time.Second})
	f.g.SetCalendar("a@contoso.it", nil)
	tok := f.accessToken()
	f.g.SetThrottleEvery(1)
	status, h, body := f.contactsGet(tok, "/v1.0/users/a@contoso.it/contacts")
	if status != 429 || h.Get("Retry-After") != "3" || graphErrCode(body) != "ApplicationThrottled" {
		t.Errorf("throttled: %d %q %v", status, h.Get("Retry-After"), body)
	}
	f.g.SetThrottleEvery(0)
	f.g.FailNext(1, http.StatusServiceUnavailable)
	if status, h, _ := f.contactsGet(tok, "/v1.0/users/a@contoso.it/contacts"); status != 503 || h.Get("Retry-After") != "3" {
		t.Errorf("FailNext: %d %q", status, h.Get("Retry-After"))
	}
	if st := f.g.Stats(); st.Throttled != 1 || st.Failed != 1 || st.ContactsRequests != 2 || st.MaxInFlight != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGraphContactsSeedAPI(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	c, err := f.g.AddContact("b@contoso.it", GraphContact{ID: "x1", DisplayName: "Uno", HomePhones: []string{"06 1"}})
	if err != nil || c.ID != "x1" {
		t.Fatal(c, err)
	}
	if _, err := f.g.AddContact("b@contoso.it", GraphContact{ID: "x1"}); err == nil {
		t.Error("a repeated id was added")
	}
	if _, err := f.g.SetContacts("b@contoso.it", []GraphContact{{ID: "d"}, {ID: "d"}}); err == nil {
		t.Error("SetContacts took a repeated id")
	}
	c.DisplayName = "Uno bis"
	if err := f.g.UpdateContact("b@contoso.it", c); err != nil {
		t.Fatal(err)
	}
	got := f.g.Contacts("B@contoso.it")
	got[0].HomePhones[0] = "changed by the caller"
	if again := f.g.Contacts("b@contoso.it"); len(again) != 1 || again[0].DisplayName != "Uno bis" || again[0].HomePhones[0] != "06 1" {
		t.Errorf("contacts = %+v", again)
	}
	if err := f.g.RemoveContact("b@contoso.it", "x1"); err != nil || len(f.g.Contacts("b@contoso.it")) != 0 {
		t.Errorf("remove: %v", err)
	}
	if err := f.g.RemoveContact("b@contoso.it", "x1"); err == nil {
		t.Error("removed a missing contact")
	}
	// The mailbox exists for getSchedule too, with an empty calendar.
	if f.g.Contacts("nobody@contoso.it") != nil {
		t.Error("unknown mailbox has contacts")
	}
}
