package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// helperEnv, when set, makes TestHelperClient act as the client of the
// socket it names (in a child process running as another user).
const helperEnv = "CALSYNC_LOCALAPI_HELPER_SOCKET"

const helperMarker = "HELPER-RESULT "

// helperResult is what the child reports.
type helperResult struct {
	UID     int    `json:"uid"`
	Result  string `json:"result"` // ok, api, access_denied, not_running, error
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// TestHelperClient is not a test by itself: it is the child process of
// TestOtherUserRefused.
func TestHelperClient(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestOtherUserRefused")
	}
	r := helperResult{UID: os.Getuid()}
	_, err := NewClient(path).Status(context.Background())
	var ae *APIError
	switch {
	case err == nil:
		r.Result = "ok"
	case errors.As(err, &ae):
		r.Result, r.Status, r.Code, r.Message = "api", ae.Status, ae.Code, ae.Message
	case errors.Is(err, ErrAccessDenied):
		r.Result, r.Message = "access_denied", err.Error()
	case errors.Is(err, ErrNotRunning):
		r.Result, r.Message = "not_running", err.Error()
	default:
		r.Result, r.Message = "error", err.Error()
	}
	b, _ := json.Marshal(r)
	os.Stdout.Write([]byte("\n" + helperMarker + string(b) + "\n"))
}

// TestOtherUserRefused runs a client as nobody (uid 65534) against the
// service's socket. With the socket's usual 0600 mode the kernel refuses the
// connect itself; with the mode opened to 0666 the connection gets through
// and the peer-credential check must refuse it with a 403.
func TestOtherUserRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start a client as uid 65534 (nobody); run `go test` as root to include this test")
	}
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	dir := filepath.Dir(s.path)
	// nobody must reach the socket (and the test binary) through the
	// directory; the socket's own mode and the peer check are under test.
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	exe := copyTestBinary(t, dir)

	run := func(t *testing.T) helperResult {
		t.Helper()
		cmd := exec.Command(exe, "-test.run=^TestHelperClient$", "-test.count=1", "-test.v")
		cmd.Dir = "/"
		cmd.Env = []string{helperEnv + "=" + s.path, "PATH=/usr/bin:/bin"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), helperMarker); ok {
				var r helperResult
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatal(err)
				}
				if r.UID != 65534 {
					t.Fatalf("child ran as uid %d", r.UID)
				}
				t.Logf("child as uid %d: %s %d %s %s", r.UID, r.Result, r.Status, r.Code, r.Message)
				return r
			}
		}
		t.Fatalf("child reported nothing:\n%s", out)
		return helperResult{}
	}

	t.Run("socket 0600 refuses connect", func(t *testing.T) {
		if err := os.Chmod(s.path, 0o600); err != nil {
			t.Fatal(err)
		}
		if r := run(t); r.Result != "access_denied" {
			t.Errorf("child got %+v, want access_denied", r)
		}
	})
	t.Run("socket 0666 peer check refuses", func(t *testing.T) {
		if err := os.Chmod(s.path, 0o666); err != nil {
			t.Fatal(err)
		}
		r := run(t)
		if r.Result != "api" || r.Status != 403 || r.Code != CodePeerRefused || !strings.Contains(r.Message, "uid 65534") {
			t.Errorf("child got %+v, want 403 %s naming uid 65534", r, CodePeerRefused)
		}
	})
	if calls := fake.callList(); len(calls) != 0 {
		t.Errorf("nobody reached the backend: %v", calls)
	}
	// The owner still gets in.
	if _, err := s.client.Status(context.Background()); err != nil {
		t.Errorf("owner refused: %v", err)
	}
}

// copyTestBinary copies the running test binary where nobody may execute it
// (go test builds it in a private directory).
func copyTestBinary(t *testing.T, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(dir, "child.test")
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, src); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}
