package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/calsync/calsync/sync/internal/testhelp"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// subscription is one Subscribe call the test drives: it sends on ch and
// may close it; ctx ends when the server stops streaming.
type subscription struct {
	ctx context.Context
	ch  chan Event
}

// fakeBackend records calls and serves canned data. errs makes a method
// fail; subs, when set, receives every subscription (otherwise Subscribe
// returns a closed channel).
type fakeBackend struct {
	mu      sync.Mutex
	calls   []string
	status  Status
	config  []byte
	secrets map[string]string
	dir     Directory
	steps   []CheckStep
	logs    []string
	lastN   int
	errs    map[string]error
	subs    chan *subscription
	// blockStatus makes Status wait for its context to end.
	blockStatus bool
	certs       fakeCertificates
}

func newFake() *fakeBackend {
	return &fakeBackend{
		status: Status{
			State:    StateOK,
			LastSync: time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC),
			NextSync: time.Date(2026, 11, 25, 14, 3, 0, 0, time.UTC),
			Progress: Progress{Done: 2, Total: 2},
			Users: []UserStatus{{
				OneCloudUser: "1001", Name: "Anna Rossi", Mailbox: "anna@contoso.com",
				Current:     Presence{Activity: "meeting", Until: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)},
				LastApplied: Presence{Activity: "meeting", Role: "mobile"},
				Calendar:    "busy", NextChange: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC), NextActivity: "available",
			}},
			Version: "1.2.3",
			Jobs: []JobStatus{
				{Name: "presence", LastRun: time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC), Interval: "1m0s"},
				{Name: "contacts", Running: true, LastRun: time.Date(2026, 11, 25, 13, 45, 0, 0, time.UTC), Interval: "15m0s",
					Error: "1 of 2 phonebooks could not be synced"},
			},
		},
		config:  []byte(`{"version":1,"sync":{"interval":"1m"}}`),
		secrets: map[string]string{},
		dir: Directory{
			Activities: []Activity{{ID: "available", Name: "Available", Available: true}, {ID: "meeting", Name: "Meeting"}},
			Roles:      []Role{{ID: "office", Name: "Office"}},
			Groups:     []Group{{ID: "g1", Name: "Sales", Members: []string{"1001"}}},
			Users:      []DirectoryUser{{ID: "1001", Name: "Anna Rossi", Email: "anna@contoso.com", Groups: []string{"g1"}}},
		},
		steps: []CheckStep{{Name: "token", OK: true}, {Name: "getSchedule", OK: false, Detail: "AADSTS7000215", Remedy: "copy the secret's Value"}},
		logs:  []string{"line 1", "line 2"},
		errs:  map[string]error{},
	}
}

func (f *fakeBackend) call(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	return f.errs[name]
}

func (f *fakeBackend) setErr(name string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[name] = err
}

func (f *fakeBackend) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Status(ctx context.Context) (Status, error) {
	if err := f.call("Status"); err != nil {
		return Status{}, err
	}
	if f.blockStatus {
		<-ctx.Done()
		return Status{}, ctx.Err()
	}
	return f.status, nil
}

func (f *fakeBackend) Subscribe(ctx context.Context) (<-chan Event, error) {
	if err := f.call("Subscribe"); err != nil {
		return nil, err
	}
	ch := make(chan Event)
	if f.subs == nil {
		close(ch)
		return ch, nil
	}
	f.subs <- &subscription{ctx: ctx, ch: ch}
	return ch, nil
}

func (f *fakeBackend) SyncNow(context.Context) error { return f.call("SyncNow") }
func (f *fakeBackend) SyncJobNow(_ context.Context, name string) error {
	return f.call("SyncJobNow " + name)
}
func (f *fakeBackend) Pause(context.Context) error  { return f.call("Pause") }
func (f *fakeBackend) Resume(context.Context) error { return f.call("Resume") }

func (f *fakeBackend) Config(context.Context) ([]byte, error) {
	if err := f.call("Config"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.config...), nil
}

func (f *fakeBackend) PutConfig(_ context.Context, cfg []byte) error {
	if err := f.call("PutConfig"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.config = append([]byte(nil), cfg...)
	return nil
}

func (f *fakeBackend) SetSecret(_ context.Context, name, value string) error {
	if err := f.call("SetSecret"); err != nil {
		return err
	}
	if name == "echo" {
		// A careless backend that puts the value in its error.
		return fmt.Errorf("keychain refused %q for %s", value, name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[name] = value
	return nil
}

func (f *fakeBackend) SecretStatus(context.Context) ([]SecretState, error) {
	if err := f.call("SecretStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []SecretState{}
	for _, n := range []string{"graph", "onecloud"} {
		st := SecretState{Name: n}
		if _, ok := f.secrets[n]; ok {
			st.Set, st.Source = true, "keychain"
		}
		out = append(out, st)
	}
	return out, nil
}

func (f *fakeBackend) OneCloudDirectory(context.Context) (Directory, error) {
	if err := f.call("OneCloudDirectory"); err != nil {
		return Directory{}, err
	}
	return f.dir, nil
}

func (f *fakeBackend) TestConnection(context.Context) ([]CheckStep, error) {
	if err := f.call("TestConnection"); err != nil {
		return nil, err
	}
	return f.steps, nil
}

func (f *fakeBackend) Logs(_ context.Context, n int) ([]string, error) {
	if err := f.call("Logs"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.lastN = n
	f.mu.Unlock()
	return f.logs, nil
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// shortDir returns a fresh directory with a short path: t.TempDir can exceed
// the unix socket path limit (104 bytes on macOS).
func shortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// recordingConn keeps every byte the client reads from the server.
type recordingConn struct {
	net.Conn
	rec *testhelp.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	_, _ = c.rec.Write(p[:n])
	return n, err
}

// served is a server on a real socket with a client whose reads are recorded.
type served struct {
	path    string
	srv     *Server
	fake    *fakeBackend
	client  *Client
	wire    *testhelp.Buffer // everything the client read
	log     *testhelp.Buffer // the server's log
	serveCh chan error
}

func serve(t *testing.T, fake *fakeBackend, opts ServerOptions) *served {
	t.Helper()
	s := &served{path: filepath.Join(shortDir(t), "api.sock"), fake: fake, wire: &testhelp.Buffer{}, log: &testhelp.Buffer{}, serveCh: make(chan error, 1)}
	if opts.Logger == nil {
		opts.Logger = debugLogger(s.log)
	}
	l, err := Listen(s.path)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	s.srv = NewServer(fake, opts)
	go func() { s.serveCh <- s.srv.Serve(l) }()
	s.client = NewClientWithDialer(func(ctx context.Context) (net.Conn, error) {
		c, err := Dial(ctx, s.path)
		if err != nil {
			return nil, err
		}
		return &recordingConn{Conn: c, rec: s.wire}, nil
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-s.serveCh; err != nil {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s
}

// raw sends a hand-made request over the socket: the headers a browser or a
// stranger would send, which the Client never does.
func (s *served) raw(t *testing.T, method, path, host string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return Dial(ctx, s.path)
	}}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(method, "http://"+host+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// ownerPeer is the caller a test's direct ServeHTTP call claims to be.
func ownerPeer() Peer { return Peer{UID: os.Getuid(), PID: 1} }

// do runs one request through ServeHTTP as the owner.
func do(t testing.TB, h http.Handler, method, target string, header http.Header, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://"+LocalAPIHost+target, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req = req.WithContext(WithPeer(req.Context(), ownerPeer()))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// apiError decodes an error response body, failing the test if it is not
// the API's error shape.
func apiError(t testing.TB, body []byte) *APIError {
	t.Helper()
	var eb errorBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil || eb.Error == nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("body is not {\"error\":{\"code\",\"message\"}}: %q (%v)", body, err)
	}
	return eb.Error
}

var errBoom = errors.New("boom")
