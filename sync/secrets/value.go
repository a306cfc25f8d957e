package secrets

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxInputBytes bounds what calsync accepts as a secret where the OS store
// itself sets no useful limit (the Secret Service), and what ReadValue reads.
const MaxInputBytes = 64 << 10

var (
	// ErrTooBig means a value exceeds what the OS keychain can hold.
	ErrTooBig = errors.New("secret value too large")
	// ErrInvalidValue means a value is empty, contains control characters or
	// is not valid UTF-8.
	ErrInvalidValue = errors.New("invalid secret value")
)

// MaxSecretBytes is the largest value, in bytes, Set accepts on goos (a
// runtime.GOOS value).
//
// What is counted: the UTF-8 bytes of the value after NormalizeValue, before
// any encoding go-keyring applies. On Windows go-keyring stores those bytes
// as the credential blob unchanged and Credential Manager holds at most 2560.
// On macOS go-keyring base64-encodes the value (adding 18 bytes of prefix)
// into a `security -i` command line that must stay within 4096 bytes together
// with the service and user names; 3000 bytes of value fit with the "calsync"
// service and calsync's user keys (3012 would be the exact edge), so the
// limit is 3000. A much longer custom service name can still be refused by
// go-keyring, which Set reports as ErrTooBig. Elsewhere (Secret Service)
// there is no hard limit and MaxInputBytes applies.
func MaxSecretBytes(goos string) int {
	switch goos {
	case "windows":
		return 2560
	case "darwin", "ios":
		return 3000
	}
	return MaxInputBytes
}

// limitHolder names who sets goos's limit, for messages.
func limitHolder(goos string) string {
	switch goos {
	case "windows":
		return "Windows Credential Manager holds"
	case "darwin", "ios":
		return "the macOS Keychain holds"
	}
	return "calsync accepts"
}

// NormalizeValue returns value as Set would store it on goos: one trailing
// newline (LF or CRLF) dropped, then surrounding spaces and tabs; or an error
// wrapping ErrInvalidValue (empty, control characters, invalid UTF-8) or
// ErrTooBig. The error never contains the value.
func NormalizeValue(value, goos string) (string, error) {
	v := value
	if strings.HasSuffix(v, "\r\n") {
		v = v[:len(v)-2]
	} else if strings.HasSuffix(v, "\n") {
		v = v[:len(v)-1]
	}
	v = strings.Trim(v, " \t")
	if v == "" {
		return "", fmt.Errorf("%w: the value is empty", ErrInvalidValue)
	}
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%w: the value is not valid UTF-8 text", ErrInvalidValue)
	}
	for i, r := range v {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("%w: the value contains a control character (%U) at byte %d; a secret is one line of printable text",
				ErrInvalidValue, r, i)
		}
	}
	if limit := MaxSecretBytes(goos); len(v) > limit {
		return "", fmt.Errorf("%w: the value is %d bytes; %s at most %d bytes", ErrTooBig, len(v), limitHolder(goos), limit)
	}
	return v, nil
}
