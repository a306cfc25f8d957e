package localapi

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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/calsync/calsync/sync/clock"
)

// Limits of the logs endpoint's n parameter.
const (
	DefaultLogLines = 200
	MaxLogLines     = 10000
)

// ServerOptions tunes a Server; the zero value is production behaviour.
type ServerOptions struct {
	// Logger receives one line per request (never a body); nil discards.
	Logger *slog.Logger
	// Policy decides what each caller may do; nil means DefaultPolicy().
	Policy *Policy
	// Identify says who is at the other end of an accepted connection; nil
	// means PeerCredentials, the kernel's answer. Tests replace it to play
	// another user without root.
	Identify func(net.Conn) (Peer, error)
	// MaxBodyBytes caps request bodies (but the config's, MaxConfigBodyBytes);
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// BodyReadTimeout bounds reading one request body; 0 means
	// DefaultBodyReadTimeout.
	BodyReadTimeout time.Duration
	// Heartbeat is how often an idle event stream gets an empty line; 0
	// means DefaultHeartbeat.
	Heartbeat time.Duration
	// Clock drives the heartbeat; nil means the real clock.
	Clock clock.Clock
}

// Server serves the local API for a Backend. It is an http.Handler; Serve
// runs it on a listener from Listen, identifying each connection's caller.
type Server struct {
	backend   Backend
	log       *slog.Logger
	policy    Policy
	identify  func(net.Conn) (Peer, error)
	maxBody   int64
	bodyRead  time.Duration
	heartbeat time.Duration
	clock     clock.Clock
	endpoints map[string]*endpoint

	mu     sync.Mutex
	hs     *http.Server
	closed bool
	// stop ends event streams on Shutdown: http.Server.Shutdown waits for
	// connections to go idle, which a stream never does by itself.
	stop     chan struct{}
	stopOnce sync.Once
}

// handlerFunc serves one endpoint and method; arg is the path parameter
// (the secret name), empty elsewhere.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, arg string)

type endpoint struct {
	name    string // path pattern after PathPrefix, for logs and errors
	methods map[string]handlerFunc
	maxBody int64 // the body cap; 0 means the server's
}

// NewServer returns a server for b.
func NewServer(b Backend, opts ServerOptions) *Server {
	s := &Server{
		backend:   b,
		log:       opts.Logger,
		identify:  opts.Identify,
		maxBody:   opts.MaxBodyBytes,
		bodyRead:  opts.BodyReadTimeout,
		heartbeat: opts.Heartbeat,
		clock:     clock.OrReal(opts.Clock),
		stop:      make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.Policy != nil {
		s.policy = *opts.Policy
	} else {
		s.policy = DefaultPolicy()
	}
	if s.identify == nil {
		s.identify = PeerCredentials
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultHeartbeat
	}
	if s.bodyRead <= 0 {
		s.bodyRead = DefaultBodyReadTimeout
	}
	s.endpoints = map[string]*endpoint{}
	add := func(name string, methods map[string]handlerFunc) {
		s.endpoints[name] = &endpoint{name: name, methods: methods}
	}
	get, post, put := http.MethodGet, http.MethodPost, http.MethodPut
	add("status", map[string]handlerFunc{get: (*Server).serveStatus})
	add("events", map[string]handlerFunc{get: (*Server).serveEvents})
	add("sync-now", map[string]handlerFunc{post: (*Server).serveSyncNow})
	add("contacts/sync-now", map[string]handlerFunc{post: (*Server).serveSyncContactsNow})
	add("jobs/{name}/sync-now", map[string]handlerFunc{post: (*Server).serveSyncJobNow})
	add("pause", map[string]handlerFunc{post: (*Server).servePause})
	add("resume", map[string]handlerFunc{post: (*Server).serveResume})
	add("config", map[string]handlerFunc{get: (*Server).serveGetConfig, put: (*Server).servePutConfig})
	s.endpoints["config"].maxBody = MaxConfigBodyBytes
	add("secrets", map[string]handlerFunc{get: (*Server).serveSecretStatus})
	add("secrets/{name}", map[string]handlerFunc{put: (*Server).servePutSecret})
	add("certificate", map[string]handlerFunc{get: (*Server).serveCertificate})
	add("certificate/new", map[string]handlerFunc{post: (*Server).serveNewCertificate})
	add("certificate/import", map[string]handlerFunc{post: (*Server).serveImportCertificate})
	add("directory", map[string]handlerFunc{get: (*Server).serveDirectory})
	add("test-connection", map[string]handlerFunc{post: (*Server).serveTestConnection})
	add("logs", map[string]handlerFunc{get: (*Server).serveLogs})
	add("whoami", map[string]handlerFunc{get: (*Server).serveWhoAmI})
	return s
}

// Serve accepts connections on l until Shutdown, identifying each caller
// with ServerOptions.Identify. It closes l, and returns nil after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = l.Close()
		return nil
	}
	if s.hs == nil {
		s.hs = &http.Server{
			Handler:           s,
			ConnContext:       s.connContext,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
			// No WriteTimeout: the event stream is long-lived; it sets
			// its own write deadlines.
		}
	}
	hs := s.hs
	s.mu.Unlock()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serve local API: %w", err)
}

// Shutdown ends event streams, stops accepting connections and waits, until
// ctx ends, for requests in flight to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	hs := s.hs
	s.mu.Unlock()
	s.stopOnce.Do(func() { close(s.stop) })
	if hs == nil {
		return nil
	}
	if err := hs.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down local API: %w", err)
	}
	return nil
}

// connContext records who is at the other end of c for every request on it.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	peer, err := s.identify(c)
	if err != nil {
		s.log.Warn("cannot identify local API caller", slog.String("err", err.Error()))
		return withPeerError(ctx, err)
	}
	return WithPeer(ctx, peer)
}

// ServeHTTP checks the request (browser markers, Host, caller, path, method,
// permission) and hands it to its endpoint. The caller comes from the
// context: Serve puts it there, direct callers use WithPeer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	name, peer := s.serve(rec, w, r)
	level := slog.LevelDebug
	switch {
	case rec.status >= 500:
		level = slog.LevelError
	case rec.status >= 400:
		level = slog.LevelWarn
	}
	// The path is logged as its pattern: a secret pasted into the wrong
	// place must not reach the log.
	s.log.LogAttrs(r.Context(), level, "local API request",
		slog.String("method", clip(r.Method, 16)),
		slog.String("endpoint", name),
		slog.Int("status", rec.status),
		slog.String("peer", peer),
		slog.Duration("took", time.Since(start)))
}

// serve does ServeHTTP's work and returns the endpoint's name and the
// caller's description for the log.
func (s *Server) serve(w *statusRecorder, rawW http.ResponseWriter, r *http.Request) (name, peerDesc string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	name, peerDesc = "(unknown)", "(unknown)"

	// A browser adds Origin or Referer to what a page sends; our clients
	// never do. The Host check stops DNS rebinding: a page can make a
	// browser talk to a local port under a name it controls, never under
	// LocalAPIHost.
	for k := range r.Header {
		if strings.EqualFold(k, "Origin") || strings.EqualFold(k, "Referer") {
			writeError(w, http.StatusForbidden, CodeBrowserRefused,
				fmt.Sprintf("requests carrying %s header are refused: the local API is not for web browsers", article(http.CanonicalHeaderKey(k))))
			return name, peerDesc
		}
	}
	if !strings.EqualFold(r.Host, LocalAPIHost) {
		writeError(w, http.StatusForbidden, CodeBadHost,
			fmt.Sprintf("the Host header must be %q", LocalAPIHost))
		return name, peerDesc
	}

	pi, ok := r.Context().Value(peerKey{}).(peerInfo)
	switch {
	case !ok:
		writeError(w, http.StatusForbidden, CodePeerRefused, "the calling user could not be identified")
		return name, peerDesc
	case pi.err != nil:
		writeError(w, http.StatusForbidden, CodePeerRefused, "the calling user could not be identified: "+pi.err.Error())
		return name, peerDesc
	}
	peerDesc = pi.peer.String()
	perm := s.policy.Permission(pi.peer)
	if perm == PermNone {
		writeError(w, http.StatusForbidden, CodePeerRefused, s.refusal(pi.peer))
		return name, peerDesc
	}

	ep, arg := s.lookup(r.URL.Path)
	if ep == nil {
		writeError(w, http.StatusNotFound, CodeNotFound,
			fmt.Sprintf("no endpoint %q; the endpoints are under %s (see docs/localapi.md)", clip(r.URL.Path, 64), PathPrefix))
		return name, peerDesc
	}
	name = ep.name
	handle, ok := ep.methods[r.Method]
	if !ok {
		allowed := make([]string, 0, len(ep.methods))
		for m := range ep.methods {
			allowed = append(allowed, m)
		}
		slices.Sort(allowed)
		h.Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			fmt.Sprintf("%s%s takes %s, not %s", PathPrefix, ep.name, strings.Join(allowed, " or "), clip(r.Method, 16)))
		return name, peerDesc
	}
	need := PermReadWrite
	if r.Method == http.MethodGet {
		need = PermRead
	}
	if perm < need {
		msg := fmt.Sprintf("%s may read but not change anything", pi.peer)
		if pi.peer.CanElevate {
			msg += "; run calsync as administrator to change settings"
		}
		writeError(w, http.StatusForbidden, CodeReadOnly, msg)
		return name, peerDesc
	}
	limit := s.maxBody
	if ep.maxBody > 0 {
		limit = ep.maxBody
	}
	if r.ContentLength > limit {
		s.tooLarge(w, limit)
		return name, peerDesc
	}
	body, ok := s.readWholeBody(w, rawW, r, limit)
	if !ok {
		return name, peerDesc
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r = r.WithContext(context.WithValue(r.Context(), permKey{}, perm))
	handle(s, w, r, arg)
	return name, peerDesc
}

// refusal explains to a refused caller who may use the API.
func (s *Server) refusal(p Peer) string {
	if s.policy.OwnerUID >= 0 {
		return fmt.Sprintf("%s may not use the calsync service: only its own user (uid %d) and root may", p, s.policy.OwnerUID)
	}
	return fmt.Sprintf("%s may not use the calsync service", p)
}

// validSecretName reports whether name may be a secret's name in the path:
// 1 to 64 of [A-Za-z0-9._-]. The backend decides which names exist.
func validSecretName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// lookup finds the endpoint for path; arg is the secret name of
// secrets/{name}, or the job name of jobs/{name}/sync-now.
func (s *Server) lookup(path string) (ep *endpoint, arg string) {
	rest, ok := strings.CutPrefix(path, PathPrefix)
	if !ok {
		return nil, ""
	}
	if name, ok := strings.CutPrefix(rest, "secrets/"); ok {
		if name == "" || strings.Contains(name, "/") {
			return nil, ""
		}
		return s.endpoints["secrets/{name}"], name
	}
	if rest, ok := strings.CutPrefix(rest, "jobs/"); ok {
		name, ok := strings.CutSuffix(rest, "/sync-now")
		if !ok || name == "" || strings.Contains(name, "/") {
			return nil, ""
		}
		return s.endpoints["jobs/{name}/sync-now"], name
	}
	if strings.Contains(rest, "{") {
		return nil, "" // patterns are not paths
	}
	return s.endpoints[rest], ""
}

func (s *Server) tooLarge(w http.ResponseWriter, limit int64) {
	writeError(w, http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
		fmt.Sprintf("request body is larger than the %d-byte limit", limit))
}

// readWholeBody reads r's body, at most limit bytes and within bodyRead,
// before any handler runs; on failure it has answered already. The read
// deadline is lifted afterwards: net/http keeps reading the connection in the
// background to notice a caller that hangs up, and a deadline passing during
// a long handler (test-connection) would cancel the request.
func (s *Server) readWholeBody(w, rawW http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	rc := http.NewResponseController(rawW)
	// Not every ResponseWriter has a connection (httptest's recorder): then
	// there is nothing to hold open either.
	deadline := rc.SetReadDeadline(time.Now().Add(s.bodyRead)) == nil
	body, err := io.ReadAll(http.MaxBytesReader(rawW, r.Body, limit))
	if err == nil {
		if deadline {
			_ = rc.SetReadDeadline(time.Time{})
		}
		return body, true
	}
	// The rest of a refused body is not waited for: the connection closes
	// after the answer (and the expired deadline stays).
	w.Header().Set("Connection", "close")
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		s.tooLarge(w, limit)
	case errors.As(err, &ne) && ne.Timeout():
		writeError(w, http.StatusRequestTimeout, CodeBodyTimeout,
			fmt.Sprintf("the request body did not arrive within %s", s.bodyRead))
	default:
		writeError(w, http.StatusBadRequest, CodeBadRequest, "read request body: "+err.Error())
	}
	return nil, false
}

// readBody returns the body serve has already read (and capped).
func readBody(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body) // in memory: cannot fail
	return body
}

// decodeStrict decodes a JSON object body into v, refusing unknown fields
// and trailing data. Sensitive bodies get errors that quote nothing of them.
func decodeStrict(body []byte, v any, sensitive bool) *APIError {
	if len(bytes.TrimSpace(body)) == 0 {
		return &APIError{Status: http.StatusBadRequest, Code: CodeMalformedJSON, Message: "request body is empty; expected a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, sensitive)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return &APIError{Status: http.StatusBadRequest, Code: CodeMalformedJSON,
			Message: fmt.Sprintf("malformed JSON: unexpected data after the JSON object at byte %d", dec.InputOffset())}
	}
	return nil
}

// jsonError turns a decoding error into a 400 naming the field or offset.
func jsonError(err error, sensitive bool) *APIError {
	e := &APIError{Status: http.StatusBadRequest, Code: CodeMalformedJSON}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		e.Message = fmt.Sprintf("malformed JSON at byte %d", se.Offset)
		if !sensitive {
			e.Message += ": " + se.Error()
		}
	case errors.As(err, &te):
		if te.Field == "" {
			e.Message = fmt.Sprintf("request body must be a JSON object, not a JSON %s", te.Value)
		} else {
			e.Message = fmt.Sprintf("field %q must be %s, not a JSON %s", te.Field, article(jsonKind(te.Type.String())), te.Value)
			e.Fields = []FieldError{{Field: te.Field, Message: "wrong type: expected " + article(jsonKind(te.Type.String()))}}
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Message = "malformed JSON: the body ends in the middle of a value"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if u, uerr := strconv.Unquote(field); uerr == nil {
			field = u
		}
		field = clip(field, 32)
		e.Code = CodeUnknownField
		e.Message = fmt.Sprintf("unknown field %q in request body", field)
		e.Fields = []FieldError{{Field: field, Message: "unknown field"}}
	default:
		e.Message = "malformed JSON"
		if !sensitive {
			e.Message += ": " + err.Error()
		}
	}
	return e
}

// article puts "a" or "an" before word, by its first letter ("an Origin",
// "an object", "a string").
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// jsonKind names a Go type as JSON people know it.
func jsonKind(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "string"
	case goType == "bool" || goType == "*bool":
		return "boolean"
	case strings.Contains(goType, "int") || strings.Contains(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return "object"
}

// backendError answers a backend failure. secret, when set, is scrubbed
// from everything sent back or logged.
func (s *Server) backendError(w http.ResponseWriter, r *http.Request, op string, err error, secret string) {
	scrub := func(m string) string {
		if secret != "" {
			m = strings.ReplaceAll(m, secret, "[redacted]")
		}
		return m
	}
	var out *APIError
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		out = &APIError{Status: ae.Status, Code: ae.Code, Message: ae.Message, Fields: slices.Clone(ae.Fields)}
		if out.Status < 400 || out.Status > 599 {
			out.Status = http.StatusInternalServerError
		}
		if out.Code == "" {
			out.Code = CodeInternal
		}
	case FieldErrors(err) != nil:
		out = &APIError{Status: http.StatusUnprocessableEntity, Code: CodeInvalid, Message: op + ": " + err.Error(), Fields: FieldErrors(err)}
	case errors.Is(err, context.DeadlineExceeded):
		out = &APIError{Status: http.StatusGatewayTimeout, Code: CodeTimeout, Message: op + ": " + err.Error()}
	default:
		out = &APIError{Status: http.StatusInternalServerError, Code: CodeInternal, Message: op + ": " + err.Error()}
	}
	out.Message = scrub(out.Message)
	for i := range out.Fields {
		out.Fields[i].Field = scrub(out.Fields[i].Field)
		out.Fields[i].Message = scrub(out.Fields[i].Message)
	}
	if out.Status >= 500 && r.Context().Err() == nil {
		s.log.Error("local API backend failed", slog.String("op", op), slog.String("err", out.Message))
	}
	writeAPIError(w, out)
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request, _ string) {
	st, err := s.backend.Status(r.Context())
	if err != nil {
		s.backendError(w, r, "status", err, "")
		return
	}
	if st.Users == nil {
		st.Users = []UserStatus{} // the GUI reads a list, not null
	}
	writeJSON(w, http.StatusOK, st)
}

// serveEvents streams the backend's events as newline-delimited JSON, one
// flush per event, with an empty line as heartbeat, until the client goes
// away, the backend closes the channel, or the server shuts down.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, _ string) {
	ctx := r.Context()
	events, err := s.backend.Subscribe(ctx)
	if err != nil {
		s.backendError(w, r, "subscribe to events", err, "")
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	// A client that stops reading must not pin this goroutine forever.
	// The deadline is an OS deadline on the socket, so it is real time.
	deadline := func() { _ = rc.SetWriteDeadline(time.Now().Add(2 * s.heartbeat)) }
	deadline()
	if err := rc.Flush(); err != nil {
		return
	}
	// One line per watcher (a window follows the service this way; the CLI
	// never does), at info: the log says which windows were attached when.
	watcher := "(unknown)"
	if p, ok := PeerFromContext(ctx); ok {
		watcher = p.String()
	}
	s.log.Info("event stream opened", slog.String("peer", watcher))
	defer s.log.Info("event stream closed", slog.String("peer", watcher))
	beat := s.clock.NewTimer(s.heartbeat)
	defer beat.Stop()
	for {
		var line []byte
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-beat.C():
			beat.Reset(s.heartbeat)
			line = []byte("\n")
		case ev, ok := <-events:
			if !ok {
				return
			}
			b, err := json.Marshal(ev)
			if err != nil {
				s.log.Error("encode event", slog.String("type", ev.Type), slog.String("err", err.Error()))
				continue
			}
			line = append(b, '\n')
		}
		deadline()
		if _, err := w.Write(line); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, op string, do func(context.Context) error) {
	// serve has read (and capped) any body; these endpoints ignore it.
	if err := do(r.Context()); err != nil {
		s.backendError(w, r, op, err, "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serveSyncNow(w http.ResponseWriter, r *http.Request, _ string) {
	s.serveAction(w, r, "sync now", s.backend.SyncNow)
}

// serveSyncContactsNow is jobs/contacts/sync-now under the path it had before the generic one.
func (s *Server) serveSyncContactsNow(w http.ResponseWriter, r *http.Request, _ string) {
	s.serveAction(w, r, "sync contacts now", func(ctx context.Context) error { return s.backend.SyncJobNow(ctx, "contacts") })
}

func (s *Server) serveSyncJobNow(w http.ResponseWriter, r *http.Request, name string) {
	s.serveAction(w, r, "sync "+name+" now", func(ctx context.Context) error { return s.backend.SyncJobNow(ctx, name) })
}

func (s *Server) servePause(w http.ResponseWriter, r *http.Request, _ string) {
	s.serveAction(w, r, "pause", s.backend.Pause)
}

func (s *Server) serveResume(w http.ResponseWriter, r *http.Request, _ string) {
	s.serveAction(w, r, "resume", s.backend.Resume)
}

func (s *Server) serveGetConfig(w http.ResponseWriter, r *http.Request, _ string) {
	cfg, err := s.backend.Config(r.Context())
	if err != nil {
		s.backendError(w, r, "read config", err, "")
		return
	}
	cfg = bytes.TrimSpace(cfg)
	if !json.Valid(cfg) {
		s.backendError(w, r, "read config", errors.New("the service produced a configuration that is not valid JSON"), "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(cfg, '\n'))
}

func (s *Server) servePutConfig(w http.ResponseWriter, r *http.Request, _ string) {
	body := readBody(r)
	// The backend decodes strictly against the config model; here only
	// well-formed JSON object is required, so syntax errors get an offset.
	var raw json.RawMessage
	if e := decodeStrict(body, &raw, false); e != nil {
		writeAPIError(w, e)
		return
	}
	if raw[0] != '{' {
		writeError(w, http.StatusBadRequest, CodeMalformedJSON, "the configuration must be a JSON object")
		return
	}
	if err := s.backend.PutConfig(r.Context(), raw); err != nil {
		s.backendError(w, r, "save config", err, "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// secretList is the GET /secrets body: states only, never values.
type secretList struct {
	Secrets []SecretState `json:"secrets"`
}

func (s *Server) serveSecretStatus(w http.ResponseWriter, r *http.Request, _ string) {
	states, err := s.backend.SecretStatus(r.Context())
	if err != nil {
		s.backendError(w, r, "secret status", err, "")
		return
	}
	if states == nil {
		states = []SecretState{}
	}
	writeJSON(w, http.StatusOK, secretList{Secrets: states})
}

// secretBody is the PUT /secrets/{name} body.
type secretBody struct {
	Value *string `json:"value"`
}

func (s *Server) servePutSecret(w http.ResponseWriter, r *http.Request, name string) {
	if !validSecretName(name) {
		// The name is not repeated: it may be a value pasted in the wrong place.
		writeError(w, http.StatusBadRequest, CodeBadRequest,
			"the secret name in the path must be 1 to 64 letters, digits, '.', '_' or '-'")
		return
	}
	body := readBody(r)
	var sb secretBody
	if e := decodeStrict(body, &sb, true); e != nil {
		writeAPIError(w, e)
		return
	}
	switch {
	case sb.Value == nil:
		writeAPIError(w, &APIError{Status: http.StatusBadRequest, Code: CodeBadRequest,
			Message: `field "value" is required: the body is {"value":"..."}`,
			Fields:  []FieldError{{Field: "value", Message: "required"}}})
		return
	case *sb.Value == "":
		writeAPIError(w, &APIError{Status: http.StatusBadRequest, Code: CodeBadRequest,
			Message: `field "value" must not be empty`,
			Fields:  []FieldError{{Field: "value", Message: "must not be empty"}}})
		return
	}
	if err := s.backend.SetSecret(r.Context(), name, *sb.Value); err != nil {
		s.backendError(w, r, "store secret "+name, err, *sb.Value)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serveDirectory(w http.ResponseWriter, r *http.Request, _ string) {
	d, err := s.backend.OneCloudDirectory(r.Context())
	if err != nil {
		s.backendError(w, r, "read OneCloud directory", err, "")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// checkList is the POST /test-connection body.
type checkList struct {
	Steps []CheckStep `json:"steps"`
}

func (s *Server) serveTestConnection(w http.ResponseWriter, r *http.Request, _ string) {
	// serve has read (and capped) any body; these endpoints ignore it.
	steps, err := s.backend.TestConnection(r.Context())
	if err != nil {
		s.backendError(w, r, "test connection", err, "")
		return
	}
	if steps == nil {
		steps = []CheckStep{}
	}
	writeJSON(w, http.StatusOK, checkList{Steps: steps})
}

// logLines is the GET /logs body.
type logLines struct {
	Lines []string `json:"lines"`
}

func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request, _ string) {
	n := DefaultLogLines
	if q := r.URL.Query(); q.Has("n") {
		v := q.Get("n")
		parsed, err := strconv.Atoi(v)
		if err != nil || parsed < 1 || parsed > MaxLogLines {
			writeAPIError(w, &APIError{Status: http.StatusBadRequest, Code: CodeBadRequest,
				Message: fmt.Sprintf("parameter n must be a whole number from 1 to %d", MaxLogLines),
				Fields:  []FieldError{{Field: "n", Message: fmt.Sprintf("expected 1 to %d", MaxLogLines)}}})
			return
		}
		n = parsed
	}
	lines, err := s.backend.Logs(r.Context(), n)
	if err != nil {
		s.backendError(w, r, "read logs", err, "")
		return
	}
	if lines == nil {
		lines = []string{}
	}
	writeJSON(w, http.StatusOK, logLines{Lines: lines})
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and SetWriteDeadline.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// clip shortens s to at most n bytes, on a rune boundary, for an error
// message or log line.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
