// Package graph reads Microsoft 365 calendars the way the OneCloud connector
// does: as the synchronization ("monitor") user, with the app's
// client-credentials token from Entra ID, through batched calendar
// getSchedule calls (at most 20 mailboxes per call, at most 4 calls in
// flight). Failures become *Error values that name what to do about them.
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/internal/loopback"
	"github.com/calsync/calsync/sync/retry"
)

// Defaults and Graph's own limits.
const (
	DefaultAuthorityURL = "https://login.microsoftonline.com"
	DefaultGraphURL     = "https://graph.microsoft.com"
	// MaxBatchSize is the most mailboxes getSchedule accepts in one call.
	MaxBatchSize = 20
	// MaxInFlight is Outlook's limit of concurrent requests per app and mailbox.
	MaxInFlight = 4
	// availabilityViewInterval is required-ish by getSchedule; calsync
	// ignores availabilityView and reads the items.
	availabilityViewInterval = 30
	// maxResponseBytes bounds a getSchedule body (20 busy mailboxes over
	// 62 days stay far below it).
	maxResponseBytes = 32 << 20
)

// Options configure a Client. Zero values mean production defaults.
type Options struct {
	TenantID, ClientID, ClientSecret string
	SyncUser                         string
	AuthorityURL                     string       // "" => https://login.microsoftonline.com
	GraphURL                         string       // "" => https://graph.microsoft.com
	HTTPClient                       *http.Client // nil => a client with sane timeouts
	Clock                            clock.Clock
	Retry                            retry.Policy
	Logger                           *slog.Logger
	MaxInFlight                      int // default 4, never more than 4
	BatchSize                        int // default 20, never more than 20

	// Certificate, when set, is the credential instead of ClientSecret
	// (which must then be empty): each token request carries a fresh
	// client assertion it signs.
	Certificate ClientCertificate
}

// Stats counts what the client did since it was made.
type Stats struct {
	TokenRequests    int64 // token endpoint calls
	ScheduleRequests int64 // getSchedule HTTP requests, retries included
	ContactsRequests int64 // contacts listing HTTP requests (pages), retries included
	PresenceRequests int64 // getPresencesByUserId HTTP requests, retries included
	LookupRequests   int64 // $batch user-id lookup HTTP requests, retries included
	Retries          int64 // requests that repeated an earlier one
	Throttled        int64 // 429 answers received
	TokenRefreshes   int64 // tokens dropped because Graph answered 401
}

// Client reads schedules from Graph. It is safe for concurrent use; one
// Client should live as long as the service so its token is reused.
type Client struct {
	opts        Options
	http        *http.Client
	clock       clock.Clock
	log         *slog.Logger
	retry       retry.Policy
	scheduleURL string
	tokens      *tokenCache

	tokenRequests, scheduleRequests, retries, throttled, refreshes atomic.Int64
	contactsRequests                                               atomic.Int64
	presenceCounters                                               // presence.go
	// inFlight holds one token per Graph HTTP request in flight, at most
	// MaxInFlight, across getSchedule and contacts (inflight.go).
	inFlight chan struct{}
}

// New checks the options and returns a Client. It does no I/O.
func New(opts Options) (*Client, error) {
	opts.TenantID = strings.TrimSpace(opts.TenantID)
	opts.ClientID = strings.TrimSpace(opts.ClientID)
	opts.SyncUser = strings.TrimSpace(opts.SyncUser)
	switch {
	case opts.TenantID == "":
		return nil, errors.New("graph: tenant ID is empty; expected the Directory (tenant) ID of the app registration")
	case strings.ContainsAny(opts.TenantID, "/?#% "):
		return nil, fmt.Errorf("graph: tenant ID %q is not valid; expected a GUID or a domain such as contoso.onmicrosoft.com", opts.TenantID)
	case opts.ClientID == "":
		return nil, errors.New("graph: client ID is empty; expected the Application (client) ID of the app registration")
	case opts.ClientSecret == "" && opts.Certificate == nil:
		return nil, errors.New("graph: client secret is empty; run `calsync secret set graph`")
	case opts.ClientSecret != "" && opts.Certificate != nil:
		return nil, errors.New("graph: both a client secret and a certificate are given; use one (connector.credential)")
	case opts.SyncUser == "":
		return nil, errors.New("graph: synchronization user is empty; expected the monitor mailbox address")
	}
	var err error
	if opts.AuthorityURL, err = baseURL("authority URL", opts.AuthorityURL, DefaultAuthorityURL); err != nil {
		return nil, err
	}
	if opts.GraphURL, err = baseURL("Graph URL", opts.GraphURL, DefaultGraphURL); err != nil {
		return nil, err
	}
	if opts.MaxInFlight <= 0 || opts.MaxInFlight > MaxInFlight {
		opts.MaxInFlight = MaxInFlight
	}
	if opts.BatchSize <= 0 || opts.BatchSize > MaxBatchSize {
		opts.BatchSize = MaxBatchSize
	}
	c := &Client{opts: opts, http: opts.HTTPClient, clock: clock.OrReal(opts.Clock), log: opts.Logger,
		inFlight: make(chan struct{}, opts.MaxInFlight)}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.retry = opts.Retry
	if c.retry.Clock == nil {
		c.retry.Clock = c.clock
	}
	c.scheduleURL = opts.GraphURL + "/v1.0/users/" + url.PathEscape(opts.SyncUser) + "/calendar/getSchedule"
	c.tokens = newTokenCache(c)
	return c, nil
}

// baseURL checks an endpoint override. Plain http is refused except on a
// loopback host (the emulator): the client secret goes to the authority and
// the access token to Graph, and neither may cross a network in clear text.
func baseURL(what, v, def string) (string, error) {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	if v == "" {
		return def, nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("graph: %s %q is not valid; expected an absolute URL such as %s", what, v, def)
	}
	if u.Scheme == "http" && !loopback.IsHost(u.Hostname()) {
		return "", fmt.Errorf("graph: %s %q uses plain http, which is allowed only for a loopback host (127.0.0.0/8, ::1, localhost); use https so the client secret and tokens are not sent in clear text", what, v)
	}
	return v, nil
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	t.MaxIdleConnsPerHost = MaxInFlight
	return &http.Client{Transport: t, Timeout: 90 * time.Second}
}

// Stats returns the request counters.
func (c *Client) Stats() Stats {
	return Stats{
		TokenRequests:    c.tokenRequests.Load(),
		ScheduleRequests: c.scheduleRequests.Load(),
		ContactsRequests: c.contactsRequests.Load(),
		PresenceRequests: c.presenceRequests.Load(),
		LookupRequests:   c.lookupRequests.Load(),
		Retries:          c.retries.Load(),
		Throttled:        c.throttled.Load(),
		TokenRefreshes:   c.refreshes.Load(),
	}
}

// redact removes the client secret from any text that may be shown.
func (c *Client) redact(s string) string {
	if c.opts.ClientSecret == "" {
		return s
	}
	return strings.ReplaceAll(s, c.opts.ClientSecret, "[secret]")
}

// GetSchedules returns exactly one Schedule per input mailbox, in input
// order, with the events Graph reports in [start, end) (times UTC, not
// clipped). Mailboxes are deduplicated case-insensitively and sent in
// batches of at most BatchSize, at most MaxInFlight at a time, so N distinct
// mailboxes cost ceil(N/20) requests. A failure of one mailbox, or of one
// batch after its retries, sets only the affected Schedule.Err. The error
// return is non-nil (an *Error) only when nothing could be read at all.
func (c *Client) GetSchedules(ctx context.Context, mailboxes []string, start, end time.Time) ([]calendar.Schedule, error) {
	out := make([]calendar.Schedule, len(mailboxes))
	for i, m := range mailboxes {
		out[i].Mailbox = m
	}
	if len(mailboxes) == 0 {
		return out, nil
	}
	if !end.After(start) {
		e := &Error{Kind: KindBadRequest, Message: fmt.Sprintf("window end %s is not after start %s",
			end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))}
		return fill(out, e), e
	}

	// Distinct mailboxes, each remembering which inputs it answers.
	var unique []string
	positions := map[string][]int{}
	for i, m := range mailboxes {
		key := strings.ToLower(strings.TrimSpace(m))
		if key == "" {
			out[i].Err = &Error{Kind: KindMailboxNotFound, Message: "the mailbox address is empty",
				Remedy: "Enter the user's Exchange mailbox address in the user's settings."}
			continue
		}
		if _, seen := positions[key]; !seen {
			unique = append(unique, strings.TrimSpace(m))
		}
		positions[key] = append(positions[key], i)
	}
	var batches [][]string
	for i := 0; i < len(unique); i += c.opts.BatchSize {
		batches = append(batches, unique[i:min(i+c.opts.BatchSize, len(unique))])
	}
	if len(batches) == 0 {
		e := &Error{Kind: KindMailboxNotFound, Message: "no mailbox address to read"}
		return out, e
	}

	// One token before fanning out: a bad secret costs one token request,
	// and no getSchedule at all.
	if e := c.obtainToken(ctx); e != nil {
		return fill(out, e), e
	}

	results := make([]batchResult, len(batches))
	c.runBatches(ctx, batches, start, end, results)

	var fatal, first *Error
	anyRead := false
	for bi, r := range results {
		if r.err == nil {
			anyRead = true
		} else {
			e := asError(r.err, c.redact)
			if first == nil {
				first = e
			}
			if fatal == nil && e.fatal() {
				fatal = e
			}
		}
		for _, m := range batches[bi] {
			var s calendar.Schedule
			switch {
			case r.err != nil:
				s.Err = fmt.Errorf("get schedule for %s: %w", m, asError(r.err, c.redact))
			default:
				var ok bool
				if s, ok = r.byMailbox[strings.ToLower(m)]; !ok {
					s.Err = &Error{Kind: KindBadResponse, Mailbox: m,
						Message: "Graph returned no schedule for this mailbox", Remedy: remedy(KindBadResponse, "", "")}
				}
			}
			for n, i := range positions[strings.ToLower(m)] {
				out[i].Events, out[i].Err = s.Events, s.Err
				// Working hours are immutable, so entries may share them.
				out[i].WorkingHours, out[i].WorkingHoursErr = s.WorkingHours, s.WorkingHoursErr
				if n > 0 {
					// A repeated mailbox gets its own copy, so no caller
					// can change another entry's events.
					out[i].Events = slices.Clone(s.Events)
				}
			}
		}
	}
	if anyRead {
		return out, nil
	}
	if fatal != nil {
		return out, fatal
	}
	return out, first
}

func fill(out []calendar.Schedule, err error) []calendar.Schedule {
	for i := range out {
		out[i].Err = err
	}
	return out
}

type batchResult struct {
	byMailbox map[string]calendar.Schedule // lower-cased scheduleId -> schedule
	err       error
}

// runBatches fetches every batch with at most MaxInFlight workers. A
// failure that no other batch can escape (token, consent) stops the rest.
func (c *Client) runBatches(ctx context.Context, batches [][]string, start, end time.Time, results []batchResult) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(c.opts.MaxInFlight, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					results[i] = batchResult{err: &Error{Kind: KindCanceled, Message: "stopped before this batch was sent",
						Err: context.Cause(ctx)}}
					continue
				}
				results[i] = c.fetchBatch(ctx, batches[i], start, end)
				if results[i].err != nil && asError(results[i].err, c.redact).fatal() {
					cancel()
				}
			}
		}()
	}
	started := make([]bool, len(batches))
feed:
	for i := range batches {
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- i:
			started[i] = true
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	// A batch stopped because another hit a fatal error (bad secret, no
	// consent) reports that error, not a bare cancellation.
	var cause error
	for _, r := range results {
		if r.err != nil {
			if e := asError(r.err, c.redact); e.fatal() && e.Kind != KindCanceled {
				cause = r.err
				break
			}
		}
	}
	for i := range results {
		canceled := !started[i] || (results[i].err != nil && asError(results[i].err, c.redact).Kind == KindCanceled)
		switch {
		case !canceled:
		case cause != nil:
			results[i] = batchResult{err: cause}
		case !started[i]:
			results[i] = batchResult{err: &Error{Kind: KindCanceled, Message: "stopped before this batch was sent",
				Err: context.Cause(ctx)}}
		}
	}
}

// fatal reports whether an error stops every batch, not just one.
func (e *Error) fatal() bool {
	switch e.Kind {
	case KindWrongSecret, KindSecretExpired, KindAppNotFound, KindTenantNotFound,
		KindAccessDenied, KindUnauthorized, KindCanceled,
		KindCertificateNotRegistered, KindAssertionTime, KindCertificateExpired, KindCertificateRevoked:
		return true
	case KindMailboxNotFound, KindMailboxNotEnabled:
		// Only when it is the synchronization user itself (a 404 for the URL).
		return e.Status != 0
	}
	return false
}

// finalError makes the error a retried call ended with an *Error, a cancellation when the
// caller gave up.
func (c *Client) finalError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		var e *Error
		if !errors.As(err, &e) || !e.fatal() {
			return &Error{Kind: KindCanceled, Message: c.redact(err.Error()), Err: err}
		}
	}
	return asError(err, c.redact)
}

// asError finds the *Error in err, or classifies err as one.
func asError(err error, redact func(string) string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindCanceled, Message: redact(err.Error()), Err: err}
	}
	return &Error{Kind: KindOther, Message: redact(err.Error()), Err: err}
}

// scheduleRequest is the getSchedule body.
type scheduleRequest struct {
	Schedules                []string         `json:"schedules"`
	StartTime                dateTimeTimeZone `json:"startTime"`
	EndTime                  dateTimeTimeZone `json:"endTime"`
	AvailabilityViewInterval int              `json:"availabilityViewInterval"`
}

// requestLayout writes UTC times the way Graph writes them back.
const requestLayout = "2006-01-02T15:04:05.0000000"

// fetchBatch posts one getSchedule with retries: 429/503 wait for
// Retry-After, other 5xx and network errors back off, 401 gets one fresh
// token.
func (c *Client) fetchBatch(ctx context.Context, mailboxes []string, start, end time.Time) batchResult {
	payload, err := json.Marshal(scheduleRequest{
		Schedules:                mailboxes,
		StartTime:                dateTimeTimeZone{DateTime: start.UTC().Format(requestLayout), TimeZone: "UTC"},
		EndTime:                  dateTimeTimeZone{DateTime: end.UTC().Format(requestLayout), TimeZone: "UTC"},
		AvailabilityViewInterval: availabilityViewInterval,
	})
	if err != nil {
		return batchResult{err: fmt.Errorf("encode getSchedule request: %w", err)}
	}
	c.log.Debug("getSchedule", "mailboxes", mailboxes)
	var body []byte
	err = c.retry.Do(ctx, func(ctx context.Context, attempt int) error {
		if attempt > 1 {
			c.retries.Add(1)
		}
		b, err := c.postSchedule(ctx, payload)
		if err != nil {
			return err
		}
		body = b
		return nil
	})
	if err != nil {
		return batchResult{err: c.finalError(ctx, err)}
	}
	schedules, err := ParseScheduleResponse(body)
	if err != nil {
		return batchResult{err: &Error{Kind: KindBadResponse, Message: err.Error(), Remedy: remedy(KindBadResponse, "", ""), Err: err}}
	}
	byMailbox := make(map[string]calendar.Schedule, len(schedules))
	for i, s := range schedules {
		key := strings.ToLower(strings.TrimSpace(s.Mailbox))
		if key == "" && i < len(mailboxes) {
			// Graph echoes scheduleId in request order; an empty one is
			// matched by position.
			key = strings.ToLower(mailboxes[i])
		}
		byMailbox[key] = s
	}
	return batchResult{byMailbox: byMailbox}
}

// postSchedule is one attempt: it returns the 200 body, a transient error
// for retry.Do, or a final *Error.
func (c *Client) postSchedule(ctx context.Context, payload []byte) ([]byte, error) {
	return c.send(ctx, request{
		what:    "getSchedule response",
		counter: &c.scheduleRequests,
		limit:   maxResponseBytes,
		newRequest: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.scheduleURL, bytes.NewReader(payload))
			if err != nil {
				return nil, fmt.Errorf("build getSchedule request: %w", err)
			}
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		},
		classify: func(status int, body []byte) *Error { return classifyGraphResponse(status, body, c.opts.SyncUser) },
	})
}

// request is one kind of Graph call for send.
type request struct {
	what       string        // names the body in messages: "getSchedule response", "contacts page"
	mailbox    string        // the mailbox a canceled call names, if any
	counter    *atomic.Int64 // counts every HTTP request sent, retries included
	limit      int64         // the most of a body read
	tooLarge   *Error        // non-nil: a body over limit is this error rather than cut short
	newRequest func(ctx context.Context) (*http.Request, error)
	classify   func(status int, body []byte) *Error
}

// send makes one attempt at r, within the client's in-flight budget: the 200
// body, a transient error for retry.Do (429/503 with their Retry-After, other
// retryable statuses, network errors), or a final *Error. A 401 gets one
// fresh token, then the answer stands: the token may have been revoked or
// expired early.
func (c *Client) send(ctx context.Context, r request) ([]byte, error) {
	refreshed := false
	for {
		token, err := c.tokens.get(ctx)
		if err != nil {
			return nil, err
		}
		req, err := r.newRequest(ctx)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if err := c.acquire(ctx); err != nil {
			return nil, err
		}
		r.counter.Add(1)
		resp, err := c.http.Do(req)
		if err != nil {
			c.release()
			if ctx.Err() != nil {
				return nil, &Error{Kind: KindCanceled, Mailbox: r.mailbox, Message: c.redact(err.Error()), Err: ctx.Err()}
			}
			return nil, retry.Transient(&Error{Kind: KindNetwork, Message: c.redact(err.Error()),
				Remedy: remedy(KindNetwork, "", ""), Err: err}, 0)
		}
		limit := r.limit
		if r.tooLarge != nil {
			limit++ // one byte more tells a body over the limit from one at it
		}
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, limit))
		resp.Body.Close()
		c.release()
		if readErr != nil {
			if ctx.Err() != nil {
				return nil, &Error{Kind: KindCanceled, Mailbox: r.mailbox, Message: c.redact(readErr.Error()), Err: ctx.Err()}
			}
			return nil, retry.Transient(&Error{Kind: KindNetwork, Message: "reading " + r.what + ": " + c.redact(readErr.Error()),
				Remedy: remedy(KindNetwork, "", ""), Err: readErr}, 0)
		}
		if r.tooLarge != nil && int64(len(body)) > r.limit {
			return nil, r.tooLarge
		}
		if resp.StatusCode == http.StatusOK {
			return body, nil
		}
		gerr := r.classify(resp.StatusCode, body)
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !refreshed:
			refreshed = true
			c.refreshes.Add(1)
			c.tokens.invalidate(token)
			continue
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			if resp.StatusCode == http.StatusTooManyRequests {
				c.throttled.Add(1)
			}
			after, _ := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now())
			return nil, retry.Transient(gerr, after)
		case retry.RetryableStatus(resp.StatusCode):
			return nil, retry.Transient(gerr, 0)
		}
		return nil, gerr
	}
}
