package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
)

var graphT0 = time.Date(2025, 6, 2, 6, 0, 0, 0, time.UTC)

type graphFixture struct {
	t     *testing.T
	g     *Graph
	url   string
	clock *clock.Fake
}

func graphNewFixture(t *testing.T, opts GraphOptions) *graphFixture {
	t.Helper()
	fc := clock.NewFake(graphT0)
	opts.Clock = fc
	g := NewGraph(opts)
	u, stop := g.Start()
	t.Cleanup(stop)
	return &graphFixture{t: t, g: g, url: u, clock: fc}
}

// token posts a client-credentials form and returns status and body.
func (f *graphFixture) token(tenant string, form url.Values) (int, map[string]any) {
	f.t.Helper()
	resp, err := http.PostForm(f.url+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, body
}

func graphGoodForm() url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {GraphDefaultClientID},
		"client_secret": {GraphDefaultClientSecret},
		"scope":         {"https://graph.microsoft.com/.default"},
	}
}

func (f *graphFixture) accessToken() string {
	f.t.Helper()
	status, body := f.token(GraphDefaultTenantID, graphGoodForm())
	if status != 200 {
		f.t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

// schedule posts a getSchedule body and returns status, headers and body.
func (f *graphFixture) schedule(token, user, body string, header map[string]string) (int, http.Header, []byte) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url+"/v1.0/users/"+user+"/calendar/getSchedule", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func graphBody(start, end string, schedules ...string) string {
	s, _ := json.Marshal(schedules)
	return fmt.Sprintf(`{"schedules":%s,"startTime":{"dateTime":%q,"timeZone":"UTC"},"endTime":{"dateTime":%q,"timeZone":"UTC"},"availabilityViewInterval":60}`,
		s, start, end)
}

func graphErrorOf(t *testing.T, b []byte) (code, message string) {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("not a Graph error body: %s", b)
	}
	return e.Error.Code, e.Error.Message
}

func TestGraphTokenSuccess(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	status, body := f.token(GraphDefaultTenantID, graphGoodForm())
	if status != 200 || body["token_type"] != "Bearer" || body["expires_in"] != float64(3599) || body["access_token"] == "" {
		t.Errorf("token response %d %v", status, body)
	}
	if st := f.g.Stats(); st.TokenRequests != 1 || st.TokensIssued != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGraphTokenErrors(t *testing.T) {
	cases := []struct {
		name    string
		tenant  string
		mutate  func(url.Values)
		expired bool
		status  int
		oauth   string
		code    int
		text    string
	}{
		{"wrong secret", GraphDefaultTenantID, func(v url.Values) { v.Set("client_secret", "a-secret-id-guid") }, false,
			401, "invalid_client", 7000215, "Invalid client secret provided."},
		{"expired secret", GraphDefaultTenantID, nil, true, 401, "invalid_client", 7000222, "are expired"},
		{"unknown app", GraphDefaultTenantID, func(v url.Values) { v.Set("client_id", "nope") }, false,
			400, "unauthorized_client", 700016, "Application with identifier 'nope' was not found in the directory"},
		{"unknown tenant", "contoso.example", nil, false, 400, "invalid_request", 90002, "Tenant 'contoso.example' not found."},
		{"missing secret", GraphDefaultTenantID, func(v url.Values) { v.Del("client_secret") }, false,
			401, "invalid_client", 7000216, "'client_secret'"},
		{"scope without .default", GraphDefaultTenantID, func(v url.Values) { v.Set("scope", "Calendars.Read") }, false,
			400, "invalid_scope", 1002012, "/.default"},
		{"wrong grant", GraphDefaultTenantID, func(v url.Values) { v.Set("grant_type", "password") }, false,
			400, "unsupported_grant_type", 70003, "unsupported grant type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := graphNewFixture(t, GraphOptions{})
			f.g.SetSecretExpired(tc.expired)
			form := graphGoodForm()
			if tc.mutate != nil {
				tc.mutate(form)
			}
			status, body := f.token(tc.tenant, form)
			if status != tc.status || body["error"] != tc.oauth {
				t.Errorf("got %d %v, want %d %s", status, body["error"], tc.status, tc.oauth)
			}
			desc, _ := body["error_description"].(string)
			prefix := fmt.Sprintf("AADSTS%d: ", tc.code)
			if !strings.HasPrefix(desc, prefix) || !strings.Contains(desc, tc.text) {
				t.Errorf("description %q lacks %q / %q", desc, prefix, tc.text)
			}
			for _, part := range []string{"\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: 2025-06-02 06:00:00Z"} {
				if !strings.Contains(desc, part) {
					t.Errorf("description lacks %q: %q", part, desc)
				}
			}
			if codes, _ := body["error_codes"].([]any); len(codes) != 1 || codes[0] != float64(tc.code) {
				t.Errorf("error_codes = %v", body["error_codes"])
			}
			for _, k := range []string{"timestamp", "trace_id", "correlation_id", "error_uri"} {
				if s, _ := body[k].(string); s == "" {
					t.Errorf("%s missing", k)
				}
			}
			if strings.Contains(fmt.Sprint(body), GraphDefaultClientSecret) {
				t.Error("the secret is echoed")
			}
			if f.g.Stats().TokensIssued != 0 {
				t.Error("a token was issued")
			}
		})
	}
}

func TestGraphBearerCheck(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{TokenLifetime: 10 * time.Minute})
	body := graphBody("2025-06-02T06:00:00.0000000", "2025-06-02T14:00:00.0000000", GraphDefaultSyncUser)
	tok := f.accessToken()
	for _, tc := range []struct {
		name, token, message string
		advance              time.Duration
	}{
		{"missing", "", "Access token is empty.", 0},
		{"unknown", "not-a-token", "Access token validation failure. Invalid audience.", 0},
		{"valid", tok, "", 0},
		{"expired", tok, "Lifetime validation failed, the token is expired.", 10 * time.Minute},
	} {
		f.clock.Advance(tc.advance)
		status, h, b := f.schedule(tc.token, GraphDefaultSyncUser, body, nil)
		if tc.message == "" {
			if status != 200 {
				t.Errorf("%s: %d %s", tc.name, status, b)
			}
			continue
		}
		code, msg := graphErrorOf(t, b)
		if status != 401 || code != "InvalidAuthenticationToken" || msg != tc.message || h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s %q", tc.name, status, code, msg)
		}
	}
}

func TestGraphGetScheduleRendersCalendars(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	f.g.SetCalendar("anna@contoso.com", []calendar.Event{
		{Start: graphT0.Add(2 * time.Hour), End: graphT0.Add(3 * time.Hour), Status: calendar.Tentative, Subject: "Second", Location: "B"},
		{Start: graphT0.Add(time.Hour), End: graphT0.Add(90 * time.Minute), Status: calendar.Busy, Subject: "First", Location: "A"},
		{Start: graphT0.Add(4 * time.Hour), End: graphT0.Add(5 * time.Hour), Status: calendar.OOF, Subject: "Private", Location: "P", Private: true},
		{Start: graphT0.Add(30 * time.Hour), End: graphT0.Add(31 * time.Hour), Status: calendar.Busy, Subject: "Later"},
	})
	f.g.SetCalendar("bruno@contoso.com", []calendar.Event{
		{Start: graphT0, End: graphT0.Add(time.Hour), Status: calendar.WorkingElsewhere, Subject: "Hidden", Location: "Hidden"},
	})
	f.g.SetShared("bruno@contoso.com", false)

	body := graphBody("2025-06-02T06:00:00.0000000", "2025-06-02T14:00:00.0000000",
		"anna@contoso.com", "bruno@contoso.com", "ghost@contoso.com")
	status, _, b := f.schedule(tok, GraphDefaultSyncUser, body, nil)
	if status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	var resp graphScheduleResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Value) != 3 || resp.Value[0].ScheduleID != "anna@contoso.com" {
		t.Fatalf("value = %+v", resp.Value)
	}
	anna := resp.Value[0]
	if len(anna.ScheduleItems) != 3 {
		t.Fatalf("anna items = %+v", anna.ScheduleItems)
	}
	first := anna.ScheduleItems[0]
	if first.Subject != "First" || first.Location != "A" || first.Status != "busy" ||
		first.Start != (graphDateTimeZone{DateTime: "2025-06-02T07:00:00.0000000", TimeZone: "UTC"}) {
		t.Errorf("first item = %+v", first)
	}
	if p := anna.ScheduleItems[2]; !p.IsPrivate || p.Subject != "" || p.Location != "" || p.Status != "oof" {
		t.Errorf("private item = %+v", p)
	}
	if anna.AvailabilityView == nil || *anna.AvailabilityView != "02103000" {
		t.Errorf("availabilityView = %v", anna.AvailabilityView)
	}
	if !strings.Contains(string(b), `"2025-06-02T07:00:00.0000000"`) {
		t.Error("dateTime is not written with seven fractional digits")
	}
	if bi := resp.Value[1].ScheduleItems; len(bi) != 1 || bi[0].Subject != "" || bi[0].Location != "" || bi[0].Status != "workingElsewhere" {
		t.Errorf("unshared mailbox items = %+v", bi)
	}
	ghost := resp.Value[2]
	if ghost.Error == nil || ghost.Error.ResponseCode != "5009" || ghost.ScheduleItems != nil ||
		ghost.Error.Message != "Unable to resolve e-mail address ghost@contoso.com to an Active Directory object." {
		t.Errorf("unknown mailbox = %+v", ghost)
	}

	// The calendar is data a test edits while the server runs.
	f.g.SetCalendar("anna@contoso.com", nil)
	f.g.AddEvent("anna@contoso.com", calendar.Event{Start: graphT0, End: graphT0.Add(time.Hour), Status: calendar.Free})
	_, _, b = f.schedule(tok, GraphDefaultSyncUser, body, map[string]string{"Prefer": `outlook.timezone="W. Europe Standard Time"`})
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	if items := resp.Value[0].ScheduleItems; len(items) != 1 ||
		items[0].Start != (graphDateTimeZone{DateTime: "2025-06-02T08:00:00.0000000", TimeZone: "W. Europe Standard Time"}) {
		t.Errorf("after edit with Prefer zone: %+v", items)
	}
}

func TestGraphGetScheduleRefusals(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("u%d@contoso.com", i)
	}
	cases := []struct {
		name   string
		user   string
		body   string
		setup  func()
		status int
		code   string
		text   string
	}{
		{"21 schedules", GraphDefaultSyncUser, graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", many...), nil,
			400, "ErrorInvalidParameter", "maximum of 20"},
		{"63 days", GraphDefaultSyncUser, graphBody("2025-06-01T00:00:00", "2025-08-03T00:00:01", "a@contoso.com"), nil,
			400, "ErrorInvalidParameter", "62 days"},
		{"end before start", GraphDefaultSyncUser, graphBody("2025-06-02T07:00:00", "2025-06-02T06:00:00", "a@contoso.com"), nil,
			400, "ErrorInvalidParameter", "after the start"},
		{"no schedules", GraphDefaultSyncUser, graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00"), nil,
			400, "ErrorInvalidParameter", "at least one"},
		{"bad JSON", GraphDefaultSyncUser, `{"schedules":`, nil, 400, "RequestBodyRead", "Invalid JSON"},
		{"unknown sync user", "ghost@contoso.com", graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", "a@contoso.com"), nil,
			404, "ErrorInvalidUser", "The requested user 'ghost@contoso.com' is invalid."},
		{"no consent", GraphDefaultSyncUser, graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", "a@contoso.com"),
			func() { f.g.SetConsent(false) }, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."},
	}
	for _, tc := range cases {
		if tc.setup != nil {
			tc.setup()
		}
		status, _, b := f.schedule(tok, tc.user, tc.body, nil)
		code, msg := graphErrorOf(t, b)
		if status != tc.status || code != tc.code || !strings.Contains(msg, tc.text) {
			t.Errorf("%s: %d %s %q", tc.name, status, code, msg)
		}
	}
	if st := f.g.Stats(); st.SchedulesRequested != 0 {
		t.Errorf("refused calls were counted as served: %+v", st)
	}
}

func TestGraphFaults(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{RetryAfter: 3 * time.Second})
	tok := f.accessToken()
	body := graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", GraphDefaultSyncUser)

	f.g.FailNext(2, 503)
	for range 2 {
		status, h, b := f.schedule(tok, GraphDefaultSyncUser, body, nil)
		if code, _ := graphErrorOf(t, b); status != 503 || h.Get("Retry-After") != "3" || code != "ServiceUnavailable" {
			t.Errorf("503 burst: %d %q %s", status, h.Get("Retry-After"), b)
		}
	}
	f.g.FailNext(1, 500)
	if status, _, b := f.schedule(tok, GraphDefaultSyncUser, body, nil); status != 500 {
		t.Errorf("500: %d %s", status, b)
	}
	if status, _, _ := f.schedule(tok, GraphDefaultSyncUser, body, nil); status != 200 {
		t.Errorf("after the burst: %d", status)
	}

	f.g.FailNext(1, 0)
	req, _ := http.NewRequest(http.MethodPost, f.url+"/v1.0/users/"+GraphDefaultSyncUser+"/calendar/getSchedule", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("dropped connection answered %d", resp.StatusCode)
	}

	f.g.SetThrottleEvery(3)
	var statuses []int
	for range 6 {
		status, h, b := f.schedule(tok, GraphDefaultSyncUser, body, nil)
		statuses = append(statuses, status)
		if status == 429 {
			code, msg := graphErrorOf(t, b)
			if h.Get("Retry-After") != "3" || code != "ApplicationThrottled" || msg != "Application is over its MailboxConcurrency limit." {
				t.Errorf("429: %q %s %q", h.Get("Retry-After"), code, msg)
			}
		}
	}
	if fmt.Sprint(statuses) != "[200 200 429 200 200 429]" {
		t.Errorf("throttle every 3rd: %v", statuses)
	}
	if st := f.g.Stats(); st.Throttled != 2 || st.Failed != 4 || st.ScheduleRequests != 11 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGraphConcurrencyLimitAndLatency(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{Latency: 200 * time.Millisecond})
	tok := f.accessToken()
	body := graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", GraphDefaultSyncUser)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _ := f.schedule(tok, GraphDefaultSyncUser, body, nil)
			mu.Lock()
			counts[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	st := f.g.Stats()
	// Six calls at once: the in-flight count must reach 5 or 6 while the
	// first are sleeping; everything above 4 is refused with 429.
	if counts[200]+counts[429] != 6 || counts[429] != int(st.Throttled) || st.MaxInFlight < 1 {
		t.Errorf("statuses %v, stats %+v", counts, st)
	}
	if st.MaxInFlight > 4 && counts[429] == 0 {
		t.Errorf("%d in flight but nothing was throttled", st.MaxInFlight)
	}
	f.g.ResetStats()
	if st := f.g.Stats(); st != (GraphStats{}) {
		t.Errorf("after reset: %+v", st)
	}
}

func TestGraphRoutes(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	resp, err := http.Get(f.url + "/v1.0/me/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown route: %d", resp.StatusCode)
	}
	// Graph paths are case-insensitive.
	tok := f.accessToken()
	req, _ := http.NewRequest(http.MethodPost, f.url+"/v1.0/Users/"+GraphDefaultSyncUser+"/Calendar/GetSchedule",
		strings.NewReader(graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", "a@contoso.com")))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	if resp2.StatusCode != 200 {
		t.Errorf("mixed-case path: %d", resp2.StatusCode)
	}
}
