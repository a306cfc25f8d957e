package presence

import "time"

// EventType names what happened.
type EventType string

// The events a Scheduler publishes.
const (
	EventSyncStarted  EventType = "sync-started"
	EventSyncFinished EventType = "sync-finished" // Message: why degraded, "" if the poll succeeded
	EventPresence     EventType = "presence"      // User: a set or kept-manual decision
	EventUserError    EventType = "user-error"    // User and Message: a new or changed per-user error
	EventError        EventType = "error"         // Message: an engine-level error (config, OneCloud lists)
	EventDegraded     EventType = "degraded"      // Message: polls fail; known schedules still applied
	EventRecovered    EventType = "recovered"
	EventPaused       EventType = "paused"
	EventResumed      EventType = "resumed"
	EventJobStarted   EventType = "job-started"  // Message: the job's name
	EventJobFinished  EventType = "job-finished" // Message: the job's name; User unused
)

// Event is one thing the scheduler did. It never carries a private event's
// text: User holds only the desired presence and the action.
type Event struct {
	Type    EventType
	Time    time.Time
	User    UserReport
	Message string
}
