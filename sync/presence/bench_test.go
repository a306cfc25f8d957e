//go:build linux

package presence

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
	"github.com/calsync/calsync/sync/onecloud"
)

// realOffice wires the real clients to both emulators on the real clock.
func realOffice(b *testing.B, users int, events func(i int) []calendar.Event) (*Engine, *emulator.OneCloud, *config.Config) {
	b.Helper()
	g := emulator.NewGraph(emulator.GraphOptions{})
	gURL, stopG := g.Start()
	b.Cleanup(stopG)
	oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: "oc-token"})
	ocURL, stopOC := oc.Start()
	b.Cleanup(stopOC)
	cfg := testConfig()
	cfg.Sync.Interval = "10m"
	for i := range users {
		id, mb := strconv.Itoa(10000+i), fmt.Sprintf("u%d@contoso.test", i)
		cfg.Users = append(cfg.Users, user(id, mb))
		if err := oc.AddUser(emulator.OneCloudUser{ID: id, Username: "u" + id, Name: "User " + id, Email: mb}); err != nil {
			b.Fatal(err)
		}
		g.SetCalendar(mb, events(i))
	}
	gc, err := graph.New(graph.Options{
		TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		ClientSecret: emulator.GraphDefaultClientSecret, SyncUser: emulator.GraphDefaultSyncUser,
		AuthorityURL: gURL, GraphURL: gURL,
	})
	if err != nil {
		b.Fatal(err)
	}
	occ, err := onecloud.New(onecloud.Options{BaseURL: ocURL, Token: "oc-token"})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := New(cfg, Deps{Schedules: gc, OneCloud: occ, Catalog: occ}, Options{Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	return eng, oc, cfg
}

// BenchmarkBoundaryLatency measures, on the real clock, how long after an
// event's start its presence is written: 1000 users whose meetings start
// 100 per second over 10 s, with a 10-minute poll interval, so every write
// comes from the boundary timer and none from a poll. Reported: p50, p99
// and max of (write time - event start), in milliseconds. Goal: p99 <= 1 s.
func BenchmarkBoundaryLatency(b *testing.B) {
	const users = 1000
	for range b.N {
		base := time.Now().Truncate(time.Second).Add(5 * time.Second)
		starts := make([]time.Time, users)
		eng, oc, _ := realOffice(b, users, func(i int) []calendar.Event {
			starts[i] = base.Add(time.Duration(i%10) * time.Second)
			return []calendar.Event{{Start: starts[i], End: starts[i].Add(time.Hour), Status: calendar.Busy}}
		})
		ctx, cancel := context.WithCancel(context.Background())
		s := NewScheduler(eng, SchedulerOptions{})
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(time.Until(base.Add(12 * time.Second)))
		cancel()
		<-done

		first := map[string]time.Time{}
		for _, w := range oc.Writes() {
			if _, ok := first[w.UserID]; !ok {
				first[w.UserID] = w.At
			}
		}
		if len(first) != users {
			b.Fatalf("%d of %d users written", len(first), users)
		}
		var lat []time.Duration
		for i := range users {
			lat = append(lat, first[strconv.Itoa(10000+i)].Sub(starts[i]))
		}
		slices.Sort(lat)
		if lat[0] < 0 {
			b.Fatalf("a presence was written %v before its event started", -lat[0])
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		b.ReportMetric(float64(len(lat)), "boundaries")
	}
}

// BenchmarkMemoryAfterSimulatedHour runs 1000 users through one simulated
// hour (a 1-minute poll interval, a meeting every quarter hour for everyone)
// over in-process fakes, then reports the live heap and the process RSS.
// Goal: RSS <= 40 MB.
func BenchmarkMemoryAfterSimulatedHour(b *testing.B) {
	const users = 1000
	for range b.N {
		start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		cfg := testConfig()
		g := newFakeGraph()
		oc := newFakeOneCloud()
		for i := range users {
			id, mb := strconv.Itoa(10000+i), fmt.Sprintf("u%d@contoso.test", i)
			cfg.Users = append(cfg.Users, user(id, mb))
			var evs []calendar.Event
			for q := range 8 {
				s := start.Add(time.Duration(q*15+i%15) * time.Minute)
				evs = append(evs, ev(calendar.Busy, s, s.Add(10*time.Minute)))
			}
			g.set(mb, evs...)
			oc.presence[id] = onecloud.Presence{Activity: "available"}
		}
		clk := clock.NewFake(start)
		eng, err := New(cfg, Deps{Schedules: g, OneCloud: oc, Catalog: oc}, Options{Clock: clk, Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		idle := make(chan struct{})
		s := NewScheduler(eng, SchedulerOptions{MaxSleep: time.Hour})
		s.idle = idle
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		runSimulated(clk, idle, start.Add(time.Hour), nil)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		if rss, ok := rssMB(); ok {
			b.ReportMetric(rss, "rss-MB")
		}
		b.ReportMetric(float64(s.Status().Applies), "applies")
		cancel()
		<-done
	}
}

// BenchmarkIdleCPU measures the CPU time the process uses during one idle
// minute with 1000 users on the real clock (no event boundary inside it,
// one poll at the default 1-minute interval, emulators in the same process).
// Goal: <= 0.05 s per minute.
func BenchmarkIdleCPU(b *testing.B) {
	const users = 1000
	for range b.N {
		far := time.Now().Add(6 * time.Hour)
		eng, _, _ := realOffice(b, users, func(i int) []calendar.Event {
			return []calendar.Event{{Start: far, End: far.Add(time.Hour), Status: calendar.Busy}}
		})
		ctx, cancel := context.WithCancel(context.Background())
		s := NewScheduler(eng, SchedulerOptions{Interval: time.Minute})
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		for s.Status().Polls == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		before := cpuTime()
		time.Sleep(time.Minute)
		used := cpuTime() - before
		cancel()
		<-done
		b.ReportMetric(used.Seconds(), "cpu-s/idle-min")
		b.ReportMetric(float64(s.Status().Polls), "polls")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMB reads the resident set size from /proc (Linux only).
func rssMB() (float64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.Atoi(f[1])
			return float64(kb) / 1024, err == nil
		}
	}
	return 0, false
}
