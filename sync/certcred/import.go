package certcred

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// MaxImportBytes bounds an imported file; a certificate with its key and a
// chain is a few KB. It is also what the local API carries
// (localapi.MaxCertificateImportBytes: base64 in a 1 MiB body), so the CLI,
// the window and the service accept the same files.
const MaxImportBytes = 512 << 10

// Import reads an existing certificate and key: PEM text holding both (the
// key as PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"), or a PKCS#12
// .pfx opened with password (ignored for PEM). The key must be RSA, at least
// 2048 bits, and match the certificate; the certificate must be valid at
// now. Errors wrap the Err values of this package and never contain the key
// or the password.
func Import(data []byte, password string, now time.Time) (*Credential, error) {
	if len(data) > MaxImportBytes {
		return nil, fmt.Errorf("import certificate: the file is %d bytes, more than a certificate and key (at most %d)", len(data), MaxImportBytes)
	}
	if looksPEM(data) {
		return ImportPEM(data, now)
	}
	return ImportPFX(data, password, now)
}

// ImportPEM reads a certificate and its key from PEM text. When the text
// holds several certificates (a chain), the one matching the key is used.
func ImportPEM(data []byte, now time.Time) (*Credential, error) {
	var certs []*x509.Certificate
	var key any
	keys := 0
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("import PEM: read certificate: %w", err)
			}
			certs = append(certs, c)
		case b.Type == "ENCRYPTED PRIVATE KEY" || (strings.HasSuffix(b.Type, "PRIVATE KEY") && b.Headers["Proc-Type"] != ""):
			return nil, fmt.Errorf("import PEM: %w", ErrEncryptedPEM)
		case b.Type == "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				// The parser's error never quotes key bytes.
				return nil, fmt.Errorf("import PEM: read PKCS#8 private key: %w", err)
			}
			key, keys = k, keys+1
		case b.Type == "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("import PEM: read PKCS#1 private key: %w", err)
			}
			key, keys = k, keys+1
		case strings.HasSuffix(b.Type, "PRIVATE KEY"): // EC, DSA, OPENSSH ...
			return nil, fmt.Errorf("import PEM: %w (found %q)", ErrNotRSA, b.Type)
		}
	}
	switch {
	case len(certs) == 0 && keys == 0:
		return nil, fmt.Errorf("import PEM: %w and %w in the file", ErrNoCertificate, ErrNoKey)
	case len(certs) == 0:
		return nil, fmt.Errorf("import PEM: %w in the file (it holds only a key)", ErrNoCertificate)
	case keys == 0:
		return nil, fmt.Errorf("import PEM: %w in the file (it holds only certificates); put the key in the same file or use a .pfx", ErrNoKey)
	case keys > 1:
		return nil, errors.New("import PEM: the file holds more than one private key; keep only the one of the certificate")
	}
	return choose(certs, key, now, "import PEM")
}

// ImportPFX reads a PKCS#12 file (.pfx, .p12) protected by password.
func ImportPFX(data []byte, password string, now time.Time) (*Credential, error) {
	key, cert, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
			return nil, fmt.Errorf("import .pfx: %w", ErrWrongPassword)
		case strings.Contains(err.Error(), "private key missing"):
			return nil, fmt.Errorf("import .pfx: %w in the file; export it again with the private key", ErrNoKey)
		case strings.Contains(err.Error(), "certificate missing"):
			return nil, fmt.Errorf("import .pfx: %w in the file", ErrNoCertificate)
		case strings.Contains(err.Error(), "unknown private key type"):
			return nil, fmt.Errorf("import .pfx: %w", ErrNotRSA)
		case strings.Contains(err.Error(), "error reading P12 data"):
			// The parser's ASN.1 detail says nothing to an admin.
			return nil, fmt.Errorf("import: the file is %w; expected PEM text holding the certificate and its private key, or a .pfx/.p12 file", ErrUnknownFormat)
		}
		return nil, fmt.Errorf("import .pfx: %w", err)
	}
	return choose(append([]*x509.Certificate{cert}, chain...), key, now, "import .pfx")
}

// choose pairs key with the certificate that carries its public key.
func choose(certs []*x509.Certificate, key any, now time.Time, doing string) (*Credential, error) {
	rk, err := rsaKey(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	var match *x509.Certificate
	for _, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(&rk.PublicKey) {
			match = c
			break
		}
	}
	if match == nil {
		if len(certs) == 1 {
			if _, ok := certs[0].PublicKey.(*rsa.PublicKey); !ok {
				return nil, fmt.Errorf("%s: certificate %s: %w", doing, Thumbprint(certs[0]), ErrNotRSA)
			}
		}
		return nil, fmt.Errorf("%s: %w", doing, ErrKeyMismatch)
	}
	cred, err := pair(match, rk)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	if err := checkValidity(match, now); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	return cred, nil
}
