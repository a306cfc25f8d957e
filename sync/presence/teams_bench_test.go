//go:build linux

package presence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/teamspresence"
)

// BenchmarkTeamsPresence10k measures Teams presence at 10,000 users against both emulators on
// the real clock, at the default teams.interval (5 s): after the first poll, 300 users join a
// Teams call at random instants over 40 s. Reported: presence requests per Teams read (bound
// ceil(10000/650) = 16), presence requests in 30 s, and p50/p99/max of (OneCloud write time -
// the instant the call started), in ms; goal p99 <= interval + 1 s = 6000 ms. Plus the RSS.
func BenchmarkTeamsPresence10k(b *testing.B) {
	const users, calls = 10000, 300
	const window = 40 * time.Second
	for range b.N {
		g := emulator.NewGraph(emulator.GraphOptions{})
		gURL, stopG := g.Start()
		b.Cleanup(stopG)
		oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: "oc-token"})
		ocURL, stopOC := oc.Start()
		b.Cleanup(stopOC)
		cfg := testConfig()
		cfg.Sync.Interval = "10m"
		cfg.Rules = append([]config.Rule{{Scope: config.ScopeOrganization, Type: config.TypeTeams, Match: "InACall", Activity: "busy"}}, cfg.Rules...)
		mailboxes := make([]string, users)
		for i := range users {
			id, mb := strconv.Itoa(10000+i), fmt.Sprintf("u%d@contoso.test", i)
			mailboxes[i] = mb
			cfg.Users = append(cfg.Users, user(id, mb))
			if err := oc.AddUser(emulator.OneCloudUser{ID: id, Username: "u" + id, Email: mb}); err != nil {
				b.Fatal(err)
			}
			g.SetCalendar(mb, nil)
			if err := g.SetTeamsPresence(mb, "Available", "Available"); err != nil {
				b.Fatal(err)
			}
		}
		gc, err := graph.New(graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
			ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser, AuthorityURL: gURL, GraphURL: gURL})
		if err != nil {
			b.Fatal(err)
		}
		occ, err := onecloud.New(onecloud.Options{BaseURL: ocURL, Token: "oc-token"})
		if err != nil {
			b.Fatal(err)
		}
		reader, err := teamspresence.New(gc, teamspresence.Options{})
		if err != nil {
			b.Fatal(err)
		}
		counted := &countingTeams{TeamsReader: reader}
		eng, err := New(cfg, Deps{Schedules: gc, OneCloud: occ, Catalog: occ, Teams: counted}, Options{Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		s := NewScheduler(eng, SchedulerOptions{})
		events, unsubscribe := s.Subscribe(4 * calls)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		for s.Status().LastPoll.IsZero() || s.Status().TeamsRead.IsZero() {
			time.Sleep(50 * time.Millisecond)
		}

		// Calls start at random instants; each user's write is matched to its call's start.
		rng := rand.New(rand.NewPCG(7, 25))
		started := map[string]time.Time{}
		order := rng.Perm(users)[:calls]
		offsets := make([]time.Duration, calls)
		for i := range offsets {
			offsets[i] = time.Duration(rng.Int64N(int64(window)))
		}
		slices.Sort(offsets)
		g.ResetStats()
		counted.reads.Store(0)
		begin := time.Now()
		written := map[string]time.Time{}
		for i, u := range order {
			time.Sleep(time.Until(begin.Add(offsets[i])))
			if err := g.SetTeamsPresence(mailboxes[u], "Busy", "InACall"); err != nil {
				b.Fatal(err)
			}
			started[strconv.Itoa(10000+u)] = time.Now()
		drain:
			for {
				select {
				case ev := <-events:
					if ev.Type == EventPresence && ev.User.Activity == "busy" {
						written[ev.User.OneCloudUser] = time.Now()
					}
				default:
					break drain
				}
			}
		}
		deadline := time.After(10 * time.Second)
	wait:
		for len(written) < calls {
			select {
			case ev := <-events:
				if ev.Type == EventPresence && ev.User.Activity == "busy" {
					written[ev.User.OneCloudUser] = time.Now()
				}
			case <-deadline:
				break wait
			}
		}
		elapsed := time.Since(begin)
		cancel()
		<-done
		unsubscribe()
		if len(written) != calls {
			b.Fatalf("%d of %d calls written", len(written), calls)
		}
		var lat []time.Duration
		for id, at := range written {
			lat = append(lat, at.Sub(started[id]))
		}
		slices.Sort(lat)
		gs := g.Stats()
		reads := float64(counted.reads.Load())
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(float64(gs.MaxPresenceIDs), "max-ids/request")
		b.ReportMetric(float64(gs.PresenceRequests)/reads, "requests/read")
		b.ReportMetric(float64(gs.PresenceRequests)*30/elapsed.Seconds(), "requests/30s")
		b.ReportMetric(float64(gs.Throttled), "throttled")
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		if rss, ok := rssMB(); ok {
			b.ReportMetric(rss, "rss-MB")
		}
	}
}

// countingTeams counts the Teams reads the scheduler makes.
type countingTeams struct {
	TeamsReader
	reads atomic.Int64
}

func (c *countingTeams) Read(ctx context.Context, mailboxes []string) (map[string]teamspresence.Result, teamspresence.Stats, error) {
	c.reads.Add(1)
	return c.TeamsReader.Read(ctx, mailboxes)
}
