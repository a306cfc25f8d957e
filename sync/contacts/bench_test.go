//go:build linux

package contacts

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/onecloud"
)

// BenchmarkContacts200x300 syncs 200 users with 300 contacts each into their personal
// phonebooks against both emulators: the first run (every entry created) and a run with nothing
// changed. Graph requests must be sum(ceil(300/100)) = 600 per run, OneCloud writes 60000 on the
// first run and 0 on the second. peak-rss-MB is the process's high-water mark (VmHWM) after the
// two runs, emulators included.
func BenchmarkContacts200x300(b *testing.B) {
	const users, perUser = 200, 300
	for range b.N {
		b.StopTimer()
		o := newOffice(b)
		var books []Book
		for u := range users {
			id := strconv.Itoa(1000 + u)
			if err := o.oc.AddUser(emulator.OneCloudUser{ID: id, Username: "u" + id, Name: "User " + id}); err != nil {
				b.Fatal(err)
			}
			mailbox := fmt.Sprintf("user%d@contoso.it", u)
			cs := make([]emulator.GraphContact, perUser)
			for i := range cs {
				cs[i] = person(u*perUser + i)
			}
			if _, err := o.g.SetContacts(mailbox, cs); err != nil {
				b.Fatal(err)
			}
			books = append(books, Book{Phonebook: onecloud.PersonalPhonebook(id), Mailbox: mailbox})
		}
		for _, phase := range []string{"first", "no-change"} {
			o.oc.ResetCounts()
			graphBefore := o.g.Stats().ContactsRequests
			b.StartTimer()
			start := time.Now()
			rep := o.s.Run(context.Background(), books, false)
			wall := time.Since(start)
			b.StopTimer()
			if rep.Failed() != 0 {
				b.Fatalf("%s run: %d phonebooks failed: %+v", phase, rep.Failed(), rep.Phonebooks[0])
			}
			b.ReportMetric(float64(o.g.Stats().ContactsRequests-graphBefore), phase+"-graph-requests")
			b.ReportMetric(float64(o.oc.Counts().Writes), phase+"-onecloud-writes")
			b.ReportMetric(wall.Seconds(), phase+"-wall-s")
		}
		if mb, ok := peakRSSMB(); ok {
			b.ReportMetric(mb, "peak-rss-MB")
		}
	}
}

// peakRSSMB reads the resident set size's high-water mark from /proc.
func peakRSSMB() (float64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}
