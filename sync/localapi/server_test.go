package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/calsync/calsync/sync/internal/testhelp"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRefusals covers every way ServeHTTP turns a request away, with the
// status, the error code and a word the message must contain.
func TestRefusals(t *testing.T) {
	big := bytes.Repeat([]byte("x"), DefaultMaxBodyBytes+1)
	bigJSON := []byte(`{"value":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`)
	bigConfig := bytes.Repeat([]byte("x"), MaxConfigBodyBytes+1)
	tests := []struct {
		name    string
		method  string
		target  string
		host    string // default LocalAPIHost
		header  http.Header
		body    []byte
		status  int
		code    string
		message string
	}{
		{"origin", "GET", "/localapi/v0/status", "", http.Header{"Origin": {"https://evil.example"}}, nil, 403, CodeBrowserRefused, "requests carrying an Origin header are refused"},
		{"empty origin", "GET", "/localapi/v0/status", "", http.Header{"Origin": {""}}, nil, 403, CodeBrowserRefused, "Origin"},
		{"null origin", "POST", "/localapi/v0/sync-now", "", http.Header{"Origin": {"null"}}, nil, 403, CodeBrowserRefused, "Origin"},
		{"referer", "GET", "/localapi/v0/status", "", http.Header{"Referer": {"https://evil.example/page"}}, nil, 403, CodeBrowserRefused, "requests carrying a Referer header are refused"},
		{"wrong host", "GET", "/localapi/v0/status", "evil.example", nil, nil, 403, CodeBadHost, LocalAPIHost},
		{"localhost host", "GET", "/localapi/v0/status", "localhost:8080", nil, nil, 403, CodeBadHost, LocalAPIHost},
		{"host with port", "GET", "/localapi/v0/status", LocalAPIHost + ":80", nil, nil, 403, CodeBadHost, LocalAPIHost},
		{"unknown path", "GET", "/localapi/v0/nope", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"outside prefix", "GET", "/status", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"root", "GET", "/", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"trailing slash", "GET", "/localapi/v0/status/", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"pattern is no path", "PUT", "/localapi/v0/secrets/{name}", "", nil, []byte(`{"value":"v"}`), 400, CodeBadRequest, "secret name"},
		{"secret sub path", "PUT", "/localapi/v0/secrets/a/b", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"secret empty name", "PUT", "/localapi/v0/secrets/", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"job sub path", "POST", "/localapi/v0/jobs/a/b/sync-now", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"job empty name", "POST", "/localapi/v0/jobs//sync-now", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"job without action", "POST", "/localapi/v0/jobs/contacts", "", nil, nil, 404, CodeNotFound, "no endpoint"},
		{"job sync-now by GET", "GET", "/localapi/v0/jobs/contacts/sync-now", "", nil, nil, 405, CodeMethodNotAllowed, "POST"},
		{"status by POST", "POST", "/localapi/v0/status", "", nil, nil, 405, CodeMethodNotAllowed, "GET"},
		{"sync-now by GET", "GET", "/localapi/v0/sync-now", "", nil, nil, 405, CodeMethodNotAllowed, "POST"},
		{"config by DELETE", "DELETE", "/localapi/v0/config", "", nil, nil, 405, CodeMethodNotAllowed, "GET or PUT"},
		{"secret read back", "GET", "/localapi/v0/secrets/graph", "", nil, nil, 405, CodeMethodNotAllowed, "PUT"},
		{"HEAD status", "HEAD", "/localapi/v0/status", "", nil, nil, 405, CodeMethodNotAllowed, "GET"},
		{"oversized config", "PUT", "/localapi/v0/config", "", nil, bigConfig, 413, CodeBodyTooLarge, fmt.Sprintf("%d-byte limit", MaxConfigBodyBytes)},
		{"oversized secret", "PUT", "/localapi/v0/secrets/graph", "", nil, bigJSON, 413, CodeBodyTooLarge, "limit"},
		{"oversized sync-now", "POST", "/localapi/v0/sync-now", "", nil, big, 413, CodeBodyTooLarge, "limit"},
		{"malformed config", "PUT", "/localapi/v0/config", "", nil, []byte(`{"version":`), 400, CodeMalformedJSON, "malformed JSON"},
		{"config syntax", "PUT", "/localapi/v0/config", "", nil, []byte(`{"version" 1}`), 400, CodeMalformedJSON, "byte"},
		{"config not object", "PUT", "/localapi/v0/config", "", nil, []byte(`[1,2]`), 400, CodeMalformedJSON, "JSON object"},
		{"config trailing", "PUT", "/localapi/v0/config", "", nil, []byte(`{} {}`), 400, CodeMalformedJSON, "after the JSON object"},
		{"config empty", "PUT", "/localapi/v0/config", "", nil, nil, 400, CodeMalformedJSON, "empty"},
		{"secret unknown field", "PUT", "/localapi/v0/secrets/graph", "", nil, []byte(`{"value":"v","valeu":"w"}`), 400, CodeUnknownField, `"valeu"`},
		{"secret malformed", "PUT", "/localapi/v0/secrets/graph", "", nil, []byte(`{"value":"v"`), 400, CodeMalformedJSON, "malformed JSON"},
		{"secret wrong type", "PUT", "/localapi/v0/secrets/graph", "", nil, []byte(`{"value":42}`), 400, CodeMalformedJSON, `"value" must be a string`},
		{"secret array", "PUT", "/localapi/v0/secrets/graph", "", nil, []byte(`["v"]`), 400, CodeMalformedJSON, "JSON object"},
		{"secret missing value", "PUT", "/localapi/v0/secrets/graph", "", nil, []byte(`{}`), 400, CodeBadRequest, `"value" is required`},
		{"secret empty value", "PUT", "/localapi/v0/secrets/graph", "", nil, []byte(`{"value":""}`), 400, CodeBadRequest, "must not be empty"},
		{"secret bad name", "PUT", "/localapi/v0/secrets/a%20b", "", nil, []byte(`{"value":"v"}`), 400, CodeBadRequest, "secret name"},
		{"logs n zero", "GET", "/localapi/v0/logs?n=0", "", nil, nil, 400, CodeBadRequest, "parameter n"},
		{"logs n text", "GET", "/localapi/v0/logs?n=all", "", nil, nil, 400, CodeBadRequest, "parameter n"},
		{"logs n huge", "GET", "/localapi/v0/logs?n=10001", "", nil, nil, 400, CodeBadRequest, "parameter n"},
		{"logs n empty", "GET", "/localapi/v0/logs?n=", "", nil, nil, 400, CodeBadRequest, "parameter n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			srv := NewServer(fake, ServerOptions{})
			req := httptest.NewRequest(tt.method, "http://"+LocalAPIHost+tt.target, bytes.NewReader(tt.body))
			if tt.host != "" {
				req.Host = tt.host
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			req = req.WithContext(WithPeer(req.Context(), ownerPeer()))
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			e := apiError(t, rec.Body.Bytes())
			if e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
				t.Errorf("error %s %q, want %s containing %q", e.Code, e.Message, tt.code, tt.message)
			}
			if rec.Code == 405 && rec.Header().Get("Allow") == "" {
				t.Error("405 without Allow header")
			}
			// Refused requests reach the backend never; 4xx from validation
			// happen before the backend too.
			if calls := fake.callList(); len(calls) != 0 {
				t.Errorf("backend called: %v", calls)
			}
		})
	}
}

// TestUnknownFieldNamed checks the error names the field in the fields list
// too, so the GUI can point at it.
func TestUnknownFieldNamed(t *testing.T) {
	srv := NewServer(newFake(), ServerOptions{})
	rec := do(t, srv, "PUT", "/localapi/v0/secrets/graph", nil, []byte(`{"value":"v","extra":1}`))
	e := apiError(t, rec.Body.Bytes())
	if rec.Code != 400 || e.Code != CodeUnknownField || len(e.Fields) != 1 || e.Fields[0].Field != "extra" {
		t.Fatalf("got %d %+v", rec.Code, e)
	}
}

// TestSecurityHeaders checks the headers that keep a browser from rendering
// or framing any answer.
func TestSecurityHeaders(t *testing.T) {
	srv := NewServer(newFake(), ServerOptions{})
	for _, target := range []string{"/localapi/v0/status", "/nope"} {
		rec := do(t, srv, "GET", target, nil, nil)
		h := rec.Header()
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", target, h)
		}
	}
}

// TestPeerPermission drives the caller check through ServeHTTP: no peer,
// an unidentifiable peer, a stranger, a read-only group member, root.
func TestPeerPermission(t *testing.T) {
	const owner = 1000
	policy := &Policy{OwnerUID: owner, ReadGIDs: []int{777}}
	tests := []struct {
		name   string
		ctx    func(context.Context) context.Context
		method string
		target string
		status int
		code   string
	}{
		{"no peer", func(c context.Context) context.Context { return c }, "GET", "/localapi/v0/status", 403, CodePeerRefused},
		{"unidentified", func(c context.Context) context.Context { return withPeerError(c, fmt.Errorf("not a unix socket")) }, "GET", "/localapi/v0/status", 403, CodePeerRefused},
		{"stranger reads", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 65534, GIDs: []int{65534}}) }, "GET", "/localapi/v0/status", 403, CodePeerRefused},
		{"stranger writes", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 65534}) }, "POST", "/localapi/v0/sync-now", 403, CodePeerRefused},
		{"stranger 404", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 65534}) }, "GET", "/nope", 403, CodePeerRefused},
		{"reader reads", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 2000, GIDs: []int{777}}) }, "GET", "/localapi/v0/status", 200, ""},
		{"reader writes", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 2000, GIDs: []int{777}}) }, "POST", "/localapi/v0/pause", 403, CodeReadOnly},
		{"reader puts config", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 2000, GIDs: []int{777}}) }, "PUT", "/localapi/v0/config", 403, CodeReadOnly},
		{"owner writes", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: owner}) }, "POST", "/localapi/v0/pause", 204, ""},
		{"root writes", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: 0}) }, "POST", "/localapi/v0/resume", 204, ""},
		{"pipe client writes", func(c context.Context) context.Context { return WithPeer(c, Peer{UID: -1, Privileged: true}) }, "POST", "/localapi/v0/sync-now", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			srv := NewServer(fake, ServerOptions{Policy: policy})
			req := httptest.NewRequest(tt.method, "http://"+LocalAPIHost+tt.target, nil)
			req = req.WithContext(tt.ctx(req.Context()))
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.code != "" {
				if e := apiError(t, rec.Body.Bytes()); e.Code != tt.code {
					t.Errorf("code %s, want %s", e.Code, tt.code)
				}
				if calls := fake.callList(); len(calls) != 0 {
					t.Errorf("refused request reached the backend: %v", calls)
				}
			}
		})
	}
}

// TestOwnerSIDPermission: on Windows the account the server runs as may
// write over its pipe (the desktop demo's user, even without admin rights);
// other interactive users still only read, and a policy without an owner SID
// admits no SID as owner.
func TestOwnerSIDPermission(t *testing.T) {
	const me, other = "S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1002"
	for _, tt := range []struct {
		name   string
		policy Policy
		peer   Peer
		want   Permission
	}{
		{"owner, not an admin", Policy{OwnerUID: -1, OwnerSID: me}, Peer{UID: -1, SID: me, Interactive: true}, PermReadWrite},
		{"another interactive user", Policy{OwnerUID: -1, OwnerSID: me}, Peer{UID: -1, SID: other, Interactive: true}, PermRead},
		{"another account, not interactive", Policy{OwnerUID: -1, OwnerSID: me}, Peer{UID: -1, SID: other}, PermNone},
		{"no owner SID", Policy{OwnerUID: -1}, Peer{UID: -1, Interactive: true}, PermRead},
		{"no owner SID, no SID", Policy{OwnerUID: -1}, Peer{UID: -1}, PermNone},
		{"SYSTEM", Policy{OwnerUID: -1, OwnerSID: me}, Peer{UID: -1, SID: "S-1-5-18", Privileged: true}, PermReadWrite},
	} {
		if got := tt.policy.Permission(tt.peer); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPipeNamesAndACLs: the service's pipe keeps its ACL; a process pipe
// (the desktop demo's) lies outside the protected namespace, carries the pid
// and admits only SYSTEM and its creator.
func TestPipeNamesAndACLs(t *testing.T) {
	const sid = "S-1-5-21-1-2-3-1001"
	demo := ProcessPipeName(4242)
	if demo != `\\.\pipe\calsync-4242\localapi` || PipeName(demo) != demo {
		t.Errorf("process pipe %q (PipeName %q)", demo, PipeName(demo))
	}
	if ProcessPipeName(1) == ProcessPipeName(2) || ProcessPipeName(4242) == DefaultPipeName {
		t.Error("process pipes are not per process")
	}
	if !IsPipeName(demo) || !IsPipeName(DefaultPipeName) || IsPipeName(`C:\\ProgramData\\calsync\\calsync.sock`) || IsPipeName("/run/calsync.sock") {
		t.Error("IsPipeName tells pipes from files wrongly")
	}
	for _, tt := range []struct{ name, sid, want string }{
		{DefaultPipeName, sid, pipeSDDL},
		{`\\.\pipe\protectedprefix\Administrators\calsync\test`, sid, pipeSDDL},
		{demo, sid, "D:P(A;;GA;;;SY)(A;;GA;;;" + sid + ")"},
		{demo, "", pipeSDDL},
	} {
		if got := pipeSDDLFor(tt.name, tt.sid); got != tt.want {
			t.Errorf("pipeSDDLFor(%q, %q) = %q, want %q", tt.name, tt.sid, got, tt.want)
		}
	}
}

// TestRefusalMessageSaysWho checks a stranger learns who may use the API.
func TestRefusalMessageSaysWho(t *testing.T) {
	srv := NewServer(newFake(), ServerOptions{Policy: &Policy{OwnerUID: 1000}})
	req := httptest.NewRequest("GET", "http://"+LocalAPIHost+"/localapi/v0/status", nil)
	req = req.WithContext(WithPeer(req.Context(), Peer{UID: 65534, PID: 42}))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	e := apiError(t, rec.Body.Bytes())
	for _, want := range []string{"uid 65534", "uid 1000", "root"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q lacks %q", e.Message, want)
		}
	}
}

// fieldsErr is a validation error from another package's style: Fields()
// returning "field: message" strings.
type fieldsErr []string

func (f fieldsErr) Error() string    { return "config invalid" }
func (f fieldsErr) Fields() []string { return f }

// TestBackendErrors maps each kind of backend error to its status and code,
// keeping validation fields intact.
func TestBackendErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		fields []FieldError
	}{
		{"validation", &ValidationError{Fields: []FieldError{{"connector.clientId", "must be a GUID"}, {"rules[2].match", "empty"}}}, 422, CodeInvalid,
			[]FieldError{{"connector.clientId", "must be a GUID"}, {"rules[2].match", "empty"}}},
		{"wrapped validation", fmt.Errorf("save: %w", &ValidationError{Fields: []FieldError{{"sync.interval", "too short"}}}), 422, CodeInvalid,
			[]FieldError{{"sync.interval", "too short"}}},
		{"Fields() strings", fieldsErr{"onecloud.url: must be https", "no colon here"}, 422, CodeInvalid,
			[]FieldError{{"onecloud.url", "must be https"}, {"", "no colon here"}}},
		{"api error", &APIError{Status: 409, Code: "busy", Message: "a save is running"}, 409, "busy", nil},
		{"api error bad status", &APIError{Status: 200, Code: "odd", Message: "x"}, 500, "odd", nil},
		{"deadline", fmt.Errorf("write: %w", context.DeadlineExceeded), 504, CodeTimeout, nil},
		{"plain", errBoom, 500, CodeInternal, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			fake.setErr("PutConfig", tt.err)
			srv := NewServer(fake, ServerOptions{})
			rec := do(t, srv, "PUT", "/localapi/v0/config", nil, []byte(`{"version":1}`))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			e := apiError(t, rec.Body.Bytes())
			if e.Code != tt.code {
				t.Errorf("code %s, want %s", e.Code, tt.code)
			}
			if fmt.Sprint(e.Fields) != fmt.Sprint(tt.fields) {
				t.Errorf("fields %v, want %v", e.Fields, tt.fields)
			}
		})
	}
}

// TestEveryEndpointMapsBackendErrors checks a failing backend gives a JSON
// 500 on every endpoint, not a hang or an empty 200.
func TestEveryEndpointMapsBackendErrors(t *testing.T) {
	calls := []struct{ method, target, backend string }{
		{"GET", "/localapi/v0/status", "Status"},
		{"GET", "/localapi/v0/events", "Subscribe"},
		{"POST", "/localapi/v0/sync-now", "SyncNow"},
		{"POST", "/localapi/v0/pause", "Pause"},
		{"POST", "/localapi/v0/resume", "Resume"},
		{"GET", "/localapi/v0/config", "Config"},
		{"PUT", "/localapi/v0/config", "PutConfig"},
		{"GET", "/localapi/v0/secrets", "SecretStatus"},
		{"PUT", "/localapi/v0/secrets/graph", "SetSecret"},
		{"GET", "/localapi/v0/directory", "OneCloudDirectory"},
		{"POST", "/localapi/v0/test-connection", "TestConnection"},
		{"GET", "/localapi/v0/logs", "Logs"},
	}
	for _, c := range calls {
		t.Run(c.backend, func(t *testing.T) {
			fake := newFake()
			fake.setErr(c.backend, errBoom)
			srv := NewServer(fake, ServerOptions{})
			var body []byte
			if c.method == "PUT" {
				body = []byte(`{"value":"v"}`)
			}
			rec := do(t, srv, c.method, c.target, nil, body)
			if rec.Code != 500 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if e := apiError(t, rec.Body.Bytes()); e.Code != CodeInternal || !strings.Contains(e.Message, "boom") {
				t.Errorf("error %+v", e)
			}
		})
	}
}

// TestBackendConfigNotJSON checks a backend producing garbage is the
// server's fault (500), not passed on as if it were a config.
func TestBackendConfigNotJSON(t *testing.T) {
	fake := newFake()
	fake.config = []byte("{not json")
	rec := do(t, NewServer(fake, ServerOptions{}), "GET", "/localapi/v0/config", nil, nil)
	if rec.Code != 500 || apiError(t, rec.Body.Bytes()).Code != CodeInternal {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

// TestLogsN checks n reaches the backend, with the default when absent.
func TestLogsN(t *testing.T) {
	for _, tt := range []struct {
		target string
		want   int
	}{{"/localapi/v0/logs", DefaultLogLines}, {"/localapi/v0/logs?n=1", 1}, {"/localapi/v0/logs?n=10000", MaxLogLines}, {"/localapi/v0/logs?other=x", DefaultLogLines}} {
		fake := newFake()
		rec := do(t, NewServer(fake, ServerOptions{}), "GET", tt.target, nil, nil)
		if rec.Code != 200 || fake.lastN != tt.want {
			t.Errorf("%s: status %d, n %d, want %d", tt.target, rec.Code, fake.lastN, tt.want)
		}
		var l logLines
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || len(l.Lines) != 2 {
			t.Errorf("%s: body %s", tt.target, rec.Body)
		}
	}
}

// TestSecretScrubbedFromErrors checks a backend error that quotes the value
// reaches neither the client nor the log.
func TestSecretScrubbedFromErrors(t *testing.T) {
	const value = "s3cr3t-Value-xyz"
	logs := &testhelp.Buffer{}
	srv := NewServer(newFake(), ServerOptions{Logger: debugLogger(logs)})
	rec := do(t, srv, "PUT", "/localapi/v0/secrets/echo", nil, []byte(`{"value":"`+value+`"}`))
	if rec.Code != 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), value) || !strings.Contains(rec.Body.String(), "[redacted]") {
		t.Errorf("response %s", rec.Body)
	}
	if bytes.Contains(logs.Bytes(), []byte(value)) {
		t.Errorf("log holds the secret: %s", logs.Bytes())
	}
}

// TestSecretSyntaxErrorQuotesNothing checks a malformed secret body's error
// gives an offset but no piece of the body.
func TestSecretSyntaxErrorQuotesNothing(t *testing.T) {
	srv := NewServer(newFake(), ServerOptions{})
	rec := do(t, srv, "PUT", "/localapi/v0/secrets/graph", nil, []byte(`{"value":"abc`+"\x01"+`Zq"}`))
	e := apiError(t, rec.Body.Bytes())
	if rec.Code != 400 || strings.Contains(e.Message, "Zq") || strings.Contains(e.Message, "character") || !strings.Contains(e.Message, "byte") {
		t.Errorf("got %d %q", rec.Code, e.Message)
	}
}

// TestRequestLogHasNoPathParameter checks the log names the endpoint by its
// pattern: a value pasted as the secret's name stays out of it.
func TestRequestLogHasNoPathParameter(t *testing.T) {
	logs := &testhelp.Buffer{}
	srv := NewServer(newFake(), ServerOptions{Logger: debugLogger(logs)})
	do(t, srv, "PUT", "/localapi/v0/secrets/PastedSecretValue", nil, []byte(`{"value":"other"}`))
	do(t, srv, "GET", "/localapi/v0/PastedSecretValue", nil, nil)
	out := string(logs.Bytes())
	if strings.Contains(out, "PastedSecretValue") || strings.Contains(out, "other") || !strings.Contains(out, "secrets/{name}") {
		t.Errorf("log: %s", out)
	}
}

func TestArticle(t *testing.T) {
	for _, tt := range []struct{ word, want string }{
		{"Origin", "an Origin"},
		{"Referer", "a Referer"},
		{"object", "an object"},
		{"array", "an array"},
		{"string", "a string"},
		{"number", "a number"},
		{"boolean", "a boolean"},
	} {
		if got := article(tt.word); got != tt.want {
			t.Errorf("article(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
