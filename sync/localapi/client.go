package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultClientTimeout bounds each client call except the event stream.
const DefaultClientTimeout = 30 * time.Second

// DefaultDialTimeout bounds connecting, for every call and the event stream: a
// pipe or socket that exists but accepts nothing (a hung service, a pipe
// another program holds open) must not keep a caller without a deadline of
// its own, such as the window following the event stream, waiting forever.
const DefaultDialTimeout = 10 * time.Second

// testConnectionTimeout is the least a connection test gets: it makes real
// network calls to Entra, Graph and OneCloud, each with its own retries.
const testConnectionTimeout = 2 * time.Minute

// Response size limits: generous (a status with thousands of users), but a
// confused peer cannot make the client allocate without bound.
const (
	maxResponseBytes = 64 << 20
	maxEventBytes    = 16 << 20
)

// Client talks to the service's local API. Its methods mirror Backend, and
// *Client is a Backend, so the GUI can hold one interface for the service
// and for an engine in its own process. Safe for concurrent use.
type Client struct {
	// Timeout bounds each call except Events and Subscribe (test-connection
	// gets at least 2 minutes); zero means DefaultClientTimeout. A deadline
	// on the call's context applies as well. Set it before first use.
	Timeout time.Duration
	// DialTimeout bounds connecting; zero means DefaultDialTimeout. A
	// connection not accepted in time is ErrNotRunning. Set it before first use.
	DialTimeout time.Duration
	hc          *http.Client
}

var _ Backend = (*Client)(nil)

// NewClient returns a client for the socket at socketPath (on Windows, the
// pipe PipeName(socketPath)).
func NewClient(socketPath string) *Client {
	return NewClientWithDialer(func(ctx context.Context) (net.Conn, error) {
		return Dial(ctx, socketPath)
	})
}

// NewClientWithDialer returns a client whose connections come from dial,
// for tests and unusual transports.
func NewClientWithDialer(dial func(ctx context.Context) (net.Conn, error)) *Client {
	client := &Client{}
	tr := &http.Transport{
		// Never a proxy: the URL's host is a fixed name, not a place.
		Proxy: nil,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			wait := client.DialTimeout
			if wait <= 0 {
				wait = DefaultDialTimeout
			}
			dctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			c, err := dial(dctx)
			if err != nil {
				if ctx.Err() == nil && dctx.Err() != nil {
					return nil, fmt.Errorf("%w: nothing accepted the connection within %s", ErrNotRunning, wait)
				}
				return nil, classifyDialError(err)
			}
			return c, nil
		},
		DisableCompression:  true,
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	client.hc = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // the API never redirects
		},
	}
	return client
}

// classifyDialError marks a failed connect as ErrAccessDenied (the OS refused
// this user) or ErrNotRunning (nobody listens), keeping the cause.
func classifyDialError(err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w", ErrAccessDenied, err)
	default:
		return fmt.Errorf("%w: %w", ErrNotRunning, err)
	}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultClientTimeout
}

// send makes one request; path is relative to PathPrefix.
func (c *Client) send(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+LocalAPIHost+PathPrefix+path, rd)
	if err != nil {
		return nil, fmt.Errorf("local API %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is always the same fixed host; say what failed
		}
		return nil, fmt.Errorf("local API %s %s: %w", method, path, err)
	}
	return resp, nil
}

// do makes a request and decodes a JSON answer into out (nil: none).
func (c *Client) do(ctx context.Context, timeout time.Duration, method, path string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return readAPIError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("local API %s %s: read response: %w", method, path, err)
	}
	if len(data) > maxResponseBytes {
		return fmt.Errorf("local API %s %s: response larger than %d bytes", method, path, maxResponseBytes)
	}
	// Not strict: a newer service may add fields.
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("local API %s %s: decode response: %w", method, path, err)
	}
	return nil
}

// readAPIError turns an error response into *APIError; a body that is not
// the API's error shape still gives one, with its start as the message.
func readAPIError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var eb errorBody
	if json.Unmarshal(data, &eb) == nil && eb.Error != nil && eb.Error.Code != "" {
		eb.Error.Status = resp.StatusCode
		return eb.Error
	}
	msg := strings.TrimSpace(string(data))
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &APIError{Status: resp.StatusCode, Code: "http_" + strconv.Itoa(resp.StatusCode), Message: clip(msg, 200)}
}

// Status returns the service's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, c.timeout(), http.MethodGet, "status", nil, &st)
	return st, err
}

// StatusJSON returns the service's status exactly as the service sent it
// (`calsync status --json` prints it): fields a newer service adds survive.
func (c *Client) StatusJSON(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := c.do(ctx, c.timeout(), http.MethodGet, "status", nil, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// SyncNow asks the service to poll at once.
func (c *Client) SyncNow(ctx context.Context) error {
	return c.do(ctx, c.timeout(), http.MethodPost, "sync-now", nil, nil)
}

// SyncContactsNow asks the service to sync contacts at once (POST contacts/sync-now, kept for
// the clients written before jobs/{name}/sync-now).
func (c *Client) SyncContactsNow(ctx context.Context) error {
	return c.do(ctx, c.timeout(), http.MethodPost, "contacts/sync-now", nil, nil)
}

// SyncJobNow asks the service to run the named sync job at once.
func (c *Client) SyncJobNow(ctx context.Context, name string) error {
	return c.do(ctx, c.timeout(), http.MethodPost, "jobs/"+url.PathEscape(name)+"/sync-now", nil, nil)
}

// Pause stops presence writes until Resume.
func (c *Client) Pause(ctx context.Context) error {
	return c.do(ctx, c.timeout(), http.MethodPost, "pause", nil, nil)
}

// Resume undoes Pause.
func (c *Client) Resume(ctx context.Context) error {
	return c.do(ctx, c.timeout(), http.MethodPost, "resume", nil, nil)
}

// Config returns the service's configuration as JSON.
func (c *Client) Config(ctx context.Context) ([]byte, error) {
	var raw json.RawMessage
	if err := c.do(ctx, c.timeout(), http.MethodGet, "config", nil, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// PutConfig hands the service a new configuration (JSON). A refusal carries
// the bad fields: FieldErrors(err), or errors.As to *ValidationError.
func (c *Client) PutConfig(ctx context.Context, config []byte) error {
	if config == nil {
		config = []byte{}
	}
	return c.do(ctx, c.timeout(), http.MethodPut, "config", config, nil)
}

// SetSecret stores a secret in the service's credential store. Nothing can
// read it back.
func (c *Client) SetSecret(ctx context.Context, name, value string) error {
	if !validSecretName(name) {
		return errors.New("set secret: the name must be 1 to 64 letters, digits, '.', '_' or '-'")
	}
	body, err := json.Marshal(secretBody{Value: &value})
	if err != nil {
		return fmt.Errorf("set secret %s: %w", name, err)
	}
	return c.do(ctx, c.timeout(), http.MethodPut, "secrets/"+url.PathEscape(name), body, nil)
}

// SecretStatus says which secrets are set and where, never their values.
func (c *Client) SecretStatus(ctx context.Context) ([]SecretState, error) {
	var l secretList
	err := c.do(ctx, c.timeout(), http.MethodGet, "secrets", nil, &l)
	return l.Secrets, err
}

// OneCloudDirectory returns OneCloud's activities, roles, groups and users.
func (c *Client) OneCloudDirectory(ctx context.Context) (Directory, error) {
	var d Directory
	err := c.do(ctx, c.timeout(), http.MethodGet, "directory", nil, &d)
	return d, err
}

// TestConnection runs the service's connection checks.
func (c *Client) TestConnection(ctx context.Context) ([]CheckStep, error) {
	var l checkList
	err := c.do(ctx, max(c.timeout(), testConnectionTimeout), http.MethodPost, "test-connection", nil, &l)
	return l.Steps, err
}

// Logs returns up to n recent service log lines; n <= 0 means the server's
// default (DefaultLogLines).
func (c *Client) Logs(ctx context.Context, n int) ([]string, error) {
	path := "logs"
	if n > 0 {
		path += "?n=" + strconv.Itoa(n)
	}
	var l logLines
	err := c.do(ctx, c.timeout(), http.MethodGet, path, nil, &l)
	return l.Lines, err
}

// Events opens the event stream. It has no timeout: it lasts until ctx ends,
// Close is called, or the service ends it. Reconnecting is the caller's
// business.
func (c *Client) Events(ctx context.Context) (*EventStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	resp, err := c.send(ctx, http.MethodGet, "events", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		cancel()
		if resp.StatusCode >= 400 {
			return nil, readAPIError(resp)
		}
		return nil, fmt.Errorf("local API GET events: unexpected status %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventBytes)
	return &EventStream{ctx: ctx, cancel: cancel, body: resp.Body, lines: sc}, nil
}

// Subscribe is Events as a channel, for code written against Backend: the
// channel closes when the stream ends for any reason (use Events to learn
// which).
func (c *Client) Subscribe(ctx context.Context) (<-chan Event, error) {
	stream, err := c.Events(ctx)
	if err != nil {
		return nil, err
	}
	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		defer stream.Close()
		for {
			ev, err := stream.Next()
			if err != nil {
				return
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// EventStream reads the service's events in order.
type EventStream struct {
	ctx    context.Context
	cancel context.CancelFunc
	body   io.ReadCloser
	lines  *bufio.Scanner
}

// Next blocks for the next event. It returns io.EOF when the service ends
// the stream (it is stopping), the context's error after the context ends or
// Close, and another error when the connection breaks.
func (s *EventStream) Next() (Event, error) {
	for s.lines.Scan() {
		line := bytes.TrimSpace(s.lines.Bytes())
		if len(line) == 0 {
			continue // heartbeat
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return Event{}, fmt.Errorf("local API events: malformed event: %w", err)
		}
		return ev, nil
	}
	if err := s.ctx.Err(); err != nil {
		return Event{}, err
	}
	if err := s.lines.Err(); err != nil {
		return Event{}, fmt.Errorf("local API events: %w", err)
	}
	return Event{}, io.EOF
}

// Close ends the stream.
func (s *EventStream) Close() error {
	s.cancel()
	return s.body.Close()
}
