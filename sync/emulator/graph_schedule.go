package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/calendar"
)

// Graph's getSchedule limits.
const (
	graphMaxSchedules = 20
	graphMaxRange     = 62 * 24 * time.Hour
	graphDateLayout   = "2006-01-02T15:04:05.0000000"
)

type graphDateTimeZone struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

type graphScheduleRequest struct {
	Schedules                []string           `json:"schedules"`
	StartTime                *graphDateTimeZone `json:"startTime"`
	EndTime                  *graphDateTimeZone `json:"endTime"`
	AvailabilityViewInterval *int               `json:"availabilityViewInterval"`
}

type graphScheduleItem struct {
	IsPrivate bool              `json:"isPrivate"`
	Status    string            `json:"status"`
	Subject   string            `json:"subject,omitempty"`
	Location  string            `json:"location,omitempty"`
	Start     graphDateTimeZone `json:"start"`
	End       graphDateTimeZone `json:"end"`
}

type graphFreeBusyError struct {
	Message      string `json:"message"`
	ResponseCode string `json:"responseCode"`
}

type graphScheduleInformation struct {
	ScheduleID       string              `json:"scheduleId"`
	AvailabilityView *string             `json:"availabilityView,omitempty"`
	ScheduleItems    []graphScheduleItem `json:"scheduleItems,omitempty"`
	WorkingHours     json.RawMessage     `json:"workingHours,omitempty"` // "null" for none
	Error            *graphFreeBusyError `json:"error,omitempty"`
}

type graphScheduleResponse struct {
	Context string                     `json:"@odata.context"`
	Value   []graphScheduleInformation `json:"value"`
}

// graphZones are the Windows names the emulator understands in requests
// and in Prefer: outlook.timezone; IANA names work too.
var graphZones = map[string]string{
	"utc":                     "UTC",
	"w. europe standard time": "Europe/Berlin",
	"gmt standard time":       "Europe/London",
	"pacific standard time":   "America/Los_Angeles",
	"eastern standard time":   "America/New_York",
}

func graphLoadZone(name string) (*time.Location, bool) {
	if name == "" || strings.EqualFold(name, "UTC") {
		return time.UTC, true
	}
	if iana, ok := graphZones[strings.ToLower(name)]; ok {
		name = iana
	}
	if !strings.Contains(name, "/") {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// enter counts a request in flight (and the most seen at once), then applies
// what every Outlook request meets first: the latency, the method, the bearer
// token and the injected faults. ok says whether the handler goes on; leave
// must run when it ends.
// countInFlight counts a request in flight until leave is called, and keeps the most seen at
// once (GraphStats.MaxInFlight); n is how many are in flight with it.
func (g *Graph) countInFlight() (n int64, leave func()) {
	n = g.inFlight.Add(1)
	for {
		m := g.maxInFlight.Load()
		if n <= m || g.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return n, func() { g.inFlight.Add(-1) }
}

func (g *Graph) enter(w http.ResponseWriter, r *http.Request, method, mailbox string) (leave func(), ok bool) {
	n, leave := g.countInFlight()
	if !g.graphSleep(r) {
		return leave, false
	}
	if r.Method != method {
		writeError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The HTTP method '"+r.Method+"' is not allowed.")
		return leave, false
	}
	if !g.graphCheckBearer(w, r) || g.graphInjectFault(w, r, n, mailbox) {
		return leave, false
	}
	return leave, true
}

// serveGetSchedule is POST /v1.0/users/{syncUser}/calendar/getSchedule.
func (g *Graph) serveGetSchedule(w http.ResponseWriter, r *http.Request, user string) {
	g.scheduleRequests.Add(1)
	leave, ok := g.enter(w, r, http.MethodPost, user)
	defer leave()
	if !ok {
		return
	}

	g.mu.Lock()
	consent := g.consent
	_, syncKnown := g.mailboxes[strings.ToLower(user)]
	g.mu.Unlock()
	if !consent {
		writeError(w, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	if !syncKnown {
		writeError(w, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", user))
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "RequestBodyRead", "Cannot read the request body.")
		return
	}
	var req graphScheduleRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "RequestBodyRead", "Invalid JSON in the request body: "+err.Error())
		return
	}
	start, end, interval, ok := g.graphValidate(w, &req)
	if !ok {
		return
	}
	out := time.UTC
	outName := "UTC"
	if tz := graphPreferZone(r.Header.Get("Prefer")); tz != "" {
		if loc, ok := graphLoadZone(tz); ok {
			out, outName = loc, tz
		}
	}

	resp := graphScheduleResponse{
		Context: "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
		Value:   make([]graphScheduleInformation, 0, len(req.Schedules)),
	}
	g.mu.Lock()
	g.requested += int64(len(req.Schedules))
	g.maxBatch = max(g.maxBatch, len(req.Schedules))
	for _, id := range req.Schedules {
		resp.Value = append(resp.Value, g.graphScheduleOf(id, start, end, interval, out, outName))
	}
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// graphInjectFault applies the fault knobs; it reports whether it answered.
func (g *Graph) graphInjectFault(w http.ResponseWriter, r *http.Request, inFlight int64, mailbox string) bool {
	g.mu.Lock()
	g.calls++
	hang := g.takeHang()
	failStatus := -1
	if !hang {
		if s, ok := g.takeFail(); ok {
			failStatus = s
		}
	}
	throttle := g.throttleEvery > 0 && g.calls%int64(g.throttleEvery) == 0
	overLimit := g.maxConcurrent > 0 && inFlight > int64(g.maxConcurrent)
	retryAfterD := g.retryAfter
	overRate, wait := g.countMailboxRequestLocked(mailbox)
	if overRate && wait > retryAfterD {
		retryAfterD = wait
	}
	retryAfter := strconv.Itoa(int((retryAfterD + time.Second - 1) / time.Second))
	g.mu.Unlock()

	switch {
	case hang:
		g.hung.Add(1)
		holdUntilClientGivesUp(r)
		return true
	case failStatus == 0:
		g.failed.Add(1)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		writeError(w, http.StatusBadGateway, "BadGateway", "The connection to the backend was reset.")
		return true
	case failStatus > 0:
		g.failed.Add(1)
		code, msg := "generalException", "General exception while processing."
		switch failStatus {
		case http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", retryAfter)
			code, msg = "ServiceUnavailable", "The service is temporarily unavailable. Please retry later."
		case http.StatusBadGateway:
			code, msg = "BadGateway", "The server received an invalid response from an upstream server."
		case http.StatusGatewayTimeout:
			code, msg = "GatewayTimeout", "The server did not receive a timely response from an upstream server."
		}
		writeError(w, failStatus, code, msg)
		return true
	case throttle || overLimit:
		g.throttled.Add(1)
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
		return true
	case overRate:
		g.throttled.Add(1)
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxRequests limit.")
		return true
	}
	return false
}

// countMailboxRequestLocked records one request to mailbox in the sliding
// window and reports whether it exceeds the limit, and when the oldest
// request leaves the window. Throttled requests count too: Outlook charges
// every request against the limit. g.mu is held.
func (g *Graph) countMailboxRequestLocked(mailbox string) (over bool, wait time.Duration) {
	if g.mailboxLimit < 0 {
		return false, 0
	}
	key := strings.ToLower(mailbox)
	now := g.clock.Now()
	hits := g.mailboxHits[key]
	cut := 0
	for cut < len(hits) && !hits[cut].After(now.Add(-g.mailboxWindow)) {
		cut++
	}
	hits = append(hits[cut:], now)
	g.mailboxHits[key] = hits
	g.maxInWindow = max(g.maxInWindow, len(hits))
	if len(hits) <= g.mailboxLimit {
		return false, 0
	}
	return true, hits[0].Add(g.mailboxWindow).Sub(now)
}

// graphValidate checks the request body against getSchedule's rules. The
// error codes follow Graph's style; the exact texts are the emulator's.
func (g *Graph) graphValidate(w http.ResponseWriter, req *graphScheduleRequest) (start, end time.Time, interval int, ok bool) {
	bad := func(msg string) (time.Time, time.Time, int, bool) {
		writeError(w, http.StatusBadRequest, "ErrorInvalidParameter", msg)
		return time.Time{}, time.Time{}, 0, false
	}
	if len(req.Schedules) == 0 {
		return bad("The parameter 'Schedules' must contain at least one SMTP address.")
	}
	if len(req.Schedules) > graphMaxSchedules {
		return bad(fmt.Sprintf("The number of schedules requested (%d) exceeds the maximum of %d per request.",
			len(req.Schedules), graphMaxSchedules))
	}
	var err error
	if start, err = graphParseDateTime(req.StartTime); err != nil {
		return bad("startTime: " + err.Error())
	}
	if end, err = graphParseDateTime(req.EndTime); err != nil {
		return bad("endTime: " + err.Error())
	}
	if !end.After(start) {
		return bad("The end time must be after the start time.")
	}
	if end.Sub(start) > graphMaxRange {
		return bad("The requested time range exceeds the maximum of 62 days.")
	}
	interval = 30
	if req.AvailabilityViewInterval != nil {
		interval = *req.AvailabilityViewInterval
	}
	if interval < 5 || interval > 1440 {
		return bad("availabilityViewInterval must be between 5 and 1440 minutes.")
	}
	return start, end, interval, true
}

func graphParseDateTime(d *graphDateTimeZone) (time.Time, error) {
	if d == nil || d.DateTime == "" {
		return time.Time{}, fmt.Errorf("dateTime is required")
	}
	loc, ok := graphLoadZone(d.TimeZone)
	if !ok {
		return time.Time{}, fmt.Errorf("time zone '%s' is not supported", d.TimeZone)
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", d.DateTime, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("dateTime '%s' is not valid", d.DateTime)
	}
	return t.UTC(), nil
}

// graphPreferZone extracts outlook.timezone="..." from a Prefer header.
func graphPreferZone(h string) string {
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "outlook.timezone") {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// graphScheduleOf renders one mailbox; g.mu is held.
func (g *Graph) graphScheduleOf(id string, start, end time.Time, interval int, out *time.Location, outName string) graphScheduleInformation {
	mb := g.mailboxes[strings.ToLower(strings.TrimSpace(id))]
	if mb == nil {
		return graphScheduleInformation{ScheduleID: id, Error: &graphFreeBusyError{
			Message:      fmt.Sprintf("Unable to resolve e-mail address %s to an Active Directory object.", id),
			ResponseCode: "5009",
		}}
	}
	if mb.errCode != "" {
		return graphScheduleInformation{ScheduleID: id, Error: &graphFreeBusyError{Message: mb.errMsg, ResponseCode: mb.errCode}}
	}
	var events []calendar.Event
	for _, ev := range mb.events {
		if ev.End.After(start) && ev.Start.Before(end) {
			events = append(events, ev)
		}
	}
	slices.SortStableFunc(events, func(a, b calendar.Event) int { return a.Start.Compare(b.Start) })
	items := make([]graphScheduleItem, 0, len(events))
	for _, ev := range events {
		it := graphScheduleItem{
			IsPrivate: ev.Private,
			Status:    string(ev.Status),
			Start:     graphDateTimeZone{DateTime: ev.Start.In(out).Format(graphDateLayout), TimeZone: outName},
			End:       graphDateTimeZone{DateTime: ev.End.In(out).Format(graphDateLayout), TimeZone: outName},
		}
		if it.Status == "" {
			it.Status = string(calendar.Busy)
		}
		// Details need Reviewer rights, and a private item shows none.
		if mb.shared && !ev.Private {
			it.Subject, it.Location = ev.Subject, ev.Location
		}
		items = append(items, it)
	}
	view := graphAvailabilityView(events, start, end, interval)
	return graphScheduleInformation{ScheduleID: id, AvailabilityView: &view, ScheduleItems: items,
		WorkingHours: mb.workingHoursJSON()}
}

// graphAvailabilityView is one digit per interval: 0 free or working
// elsewhere, 1 tentative, 2 busy, 3 out of office (the busiest wins).
func graphAvailabilityView(events []calendar.Event, start, end time.Time, interval int) string {
	step := time.Duration(interval) * time.Minute
	var b strings.Builder
	for t := start; t.Before(end); t = t.Add(step) {
		level := byte('0')
		for _, ev := range events {
			if !(ev.End.After(t) && ev.Start.Before(t.Add(step))) {
				continue
			}
			l := byte('0')
			switch ev.Status {
			case calendar.Tentative:
				l = '1'
			case calendar.Busy, "":
				l = '2'
			case calendar.OOF:
				l = '3'
			}
			level = max(level, l)
		}
		b.WriteByte(level)
	}
	return b.String()
}
