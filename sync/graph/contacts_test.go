package graph_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
)

func seedContacts(t *testing.T, e *env, mailbox string, n int) []emulator.GraphContact {
	t.Helper()
	in := make([]emulator.GraphContact, n)
	for i := range in {
		in[i] = emulator.GraphContact{DisplayName: fmt.Sprintf("Contact %03d", i), GivenName: "Given", Surname: fmt.Sprint(i),
			CompanyName: "Studio", BusinessPhones: []string{fmt.Sprintf("02 1234 %04d", i)}}
	}
	out, err := e.emu.SetContacts(mailbox, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestListContactsPages: 250 contacts are 3 pages of at most 100, every
// field read, and the token is the calendar reader's.
func TestListContactsPages(t *testing.T) {
	e := newEnv(t)
	const mb = "mario.rossi@contoso.it"
	seeded := seedContacts(t, e, mb, 250)
	full := emulator.GraphContact{DisplayName: "Studio Bianchi", GivenName: "Luca", Surname: "Bianchi", CompanyName: "Studio Bianchi srl",
		JobTitle: "Notaio", EmailAddresses: []emulator.GraphEmailAddress{{Name: "Studio", Address: "info@studiobianchi.it"}},
		BusinessPhones: []string{"02 1234 5678", "+39 02 8765 4321"}, MobilePhone: "333 1234567", HomePhones: []string{"06 555 1234"}}
	seeded[0] = full
	seeded[0].ID = "AAMkAGI2-first"
	if _, err := e.emu.SetContacts(mb, seeded); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.client.GetSchedules(ctx, []string{mb}, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.ListContacts(ctx, mb)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d contacts, want 250", len(got))
	}
	want0 := graph.Contact{ID: "AAMkAGI2-first", DisplayName: "Studio Bianchi", GivenName: "Luca", Surname: "Bianchi",
		CompanyName: "Studio Bianchi srl", JobTitle: "Notaio", EmailAddresses: []graph.EmailAddress{{Name: "Studio", Address: "info@studiobianchi.it"}},
		BusinessPhones: []string{"02 1234 5678", "+39 02 8765 4321"}, MobilePhone: "333 1234567", HomePhones: []string{"06 555 1234"}}
	if fmt.Sprint(got[0]) != fmt.Sprint(want0) {
		t.Errorf("first contact = %+v\nwant %+v", got[0], want0)
	}
	for i := 1; i < 250; i++ {
		if got[i].ID != seeded[i].ID || got[i].DisplayName != seeded[i].DisplayName || got[i].JobTitle != "" || got[i].HomePhones != nil {
			t.Fatalf("contact %d = %+v, want %+v", i, got[i], seeded[i])
		}
	}
	st := e.emu.Stats()
	if st.ContactsRequests != 3 || e.client.Stats().ContactsRequests != 3 {
		t.Errorf("contacts requests: emulator %d, client %d; want 3", st.ContactsRequests, e.client.Stats().ContactsRequests)
	}
	if st.TokenRequests != 1 {
		t.Errorf("%d token requests; contacts must reuse the calendar reader's token", st.TokenRequests)
	}
}

func TestListContactsEmptyAndSmall(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, err := e.client.ListContacts(ctx, emulator.GraphDefaultSyncUser)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty folder: %v %v", got, err)
	}
	seedContacts(t, e, "a@contoso.com", 100) // exactly one full page: no nextLink
	if got, err := e.client.ListContacts(ctx, "A@Contoso.com"); err != nil || len(got) != 100 {
		t.Fatalf("100 contacts: %d %v", len(got), err)
	}
	if n := e.emu.Stats().ContactsRequests; n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestListContactsErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emu.SetCalendar("noperm@contoso.com", nil)
	e.emu.SetCalendar("onprem@contoso.com", nil)
	e.emu.SetMailboxError("onprem@contoso.com", "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")

	_, err := e.client.ListContacts(ctx, "nobody@contoso.com")
	ge := asGraphError(t, err)
	if ge.Kind != graph.KindMailboxNotFound || ge.Mailbox != "nobody@contoso.com" || ge.Status != 404 ||
		err.Error() != "list contacts: "+ge.Error() || strings.Count(err.Error(), "nobody@contoso.com:") != 1 {
		t.Errorf("unknown mailbox: %v (%+v)", err, ge)
	}
	if ge := asGraphError(t, must(e.client.ListContacts(ctx, "onprem@contoso.com"))); ge.Kind != graph.KindMailboxNotEnabled {
		t.Errorf("on-premises mailbox: %+v", ge)
	}
	if ge := asGraphError(t, must(e.client.ListContacts(ctx, " "))); ge.Kind != graph.KindMailboxNotFound {
		t.Errorf("empty mailbox: %+v", ge)
	}

	e.emu.SetContactsConsent(false)
	_, err = e.client.ListContacts(ctx, "noperm@contoso.com")
	ge = asGraphError(t, err)
	if ge.Kind != graph.KindAccessDenied || ge.Code != "ErrorAccessDenied" {
		t.Fatalf("no Contacts.Read: %v", err)
	}
	for _, want := range []string{"Contacts.Read", "Application", "not Delegated", "API permissions", "Grant admin consent"} {
		if !strings.Contains(ge.Remedy, want) {
			t.Errorf("remedy %q lacks %q", ge.Remedy, want)
		}
	}
	if strings.Contains(ge.Remedy, "Calendars.Read") {
		t.Errorf("contacts remedy speaks of calendars: %q", ge.Remedy)
	}
	// Presence goes on: getSchedule still reads.
	if got, err := e.client.GetSchedules(ctx, []string{"noperm@contoso.com"}, t0, t0.Add(time.Hour)); err != nil || got[0].Err != nil {
		t.Errorf("getSchedule without Contacts.Read: %v %v", err, got[0].Err)
	}
}

func must[T any](_ T, err error) error { return err }

func TestListContactsThrottledHonoursRetryAfter(t *testing.T) {
	e := newEnv(t, func(eo *emulator.GraphOptions, _ *graph.Options) { eo.RetryAfter = 7 * time.Second })
	e.autoAdvance(t)
	seedContacts(t, e, "a@contoso.com", 150)
	e.emu.SetThrottleEvery(2) // the second page is throttled once
	start := e.clock.Now()
	got, err := e.client.ListContacts(context.Background(), "a@contoso.com")
	if err != nil || len(got) != 150 {
		t.Fatalf("%d contacts, %v", len(got), err)
	}
	if waited := e.clock.Now().Sub(start); waited != 7*time.Second {
		t.Errorf("waited %s, want Retry-After 7s", waited)
	}
	if st := e.client.Stats(); st.Throttled != 1 || st.Retries != 1 || st.ContactsRequests != 3 {
		t.Errorf("client stats = %+v", st)
	}
}

func TestListContactsServerErrorsAndRevokedToken(t *testing.T) {
	e := newEnv(t)
	e.autoAdvance(t)
	seedContacts(t, e, "a@contoso.com", 5)
	ctx := context.Background()
	e.emu.FailNext(2, http.StatusBadGateway)
	if got, err := e.client.ListContacts(ctx, "a@contoso.com"); err != nil || len(got) != 5 {
		t.Fatalf("after 502s: %d %v", len(got), err)
	}
	e.emu.ExpireTokens()
	if got, err := e.client.ListContacts(ctx, "a@contoso.com"); err != nil || len(got) != 5 {
		t.Fatalf("after revocation: %d %v", len(got), err)
	}
	if st := e.client.Stats(); st.TokenRefreshes != 1 || st.TokenRequests != 2 {
		t.Errorf("stats = %+v", st)
	}
	e.emu.FailNext(10, http.StatusServiceUnavailable)
	_, err := e.client.ListContacts(ctx, "a@contoso.com")
	if ge := asGraphError(t, err); ge.Kind != graph.KindUnavailable {
		t.Errorf("5xx outlasting retries: %v", err)
	}
}

// TestListContactsRefusesForeignNextLink: the token never follows a
// nextLink to another host.
func TestListContactsRefusesForeignNextLink(t *testing.T) {
	var foreign atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreign.Add(1)
		_, _ = io.WriteString(w, `{"value":[]}`)
	}))
	defer evil.Close()
	e := newEnv(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/contacts") {
			_, _ = io.WriteString(w, `{"value":[{"id":"a"}],"@odata.nextLink":"`+evil.URL+`/v1.0/users/a/contacts?$skip=1"}`)
			return
		}
		e.emu.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: front.URL, GraphURL: front.URL, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListContacts(context.Background(), "a@contoso.com")
	if ge := asGraphError(t, err); ge.Kind != graph.KindBadResponse || !strings.Contains(err.Error(), "not followed") {
		t.Fatalf("err = %v", err)
	}
	if foreign.Load() != 0 {
		t.Error("the client followed a nextLink to another host")
	}
}

func TestListContactsCanceled(t *testing.T) {
	e := newEnv(t)
	seedContacts(t, e, "a@contoso.com", 5)
	e.emu.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.client.ListContacts(ctx, "a@contoso.com")
	if ge := asGraphError(t, err); ge.Kind != graph.KindCanceled || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// TestInFlightBudgetShared runs getSchedule batches and contacts listings
// at once: the server never sees more than 4 requests in flight.
func TestInFlightBudgetShared(t *testing.T) {
	e := newEnv(t, func(eo *emulator.GraphOptions, _ *graph.Options) {
		eo.Latency = 5 * time.Millisecond
		eo.MaxConcurrent = -1 // observe, do not throttle: a regression shows as MaxInFlight > 4
	})
	users := mailboxes(200)
	for _, u := range users {
		e.emu.SetCalendar(u, []calendar.Event{busy(t0, time.Hour, u)})
	}
	for i := range 6 {
		seedContacts(t, e, users[i], 250)
	}
	ctx := context.Background()
	if err := e.client.Token(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.client.GetSchedules(ctx, users, t0, t0.Add(time.Hour))
			errs <- err
		}()
	}
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.client.ListContacts(ctx, users[i])
			if err == nil && len(got) != 250 {
				err = fmt.Errorf("%d contacts", len(got))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := e.emu.Stats()
	if st.MaxInFlight > graph.MaxInFlight {
		t.Errorf("%d requests in flight at once, the budget is %d", st.MaxInFlight, graph.MaxInFlight)
	}
	if st.ScheduleRequests != 20 || st.ContactsRequests != 18 {
		t.Errorf("stats = %+v", st)
	}
	t.Logf("max in flight %d over %d getSchedule + %d contacts requests", st.MaxInFlight, st.ScheduleRequests, st.ContactsRequests)
	if st.MaxInFlight < 2 {
		t.Logf("note: little overlap observed (max %d)", st.MaxInFlight)
	}
}

// TestInFlightSlotWaitHonoursContext: with every slot taken by hung
// requests, a further call gives up when its context ends.
func TestInFlightSlotWaitHonoursContext(t *testing.T) {
	e := newEnv(t)
	seedContacts(t, e, "a@contoso.com", 1)
	e.emu.HangNext(graph.MaxInFlight)
	hangCtx, stopHung := context.WithCancel(context.Background())
	t.Cleanup(stopHung)
	var wg sync.WaitGroup
	for range graph.MaxInFlight {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = e.client.ListContacts(hangCtx, "a@contoso.com") }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.emu.Stats().Hung < int64(graph.MaxInFlight) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := e.client.ListContacts(ctx, "a@contoso.com")
	if ge := asGraphError(t, err); ge.Kind != graph.KindCanceled {
		t.Errorf("err = %v", err)
	}
	if n := e.emu.Stats().ContactsRequests; n != int64(graph.MaxInFlight) {
		t.Errorf("%d requests reached the server, want %d (the fifth waits for a slot)", n, graph.MaxInFlight)
	}
	stopHung()
	wg.Wait()
	// The slots are free again.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if got, err := e.client.ListContacts(ctx2, "a@contoso.com"); err != nil || len(got) != 1 {
		t.Fatalf("after the hung requests: %v %v", got, err)
	}
}

// TestListContactsShiftedPages: a contact that moves to the next page
// while the folder is read is returned once.
func TestListContactsShiftedPages(t *testing.T) {
	e := newEnv(t)
	var front *httptest.Server
	front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/contacts") && r.URL.Query().Get("$skip") == "":
			_, _ = io.WriteString(w, `{"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"`+front.URL+r.URL.Path+`?$skip=2"}`)
		case strings.HasSuffix(r.URL.Path, "/contacts"):
			_, _ = io.WriteString(w, `{"value":[{"id":"b"},{"id":"c"}]}`)
		default:
			e.emu.ServeHTTP(w, r)
		}
	}))
	defer front.Close()
	c, err := graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: front.URL, GraphURL: front.URL, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ListContacts(context.Background(), "a@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ct := range got {
		ids = append(ids, ct.ID)
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("ids = %v", ids)
	}
	if n := c.Stats().ContactsRequests; n != 2 {
		t.Errorf("requests = %d", n)
	}
}
