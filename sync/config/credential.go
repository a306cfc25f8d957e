package config

import "fmt"

// The values of connector.credential: how the Entra app signs in.
const (
	// CredentialSecret is a client secret in the keychain (secrets.Graph);
	// the default, also when the field is empty.
	CredentialSecret = "secret"
	// CredentialCertificate is a certificate whose private key is in the
	// keychain (secrets.GraphCertificateKey) and whose public part is
	// CertificateFileName beside the config.
	CredentialCertificate = "certificate"
)

// CertificateFileName is the public certificate of the certificate
// credential, kept next to the config file (SiblingPath) so its thumbprint
// and expiry can be shown without opening the keychain. It is the file
// uploaded to Entra ID.
const CertificateFileName = "calsync-graph.cer"

// UsesCertificate reports whether the connector signs in with a certificate.
func (k Connector) UsesCertificate() bool { return k.Credential == CredentialCertificate }

// CredentialKind is connector.credential with the default filled in.
func (k Connector) CredentialKind() string {
	if k.Credential == "" {
		return CredentialSecret
	}
	return k.Credential
}

// checkCredential returns what is wrong with a connector.credential value,
// or "". Values are exact (lower case), as the other enumerations.
func checkCredential(s string) string {
	switch s {
	case "", CredentialSecret, CredentialCertificate:
		return ""
	}
	return fmt.Sprintf("%q is not a credential kind; expected %q or %q", s, CredentialSecret, CredentialCertificate)
}
