package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/calsync/calsync/sync/retry"
)

// Limits of the Teams presence API and of JSON batching (Microsoft's documentation).
const (
	// MaxPresenceIDs is the most user object ids getPresencesByUserId takes in one request.
	MaxPresenceIDs = 650
	// MaxJSONBatch is the most requests one $batch holds.
	MaxJSONBatch = 20
	// maxPresenceResponseBytes bounds one presence answer: 650 small objects.
	maxPresenceResponseBytes = 4 << 20
)

// Remedies for the two optional permissions that Teams rules need.
const (
	PresenceAccessRemedy = "Reading Teams presence needs the Microsoft Graph application permission Presence.Read.All " +
		"with admin consent (Entra ID > App registrations > your app > API permissions > Add a permission > " +
		"Microsoft Graph > Application permissions > Presence.Read.All, then Grant admin consent). " +
		"It is needed only for rules of type teams."
	UserLookupRemedy = "Finding a user's Teams identity needs the Microsoft Graph application permission User.Read.All " +
		"with admin consent (Entra ID > App registrations > your app > API permissions > Add a permission > " +
		"Microsoft Graph > Application permissions > User.Read.All, then Grant admin consent). " +
		"It is needed only for rules of type teams."
)

// TeamsPresence is one user's presence in Teams. Availability and Activity are Graph's words
// (Available, Busy, InACall, ...); an id Graph did not answer for has Err set.
type TeamsPresence struct {
	ID           string
	Availability string
	Activity     string
	Err          error
}

// UserID is a mailbox's Entra object id, or why it could not be found.
type UserID struct {
	Mailbox string
	ID      string
	Err     error
}

// GetPresences returns the Teams presence of each user object id, one result per input in input
// order, through POST /communications/getPresencesByUserId in batches of at most 650 ids: N
// distinct ids cost ceil(N/650) requests, within the client's in-flight budget. 429 and 503 wait
// for Retry-After. A batch that fails sets Err on its ids; the error return is non-nil only when
// nothing could be read (the first such error, say a missing Presence.Read.All).
func (c *Client) GetPresences(ctx context.Context, ids []string) ([]TeamsPresence, error) {
	out := make([]TeamsPresence, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	unique, positions, empty := distinct(ids)
	for _, i := range empty {
		out[i].Err = &Error{Kind: KindBadRequest, Message: "the user object id is empty"}
	}
	if len(unique) == 0 {
		return out, nil
	}
	if e := c.obtainToken(ctx); e != nil {
		for i := range out {
			out[i].Err = e
		}
		return out, e
	}
	var first error
	anyRead := false
	for start := 0; start < len(unique); start += MaxPresenceIDs {
		batch := unique[start:min(start+MaxPresenceIDs, len(unique))]
		got, err := c.presenceBatch(ctx, batch)
		if err != nil && first == nil {
			first = err
		}
		for _, id := range batch {
			p, ok := got[strings.ToLower(id)]
			switch {
			case err != nil:
				p = TeamsPresence{Err: err}
			case !ok:
				p = TeamsPresence{Err: &Error{Kind: KindBadResponse, Message: "Graph returned no presence for user " + id,
					Remedy: remedy(KindBadResponse, "", "")}}
			default:
				anyRead = true
			}
			for _, i := range positions[strings.ToLower(id)] {
				out[i].Availability, out[i].Activity, out[i].Err = p.Availability, p.Activity, p.Err
			}
		}
		if err != nil && asError(err, c.redact).fatal() {
			// A missing permission or a bad credential fails every other batch the same way.
			for _, id := range unique[start+len(batch):] {
				for _, i := range positions[strings.ToLower(id)] {
					out[i].Err = err
				}
			}
			break
		}
	}
	if anyRead {
		return out, nil
	}
	return out, first
}

// distinct returns the inputs once each (trimmed, compared without case, first spelling kept),
// the positions each answers by lower-cased key, and the positions of empty inputs.
func distinct(in []string) (unique []string, positions map[string][]int, empty []int) {
	positions = map[string][]int{}
	for i, v := range in {
		key := strings.ToLower(strings.TrimSpace(v))
		if key == "" {
			empty = append(empty, i)
			continue
		}
		if _, seen := positions[key]; !seen {
			unique = append(unique, strings.TrimSpace(v))
		}
		positions[key] = append(positions[key], i)
	}
	return unique, positions, empty
}

// presenceRequest and presenceResponse are the getPresencesByUserId bodies.
type presenceRequest struct {
	IDs []string `json:"ids"`
}

type presenceResponse struct {
	Value []struct {
		ID           string `json:"id"`
		Availability string `json:"availability"`
		Activity     string `json:"activity"`
	} `json:"value"`
}

// presenceBatch reads one batch, with retries, by lower-cased id.
func (c *Client) presenceBatch(ctx context.Context, ids []string) (map[string]TeamsPresence, error) {
	payload, err := json.Marshal(presenceRequest{IDs: ids})
	if err != nil {
		return nil, fmt.Errorf("encode getPresencesByUserId request: %w", err)
	}
	endpoint := c.opts.GraphURL + "/v1.0/communications/getPresencesByUserId"
	var body []byte
	err = c.retry.Do(ctx, func(ctx context.Context, attempt int) error {
		if attempt > 1 {
			c.retries.Add(1)
		}
		b, err := c.send(ctx, postJSON("getPresencesByUserId", endpoint, payload, &c.presenceRequests,
			func(status int, body []byte) *Error {
				e := classifyGraphResponse(status, body, "")
				if e.Kind == KindAccessDenied {
					e.Remedy = PresenceAccessRemedy
				}
				if e.Kind == KindMailboxNotFound { // a 404 here is no mailbox's
					e.Kind, e.Mailbox, e.Remedy = KindBadRequest, "", remedy(KindBadRequest, "", "")
				}
				return e
			}))
		body = b
		return err
	})
	if err != nil {
		return nil, c.finalError(ctx, err)
	}
	var resp presenceResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, &Error{Kind: KindBadResponse, Message: "getPresencesByUserId response: " + err.Error(),
			Remedy: remedy(KindBadResponse, "", ""), Err: err}
	}
	got := make(map[string]TeamsPresence, len(resp.Value))
	for _, v := range resp.Value {
		got[strings.ToLower(v.ID)] = TeamsPresence{ID: v.ID, Availability: v.Availability, Activity: v.Activity}
	}
	return got, nil
}

// postJSON is a POST of a JSON payload for send, whose answer may be at most
// maxPresenceResponseBytes; what names the call in messages.
func postJSON(what, endpoint string, payload []byte, counter *atomic.Int64, classify func(int, []byte) *Error) request {
	return request{
		what:    what + " response",
		counter: counter,
		limit:   maxPresenceResponseBytes,
		tooLarge: &Error{Kind: KindBadResponse, Message: fmt.Sprintf("a %s answer larger than %d bytes", what, maxPresenceResponseBytes),
			Remedy: remedy(KindBadResponse, "", "")},
		newRequest: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
			if err != nil {
				return nil, fmt.Errorf("build %s request: %w", what, err)
			}
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		},
		classify: classify,
	}
}

// LookupUserIDs finds the Entra object id of each mailbox (GET /users/{mailbox}?$select=id),
// 20 lookups to a $batch request, one result per input in input order. An unknown mailbox is
// that mailbox's error (KindMailboxNotFound); lookups Graph throttles inside a batch are sent
// again after their Retry-After. The error return is non-nil only when no id could be found
// because of something that stops them all (User.Read.All missing, a bad credential).
func (c *Client) LookupUserIDs(ctx context.Context, mailboxes []string) ([]UserID, error) {
	out := make([]UserID, len(mailboxes))
	for i, m := range mailboxes {
		out[i].Mailbox = m
	}
	unique, positions, empty := distinct(mailboxes)
	for _, i := range empty {
		out[i].Err = &Error{Kind: KindMailboxNotFound, Message: "the mailbox address is empty",
			Remedy: "Enter the user's Exchange mailbox address in the user's settings."}
	}
	if len(unique) == 0 {
		return out, nil
	}
	if e := c.obtainToken(ctx); e != nil {
		for i := range out {
			out[i].Err = e
		}
		return out, e
	}
	var fatal error
	for start := 0; start < len(unique) && fatal == nil; start += MaxJSONBatch {
		batch := unique[start:min(start+MaxJSONBatch, len(unique))]
		found, err := c.lookupBatch(ctx, batch)
		if err != nil && asError(err, c.redact).fatal() {
			fatal = err
		}
		for _, m := range batch {
			r, ok := found[strings.ToLower(m)]
			if err != nil && !ok {
				r = UserID{Err: err}
			}
			for _, i := range positions[strings.ToLower(m)] {
				out[i].ID, out[i].Err = r.ID, r.Err
			}
		}
	}
	if fatal != nil {
		for i := range out {
			if out[i].ID == "" && out[i].Err == nil {
				out[i].Err = fatal
			}
		}
		return out, fatal
	}
	return out, nil
}

// batchRequest and batchResponse are the $batch bodies (JSON batching).
type batchRequest struct {
	Requests []batchItem `json:"requests"`
}

type batchItem struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
}

type batchResponse struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

// lookupBatch resolves up to 20 mailboxes, by lower-cased mailbox. The lookups still throttled
// after the retries, and all of them when the whole batch fails, carry the error.
func (c *Client) lookupBatch(ctx context.Context, mailboxes []string) (map[string]UserID, error) {
	found := map[string]UserID{}
	pending := mailboxes
	endpoint := c.opts.GraphURL + "/v1.0/$batch"
	var lastThrottle *Error
	err := c.retry.Do(ctx, func(ctx context.Context, attempt int) error {
		if attempt > 1 {
			c.retries.Add(1)
		}
		req := batchRequest{}
		for i, m := range pending {
			req.Requests = append(req.Requests, batchItem{ID: strconv.Itoa(i + 1), Method: http.MethodGet,
				URL: "/users/" + url.PathEscape(m) + "?$select=id"})
		}
		payload, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("encode $batch request: %w", err)
		}
		body, err := c.send(ctx, postJSON("$batch", endpoint, payload, &c.lookupRequests,
			func(status int, body []byte) *Error { return classifyGraphResponse(status, body, "") }))
		if err != nil {
			return err
		}
		var resp batchResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			return &Error{Kind: KindBadResponse, Message: "$batch response: " + err.Error(), Remedy: remedy(KindBadResponse, "", ""), Err: err}
		}
		var again []string
		var wait time.Duration
		var denied *Error
		for _, item := range resp.Responses {
			n, err := strconv.Atoi(item.ID)
			if err != nil || n < 1 || n > len(pending) {
				continue // not one of ours: the mailbox it would answer stays unanswered below
			}
			m := pending[n-1]
			switch {
			case item.Status == http.StatusOK:
				var u struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(item.Body, &u); err != nil || u.ID == "" {
					found[strings.ToLower(m)] = UserID{Mailbox: m, Err: &Error{Kind: KindBadResponse, Mailbox: m,
						Message: "the user lookup answered without an id", Remedy: remedy(KindBadResponse, "", "")}}
					continue
				}
				found[strings.ToLower(m)] = UserID{Mailbox: m, ID: u.ID}
			case item.Status == http.StatusTooManyRequests || item.Status == http.StatusServiceUnavailable:
				again = append(again, m)
				if after, ok := retry.ParseRetryAfter(headerValue(item.Headers, "Retry-After"), c.clock.Now()); ok && after > wait {
					wait = after
				}
				if item.Status == http.StatusTooManyRequests {
					c.throttled.Add(1)
				}
				lastThrottle = classifyGraphResponse(item.Status, item.Body, "")
			default:
				e := classifyLookupItem(item.Status, item.Body, m)
				if e.Kind == KindAccessDenied {
					denied = e
				}
				found[strings.ToLower(m)] = UserID{Mailbox: m, Err: e}
			}
		}
		if denied != nil {
			return denied // User.Read.All is missing for every lookup, not just these
		}
		if len(again) > 0 {
			pending = again
			return retry.Transient(lastThrottle, wait)
		}
		return nil
	})
	if err != nil {
		return found, c.finalError(ctx, err)
	}
	for _, m := range mailboxes {
		if _, ok := found[strings.ToLower(m)]; !ok {
			found[strings.ToLower(m)] = UserID{Mailbox: m, Err: &Error{Kind: KindBadResponse, Mailbox: m,
				Message: "$batch returned no answer for this lookup", Remedy: remedy(KindBadResponse, "", "")}}
		}
	}
	return found, nil
}

// classifyLookupItem turns one failed user lookup of a $batch into an *Error.
func classifyLookupItem(status int, body []byte, mailbox string) *Error {
	e := classifyGraphResponse(status, body, mailbox)
	switch {
	case status == http.StatusNotFound:
		e.Kind, e.Mailbox = KindMailboxNotFound, mailbox
		e.Remedy = fmt.Sprintf("No Microsoft 365 user has the address %s: check the user's mailbox address "+
			"(the primary SMTP address or the user principal name).", mailbox)
	case e.Kind == KindAccessDenied:
		e.Mailbox = ""
		e.Remedy = UserLookupRemedy
	default:
		e.Mailbox = mailbox
	}
	return e
}

// headerValue reads a header of a $batch item, whose names Graph does not normalise.
func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// presenceCounters are the Teams presence part of the client's request counts.
type presenceCounters struct {
	presenceRequests, lookupRequests atomic.Int64
}
