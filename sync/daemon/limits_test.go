package daemon

import (
	"testing"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// The window saves the configuration through the local API: whatever file
// calsync reads, it must be able to save.
func TestConfigLimitsAgree(t *testing.T) {
	if localapi.MaxConfigBodyBytes != config.MaxFileBytes {
		t.Fatalf("local API config body cap %d, config file cap %d; want them equal", localapi.MaxConfigBodyBytes, config.MaxFileBytes)
	}
}
