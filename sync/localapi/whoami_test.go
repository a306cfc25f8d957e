package localapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// TestWhoAmI asks GET whoami as each kind of caller the policy knows and
// checks the answer names its permission and itself, says whether elevating
// would help, and never reaches the backend.
func TestWhoAmI(t *testing.T) {
	policy := &Policy{OwnerUID: 1000, ReadGIDs: []int{777}}
	notElevated := peerFromToken(tokenFacts{AdminMember: true, Interactive: true}, 7, `CONTOSO\admin`, "S-1-5-21-1-500")
	elevated := peerFromToken(tokenFacts{AdminMember: true, Elevated: true, Interactive: true}, 8, `CONTOSO\admin`, "S-1-5-21-1-500")
	plainUser := peerFromToken(tokenFacts{Interactive: true}, 9, `CONTOSO\anna`, "S-1-5-21-1-1001")
	tests := []struct {
		name string
		peer Peer
		want Caller
	}{
		{"owner", Peer{UID: 1000, PID: 42}, Caller{Permission: "read-write", Peer: "uid 1000 (pid 42)"}},
		{"root", Peer{UID: 0}, Caller{Permission: "read-write", Peer: "uid 0"}},
		{"reader", Peer{UID: 2000, GIDs: []int{777}}, Caller{Permission: "read", Peer: "uid 2000"}},
		{"administrator, not elevated", notElevated, Caller{Permission: "read", Peer: `CONTOSO\admin (pid 7, administrator, not elevated)`, CanElevate: true}},
		{"elevated administrator", elevated, Caller{Permission: "read-write", Peer: `CONTOSO\admin (pid 8, elevated administrator)`}},
		{"interactive user", plainUser, Caller{Permission: "read", Peer: `CONTOSO\anna (pid 9, interactive user)`}},
		// A peer claiming CanElevate while it may write gains nothing by it.
		{"writer never told to elevate", Peer{UID: 1000, CanElevate: true}, Caller{Permission: "read-write", Peer: "uid 1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			srv := NewServer(fake, ServerOptions{Policy: policy})
			req := httptest.NewRequest("GET", "http://"+LocalAPIHost+"/localapi/v0/whoami", nil)
			req = req.WithContext(WithPeer(req.Context(), tt.peer))
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var got Caller
			dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			if got != tt.want {
				t.Errorf("whoami = %+v, want %+v", got, tt.want)
			}
			if got.CanWrite() != (tt.want.Permission == "read-write") {
				t.Errorf("CanWrite = %v for %q", got.CanWrite(), got.Permission)
			}
			if calls := fake.callList(); len(calls) != 0 {
				t.Errorf("whoami reached the backend: %v", calls)
			}
		})
	}
}

// TestWhoAmIRefusals checks whoami passes the same walls as every endpoint:
// strangers, unidentified callers and browsers learn nothing, and it takes
// GET only.
func TestWhoAmIRefusals(t *testing.T) {
	policy := &Policy{OwnerUID: 1000}
	for _, tt := range []struct {
		name, method string
		peer         *Peer
		origin       bool
		status       int
		code         string
	}{
		{"stranger", "GET", &Peer{UID: 65534}, false, 403, CodePeerRefused},
		{"no peer", "GET", nil, false, 403, CodePeerRefused},
		{"browser", "GET", &Peer{UID: 1000}, true, 403, CodeBrowserRefused},
		{"POST", "POST", &Peer{UID: 1000}, false, 405, CodeMethodNotAllowed},
		{"non-interactive Windows account", "GET", func() *Peer { p := peerFromToken(tokenFacts{}, 5, `NT SERVICE\x`, "S-1-5-80-1"); return &p }(), false, 403, CodePeerRefused},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			srv := NewServer(fake, ServerOptions{Policy: policy})
			req := httptest.NewRequest(tt.method, "http://"+LocalAPIHost+"/localapi/v0/whoami", nil)
			if tt.peer != nil {
				req = req.WithContext(WithPeer(req.Context(), *tt.peer))
			}
			if tt.origin {
				req.Header.Set("Origin", "https://evil.example")
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if e := apiError(t, rec.Body.Bytes()); e.Code != tt.code {
				t.Errorf("code %s, want %s", e.Code, tt.code)
			}
		})
	}
}

func TestCallerCanWrite(t *testing.T) {
	for perm, want := range map[string]bool{"read-write": true, "read": false, "": false, "admin": false, "none": false} {
		if got := (Caller{Permission: perm}).CanWrite(); got != want {
			t.Errorf("Caller{%q}.CanWrite() = %v, want %v", perm, got, want)
		}
	}
}
