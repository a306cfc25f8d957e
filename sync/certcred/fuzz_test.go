package certcred

import (
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// FuzzImport: any bytes and password give a credential or an error, never
// a panic, and an error never repeats the password.
func FuzzImport(f *testing.F) {
	c := sharedCred(f)
	kp := keyPEM(f, c.key)
	f.Add(append(c.CertificatePEM(), kp...), "")
	f.Add(c.CertificatePEM(), "")
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), "")
	if b, err := pkcs12.Modern.Encode(c.key, c.cert, nil, "pw"); err == nil {
		f.Add(b, "pw")
		f.Add(b[:len(b)/2], "pw")
	}
	f.Add([]byte{0x30, 0x80}, "x")
	f.Fuzz(func(t *testing.T, data []byte, pw string) {
		cred, err := Import(data, pw, t0)
		if err == nil {
			if cred.Certificate() == nil || cred.PublicKey() == nil {
				t.Fatal("nil credential without error")
			}
			return
		}
		if len(pw) >= 6 && strings.Contains(err.Error(), pw) {
			t.Fatalf("error repeats the password: %v", err)
		}
	})
}

// FuzzParseKeySecret: a damaged keychain value is an error, never a panic.
func FuzzParseKeySecret(f *testing.F) {
	ks, _ := sharedCred(f).KeySecret()
	f.Add(ks)
	f.Add(ks[:100])
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseKeySecret(s)
	})
}

// FuzzParseCertificatePEM: any bytes give a certificate or an error.
func FuzzParseCertificatePEM(f *testing.F) {
	f.Add(sharedCred(f).CertificatePEM())
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseCertificatePEM(b)
	})
}
