package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzHandler throws arbitrary methods, targets, headers, bodies, Host
// values and callers at ServeHTTP. It must never panic, never answer a
// client's mistake with a 5xx (the fake backend never fails), always answer
// an error in the API's JSON shape, always refuse browsers, wrong hosts and
// strangers, and never send back a secret it was given.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method, target, headers string
		body                    []byte
	}{
		{"GET", "/localapi/v0/status", "", nil},
		{"GET", "/localapi/v0/events", "", nil},
		{"POST", "/localapi/v0/sync-now", "", nil},
		{"PUT", "/localapi/v0/config", "Content-Type: application/json", []byte(`{"version":1}`)},
		{"PUT", "/localapi/v0/config", "", []byte(`{"version":`)},
		{"PUT", "/localapi/v0/secrets/graph", "", []byte(`{"value":"hunter2hunter2"}`)},
		{"PUT", "/localapi/v0/secrets/graph", "", []byte(`{"value":"hunter2hunter2","x":1}`)},
		{"PUT", "/localapi/v0/secrets/%2e%2e", "", []byte(`{"value":1}`)},
		{"GET", "/localapi/v0/logs?n=-1", "", nil},
		{"GET", "/localapi/v0/whoami", "", nil},
		{"GET", "/localapi/v0/status", "Origin: null", nil},
		{"GET", "/localapi/v0/status", "Referer: http://x/", nil},
		{"DELETE", "/localapi/v0/secrets", "", nil},
		{"BREW", "/../../etc/passwd", "X: y\nz", []byte{0xff, 0x00}},
	}
	for _, s := range seeds {
		for host := range uint8(2) {
			f.Add(s.method, s.target, s.headers, s.body, host, uint8(0))
		}
	}
	f.Add("POST", "/localapi/v0/pause", "", []byte(nil), uint8(0), uint8(2))
	f.Add("GET", "/localapi/v0/directory", "", []byte(nil), uint8(0), uint8(3))

	hosts := []string{LocalAPIHost, "", "localhost", "LOCAL-CALSYNC.SOCK", "evil.example", LocalAPIHost + ":1"}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, hostChoice, peerChoice uint8) {
		srv := NewServer(newFake(), ServerOptions{MaxBodyBytes: 4096, Policy: &Policy{OwnerUID: 1000, ReadGIDs: []int{50}}})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+LocalAPIHost+"/", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Method = method
		if u, err := url.ParseRequestURI(target); err == nil {
			req.URL = u
		} else {
			req.URL.Path = target
		}
		req.RequestURI = target
		req.Host = hosts[int(hostChoice)%len(hosts)]
		browser := false
		for _, line := range strings.Split(headers, "\n") {
			k, v, _ := strings.Cut(line, ":")
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			req.Header.Add(k, strings.TrimSpace(v))
			if strings.EqualFold(k, "Origin") || strings.EqualFold(k, "Referer") {
				browser = true
			}
		}
		var peer Peer
		stranger := false
		switch peerChoice % 4 {
		case 0:
			peer = Peer{UID: 1000}
		case 1:
			peer = Peer{UID: 0}
		case 2:
			peer = Peer{UID: 2000, GIDs: []int{50}}
		case 3:
			peer, stranger = Peer{UID: 65534}, true
		}
		req = req.WithContext(WithPeer(req.Context(), peer))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)

		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%q %q: status %d: %s", method, target, rec.Code, rec.Body)
		}
		refused := browser || !strings.EqualFold(req.Host, LocalAPIHost) || stranger
		if refused && rec.Code != http.StatusForbidden {
			t.Fatalf("%q %q host %q peer %v browser %v: status %d, want 403", method, target, req.Host, peer, browser, rec.Code)
		}
		if rec.Code >= 400 {
			apiError(t, rec.Body.Bytes())
		}
		var sb struct{ Value string }
		if json.Unmarshal(body, &sb) == nil && len(sb.Value) >= 8 && strings.Contains(rec.Body.String(), sb.Value) {
			t.Fatalf("response carries the secret value: %s", rec.Body)
		}
	})
}
