// Package certcred is the certificate credential calsync's Entra app signs
// in with, instead of a client secret: it makes an RSA 2048 key and a
// self-signed X.509 certificate, imports an existing pair (PEM or PKCS#12),
// computes the thumbprints Entra shows, encodes the key for the OS keychain
// and the certificate for upload (calsync-graph.cer), and signs the client
// assertion JWT sent with every token request.
//
// The private key never leaves this package except as KeySecret, the value
// stored in the keychain; no error or description here contains it.
package certcred

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Constants of the credential calsync makes.
const (
	// FileName is the certificate file kept beside the config and uploaded
	// to Entra ID (public, not secret).
	FileName = "calsync-graph.cer"
	// KeyBits is the RSA key size: Entra requires at least 2048, and a 2048
	// key stays well under the Windows Credential Manager blob limit.
	KeyBits = 2048
	// DefaultYears and MaxYears bound the validity of a new certificate;
	// a shorter life limits what a stolen key is worth.
	DefaultYears = 2
	MaxYears     = 3
	// SubjectPrefix is the start of the subject's common name, followed by
	// the connector's name.
	SubjectPrefix = "calsync "
	// backdate moves NotBefore back so a PC clock a little behind Entra's
	// does not make a fresh certificate "not yet valid".
	backdate = 10 * time.Minute
)

// Errors of import and parsing; each is wrapped with what was being read.
var (
	ErrWrongPassword  = errors.New("wrong password for the .pfx file")
	ErrNoKey          = errors.New("no private key found")
	ErrNoCertificate  = errors.New("no certificate found")
	ErrKeyMismatch    = errors.New("the private key does not match the certificate")
	ErrNotRSA         = errors.New("the key is not an RSA key (Entra certificate credentials need RSA)")
	ErrKeyTooSmall    = errors.New("the RSA key is smaller than 2048 bits, which Entra refuses")
	ErrExpired        = errors.New("the certificate has expired")
	ErrNotYetValid    = errors.New("the certificate is not valid yet")
	ErrEncryptedPEM   = errors.New("the PEM private key is encrypted; export the certificate and key as a .pfx with a password instead")
	ErrUnknownFormat  = errors.New("neither PEM nor PKCS#12 (.pfx)")
	ErrInvalidYears   = errors.New("invalid validity")
	ErrInvalidKeyData = errors.New("the stored private key is not readable")
)

// Credential is a certificate and its RSA private key. It is immutable once
// made; methods are safe for concurrent use.
type Credential struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// New makes an RSA 2048 key and a self-signed certificate for the connector
// called connectorName, valid from now for years (0 means DefaultYears; at
// most MaxYears).
func New(connectorName string, years int, now time.Time) (*Credential, error) {
	if years == 0 {
		years = DefaultYears
	}
	if years < 1 || years > MaxYears {
		return nil, fmt.Errorf("make certificate: %w: %d years; expected 1 to %d", ErrInvalidYears, years, MaxYears)
	}
	key, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("make certificate: generate RSA key: %w", err)
	}
	// A random 127-bit serial: RFC 5280 wants it positive and at most 20 bytes.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("make certificate: serial number: %w", err)
	}
	serial.Add(serial, big.NewInt(1))
	name := strings.TrimSpace(connectorName)
	if name == "" {
		name = "connector"
	}
	now = now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: SubjectPrefix + name},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(years, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("make certificate: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("make certificate: read back: %w", err)
	}
	return &Credential{cert: cert, key: key}, nil
}

// Certificate returns the X.509 certificate (public).
func (c *Credential) Certificate() *x509.Certificate { return c.cert }

// PublicKey returns the certificate's RSA public key.
func (c *Credential) PublicKey() *rsa.PublicKey { return &c.key.PublicKey }

// NotAfter is when the certificate expires.
func (c *Credential) NotAfter() time.Time { return c.cert.NotAfter }

// Thumbprint is the SHA-1 of the DER certificate in upper-case hex, as Entra
// ID shows it under Certificates & secrets.
func (c *Credential) Thumbprint() string { return Thumbprint(c.cert) }

// ThumbprintSHA256 is the SHA-256 of the DER certificate in upper-case hex.
func (c *Credential) ThumbprintSHA256() string { return ThumbprintSHA256(c.cert) }

// Thumbprint is cert's SHA-1 thumbprint in upper-case hex.
func Thumbprint(cert *x509.Certificate) string {
	s := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// ThumbprintSHA256 is cert's SHA-256 thumbprint in upper-case hex.
func ThumbprintSHA256(cert *x509.Certificate) string {
	s := sha256.Sum256(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// CertificatePEM is the certificate as one PEM block: the content of
// calsync-graph.cer, which Entra's "Upload certificate" accepts.
func (c *Credential) CertificatePEM() []byte { return CertificatePEM(c.cert) }

// CertificatePEM encodes cert as a PEM "CERTIFICATE" block.
func CertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// KeyPKCS8 is the private key as PKCS#8 DER.
func (c *Credential) KeyPKCS8() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return der, nil
}

// KeySecret is the value stored in the keychain: the PKCS#8 DER key in
// standard base64, one line of printable text as sync/secrets requires
// (about 1.6 KB for RSA 2048, under Windows' 2560-byte blob limit).
func (c *Credential) KeySecret() (string, error) {
	der, err := c.KeyPKCS8()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// ParseKeySecret reads a KeySecret value back into an RSA key. Errors never
// contain the value.
func ParseKeySecret(s string) (*rsa.PrivateKey, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("read private key from the keychain: %w: not base64", ErrInvalidKeyData)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("read private key from the keychain: %w: not PKCS#8", ErrInvalidKeyData)
	}
	return rsaKey(k)
}

// Load joins the certificate kept beside the config (PEM, as written by
// CertificatePEM) with the key from the keychain (KeySecret), checking that
// they belong together. Expiry is not checked here: an expired credential
// still loads, so `calsync cert show` and the token error can say so.
func Load(certPEM []byte, keySecret string) (*Credential, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load certificate credential: %w", err)
	}
	key, err := ParseKeySecret(keySecret)
	if err != nil {
		return nil, fmt.Errorf("load certificate credential: %w", err)
	}
	cred, err := pair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("load certificate credential: %w", err)
	}
	return cred, nil
}

// ParseCertificatePEM reads the first CERTIFICATE block of data.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, fmt.Errorf("read certificate: %w in the PEM data", ErrNoCertificate)
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		return cert, nil
	}
}

// pair checks that key is a usable RSA key for cert and returns them joined.
func pair(cert *x509.Certificate, key *rsa.PrivateKey) (*Credential, error) {
	if key.N.BitLen() < KeyBits {
		return nil, fmt.Errorf("%w (%d bits)", ErrKeyTooSmall, key.N.BitLen())
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate %s: %w", Thumbprint(cert), ErrNotRSA)
	}
	if !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("certificate %s: %w", Thumbprint(cert), ErrKeyMismatch)
	}
	return &Credential{cert: cert, key: key}, nil
}

func rsaKey(k any) (*rsa.PrivateKey, error) {
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w (found %s)", ErrNotRSA, keyType(k))
	}
	return rk, nil
}

func keyType(k any) string {
	switch k.(type) {
	case nil:
		return "no key"
	case *rsa.PrivateKey:
		return "RSA"
	}
	t := fmt.Sprintf("%T", k)
	switch {
	case strings.Contains(t, "ecdsa"):
		return "ECDSA"
	case strings.Contains(t, "ed25519"):
		return "Ed25519"
	}
	return t
}

// checkValidity refuses a certificate Entra would refuse at upload or use.
func checkValidity(cert *x509.Certificate, now time.Time) error {
	switch {
	case !now.Before(cert.NotAfter):
		return fmt.Errorf("certificate %s: %w on %s", Thumbprint(cert), ErrExpired, cert.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(cert.NotBefore):
		return fmt.Errorf("certificate %s: %w (valid from %s)", Thumbprint(cert), ErrNotYetValid, cert.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// looksPEM reports whether data is PEM text rather than DER (a .pfx).
func looksPEM(data []byte) bool {
	return bytes.Contains(data, []byte("-----BEGIN "))
}
