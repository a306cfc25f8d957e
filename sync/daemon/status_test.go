package daemon

import (
	"testing"

	"github.com/calsync/calsync/sync/localapi"
)

func TestSyncProgress(t *testing.T) {
	tests := []struct {
		name        string
		syncing     bool
		users       int
		done, total int // what the engine says
		want        localapi.Progress
	}{
		{"idle: everyone done", false, 5, 2, 5, localapi.Progress{Done: 5, Total: 5}},
		{"idle, no users", false, 0, 0, 0, localapi.Progress{}},
		{"reading calendars: none done yet", true, 5, 0, 0, localapi.Progress{Done: 0, Total: 5}},
		{"writing: partial", true, 5, 2, 5, localapi.Progress{Done: 2, Total: 5}},
		{"writing: last user", true, 5, 5, 5, localapi.Progress{Done: 5, Total: 5}},
		{"engine's own total wins", true, 5, 1, 4, localapi.Progress{Done: 1, Total: 4}},
		{"never more done than total", true, 3, 9, 3, localapi.Progress{Done: 3, Total: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := syncProgress(tt.syncing, tt.users, func() (int, int) { return tt.done, tt.total })
			if got != tt.want {
				t.Errorf("syncProgress = %+v, want %+v", got, tt.want)
			}
		})
	}
}
