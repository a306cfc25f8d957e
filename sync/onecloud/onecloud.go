// Package onecloud is the client of the OneCloud REST contract: it lists
// activities, roles, groups and users and reads and writes a user's
// telephone presence with ETag/If-Match so that a presence a person changed
// is never overwritten blindly. OneCloud publishes no API specification; the
// contract spoken here is documented in docs/onecloud-api.md, and this
// package is the one place to adapt if the real service differs.
package onecloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/internal/loopback"
	"github.com/calsync/calsync/sync/retry"
)

// Options configures a Client. Only BaseURL and Token are required.
type Options struct {
	// BaseURL is where the API lives, e.g. https://onecloud.setera.com/api;
	// the /v1/... paths are appended. It must be https, or http on a
	// loopback host (the emulator).
	BaseURL string
	// Token is the OneCloud API token, sent as "Authorization: Bearer".
	// It is never logged.
	Token string
	// HTTPClient is copied; redirects are refused so the token and a PUT
	// never go anywhere but BaseURL. Nil: a client with a 30s timeout.
	HTTPClient *http.Client
	// MethodOverride sends PUT and DELETE as POST with
	// X-HTTP-Method-Override: PUT (or DELETE), which Setera's API
	// reference offers to clients behind a proxy that blocks those methods.
	MethodOverride bool
	// TokenExpires is the API ticket's expiry date as the config records
	// it (zero: unknown); a 401 names it (APIError.TokenExpires).
	TokenExpires time.Time
	Clock        clock.Clock  // nil: the real clock
	Retry        retry.Policy // its Clock defaults to Clock
	Logger       *slog.Logger // nil: discard
}

// Client speaks the OneCloud contract. It is safe for concurrent use.
type Client struct {
	base  string // no trailing slash
	token string
	// override and tokenExpires are Options.MethodOverride and TokenExpires.
	override     bool
	tokenExpires time.Time
	hc           *http.Client
	clock        clock.Clock
	retry        retry.Policy
	log          *slog.Logger

	reads, writes, retries atomic.Int64
	// Phonebook requests, also counted in reads and writes.
	phonebookReads, phonebookWrites atomic.Int64
}

// Stats counts HTTP requests attempted since the client was made: Reads
// (GET) and Writes (PUT) include every retry; Retries counts the attempts
// after the first of each call. PhonebookReads and PhonebookWrites are
// the part of Reads and Writes (POST, PUT, DELETE) that went to phonebooks.
type Stats struct {
	Reads           int
	Writes          int
	Retries         int
	PhonebookReads  int
	PhonebookWrites int
}

// Stats returns the request counters.
func (c *Client) Stats() Stats {
	return Stats{Reads: int(c.reads.Load()), Writes: int(c.writes.Load()), Retries: int(c.retries.Load()),
		PhonebookReads: int(c.phonebookReads.Load()), PhonebookWrites: int(c.phonebookWrites.Load())}
}

// maxBody bounds a response body; a user page of 50 is a few KB.
const maxBody = 4 << 20

// maxPages stops a server whose nextPage never ends.
const maxPages = 10000

// New checks the options and returns a client.
func New(opts Options) (*Client, error) {
	base, err := checkBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.Token == "" {
		return nil, errors.New("onecloud token: required (the OneCloud API token)")
	}
	if strings.ContainsFunc(opts.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("onecloud token: contains spaces or control characters; paste only the token")
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if opts.HTTPClient != nil {
		cp := *opts.HTTPClient
		hc = &cp
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	clk := clock.OrReal(opts.Clock)
	pol := opts.Retry
	if pol.Clock == nil {
		pol.Clock = clk
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{base: base, token: opts.Token, override: opts.MethodOverride, tokenExpires: opts.TokenExpires,
		hc: hc, clock: clk, retry: pol, log: log}, nil
}

// checkBaseURL accepts https URLs, and http only on a loopback host so the
// token never crosses a network in clear text.
func checkBaseURL(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", errors.New("onecloud base URL: required, e.g. https://onecloud.setera.com/api")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("onecloud base URL %q: %w", raw, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("onecloud base URL %q: no host; expected e.g. https://onecloud.setera.com/api", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("onecloud base URL: must not contain a user name or password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("onecloud base URL %q: must not have a query or fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback.IsHost(u.Hostname()) {
			return "", fmt.Errorf("onecloud base URL %q: http:// is only allowed for localhost; use https:// so the API token is not sent in clear text", raw)
		}
	default:
		return "", fmt.Errorf("onecloud base URL %q: scheme must be https", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Activities lists the presence activities (GET /v1/activities).
func (c *Client) Activities(ctx context.Context) ([]Activity, error) {
	const op = "list activities"
	var out []Activity
	err := c.do(ctx, op, http.MethodGet, "/v1/activities", nil, "", func(_ *http.Response, body []byte) (err error) {
		out, err = ParseActivities(body)
		return err
	})
	return out, err
}

// Roles lists the roles (GET /v1/roles).
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	const op = "list roles"
	var out []Role
	err := c.do(ctx, op, http.MethodGet, "/v1/roles", nil, "", func(_ *http.Response, body []byte) (err error) {
		out, err = ParseRoles(body)
		return err
	})
	return out, err
}

// Groups lists the user groups with their members (GET /v1/groups).
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	const op = "list groups"
	var out []Group
	err := c.do(ctx, op, http.MethodGet, "/v1/groups", nil, "", func(_ *http.Response, body []byte) (err error) {
		out, err = ParseGroups(body)
		return err
	})
	return out, err
}

// Users lists every user, following nextPage from page 1 until it is null
// (see listPages).
func (c *Client) Users(ctx context.Context) ([]User, error) {
	return listPages(c, "list users", func(u User) string { return u.ID }, func(page int, op string) (users []User, next int, err error) {
		err = c.do(ctx, op, http.MethodGet, "/v1/users?page="+strconv.Itoa(page), nil, "", func(_ *http.Response, body []byte) (err error) {
			users, next, err = ParseUsersPage(body)
			return err
		})
		return users, next, err
	})
}

// listPages reads a paged listing: fetch gets one page (op names it for
// errors) and returns its items and nextPage, 0 for the last. nextPage must
// grow, so a server that loops is an error, not a hang, and at most maxPages
// are read. An item listed again on a later page (the list shifted while we
// read it) is kept once.
func listPages[T any](c *Client, what string, id func(T) string, fetch func(page int, op string) ([]T, int, error)) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for page, n := 1, 0; page != 0; n++ {
		if n >= maxPages {
			return nil, fmt.Errorf("%s: more than %d pages; stopping", what, maxPages)
		}
		op := fmt.Sprintf("%s (page %d)", what, page)
		items, next, err := fetch(page, op)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if seen[id(it)] {
				c.log.Debug(what+": an item listed twice; keeping the first", "id", id(it), "page", page)
				continue
			}
			seen[id(it)] = true
			all = append(all, it)
		}
		if next != 0 && next <= page {
			return nil, fmt.Errorf("%s: nextPage %d does not come after page %d; the server's paging loops", op, next, page)
		}
		page = next
	}
	return all, nil
}

// GetPresence reads a user's presence and its ETag
// (GET /v1/users/{id}/presence). An unknown user matches ErrNotFound.
func (c *Client) GetPresence(ctx context.Context, userID string) (Presence, string, error) {
	op := "get presence of " + userID
	if userID == "" {
		return Presence{}, "", errors.New("get presence: user id is empty")
	}
	var p Presence
	var etag string
	err := c.do(ctx, op, http.MethodGet, presencePath(userID), nil, "", func(resp *http.Response, body []byte) (err error) {
		if etag, err = responseETag(resp); err != nil {
			return err
		}
		p, err = ParsePresence(body)
		return err
	})
	if err != nil {
		return Presence{}, "", err
	}
	return p, etag, nil
}

// PutPresence writes a user's presence with If-Match: etag
// (PUT /v1/users/{id}/presence) and returns the presence the server stored
// and its new ETag. etag must come from GetPresence: there is no blind
// overwrite. If the presence changed since, the error matches
// ErrPreconditionFailed; the caller should GET and decide again.
//
// Retrying a PUT is safe because of If-Match: if a first attempt was applied
// but its answer lost, the retry's ETag is stale and the server answers 412
// instead of writing twice.
func (c *Client) PutPresence(ctx context.Context, userID string, p Presence, etag string) (Presence, string, error) {
	op := "put presence of " + userID
	if userID == "" {
		return Presence{}, "", errors.New("put presence: user id is empty")
	}
	if etag == "" {
		return Presence{}, "", fmt.Errorf("%s: etag is empty; GET the presence first (writes always carry If-Match)", op)
	}
	if p.Activity == "" {
		return Presence{}, "", fmt.Errorf("%s: activity is empty", op)
	}
	body, err := encodePresence(p)
	if err != nil {
		return Presence{}, "", fmt.Errorf("%s: encode: %w", op, err)
	}
	var got Presence
	var newTag string
	err = c.do(ctx, op, http.MethodPut, presencePath(userID), body, etag, func(resp *http.Response, body []byte) (err error) {
		if newTag, err = responseETag(resp); err != nil {
			return err
		}
		got, err = ParsePresence(body)
		return err
	})
	if err != nil {
		return Presence{}, "", err
	}
	return got, newTag, nil
}

func presencePath(userID string) string {
	return "/v1/users/" + url.PathEscape(userID) + "/presence"
}

// responseETag returns the ETag header, which a presence answer must carry.
func responseETag(resp *http.Response) (string, error) {
	tag := strings.TrimSpace(resp.Header.Get("ETag"))
	if tag == "" {
		return "", errors.New("ETag header: missing; the server must send one with every presence")
	}
	return tag, nil
}

// do runs one API call under the retry policy. ok parses a 2xx answer; its
// error is final (a malformed answer does not get better by asking again).
func (c *Client) do(ctx context.Context, op, method, path string, body []byte, ifMatch string,
	ok func(resp *http.Response, body []byte) error) error {
	return c.doCounted(ctx, op, method, path, body, ifMatch, nil, ok)
}

// doCounted is do that also adds every attempt to counter (nil: none).
func (c *Client) doCounted(ctx context.Context, op, method, path string, body []byte, ifMatch string,
	counter *atomic.Int64, ok func(resp *http.Response, body []byte) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return c.retry.Do(ctx, func(ctx context.Context, attempt int) error {
		if attempt > 1 {
			c.retries.Add(1)
		}
		if method == http.MethodGet {
			c.reads.Add(1)
		} else {
			c.writes.Add(1)
		}
		if counter != nil {
			counter.Add(1)
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		wire := method
		if c.override && (method == http.MethodPut || method == http.MethodDelete) {
			wire = http.MethodPost
		}
		req, err := http.NewRequestWithContext(ctx, wire, c.base+path, rd)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if wire != method {
			req.Header.Set("X-HTTP-Method-Override", method)
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		// Setera's reference: every request sets both, whatever its body.
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w", op, ctx.Err())
			}
			c.log.Debug("onecloud request failed", "op", op, "attempt", attempt, "err", err)
			return retry.Transient(fmt.Errorf("%s: %w", op, err), 0)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w", op, ctx.Err())
			}
			return retry.Transient(fmt.Errorf("%s: read answer: %w", op, err), 0)
		}
		if len(data) > maxBody {
			return fmt.Errorf("%s: answer larger than %d bytes", op, maxBody)
		}
		c.log.Debug("onecloud request", "op", op, "method", method, "sentAs", wire, "path", path, "attempt", attempt, "status", resp.StatusCode)
		// 201 (POST) and 204 (DELETE) are successes too; ok checks the body.
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			if err := ok(resp, data); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			return nil
		}
		apiErr := newAPIError(op, resp.StatusCode, data)
		apiErr.TokenExpires = c.tokenExpires
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			after, _ := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now())
			return retry.Transient(apiErr, after)
		case resp.StatusCode >= 500:
			return retry.Transient(apiErr, 0)
		}
		return apiErr
	})
}
