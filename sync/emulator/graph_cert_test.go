package emulator

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// graphTestKeys are generated once: RSA generation is slow under -race.
var graphTestKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	var ks []*rsa.PrivateKey
	for range 2 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks = append(ks, k)
	}
	return ks
})

func graphTestCert(t *testing.T, key *rsa.PrivateKey, nb, na time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "calsync test"},
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// graphSign builds and signs a JWT; the emulator's verification is checked
// against this independent signer.
func graphSign(t *testing.T, key *rsa.PrivateKey, alg string, hdr, claims map[string]any) string {
	t.Helper()
	hdr["alg"] = alg
	hj, _ := json.Marshal(hdr)
	cj, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(hj) + "." + base64.RawURLEncoding.EncodeToString(cj)
	d := sha256.Sum256([]byte(in))
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	default:
		sig, err = rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func graphX5t(c *x509.Certificate) (s1, s256 string) {
	a, b := sha1.Sum(c.Raw), sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(a[:]), base64.RawURLEncoding.EncodeToString(b[:])
}

func TestGraphCertificateAssertions(t *testing.T) {
	keys := graphTestKeys()
	now := graphT0
	type req struct {
		alg    string
		hdr    map[string]any
		claims map[string]any
		key    *rsa.PrivateKey
		form   func(url.Values)
	}
	cases := []struct {
		name   string
		expiry time.Time // of the uploaded certificate; zero = a year ahead
		upload bool
		mutate func(*req)
		status int
		oauth  string
		code   int // 0: success
		text   string
	}{
		{name: "PS256 with x5t#S256", upload: true},
		{name: "RS256", upload: true, mutate: func(r *req) { r.alg = "RS256" }},
		{name: "x5t only", upload: true, mutate: func(r *req) { delete(r.hdr, "x5t#S256") }},
		{name: "aud as issuer", upload: true, mutate: func(r *req) {
			r.claims["aud"] = strings.TrimSuffix(r.claims["aud"].(string), "/oauth2/v2.0/token") + "/v2.0"
		}},
		{name: "not uploaded", upload: false, status: 401, oauth: "invalid_client", code: 700027,
			text: "is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '"},
		{name: "signed by another key", upload: true, mutate: func(r *req) { r.key = keys[1] },
			status: 401, oauth: "invalid_client", code: 700027, text: "did not match the expected signature value"},
		{name: "expired certificate", upload: true, expiry: now.Add(-time.Hour), status: 401, oauth: "invalid_client",
			code: 7000274, text: "expired on"},
		{name: "wrong iss", upload: true, mutate: func(r *req) { r.claims["iss"] = "someone" },
			status: 401, oauth: "invalid_client", code: 700021, text: "doesn't match 'client_id'"},
		{name: "wrong sub", upload: true, mutate: func(r *req) { r.claims["sub"] = "someone" },
			status: 401, oauth: "invalid_client", code: 700021, text: "doesn't match 'client_id'"},
		{name: "wrong aud", upload: true, mutate: func(r *req) { r.claims["aud"] = "https://login.microsoftonline.com/other/oauth2/v2.0/token" },
			status: 401, oauth: "invalid_client", code: 700023, text: "audience claim does not match"},
		{name: "expired assertion", upload: true, mutate: func(r *req) {
			r.claims["nbf"], r.claims["exp"] = now.Add(-20*time.Minute).Unix(), now.Add(-10*time.Minute).Unix()
		}, status: 401, oauth: "invalid_client", code: 700024,
			text: "Client assertion is not within its valid time range. Current time: 2025-06-02T06:00:00.0000000Z, assertion valid from 2025-06-02T05:40:00.0000000Z"},
		{name: "assertion from the future", upload: true, mutate: func(r *req) {
			r.claims["nbf"], r.claims["exp"] = now.Add(time.Hour).Unix(), now.Add(time.Hour+5*time.Minute).Unix()
		}, status: 401, oauth: "invalid_client", code: 700024, text: "not within its valid time range"},
		{name: "lifetime over 10 minutes", upload: true, mutate: func(r *req) { r.claims["exp"] = now.Add(11 * time.Minute).Unix() },
			status: 401, oauth: "invalid_client", code: 700024, text: "not within its valid time range"},
		{name: "no exp", upload: true, mutate: func(r *req) { delete(r.claims, "exp") },
			status: 401, oauth: "invalid_client", code: 700024, text: "not within its valid time range"},
		{name: "unsupported alg", upload: true, mutate: func(r *req) { r.alg = "HS256" },
			status: 401, oauth: "invalid_client", code: 5002738, text: "'HS256' is not a supported signature algorithm"},
		{name: "malformed", upload: true, mutate: func(r *req) {
			r.form = func(v url.Values) { v.Set("client_assertion", "not.a-jwt") }
		}, status: 400, oauth: "invalid_request", code: 50027, text: "JWT token is invalid or malformed."},
		{name: "wrong assertion type", upload: true, mutate: func(r *req) {
			r.form = func(v url.Values) { v.Set("client_assertion_type", "jwt") }
		}, status: 400, oauth: "invalid_request", code: 50027, text: "client_assertion_type"},
		{name: "secret and assertion", upload: true, mutate: func(r *req) {
			r.form = func(v url.Values) { v.Set("client_secret", GraphDefaultClientSecret) }
		}, status: 400, oauth: "invalid_request", code: 90014, text: "Only one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := graphNewFixture(t, GraphOptions{})
			f.g.SetSecretExpired(true) // irrelevant to certificates
			expiry := tc.expiry
			if expiry.IsZero() {
				expiry = now.AddDate(1, 0, 0)
			}
			cert := graphTestCert(t, keys[0], now.AddDate(-1, 0, 0), expiry)
			if tc.upload {
				f.g.UploadCertificate(GraphDefaultTenantID, GraphDefaultClientID, cert)
			}
			s1, s256 := graphX5t(cert)
			r := req{alg: "PS256", key: keys[0],
				hdr: map[string]any{"typ": "JWT", "x5t": s1, "x5t#S256": s256},
				claims: map[string]any{"aud": f.url + "/" + GraphDefaultTenantID + "/oauth2/v2.0/token",
					"iss": GraphDefaultClientID, "sub": GraphDefaultClientID, "jti": "j-1",
					"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}}
			if tc.mutate != nil {
				tc.mutate(&r)
			}
			form := url.Values{
				"grant_type":            {"client_credentials"},
				"client_id":             {GraphDefaultClientID},
				"scope":                 {"https://graph.microsoft.com/.default"},
				"client_assertion_type": {GraphAssertionType},
				"client_assertion":      {graphSign(t, r.key, r.alg, r.hdr, r.claims)},
			}
			if r.form != nil {
				r.form(form)
			}
			status, body := f.token(GraphDefaultTenantID, form)
			if tc.code == 0 {
				if status != 200 || body["access_token"] == "" {
					t.Fatalf("got %d %v", status, body)
				}
				as := f.g.Assertions()
				if len(as) != 1 || as[0].Thumbprint != graphThumbprint(cert) || as[0].Jti != "j-1" || as[0].Alg != r.alg {
					t.Fatalf("assertions %+v", as)
				}
				return
			}
			desc, _ := body["error_description"].(string)
			if status != tc.status || body["error"] != tc.oauth || !strings.HasPrefix(desc, fmt.Sprintf("AADSTS%d: ", tc.code)) ||
				!strings.Contains(desc, tc.text) {
				t.Fatalf("got %d %v %q, want %d %s AADSTS%d %q", status, body["error"], desc, tc.status, tc.oauth, tc.code, tc.text)
			}
			if codes, _ := body["error_codes"].([]any); len(codes) != 1 || codes[0] != float64(tc.code) {
				t.Errorf("error_codes = %v", body["error_codes"])
			}
			if tc.code == 700027 && tc.text[0] == 'i' && !strings.Contains(desc, graphThumbprint(cert)) {
				t.Errorf("700027 does not name the thumbprint %s: %q", graphThumbprint(cert), desc)
			}
			if f.g.Stats().TokensIssued != 0 || len(f.g.Assertions()) != 0 {
				t.Error("a token was issued")
			}
		})
	}
}

func TestGraphCertificateRotation(t *testing.T) {
	keys := graphTestKeys()
	f := graphNewFixture(t, GraphOptions{})
	old := graphTestCert(t, keys[0], graphT0.AddDate(-1, 0, 0), graphT0.AddDate(1, 0, 0))
	nu := graphTestCert(t, keys[1], graphT0.AddDate(-1, 0, 0), graphT0.AddDate(2, 0, 0))
	f.g.UploadCertificate(GraphDefaultTenantID, GraphDefaultClientID, old)
	f.g.UploadCertificate(GraphDefaultTenantID, GraphDefaultClientID, nu)
	f.g.UploadCertificate(GraphDefaultTenantID, GraphDefaultClientID, nu) // idempotent
	try := func(key *rsa.PrivateKey, cert *x509.Certificate) int {
		s1, s256 := graphX5t(cert)
		a := graphSign(t, key, "PS256", map[string]any{"typ": "JWT", "x5t": s1, "x5t#S256": s256},
			map[string]any{"aud": f.url + "/" + GraphDefaultTenantID + "/oauth2/v2.0/token", "iss": GraphDefaultClientID,
				"sub": GraphDefaultClientID, "jti": "x", "nbf": graphT0.Unix(), "exp": graphT0.Add(5 * time.Minute).Unix()})
		status, _ := f.token(GraphDefaultTenantID, url.Values{"grant_type": {"client_credentials"}, "client_id": {GraphDefaultClientID},
			"scope": {"https://graph.microsoft.com/.default"}, "client_assertion_type": {GraphAssertionType}, "client_assertion": {a}})
		return status
	}
	if try(keys[0], old) != 200 || try(keys[1], nu) != 200 {
		t.Fatal("both uploaded certificates must work during a rotation")
	}
	f.g.RemoveCertificate(GraphDefaultTenantID, GraphDefaultClientID, strings.ToLower(graphThumbprint(old)))
	if try(keys[0], old) != 401 || try(keys[1], nu) != 200 {
		t.Fatal("after removing the old certificate only the new one works")
	}
}
