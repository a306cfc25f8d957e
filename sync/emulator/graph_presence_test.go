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

// post sends body to path with the token and returns status, headers and body.
func (f *graphFixture) post(token, path, body string) (int, http.Header, []byte) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func presenceIDs(ids ...string) string {
	b, _ := json.Marshal(map[string][]string{"ids": ids})
	return string(b)
}

func TestGetPresencesByUserIDLimitsAndShapes(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	if err := f.g.SetTeamsPresence("anna@contoso.com", "busy", "inacall"); err != nil {
		t.Fatal(err)
	}
	if err := f.g.SetTeamsPresence("anna@contoso.com", "Busy", "Sailing"); err == nil {
		t.Error("an activity Graph does not know was accepted")
	}
	anna := f.g.UserObjectID("anna@contoso.com")
	unknown := "00000000-0000-0000-0000-000000000001"
	const path = "/v1.0/communications/getPresencesByUserId"

	status, _, body := f.post(tok, path, presenceIDs(anna, unknown))
	var ok struct {
		Value []struct{ ID, Availability, Activity string } `json:"value"`
	}
	if status != 200 || json.Unmarshal(body, &ok) != nil || len(ok.Value) != 2 ||
		ok.Value[0].ID != anna || ok.Value[0].Availability != "Busy" || ok.Value[0].Activity != "InACall" ||
		ok.Value[1].Activity != "PresenceUnknown" {
		t.Fatalf("presence answer %d %s", status, body)
	}

	many := make([]string, 651)
	for i := range many {
		many[i] = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
	}
	tests := []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"651 ids", tok, presenceIDs(many...), 400, "BadRequest"},
		{"not an object id", tok, presenceIDs("anna@contoso.com"), 400, "BadRequest"},
		{"no ids field", tok, `{"users":[]}`, 400, "BadRequest"},
		{"no token", "", presenceIDs(anna), 401, "InvalidAuthenticationToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := f.post(tt.token, path, tt.body)
			if code, _ := graphErrorOf(t, body); status != tt.status || code != tt.code {
				t.Errorf("got %d %s, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
	if status, _, _ := f.post(tok, path, presenceIDs(many[:650]...)); status != 200 {
		t.Errorf("650 ids: %d, want 200", status)
	}

	f.g.SetPresenceConsent(false)
	if status, _, body := f.post(tok, path, presenceIDs(anna)); status != 403 {
		t.Errorf("without Presence.Read.All: %d %s", status, body)
	}
}

func TestGetPresencesThrottlesPerApp(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	f.g.SetTeamsPresence("anna@contoso.com", "Available", "Available")
	anna := f.g.UserObjectID("anna@contoso.com")
	const path = "/v1.0/communications/getPresencesByUserId"
	for i := range 1500 {
		if status, _, body := f.post(tok, path, presenceIDs(anna)); status != 200 {
			t.Fatalf("request %d: %d %s", i+1, status, body)
		}
		if i%100 == 99 {
			f.clock.Advance(time.Second) // 1500 requests over 15 s
		}
	}
	status, h, _ := f.post(tok, path, presenceIDs(anna))
	if status != 429 || h.Get("Retry-After") != "15" {
		t.Fatalf("request 1501 in 30 s: %d, Retry-After %q; want 429 after 15", status, h.Get("Retry-After"))
	}
	f.clock.Advance(15 * time.Second)
	if status, _, _ := f.post(tok, path, presenceIDs(anna)); status != 200 {
		t.Errorf("after the window moved on: %d", status)
	}
}

func TestBatchUserLookups(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	f.g.SetCalendar("anna@contoso.com", nil)
	batch := func(n int, url string) string {
		var reqs []map[string]string
		for i := range n {
			reqs = append(reqs, map[string]string{"id": fmt.Sprint(i + 1), "method": "GET", "url": url})
		}
		b, _ := json.Marshal(map[string]any{"requests": reqs})
		return string(b)
	}
	status, _, body := f.post(tok, "/v1.0/$batch", `{"requests":[
		{"id":"1","method":"GET","url":"/users/anna@contoso.com?$select=id"},
		{"id":"2","method":"GET","url":"/users/ghost@contoso.com?$select=id"}]}`)
	var resp struct {
		Responses []struct {
			ID     string          `json:"id"`
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if status != 200 || json.Unmarshal(body, &resp) != nil || len(resp.Responses) != 2 {
		t.Fatalf("batch: %d %s", status, body)
	}
	if r := resp.Responses[0]; r.Status != 200 || !strings.Contains(string(r.Body), f.g.UserObjectID("anna@contoso.com")) {
		t.Errorf("known user: %+v", r)
	}
	if r := resp.Responses[1]; r.Status != 404 || !strings.Contains(string(r.Body), "Request_ResourceNotFound") {
		t.Errorf("unknown user: %d %s", r.Status, r.Body)
	}
	if status, _, _ := f.post(tok, "/v1.0/$batch", batch(21, "/users/anna@contoso.com")); status != 400 {
		t.Errorf("21 requests in a batch: %d, want 400", status)
	}
	f.g.SetUserReadConsent(false)
	_, _, body = f.post(tok, "/v1.0/$batch", batch(1, "/users/anna@contoso.com"))
	if !strings.Contains(string(body), `"status":403`) || !strings.Contains(string(body), "Authorization_RequestDenied") {
		t.Errorf("without User.Read.All: %s", body)
	}
}
