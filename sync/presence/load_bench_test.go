//go:build linux

package presence

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/emulator"
)

// Latencies of the load benchmark: Microsoft Graph as measured from an
// office (100 ms per request, as in BenchmarkGetSchedules1000), OneCloud a
// regional service nearer by.
const (
	loadGraphLatency    = 100 * time.Millisecond
	loadOneCloudLatency = 20 * time.Millisecond
)

// BenchmarkLoad5000 runs, on the real clock, two full cycles for 5000 users
// against both emulators with realistic latency: the first writes every
// user's presence (everyone's meeting is in progress: the worst case, as
// after a first start), the second finds nothing to change (steady state).
// Reported: the time of each, Graph's getSchedule requests and most in
// flight (Outlook allows 4), the OneCloud requests, and the live heap and
// RSS after the cycles.
func BenchmarkLoad5000(b *testing.B) {
	for range b.N {
		o := newLoadOffice(b, nil, loadGraphLatency)
		o.oc.Latency(loadOneCloudLatency)
		ctx := context.Background()
		var took [2]time.Duration
		for cycle := range 2 {
			start := time.Now()
			rep, err := o.eng.SyncOnce(ctx, false)
			took[cycle] = time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			for _, u := range rep.Users {
				if u.Action == ActionError {
					b.Fatalf("user %s: %s", u.OneCloudUser, u.Error)
				}
			}
		}
		gs, oc := o.graph.Stats(), o.oc.Counts()
		if gs.Throttled != 0 || gs.MaxInFlight > 4 {
			b.Fatalf("Graph throttled %d requests, %d in flight at most", gs.Throttled, gs.MaxInFlight)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(took[0].Seconds(), "first-cycle-s")
		b.ReportMetric(took[1].Seconds(), "steady-cycle-s")
		b.ReportMetric(float64(gs.ScheduleRequests)/2, "graph-requests/cycle")
		b.ReportMetric(float64(gs.MaxInFlight), "max-in-flight")
		b.ReportMetric(float64(gs.MaxInWindow), "max-per-10min")
		b.ReportMetric(float64(oc.Reads+oc.Writes-oc.ByEndpoint[emulator.OneCloudGetActivities]-oc.ByEndpoint[emulator.OneCloudGetRoles]), "onecloud-requests")
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		if rss, ok := rssMB(); ok {
			b.ReportMetric(rss, "rss-MB")
		}
	}
}
