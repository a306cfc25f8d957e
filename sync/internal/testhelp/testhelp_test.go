package testhelp

import (
	"fmt"
	"sync"
	"testing"
)

// Concurrent writers and a reader do not race, and nothing written is lost.
func TestBufferConcurrent(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			fmt.Fprintf(&b, "%d\n", i)
			_ = b.String()
		})
	}
	wg.Wait()
	if got := len(b.Bytes()); got != 16 {
		t.Fatalf("%d bytes written, want 16", got)
	}
	out := b.Bytes()
	out[0] = 'x' // a copy: the buffer is not changed
	if b.String()[0] == 'x' {
		t.Fatal("Bytes returned the buffer's own storage")
	}
}
