package emulator

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
)

// Defaults of the app registration and tenant the Graph emulator starts with.
const (
	GraphDefaultTenantID     = "8f3e2a4b-1c5d-4e6f-9a0b-7c8d9e0f1a2b"
	GraphDefaultClientID     = "3b9c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
	GraphDefaultClientSecret = "Xy7~emulator.secret-value_0123456789abcdefgh"
	GraphDefaultSyncUser     = "monitor@contoso.com"
)

// GraphOptions configure the Entra ID + Graph emulator. Zero values mean
// the defaults above, a one-hour token, no faults and Outlook's limit of 4
// concurrent requests.
type GraphOptions struct {
	Clock        clock.Clock // token expiry runs on it; nil => real clock
	TenantID     string
	ClientID     string
	ClientSecret string
	SyncUser     string // gets an empty calendar
	// TokenLifetime is the life of an access token; Entra's are 60-90 min.
	TokenLifetime time.Duration
	// Latency is added (in real time) to every request.
	Latency time.Duration
	// ThrottleEvery answers every k-th getSchedule request with 429.
	ThrottleEvery int
	// RetryAfter is the Retry-After of 429 and 503 answers; default 1s.
	RetryAfter time.Duration
	// MaxConcurrent getSchedule requests before 429 MailboxConcurrency;
	// 0 => 4 (Outlook's limit), negative => unlimited.
	MaxConcurrent int
	// MailboxRequestLimit is how many requests one mailbox (the
	// synchronization user's, in the getSchedule URL) may receive from the
	// app in any MailboxRequestWindow before 429 ApplicationThrottled;
	// 0 => 10,000 (Outlook's limit), negative => unlimited.
	MailboxRequestLimit int
	// MailboxRequestWindow is the sliding window of MailboxRequestLimit;
	// 0 => 10 minutes. It runs on Clock.
	MailboxRequestWindow time.Duration
	Logger               *slog.Logger
}

// GraphStats are the emulator's counters.
type GraphStats struct {
	TokenRequests      int64 // token endpoint calls, failed ones included
	TokensIssued       int64
	ScheduleRequests   int64 // getSchedule calls, failed ones included
	SchedulesRequested int64 // mailboxes asked for in accepted calls
	MaxBatch           int   // most mailboxes in one accepted call
	MaxInFlight        int64 // most getSchedule and contacts calls in progress at once
	ContactsRequests   int64 // contacts listing calls (pages), failed ones included
	PresenceRequests   int64 // getPresencesByUserId calls, refused ones included
	BatchRequests      int64 // $batch calls, refused ones included
	UserLookups        int64 // user lookups, direct or inside a $batch
	MaxPresenceIDs     int   // most ids in one accepted getPresencesByUserId call
	// MaxInWindow is the most getSchedule requests one mailbox received
	// within any MailboxRequestWindow (throttled ones included: they count
	// against the limit, as in Outlook).
	MaxInWindow int
	Throttled   int64 // 429 answers
	Failed      int64 // injected 5xx answers and dropped connections
	Hung        int64 // requests held until the client gave up (HangNext)
	TokenDown   int64 // token requests answered 503 while SetTokenDown(true)
}

// Graph emulates the Entra ID token endpoint and Graph calendar
// getSchedule. Serve it with Start, or use it as an http.Handler; both the
// authority URL and the Graph URL of the client point at it. Its
// FailNext, HangNext and PendingFaults count getSchedule calls only.
type Graph struct {
	faults

	clock clock.Clock
	log   *slog.Logger

	mu            sync.Mutex
	tenants       map[string]*graphTenant  // by lower-cased tenant ID
	mailboxes     map[string]*graphMailbox // by lower-cased address
	tokens        map[string]graphIssued   // access token -> issue record
	syncUser      string
	tokenLifetime time.Duration
	secretExpired bool
	certs         map[string][]*x509.Certificate // uploaded certificates by graphAppKey (graph_cert.go)
	assertions    []GraphAssertion               // accepted client assertions (graph_cert.go)
	consent       bool
	latency       time.Duration
	throttleEvery int
	retryAfter    time.Duration
	maxConcurrent int
	tokenDown     bool
	calls         int64 // getSchedule calls, for ThrottleEvery
	maxBatch      int
	requested     int64
	// Per-mailbox request times within the window, oldest first.
	mailboxLimit  int
	mailboxWindow time.Duration
	mailboxHits   map[string][]time.Time
	maxInWindow   int

	tokenRequests, tokensIssued, scheduleRequests atomic.Int64
	inFlight, maxInFlight, throttled, failed      atomic.Int64
	hung, tokenDownAnswers                        atomic.Int64

	contacts graphContactsState // graph_contacts.go
	presence graphPresenceState // graph_presence.go
}

type graphTenant struct {
	id   string
	apps map[string]string // client ID (lower) -> secret value
}

type graphMailbox struct {
	contacts []GraphContact // the default Contacts folder, in listing order (graph_contacts.go)
	objectID string         // the user's Entra object id
	teams    graphTeams     // Teams presence (graph_presence.go)

	events  []calendar.Event
	shared  bool   // Reviewer rights granted to the sync user
	errCode string // forced per-item error, e.g. MailboxNotEnabledForRESTAPI
	errMsg  string
	wh      graphMailboxHours // published working hours (graph_workinghours.go)
}

type graphIssued struct {
	expiry time.Time
}

// NewGraph returns an emulator with one tenant, one app registration with
// one secret, admin consent granted, and the synchronization user's mailbox.
func NewGraph(opts GraphOptions) *Graph {
	g := &Graph{
		clock:     clock.OrReal(opts.Clock),
		log:       opts.Logger,
		tenants:   map[string]*graphTenant{},
		mailboxes: map[string]*graphMailbox{},
		tokens:    map[string]graphIssued{},
		consent:   true,
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	tenant := graphOrDefault(opts.TenantID, GraphDefaultTenantID)
	g.AddApp(tenant, graphOrDefault(opts.ClientID, GraphDefaultClientID), graphOrDefault(opts.ClientSecret, GraphDefaultClientSecret))
	g.syncUser = graphOrDefault(opts.SyncUser, GraphDefaultSyncUser)
	g.SetCalendar(g.syncUser, nil)
	g.tokenLifetime = opts.TokenLifetime
	if g.tokenLifetime <= 0 {
		g.tokenLifetime = time.Hour
	}
	g.latency = opts.Latency
	g.throttleEvery = opts.ThrottleEvery
	g.retryAfter = opts.RetryAfter
	if g.retryAfter <= 0 {
		g.retryAfter = time.Second
	}
	g.maxConcurrent = opts.MaxConcurrent
	if g.maxConcurrent == 0 {
		g.maxConcurrent = 4
	}
	g.mailboxLimit = opts.MailboxRequestLimit
	if g.mailboxLimit == 0 {
		g.mailboxLimit = GraphMailboxRequestLimit
	}
	g.mailboxWindow = opts.MailboxRequestWindow
	if g.mailboxWindow <= 0 {
		g.mailboxWindow = GraphMailboxRequestWindow
	}
	g.mailboxHits = map[string][]time.Time{}
	return g
}

// Outlook's per app and mailbox request limit: 10,000 requests in any 10
// minutes.
const (
	GraphMailboxRequestLimit  = 10000
	GraphMailboxRequestWindow = 10 * time.Minute
)

func graphOrDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

// Start serves the emulator on a loopback port (for tests and `calsync
// demo`) and returns its base URL, to be used both as authority URL and as
// Graph URL, and a stop function.
func (g *Graph) Start() (url string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		// Loopback listening only fails on a broken host; tests and the
		// demo cannot go on either way.
		panic(fmt.Sprintf("emulator: listen on loopback: %v", err))
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }
}

// AddApp registers an app (client ID and secret value) in a tenant,
// creating the tenant if needed. A second call replaces the secret.
func (g *Graph) AddApp(tenantID, clientID, secret string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := strings.ToLower(tenantID)
	t := g.tenants[key]
	if t == nil {
		t = &graphTenant{id: tenantID, apps: map[string]string{}}
		g.tenants[key] = t
	}
	t.apps[strings.ToLower(clientID)] = secret
}

// SetSecretExpired makes every app secret expired (AADSTS7000222) or valid.
// Tokens already issued stay valid until they expire, as in Entra.
func (g *Graph) SetSecretExpired(expired bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.secretExpired = expired
}

// SetConsent grants or withdraws admin consent for Calendars.Read; without
// it getSchedule answers 403 ErrorAccessDenied.
func (g *Graph) SetConsent(granted bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.consent = granted
}

// mailboxLocked returns the mailbox, creating it (shared with the sync user)
// when it is new. g.mu must be held.
func (g *Graph) mailboxLocked(mailbox string) *graphMailbox {
	key := strings.ToLower(strings.TrimSpace(mailbox))
	mb := g.mailboxes[key]
	if mb == nil {
		mb = &graphMailbox{shared: true, objectID: graphNewID(),
			teams: graphTeams{availability: "Offline", activity: "Offline"}}
		g.mailboxes[key] = mb
	}
	return mb
}

// SetCalendar creates or replaces a mailbox's calendar. The mailbox is
// shared with the sync user unless SetShared says otherwise.
func (g *Graph) SetCalendar(mailbox string, events []calendar.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxLocked(mailbox)
	mb.events = slices.Clone(events)
}

// AddEvent appends one event to a mailbox's calendar, creating the mailbox.
func (g *Graph) AddEvent(mailbox string, ev calendar.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	mb := g.mailboxLocked(mailbox)
	mb.events = append(mb.events, ev)
}

// RemoveMailbox deletes a mailbox: getSchedule then reports it with the
// per-item error 5009.
func (g *Graph) RemoveMailbox(mailbox string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.mailboxes, strings.ToLower(strings.TrimSpace(mailbox)))
}

// SetShared says whether the sync user has Reviewer rights on the
// mailbox's calendar; without them subject and location are absent.
func (g *Graph) SetShared(mailbox string, shared bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]; mb != nil {
		mb.shared = shared
	}
}

// SetMailboxError forces a per-item error for an existing mailbox, e.g.
// ("MailboxNotEnabledForRESTAPI", "..."); an empty code clears it.
func (g *Graph) SetMailboxError(mailbox, responseCode, message string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]; mb != nil {
		mb.errCode, mb.errMsg = responseCode, message
	}
}

// SetLatency changes the delay added to every request.
func (g *Graph) SetLatency(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.latency = d
}

// SetThrottleEvery answers every k-th getSchedule call with 429 (0: never).
func (g *Graph) SetThrottleEvery(k int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.throttleEvery = k
	g.calls = 0
}

// SetRetryAfter sets the Retry-After of 429 and 503 answers.
func (g *Graph) SetRetryAfter(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.retryAfter = d
}

// SetTokenDown makes the token endpoint unavailable: it answers 503 with
// Entra's transient error (temporarily_unavailable, AADSTS90033) until
// called with false. Tokens already issued stay valid.
func (g *Graph) SetTokenDown(down bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokenDown = down
}

// ExpireTokens makes every issued access token invalid, as a revocation or
// a key rollover would.
func (g *Graph) ExpireTokens() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.tokens)
}

// Stats returns the counters.
func (g *Graph) Stats() GraphStats {
	g.mu.Lock()
	maxBatch, requested, maxInWindow, maxIDs := g.maxBatch, g.requested, g.maxInWindow, g.presence.maxIDs
	g.mu.Unlock()
	return GraphStats{
		TokenRequests:      g.tokenRequests.Load(),
		TokensIssued:       g.tokensIssued.Load(),
		ScheduleRequests:   g.scheduleRequests.Load(),
		SchedulesRequested: requested,
		MaxBatch:           maxBatch,
		MaxInFlight:        g.maxInFlight.Load(),
		ContactsRequests:   g.contacts.requests.Load(),
		PresenceRequests:   g.presence.presenceRequests.Load(),
		BatchRequests:      g.presence.batchRequests.Load(),
		UserLookups:        g.presence.lookups.Load(),
		MaxPresenceIDs:     maxIDs,
		MaxInWindow:        maxInWindow,
		Throttled:          g.throttled.Load(),
		Failed:             g.failed.Load(),
		Hung:               g.hung.Load(),
		TokenDown:          g.tokenDownAnswers.Load(),
	}
}

// ResetStats zeroes the counters.
func (g *Graph) ResetStats() {
	g.mu.Lock()
	g.maxBatch, g.requested, g.maxInWindow, g.presence.maxIDs = 0, 0, 0, 0
	g.mu.Unlock()
	for _, c := range []*atomic.Int64{&g.tokenRequests, &g.tokensIssued, &g.scheduleRequests,
		&g.maxInFlight, &g.throttled, &g.failed, &g.hung, &g.tokenDownAnswers, &g.contacts.requests,
		&g.presence.presenceRequests, &g.presence.batchRequests, &g.presence.lookups} {
		c.Store(0)
	}
}

// ServeHTTP routes the endpoints; paths are matched case-insensitively
// as Graph does.
func (g *Graph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(seg) == 4 && strings.EqualFold(seg[1], "oauth2") && strings.EqualFold(seg[2], "v2.0") &&
		strings.EqualFold(seg[3], "token"):
		g.serveToken(w, r, seg[0])
	case len(seg) == 5 && seg[0] == "v1.0" && strings.EqualFold(seg[1], "users") &&
		strings.EqualFold(seg[3], "calendar") && strings.EqualFold(seg[4], "getSchedule"):
		g.serveGetSchedule(w, r, seg[2])
	case len(seg) == 4 && seg[0] == "v1.0" && strings.EqualFold(seg[1], "users") && strings.EqualFold(seg[3], "contacts"):
		g.serveContacts(w, r, seg[2])
	case len(seg) == 3 && seg[0] == "v1.0" && strings.EqualFold(seg[1], "communications") &&
		strings.EqualFold(seg[2], "getPresencesByUserId"):
		g.serveGetPresences(w, r)
	case len(seg) == 2 && seg[0] == "v1.0" && seg[1] == "$batch":
		g.serveBatch(w, r)
	case len(seg) == 3 && seg[0] == "v1.0" && strings.EqualFold(seg[1], "users"):
		g.serveUser(w, r, seg[2])
	default:
		writeError(w, http.StatusNotFound, "ResourceNotFound",
			fmt.Sprintf("Resource not found for the segment '%s'.", seg[len(seg)-1]))
	}
}

// graphSleep waits the configured latency, or until the client gives up.
func (g *Graph) graphSleep(r *http.Request) bool {
	g.mu.Lock()
	d := g.latency
	g.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func graphNewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
