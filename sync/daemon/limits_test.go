package daemon

import (
	"encoding/base64"
	"testing"

	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// The window saves the configuration through the local API: whatever file
// calsync reads, it must be able to save.
func TestConfigLimitsAgree(t *testing.T) {
	if localapi.MaxCertificateImportBytes != certcred.MaxImportBytes ||
		base64.StdEncoding.EncodedLen(certcred.MaxImportBytes)+4096 > localapi.DefaultMaxBodyBytes {
		t.Errorf("certificate import caps: local API %d, certcred %d; want them equal, and base64 of it in a %d-byte body",
			localapi.MaxCertificateImportBytes, certcred.MaxImportBytes, localapi.DefaultMaxBodyBytes)
	}
	if localapi.MaxConfigBodyBytes != config.MaxFileBytes {
		t.Fatalf("local API config body cap %d, config file cap %d; want them equal", localapi.MaxConfigBodyBytes, config.MaxFileBytes)
	}
}
