//go:build unix

package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/internal/testhelp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRoundTrip calls every endpoint through the client over a real unix
// socket and checks what arrived at the backend and what came back.
func TestRoundTrip(t *testing.T) {
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	ctx := context.Background()
	c := s.client

	st, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if !reflect.DeepEqual(st, fake.status) {
		t.Errorf("Status = %+v\nwant %+v", st, fake.status)
	}

	for _, a := range []struct {
		name string
		call func(context.Context) error
	}{{"SyncNow", c.SyncNow}, {"SyncContactsNow", c.SyncContactsNow},
		{"SyncJobNow", func(ctx context.Context) error { return c.SyncJobNow(ctx, "contacts") }}, {"Pause", c.Pause}, {"Resume", c.Resume}} {
		if err := a.call(ctx); err != nil {
			t.Errorf("%s: %v", a.name, err)
		}
	}

	cfg, err := c.Config(ctx)
	if err != nil || !bytes.Equal(cfg, fake.config) {
		t.Errorf("Config = %s, %v", cfg, err)
	}
	newCfg := []byte(`{"version":1,"sync":{"interval":"5m"}}`)
	if err := c.PutConfig(ctx, newCfg); err != nil {
		t.Fatalf("PutConfig: %v", err)
	}
	if got, _ := c.Config(ctx); !bytes.Equal(got, newCfg) {
		t.Errorf("config after put = %s", got)
	}

	if err := c.SetSecret(ctx, "graph", "v"); err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	states, err := c.SecretStatus(ctx)
	want := []SecretState{{Name: "graph", Set: true, Source: "keychain"}, {Name: "onecloud"}}
	if err != nil || !reflect.DeepEqual(states, want) {
		t.Errorf("SecretStatus = %+v, %v", states, err)
	}

	dir, err := c.OneCloudDirectory(ctx)
	if err != nil || !reflect.DeepEqual(dir, fake.dir) {
		t.Errorf("OneCloudDirectory = %+v, %v", dir, err)
	}
	steps, err := c.TestConnection(ctx)
	if err != nil || !reflect.DeepEqual(steps, fake.steps) {
		t.Errorf("TestConnection = %+v, %v", steps, err)
	}
	lines, err := c.Logs(ctx, 50)
	if err != nil || !reflect.DeepEqual(lines, fake.logs) || fake.lastN != 50 {
		t.Errorf("Logs = %v, %v (n %d)", lines, err, fake.lastN)
	}
	if _, err := c.Logs(ctx, 0); err != nil || fake.lastN != DefaultLogLines {
		t.Errorf("Logs(0): %v, n %d", err, fake.lastN)
	}

	wantCalls := []string{"Status", "SyncNow", "SyncJobNow contacts", "SyncJobNow contacts", "Pause", "Resume", "Config", "PutConfig", "Config", "SetSecret",
		"SecretStatus", "OneCloudDirectory", "TestConnection", "Logs", "Logs"}
	if got := fake.callList(); !reflect.DeepEqual(got, wantCalls) {
		t.Errorf("backend calls %v\nwant %v", got, wantCalls)
	}
}

// umask sets the process umask and returns the old one.
func umask(m int) int { return syscall.Umask(m) }

// TestStatusGolden pins the status wire format the GUI decodes.
func TestStatusGolden(t *testing.T) {
	s := serve(t, newFake(), ServerOptions{})
	resp, body := s.raw(t, "GET", "/localapi/v0/status", LocalAPIHost, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "status.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("status JSON differs from %s:\n%s", golden, pretty.Bytes())
	}
}

// TestSocketMode checks the socket is 0600 and no temporary name is left.
func TestSocketMode(t *testing.T) {
	s := serve(t, newFake(), ServerOptions{})
	fi, err := os.Lstat(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want socket 0600", fi.Mode())
	}
	entries, err := os.ReadDir(filepath.Dir(s.path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "api.sock" {
		t.Errorf("directory holds %v, want only api.sock", entries)
	}
}

// TestSocketModeUnderWideUmask checks the mode does not depend on the umask.
func TestSocketModeUnderWideUmask(t *testing.T) {
	old := umask(0)
	defer umask(old)
	path := filepath.Join(shortDir(t), "api.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
}

// TestSecretsWriteOnly writes a secret and then tries every way to read it
// back: none works, and no byte the client received nor any log line holds
// the value.
func TestSecretsWriteOnly(t *testing.T) {
	const value = "Zx8~Q-super-secret-client-value"
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	ctx := context.Background()
	if err := s.client.SetSecret(ctx, "graph", value); err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	if fake.secrets["graph"] != value {
		t.Fatalf("backend got %q", fake.secrets["graph"])
	}
	states, err := s.client.SecretStatus(ctx)
	if err != nil || len(states) != 2 || !states[0].Set {
		t.Fatalf("SecretStatus = %+v, %v", states, err)
	}
	for _, target := range []string{"/localapi/v0/secrets/graph", "/localapi/v0/secrets/graph/value", "/localapi/v0/secrets?name=graph", "/localapi/v0/secret/graph"} {
		resp, body := s.raw(t, "GET", target, LocalAPIHost, nil, nil)
		if resp.StatusCode == 200 && target != "/localapi/v0/secrets?name=graph" {
			t.Errorf("GET %s = 200", target)
		}
		if bytes.Contains(body, []byte(value)) {
			t.Errorf("GET %s returned the value", target)
		}
	}
	// Every other read endpoint, and the failure paths.
	_, _ = s.client.Status(ctx)
	_, _ = s.client.Config(ctx)
	_, _ = s.client.Logs(ctx, 10)
	_, _ = s.client.OneCloudDirectory(ctx)
	if err := s.client.SetSecret(ctx, "echo", value); err == nil || strings.Contains(err.Error(), value) {
		t.Errorf("SetSecret(echo) error %v", err)
	}
	if bytes.Contains(s.wire.Bytes(), []byte(value)) {
		t.Error("a response carried the secret value")
	}
	if len(s.wire.Bytes()) == 0 {
		t.Error("recorded nothing: the check above proves nothing")
	}
	if bytes.Contains(s.log.Bytes(), []byte(value)) {
		t.Errorf("the server log holds the secret value:\n%s", s.log.Bytes())
	}
}

// TestEventStream checks events arrive in order and the stream ends, on the
// server too, when the client's context ends.
func TestEventStream(t *testing.T) {
	fake := newFake()
	fake.subs = make(chan *subscription, 1)
	s := serve(t, fake, ServerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := s.client.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	sub := <-fake.subs
	const n = 200
	go func() {
		for i := range n {
			ev := Event{Type: EventLog, Time: time.Unix(int64(i), 0).UTC(), Message: fmt.Sprint(i)}
			if i%50 == 0 {
				ev = Event{Type: EventStatus, Time: ev.Time, Message: ev.Message, Status: &fake.status}
			}
			select {
			case sub.ch <- ev:
			case <-sub.ctx.Done():
				return
			}
		}
	}()
	for i := range n {
		ev, err := stream.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if ev.Message != fmt.Sprint(i) || !ev.Time.Equal(time.Unix(int64(i), 0)) {
			t.Fatalf("event %d is %+v: out of order", i, ev)
		}
		if i%50 == 0 && (ev.Type != EventStatus || ev.Status == nil || ev.Status.Users[0].Name != "Anna Rossi") {
			t.Fatalf("event %d lost its status: %+v", i, ev)
		}
	}
	cancel()
	if _, err := stream.Next(); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel = %v, want context.Canceled", err)
	}
	<-sub.ctx.Done() // the server stopped streaming: its request context ended
	_ = stream.Close()
}

// TestEventStreamLogged: each watcher's stream is one line at info when it
// opens and one when it closes, naming the caller (the Windows harness reads
// it to see that the window attached to the service).
func TestEventStreamLogged(t *testing.T) {
	var logs testhelp.Buffer
	fake := newFake()
	fake.subs = make(chan *subscription, 1)
	s := serve(t, fake, ServerOptions{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := s.client.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	sub := <-fake.subs
	if _, err := s.client.Status(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-sub.ctx.Done()
	_ = stream.Close()
	for i := 0; !strings.Contains(logs.String(), "event stream closed"); i++ {
		if i > 200 {
			t.Fatalf("no close logged:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if strings.Count(out, "level=INFO msg=\"event stream opened\" peer=") != 1 || strings.Count(out, "level=INFO msg=\"event stream closed\" peer=") != 1 {
		t.Errorf("want one opened and one closed line at info:\n%s", out)
	}
	if strings.Contains(out, "endpoint=status") {
		t.Errorf("a plain request was logged at info:\n%s", out)
	}
}

// TestEventStreamEnds checks the two ways the service ends a stream: the
// backend closes the channel, or the server shuts down; both read as io.EOF.
func TestEventStreamEnds(t *testing.T) {
	t.Run("backend closes", func(t *testing.T) {
		fake := newFake()
		fake.subs = make(chan *subscription, 1)
		s := serve(t, fake, ServerOptions{})
		stream, err := s.client.Events(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()
		sub := <-fake.subs
		sub.ch <- Event{Type: EventSyncStarted}
		close(sub.ch)
		if ev, err := stream.Next(); err != nil || ev.Type != EventSyncStarted {
			t.Fatalf("Next = %+v, %v", ev, err)
		}
		if _, err := stream.Next(); err != io.EOF {
			t.Errorf("Next = %v, want io.EOF", err)
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		fake := newFake()
		fake.subs = make(chan *subscription, 1)
		s := serve(t, fake, ServerOptions{})
		stream, err := s.client.Events(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()
		<-fake.subs
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Shutdown must not wait for the stream to go idle by itself.
		if err := s.srv.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if _, err := stream.Next(); err != io.EOF {
			t.Errorf("Next = %v, want io.EOF", err)
		}
		if _, err := os.Lstat(s.path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("socket file left after shutdown: %v", err)
		}
	})
}

// TestSubscribeOverClient checks *Client as a Backend: Subscribe delivers
// and closes its channel at the end.
func TestSubscribeOverClient(t *testing.T) {
	fake := newFake()
	fake.subs = make(chan *subscription, 1)
	s := serve(t, fake, ServerOptions{})
	var b Backend = s.client
	ch, err := b.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sub := <-fake.subs
	sub.ch <- Event{Type: EventPresence, Presence: &PresenceChange{OneCloudUser: "1001", To: Presence{Activity: "meeting"}}}
	close(sub.ch)
	ev, ok := <-ch
	if !ok || ev.Presence == nil || ev.Presence.To.Activity != "meeting" {
		t.Fatalf("got %+v, %v", ev, ok)
	}
	if _, ok := <-ch; ok {
		t.Error("channel not closed at stream end")
	}
}

// TestHeartbeat checks an idle stream carries an empty line per heartbeat
// period, which the client skips.
func TestHeartbeat(t *testing.T) {
	fake := newFake()
	fake.subs = make(chan *subscription, 1)
	fc := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := serve(t, fake, ServerOptions{Clock: fc})
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return Dial(ctx, s.path)
	}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+LocalAPIHost+"/localapi/v0/events", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	sub := <-fake.subs
	r := bufio.NewReader(resp.Body)
	for i := range 3 {
		if !fc.WaitForTimers(1, 10*time.Second) {
			t.Fatal("stream never armed its heartbeat")
		}
		fc.Advance(DefaultHeartbeat)
		line, err := r.ReadString('\n')
		if err != nil || line != "\n" {
			t.Fatalf("heartbeat %d: %q, %v", i, line, err)
		}
	}
	sub.ch <- Event{Type: EventError, Message: "after heartbeats"}
	line, err := r.ReadString('\n')
	if err != nil || !strings.Contains(line, `"after heartbeats"`) {
		t.Fatalf("event line %q, %v", line, err)
	}
}

// TestRefusedOverSocket runs the browser and Host checks through the real
// server, not just ServeHTTP.
func TestRefusedOverSocket(t *testing.T) {
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	for _, tt := range []struct {
		name   string
		host   string
		header http.Header
		code   string
	}{
		{"origin", LocalAPIHost, http.Header{"Origin": {"http://localhost:3000"}}, CodeBrowserRefused},
		{"referer", LocalAPIHost, http.Header{"Referer": {"http://localhost:3000/"}}, CodeBrowserRefused},
		{"host", "localhost", nil, CodeBadHost},
		{"rebinding host", "attacker.example:80", nil, CodeBadHost},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.raw(t, "POST", "/localapi/v0/pause", tt.host, tt.header, nil)
			if resp.StatusCode != 403 || apiError(t, body).Code != tt.code {
				t.Errorf("got %d %s", resp.StatusCode, body)
			}
		})
	}
	if calls := fake.callList(); len(calls) != 0 {
		t.Errorf("refused requests reached the backend: %v", calls)
	}
}

// TestIdentifyHook checks the server asks Identify about each connection and
// refuses a caller the policy does not admit, reaching the client as a typed
// error.
func TestIdentifyHook(t *testing.T) {
	t.Run("stranger", func(t *testing.T) {
		fake := newFake()
		s := serve(t, fake, ServerOptions{Identify: func(net.Conn) (Peer, error) { return Peer{UID: 4242}, nil }})
		_, err := s.client.Status(context.Background())
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 403 || ae.Code != CodePeerRefused || !strings.Contains(ae.Message, "uid 4242") {
			t.Fatalf("Status error %v", err)
		}
		if len(fake.callList()) != 0 {
			t.Error("backend called")
		}
	})
	t.Run("unidentifiable", func(t *testing.T) {
		s := serve(t, newFake(), ServerOptions{Identify: func(net.Conn) (Peer, error) { return Peer{}, errors.New("no credentials") }})
		var ae *APIError
		if _, err := s.client.Status(context.Background()); !errors.As(err, &ae) || ae.Code != CodePeerRefused || !strings.Contains(ae.Message, "no credentials") {
			t.Fatalf("Status error %v", err)
		}
	})
	t.Run("read-only group", func(t *testing.T) {
		s := serve(t, newFake(), ServerOptions{
			Identify: func(net.Conn) (Peer, error) { return Peer{UID: 4242, GIDs: []int{99}}, nil },
			Policy:   &Policy{OwnerUID: os.Getuid(), ReadGIDs: []int{99}},
		})
		if _, err := s.client.Status(context.Background()); err != nil {
			t.Errorf("Status: %v", err)
		}
		var ae *APIError
		if err := s.client.SyncNow(context.Background()); !errors.As(err, &ae) || ae.Code != CodeReadOnly {
			t.Errorf("SyncNow error %v", err)
		}
	})
}

// TestKernelPeerCredentials checks the default Identify reports this
// process's own uid and pid over a real socket.
func TestKernelPeerCredentials(t *testing.T) {
	path := filepath.Join(shortDir(t), "p.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan Peer, 1)
	errc := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			errc <- err
			return
		}
		defer c.Close()
		p, err := PeerCredentials(c)
		if err != nil {
			errc <- err
			return
		}
		got <- p
	}()
	c, err := Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case err := <-errc:
		t.Fatal(err)
	case p := <-got:
		if p.UID != os.Getuid() || p.Privileged {
			t.Errorf("peer %+v, want uid %d", p, os.Getuid())
		}
		if (p.PID != 0 && p.PID != os.Getpid()) || len(p.GIDs) == 0 {
			t.Errorf("peer %+v, want pid %d and groups", p, os.Getpid())
		}
	}
	if _, err := PeerCredentials(&net.TCPConn{}); err == nil {
		t.Error("PeerCredentials accepted a TCP connection")
	}
}

// TestClientErrors checks the typed errors a GUI tells apart: not running,
// validation fields, timeouts.
func TestClientErrors(t *testing.T) {
	t.Run("not running", func(t *testing.T) {
		c := NewClient(filepath.Join(shortDir(t), "none.sock"))
		_, err := c.Status(context.Background())
		if !errors.Is(err, ErrNotRunning) {
			t.Errorf("error %v, want ErrNotRunning", err)
		}
	})
	t.Run("connection never accepted", func(t *testing.T) {
		// A pipe or socket nobody accepts on: the dial, not the caller's
		// deadline (the event stream has none), ends the wait.
		c := NewClientWithDialer(func(ctx context.Context) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})
		c.DialTimeout = 20 * time.Millisecond
		_, err := c.Events(context.Background())
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "nothing accepted the connection within 20ms") {
			t.Errorf("error %v, want ErrNotRunning saying nothing accepted the connection", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Status(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotRunning) {
			t.Errorf("a cancelled call: %v, want context.Canceled, not ErrNotRunning", err)
		}
	})
	t.Run("stale socket", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "stale.sock")
		makeStaleSocket(t, path)
		if err := NewClient(path).SyncNow(context.Background()); !errors.Is(err, ErrNotRunning) {
			t.Errorf("error %v, want ErrNotRunning", err)
		}
	})
	t.Run("validation", func(t *testing.T) {
		fake := newFake()
		fields := []FieldError{{"connector.tenantId", "must be a GUID"}, {"users[3].mailbox", "not an email address"}}
		fake.setErr("PutConfig", fmt.Errorf("validate: %w", &ValidationError{Fields: fields}))
		s := serve(t, fake, ServerOptions{})
		err := s.client.PutConfig(context.Background(), []byte(`{"version":1}`))
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 422 || ae.Code != CodeInvalid {
			t.Fatalf("error %v", err)
		}
		if !reflect.DeepEqual(FieldErrors(err), fields) {
			t.Errorf("FieldErrors = %v", FieldErrors(err))
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Fields, fields) {
			t.Errorf("errors.As ValidationError: %v", ve)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		fake := newFake()
		fake.blockStatus = true
		s := serve(t, fake, ServerOptions{})
		s.client.Timeout = 50 * time.Millisecond
		if _, err := s.client.Status(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want DeadlineExceeded", err)
		}
	})
	t.Run("bad secret name", func(t *testing.T) {
		fake := newFake()
		s := serve(t, fake, ServerOptions{})
		if err := s.client.SetSecret(context.Background(), "../config", "v"); err == nil {
			t.Error("SetSecret accepted a bad name")
		}
		if len(fake.callList()) != 0 {
			t.Error("bad name reached the backend")
		}
	})
}

// makeStaleSocket leaves a socket file nobody listens on, as a crash does.
func makeStaleSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	_ = l.Close()
}

// TestListen covers what Listen finds at the path.
func TestListen(t *testing.T) {
	t.Run("stale socket replaced", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "api.sock")
		makeStaleSocket(t, path)
		l, err := Listen(path)
		if err != nil {
			t.Fatalf("Listen over a stale socket: %v", err)
		}
		defer l.Close()
		if l.Addr().String() != path {
			t.Errorf("Addr %s", l.Addr())
		}
	})
	t.Run("live socket kept", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "api.sock")
		l, err := Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
		if _, err := Listen(path); !errors.Is(err, ErrInUse) {
			t.Errorf("second Listen = %v, want ErrInUse", err)
		}
		if c, err := Dial(context.Background(), path); err != nil {
			t.Errorf("first listener lost its socket: %v", err)
		} else {
			_ = c.Close()
		}
	})
	t.Run("regular file kept", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "api.sock")
		if err := os.WriteFile(path, []byte("config"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(path); err == nil || !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("Listen = %v", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "config" {
			t.Error("file changed")
		}
	})
	t.Run("symlink kept", func(t *testing.T) {
		dir := shortDir(t)
		path := filepath.Join(dir, "api.sock")
		if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(path); err == nil {
			t.Error("Listen replaced a symlink")
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if _, err := Listen(filepath.Join(shortDir(t), "no", "api.sock")); err == nil {
			t.Error("Listen in a missing directory succeeded")
		}
	})
	t.Run("path too long", func(t *testing.T) {
		path := filepath.Join(shortDir(t), strings.Repeat("x", 120)+".sock")
		if _, err := Listen(path); err == nil || !strings.Contains(err.Error(), "at most") {
			t.Errorf("Listen = %v", err)
		}
	})
	t.Run("empty path", func(t *testing.T) {
		if _, err := Listen(""); err == nil {
			t.Error("Listen(\"\") succeeded")
		}
	})
	t.Run("close removes own socket only", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "api.sock")
		l, err := Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("socket left after Close: %v", err)
		}
		l1, err := Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		// Another instance replaced the file (as after a crash and
		// restart); closing the old listener must not remove the new one.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		l2, err := Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		defer l2.Close()
		_ = l1.Close()
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("closing the old listener removed the new socket: %v", err)
		}
	})
}

// TestServeAfterShutdown checks Serve returns at once, closing the listener.
func TestServeAfterShutdown(t *testing.T) {
	srv := NewServer(newFake(), ServerOptions{})
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(shortDir(t), "api.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l); err != nil {
		t.Errorf("Serve after Shutdown = %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("listener not closed")
	}
}
