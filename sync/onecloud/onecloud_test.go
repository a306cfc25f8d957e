package onecloud_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/retry"
)

const testToken = "tok-Secret-123"

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// fastRetry retries on the real clock with millisecond backoff: fast, and
// no test asserts on time.
func fastRetry(attempts int) retry.Policy {
	return retry.Policy{Base: time.Millisecond, Max: 2 * time.Millisecond, MaxAttempts: attempts, Jitter: func() float64 { return 0 }}
}

type env struct {
	oc     *emulator.OneCloud
	srv    *httptest.Server
	client *onecloud.Client
	clk    *clock.Fake
	base   string
}

// newEnv serves an emulator under /api and a client pointed at it.
func newEnv(t *testing.T, eo emulator.OneCloudOptions, co onecloud.Options) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	if eo.Token == "" {
		eo.Token = testToken
	}
	eo.BasePath = "/api"
	if eo.Clock == nil {
		eo.Clock = clk
	}
	oc := emulator.NewOneCloud(eo)
	if err := oc.AddUser(
		emulator.OneCloudUser{ID: "1001", Username: "mario.rossi", Name: "Mario Rossi", Email: "mario.rossi@contoso.it"},
		emulator.OneCloudUser{ID: "1002", Username: "anna.bianchi", Name: "Anna Bianchi", Email: "anna.bianchi@contoso.it"},
	); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(oc)
	t.Cleanup(srv.Close)
	e := &env{oc: oc, srv: srv, clk: clk, base: srv.URL + "/api"}
	co.BaseURL = e.base
	if co.Token == "" {
		co.Token = testToken
	}
	if co.Retry.MaxAttempts == 0 && co.Retry.Clock == nil {
		co.Retry = fastRetry(3)
	}
	c, err := onecloud.New(co)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func apiError(t *testing.T, err error) *onecloud.APIError {
	t.Helper()
	var ae *onecloud.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return ae
}

func TestListEndpoints(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	e.oc.SetGroups(emulator.OneCloudGroup{ID: "sales", Name: "Sales", Members: []string{"1001", "1002"}},
		emulator.OneCloudGroup{ID: "empty", Name: "Empty"})
	ctx := context.Background()

	acts, err := e.client.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantActs := []onecloud.Activity{
		{"available", "Available", true}, {"meeting", "Meeting", false}, {"lunch", "Lunch", false},
		{"away", "Away", false}, {"vacation", "Vacation", false}, {"busy", "Busy", false},
		{"business-trip", "Business trip", false}, {"sick", "Sick", false}, {"gone-home", "Gone home", false},
	}
	if !slices.Equal(acts, wantActs) {
		t.Errorf("activities = %+v\nwant %+v", acts, wantActs)
	}

	roles, err := e.client.Roles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []onecloud.Role{{"office", "Office"}, {"mobile", "Mobile"}, {"remote", "Remote"}}; !slices.Equal(roles, want) {
		t.Errorf("roles = %+v, want %+v", roles, want)
	}

	groups, err := e.client.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].ID != "sales" || groups[0].Name != "Sales" ||
		!slices.Equal(groups[0].Members, []string{"1001", "1002"}) || groups[1].ID != "empty" || len(groups[1].Members) != 0 {
		t.Errorf("groups = %+v", groups)
	}

	users, err := e.client.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []onecloud.User{
		{ID: "1001", Username: "mario.rossi", Name: "Mario Rossi", Email: "mario.rossi@contoso.it"},
		{ID: "1002", Username: "anna.bianchi", Name: "Anna Bianchi", Email: "anna.bianchi@contoso.it"},
	}
	if !slices.Equal(users, want) {
		t.Errorf("users = %+v, want %+v", users, want)
	}
	if s := e.client.Stats(); s != (onecloud.Stats{Reads: 4}) {
		t.Errorf("stats = %+v, want 4 reads", s)
	}
}

func TestUsersPagination(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{PageSize: 2}, onecloud.Options{})
	if err := e.oc.AddUser(emulator.OneCloudUser{ID: "1003"}, emulator.OneCloudUser{ID: "1004"}, emulator.OneCloudUser{ID: "1005"}); err != nil {
		t.Fatal(err)
	}
	users, err := e.client.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if want := []string{"1001", "1002", "1003", "1004", "1005"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if got := e.oc.Counts().ByEndpoint[emulator.OneCloudGetUsers]; got != 3 {
		t.Errorf("user pages fetched = %d, want 3", got)
	}
	if got := e.client.Stats().Reads; got != 3 {
		t.Errorf("client reads = %d, want 3", got)
	}
}

// pagedServer answers GET /v1/users?page=N from a fixed map of bodies.
func pagedServer(t *testing.T, pages map[string]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("page")]
		if !ok {
			http.Error(w, `{"error":{"code":"not_found","message":"no page"}}`, http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestUsersPagingGuards(t *testing.T) {
	tests := []struct {
		name    string
		pages   map[string]string
		wantIDs []string
		wantErr string
	}{
		{
			name:    "loop back to page 1",
			pages:   map[string]string{"1": `{"users":[{"id":"a"}],"nextPage":2}`, "2": `{"users":[{"id":"b"}],"nextPage":1}`},
			wantErr: "nextPage 1 does not come after page 2",
		},
		{
			name:    "same page again",
			pages:   map[string]string{"1": `{"users":[{"id":"a"}],"nextPage":1}`},
			wantErr: "nextPage 1 does not come after page 1",
		},
		{
			name:    "user shifted onto the next page is kept once",
			pages:   map[string]string{"1": `{"users":[{"id":"a"},{"id":"b"}],"nextPage":2}`, "2": `{"users":[{"id":"b"},{"id":"c"}],"nextPage":null}`},
			wantIDs: []string{"a", "b", "c"},
		},
		{
			name:    "skipped page numbers are followed",
			pages:   map[string]string{"1": `{"users":[{"id":"a"}],"nextPage":5}`, "5": `{"users":[{"id":"b"}]}`},
			wantIDs: []string{"a", "b"},
		},
		{
			name:    "missing id names the field",
			pages:   map[string]string{"1": `{"users":[{"id":"a"},{"name":"x"}],"nextPage":null}`},
			wantErr: "users[1].id: missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := onecloud.New(onecloud.Options{BaseURL: pagedServer(t, tt.pages), Token: testToken, Retry: fastRetry(1)})
			if err != nil {
				t.Fatal(err)
			}
			users, err := c.Users(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestGetPutPresence(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	ctx := context.Background()

	p, etag, err := e.client.GetPresence(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if want := (onecloud.Presence{Activity: "available", Role: "office"}); p != want {
		t.Errorf("initial presence = %+v, want %+v", p, want)
	}
	if etag == "" || etag != e.oc.ETag("1001") {
		t.Errorf("etag = %q, emulator has %q", etag, e.oc.ETag("1001"))
	}

	until := time.Date(2026, 11, 25, 14, 30, 0, 0, time.FixedZone("CET", 3600)) // sent as 13:30Z
	desired := onecloud.Presence{Activity: "meeting", Role: "mobile", Note: "Calendar: busy until 14:30", Until: until}
	got, etag2, err := e.client.PutPresence(ctx, "1001", desired, etag)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(desired) || got.Note != desired.Note || got.Until.Location() != time.UTC {
		t.Errorf("PUT returned %+v, want %+v in UTC", got, desired)
	}
	if etag2 == etag || etag2 != e.oc.ETag("1001") {
		t.Errorf("etag after PUT = %q (before %q, emulator %q)", etag2, etag, e.oc.ETag("1001"))
	}
	stored, _ := e.oc.Presence("1001")
	if stored.Activity != "meeting" || stored.Role != "mobile" || !stored.Until.Equal(until) {
		t.Errorf("emulator stored %+v", stored)
	}
	writes := e.oc.Writes()
	if len(writes) != 1 || writes[0].UserID != "1001" || !writes[0].At.Equal(t0) || writes[0].ETag != etag2 {
		t.Errorf("write log = %+v", writes)
	}

	again, etag3, err := e.client.GetPresence(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if again != got || etag3 != etag2 {
		t.Errorf("GET after PUT = %+v %q, want %+v %q", again, etag3, got, etag2)
	}

	// Back to open-ended: until null on the wire.
	back, _, err := e.client.PutPresence(ctx, "1001", onecloud.Presence{Activity: "available", Role: "office"}, etag3)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Until.IsZero() {
		t.Errorf("until = %v, want zero", back.Until)
	}
	if s := e.client.Stats(); s != (onecloud.Stats{Reads: 2, Writes: 2}) {
		t.Errorf("stats = %+v", s)
	}
}

func TestPresenceUserIDEscaped(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	if err := e.oc.AddUser(emulator.OneCloudUser{ID: "a/b c"}); err != nil {
		t.Fatal(err)
	}
	p, tag, err := e.client.GetPresence(context.Background(), "a/b c")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.PutPresence(context.Background(), "a/b c", onecloud.Presence{Activity: "lunch", Role: p.Role}, tag); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.oc.Presence("a/b c"); got.Activity != "lunch" {
		t.Errorf("presence = %+v", got)
	}
}

func TestStatusPaths(t *testing.T) {
	ctx := context.Background()
	meeting := onecloud.Presence{Activity: "meeting", Role: "office"}

	t.Run("401 wrong token", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Token: "wrong"})
		_, err := e.client.Activities(ctx)
		if !onecloud.IsAuth(err) {
			t.Fatalf("IsAuth(%v) = false", err)
		}
		ae := apiError(t, err)
		if ae.Status != 401 || ae.Code != "unauthorized" || ae.Op != "list activities" {
			t.Errorf("APIError = %+v", ae)
		}
		if e.client.Stats().Retries != 0 {
			t.Errorf("401 was retried")
		}
	})

	t.Run("403 read-only token", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{ReadOnlyToken: "reader"}, onecloud.Options{Token: "reader"})
		_, tag, err := e.client.GetPresence(ctx, "1001")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.client.PutPresence(ctx, "1001", meeting, tag)
		if !onecloud.IsAuth(err) || apiError(t, err).Status != 403 {
			t.Fatalf("err = %v, want 403", err)
		}
	})

	t.Run("404 unknown user", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		_, _, err := e.client.GetPresence(ctx, "9999")
		if !errors.Is(err, onecloud.ErrNotFound) {
			t.Fatalf("GET err = %v, want ErrNotFound", err)
		}
		if !strings.HasPrefix(err.Error(), "get presence of 9999: 404 not_found") {
			t.Errorf("message = %q", err)
		}
		_, _, err = e.client.PutPresence(ctx, "9999", meeting, `"x"`)
		if !errors.Is(err, onecloud.ErrNotFound) {
			t.Fatalf("PUT err = %v, want ErrNotFound", err)
		}
	})

	t.Run("412 changed by hand", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		_, tag, err := e.client.GetPresence(ctx, "1001")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.oc.SetPresenceByHand("1001", emulator.OneCloudPresence{Activity: "lunch", Role: "office"}); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.client.PutPresence(ctx, "1001", meeting, tag)
		if !errors.Is(err, onecloud.ErrPreconditionFailed) {
			t.Fatalf("err = %v, want ErrPreconditionFailed", err)
		}
		if errors.Is(err, onecloud.ErrNotFound) || onecloud.IsAuth(err) || onecloud.IsUnprocessable(err) {
			t.Errorf("412 matched another class: %v", err)
		}
		if p, _ := e.oc.Presence("1001"); p.Activity != "lunch" {
			t.Errorf("person's presence overwritten: %+v", p)
		}
		if e.client.Stats().Writes != 1 || len(e.oc.Writes()) != 0 {
			t.Errorf("412 was retried or written: stats %+v, log %+v", e.client.Stats(), e.oc.Writes())
		}
	})

	t.Run("412 race", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		_, tag, err := e.client.GetPresence(ctx, "1001")
		if err != nil {
			t.Fatal(err)
		}
		e.oc.Race412Next("1001")
		if _, _, err = e.client.PutPresence(ctx, "1001", meeting, tag); !errors.Is(err, onecloud.ErrPreconditionFailed) {
			t.Fatalf("err = %v, want 412", err)
		}
		p, tag2, err := e.client.GetPresence(ctx, "1001")
		if err != nil {
			t.Fatal(err)
		}
		if p.Activity != "busy" || p.Note != "changed by hand" {
			t.Errorf("after race presence = %+v", p)
		}
		if _, _, err := e.client.PutPresence(ctx, "1001", meeting, tag2); err != nil {
			t.Errorf("second PUT with fresh etag: %v", err)
		}
	})

	t.Run("422 unknown activity and role", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		_, tag, err := e.client.GetPresence(ctx, "1001")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.client.PutPresence(ctx, "1001", onecloud.Presence{Activity: "napping"}, tag)
		if !onecloud.IsUnprocessable(err) {
			t.Fatalf("err = %v, want 422", err)
		}
		if want := `put presence of 1001: 422 unknown_activity: activity "napping" is not known`; err.Error() != want {
			t.Errorf("message = %q\nwant      %q", err, want)
		}
		_, _, err = e.client.PutPresence(ctx, "1001", onecloud.Presence{Activity: "meeting", Role: "ceo"}, tag)
		if ae := apiError(t, err); ae.Status != 422 || ae.Code != "unknown_role" {
			t.Errorf("role err = %+v", ae)
		}
		if e.client.Stats().Retries != 0 {
			t.Errorf("422 was retried")
		}
	})

	t.Run("5xx burst then success", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Retry: fastRetry(4)})
		e.oc.FailNext(3, http.StatusInternalServerError)
		if _, err := e.client.Roles(ctx); err != nil {
			t.Fatal(err)
		}
		if s := e.client.Stats(); s != (onecloud.Stats{Reads: 4, Retries: 3}) {
			t.Errorf("stats = %+v, want 4 reads 3 retries", s)
		}
	})

	t.Run("5xx burst outlasts the attempts", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Retry: fastRetry(3)})
		e.oc.FailNext(5, http.StatusBadGateway)
		_, err := e.client.Roles(ctx)
		if ae := apiError(t, err); ae.Status != 502 {
			t.Fatalf("err = %v", err)
		}
		if got := e.client.Stats().Reads; got != 3 {
			t.Errorf("reads = %d, want 3", got)
		}
	})

	t.Run("down", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Retry: fastRetry(2)})
		e.oc.Down(true)
		_, _, err := e.client.GetPresence(ctx, "1001")
		if ae := apiError(t, err); ae.Status != 503 || ae.Code != "service_unavailable" {
			t.Fatalf("err = %v", err)
		}
		e.oc.Down(false)
		if _, _, err := e.client.GetPresence(ctx, "1001"); err != nil {
			t.Errorf("after down: %v", err)
		}
	})

	t.Run("PUT retried after 5xx", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		_, tag, err := e.client.GetPresence(ctx, "1001")
		if err != nil {
			t.Fatal(err)
		}
		e.oc.FailNext(1, http.StatusServiceUnavailable)
		if _, _, err := e.client.PutPresence(ctx, "1001", meeting, tag); err != nil {
			t.Fatal(err)
		}
		if len(e.oc.Writes()) != 1 || e.client.Stats().Writes != 2 {
			t.Errorf("writes log %d, client writes %d", len(e.oc.Writes()), e.client.Stats().Writes)
		}
	})
}

// TestRetryAfterHonoured drives the retry wait on a fake clock and checks
// that the client waits exactly what Retry-After asked for.
func TestRetryAfterHonoured(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			clk := clock.NewFake(t0)
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", "7")
					w.WriteHeader(status)
					_, _ = io.WriteString(w, `{"error":{"code":"slow_down","message":"later"}}`)
					return
				}
				_, _ = io.WriteString(w, `{"roles":[{"id":"office","name":"Office"}]}`)
			}))
			defer srv.Close()
			c, err := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, Clock: clk,
				Retry: retry.Policy{MaxAttempts: 3, Jitter: func() float64 { return 0 }}})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := c.Roles(context.Background()); done <- err }()
			if !clk.WaitForTimers(1, 10*time.Second) {
				t.Fatal("client never waited")
			}
			next, _ := clk.Next()
			if wait := next.Sub(clk.Now()); wait != 7*time.Second {
				t.Errorf("client waits %v, want the 7s of Retry-After", wait)
			}
			clk.Advance(7 * time.Second)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if s := c.Stats(); s.Reads != 2 || s.Retries != 1 {
				t.Errorf("stats = %+v", s)
			}
		})
	}
}

// TestThrottleFromEmulator checks the emulator's 429 + Retry-After end to
// end with the client on one fake clock.
func TestThrottleFromEmulator(t *testing.T) {
	clk := clock.NewFake(t0)
	e := newEnv(t, emulator.OneCloudOptions{Clock: clk, RetryAfter: 2 * time.Second},
		onecloud.Options{Clock: clk, Retry: retry.Policy{MaxAttempts: 3, Jitter: func() float64 { return 0 }}})
	e.oc.ThrottleEvery(2)
	ctx := context.Background()
	if _, err := e.client.Activities(ctx); err != nil { // request 1: fine
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := e.client.Roles(ctx); done <- err }() // request 2: 429
	if !clk.WaitForTimers(1, 10*time.Second) {
		t.Fatal("client never waited")
	}
	if next, _ := clk.Next(); next.Sub(clk.Now()) != 2*time.Second {
		t.Errorf("wait = %v, want 2s", next.Sub(clk.Now()))
	}
	clk.Advance(2 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c := e.oc.Counts(); c.ByEndpoint[emulator.OneCloudGetRoles] != 2 {
		t.Errorf("roles requests = %d, want 2", c.ByEndpoint[emulator.OneCloudGetRoles])
	}
}

func TestRetryAfterTooLongGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, Retry: retry.Policy{MaxRetryAfter: time.Minute}})
	_, err := c.Activities(context.Background())
	if ae := apiError(t, err); ae.Status != 429 {
		t.Fatalf("err = %v", err)
	}
	if c.Stats().Reads != 1 {
		t.Errorf("reads = %d, want 1", c.Stats().Reads)
	}
}

func TestOther4xxPermanent(t *testing.T) {
	for _, status := range []int{400, 405, 409, 428} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<html>proxy says\nno</html>")
		}))
		c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, Retry: fastRetry(3)})
		_, err := c.Groups(context.Background())
		ae := apiError(t, err)
		if ae.Status != status || c.Stats().Reads != 1 {
			t.Errorf("%d: err %v, reads %d", status, err, c.Stats().Reads)
		}
		if strings.Contains(ae.Message, "\n") {
			t.Errorf("message keeps control characters: %q", ae.Message)
		}
		srv.Close()
	}
}

func TestNetworkErrors(t *testing.T) {
	t.Run("connection refused is retried then reported", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		c, _ := onecloud.New(onecloud.Options{BaseURL: url, Token: testToken, Retry: fastRetry(3)})
		_, err := c.Activities(context.Background())
		if err == nil || !strings.Contains(err.Error(), "list activities") {
			t.Fatalf("err = %v", err)
		}
		if s := c.Stats(); s.Reads != 3 || s.Retries != 2 {
			t.Errorf("stats = %+v", s)
		}
	})

	t.Run("dropped connection then success", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				hijackClose(t, w)
				return
			}
			e.oc.ServeHTTP(w, r)
		}))
		defer srv.Close()
		c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL + "/api", Token: testToken, Retry: fastRetry(3)})
		if _, err := c.Activities(context.Background()); err != nil {
			t.Fatal(err)
		}
		if s := c.Stats(); s.Reads != 2 || s.Retries != 1 {
			t.Errorf("stats = %+v", s)
		}
	})

	// The server applies a PUT but the answer is lost; the retry carries
	// the now stale ETag and gets 412 instead of writing twice.
	t.Run("PUT answer lost: retry cannot clobber", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		var puts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && puts.Add(1) == 1 {
				e.oc.ServeHTTP(httptest.NewRecorder(), r) // applied...
				hijackClose(t, w)                         // ...but the answer never arrives
				return
			}
			e.oc.ServeHTTP(w, r)
		}))
		defer srv.Close()
		c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL + "/api", Token: testToken, Retry: fastRetry(3)})
		_, tag, err := c.GetPresence(context.Background(), "1001")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.PutPresence(context.Background(), "1001", onecloud.Presence{Activity: "meeting"}, tag)
		if !errors.Is(err, onecloud.ErrPreconditionFailed) {
			t.Fatalf("err = %v, want 412 on the retry", err)
		}
		if len(e.oc.Writes()) != 1 {
			t.Errorf("writes = %d, want exactly 1", len(e.oc.Writes()))
		}
	})
}

func hijackClose(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_ = conn.Close()
}

func TestContextCancellation(t *testing.T) {
	t.Run("during a slow request", func(t *testing.T) {
		clk := clock.NewFake(t0)
		e := newEnv(t, emulator.OneCloudOptions{Clock: clk}, onecloud.Options{})
		e.oc.Latency(time.Minute) // on the fake clock: never passes by itself
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, _, err := e.client.GetPresence(ctx, "1001"); done <- err }()
		if !clk.WaitForTimers(1, 10*time.Second) {
			t.Fatal("request never reached the server")
		}
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if e.client.Stats().Retries != 0 {
			t.Errorf("a cancelled request was retried")
		}
	})

	t.Run("during the backoff wait", func(t *testing.T) {
		clk := clock.NewFake(t0)
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Clock: clk, Retry: retry.Policy{MaxAttempts: 5}})
		e.oc.FailNext(5, http.StatusInternalServerError)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := e.client.Users(ctx); done <- err }()
		if !clk.WaitForTimers(1, 10*time.Second) {
			t.Fatal("client never waited")
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})

	t.Run("already cancelled: no request", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.client.Roles(ctx)
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "list roles: ") {
			t.Fatalf("err = %v", err)
		}
		if e.client.Stats().Reads != 0 {
			t.Errorf("a request was sent")
		}
	})
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		url, token string
		wantErr    string // "" means accepted
	}{
		{"https://onecloud.setera.com/api", testToken, ""},
		{"https://onecloud.setera.com/api/", testToken, ""},
		{"http://127.0.0.1:8080/api", testToken, ""},
		{"http://localhost:8080", testToken, ""},
		{"http://[::1]:8080", testToken, ""},
		{"http://onecloud.setera.com/api", testToken, "http:// is only allowed for localhost"},
		{"http://192.168.1.10/api", testToken, "http:// is only allowed for localhost"},
		{"ftp://onecloud.setera.com", testToken, "scheme must be https"},
		{"onecloud.setera.com/api", testToken, "no host"},
		{"", testToken, "base URL: required"},
		{"https://user:pw@onecloud.setera.com", testToken, "must not contain a user name"},
		{"https://onecloud.setera.com/api?x=1", testToken, "query"},
		{"https://onecloud.setera.com/api", "", "token: required"},
		{"https://onecloud.setera.com/api", "abc def", "spaces or control characters"},
		{"https://onecloud.setera.com/api", "abc\r\nX-Evil: 1", "spaces or control characters"},
	}
	for _, tt := range tests {
		_, err := onecloud.New(onecloud.Options{BaseURL: tt.url, Token: tt.token})
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("New(%q) = %v, want ok", tt.url, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("New(%q, %q) = %v, want error containing %q", tt.url, tt.token, err, tt.wantErr)
		}
		if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
			t.Errorf("error reveals the token: %v", err)
		}
	}
}

func TestPutWithoutETagRefused(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	_, _, err := e.client.PutPresence(context.Background(), "1001", onecloud.Presence{Activity: "meeting"}, "")
	if err == nil || !strings.Contains(err.Error(), "etag is empty") {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := e.client.PutPresence(context.Background(), "1001", onecloud.Presence{}, `"x"`); err == nil {
		t.Error("empty activity accepted")
	}
	if e.client.Stats().Writes != 0 {
		t.Error("a request was sent")
	}
}

func TestMalformedAnswers(t *testing.T) {
	tests := []struct {
		name    string
		etag    string
		body    string
		call    func(*onecloud.Client) error
		wantErr string
	}{
		{"presence without ETag", "", `{"activity":"available","role":"","note":"","until":null}`, getPresence, "ETag header: missing"},
		{"presence bad until", `"1"`, `{"activity":"available","until":"14:30"}`, getPresence, "until: expected an RFC 3339 time"},
		{"presence until number", `"1"`, `{"activity":"available","until":1700000000}`, getPresence, "until: expected an RFC 3339 time string or null"},
		{"presence no activity", `"1"`, `{"role":"office"}`, getPresence, "activity: missing"},
		{"presence not JSON", `"1"`, `<html>`, getPresence, "expected a JSON object"},
		{"activities missing id", "", `{"activities":[{"id":"a"},{"name":"B"}]}`, func(c *onecloud.Client) error { _, err := c.Activities(context.Background()); return err }, "activities[1].id: missing"},
		{"activities absent", "", `{"items":[]}`, func(c *onecloud.Client) error { _, err := c.Activities(context.Background()); return err }, "activities: missing"},
		{"roles duplicate", "", `{"roles":[{"id":"a"},{"id":"a"}]}`, func(c *onecloud.Client) error { _, err := c.Roles(context.Background()); return err }, `roles[1].id: "a" appears twice`},
		{"groups empty member", "", `{"groups":[{"id":"g","members":["1",""]}]}`, func(c *onecloud.Client) error { _, err := c.Groups(context.Background()); return err }, "groups[0].members[1]: empty"},
		{"users bad nextPage", "", `{"users":[],"nextPage":"2"}`, func(c *onecloud.Client) error { _, err := c.Users(context.Background()); return err }, "nextPage: expected a positive integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.etag != "" {
					w.Header().Set("ETag", tt.etag)
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, Retry: fastRetry(3)})
			err := tt.call(c)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if c.Stats().Reads != 1 {
				t.Errorf("a malformed answer was retried")
			}
		})
	}
}

func getPresence(c *onecloud.Client) error {
	_, _, err := c.GetPresence(context.Background(), "1001")
	return err
}

func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, HTTPClient: &http.Client{}})
	_, err := c.Activities(context.Background())
	if ae := apiError(t, err); ae.Status != http.StatusTemporaryRedirect {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 0 {
		t.Error("redirect followed")
	}
}

func TestRequestHeadersAndNoTokenInLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var got http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("ETag", `"2"`)
		_, _ = io.WriteString(w, `{"activity":"meeting","role":"office","note":"n","until":"2026-11-25T13:30:00Z"}`)
	}))
	defer srv.Close()
	c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, Logger: logger})
	until := time.Date(2026, 11, 25, 13, 30, 0, 999, time.UTC)
	if _, _, err := c.PutPresence(context.Background(), "1001", onecloud.Presence{Activity: "meeting", Role: "office", Note: "n", Until: until}, `"1"`); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer "+testToken || got.Get("If-Match") != `"1"` ||
		got.Get("Content-Type") != "application/json" || got.Get("Accept") != "application/json" {
		t.Errorf("headers = %v", got)
	}
	if want := `{"activity":"meeting","role":"office","note":"n","until":"2026-11-25T13:30:00Z"}`; string(body) != want {
		t.Errorf("body = %s\nwant %s", body, want)
	}
	if logs.Len() == 0 {
		t.Error("nothing logged at debug level")
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("token in logs: %s", logs.String())
	}
}

func TestPresenceEqual(t *testing.T) {
	at := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	base := onecloud.Presence{Activity: "meeting", Role: "office", Note: "a", Until: at}
	tests := []struct {
		name string
		q    onecloud.Presence
		want bool
	}{
		{"same", base, true},
		{"note differs", onecloud.Presence{Activity: "meeting", Role: "office", Note: "b", Until: at}, true},
		{"same instant other zone", onecloud.Presence{Activity: "meeting", Role: "office", Until: at.In(time.FixedZone("CET", 3600))}, true},
		{"sub-second differs", onecloud.Presence{Activity: "meeting", Role: "office", Until: at.Add(400 * time.Millisecond)}, true},
		{"one second later", onecloud.Presence{Activity: "meeting", Role: "office", Until: at.Add(time.Second)}, false},
		{"open-ended", onecloud.Presence{Activity: "meeting", Role: "office"}, false},
		{"activity", onecloud.Presence{Activity: "lunch", Role: "office", Until: at}, false},
		{"role", onecloud.Presence{Activity: "meeting", Role: "mobile", Until: at}, false},
	}
	for _, tt := range tests {
		if got := base.Equal(tt.q); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.q.Equal(base); got != tt.want {
			t.Errorf("%s: Equal is not symmetric", tt.name)
		}
	}
	if !(onecloud.Presence{Activity: "a"}).Equal(onecloud.Presence{Activity: "a"}) {
		t.Error("both open-ended should be equal")
	}
}

func TestAPIErrorMessage(t *testing.T) {
	tests := []struct {
		e    onecloud.APIError
		want string
	}{
		{onecloud.APIError{Status: 422, Code: "unknown_activity", Message: "activity \"x\" is not known", Op: "put presence of 1001"},
			`put presence of 1001: 422 unknown_activity: activity "x" is not known`},
		{onecloud.APIError{Status: 502, Op: "list roles"}, "list roles: 502 Bad Gateway"},
		{onecloud.APIError{Status: 500, Message: "oops"}, "500 Internal Server Error: oops"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
