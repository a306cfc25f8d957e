package graph_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
)

// BenchmarkListContacts200x300 lists 200 mailboxes of 300 contacts each
// from the emulator with 10 ms per request, 8 listings at a time (more
// than the budget, to show it holds). Graph requests must be the bound
// sum(ceil(n/100)) = 600; the in-flight budget of 4 makes the wall time
// at least ceil(600/4) x 10 ms = 1.5 s.
//
//	go test -run '^$' -bench BenchmarkListContacts200x300 -benchtime 2x ./sync/graph/
func BenchmarkListContacts200x300(b *testing.B) {
	const users, perUser, latency = 200, 300, 10 * time.Millisecond
	emu := emulator.NewGraph(emulator.GraphOptions{Latency: latency})
	boxes := mailboxes(users)
	for _, m := range boxes {
		in := make([]emulator.GraphContact, perUser)
		for i := range in {
			in[i] = emulator.GraphContact{DisplayName: fmt.Sprintf("Contact %d", i), CompanyName: "Studio",
				BusinessPhones: []string{"02 1234 5678"}, MobilePhone: "333 1234567",
				EmailAddresses: []emulator.GraphEmailAddress{{Name: "x", Address: "x@example.com"}}}
		}
		if _, err := emu.SetContacts(m, in); err != nil {
			b.Fatal(err)
		}
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
	b.ResetTimer()
	began := time.Now()
	for range b.N {
		jobs := make(chan string)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for m := range jobs {
					got, err := c.ListContacts(ctx, m)
					if err != nil || len(got) != perUser {
						b.Errorf("%s: %d contacts, %v", m, len(got), err)
					}
				}
			}()
		}
		for _, m := range boxes {
			jobs <- m
		}
		close(jobs)
		wg.Wait()
	}
	elapsed := time.Since(began)
	b.StopTimer()
	st := emu.Stats()
	b.ReportMetric(float64(st.ContactsRequests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(st.MaxInFlight), "max-in-flight")
	b.ReportMetric((elapsed / time.Duration(b.N)).Seconds(), "wall-s/op")
	if st.Throttled != 0 || st.MaxInFlight > graph.MaxInFlight {
		b.Errorf("throttled %d, max in flight %d", st.Throttled, st.MaxInFlight)
	}
}
