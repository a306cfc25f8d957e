package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The fault knobs the soak uses: the token endpoint down, hanging requests,
// Outlook's request limit per mailbox, and the write and hand-change logs.

func TestGraphTokenDown(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	f.g.SetTokenDown(true)
	status, body := f.token(GraphDefaultTenantID, graphGoodForm())
	codes, _ := body["error_codes"].([]any)
	desc, _ := body["error_description"].(string)
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" || len(codes) != 1 ||
		codes[0] != float64(90033) || !strings.HasPrefix(desc, "AADSTS90033: ") {
		t.Errorf("token endpoint down: %d %v", status, body)
	}
	f.g.SetTokenDown(false)
	if status, body := f.token(GraphDefaultTenantID, graphGoodForm()); status != http.StatusOK {
		t.Errorf("token endpoint back: %d %v", status, body)
	}
	if st := f.g.Stats(); st.TokenDown != 1 || st.TokensIssued != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGraphHangNext(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{})
	tok := f.accessToken()
	body := graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", GraphDefaultSyncUser)
	f.g.HangNext(1)
	if f.g.PendingFaults() != 1 {
		t.Fatalf("pending = %d", f.g.PendingFaults())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url+"/v1.0/users/"+GraphDefaultSyncUser+"/calendar/getSchedule", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		if resp != nil {
			resp.Body.Close()
		}
		t.Fatalf("hung request: %v", err)
	}
	// Once the client has given up, the emulator lets go: four more calls
	// at once are within the concurrency limit.
	done := make(chan int, 4)
	for range 4 {
		go func() {
			status, _, _ := f.schedule(tok, GraphDefaultSyncUser, body, nil)
			done <- status
		}()
	}
	deadline := time.After(5 * time.Second)
	for range 4 {
		select {
		case status := <-done:
			if status != http.StatusOK && status != http.StatusTooManyRequests {
				t.Errorf("after the hang: %d", status)
			}
		case <-deadline:
			t.Fatal("requests after the hang did not finish")
		}
	}
	if st := f.g.Stats(); st.Hung != 1 || f.g.PendingFaults() != 0 {
		t.Errorf("stats = %+v, pending %d", st, f.g.PendingFaults())
	}
}

func TestGraphMailboxRequestLimit(t *testing.T) {
	f := graphNewFixture(t, GraphOptions{MailboxRequestLimit: 3, MailboxRequestWindow: 10 * time.Minute})
	tok := f.accessToken()
	body := graphBody("2025-06-02T06:00:00", "2025-06-02T07:00:00", GraphDefaultSyncUser)
	var statuses []int
	for i := range 5 {
		status, h, b := f.schedule(tok, GraphDefaultSyncUser, body, nil)
		statuses = append(statuses, status)
		if status == http.StatusTooManyRequests {
			code, msg := graphErrorOf(t, b)
			// The first request leaves the window 10 minutes after it was
			// made, i.e. 10 minutes minus the minute that has passed.
			if code != "ApplicationThrottled" || msg != "Application is over its MailboxRequests limit." || h.Get("Retry-After") != "540" {
				t.Errorf("over the limit: %s %q Retry-After %q", code, msg, h.Get("Retry-After"))
			}
		}
		if i == 0 {
			f.clock.Advance(time.Minute)
		}
	}
	if got := statuses; got[0] != 200 || got[1] != 200 || got[2] != 200 || got[3] != 429 || got[4] != 429 {
		t.Errorf("statuses = %v, want three 200 then 429", got)
	}
	// Throttled requests count too, so the window empties only 10 minutes
	// after the last of them.
	f.clock.Advance(10 * time.Minute)
	if status, _, b := f.schedule(tok, GraphDefaultSyncUser, body, nil); status != http.StatusOK {
		t.Errorf("after the window: %d %s", status, b)
	}
	if st := f.g.Stats(); st.MaxInWindow != 5 || st.Throttled != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestOneCloudHangAndLogs(t *testing.T) {
	f := ocNewFixture(t, OneCloudOptions{})
	f.oc.HangNext(1)
	if f.oc.PendingFaults() != 1 {
		t.Fatalf("pending = %d", f.oc.PendingFaults())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, f.base+"/v1/users/1001/presence", strings.NewReader(`{"activity":"meeting"}`))
	req.Header.Set("Authorization", "Bearer "+ocTestToken)
	req.Header.Set("If-Match", f.oc.ETag("1001"))
	if resp, err := f.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("hung request answered %d", resp.StatusCode)
	}
	if f.oc.Hung() != 1 || f.oc.PendingFaults() != 0 || len(f.oc.Writes()) != 0 {
		t.Fatalf("hung %d, pending %d, writes %d", f.oc.Hung(), f.oc.PendingFaults(), len(f.oc.Writes()))
	}

	// A write records what it replaced; a change by hand goes to its own log.
	first := f.oc.ETag("1001")
	if r := f.do(t, http.MethodPut, "/v1/users/1001/presence", `{"activity":"meeting","role":"office"}`, "If-Match", first); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	if err := f.oc.SetPresenceByHand("1001", OneCloudPresence{Activity: "sick"}); err != nil {
		t.Fatal(err)
	}
	w, h := f.oc.Writes(), f.oc.HandChanges()
	if len(w) != 1 || w[0].BeforeETag != first || w[0].Before.Activity != "available" || w[0].Presence.Activity != "meeting" {
		t.Errorf("writes = %+v", w)
	}
	if len(h) != 1 || h[0].BeforeETag != w[0].ETag || h[0].Before.Activity != "meeting" || h[0].Presence.Activity != "sick" ||
		h[0].ETag != f.oc.ETag("1001") || !h[0].At.Equal(ocT0) {
		t.Errorf("hand changes = %+v", h)
	}
}

// The shared one-shot faults are consumed one a request, hangs and
// failures apart, and a negative count arms nothing.
func TestFaultsConsumed(t *testing.T) {
	tests := []struct {
		name         string
		fail, hang   int
		wantFails    int
		wantHangs    int
		wantPending0 int
	}{
		{"none", 0, 0, 0, 0, 0},
		{"two failures", 2, 0, 2, 0, 2},
		{"one hang, one failure", 1, 1, 1, 1, 2},
		{"negative counts", -3, -1, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f faults
			f.FailNext(tt.fail, http.StatusBadGateway)
			f.HangNext(tt.hang)
			if got := f.PendingFaults(); got != tt.wantPending0 {
				t.Fatalf("pending = %d, want %d", got, tt.wantPending0)
			}
			hangs, fails := 0, 0
			for f.takeHang() {
				hangs++
			}
			for {
				status, ok := f.takeFail()
				if !ok {
					break
				}
				if status != http.StatusBadGateway {
					t.Fatalf("status = %d", status)
				}
				fails++
			}
			if hangs != tt.wantHangs || fails != tt.wantFails || f.PendingFaults() != 0 {
				t.Fatalf("hangs %d fails %d pending %d, want %d %d 0", hangs, fails, f.PendingFaults(), tt.wantHangs, tt.wantFails)
			}
		})
	}
}
