package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The Teams presence API's limits and words, from Microsoft's documentation of
// cloudCommunications: getPresencesByUserId and of the presence resource.
const (
	graphPresenceMaxIDs       = 650
	graphPresenceLimit        = 1500 // requests per app and tenant in any graphPresenceWindow
	graphPresenceWindow       = 30 * time.Second
	graphBatchMaxRequests     = 20
	graphPresenceMaxBodyBytes = 1 << 20
)

// TeamsAvailabilities and TeamsActivities are the values a presence may hold.
var (
	TeamsAvailabilities = []string{"Available", "AvailableIdle", "Away", "BeRightBack", "Busy", "BusyIdle",
		"DoNotDisturb", "Offline", "PresenceUnknown"}
	TeamsActivities = []string{"Available", "Away", "BeRightBack", "Busy", "DoNotDisturb", "InACall",
		"InAConferenceCall", "Inactive", "InAMeeting", "Offline", "OffWork", "OutOfOffice", "PresenceUnknown",
		"Presenting", "UrgentInterruptionsOnly"}
)

// graphObjectID is the shape of an Entra object id.
var graphObjectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// graphPresenceState is the Teams part of the Graph emulator; fields without a comment are under g.mu.
type graphPresenceState struct {
	presenceDenied bool // Presence.Read.All not granted
	userReadDenied bool // User.Read.All not granted
	limit          int  // requests per window; negative: unlimited
	window         time.Duration
	hits           []time.Time // presence requests within the window, oldest first
	maxIDs         int         // most ids in one accepted presence request

	presenceRequests atomic.Int64 // getPresencesByUserId calls, refused ones included
	batchRequests    atomic.Int64 // $batch calls, refused ones included
	lookups          atomic.Int64 // user lookups, direct or inside a $batch
}

// graphTeams is one mailbox's Teams presence.
type graphTeams struct {
	availability, activity string
}

// SetTeamsPresence sets a mailbox's Teams presence, creating the mailbox. The values must be
// Graph's (TeamsAvailabilities, TeamsActivities), in any case.
func (g *Graph) SetTeamsPresence(mailbox, availability, activity string) error {
	a, ok := graphWord(TeamsAvailabilities, availability)
	if !ok {
		return fmt.Errorf("availability %q is not one of %s", availability, strings.Join(TeamsAvailabilities, ", "))
	}
	act, ok := graphWord(TeamsActivities, activity)
	if !ok {
		return fmt.Errorf("activity %q is not one of %s", activity, strings.Join(TeamsActivities, ", "))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mailboxLocked(mailbox).teams = graphTeams{availability: a, activity: act}
	return nil
}

// UserObjectID returns the Entra object id of a mailbox ("" when there is no such mailbox).
func (g *Graph) UserObjectID(mailbox string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if mb := g.mailboxes[strings.ToLower(strings.TrimSpace(mailbox))]; mb != nil {
		return mb.objectID
	}
	return ""
}

// SetPresenceConsent grants or withdraws Presence.Read.All: without it getPresencesByUserId
// answers 403.
func (g *Graph) SetPresenceConsent(granted bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.presence.presenceDenied = !granted
}

// SetUserReadConsent grants or withdraws User.Read.All: without it a user lookup answers 403.
func (g *Graph) SetUserReadConsent(granted bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.presence.userReadDenied = !granted
}

// SetPresenceRequestLimit changes the presence API's limit of n requests in any window
// (default 1500 in 30 s; n < 0: unlimited).
func (g *Graph) SetPresenceRequestLimit(n int, window time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.presence.limit, g.presence.window, g.presence.hits = n, window, nil
}

func graphWord(words []string, v string) (string, bool) {
	i := slices.IndexFunc(words, func(w string) bool { return strings.EqualFold(w, strings.TrimSpace(v)) })
	if i < 0 {
		return "", false
	}
	return words[i], true
}

// presenceAllowedLocked counts one presence request against the per-app limit and says how long
// to wait when it is over. g.mu must be held.
func (g *Graph) presenceAllowedLocked() (retryAfter time.Duration, ok bool) {
	p := &g.presence
	if p.limit < 0 {
		return 0, true
	}
	limit, window := p.limit, p.window
	if limit == 0 {
		limit = graphPresenceLimit
	}
	if window <= 0 {
		window = graphPresenceWindow
	}
	now := g.clock.Now()
	keep := 0
	for keep < len(p.hits) && now.Sub(p.hits[keep]) >= window {
		keep++
	}
	p.hits = p.hits[keep:]
	if len(p.hits) >= limit {
		wait := window - now.Sub(p.hits[0])
		return max(wait.Round(time.Second), time.Second), false
	}
	p.hits = append(p.hits, now)
	return 0, true
}

// serveGetPresences is POST /v1.0/communications/getPresencesByUserId {"ids":[...]}.
func (g *Graph) serveGetPresences(w http.ResponseWriter, r *http.Request) {
	g.presence.presenceRequests.Add(1)
	leave, ok := g.graphTeamsGate(w, r)
	defer leave()
	if !ok {
		return
	}
	var req struct {
		IDs *[]string `json:"ids"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, graphPresenceMaxBodyBytes+1))
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, "BadRequest", "The request body could not be read.")
		return
	case len(body) > graphPresenceMaxBodyBytes:
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large.")
		return
	case json.Unmarshal(body, &req) != nil || req.IDs == nil:
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid request body: expected {\"ids\":[...]}.")
		return
	case len(*req.IDs) > graphPresenceMaxIDs:
		writeError(w, http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("The number of ids (%d) exceeds the maximum of %d.", len(*req.IDs), graphPresenceMaxIDs))
		return
	}
	for _, id := range *req.IDs {
		if !graphObjectID.MatchString(id) {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid user id '%s'.", id))
			return
		}
	}

	g.mu.Lock()
	if g.presence.presenceDenied || !g.consent {
		g.mu.Unlock()
		writeError(w, http.StatusForbidden, "Forbidden", "Insufficient privileges to complete the operation.")
		return
	}
	if wait, ok := g.presenceAllowedLocked(); !ok {
		g.mu.Unlock()
		g.throttled.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
		return
	}
	g.presence.maxIDs = max(g.presence.maxIDs, len(*req.IDs))
	byID := make(map[string]graphTeams, len(g.mailboxes))
	for _, mb := range g.mailboxes {
		byID[strings.ToLower(mb.objectID)] = mb.teams
	}
	g.mu.Unlock()

	value := make([]map[string]any, 0, len(*req.IDs))
	for _, id := range *req.IDs {
		t, ok := byID[strings.ToLower(id)]
		if !ok || t.availability == "" {
			t = graphTeams{availability: "PresenceUnknown", activity: "PresenceUnknown"}
		}
		value = append(value, map[string]any{
			"@odata.type":  "#microsoft.graph.presence",
			"id":           id,
			"availability": t.availability,
			"activity":     t.activity,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)",
		"value":          value,
	})
}

// graphTeamsGate is what every Teams-side request passes: the in-flight count (until leave, at
// the request's end), the latency, the method (POST) and the bearer token. Unlike enter it
// applies none of Outlook's mailbox limits: presence is another service, with its own limit.
func (g *Graph) graphTeamsGate(w http.ResponseWriter, r *http.Request) (leave func(), ok bool) {
	_, leave = g.countInFlight()
	if !g.graphSleep(r) {
		return leave, false
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The HTTP method '"+r.Method+"' is not allowed.")
		return leave, false
	}
	return leave, g.graphCheckBearer(w, r)
}

// graphLookup answers GET /users/{id or userPrincipalName or mail}?$select=id: the status and
// body of a directory user lookup.
func (g *Graph) graphLookup(user string, query url.Values) (int, any) {
	g.presence.lookups.Add(1)
	if sel := query.Get("$select"); sel != "" {
		for _, p := range strings.Split(sel, ",") {
			if !strings.EqualFold(strings.TrimSpace(p), "id") {
				return http.StatusBadRequest, graphErrorJSON("Request_BadRequest",
					fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.user'.", strings.TrimSpace(p)))
			}
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.presence.userReadDenied || !g.consent {
		return http.StatusForbidden, graphErrorJSON("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	var found *graphMailbox
	key := strings.ToLower(strings.TrimSpace(user))
	if mb := g.mailboxes[key]; mb != nil {
		found = mb
	} else {
		for _, mb := range g.mailboxes {
			if strings.EqualFold(mb.objectID, key) {
				found = mb
				break
			}
		}
	}
	if found == nil {
		return http.StatusNotFound, graphErrorJSON("Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", user))
	}
	return http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id)/$entity",
		"id":             found.objectID,
	}
}

func graphErrorJSON(code, message string) errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message = code, message
	return b
}

// serveUser is a direct GET /v1.0/users/{user}.
func (g *Graph) serveUser(w http.ResponseWriter, r *http.Request, user string) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The HTTP method '"+r.Method+"' is not allowed.")
		return
	}
	if !g.graphCheckBearer(w, r) {
		return
	}
	status, body := g.graphLookup(user, r.URL.Query())
	writeJSON(w, status, body)
}

// serveBatch is POST /v1.0/$batch with at most 20 requests. It serves the user lookups calsync
// makes (GET /users/{user}); any other request inside gets a 400 of its own, as an unsupported
// URL does in Graph.
func (g *Graph) serveBatch(w http.ResponseWriter, r *http.Request) {
	g.presence.batchRequests.Add(1)
	leave, ok := g.graphTeamsGate(w, r)
	defer leave()
	if !ok {
		return
	}
	var req struct {
		Requests []struct {
			ID     string `json:"id"`
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"requests"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, graphPresenceMaxBodyBytes+1))
	if err != nil || len(body) > graphPresenceMaxBodyBytes || json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return
	}
	if len(req.Requests) == 0 || len(req.Requests) > graphBatchMaxRequests {
		writeError(w, http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("The batch holds %d requests; it must hold between 1 and %d.", len(req.Requests), graphBatchMaxRequests))
		return
	}
	seen := map[string]bool{}
	responses := make([]map[string]any, 0, len(req.Requests))
	for _, item := range req.Requests {
		if item.ID == "" || seen[item.ID] {
			writeError(w, http.StatusBadRequest, "BadRequest", "Every request of a batch needs an id of its own.")
			return
		}
		seen[item.ID] = true
		status, out := http.StatusBadRequest, any(graphErrorJSON("BadRequest", "The URL is not supported by this emulator."))
		u, err := url.Parse(item.URL)
		if err == nil && strings.EqualFold(item.Method, http.MethodGet) {
			seg := strings.Split(strings.Trim(u.Path, "/"), "/")
			if len(seg) == 2 && strings.EqualFold(seg[0], "users") {
				status, out = g.graphLookup(seg[1], u.Query())
			}
		}
		responses = append(responses, map[string]any{
			"id":      item.ID,
			"status":  status,
			"headers": map[string]string{"Content-Type": "application/json"},
			"body":    out,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"responses": responses})
}
