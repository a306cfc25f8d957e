package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

const ocTestToken = "emu-token"

var ocT0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

type ocFixture struct {
	oc   *OneCloud
	srv  *httptest.Server
	clk  *clock.Fake
	base string
}

func ocNewFixture(t *testing.T, opts OneCloudOptions) *ocFixture {
	t.Helper()
	clk := clock.NewFake(ocT0)
	opts.Clock = clk
	if opts.Token == "" {
		opts.Token = ocTestToken
	}
	oc := NewOneCloud(opts)
	if err := oc.AddUser(OneCloudUser{ID: "1001", Username: "mario.rossi", Name: "Mario Rossi", Email: "mario.rossi@contoso.it"},
		OneCloudUser{ID: "1002", Username: "anna.bianchi", Name: "Anna Bianchi", Email: "anna.bianchi@contoso.it"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(oc)
	t.Cleanup(srv.Close)
	return &ocFixture{oc: oc, srv: srv, clk: clk, base: srv.URL + oc.basePath}
}

type ocResp struct {
	status int
	header http.Header
	body   string
}

// do sends one request with the test token unless headers override it.
func (f *ocFixture) do(t *testing.T, method, path, body string, headers ...string) ocResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ocTestToken)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return ocResp{resp.StatusCode, resp.Header, string(b)}
}

func (r ocResp) errorCode(t *testing.T) string {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal([]byte(r.body), &b); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if b.Error.Message == "" {
		t.Errorf("error body without message: %s", r.body)
	}
	return b.Error.Code
}

func TestOneCloudListBodies(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	f.oc.SetGroups(OneCloudGroup{ID: "sales", Name: "Sales", Members: []string{"1001", "1002"}}, OneCloudGroup{ID: "none", Name: "None"})
	tests := []struct{ path, want string }{
		{"/v1/activities", `{"activities":[` +
			`{"id":"available","name":"Available","available":true},` +
			`{"id":"meeting","name":"Meeting","available":false},` +
			`{"id":"lunch","name":"Lunch","available":false},` +
			`{"id":"away","name":"Away","available":false},` +
			`{"id":"vacation","name":"Vacation","available":false},` +
			`{"id":"busy","name":"Busy","available":false},` +
			`{"id":"business-trip","name":"Business trip","available":false},` +
			`{"id":"sick","name":"Sick","available":false},` +
			`{"id":"gone-home","name":"Gone home","available":false}]}`},
		{"/v1/roles", `{"roles":[{"id":"office","name":"Office"},{"id":"mobile","name":"Mobile"},{"id":"remote","name":"Remote"}]}`},
		{"/v1/groups", `{"groups":[{"id":"sales","name":"Sales","members":["1001","1002"]},{"id":"none","name":"None","members":[]}]}`},
		{"/v1/users", `{"nextPage":null,"users":[` +
			`{"id":"1001","username":"mario.rossi","name":"Mario Rossi","email":"mario.rossi@contoso.it"},` +
			`{"id":"1002","username":"anna.bianchi","name":"Anna Bianchi","email":"anna.bianchi@contoso.it"}]}`},
		{"/v1/users/1001/presence", `{"activity":"available","role":"office","note":"","until":null}`},
	}
	for _, tt := range tests {
		r := f.do(t, "GET", tt.path, "")
		if r.status != 200 || strings.TrimSpace(r.body) != tt.want {
			t.Errorf("GET %s = %d %s\nwant %s", tt.path, r.status, r.body, tt.want)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s Content-Type = %q", tt.path, ct)
		}
	}
}

func TestOneCloudPagination(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{PageSize: 2})
	if err := f.oc.AddUser(OneCloudUser{ID: "1003"}, OneCloudUser{ID: "1004"}, OneCloudUser{ID: "1005"}); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Users []struct {
			ID string `json:"id"`
		} `json:"users"`
		NextPage *int `json:"nextPage"`
	}
	tests := []struct {
		query   string
		wantIDs string
		next    int // 0: null
	}{
		{"", "1001,1002", 2},
		{"?page=1", "1001,1002", 2},
		{"?page=2", "1003,1004", 3},
		{"?page=3", "1005", 0},
		{"?page=4", "", 0},
		{"?page=9223372036854775807", "", 0},
	}
	for _, tt := range tests {
		r := f.do(t, "GET", "/v1/users"+tt.query, "")
		var p page
		if err := json.Unmarshal([]byte(r.body), &p); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %s", tt.query, r.status, r.body)
		}
		var ids []string
		for _, u := range p.Users {
			ids = append(ids, u.ID)
		}
		next := 0
		if p.NextPage != nil {
			next = *p.NextPage
		}
		if strings.Join(ids, ",") != tt.wantIDs || next != tt.next || p.Users == nil {
			t.Errorf("%s: ids %v next %d, want %s next %d", tt.query, ids, next, tt.wantIDs, tt.next)
		}
	}
	for _, q := range []string{"?page=0", "?page=-1", "?page=abc"} {
		if r := f.do(t, "GET", "/v1/users"+q, ""); r.status != 400 || r.errorCode(t) != "bad_request" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

var ocStrongETag = regexp.MustCompile(`^"[^"]+"$`)

func TestOneCloudPutAndETags(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	g := f.do(t, "GET", "/v1/users/1001/presence", "")
	tag1 := g.header.Get("ETag")
	if !ocStrongETag.MatchString(tag1) {
		t.Fatalf("ETag %q is not a strong quoted tag", tag1)
	}
	if f.do(t, "GET", "/v1/users/1002/presence", "").header.Get("ETag") == tag1 {
		t.Error("two users share an ETag")
	}

	body := `{"activity":"meeting","role":"mobile","note":"Calendar: busy until 14:30","until":"2026-11-25T13:30:00Z"}`
	f.clk.Advance(90 * time.Second)
	p := f.do(t, "PUT", "/v1/users/1001/presence", body, "If-Match", tag1)
	if p.status != 200 || strings.TrimSpace(p.body) != body {
		t.Fatalf("PUT = %d %s", p.status, p.body)
	}
	tag2 := p.header.Get("ETag")
	if tag2 == tag1 || !ocStrongETag.MatchString(tag2) {
		t.Errorf("ETag after PUT %q (before %q)", tag2, tag1)
	}

	// The same value again still gets a new ETag: it changes on every write.
	p2 := f.do(t, "PUT", "/v1/users/1001/presence", body, "If-Match", tag2)
	tag3 := p2.header.Get("ETag")
	if p2.status != 200 || tag3 == tag2 {
		t.Errorf("second PUT %d, ETag %q (before %q)", p2.status, tag3, tag2)
	}
	if g := f.do(t, "GET", "/v1/users/1001/presence", ""); g.header.Get("ETag") != tag3 || strings.TrimSpace(g.body) != body {
		t.Errorf("GET after PUT = %s %s", g.header.Get("ETag"), g.body)
	}

	w := f.oc.Writes()
	want := OneCloudPresence{Activity: "meeting", Role: "mobile", Note: "Calendar: busy until 14:30", Until: time.Date(2026, 11, 25, 13, 30, 0, 0, time.UTC)}
	if len(w) != 2 || w[0].UserID != "1001" || w[0].Presence != want || !w[0].At.Equal(ocT0.Add(90*time.Second)) || w[0].ETag != tag2 || w[1].ETag != tag3 {
		t.Errorf("write log = %+v", w)
	}

	// If-Match lists and "*" follow RFC 9110; weak tags never match.
	avail := `{"activity":"available","role":"office","note":"","until":null}`
	if r := f.do(t, "PUT", "/v1/users/1001/presence", avail, "If-Match", `"nope", `+tag3); r.status != 200 {
		t.Errorf("If-Match list: %d %s", r.status, r.body)
	}
	if r := f.do(t, "PUT", "/v1/users/1001/presence", avail, "If-Match", "W/"+f.oc.ETag("1001")); r.status != 412 {
		t.Errorf("weak If-Match: %d", r.status)
	}
	if r := f.do(t, "PUT", "/v1/users/1001/presence", avail, "If-Match", "*"); r.status != 200 {
		t.Errorf("If-Match *: %d", r.status)
	}
}

func TestOneCloudPutErrors(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	good := `{"activity":"meeting","role":"office","note":"","until":null}`
	tests := []struct {
		name, user, body, ifMatch string
		status                    int
		code                      string
	}{
		{"unknown user", "9999", good, `"x"`, 404, "not_found"},
		{"no If-Match", "1001", good, "", 428, "precondition_required"},
		{"stale If-Match", "1001", good, `"old"`, 412, "precondition_failed"},
		{"stale beats bad body", "1001", `{`, `"old"`, 412, "precondition_failed"},
		{"bad JSON", "1001", `{"activity":`, "current", 400, "bad_request"},
		{"unknown field", "1001", `{"activity":"meeting","colour":"red"}`, "current", 400, "bad_request"},
		{"trailing data", "1001", good + `{}`, "current", 400, "bad_request"},
		{"no activity", "1001", `{"role":"office"}`, "current", 400, "bad_request"},
		{"until not a time", "1001", `{"activity":"meeting","until":"14:30"}`, "current", 400, "invalid_until"},
		{"until not UTC", "1001", `{"activity":"meeting","until":"2026-11-25T14:30:00+01:00"}`, "current", 400, "invalid_until"},
		{"until a number", "1001", `{"activity":"meeting","until":1}`, "current", 400, "invalid_until"},
		{"unknown activity", "1001", `{"activity":"napping"}`, "current", 422, "unknown_activity"},
		{"unknown role", "1001", `{"activity":"meeting","role":"ceo"}`, "current", 422, "unknown_role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := f.oc.Presence("1001")
			tag := tt.ifMatch
			if tag == "current" {
				tag = f.oc.ETag("1001")
			}
			r := f.do(t, "PUT", "/v1/users/"+tt.user+"/presence", tt.body, "If-Match", tag)
			if r.status != tt.status || r.errorCode(t) != tt.code {
				t.Errorf("= %d %s, want %d %s", r.status, r.body, tt.status, tt.code)
			}
			if after, _ := f.oc.Presence("1001"); after != before {
				t.Errorf("presence changed by a failed PUT: %+v", after)
			}
		})
	}
	if len(f.oc.Writes()) != 0 {
		t.Errorf("failed PUTs logged: %+v", f.oc.Writes())
	}
}

func TestOneCloudAuthAndRouting(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{ReadOnlyToken: "reader"})
	tests := []struct {
		name, method, path string
		headers            []string
		status             int
		code               string
	}{
		{"no token", "GET", "/v1/roles", []string{"Authorization", ""}, 401, "unauthorized"},
		{"wrong token", "GET", "/v1/roles", []string{"Authorization", "Bearer nope"}, 401, "unauthorized"},
		{"basic auth", "GET", "/v1/roles", []string{"Authorization", "Basic " + ocTestToken}, 401, "unauthorized"},
		{"read-only token reads", "GET", "/v1/roles", []string{"Authorization", "Bearer reader"}, 200, ""},
		{"read-only token writes", "PUT", "/v1/users/1001/presence", []string{"Authorization", "Bearer reader", "If-Match", "*"}, 403, "forbidden"},
		{"unknown path", "GET", "/v1/phones", nil, 404, "not_found"},
		{"outside v1", "GET", "/roles", nil, 404, "not_found"},
		{"wrong method on list", "POST", "/v1/roles", nil, 405, "method_not_allowed"},
		{"wrong method on presence", "DELETE", "/v1/users/1001/presence", nil, 405, "method_not_allowed"},
		{"empty user id", "GET", "/v1/users//presence", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "PUT" {
				body = `{"activity":"meeting"}`
			}
			r := f.do(t, tt.method, tt.path, body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("= %d %s, want %d", r.status, r.body, tt.status)
			}
			if tt.code != "" && r.errorCode(t) != tt.code {
				t.Errorf("code = %s, want %s", r.body, tt.code)
			}
			if tt.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
		})
	}
}

func TestOneCloudAnyTokenWhenUnset(t *testing.T) {
	oc := NewOneCloud(OneCloudOptions{})
	srv := httptest.NewServer(oc)
	defer srv.Close()
	for auth, want := range map[string]int{"Bearer anything": 200, "": 401, "Bearer ": 401} {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/roles", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%q: %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

func TestOneCloudBasePath(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{BasePath: "/api/"})
	if r := f.do(t, "GET", "/v1/roles", ""); r.status != 200 {
		t.Errorf("under /api: %d", r.status)
	}
	if r, err := f.srv.Client().Get(f.srv.URL + "/v1/roles"); err != nil || r.StatusCode != 404 {
		t.Errorf("without base path: %v %v", r.StatusCode, err)
	}

	// Mounted by the caller instead of BasePath.
	oc := NewOneCloud(OneCloudOptions{Token: ocTestToken})
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", oc))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/activities", nil)
	req.Header.Set("Authorization", "Bearer "+ocTestToken)
	resp, err := srv.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("StripPrefix mount: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestOneCloudByHandAndRace(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	tag := f.oc.ETag("1001")
	if err := f.oc.SetPresenceByHand("1001", OneCloudPresence{Activity: "lunch", Role: "mobile", Note: "back at 2"}); err != nil {
		t.Fatal(err)
	}
	if f.oc.ETag("1001") == tag {
		t.Error("by-hand change kept the ETag")
	}
	if p, _ := f.oc.Presence("1001"); p.Activity != "lunch" || p.Role != "mobile" {
		t.Errorf("presence = %+v", p)
	}
	if len(f.oc.Writes()) != 0 {
		t.Error("by-hand change in the API write log")
	}
	for _, bad := range []struct {
		user string
		p    OneCloudPresence
	}{{"9999", OneCloudPresence{Activity: "lunch"}}, {"1001", OneCloudPresence{Activity: "nap"}}, {"1001", OneCloudPresence{Activity: "lunch", Role: "ceo"}}} {
		if err := f.oc.SetPresenceByHand(bad.user, bad.p); err == nil {
			t.Errorf("SetPresenceByHand(%s, %+v) accepted", bad.user, bad.p)
		}
	}

	// Race: the PUT carries the ETag that was current, but a person wins.
	f.oc.Race412Next("1001")
	cur := f.oc.ETag("1001")
	r := f.do(t, "PUT", "/v1/users/1001/presence", `{"activity":"meeting","role":"office"}`, "If-Match", cur)
	if r.status != 412 || r.errorCode(t) != "precondition_failed" {
		t.Fatalf("raced PUT = %d %s", r.status, r.body)
	}
	p, _ := f.oc.Presence("1001")
	if p.Activity != "busy" || p.Role != "mobile" || p.Note != "changed by hand" || f.oc.ETag("1001") == cur {
		t.Errorf("after race: %+v %s", p, f.oc.ETag("1001"))
	}
	// Only the next PUT races; a busy user is changed to away.
	if err := f.oc.SetPresenceByHand("1002", OneCloudPresence{Activity: "busy"}); err != nil {
		t.Fatal(err)
	}
	f.oc.Race412Next("1002")
	if r := f.do(t, "PUT", "/v1/users/1002/presence", `{"activity":"meeting"}`, "If-Match", f.oc.ETag("1002")); r.status != 412 {
		t.Errorf("second user race: %d", r.status)
	}
	if p, _ := f.oc.Presence("1002"); p.Activity != "away" {
		t.Errorf("busy user raced to %q, want away", p.Activity)
	}
	if r := f.do(t, "PUT", "/v1/users/1001/presence", `{"activity":"meeting"}`, "If-Match", f.oc.ETag("1001")); r.status != 200 {
		t.Errorf("PUT after race = %d %s", r.status, r.body)
	}
}

func TestOneCloudFaults(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{RetryAfter: 1500 * time.Millisecond})

	f.oc.ThrottleEvery(3)
	var statuses []int
	for range 6 {
		r := f.do(t, "GET", "/v1/roles", "")
		statuses = append(statuses, r.status)
		if r.status == 429 {
			if r.header.Get("Retry-After") != "2" || r.errorCode(t) != "too_many_requests" {
				t.Errorf("429: Retry-After %q body %s", r.header.Get("Retry-After"), r.body)
			}
		}
	}
	if want := []int{200, 200, 429, 200, 200, 429}; !ocEqualInts(statuses, want) {
		t.Errorf("throttled statuses = %v, want %v", statuses, want)
	}
	f.oc.ThrottleEvery(0)

	f.oc.FailNext(2, 502)
	var got []int
	for range 3 {
		got = append(got, f.do(t, "GET", "/v1/users/1001/presence", "").status)
	}
	if !ocEqualInts(got, []int{502, 502, 200}) {
		t.Errorf("FailNext statuses = %v", got)
	}

	f.oc.Down(true)
	r := f.do(t, "PUT", "/v1/users/1001/presence", `{"activity":"meeting"}`, "If-Match", f.oc.ETag("1001"))
	if r.status != 503 || r.errorCode(t) != "service_unavailable" || len(f.oc.Writes()) != 0 {
		t.Errorf("down PUT = %d %s", r.status, r.body)
	}
	f.oc.Down(false)
	if r := f.do(t, "GET", "/v1/roles", ""); r.status != 200 {
		t.Errorf("after down: %d", r.status)
	}
}

func TestOneCloudCounts(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	f.oc.FailNext(1, 500)
	f.do(t, "GET", "/v1/users/1001/presence", "") // 500, still counted
	f.do(t, "GET", "/v1/users/1002/presence", "")
	f.do(t, "GET", "/v1/activities", "")
	f.do(t, "PUT", "/v1/users/1001/presence", `{"activity":"meeting"}`, "If-Match", f.oc.ETag("1001"))
	f.do(t, "GET", "/v1/nothing", "")
	c := f.oc.Counts()
	want := map[string]int{OneCloudGetPresence: 2, OneCloudGetActivities: 1, OneCloudPutPresence: 1, "other": 1}
	if c.Reads != 4 || c.Writes != 1 || len(c.ByEndpoint) != len(want) {
		t.Errorf("counts = %+v", c)
	}
	for k, v := range want {
		if c.ByEndpoint[k] != v {
			t.Errorf("%s = %d, want %d", k, c.ByEndpoint[k], v)
		}
	}
	f.oc.ResetCounts()
	if c := f.oc.Counts(); c.Reads != 0 || len(c.ByEndpoint) != 0 || len(f.oc.Writes()) != 1 {
		t.Errorf("after reset: %+v, writes %d", c, len(f.oc.Writes()))
	}
}

func TestOneCloudLatencyOnClock(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	f.oc.Latency(3 * time.Second)
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", f.base+"/v1/roles", nil)
		req.Header.Set("Authorization", "Bearer "+ocTestToken)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	if !f.clk.WaitForTimers(1, 10*time.Second) {
		t.Fatal("request did not wait on the clock")
	}
	if next, _ := f.clk.Next(); next.Sub(f.clk.Now()) != 3*time.Second {
		t.Errorf("latency = %v", next.Sub(f.clk.Now()))
	}
	select {
	case s := <-done:
		t.Fatalf("answered (%d) before the latency passed", s)
	default:
	}
	f.clk.Advance(3 * time.Second)
	if s := <-done; s != 200 {
		t.Errorf("status = %d", s)
	}

	// A client that gives up frees the handler.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", f.base+"/v1/roles", nil)
		if resp, err := f.srv.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if !f.clk.WaitForTimers(1, 10*time.Second) {
		t.Fatal("second request did not wait")
	}
	cancel()
}

func TestOneCloudStart(t *testing.T) {
	oc := NewOneCloud(OneCloudOptions{Token: ocTestToken, BasePath: "api"})
	base, stop := oc.Start()
	if !strings.HasPrefix(base, "http://127.0.0.1:") && !strings.HasPrefix(base, "http://[::1]:") || !strings.HasSuffix(base, "/api") {
		t.Errorf("base URL = %q", base)
	}
	req, _ := http.NewRequest("GET", base+"/v1/activities", nil)
	req.Header.Set("Authorization", "Bearer "+ocTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status = %d", resp.StatusCode)
	}
	stop()
	stop() // idempotent
	if resp, err := http.DefaultClient.Do(req.Clone(context.Background())); err == nil {
		resp.Body.Close()
		t.Error("server still answers after stop")
	}
}

func TestOneCloudAddUserUpdates(t *testing.T) {
	oc := NewOneCloud(OneCloudOptions{})
	if len(oc.Activities()) != 9 || oc.Activities()[8].ID != "gone-home" || len(oc.Roles()) != 3 {
		t.Errorf("seed: %+v %+v", oc.Activities(), oc.Roles())
	}
	if err := oc.AddUser(OneCloudUser{ID: ""}); err == nil {
		t.Error("empty id accepted")
	}
	if err := oc.AddUser(OneCloudUser{ID: "1", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := oc.SetPresenceByHand("1", OneCloudPresence{Activity: "sick"}); err != nil {
		t.Fatal(err)
	}
	if err := oc.AddUser(OneCloudUser{ID: "1", Name: "B"}); err != nil {
		t.Fatal(err)
	}
	if p, ok := oc.Presence("1"); !ok || p.Activity != "sick" {
		t.Errorf("re-adding reset the presence: %+v", p)
	}
	if len(oc.users) != 1 || oc.users[0].Name != "B" {
		t.Errorf("users = %+v", oc.users)
	}
	if _, ok := oc.Presence("2"); ok || oc.ETag("2") != "" {
		t.Error("unknown user has a presence")
	}
}

func ocEqualInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOneCloudMethodOverride: a POST with X-HTTP-Method-Override is served
// as the method it names, as Setera's reference says; the header means
// nothing on another method, and a value other than PUT or DELETE is a 400
// whose validation result names the header.
func TestOneCloudMethodOverride(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	g := f.do(t, "GET", "/v1/users/1001/presence", "")
	put := `{"activity":"lunch","role":"office","note":"","until":null}`
	r := f.do(t, "POST", "/v1/users/1001/presence", put, "If-Match", g.header.Get("ETag"), "X-HTTP-Method-Override", "put",
		"Accept", "application/json", "Content-Type", "application/json")
	if r.status != 200 {
		t.Fatalf("POST as PUT = %d %s", r.status, r.body)
	}
	if p, _ := f.oc.Presence("1001"); p.Activity != "lunch" {
		t.Errorf("presence = %+v", p)
	}
	// Without the header a POST to the presence is still not allowed.
	if r := f.do(t, "POST", "/v1/users/1001/presence", put); r.status != 405 {
		t.Errorf("plain POST = %d", r.status)
	}
	// On a GET the header is ignored.
	if r := f.do(t, "GET", "/v1/roles", "", "X-HTTP-Method-Override", "DELETE"); r.status != 200 {
		t.Errorf("GET with the header = %d %s", r.status, r.body)
	}
	r = f.do(t, "POST", "/v1/users/1001/presence", put, "X-HTTP-Method-Override", "PATCH")
	if r.status != 400 || !strings.Contains(r.body, `"fields":[{"field":"X-HTTP-Method-Override","message":"\"PATCH\" is not a method a POST may stand for; expected PUT or DELETE"}]`) {
		t.Errorf("bad override = %d %s", r.status, r.body)
	}
	n := f.oc.Counts()
	if n.ByWireMethod["POST"] != 3 || n.ByWireMethod["GET"] != 2 || n.Overridden != 1 || n.ByEndpoint[OneCloudPutPresence] != 1 {
		t.Errorf("counts = %+v", n)
	}
	// Four requests came without Accept and Content-Type application/json.
	if n.WithoutJSONHeaders != 4 {
		t.Errorf("WithoutJSONHeaders = %d, want 4", n.WithoutJSONHeaders)
	}
}
