package certcred

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// shared caches one generated credential: RSA generation costs ~100 ms and
// more under -race.
var shared = sync.OnceValues(func() (*Credential, error) { return New("Office Rome", 0, t0) })

func sharedCred(t testing.TB) *Credential {
	t.Helper()
	c, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewCertificate(t *testing.T) {
	c := sharedCred(t)
	cert := c.Certificate()
	if got, want := cert.Subject.CommonName, "calsync Office Rome"; got != want {
		t.Errorf("CN = %q, want %q", got, want)
	}
	if cert.Issuer.String() != cert.Subject.String() {
		t.Errorf("issuer %q != subject %q (not self-signed)", cert.Issuer, cert.Subject)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("self-signature: %v", err)
	}
	if got := c.PublicKey().N.BitLen(); got != 2048 {
		t.Errorf("key bits = %d", got)
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("key usage = %v", cert.KeyUsage)
	}
	if want := t0.AddDate(2, 0, 0); !cert.NotAfter.Equal(want) {
		t.Errorf("NotAfter = %v, want %v", cert.NotAfter, want)
	}
	if !cert.NotBefore.Before(t0) {
		t.Errorf("NotBefore %v not before now", cert.NotBefore)
	}
	if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() < 64 {
		t.Errorf("serial %v is not a large positive random number", cert.SerialNumber)
	}
	// Thumbprints as Entra and certutil compute them.
	s1 := sha1.Sum(cert.Raw)
	if got, want := c.Thumbprint(), strings.ToUpper(hex.EncodeToString(s1[:])); got != want || len(got) != 40 {
		t.Errorf("thumbprint %q, want %q", got, want)
	}
	s256 := sha256.Sum256(cert.Raw)
	if got, want := c.ThumbprintSHA256(), strings.ToUpper(hex.EncodeToString(s256[:])); got != want {
		t.Errorf("SHA-256 thumbprint %q, want %q", got, want)
	}
	// The .cer content parses back to the same certificate.
	back, err := ParseCertificatePEM(c.CertificatePEM())
	if err != nil || !back.Equal(cert) {
		t.Fatalf("PEM round trip: %v", err)
	}
	if !strings.HasPrefix(string(c.CertificatePEM()), "-----BEGIN CERTIFICATE-----\n") {
		t.Errorf("PEM: %q", c.CertificatePEM()[:30])
	}
}

func TestNewYears(t *testing.T) {
	for _, tc := range []struct {
		years int
		ok    bool
	}{{-1, false}, {4, false}, {10, false}, {1, true}, {3, true}} {
		c, err := New("x", tc.years, t0)
		if tc.ok != (err == nil) {
			t.Errorf("years %d: err %v", tc.years, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidYears) || !strings.Contains(err.Error(), "1 to 3") {
				t.Errorf("years %d: %v", tc.years, err)
			}
			continue
		}
		if want := t0.AddDate(tc.years, 0, 0); !c.NotAfter().Equal(want) {
			t.Errorf("years %d: NotAfter %v", tc.years, c.NotAfter())
		}
	}
}

// TestStoredKeySize: the keychain value of an RSA 2048 key fits Windows
// Credential Manager's 2560-byte blob (go-keyring stores the string's bytes
// unchanged there) and the macOS limit sync/secrets applies (3000).
func TestStoredKeySize(t *testing.T) {
	maxLen := 0
	for i := range 3 {
		c := sharedCred(t)
		if i > 0 {
			var err error
			if c, err = New("size", 1, t0); err != nil {
				t.Fatal(err)
			}
		}
		der, err := c.KeyPKCS8()
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.KeySecret()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("PKCS#8 DER %d bytes, stored (base64) %d bytes", len(der), len(s))
		maxLen = max(maxLen, len(s))
		for _, r := range s {
			if r < 0x21 || r > 0x7e {
				t.Fatalf("stored value has a non-printable character %U", r)
			}
		}
		k, err := ParseKeySecret(s)
		if err != nil || !k.Equal(c.key) {
			t.Fatalf("ParseKeySecret round trip: %v", err)
		}
	}
	if maxLen > 2560 {
		t.Errorf("stored key %d bytes exceeds Windows Credential Manager's 2560", maxLen)
	}
}

func TestLoad(t *testing.T) {
	c := sharedCred(t)
	ks, _ := c.KeySecret()
	got, err := Load(c.CertificatePEM(), ks)
	if err != nil || got.Thumbprint() != c.Thumbprint() {
		t.Fatalf("Load: %v", err)
	}
	other, err := New("other", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	oks, _ := other.KeySecret()
	for _, tc := range []struct {
		name    string
		pem     []byte
		key     string
		want    error
		wantErr string
	}{
		{"mismatch", c.CertificatePEM(), oks, ErrKeyMismatch, ""},
		{"no cert", []byte("hello"), ks, ErrNoCertificate, ""},
		{"bad base64", c.CertificatePEM(), "!!!", ErrInvalidKeyData, ""},
		{"not pkcs8", c.CertificatePEM(), base64.StdEncoding.EncodeToString([]byte("junk")), ErrInvalidKeyData, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.pem, tc.key)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), ks) || strings.Contains(err.Error(), oks) {
				t.Fatal("error contains the key")
			}
		})
	}
}

// verifyPS256 is an independent check of a JWT's signature.
func verifyPS256(t *testing.T, jwt string, pub *rsa.PublicKey) (AssertionHeader, AssertionClaims) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var h AssertionHeader
	var c AssertionClaims
	for i, v := range []any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	return h, c
}

func TestAssertion(t *testing.T) {
	c := sharedCred(t)
	const client = "11111111-2222-3333-4444-555555555555"
	const aud = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
	a1, err := c.Assertion(client, aud, t0)
	if err != nil {
		t.Fatal(err)
	}
	h, cl := verifyPS256(t, a1, c.PublicKey())
	s1 := sha1.Sum(c.cert.Raw)
	s256 := sha256.Sum256(c.cert.Raw)
	if h.Alg != "PS256" || h.Typ != "JWT" ||
		h.X5tS256 != base64.RawURLEncoding.EncodeToString(s256[:]) ||
		h.X5t != base64.RawURLEncoding.EncodeToString(s1[:]) {
		t.Errorf("header %+v", h)
	}
	if cl.Aud != aud || cl.Iss != client || cl.Sub != client {
		t.Errorf("claims %+v", cl)
	}
	if cl.Nbf != t0.Unix() || cl.Iat != t0.Unix() || cl.Exp-cl.Nbf > 600 || cl.Exp <= cl.Nbf {
		t.Errorf("times nbf %d iat %d exp %d", cl.Nbf, cl.Iat, cl.Exp)
	}
	if len(cl.Jti) != 36 {
		t.Errorf("jti %q", cl.Jti)
	}
	a2, _ := c.Assertion(client, aud, t0)
	_, cl2 := verifyPS256(t, a2, c.PublicKey())
	if cl2.Jti == cl.Jti || a1 == a2 {
		t.Error("two assertions share a jti")
	}
	if _, err := c.Assertion("", aud, t0); err == nil {
		t.Error("empty client ID accepted")
	}
}

func TestExpiryWarningAndInfo(t *testing.T) {
	na := t0.AddDate(0, 0, 20)
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{t0, "in 20 days"},
		{na.Add(-time.Hour), "in 1 day"},
		{na, "expired on"},
		{t0.AddDate(0, 0, -20), ""},
	} {
		got := ExpiryWarning(na, tc.now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("now %v: %q, want %q", tc.now, got, tc.want)
		}
	}
	if ExpiryWarning(time.Time{}, t0) != "" {
		t.Error("zero notAfter warns")
	}
	c := sharedCred(t)
	info := c.Info("/cfg/" + FileName).WithDaysLeft(t0)
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"file", "thumbprint", "thumbprintSHA256", "notAfter", "daysLeft"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["notAfter"] != "2028-12-06T10:00:00Z" || m["daysLeft"] != float64(731) {
		t.Errorf("JSON %s", b)
	}
	if _, ok := m["daysLeft"]; ok {
		plain, _ := json.Marshal(c.Info(""))
		if strings.Contains(string(plain), "daysLeft") || strings.Contains(string(plain), `"file"`) {
			t.Errorf("cert new JSON %s", plain)
		}
	}
}

// keyPEM encodes a key as PKCS#8 PEM.
func keyPEM(t testing.TB, k any) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// selfSigned makes a certificate for pub signed by priv, valid [nb, na).
func selfSigned(t testing.TB, pub, priv any, nb, na time.Time) *x509.Certificate {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test"},
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestImport(t *testing.T) {
	c := sharedCred(t)
	other, err := New("other", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := c.CertificatePEM()
	kPEM := keyPEM(t, c.key)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(c.key)})
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecCert := selfSigned(t, &ec.PublicKey, ec, t0.Add(-time.Hour), t0.AddDate(1, 0, 0))
	expired := selfSigned(t, &c.key.PublicKey, c.key, t0.AddDate(-2, 0, 0), t0.AddDate(0, 0, -1))
	future := selfSigned(t, &c.key.PublicKey, c.key, t0.AddDate(0, 0, 1), t0.AddDate(1, 0, 0))
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallCert := selfSigned(t, &small.PublicKey, small, t0.Add(-time.Hour), t0.AddDate(1, 0, 0))
	pfx := func(key any, cert *x509.Certificate, chain []*x509.Certificate, pw string) []byte {
		b, err := pkcs12.Modern.Encode(key, cert, chain, pw)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	join := func(bs ...[]byte) []byte {
		return []byte(strings.Join(func() []string {
			var s []string
			for _, b := range bs {
				s = append(s, string(b))
			}
			return s
		}(), ""))
	}
	encrypted := []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")

	for _, tc := range []struct {
		name string
		data []byte
		pw   string
		want error // nil: success with c's thumbprint
	}{
		{"pem cert then key", join(certPEM, kPEM), "", nil},
		{"pem key then cert", join(kPEM, certPEM), "", nil},
		{"pem pkcs1 key", join(certPEM, pkcs1), "", nil},
		{"pem chain picks the matching cert", join(other.CertificatePEM(), certPEM, kPEM), "", nil},
		{"pem only cert", certPEM, "", ErrNoKey},
		{"pem only key", kPEM, "", ErrNoCertificate},
		{"pem mismatch", join(other.CertificatePEM(), kPEM), "", ErrKeyMismatch},
		{"pem ec key", join(ecCert.Raw[:0], CertificatePEM(ecCert), keyPEM(t, ec)), "", ErrNotRSA},
		{"pem ec cert rsa key", join(CertificatePEM(ecCert), kPEM), "", ErrNotRSA},
		{"pem expired", join(CertificatePEM(expired), kPEM), "", ErrExpired},
		{"pem not yet valid", join(CertificatePEM(future), kPEM), "", ErrNotYetValid},
		{"pem small key", join(CertificatePEM(smallCert), keyPEM(t, small)), "", ErrKeyTooSmall},
		{"pem encrypted", join(certPEM, encrypted), "", ErrEncryptedPEM},
		{"pfx", pfx(c.key, c.cert, nil, "pässword"), "pässword", nil},
		{"pfx with chain", pfx(c.key, c.cert, []*x509.Certificate{other.cert}, "pw"), "pw", nil},
		{"pfx wrong password", pfx(c.key, c.cert, nil, "Zq9-right"), "Zq9-wrong", ErrWrongPassword},
		{"pfx mismatch", pfx(c.key, other.cert, nil, "pw"), "pw", ErrKeyMismatch},
		{"pfx expired", pfx(c.key, expired, nil, "pw"), "pw", ErrExpired},
		{"pfx ec", pfx(ec, ecCert, nil, "pw"), "pw", ErrNotRSA},
		{"garbage", []byte{0x30, 0x03, 1, 2, 3}, "", ErrUnknownFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Import(tc.data, tc.pw, t0)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.Thumbprint() != c.Thumbprint() {
					t.Fatalf("imported %s, want %s", got.Thumbprint(), c.Thumbprint())
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			ks, _ := c.KeySecret()
			if tc.pw != "" && strings.Contains(err.Error(), tc.pw) || strings.Contains(err.Error(), ks) ||
				strings.Contains(err.Error(), "MII") {
				t.Fatalf("error leaks the password or key: %v", err)
			}
		})
	}
	if _, err := Import(make([]byte, MaxImportBytes+1), "", t0); err == nil {
		t.Error("huge file accepted")
	}
}

func TestUploadSteps(t *testing.T) {
	got := UploadSteps("/cfg/calsync-graph.cer", "0A1B")
	for _, want := range []string{"/cfg/calsync-graph.cer", "Certificates & secrets > Certificates > Upload certificate", "0A1B"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}
