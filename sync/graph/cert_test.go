package graph_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/graph"
)

// Credentials are made once: RSA generation is slow under -race.
var (
	validCred = sync.OnceValues(func() (*certcred.Credential, error) { return certcred.New("Office", 2, t0) })
	// expiredCred ran from three years to one year before t0.
	expiredCred = sync.OnceValues(func() (*certcred.Credential, error) { return certcred.New("Old", 2, t0.AddDate(-3, 0, 0)) })
)

func cred(t *testing.T, f func() (*certcred.Credential, error)) *certcred.Credential {
	t.Helper()
	c, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// formRecorder keeps every token request's form, to check what was sent.
type formRecorder struct {
	mu    sync.Mutex
	forms []url.Values
}

func (f *formRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		v, _ := url.ParseQuery(string(b))
		f.mu.Lock()
		f.forms = append(f.forms, v)
		f.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (f *formRecorder) all() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

// withCertificate switches the client to the certificate credential, and
// records its token requests.
func withCertificate(c *certcred.Credential, rec *formRecorder) envOpt {
	return func(_ *emulator.GraphOptions, co *graph.Options) {
		co.ClientSecret = ""
		co.Certificate = c
		co.HTTPClient = &http.Client{Transport: rec}
	}
}

func TestCertificateCredentialObtainsTokens(t *testing.T) {
	c := cred(t, validCred)
	rec := &formRecorder{}
	e := newEnv(t, withCertificate(c, rec))
	e.emu.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, c.Certificate())
	e.emu.SetSecretExpired(true) // the secret plays no part
	e.emu.SetCalendar("anna@contoso.com", []calendar.Event{busy(t0.Add(time.Hour), time.Hour, "Review")})

	got, err := e.client.GetSchedules(context.Background(), []string{"anna@contoso.com"}, t0, t0.Add(8*time.Hour))
	if err != nil || got[0].Err != nil || len(got[0].Events) != 1 {
		t.Fatalf("GetSchedules: %v %+v", err, got)
	}
	// An hour later the token is replaced with a second, fresh assertion.
	e.clock.Advance(time.Hour)
	if err := e.client.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	forms := rec.all()
	if len(forms) != 2 {
		t.Fatalf("%d token requests, want 2", len(forms))
	}
	tokenURL := e.url + "/" + emulator.GraphDefaultTenantID + "/oauth2/v2.0/token"
	seen := map[string]bool{}
	for i, f := range forms {
		if f.Has("client_secret") {
			t.Errorf("request %d sent a client_secret", i)
		}
		if f.Get("client_assertion_type") != certcred.AssertionType || f.Get("client_id") != emulator.GraphDefaultClientID {
			t.Errorf("request %d form %v", i, f)
		}
		h, cl := verifyAssertion(t, f.Get("client_assertion"), c.PublicKey())
		if h["alg"] != "PS256" || h["typ"] != "JWT" || h["x5t#S256"] == nil || h["x5t"] == nil {
			t.Errorf("header %v", h)
		}
		if cl.Aud != tokenURL || cl.Iss != emulator.GraphDefaultClientID || cl.Sub != cl.Iss {
			t.Errorf("claims %+v, want aud %s", cl, tokenURL)
		}
		want := t0.Add(time.Duration(i) * time.Hour).Unix()
		if cl.Nbf != want || cl.Iat != want || cl.Exp-cl.Nbf != 600 {
			t.Errorf("request %d times nbf %d iat %d exp %d, want nbf %d", i, cl.Nbf, cl.Iat, cl.Exp, want)
		}
		if seen[cl.Jti] {
			t.Errorf("jti %s reused", cl.Jti)
		}
		seen[cl.Jti] = true
	}
	if as := e.emu.Assertions(); len(as) != 2 || as[0].Thumbprint != c.Thumbprint() || as[1].Jti == as[0].Jti {
		t.Errorf("emulator accepted %+v", as)
	}
	assertNoKey(t, c, e.logs.String())
}

type assertionClaims struct {
	Aud, Iss, Sub, Jti string
	Nbf, Iat, Exp      int64
}

// verifyAssertion checks a PS256 JWT with the certificate's public key,
// independently of certcred's signer.
func verifyAssertion(t *testing.T, jwt string, pub *rsa.PublicKey) (map[string]any, assertionClaims) {
	t.Helper()
	p := strings.Split(jwt, ".")
	if len(p) != 3 {
		t.Fatalf("assertion %d parts", len(p))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(p[2])
	d := sha256.Sum256([]byte(p[0] + "." + p[1]))
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, nil); err != nil {
		t.Fatalf("assertion signature: %v", err)
	}
	var h map[string]any
	var c assertionClaims
	hb, _ := base64.RawURLEncoding.DecodeString(p[0])
	cb, _ := base64.RawURLEncoding.DecodeString(p[1])
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		t.Fatal("assertion JSON")
	}
	return h, c
}

// assertNoKey fails if any form of c's private key is in text.
func assertNoKey(t *testing.T, c *certcred.Credential, texts ...string) {
	t.Helper()
	ks, err := c.KeySecret()
	if err != nil {
		t.Fatal(err)
	}
	der, _ := c.KeyPKCS8()
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	forbidden := []string{ks, ks[200:260], keyPEM[40:100], base64.RawURLEncoding.EncodeToString(der)[100:160]}
	for _, text := range texts {
		for _, f := range forbidden {
			if strings.Contains(text, f) {
				t.Fatalf("private key material found in %q", text)
			}
		}
	}
}

func TestCertificateErrorsMapToRemedies(t *testing.T) {
	cases := []struct {
		name      string
		cred      func() (*certcred.Credential, error)
		upload    bool
		clientAt  time.Time // the PC's clock; zero: the emulator's
		kind      graph.Kind
		code      string
		remedyHas []string
	}{
		{name: "not uploaded", cred: validCred, kind: graph.KindCertificateNotRegistered, code: "AADSTS700027",
			remedyHas: []string{"upload calsync-graph.cer (thumbprint ", "Upload certificate"}},
		{name: "PC clock an hour fast", cred: validCred, upload: true, clientAt: t0.Add(time.Hour),
			kind: graph.KindAssertionTime, code: "AADSTS700024", remedyHas: []string{"clock"}},
		{name: "PC clock an hour slow", cred: validCred, upload: true, clientAt: t0.Add(-time.Hour),
			kind: graph.KindAssertionTime, code: "AADSTS700024", remedyHas: []string{"clock"}},
		{name: "expired certificate", cred: expiredCred, upload: true, kind: graph.KindCertificateExpired, code: "AADSTS7000274",
			remedyHas: []string{"has expired", "calsync cert new"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cred(t, tc.cred)
			rec := &formRecorder{}
			opts := []envOpt{withCertificate(c, rec)}
			if !tc.clientAt.IsZero() {
				opts = append(opts, func(_ *emulator.GraphOptions, co *graph.Options) {
					pc := clock.NewFake(tc.clientAt)
					co.Clock, co.Retry.Clock = pc, pc
				})
			}
			e := newEnv(t, opts...)
			if tc.upload {
				e.emu.UploadCertificate(emulator.GraphDefaultTenantID, emulator.GraphDefaultClientID, c.Certificate())
			}
			_, err := e.client.GetSchedules(context.Background(), mailboxes(3), t0, t0.Add(time.Hour))
			ge := asGraphError(t, err)
			if ge.Kind != tc.kind || ge.Code != tc.code || ge.Status != 401 {
				t.Fatalf("got %v %q %d (%v); want %v %q", ge.Kind, ge.Code, ge.Status, ge, tc.kind, tc.code)
			}
			for _, s := range append(tc.remedyHas, c.Thumbprint()) {
				if s == c.Thumbprint() && tc.kind == graph.KindAssertionTime {
					continue
				}
				if !strings.Contains(ge.Remedy, s) {
					t.Errorf("remedy %q lacks %q", ge.Remedy, s)
				}
			}
			if st := e.emu.Stats(); st.TokenRequests != 1 || st.ScheduleRequests != 0 {
				t.Errorf("a certificate error cost %d token and %d schedule requests; it is final", st.TokenRequests, st.ScheduleRequests)
			}
			var texts []string
			texts = append(texts, ge.Error(), ge.Remedy, e.logs.String())
			assertNoKey(t, c, texts...)
			for _, f := range rec.all() {
				a := f.Get("client_assertion")
				for _, text := range texts {
					if a == "" || strings.Contains(text, a[len(a)-40:]) {
						t.Errorf("the assertion is in %q", text)
					}
				}
			}
		})
	}
}

func TestCertificateOptions(t *testing.T) {
	c := cred(t, validCred)
	base := graph.Options{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		SyncUser: emulator.GraphDefaultSyncUser}
	o := base
	o.Certificate = c
	if _, err := graph.New(o); err != nil {
		t.Errorf("certificate without secret: %v", err)
	}
	if cl, err := graph.New(o); err != nil || cl.CredentialInUse() != "certificate "+c.Thumbprint() {
		t.Errorf("credential in use: %v", err)
	}
	o.ClientSecret = "s3cret~value"
	if _, err := graph.New(o); err == nil || !strings.Contains(err.Error(), "connector.credential") {
		t.Errorf("secret and certificate: %v", err)
	}
	if _, err := graph.New(base); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Errorf("neither: %v", err)
	}
	base.ClientSecret = "s3cret~value"
	if cl, err := graph.New(base); err != nil || cl.CredentialInUse() != "client secret" {
		t.Errorf("secret in use: %v", err)
	}
}

// A secret client sends no assertion: the two credentials do not mix.
func TestSecretCredentialSendsNoAssertion(t *testing.T) {
	rec := &formRecorder{}
	e := newEnv(t, func(_ *emulator.GraphOptions, co *graph.Options) { co.HTTPClient = &http.Client{Transport: rec} })
	if err := e.client.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := rec.all()
	if len(f) != 1 || f[0].Get("client_secret") != emulator.GraphDefaultClientSecret || f[0].Has("client_assertion") ||
		f[0].Has("client_assertion_type") {
		t.Fatalf("forms %v", f)
	}
}
