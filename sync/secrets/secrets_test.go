package secrets

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeBackend is a Memory with injectable failures, a call log, and an
// optional gate that holds every call until closed.
type fakeBackend struct {
	Memory
	getErr, setErr, delErr error
	gate                   chan struct{} // nil: no blocking
	entered                chan struct{} // receives once per call when gate != nil

	mu    sync.Mutex
	calls []string
}

func (f *fakeBackend) record(op string) {
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.mu.Unlock()
	if f.gate != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Get(service, user string) (string, error) {
	f.record("get " + service + "/" + user)
	if f.getErr != nil {
		return "", f.getErr
	}
	return f.Memory.Get(service, user)
}

func (f *fakeBackend) Set(service, user, pw string) error {
	f.record("set " + service + "/" + user)
	if f.setErr != nil {
		return f.setErr
	}
	return f.Memory.Set(service, user, pw)
}

func (f *fakeBackend) Delete(service, user string) error {
	f.record("delete " + service + "/" + user)
	if f.delErr != nil {
		return f.delErr
	}
	return f.Memory.Delete(service, user)
}

// mocked is the go-keyring backend for tests that put go-keyring's mock in
// place: the mock needs no session bus, so the reachability check is off.
func mocked() KeyringBackend {
	return KeyringBackend{Reachable: func() error { return nil }}
}

// envMap returns a Getenv reading from m.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in      string
		want    Name
		wantErr string // substring; "" means success
	}{
		{"graph", Graph, ""},
		{"onecloud", OneCloud, ""},
		{"GRAPH", Graph, ""},
		{" OneCloud\n", OneCloud, ""},
		{"", "", "secret name is empty; expected one of: graph, onecloud"},
		{" \t", "", "secret name is empty"},
		{"grahp", "", "unknown secret name (not repeated here in case it is a secret value); expected one of: graph, onecloud"},
		{"onecloud-api-token", "", "unknown secret name"},
		{"bad\x01", "", "unknown secret name"},
	}
	for _, tt := range tests {
		got, err := ParseName(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseName(%q) error = %v; want it to contain %q", tt.in, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "graph, onecloud") {
			t.Errorf("ParseName(%q) error %q does not list the valid names", tt.in, err)
		}
	}
}

func TestNameKeys(t *testing.T) {
	tests := []struct {
		n                   Name
		user, env, describe string
	}{
		{Graph, "graph-client-secret", "CALSYNC_GRAPH_SECRET", "Entra app client secret"},
		{OneCloud, "onecloud-api-token", "CALSYNC_ONECLOUD_TOKEN", "OneCloud API token"},
		{Name("other"), "", "", ""},
	}
	for _, tt := range tests {
		if got := tt.n.User(); got != tt.user {
			t.Errorf("%q.User() = %q, want %q", tt.n, got, tt.user)
		}
		if got := tt.n.EnvVar(); got != tt.env {
			t.Errorf("%q.EnvVar() = %q, want %q", tt.n, got, tt.env)
		}
		if got := tt.n.Description(); got != tt.describe {
			t.Errorf("%q.Description() = %q, want %q", tt.n, got, tt.describe)
		}
	}
	if got := Names(); len(got) != 2 || got[0] != Graph || got[1] != OneCloud {
		t.Errorf("Names() = %v", got)
	}
}

func TestNewDefaults(t *testing.T) {
	s := New(Options{})
	if s.Service() != "calsync" {
		t.Errorf("default service = %q, want calsync", s.Service())
	}
	if _, ok := s.backend.(KeyringBackend); !ok {
		t.Errorf("default backend = %T, want KeyringBackend", s.backend)
	}
	if s.getenv == nil || s.log == nil || s.goos == "" {
		t.Errorf("defaults not filled: %+v", s)
	}
	if got := New(Options{Service: "other"}).Service(); got != "other" {
		t.Errorf("Service() = %q, want other", got)
	}
}

// TestGoKeyringMock runs the whole life cycle through the default backend
// (go-keyring) with its in-memory mock.
func TestGoKeyringMock(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	s := New(Options{Backend: mocked(), Getenv: envMap(nil)})

	for _, st := range s.Status(ctx) {
		if st.Set || st.Source != "" || st.Err != "" {
			t.Errorf("fresh status %+v, want unset without error", st)
		}
	}
	if err := s.Set(ctx, Graph, "  client-secret-1\r\n"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	// Stored under the documented service and user key, trimmed.
	if v, err := keyring.Get("calsync", "graph-client-secret"); err != nil || v != "client-secret-1" {
		t.Fatalf("keyring item = %q, %v; want client-secret-1", v, err)
	}
	v, src, err := s.Get(ctx, Graph)
	if err != nil || v != "client-secret-1" || src != Keychain {
		t.Fatalf("Get = %q, %q, %v", v, src, err)
	}
	st := s.Status(ctx)
	want := []Status{{Name: Graph, Service: "calsync", Account: "graph-client-secret", Set: true, Source: Keychain},
		{Name: OneCloud, Service: "calsync", Account: "onecloud-api-token"}}
	if len(st) != 2 || st[0] != want[0] || st[1] != want[1] {
		t.Fatalf("Status = %+v, want %+v", st, want)
	}
	// Set again replaces.
	if err := s.Set(ctx, Graph, "client-secret-2"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s.Get(ctx, Graph); v != "client-secret-2" {
		t.Fatalf("after replace Get = %q", v)
	}
	if err := s.Delete(ctx, Graph); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := s.Get(ctx, Graph); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	} else if !strings.Contains(err.Error(), "calsync secret set graph") || !strings.Contains(err.Error(), "CALSYNC_GRAPH_SECRET") {
		t.Errorf("not-found message does not say how to fix it: %v", err)
	}
	if err := s.Delete(ctx, Graph); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
}

func TestGetPrecedence(t *testing.T) {
	tests := []struct {
		name     string
		keychain string // "" = absent
		env      string
		want     string
		wantSrc  Source
	}{
		{"keychain only", "kc-value", "", "kc-value", Keychain},
		{"env only", "", "env-value", "env-value", Environment},
		{"environment wins", "kc-value", "env-value", "env-value", Environment},
		{"env trimmed", "", "  env-value\n", "env-value", Environment},
		{"blank env is unset", "", " \n", "", ""},
		{"neither", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := &fakeBackend{}
			if tt.keychain != "" {
				_ = b.Memory.Set("calsync", "onecloud-api-token", tt.keychain)
			}
			s := New(Options{Backend: b, Getenv: envMap(map[string]string{"CALSYNC_ONECLOUD_TOKEN": tt.env})})
			v, src, err := s.Get(ctx, OneCloud)
			if tt.wantSrc == "" {
				if !errors.Is(err, ErrNotFound) || v != "" || src != "" {
					t.Fatalf("Get = %q, %q, %v; want ErrNotFound", v, src, err)
				}
			} else if err != nil || v != tt.want || src != tt.wantSrc {
				t.Fatalf("Get = %q, %q, %v; want %q from %s", v, src, err, tt.want, tt.wantSrc)
			}
			st := s.Status(ctx)[1]
			if st.Name != OneCloud || st.Set != (tt.wantSrc != "") || st.Source != tt.wantSrc || st.Err != "" {
				t.Fatalf("Status = %+v", st)
			}
		})
	}
}

func TestKeychainUnavailable(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		cause  error
		reason string
	}{
		{"no session bus", ErrNoSessionBus, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			"it is locked, and no desktop session is there to ask for its password"},
		{"no secret service", errors.New("The name org.freedesktop.secrets was not provided by any .service files"),
			"no Secret Service (GNOME Keyring, KWallet) runs on the D-Bus session bus"},
		{"activation timed out", errors.New("Failed to activate service 'org.freedesktop.secrets': timed out (service_start_timeout=25000ms)"),
			"the Secret Service (GNOME Keyring, KWallet) could not be started on the D-Bus session bus"},
		{"stale bus address", errors.New("dial unix /tmp/dbus-x: connect: no such file or directory"),
			"the D-Bus session bus in DBUS_SESSION_BUS_ADDRESS cannot be reached"},
		{"anything else", errors.New("org.freedesktop.DBus.Error.AccessDenied: nope"), "it refused the request or could not be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInitWithError(tt.cause)
			t.Cleanup(keyring.MockInit)

			// The environment is used without asking the keychain.
			b := &fakeBackend{getErr: tt.cause}
			s := New(Options{Backend: b, Getenv: envMap(map[string]string{"CALSYNC_GRAPH_SECRET": "from-env"})})
			v, src, err := s.Get(ctx, Graph)
			if err != nil || v != "from-env" || src != Environment {
				t.Fatalf("Get = %q, %q, %v; want from-env from environment", v, src, err)
			}
			st := s.Status(ctx)
			if !st[0].Set || st[0].Source != Environment || st[0].Err != "" {
				t.Errorf("graph status = %+v; want set from the environment, no keychain error", st[0])
			}
			if st[1].Set || !strings.HasPrefix(st[1].Err, "the system keychain is not available here: "+tt.reason) {
				t.Errorf("onecloud status = %+v; want unset with %q", st[1], tt.reason)
			}
			if calls := b.Calls(); len(calls) != 1 || calls[0] != "get calsync/onecloud-api-token" {
				t.Errorf("keychain calls = %v; want only the onecloud lookup", calls)
			}

			// Without it, one plain message: what happened and both remedies.
			s = New(Options{Backend: mocked(), Getenv: envMap(nil)})
			_, _, err = s.Get(ctx, Graph)
			if !errors.Is(err, ErrKeychain) || !errors.Is(err, tt.cause) || errors.Is(err, ErrNotFound) {
				t.Fatalf("Get error = %v; want ErrKeychain wrapping the cause", err)
			}
			want := "get graph secret: the system keychain is not available here: " + tt.reason
			for _, w := range []string{want, "calsync secret set graph", "CALSYNC_GRAPH_SECRET"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Get error %q lacks %q", err, w)
				}
			}
			if tt.cause != ErrNoSessionBus && strings.Contains(err.Error(), tt.cause.Error()) {
				t.Errorf("Get error %q repeats the raw keychain text", err)
			}
			for what, err := range map[string]error{"Set": s.Set(ctx, Graph, "value"), "Delete": s.Delete(ctx, Graph)} {
				if !errors.Is(err, ErrKeychain) || !errors.Is(err, tt.cause) || !strings.Contains(err.Error(), "calsync secret set graph") {
					t.Errorf("%s error = %v; want ErrKeychain with the remedy", what, err)
				}
			}
		})
	}
}

// TestKeychainDeadline: a keychain that never answers (a D-Bus activation
// waiting out its timeout) costs one short deadline, not minutes, and the
// next secret of a Status does not wait again.
func TestKeychainDeadline(t *testing.T) {
	b := &fakeBackend{gate: make(chan struct{}), entered: make(chan struct{}, 8)}
	t.Cleanup(func() { close(b.gate) })
	s := New(Options{Backend: b, Getenv: envMap(nil), LookupTimeout: 50 * time.Millisecond, WriteTimeout: 50 * time.Millisecond})
	ctx := context.Background()

	start := time.Now()
	_, _, err := s.Get(ctx, Graph)
	if !errors.Is(err, ErrKeychain) || !strings.Contains(err.Error(), "did not answer within 50ms") ||
		!strings.Contains(err.Error(), "CALSYNC_GRAPH_SECRET") {
		t.Fatalf("Get = %v; want the deadline and the remedies", err)
	}
	st := s.Status(ctx)
	if st[0].Set || st[1].Set || !strings.Contains(st[0].Err, "did not answer") || st[1].Err != st[0].Err {
		t.Errorf("Status = %+v", st)
	}
	if err := s.Set(ctx, OneCloud, "v"); !errors.Is(err, ErrKeychain) || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("Set = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
	if n := len(b.Calls()); n != 3 {
		t.Errorf("%d keychain calls; want 3 (Get, one for Status, Set)", n)
	}
}

func TestBackendTooBigMapped(t *testing.T) {
	keyring.MockInitWithError(keyring.ErrSetDataTooBig)
	t.Cleanup(keyring.MockInit)
	s := New(Options{Backend: mocked(), Getenv: envMap(nil)})
	err := s.Set(context.Background(), OneCloud, "token")
	if !errors.Is(err, ErrTooBig) || errors.Is(err, ErrKeychain) {
		t.Fatalf("Set error = %v; want ErrTooBig", err)
	}
	if !strings.Contains(err.Error(), "refused 5 bytes") {
		t.Errorf("Set error %q does not say how much was refused", err)
	}
}

func TestSetNormalizes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"abc\n", "abc"},
		{"abc\r\n", "abc"},
		{"  abc  \n", "abc"},
		{"\tabc \t\r\n", "abc"},
		{"a b c", "a b c"},
		{"pässwörd€", "pässwörd€"},
		{"x~Q8Q~.-_=+/", "x~Q8Q~.-_=+/"},
	}
	for _, tt := range tests {
		b := &fakeBackend{}
		s := New(Options{Backend: b, Getenv: envMap(nil)})
		if err := s.Set(context.Background(), Graph, tt.in); err != nil {
			t.Errorf("Set(%q): %v", tt.in, err)
			continue
		}
		if got, _ := b.Memory.Get("calsync", "graph-client-secret"); got != tt.want {
			t.Errorf("Set(%q) stored %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSetRejects(t *testing.T) {
	tests := []struct {
		name, in string
		is       error
		msg      string
	}{
		{"empty", "", ErrInvalidValue, "empty"},
		{"newline only", "\n", ErrInvalidValue, "empty"},
		{"spaces only", "  \r\n", ErrInvalidValue, "empty"},
		{"two trailing newlines", "abc\n\n", ErrInvalidValue, "control character (U+000A) at byte 3"},
		{"inner tab", "a\tb", ErrInvalidValue, "control character (U+0009) at byte 1"},
		{"inner newline", "line1\nline2", ErrInvalidValue, "U+000A"},
		{"NUL", "a\x00b", ErrInvalidValue, "U+0000"},
		{"DEL", "ab\x7f", ErrInvalidValue, "U+007F"},
		{"C1 control", "a\u0085b", ErrInvalidValue, "U+0085"},
		{"escape sequence", "\x1b[31mred", ErrInvalidValue, "U+001B"},
		{"invalid UTF-8", "a\xffb", ErrInvalidValue, "UTF-8"},
		{"too big for linux", strings.Repeat("x", MaxInputBytes+1), ErrTooBig, "calsync accepts at most 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBackend{}
			s := New(Options{Backend: b, Getenv: envMap(nil)})
			s.goos = "linux"
			err := s.Set(context.Background(), Graph, tt.in)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Set error = %v; want %v containing %q", err, tt.is, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "set graph secret: ") {
				t.Errorf("error %q does not say what was being done", err)
			}
			if calls := b.Calls(); len(calls) != 0 {
				t.Errorf("backend called for a rejected value: %v", calls)
			}
		})
	}
}

func TestMaxSecretBytes(t *testing.T) {
	tests := []struct {
		goos string
		want int
	}{
		{"windows", 2560},
		{"darwin", 3000},
		{"ios", 3000},
		{"linux", 65536},
		{"freebsd", 65536},
		{"", 65536},
	}
	for _, tt := range tests {
		if got := MaxSecretBytes(tt.goos); got != tt.want {
			t.Errorf("MaxSecretBytes(%q) = %d, want %d", tt.goos, got, tt.want)
		}
	}
}

// TestSetLimitPerGOOS checks that the limit is enforced before anything is
// written, counting bytes (not runes) of the trimmed value.
func TestSetLimitPerGOOS(t *testing.T) {
	tests := []struct {
		goos, store string
	}{
		{"windows", "Windows Credential Manager holds at most 2560 bytes"},
		{"darwin", "the macOS Keychain holds at most 3000 bytes"},
		{"linux", "calsync accepts at most 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			limit := MaxSecretBytes(tt.goos)
			b := &fakeBackend{}
			s := New(Options{Backend: b, Getenv: envMap(nil)})
			s.goos = tt.goos
			ctx := context.Background()

			// Exactly at the limit, plus a trailing newline that is trimmed: accepted.
			if err := s.Set(ctx, Graph, strings.Repeat("a", limit)+"\n"); err != nil {
				t.Fatalf("value at the limit refused: %v", err)
			}
			// One byte over, made of a 2-byte rune: bytes count, not runes.
			over := strings.Repeat("a", limit-1) + "é"
			err := s.Set(ctx, OneCloud, over)
			if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), tt.store) {
				t.Fatalf("Set over the limit = %v; want ErrTooBig mentioning %q", err, tt.store)
			}
			if !strings.Contains(err.Error(), "the value is "+strconv.Itoa(limit+1)+" bytes") {
				t.Errorf("error %q does not give the size", err)
			}
			if calls := b.Calls(); len(calls) != 1 || calls[0] != "set calsync/graph-client-secret" {
				t.Errorf("backend calls = %v; want only the accepted set", calls)
			}
		})
	}
}

// TestDarwinLimitFitsGoKeyring re-creates the `security -i` command line
// go-keyring v0.2.8 builds on macOS and checks a value of MaxSecretBytes
// ("darwin") fits its 4096-byte bound with calsync's service and user keys
// (base64 output and calsync's names need no shell quoting).
func TestDarwinLimitFitsGoKeyring(t *testing.T) {
	const (
		goKeyringCommandMax = 4096
		base64Prefix        = "go-keyring-base64:"
	)
	b64 := func(n int) int { return (n + 2) / 3 * 4 }
	for _, n := range Names() {
		cmd := len("add-generic-password -U -s ") + len(DefaultService) + len(" -a ") + len(n.User()) +
			len(" -w ") + len(base64Prefix) + b64(MaxSecretBytes("darwin")) + len("\n")
		if cmd > goKeyringCommandMax {
			t.Errorf("%s: a %d-byte value makes a %d-byte command; go-keyring refuses over %d",
				n, MaxSecretBytes("darwin"), cmd, goKeyringCommandMax)
		}
	}
}

func TestUnknownName(t *testing.T) {
	b := &fakeBackend{}
	s := New(Options{Backend: b, Getenv: envMap(nil)})
	ctx := context.Background()
	if _, _, err := s.Get(ctx, Name("x")); err == nil || !strings.Contains(err.Error(), "expected one of: graph, onecloud") {
		t.Errorf("Get(unknown) = %v", err)
	}
	if err := s.Set(ctx, Name("x"), "v"); err == nil {
		t.Error("Set(unknown) succeeded")
	}
	if err := s.Delete(ctx, Name("")); err == nil {
		t.Error("Delete(empty name) succeeded")
	}
	if calls := b.Calls(); len(calls) != 0 {
		t.Errorf("backend called for an unknown name: %v", calls)
	}
}

func TestCustomService(t *testing.T) {
	b := &fakeBackend{}
	s := New(Options{Service: "calsync-demo", Backend: b, Getenv: envMap(nil)})
	if err := s.Set(context.Background(), OneCloud, "tok"); err != nil {
		t.Fatal(err)
	}
	if got := b.Calls(); len(got) != 1 || got[0] != "set calsync-demo/onecloud-api-token" {
		t.Errorf("calls = %v", got)
	}
}

func TestEmptyKeychainItemIsAbsent(t *testing.T) {
	b := &fakeBackend{}
	_ = b.Memory.Set("calsync", "graph-client-secret", "")
	s := New(Options{Backend: b, Getenv: envMap(map[string]string{"CALSYNC_GRAPH_SECRET": "env"})})
	if v, src, err := s.Get(context.Background(), Graph); err != nil || v != "env" || src != Environment {
		t.Errorf("Get = %q, %q, %v; want env from environment", v, src, err)
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := &fakeBackend{}
	s := New(Options{Backend: b, Getenv: envMap(map[string]string{"CALSYNC_GRAPH_SECRET": "env"})})
	if _, _, err := s.Get(ctx, Graph); !errors.Is(err, context.Canceled) {
		t.Errorf("Get = %v; want context.Canceled", err)
	}
	if err := s.Set(ctx, Graph, "v"); !errors.Is(err, context.Canceled) {
		t.Errorf("Set = %v; want context.Canceled", err)
	}
	if err := s.Delete(ctx, Graph); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete = %v; want context.Canceled", err)
	}
	for _, st := range s.Status(ctx) {
		if st.Set || !strings.Contains(st.Err, "context canceled") {
			t.Errorf("Status = %+v; want the context error", st)
		}
	}
	if calls := b.Calls(); len(calls) != 0 {
		t.Errorf("backend called with a cancelled context: %v", calls)
	}
}

// TestCancelWhileBlocked: a keychain call that hangs (an unlock prompt
// nobody answers) does not hold the caller past its context.
func TestCancelWhileBlocked(t *testing.T) {
	for _, op := range []string{"get", "set", "delete"} {
		t.Run(op, func(t *testing.T) {
			b := &fakeBackend{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
			s := New(Options{Backend: b, Getenv: envMap(nil)})
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				var err error
				switch op {
				case "get":
					_, _, err = s.Get(ctx, Graph)
				case "set":
					err = s.Set(ctx, Graph, "v")
				case "delete":
					err = s.Delete(ctx, Graph)
				}
				errc <- err
			}()
			<-b.entered // the backend call is in progress
			cancel()
			err := <-errc
			close(b.gate) // let the abandoned call finish
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s = %v; want context.Canceled", op, err)
			}
		})
	}
}

func TestMemoryBackend(t *testing.T) {
	var m Memory
	if _, err := m.Get("s", "u"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get on empty = %v", err)
	}
	if err := m.Delete("s", "u"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete on empty = %v", err)
	}
	_ = m.Set("s", "u", "v")
	if v, err := m.Get("s", "u"); err != nil || v != "v" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if _, err := m.Get("s2", "u"); !errors.Is(err, ErrNotFound) {
		t.Errorf("other service visible: %v", err)
	}
	if err := m.Delete("s", "u"); err != nil {
		t.Errorf("Delete = %v", err)
	}
}
