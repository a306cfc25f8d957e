package localapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestBodyRefusalsOverSocket sends the bad bodies through the real server
// and socket, as a client would, with the exact status, code and message:
// an oversized body with its length announced and one streamed without a
// length (the cap must hold while reading, not only by Content-Length),
// malformed JSON, an unknown field and a wrong type. None reaches the
// backend, and the connection stays usable for the next request.
func TestBodyRefusalsOverSocket(t *testing.T) {
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	limit := fmt.Sprintf("request body is larger than the %d-byte limit", DefaultMaxBodyBytes)
	huge := `{"value":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		stream  bool // no Content-Length: chunked
		status  int
		code    string
		message string
	}{
		{"oversized secret", "PUT", "/localapi/v0/secrets/graph", huge, false, 413, CodeBodyTooLarge, limit},
		{"oversized streamed secret", "PUT", "/localapi/v0/secrets/graph", huge, true, 413, CodeBodyTooLarge, limit},
		{"oversized streamed config", "PUT", "/localapi/v0/config", `{"x":"` + strings.Repeat("b", MaxConfigBodyBytes) + `"}`, true, 413, CodeBodyTooLarge,
			fmt.Sprintf("request body is larger than the %d-byte limit", MaxConfigBodyBytes)},
		{"malformed JSON", "PUT", "/localapi/v0/secrets/graph", `{"value":`, false, 400, CodeMalformedJSON, "malformed JSON"},
		{"malformed config", "PUT", "/localapi/v0/config", `{"version" 1}`, true, 400, CodeMalformedJSON, "byte"},
		{"unknown field", "PUT", "/localapi/v0/secrets/graph", `{"value":"v","valeu":"w"}`, false, 400, CodeUnknownField, `unknown field "valeu" in request body`},
		{"wrong type", "PUT", "/localapi/v0/secrets/graph", `{"value":42}`, false, 400, CodeMalformedJSON, `"value" must be a string`},
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return Dial(ctx, s.path)
	}}}
	defer hc.CloseIdleConnections()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.stream {
				body = io.MultiReader(body) // hides the length from net/http
			}
			req, err := http.NewRequest(tt.method, "http://"+LocalAPIHost+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.stream && req.ContentLength != -1 && req.ContentLength != 0 {
				t.Fatalf("request has Content-Length %d; want it streamed", req.ContentLength)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.path, err)
			}
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, data)
			}
			e := apiError(t, data)
			if e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
				t.Errorf("error %s %q, want %s containing %q", e.Code, e.Message, tt.code, tt.message)
			}
			if bytes.Contains(data, []byte("aaaaaaaa")) || strings.Contains(e.Message, `"w"`) {
				t.Errorf("the error quotes the body: %.200s", data)
			}
		})
	}
	if calls := fake.callList(); len(calls) != 0 {
		t.Errorf("refused bodies reached the backend: %v", calls)
	}
	// The server is still there and answers a good request.
	if _, err := s.client.Status(context.Background()); err != nil {
		t.Errorf("status after the refusals: %v", err)
	}
}
