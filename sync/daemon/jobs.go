package daemon

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/calsync/calsync/sync/job"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/setup"
)

// jobSpecs is every sync job the service runs, one line each. The scheduler, Sync now, the
// status (status.jobs) and the local API's jobs/{name}/sync-now are generic over this list.
func jobSpecs() []jobSpec {
	return []jobSpec{
		{name: job.Presence, start: startPresence},
		{name: contactsJobName, off: "contacts sync is off: turn it on in the contacts settings (contacts.enabled)", start: startContacts},
	}
}

// jobSpec is one sync job as the service knows it.
type jobSpec struct {
	name string
	// off says why the job does not run when start returns nothing (the configuration leaves
	// it off); it is the message of the 409 "<name>_off" of its sync-now.
	off string
	// start makes the job's part of generation g from the parts setup built; nil when the
	// configuration leaves the job off. g.sched does not exist yet: use it in the closures only.
	start func(d *Daemon, g *generation, parts *setup.Parts) *runningJob
}

// runningJob is one job of a generation as the daemon steers it.
type runningJob struct {
	name string
	// periodic is the job the scheduler runs besides presence; nil for presence, which is the
	// scheduler's own loop.
	periodic *job.Job
	syncNow  func()
	report   func() job.Report
	// detail fills in the job's own part of the status (status.contacts); nil: none.
	detail func(st *localapi.Status)
}

// startJobs starts the part of g of every job the configuration turns on, in jobSpecs' order.
func (d *Daemon) startJobs(g *generation, parts *setup.Parts) []job.Job {
	var periodic []job.Job
	for _, spec := range jobSpecs() {
		j := spec.start(d, g, parts)
		if j == nil {
			continue
		}
		j.name = spec.name
		g.jobs = append(g.jobs, j)
		if j.periodic != nil {
			j.periodic.Name = spec.name
			periodic = append(periodic, *j.periodic)
		}
	}
	return periodic
}

// startPresence is the presence job: the scheduler's own polls and boundaries.
func startPresence(d *Daemon, g *generation, _ *setup.Parts) *runningJob {
	interval := d.opts.SchedulerOptions.Interval // as the scheduler reads it
	if interval <= 0 {
		interval = g.cfg.Interval()
	}
	return &runningJob{
		syncNow: func() { g.sched.SyncNow() },
		report: func() job.Report {
			ss := g.sched.Status()
			r := job.Report{Running: ss.Polling, LastRun: ss.LastPoll, Interval: interval, Error: ss.LastError}
			if r.Error == "" {
				r.Error = ss.Degraded
			}
			return r
		},
	}
}

// SyncJobNow starts a run of the named job at once (presence: a poll and a run of every job, as
// SyncNow). It fails with a 404 for a job calsync does not have, with CodeNotSyncing when no
// engine runs, and with a 409 "<name>_off" (CodeContactsOff) when the configuration leaves the
// job off.
func (d *Daemon) SyncJobNow(_ context.Context, name string) error {
	var spec *jobSpec
	specs := jobSpecs()
	names := make([]string, len(specs))
	for i := range specs {
		names[i] = specs[i].name
		if specs[i].name == name {
			spec = &specs[i]
		}
	}
	if spec == nil {
		return &localapi.APIError{Status: http.StatusNotFound, Code: localapi.CodeNotFound,
			Message: fmt.Sprintf("there is no sync job %q: the jobs are %s", name, strings.Join(names, ", "))}
	}
	g, _, reasons, _ := d.current()
	if g == nil {
		return d.notSyncing(reasons)
	}
	for _, j := range g.jobs {
		if j.name == name {
			d.log.Info(name + " sync requested through the local API")
			j.syncNow()
			return nil
		}
	}
	return &localapi.APIError{Status: http.StatusConflict, Code: name + "_off", Message: spec.off}
}

// jobsStatus fills in every running job's row of st.Jobs and its own part of the status.
func (g *generation) jobsStatus(st *localapi.Status) {
	for _, j := range g.jobs {
		r := j.report()
		st.Jobs = append(st.Jobs, localapi.JobStatus{Name: j.name, Running: r.Running, LastRun: utc(r.LastRun),
			Interval: r.Interval.String(), Error: r.Error})
		if j.detail != nil {
			j.detail(st)
		}
	}
}
