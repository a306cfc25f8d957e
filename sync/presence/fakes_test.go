package presence

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/workhours"
)

// fakeGraph serves schedules from a map; it counts calls.
type fakeGraph struct {
	mu      sync.Mutex
	events  map[string][]calendar.Event // lower-cased mailbox -> events
	errs    map[string]error            // lower-cased mailbox -> per-mailbox error
	wh      map[string]*workhours.WorkingHours
	fail    error // when set, nothing can be read
	calls   int
	windows [][2]time.Time
}

func newFakeGraph() *fakeGraph {
	return &fakeGraph{events: map[string][]calendar.Event{}, errs: map[string]error{}, wh: map[string]*workhours.WorkingHours{}}
}

// setWorkingHours publishes the mailbox's working hours with its schedule.
func (g *fakeGraph) setWorkingHours(mailbox string, wh *workhours.WorkingHours) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.wh[strings.ToLower(mailbox)] = wh
}

func (g *fakeGraph) set(mailbox string, evs ...calendar.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events[strings.ToLower(mailbox)] = evs
}

func (g *fakeGraph) GetSchedules(_ context.Context, mailboxes []string, start, end time.Time) ([]calendar.Schedule, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	g.windows = append(g.windows, [2]time.Time{start, end})
	if g.fail != nil {
		return nil, g.fail
	}
	out := make([]calendar.Schedule, len(mailboxes))
	for i, m := range mailboxes {
		out[i].Mailbox = m
		k := strings.ToLower(m)
		if err := g.errs[k]; err != nil {
			out[i].Err = err
			continue
		}
		out[i].Events = append([]calendar.Event(nil), g.events[k]...)
		out[i].WorkingHours = g.wh[k]
	}
	return out, nil
}

func (g *fakeGraph) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// statsGraph is a fakeGraph that counts requests like *graph.Client: one
// per 20 mailboxes.
type statsGraph struct {
	*fakeGraph
	requests int64
}

func (g *statsGraph) GetSchedules(ctx context.Context, mailboxes []string, start, end time.Time) ([]calendar.Schedule, error) {
	g.mu.Lock()
	g.requests += int64((len(mailboxes) + 19) / 20)
	g.mu.Unlock()
	return g.fakeGraph.GetSchedules(ctx, mailboxes, start, end)
}

func (g *statsGraph) Stats() graph.Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return graph.Stats{ScheduleRequests: g.requests}
}

// fakeOneCloud keeps presences with ETags, as the OneCloud contract does.
type fakeOneCloud struct {
	mu         sync.Mutex
	presence   map[string]onecloud.Presence
	version    map[string]int
	groups     []onecloud.Group
	activities []onecloud.Activity
	roles      []onecloud.Role

	catalogErr error            // Activities and Roles fail with it
	getErr     map[string]error // per user
	putErr     map[string]error // per user: returned instead of writing
	// beforePut runs (under no lock) before each PUT is judged; tests use it
	// to change a presence "by hand" between the GET and the PUT.
	beforePut func(f *fakeOneCloud, id string, n int)

	gets, puts, groupCalls, catalogCalls int
	written                              []onecloud.Presence // successful PUTs in order
	putUsers                             []string
}

func newFakeOneCloud() *fakeOneCloud {
	return &fakeOneCloud{
		presence: map[string]onecloud.Presence{},
		version:  map[string]int{},
		getErr:   map[string]error{},
		putErr:   map[string]error{},
		activities: []onecloud.Activity{
			{ID: "available", Name: "Available", Available: true}, {ID: "meeting", Name: "Meeting"},
			{ID: "lunch", Name: "Lunch"}, {ID: "away", Name: "Away"}, {ID: "vacation", Name: "Vacation"},
			{ID: "busy", Name: "Busy"}, {ID: "gone-home", Name: "Gone home"},
		},
		roles: []onecloud.Role{{ID: "office", Name: "Office"}, {ID: "mobile", Name: "Mobile"}},
	}
}

// setByHand changes a presence as a person would, bumping its ETag.
func (f *fakeOneCloud) setByHand(id string, p onecloud.Presence) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(id, p)
}

func (f *fakeOneCloud) setLocked(id string, p onecloud.Presence) {
	f.presence[id] = p
	f.version[id]++
}

func (f *fakeOneCloud) get(id string) onecloud.Presence {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.presence[id]
}

func (f *fakeOneCloud) etag(id string) string { return fmt.Sprintf("\"%s-%d\"", id, f.version[id]) }

func (f *fakeOneCloud) Groups(context.Context) ([]onecloud.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groupCalls++
	return f.groups, nil
}

func (f *fakeOneCloud) Activities(context.Context) ([]onecloud.Activity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.catalogCalls++
	return f.activities, f.catalogErr
}

func (f *fakeOneCloud) Roles(context.Context) ([]onecloud.Role, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.catalogCalls++
	return f.roles, nil
}

func notFound(op string) error {
	return &onecloud.APIError{Status: http.StatusNotFound, Code: "not_found", Message: "no such user", Op: op}
}

func (f *fakeOneCloud) GetPresence(_ context.Context, id string) (onecloud.Presence, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if err := f.getErr[id]; err != nil {
		return onecloud.Presence{}, "", err
	}
	p, ok := f.presence[id]
	if !ok {
		return onecloud.Presence{}, "", notFound("get presence of " + id)
	}
	return p, f.etag(id), nil
}

func (f *fakeOneCloud) PutPresence(_ context.Context, id string, p onecloud.Presence, etag string) (onecloud.Presence, string, error) {
	f.mu.Lock()
	f.puts++
	n := f.puts
	hook := f.beforePut
	f.mu.Unlock()
	if hook != nil {
		hook(f, id, n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op := "put presence of " + id
	if err := f.putErr[id]; err != nil {
		return onecloud.Presence{}, "", err
	}
	if _, ok := f.presence[id]; !ok {
		return onecloud.Presence{}, "", notFound(op)
	}
	if etag != f.etag(id) {
		return onecloud.Presence{}, "", &onecloud.APIError{Status: http.StatusPreconditionFailed, Code: "precondition_failed", Op: op}
	}
	known := false
	for _, a := range f.activities {
		known = known || a.ID == p.Activity
	}
	if !known {
		return onecloud.Presence{}, "", &onecloud.APIError{Status: http.StatusUnprocessableEntity, Code: "unknown_activity", Op: op}
	}
	f.setLocked(id, p)
	f.written = append(f.written, p)
	f.putUsers = append(f.putUsers, id)
	return p, f.etag(id), nil
}

// calls returns gets and puts so far.
func (f *fakeOneCloud) calls() (gets, puts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets, f.puts
}

var errNetwork = errors.New("dial tcp: connection refused")
