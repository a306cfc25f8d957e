package certcred

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/calsync/calsync/sync/expiry"
)

// Info describes a certificate without its key, for `calsync cert new
// --json` and `calsync cert show --json`.
type Info struct {
	File             string `json:"file,omitempty"`
	Subject          string `json:"subject"`
	Thumbprint       string `json:"thumbprint"`       // SHA-1, upper-case hex, as Entra shows it
	ThumbprintSHA256 string `json:"thumbprintSHA256"` // upper-case hex
	NotBefore        string `json:"notBefore"`        // RFC 3339, UTC
	NotAfter         string `json:"notAfter"`         // RFC 3339, UTC
	// DaysLeft is set by WithDaysLeft (cert show): whole days until
	// NotAfter, rounded up, negative once expired.
	DaysLeft *int `json:"daysLeft,omitempty"`
}

// Describe returns cert's Info; file is where the certificate is kept ("" to omit).
func Describe(cert *x509.Certificate, file string) Info {
	return Info{
		File:             file,
		Subject:          cert.Subject.String(),
		Thumbprint:       Thumbprint(cert),
		ThumbprintSHA256: ThumbprintSHA256(cert),
		NotBefore:        cert.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:         cert.NotAfter.UTC().Format(time.RFC3339),
	}
}

// Info describes the credential's certificate.
func (c *Credential) Info(file string) Info { return Describe(c.cert, file) }

// WithDaysLeft returns i with DaysLeft counted from now.
func (i Info) WithDaysLeft(now time.Time) Info {
	t, err := time.Parse(time.RFC3339, i.NotAfter)
	if err != nil {
		return i
	}
	d := daysLeft(t, now)
	i.DaysLeft = &d
	return i
}

func daysLeft(notAfter, now time.Time) int { return expiry.DaysLeft(notAfter, now) }

// WarnDays is how long before expiry ExpiryWarning speaks, as for secrets.
const WarnDays = expiry.WarnDays

// ExpiryWarning returns a warning when the certificate expires within
// WarnDays of now or has expired, naming the date and what to do; otherwise
// "". It feeds the same places as the client secret's expiry warning.
func ExpiryWarning(notAfter, now time.Time) string {
	return expiry.Credential{
		What: "The certificate credential",
		Expired: "run `calsync cert new` and upload the new " + FileName +
			" in Entra ID (App registrations > your app > Certificates & secrets > Certificates)",
		Soon: "run `calsync cert new` and upload the new " + FileName + " in Entra ID before then",
	}.Warning(notAfter, now)
}

// UploadSteps is what to do after `calsync cert new` or an import: where to
// upload the certificate file in Entra ID, and how to recognise it there.
func UploadSteps(path, thumbprint string) string {
	return fmt.Sprintf("Upload %s in Entra ID > App registrations > your app > Certificates & secrets > "+
		"Certificates > Upload certificate. Entra then lists it with the thumbprint %s. "+
		"Entra can take a few minutes to accept a certificate just uploaded.", path, thumbprint)
}
