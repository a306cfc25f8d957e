package presence

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/internal/pubsub"
	"github.com/calsync/calsync/sync/job"
)

// Scheduler runs an Engine unattended. It polls Graph every interval and,
// between polls, arms one timer for the earliest event boundary of any user;
// when it fires, only the users concerned are decided again from the cached
// schedules and written. Presence therefore changes at the second an event
// starts or ends, whatever the poll interval.
//
// Polls run in their own goroutine, so a throttled or failing Graph (which
// the client retries with Retry-After and backoff) never holds back the
// boundaries of the schedules already known.
type Scheduler struct {
	eng      *Engine
	clock    clock.Clock
	interval time.Duration
	maxSleep time.Duration
	jumpTol  time.Duration
	log      *slog.Logger

	syncNow chan struct{}
	jobNow  chan string
	pause   chan bool
	jobs    []job.Job
	hub     pubsub.Hub[Event]
	paused  bool // initial state
	// idle, when set (tests only), receives each time the loop is about to
	// wait with no poll in flight, so simulated time advances only then.
	idle chan<- struct{}

	mu     sync.Mutex
	status SchedulerStatus
}

// SchedulerOptions tune a Scheduler; the zero value is production behaviour.
type SchedulerOptions struct {
	Interval time.Duration // poll interval; default the config's sync.interval
	Clock    clock.Clock   // nil: the engine's clock
	Logger   *slog.Logger  // nil: the engine's logger
	// MaxSleep caps one wait. A machine that sleeps does not advance Go's
	// monotonic timers, so after a resume a long timer would fire late;
	// waking at least this often notices the wall-clock jump. Default 15s.
	MaxSleep time.Duration
	// JumpTolerance is how far the wall clock may differ from where a wait
	// should have ended before it counts as a jump. Default 2s.
	JumpTolerance time.Duration
	// Paused starts the scheduler paused: no poll until Resume.
	Paused bool
	// Jobs run besides presence, each on its own interval (contacts sync): see job.Job.
	Jobs []job.Job
}

// SchedulerStatus is what the scheduler is doing, for the local API.
type SchedulerStatus struct {
	Paused       bool
	Polling      bool      // a sync runs: a poll, then the writes it calls for
	LastPoll     time.Time // start of the last successful poll
	NextPoll     time.Time
	NextBoundary time.Time // zero when no change is known
	// Degraded says why the last poll failed ("" when it succeeded); the
	// scheduler keeps applying boundaries from the schedules it has.
	Degraded  string
	LastError string // the last Apply-level error (config, OneCloud lists)
	Polls     int
	Applies   int
	// TeamsRead is when Teams presence was last read (zero: never, or no teams rule);
	// TeamsError says why the last read failed ("" when it succeeded).
	TeamsRead  time.Time
	TeamsError string
}

// NewScheduler returns a scheduler for eng; Run starts it.
func NewScheduler(eng *Engine, opts SchedulerOptions) *Scheduler {
	s := &Scheduler{
		eng:      eng,
		clock:    opts.Clock,
		interval: opts.Interval,
		maxSleep: opts.MaxSleep,
		jumpTol:  opts.JumpTolerance,
		log:      opts.Logger,
		syncNow:  make(chan struct{}, 1),
		jobNow:   make(chan string, 4),
		pause:    make(chan bool, 1),
		jobs:     opts.Jobs,
		paused:   opts.Paused,
		status:   SchedulerStatus{Paused: opts.Paused},
	}
	if s.clock == nil {
		s.clock = eng.clock
	}
	if s.interval <= 0 {
		s.interval = eng.cfg.Interval()
	}
	if s.maxSleep <= 0 {
		s.maxSleep = 15 * time.Second
	}
	if s.jumpTol <= 0 {
		s.jumpTol = 2 * time.Second
	}
	if s.log == nil {
		s.log = eng.log
	}
	return s
}

// SyncNow asks for a poll at once. It never blocks; requests made while a
// poll runs or is already requested are coalesced into it.
func (s *Scheduler) SyncNow() {
	select {
	case s.syncNow <- struct{}{}:
	default:
	}
}

// SyncJobNow asks for a run of the named job at once, without a calendar poll, or right after
// the run in progress. It never blocks; requests made before the run starts are coalesced.
func (s *Scheduler) SyncJobNow(name string) {
	select {
	case s.jobNow <- name:
	default:
	}
}

// Pause stops polling and writing until Resume; Resume polls at once.
func (s *Scheduler) Pause() { s.setPaused(true) }

// Resume undoes Pause.
func (s *Scheduler) Resume() { s.setPaused(false) }

func (s *Scheduler) setPaused(p bool) {
	// Keep only the latest request: drain a pending one first.
	select {
	case <-s.pause:
	default:
	}
	s.pause <- p
}

// Status returns a snapshot of the scheduler's state.
func (s *Scheduler) Status() SchedulerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Subscribe returns a channel of events and a function that ends the
// subscription. A subscriber that falls behind loses events rather than
// slowing the engine; buf is the channel's capacity.
func (s *Scheduler) Subscribe(buf int) (<-chan Event, func()) {
	// The scheduler's hub is never closed, so Subscribe cannot fail.
	ch, unsubscribe, _ := s.hub.Subscribe(context.Background(), buf)
	return ch, unsubscribe
}

func (s *Scheduler) update(fn func(*SchedulerStatus)) {
	s.mu.Lock()
	fn(&s.status)
	s.mu.Unlock()
}

// retryDelay is the wait before the next poll after n consecutive failures:
// 15s, 30s, 60s, ... capped at the poll interval, so an outage is noticed
// to be over within one interval. (The clients already honour Retry-After
// within one poll.)
func (s *Scheduler) retryDelay(n int) time.Duration {
	d := 15 * time.Second
	for i := 1; i < n && d < s.interval; i++ {
		d *= 2
	}
	return min(d, s.interval)
}

// publishReport turns an Apply's report into presence and error events. A
// user's error is logged and published when it first appears or changes,
// not on every cycle it persists.
func (s *Scheduler) publishReport(rep Report, now time.Time, reason string, userErrs map[string]string) {
	for _, u := range rep.Users {
		if u.Action != ActionError {
			delete(userErrs, u.OneCloudUser)
		}
		switch u.Action {
		case ActionSet:
			s.log.Info("presence set", "user", u.OneCloudUser, "activity", u.Activity, "role", u.Role,
				"until", untilText(u.Until), "reason", reason)
			s.hub.Publish(Event{Type: EventPresence, Time: now, User: u})
		case ActionKeptManual:
			s.hub.Publish(Event{Type: EventPresence, Time: now, User: u})
		case ActionError:
			if userErrs[u.OneCloudUser] == u.Error {
				continue
			}
			userErrs[u.OneCloudUser] = u.Error
			s.log.Warn("user not synced", "user", u.OneCloudUser, "err", u.Error)
			s.hub.Publish(Event{Type: EventUserError, Time: now, User: u, Message: u.Error})
		}
	}
}
