package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/clock"
)

// OneCloudOptions configures the OneCloud emulator.
type OneCloudOptions struct {
	// Token is the API token it accepts as "Authorization: Bearer <Token>".
	// Empty: any non-empty bearer token is accepted (a missing or malformed
	// Authorization header is still 401).
	Token string
	// ReadOnlyToken, when set, is a second token that may read but gets 403
	// forbidden on PUT, like an API token without write rights.
	ReadOnlyToken string
	Clock         clock.Clock // write log times and Latency; nil: real clock
	PageSize      int         // users per page of GET /v1/users; default 50
	// BasePath is a path prefix the routes live under, e.g. "/api" to serve
	// /api/v1/...; Start's URL includes it. Empty: routes at /v1/....
	BasePath string
	// RetryAfter is sent (in whole seconds, rounded up) with the 429 of
	// ThrottleEvery; default 1s.
	RetryAfter time.Duration
	Logger     *slog.Logger // request log at debug level; nil: discard
}

// OneCloudActivity is a presence activity as GET /v1/activities lists it.
type OneCloudActivity struct {
	ID        string
	Name      string
	Available bool
}

// OneCloudRole is a role as GET /v1/roles lists it.
type OneCloudRole struct {
	ID   string
	Name string
}

// OneCloudGroup is a user group; Members are user ids.
type OneCloudGroup struct {
	ID      string
	Name    string
	Members []string
}

// OneCloudUser is a user as GET /v1/users lists it.
type OneCloudUser struct {
	ID       string
	Username string
	Name     string
	Email    string
}

// OneCloudPresence is a user's presence; zero Until is open-ended (null).
type OneCloudPresence struct {
	Activity string
	Role     string
	Note     string
	Until    time.Time
}

// OneCloudWrite is one presence write accepted through the API (PUT 200).
// Changes made with SetPresenceByHand or Race412Next are not in the log
// of Writes but in that of HandChanges, in the same shape.
type OneCloudWrite struct {
	At       time.Time // the emulator clock's time of the write
	UserID   string
	Presence OneCloudPresence
	ETag     string // the ETag the write produced
	// Before and BeforeETag are the presence the write replaced and its
	// ETag: a test tells by the ETag whose presence was overwritten.
	Before     OneCloudPresence
	BeforeETag string
}

// OneCloudCounts counts the API requests received, whatever their outcome
// (faults and errors included). ByEndpoint keys are "METHOD pattern", e.g.
// "GET /v1/users/{id}/presence"; requests matching no route count as
// "other".
type OneCloudCounts struct {
	Reads      int // GET requests
	Writes     int // PUT, POST and DELETE requests (as served, after any override)
	ByEndpoint map[string]int
	// ByWireMethod counts requests by the method on the wire, before
	// X-HTTP-Method-Override: a PUT sent as POST counts as "POST".
	ByWireMethod map[string]int
	// Overridden counts POSTs served as the method their
	// X-HTTP-Method-Override header names.
	Overridden int
	// WithoutJSONHeaders counts requests without "Accept: application/json"
	// or "Content-Type: application/json", which Setera's reference asks of
	// every request. The emulator serves them anyway (what the real server
	// does is not published); tests assert the client sends both.
	WithoutJSONHeaders int
}

// The endpoint keys of OneCloudCounts.ByEndpoint.
const (
	OneCloudGetActivities = "GET /v1/activities"
	OneCloudGetRoles      = "GET /v1/roles"
	OneCloudGetGroups     = "GET /v1/groups"
	OneCloudGetUsers      = "GET /v1/users"
	OneCloudGetPresence   = "GET /v1/users/{id}/presence"
	OneCloudPutPresence   = "PUT /v1/users/{id}/presence"
)

// OneCloud emulates the OneCloud REST contract (docs/onecloud-api.md). It is
// an http.Handler; Start serves it on a loopback port. All methods are safe
// to call while requests are being served. Its FailNext, HangNext and
// PendingFaults count every routed request (Race412Next is no such fault).
type OneCloud struct {
	faults

	token, readOnlyToken string
	clock                clock.Clock
	pageSize             int
	basePath             string
	retryAfter           time.Duration
	log                  *slog.Logger

	mu         sync.Mutex
	activities []OneCloudActivity
	roles      []OneCloudRole
	groups     []OneCloudGroup
	users      []OneCloudUser
	presence   map[string]*ocPresenceState
	etagSeq    uint64
	writes     []OneCloudWrite
	byHand     []OneCloudWrite
	counts     OneCloudCounts

	latency       time.Duration
	throttleEvery int
	throttleSeen  int
	hung          int
	down          bool
	race412       map[string]int

	phonebooks ocPhonebooks // onecloud_phonebook.go
}

type ocPresenceState struct {
	p    OneCloudPresence
	etag string
}

// NewOneCloud returns an emulator seeded with the OneCloud activities
// (available, meeting, lunch, away, vacation, busy, business-trip, sick,
// gone-home) and roles (office, mobile, remote), and no users or groups.
func NewOneCloud(opts OneCloudOptions) *OneCloud {
	o := &OneCloud{
		token:         opts.Token,
		readOnlyToken: opts.ReadOnlyToken,
		clock:         clock.OrReal(opts.Clock),
		pageSize:      opts.PageSize,
		basePath:      "/" + strings.Trim(opts.BasePath, "/"),
		retryAfter:    opts.RetryAfter,
		log:           opts.Logger,
		presence:      map[string]*ocPresenceState{},
		race412:       map[string]int{},
		counts:        newOneCloudCounts(),
	}
	if o.basePath == "/" {
		o.basePath = ""
	}
	if o.pageSize <= 0 {
		o.pageSize = 50
	}
	if o.retryAfter <= 0 {
		o.retryAfter = time.Second
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	o.activities = []OneCloudActivity{
		{"available", "Available", true},
		{"meeting", "Meeting", false},
		{"lunch", "Lunch", false},
		{"away", "Away", false},
		{"vacation", "Vacation", false},
		{"busy", "Busy", false},
		{"business-trip", "Business trip", false},
		{"sick", "Sick", false},
		{"gone-home", "Gone home", false},
	}
	o.roles = []OneCloudRole{{"office", "Office"}, {"mobile", "Mobile"}, {"remote", "Remote"}}
	return o
}

// Start serves the emulator on a loopback port and returns its base URL
// (including BasePath) and a function that stops the server. Like
// httptest.NewServer it panics if no loopback port can be opened.
func (o *OneCloud) Start() (baseURL string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		var err6 error
		if ln, err6 = net.Listen("tcp6", "[::1]:0"); err6 != nil {
			panic(fmt.Sprintf("emulator: onecloud: listen on loopback: %v; %v", err, err6))
		}
	}
	srv := &http.Server{Handler: o, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	return "http://" + ln.Addr().String() + o.basePath, func() { once.Do(func() { _ = srv.Close() }) }
}

// Activities returns the seeded activities in list order.
func (o *OneCloud) Activities() []OneCloudActivity {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OneCloudActivity(nil), o.activities...)
}

// Roles returns the seeded roles in list order.
func (o *OneCloud) Roles() []OneCloudRole {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OneCloudRole(nil), o.roles...)
}

// AddUser adds users (or updates the details of existing ids, keeping their
// presence). A new user starts "available" in role "office", open-ended.
func (o *OneCloud) AddUser(users ...OneCloudUser) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, u := range users {
		if u.ID == "" {
			return errors.New("onecloud emulator: add user: id is empty")
		}
		if _, ok := o.presence[u.ID]; ok {
			for i := range o.users {
				if o.users[i].ID == u.ID {
					o.users[i] = u
				}
			}
			continue
		}
		o.users = append(o.users, u)
		o.presence[u.ID] = &ocPresenceState{p: OneCloudPresence{Activity: "available", Role: "office"}, etag: o.nextETagLocked()}
	}
	return nil
}

// SetGroups replaces all groups. Members need not be known users.
func (o *OneCloud) SetGroups(groups ...OneCloudGroup) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.groups = o.groups[:0]
	for _, g := range groups {
		g.Members = append([]string(nil), g.Members...)
		o.groups = append(o.groups, g)
	}
}

// Presence returns a user's current presence; ok is false for an unknown
// user.
func (o *OneCloud) Presence(userID string) (p OneCloudPresence, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	st, ok := o.presence[userID]
	if !ok {
		return OneCloudPresence{}, false
	}
	return st.p, true
}

// ETag returns a user's current ETag ("" for an unknown user).
func (o *OneCloud) ETag(userID string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if st, ok := o.presence[userID]; ok {
		return st.etag
	}
	return ""
}

// SetPresenceByHand changes a presence as a person would in the OneCloud
// app: the ETag changes, the write log does not. Activity and role must be
// known (role may be empty).
func (o *OneCloud) SetPresenceByHand(userID string, p OneCloudPresence) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.presence[userID]; !ok {
		return fmt.Errorf("onecloud emulator: set presence by hand: unknown user %q", userID)
	}
	if !o.knownActivityLocked(p.Activity) {
		return fmt.Errorf("onecloud emulator: set presence by hand: unknown activity %q", p.Activity)
	}
	if p.Role != "" && !o.knownRoleLocked(p.Role) {
		return fmt.Errorf("onecloud emulator: set presence by hand: unknown role %q", p.Role)
	}
	o.setByHandLocked(userID, p)
	return nil
}

func (o *OneCloud) setByHandLocked(userID string, p OneCloudPresence) {
	if !p.Until.IsZero() {
		p.Until = p.Until.UTC().Truncate(time.Second)
	}
	before := o.presence[userID]
	st := &ocPresenceState{p: p, etag: o.nextETagLocked()}
	o.presence[userID] = st
	w := OneCloudWrite{At: o.clock.Now(), UserID: userID, Presence: p, ETag: st.etag}
	if before != nil {
		w.Before, w.BeforeETag = before.p, before.etag
	}
	o.byHand = append(o.byHand, w)
}

// HandChanges returns the log of presences changed by hand (SetPresenceByHand
// and the person's side of Race412Next), in order.
func (o *OneCloud) HandChanges() []OneCloudWrite {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OneCloudWrite(nil), o.byHand...)
}

// Writes returns the log of presence writes accepted through the API, in
// order.
func (o *OneCloud) Writes() []OneCloudWrite {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OneCloudWrite(nil), o.writes...)
}

// Counts returns the request counters.
func (o *OneCloud) Counts() OneCloudCounts {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.counts
	c.ByEndpoint = maps.Clone(o.counts.ByEndpoint)
	c.ByWireMethod = maps.Clone(o.counts.ByWireMethod)
	return c
}

// ResetCounts zeroes the request counters (not the write log).
func (o *OneCloud) ResetCounts() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts = newOneCloudCounts()
	o.resetPhonebookCountsLocked()
}

// Latency delays every request by d on the emulator's clock (with a fake
// clock the test advances it); 0 turns it off.
func (o *OneCloud) Latency(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.latency = d
}

// ThrottleEvery answers every k-th authenticated request from now on with
// 429 too_many_requests and Retry-After; k <= 0 turns it off.
func (o *OneCloud) ThrottleEvery(k int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.throttleEvery = max(k, 0)
	o.throttleSeen = 0
}

// Hung is the number of requests held by HangNext so far.
func (o *OneCloud) Hung() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hung
}

// Down makes every request fail with 503 service_unavailable (no
// Retry-After) while down is true.
func (o *OneCloud) Down(down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = down
}

// Race412Next makes the next PUT for userID lose a race with a person: just
// before the If-Match check the presence is changed by hand (activity
// "busy", or "away" if it already was busy; role kept; note "changed by
// hand"; open-ended), so the PUT gets 412 and a new GET sees the person's
// presence. Calls add up.
func (o *OneCloud) Race412Next(userID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.race412[userID]++
}

func (o *OneCloud) nextETagLocked() string {
	o.etagSeq++
	return fmt.Sprintf(`"oc-%d"`, o.etagSeq)
}

func (o *OneCloud) knownActivityLocked(id string) bool {
	for _, a := range o.activities {
		if a.ID == id {
			return true
		}
	}
	return false
}

func (o *OneCloud) knownRoleLocked(id string) bool {
	for _, r := range o.roles {
		if r.ID == id {
			return true
		}
	}
	return false
}

// ocStatusWriter remembers the status for the request log.
type ocStatusWriter struct {
	http.ResponseWriter
	status int
}

func (w *ocStatusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP serves the contract: route, count, latency, faults, token,
// then the endpoint.
func (o *OneCloud) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &ocStatusWriter{ResponseWriter: rw, status: http.StatusOK}
	defer func() {
		o.log.Debug("onecloud emulator", "method", r.Method, "path", r.URL.Path, "status", w.status)
	}()

	wire := r.Method
	r, badOverride := ocMethodOverride(r)
	endpoint, userID, allow := o.route(r)
	if badOverride != "" {
		endpoint, allow = "", ""
	}

	o.mu.Lock()
	o.counts.ByWireMethod[wire]++
	if r.Method != wire {
		o.counts.Overridden++
	}
	if !ocAcceptsJSON(r.Header.Get("Accept")) || !ocIsJSON(r.Header.Get("Content-Type")) {
		o.counts.WithoutJSONHeaders++
	}
	switch r.Method {
	case http.MethodGet:
		o.counts.Reads++
	case http.MethodPut, http.MethodPost, http.MethodDelete:
		o.counts.Writes++
	}
	o.countPhonebookLocked(endpoint, userID)
	key := endpoint
	if key == "" {
		key = "other"
	}
	o.counts.ByEndpoint[key]++
	latency := o.latency
	o.mu.Unlock()

	if latency > 0 {
		if err := clock.Sleep(r.Context(), o.clock, latency); err != nil {
			return // the client gave up
		}
	}
	if badOverride != "" {
		ocWriteError(w, http.StatusBadRequest, "bad_request", "X-HTTP-Method-Override: "+badOverride)
		return
	}
	if endpoint == "" {
		if allow != "" {
			w.Header().Set("Allow", allow)
			ocWriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, allow))
			return
		}
		ocWriteError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path)
		return
	}

	o.mu.Lock()
	if o.takeHang() {
		o.hung++
		o.mu.Unlock()
		holdUntilClientGivesUp(r)
		return
	}
	if o.down {
		o.mu.Unlock()
		ocWriteError(w, http.StatusServiceUnavailable, "service_unavailable", "OneCloud is down for maintenance")
		return
	}
	if status, ok := o.takeFail(); ok {
		o.mu.Unlock()
		ocWriteError(w, status, ocErrorCode(status), "injected failure")
		return
	}
	o.mu.Unlock()

	readOnly, ok := o.authorize(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="onecloud"`)
		ocWriteError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid API token")
		return
	}

	o.mu.Lock()
	if o.throttleEvery > 0 {
		o.throttleSeen++
		if o.throttleSeen%o.throttleEvery == 0 {
			secs := int((o.retryAfter + time.Second - 1) / time.Second)
			o.mu.Unlock()
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			ocWriteError(w, http.StatusTooManyRequests, "too_many_requests", "rate limit exceeded; retry later")
			return
		}
	}
	o.mu.Unlock()

	switch endpoint {
	case OneCloudGetActivities:
		o.serveActivities(w)
	case OneCloudGetRoles:
		o.serveRoles(w)
	case OneCloudGetGroups:
		o.serveGroups(w)
	case OneCloudGetUsers:
		o.serveUsers(w, r)
	case OneCloudGetPresence:
		o.serveGetPresence(w, userID)
	case OneCloudPutPresence:
		if readOnly {
			ocWriteError(w, http.StatusForbidden, "forbidden", "this API token may not change presence")
			return
		}
		o.servePutPresence(w, r, userID)
	default:
		if isPhonebookEndpoint(endpoint) {
			o.servePhonebook(w, r, endpoint, readOnly)
		}
	}
}

// ocMethodOverride serves a POST carrying X-HTTP-Method-Override as the
// method the header names, as Setera's reference says OneCloud does for
// clients that cannot send PUT or DELETE. The header on another method is
// ignored. A value other than PUT or DELETE is refused: bad says why.
func ocMethodOverride(r *http.Request) (_ *http.Request, bad string) {
	v := strings.TrimSpace(r.Header.Get("X-HTTP-Method-Override"))
	if r.Method != http.MethodPost || v == "" {
		return r, ""
	}
	switch m := strings.ToUpper(v); m {
	case http.MethodPut, http.MethodDelete:
		o := *r
		o.Method = m
		return &o, ""
	}
	return r, fmt.Sprintf("%q is not a method a POST may stand for; expected PUT or DELETE", v)
}

// ocAcceptsJSON reports whether an Accept header admits application/json.
func ocAcceptsJSON(h string) bool {
	for _, part := range strings.Split(h, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "application/json", "application/*", "*/*":
			return true
		}
	}
	return false
}

// ocIsJSON reports whether a Content-Type is application/json.
func ocIsJSON(h string) bool {
	mt, _, _ := strings.Cut(h, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

func newOneCloudCounts() OneCloudCounts {
	return OneCloudCounts{ByEndpoint: map[string]int{}, ByWireMethod: map[string]int{}}
}

// route maps a request to its endpoint key and user id. An unknown path or
// method gives endpoint ""; allow is then the allowed methods of a known
// path.
func (o *OneCloud) route(r *http.Request) (endpoint, userID, allow string) {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, o.basePath+"/v1/") {
		return "", "", ""
	}
	parts := strings.Split(strings.TrimPrefix(p, o.basePath+"/v1/"), "/")
	get := func(ep string) (string, string, string) {
		if r.Method == http.MethodGet {
			return ep, "", ""
		}
		return "", "", "GET"
	}
	switch {
	case len(parts) == 1 && parts[0] == "activities":
		return get(OneCloudGetActivities)
	case len(parts) == 1 && parts[0] == "roles":
		return get(OneCloudGetRoles)
	case len(parts) == 1 && parts[0] == "groups":
		return get(OneCloudGetGroups)
	case len(parts) == 1 && parts[0] == "users":
		return get(OneCloudGetUsers)
	case len(parts) == 3 && parts[0] == "users" && parts[1] != "" && parts[2] == "presence":
		id, err := url.PathUnescape(parts[1])
		if err != nil {
			return "", "", ""
		}
		switch r.Method {
		case http.MethodGet:
			return OneCloudGetPresence, id, ""
		case http.MethodPut:
			return OneCloudPutPresence, id, ""
		}
		return "", "", "GET, PUT"
	}
	return routePhonebook(r.Method, parts)
}

// authorize checks the bearer token; readOnly is true for ReadOnlyToken.
func (o *OneCloud) authorize(r *http.Request) (readOnly, ok bool) {
	scheme, tok, found := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false, false
	}
	if o.readOnlyToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(o.readOnlyToken)) == 1 {
		return true, true
	}
	if o.token == "" {
		return false, true
	}
	return false, subtle.ConstantTimeCompare([]byte(tok), []byte(o.token)) == 1
}

// ocErrorCode names an injected failure's status.
func ocErrorCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	case http.StatusBadGateway:
		return "bad_gateway"
	case http.StatusGatewayTimeout:
		return "gateway_timeout"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	}
	if status >= 500 {
		return "internal_error"
	}
	return "error"
}

// Wire shapes of the contract.
type (
	ocWireActivity struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Available bool   `json:"available"`
	}
	ocWireRole struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	ocWireGroup struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		Members []string `json:"members"`
	}
	ocWireUser struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		Email    string `json:"email"`
	}
	ocWirePresence struct {
		Activity string  `json:"activity"`
		Role     string  `json:"role"`
		Note     string  `json:"note"`
		Until    *string `json:"until"`
	}
)

func ocPresenceJSON(p OneCloudPresence) ocWirePresence {
	w := ocWirePresence{Activity: p.Activity, Role: p.Role, Note: p.Note}
	if !p.Until.IsZero() {
		s := p.Until.UTC().Format(time.RFC3339)
		w.Until = &s
	}
	return w
}

func (o *OneCloud) serveActivities(w http.ResponseWriter) {
	o.mu.Lock()
	list := make([]ocWireActivity, 0, len(o.activities))
	for _, a := range o.activities {
		list = append(list, ocWireActivity(a))
	}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"activities": list})
}

func (o *OneCloud) serveRoles(w http.ResponseWriter) {
	o.mu.Lock()
	list := make([]ocWireRole, 0, len(o.roles))
	for _, r := range o.roles {
		list = append(list, ocWireRole(r))
	}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"roles": list})
}

func (o *OneCloud) serveGroups(w http.ResponseWriter) {
	o.mu.Lock()
	list := make([]ocWireGroup, 0, len(o.groups))
	for _, g := range o.groups {
		members := append([]string{}, g.Members...)
		list = append(list, ocWireGroup{ID: g.ID, Name: g.Name, Members: members})
	}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"groups": list})
}

// queryPage reads ?page=N (default 1); a value that is not a positive integer
// is answered 400 and ok is false.
func queryPage(w http.ResponseWriter, r *http.Request) (page int, ok bool) {
	s := r.URL.Query().Get("page")
	if s == "" {
		return 1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		ocWriteError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("page: expected a positive integer, got %q", s))
		return 0, false
	}
	return n, true
}

// serveUsers pages the users in the order they were added. A page past the
// end is empty with nextPage null.
func (o *OneCloud) serveUsers(w http.ResponseWriter, r *http.Request) {
	page, ok := queryPage(w, r)
	if !ok {
		return
	}
	o.mu.Lock()
	list := []ocWireUser{}
	start := (page - 1) * o.pageSize
	if page-1 > len(o.users)/o.pageSize { // also guards start against overflow
		start = len(o.users)
	}
	end := min(start+o.pageSize, len(o.users))
	for _, u := range o.users[start:end] {
		list = append(list, ocWireUser(u))
	}
	var next *int
	if end < len(o.users) {
		n := page + 1
		next = &n
	}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"users": list, "nextPage": next})
}

func (o *OneCloud) serveGetPresence(w http.ResponseWriter, userID string) {
	o.mu.Lock()
	st, ok := o.presence[userID]
	var p OneCloudPresence
	var etag string
	if ok {
		p, etag = st.p, st.etag
	}
	o.mu.Unlock()
	if !ok {
		ocWriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("user %q not found", userID))
		return
	}
	w.Header().Set("ETag", etag)
	writeJSON(w, http.StatusOK, ocPresenceJSON(p))
}

// servePutPresence checks, in this order (RFC 9110: preconditions before
// the content): 404 unknown user, 428 no If-Match, 412 If-Match does not
// match, 400 malformed body, 422 unknown activity or role; then stores the
// presence with a new ETag and logs the write.
func (o *OneCloud) servePutPresence(w http.ResponseWriter, r *http.Request, userID string) {
	body, readErr := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))

	o.mu.Lock()
	st, ok := o.presence[userID]
	if !ok {
		o.mu.Unlock()
		ocWriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("user %q not found", userID))
		return
	}
	ifMatch := strings.TrimSpace(r.Header.Get("If-Match"))
	if ifMatch == "" {
		o.mu.Unlock()
		ocWriteError(w, http.StatusPreconditionRequired, "precondition_required", "If-Match with the ETag from GET is required")
		return
	}
	if o.race412[userID] > 0 {
		o.race412[userID]--
		if o.race412[userID] == 0 {
			delete(o.race412, userID)
		}
		byHand := OneCloudPresence{Activity: "busy", Role: st.p.Role, Note: "changed by hand"}
		if st.p.Activity == "busy" {
			byHand.Activity = "away"
		}
		o.setByHandLocked(userID, byHand)
		st = o.presence[userID]
	}
	if !ocETagMatches(ifMatch, st.etag) {
		etag := st.etag
		o.mu.Unlock()
		w.Header().Set("ETag", etag)
		ocWriteError(w, http.StatusPreconditionFailed, "precondition_failed", "the presence changed since it was read; GET it again")
		return
	}
	o.mu.Unlock()

	if readErr != nil || len(body) > 64<<10 {
		ocWriteError(w, http.StatusBadRequest, "bad_request", "body: unreadable or larger than 64 KiB")
		return
	}
	p, code, msg := ocParsePutBody(body)
	if code != "" {
		ocWriteError(w, http.StatusBadRequest, code, msg)
		return
	}

	o.mu.Lock()
	if !o.knownActivityLocked(p.Activity) {
		o.mu.Unlock()
		ocWriteError(w, http.StatusUnprocessableEntity, "unknown_activity", fmt.Sprintf("activity %q is not known", p.Activity))
		return
	}
	if p.Role != "" && !o.knownRoleLocked(p.Role) {
		o.mu.Unlock()
		ocWriteError(w, http.StatusUnprocessableEntity, "unknown_role", fmt.Sprintf("role %q is not known", p.Role))
		return
	}
	// Check again: another PUT may have won while the body was parsed.
	if st = o.presence[userID]; !ocETagMatches(ifMatch, st.etag) {
		etag := st.etag
		o.mu.Unlock()
		w.Header().Set("ETag", etag)
		ocWriteError(w, http.StatusPreconditionFailed, "precondition_failed", "the presence changed since it was read; GET it again")
		return
	}
	etag := o.nextETagLocked()
	o.presence[userID] = &ocPresenceState{p: p, etag: etag}
	o.writes = append(o.writes, OneCloudWrite{At: o.clock.Now(), UserID: userID, Presence: p, ETag: etag,
		Before: st.p, BeforeETag: st.etag})
	o.mu.Unlock()

	w.Header().Set("ETag", etag)
	writeJSON(w, http.StatusOK, ocPresenceJSON(p))
}

// ocETagMatches applies If-Match with strong comparison: a list of quoted
// tags or "*"; weak tags (W/"...") never match.
func ocETagMatches(ifMatch, current string) bool {
	if ifMatch == "*" {
		return true
	}
	for _, t := range strings.Split(ifMatch, ",") {
		if strings.TrimSpace(t) == current {
			return true
		}
	}
	return false
}

// ocParsePutBody reads {"activity","role","note","until"}; unknown fields
// are rejected so contract drift shows up in tests. code is "" on success.
func ocParsePutBody(body []byte) (p OneCloudPresence, code, msg string) {
	var in struct {
		Activity string          `json:"activity"`
		Role     string          `json:"role"`
		Note     string          `json:"note"`
		Until    json.RawMessage `json:"until"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return p, "bad_request", "body: invalid JSON: " + err.Error()
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, "bad_request", "body: data after the JSON object"
	}
	if in.Activity == "" {
		return p, "bad_request", "activity: required"
	}
	p = OneCloudPresence{Activity: in.Activity, Role: in.Role, Note: in.Note}
	if len(in.Until) > 0 && string(in.Until) != "null" {
		var s string
		if err := json.Unmarshal(in.Until, &s); err != nil {
			return p, "invalid_until", "until: expected an RFC 3339 UTC time string or null"
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return p, "invalid_until", fmt.Sprintf("until: %q is not an RFC 3339 time", s)
		}
		if _, off := t.Zone(); off != 0 {
			return p, "invalid_until", fmt.Sprintf("until: %q must be in UTC (Z)", s)
		}
		p.Until = t.UTC().Truncate(time.Second)
	}
	return p, "", ""
}

// ocValidationField is one entry of a 400 answer's validation result.
type ocValidationField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ocErrorBody is the OneCloud error body: the shared {"error":{"code",
// "message"}} plus, for a 400, "fields", the validation result Setera's
// reference says a 400 usually carries (docs/onecloud-api.md).
type ocErrorBody struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Fields  []ocValidationField `json:"fields,omitempty"`
	} `json:"error"`
}

// ocWriteError writes the OneCloud error body. The emulator words every
// 400 message "<field>: <reason>" (fields may be a comma-separated list,
// "id, etag"), so a 400's validation result names those fields.
func ocWriteError(w http.ResponseWriter, status int, code, message string) {
	var b ocErrorBody
	b.Error.Code = code
	b.Error.Message = message
	if status == http.StatusBadRequest {
		if names, reason, ok := strings.Cut(message, ": "); ok {
			for _, f := range strings.Split(names, ", ") {
				b.Error.Fields = append(b.Error.Fields, ocValidationField{Field: f, Message: reason})
			}
		}
	}
	writeJSON(w, status, b)
}
