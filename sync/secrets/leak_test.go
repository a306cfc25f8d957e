package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// distinctive is a value no message would contain by chance.
const distinctive = "Zq7-DISTINCTIVE-s3cr3t-9xK"

// echoBackend fails every call with an error that quotes its arguments, as a
// careless keychain library might.
type echoBackend struct{}

func (echoBackend) Get(service, user string) (string, error) {
	return "", fmt.Errorf("get %s/%s failed", service, user)
}
func (echoBackend) Set(service, user, pw string) error {
	return fmt.Errorf("cannot store %q for %s/%s", pw, service, user)
}
func (echoBackend) Delete(service, user string) error {
	return fmt.Errorf("delete %s/%s failed", service, user)
}

// TestErrorsNeverContainValue drives every error path with a distinctive
// value in play and checks no error, status or log line contains it.
func TestErrorsNeverContainValue(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var texts []string
	collect := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: expected an error", what)
			return
		}
		texts = append(texts, what+": "+err.Error())
	}

	// Invalid values in Set and NormalizeValue, on every OS.
	for _, goos := range []string{"linux", "windows", "darwin"} {
		s := New(Options{Backend: &fakeBackend{}, Getenv: envMap(nil), Logger: logger})
		s.goos = goos
		for _, v := range []string{
			distinctive + "\x00",
			"\x1b" + distinctive,
			distinctive + "\n\n",
			distinctive + "\xff",
			distinctive + strings.Repeat("p", MaxSecretBytes(goos)),
		} {
			collect("Set "+goos, s.Set(ctx, Graph, v))
			_, err := NormalizeValue(v, goos)
			collect("NormalizeValue "+goos, err)
		}
	}

	// Backend failures, including one that echoes the value.
	for _, be := range []Backend{
		echoBackend{},
		&fakeBackend{setErr: errors.New("dbus: no session bus"), getErr: errors.New("dbus: no session bus"), delErr: errors.New("dbus: no session bus")},
		&fakeBackend{setErr: ErrTooBig},
	} {
		s := New(Options{Backend: be, Getenv: envMap(map[string]string{"CALSYNC_ONECLOUD_TOKEN": distinctive}), Logger: logger})
		collect("Set backend", s.Set(ctx, Graph, distinctive+"\n"))
		_, _, err := s.Get(ctx, Graph)
		collect("Get backend", err)
		collect("Delete backend", s.Delete(ctx, Graph))
		for _, st := range s.Status(ctx) {
			texts = append(texts, fmt.Sprintf("Status %+v", st))
		}
		// The environment value is returned, never echoed in status.
		if v, src, err := s.Get(ctx, OneCloud); v != distinctive || src != Environment || err != nil {
			t.Errorf("env fallback = %q, %q, %v", v, src, err)
		}
	}

	// Cancelled context while a value is being set.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s := New(Options{Backend: &fakeBackend{}, Getenv: envMap(nil), Logger: logger})
	collect("Set cancelled", s.Set(cctx, Graph, distinctive))

	// The value typed where a name belongs, and piped in oversize.
	_, err := ParseName(distinctive)
	collect("ParseName", err)
	_, err = ParseName(distinctive[:20])
	collect("ParseName short", err)
	_, err = ReadValue(strings.NewReader(distinctive+strings.Repeat("p", MaxInputBytes)), false, nil)
	collect("ReadValue", err)

	texts = append(texts, "logs: "+logs.String())
	for _, txt := range texts {
		for _, needle := range []string{distinctive, distinctive[:12], distinctive[8:]} {
			if strings.Contains(txt, needle) {
				t.Errorf("secret leaked: %s", txt)
			}
		}
	}
	if len(texts) < 40 {
		t.Errorf("only %d messages checked; error paths not exercised", len(texts))
	}
}
