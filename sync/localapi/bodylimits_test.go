package localapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The config endpoint takes what the configuration file may hold
// (MaxConfigBodyBytes, config.MaxFileBytes), beyond the 1 MiB of the others:
// a 12,000-user configuration is about 1.3 MB.
func TestConfigBodyTakesTheFilesLimit(t *testing.T) {
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	cfg := []byte(`{"users":"` + strings.Repeat("u", MaxConfigBodyBytes-64) + `"}`)
	if len(cfg) <= DefaultMaxBodyBytes || len(cfg) > MaxConfigBodyBytes {
		t.Fatalf("test body is %d bytes", len(cfg))
	}
	if err := s.client.PutConfig(context.Background(), cfg); err != nil {
		t.Fatalf("PutConfig of %d bytes: %v", len(cfg), err)
	}
	if got := fake.callList(); len(got) != 1 || got[0] != "PutConfig" {
		t.Fatalf("backend calls %v", got)
	}
	// A secret of the same size is still refused at the general cap.
	err := s.client.SetSecret(context.Background(), "graph", strings.Repeat("s", DefaultMaxBodyBytes))
	var e *APIError
	if !errors.As(err, &e) || e.Code != CodeBodyTooLarge {
		t.Fatalf("oversized secret: %v", err)
	}
}

// A body trickled in (here one byte every 20 ms of a declared 1000) is cut
// off at BodyReadTimeout with 408 body_timeout, long before it would have
// ended, and never reaches the backend.
func TestSlowBodyIsCutOff(t *testing.T) {
	fake := newFake()
	s := serve(t, fake, ServerOptions{BodyReadTimeout: 200 * time.Millisecond})
	conn, err := Dial(context.Background(), s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const declared = 1000
	if _, err := fmt.Fprintf(conn, "PUT %sconfig HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{",
		PathPrefix, LocalAPIHost, declared); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	sent.Store(1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for sent.Load() < declared {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
			sent.Add(1)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	close(stop)
	<-done
	if err != nil {
		t.Fatalf("no answer to a trickled body: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || apiError(t, data).Code != CodeBodyTimeout {
		t.Fatalf("status %d %s; want 408 %s", resp.StatusCode, data, CodeBodyTimeout)
	}
	if n := sent.Load(); n >= declared {
		t.Fatalf("the whole body (%d bytes) was read before the answer", n)
	}
	if calls := fake.callList(); len(calls) != 0 {
		t.Errorf("a cut-off body reached the backend: %v", calls)
	}
}
