package localapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPermissionFor(t *testing.T) {
	tests := []struct {
		name  string
		facts tokenFacts
		want  Permission
	}{
		{"LocalSystem", tokenFacts{System: true, Elevated: true, AdminMember: true}, PermReadWrite},
		{"LocalSystem, no other facts", tokenFacts{System: true}, PermReadWrite},
		{"elevated administrator", tokenFacts{Elevated: true, AdminMember: true, Interactive: true}, PermReadWrite},
		{"elevated administrator, service logon", tokenFacts{Elevated: true, AdminMember: true}, PermReadWrite},
		{"administrator under UAC, not elevated", tokenFacts{AdminMember: true, Interactive: true}, PermRead},
		{"standard interactive user", tokenFacts{Interactive: true}, PermRead},
		{"elevated but not an administrator", tokenFacts{Elevated: true, Interactive: true}, PermRead},
		{"elevated, not an administrator, not interactive", tokenFacts{Elevated: true}, PermNone},
		{"non-interactive administrator, not elevated", tokenFacts{AdminMember: true}, PermNone},
		{"network or service logon", tokenFacts{}, PermNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := permissionFor(tt.facts); got != tt.want {
				t.Errorf("permissionFor(%+v) = %v, want %v", tt.facts, got, tt.want)
			}
			// The peer built from the facts gets the same from any policy.
			p := peerFromToken(tt.facts, 4242, `CONTOSO\anna`, "S-1-5-21-1-2-3-1001")
			if got := DefaultPolicy().Permission(p); got != tt.want {
				t.Errorf("Policy.Permission(peerFromToken(%+v)) = %v, want %v", tt.facts, got, tt.want)
			}
			if got := (Policy{OwnerUID: -1}).Permission(p); got != tt.want {
				t.Errorf("Policy{-1}.Permission(peerFromToken(%+v)) = %v, want %v", tt.facts, got, tt.want)
			}
		})
	}
}

func TestPeerFromTokenString(t *testing.T) {
	for _, tt := range []struct {
		facts     tokenFacts
		user, sid string
		want      string
		elevate   bool
	}{
		{tokenFacts{System: true}, `NT AUTHORITY\SYSTEM`, "S-1-5-18", `NT AUTHORITY\SYSTEM (pid 7, SYSTEM)`, false},
		{tokenFacts{Elevated: true, AdminMember: true, Interactive: true}, `CONTOSO\admin`, "S-1-5-21-9-500", `CONTOSO\admin (pid 7, elevated administrator)`, false},
		{tokenFacts{AdminMember: true, Interactive: true}, `CONTOSO\admin`, "S-1-5-21-9-500", `CONTOSO\admin (pid 7, administrator, not elevated)`, true},
		{tokenFacts{Interactive: true}, `CONTOSO\anna`, "S-1-5-21-9-1001", `CONTOSO\anna (pid 7, interactive user)`, false},
		{tokenFacts{Interactive: true}, "", "S-1-5-21-9-1001", `S-1-5-21-9-1001 (pid 7, interactive user)`, false},
		{tokenFacts{}, `CONTOSO\svc`, "S-1-5-21-9-2000", `CONTOSO\svc (pid 7, not an interactive user)`, false},
	} {
		p := peerFromToken(tt.facts, 7, tt.user, tt.sid)
		if got := p.String(); got != tt.want {
			t.Errorf("%+v: String() = %q, want %q", tt.facts, got, tt.want)
		}
		if p.CanElevate != tt.elevate {
			t.Errorf("%+v: CanElevate = %v, want %v", tt.facts, p.CanElevate, tt.elevate)
		}
		if p.UID != -1 {
			t.Errorf("%+v: UID = %d, want -1", tt.facts, p.UID)
		}
	}
}

// An interactive Windows user reads but cannot change anything; an
// administrator without elevation is told how to get the rights.
func TestServerWindowsInteractivePeer(t *testing.T) {
	srv := NewServer(newFake(), ServerOptions{Policy: &Policy{OwnerUID: -1}})
	do := func(p Peer, method, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://"+LocalAPIHost+path, nil)
		req = req.WithContext(WithPeer(context.Background(), p))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	user := peerFromToken(tokenFacts{Interactive: true}, 10, `CONTOSO\anna`, "S-1-5-21-9-1001")
	admin := peerFromToken(tokenFacts{AdminMember: true, Interactive: true}, 11, `CONTOSO\admin`, "S-1-5-21-9-500")
	elevated := peerFromToken(tokenFacts{AdminMember: true, Elevated: true, Interactive: true}, 12, `CONTOSO\admin`, "S-1-5-21-9-500")
	service := peerFromToken(tokenFacts{}, 13, `CONTOSO\svc`, "S-1-5-21-9-2000")

	if rec := do(user, http.MethodGet, "/localapi/v0/status"); rec.Code != http.StatusOK {
		t.Errorf("interactive user GET status: %d %s", rec.Code, rec.Body)
	}
	rec := do(user, http.MethodPost, "/localapi/v0/sync-now")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), CodeReadOnly) {
		t.Errorf("interactive user POST sync-now: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "as administrator") {
		t.Errorf("a standard user is told to run as administrator: %s", rec.Body)
	}
	rec = do(admin, http.MethodPost, "/localapi/v0/sync-now")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "run calsync as administrator") {
		t.Errorf("non-elevated admin POST sync-now: %d %s", rec.Code, rec.Body)
	}
	if rec := do(elevated, http.MethodPost, "/localapi/v0/sync-now"); rec.Code != http.StatusNoContent {
		t.Errorf("elevated admin POST sync-now: %d %s", rec.Code, rec.Body)
	}
	rec = do(service, http.MethodGet, "/localapi/v0/status")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), CodePeerRefused) {
		t.Errorf("non-interactive account GET status: %d %s", rec.Code, rec.Body)
	}
}
