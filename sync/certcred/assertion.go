package certcred

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AssertionType is the client_assertion_type of a JWT client assertion.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// AssertionLifetime is how long an assertion is valid; Entra accepts at most
// 10 minutes, and each token request gets a fresh one anyway.
const AssertionLifetime = 10 * time.Minute

// AssertionHeader is the JOSE header of a client assertion.
type AssertionHeader struct {
	Alg     string `json:"alg"`
	Typ     string `json:"typ"`
	X5tS256 string `json:"x5t#S256"`
	X5t     string `json:"x5t,omitempty"`
	KeyID   string `json:"kid,omitempty"`
}

// AssertionClaims are the claims of a client assertion (times in Unix seconds).
type AssertionClaims struct {
	Aud string `json:"aud"`
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Jti string `json:"jti"`
	Nbf int64  `json:"nbf"`
	Iat int64  `json:"iat"`
	Exp int64  `json:"exp"`
}

// Assertion returns a signed client assertion (PS256) for clientID at the
// token endpoint audience, valid from now for AssertionLifetime, with a fresh
// random jti. A JWT is a handful of lines with encoding/json and base64url,
// so no JWT library is pulled in.
func (c *Credential) Assertion(clientID, audience string, now time.Time) (string, error) {
	if clientID == "" || audience == "" {
		return "", errors.New("sign client assertion: client ID and audience are required")
	}
	jti, err := newJTI()
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	s1 := sha1.Sum(c.cert.Raw)
	s256 := sha256.Sum256(c.cert.Raw)
	h := AssertionHeader{
		Alg:     "PS256",
		Typ:     "JWT",
		X5tS256: base64.RawURLEncoding.EncodeToString(s256[:]),
		X5t:     base64.RawURLEncoding.EncodeToString(s1[:]),
	}
	t := now.Unix()
	cl := AssertionClaims{Aud: audience, Iss: clientID, Sub: clientID, Jti: jti,
		Nbf: t, Iat: t, Exp: now.Add(AssertionLifetime).Unix()}
	hj, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	cj, err := json.Marshal(cl)
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(hj) + "." + base64.RawURLEncoding.EncodeToString(cj)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPSS(rand.Reader, c.key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// newJTI is a random version 4 UUID, the form Entra's own libraries use.
func newJTI() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random jti: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:], nil
}
