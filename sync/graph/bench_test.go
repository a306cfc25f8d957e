package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
)

// benchLatency is the emulated round trip of one Graph request.
const benchLatency = 100 * time.Millisecond

// BenchmarkGetSchedules1000 reads 1000 calendars from the emulator with
// 100 ms per request, in steady state (token already cached, as in every
// cycle but the first of each hour). The lower bound is ceil(ceil(1000/20)/4)
// rounds of 4 parallel requests: 13 x 100 ms = 1.3 s; "ratio" is the
// measured time per cycle over that bound (goal <= 1.15).
//
//	go test -run '^$' -bench BenchmarkGetSchedules1000 -benchtime 5x ./sync/graph/
func BenchmarkGetSchedules1000(b *testing.B) {
	const users = 1000
	emu := emulator.NewGraph(emulator.GraphOptions{Latency: benchLatency})
	now := time.Now().UTC().Truncate(time.Minute)
	boxes := mailboxes(users)
	for i, m := range boxes {
		emu.SetCalendar(m, []calendar.Event{
			busy(now.Add(time.Duration(i%6)*time.Hour), 30*time.Minute, "Meeting"),
			busy(now.Add(time.Duration(i%6)*time.Hour+time.Hour), time.Hour, "Review"),
			{Start: now.Add(5 * time.Hour), End: now.Add(6 * time.Hour), Status: calendar.OOF, Private: true},
		})
	}
	u, stop := emu.Start()
	defer stop()
	c, err := graph.New(graph.Options{
		TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: u, GraphURL: u,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Token(ctx); err != nil {
		b.Fatal(err)
	}
	emu.ResetStats()

	batches := (users + graph.MaxBatchSize - 1) / graph.MaxBatchSize
	rounds := (batches + graph.MaxInFlight - 1) / graph.MaxInFlight
	bound := time.Duration(rounds) * benchLatency

	b.ResetTimer()
	began := time.Now()
	for range b.N {
		got, err := c.GetSchedules(ctx, boxes, now, now.Add(8*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range got {
			if s.Err != nil || len(s.Events) != 3 {
				b.Fatalf("%s: %v (%d events)", s.Mailbox, s.Err, len(s.Events))
			}
		}
	}
	elapsed := time.Since(began)
	b.StopTimer()

	st := emu.Stats()
	perCycle := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(st.ScheduleRequests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(st.MaxInFlight), "max-in-flight")
	b.ReportMetric(perCycle.Seconds(), "wall-s/op")
	b.ReportMetric(perCycle.Seconds()/bound.Seconds(), "ratio")
	if st.Throttled != 0 || st.TokenRequests != 0 {
		b.Errorf("steady state saw %d throttled answers and %d token requests", st.Throttled, st.TokenRequests)
	}
}
