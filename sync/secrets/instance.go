package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"runtime"
	"strings"
)

// InstanceService is the keyring service name of the calsync instance whose
// configuration file is configPath, so that two instances (another --config
// or CALSYNC_CONFIG) never share a keychain entry: a client secret's value
// is shown once in Entra, and a certificate's private key exists nowhere
// else, so an overwritten entry is lost for good.
//
// The default instance (configPath is one of defaultConfigPaths: the OS's
// default location, as the CLI and the service each compute it) keeps
// DefaultService,
// the name every installation has used, so nothing needs migrating. Any other
// instance gets "calsync-" and the first 12 hex digits of the SHA-256 of its
// absolute, cleaned configuration path (on Windows, whose paths ignore case,
// lower-cased first): stable for as long as the file stays where it is. The
// account names (Name.User) are the same in every instance.
func InstanceService(configPath string, defaultConfigPaths ...string) string {
	return instanceService(runtime.GOOS, configPath, defaultConfigPaths...)
}

func instanceService(goos, configPath string, defaultConfigPaths ...string) string {
	p := instanceKey(goos, configPath)
	if p == "" {
		return DefaultService
	}
	for _, d := range defaultConfigPaths {
		if d != "" && p == instanceKey(goos, d) {
			return DefaultService
		}
	}
	sum := sha256.Sum256([]byte(p))
	return DefaultService + "-" + hex.EncodeToString(sum[:6])
}

// instanceKey is the form of a configuration path that names its instance:
// absolute and cleaned (by the running OS's rules), and lower-cased on
// Windows, where C:\Data and c:\data are the same file.
func instanceKey(goos, path string) string {
	if path == "" {
		return ""
	}
	p, err := filepath.Abs(path)
	if err != nil {
		p = filepath.Clean(path)
	}
	if goos == "windows" {
		p = strings.ToLower(p)
	}
	return p
}
