package emulator

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Entra's rules for client assertions, as the emulator applies them.
const (
	// GraphAssertionType is the only client_assertion_type accepted.
	GraphAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// GraphMaxAssertionLifetime is the longest exp - nbf accepted.
	GraphMaxAssertionLifetime = 10 * time.Minute
	// GraphAssertionSkew is the clock difference tolerated on nbf and exp.
	GraphAssertionSkew = 5 * time.Minute
)

// GraphAssertion is a client assertion the token endpoint accepted, as it
// read it, so tests can check what the client signed.
type GraphAssertion struct {
	Alg, Typ, X5tS256, X5t string
	Aud, Iss, Sub, Jti     string
	Nbf, Iat, Exp          time.Time
	Thumbprint             string // SHA-1 of the certificate that verified it, upper-case hex
}

func graphAppKey(tenantID, clientID string) string {
	return strings.ToLower(tenantID) + "/" + strings.ToLower(clientID)
}

// UploadCertificate adds cert to the credentials of an app registered with
// AddApp, as Entra ID's "Upload certificate" does: client assertions signed
// with its key are then accepted. An app may hold several (rotation); an
// expired one is refused with AADSTS7000274 when used.
func (g *Graph) UploadCertificate(tenantID, clientID string, cert *x509.Certificate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.certs == nil {
		g.certs = map[string][]*x509.Certificate{}
	}
	k := graphAppKey(tenantID, clientID)
	for _, c := range g.certs[k] {
		if c.Equal(cert) {
			return
		}
	}
	g.certs[k] = append(g.certs[k], cert)
}

// RemoveCertificate deletes the app's certificate with this SHA-1
// thumbprint (hex, any case), as deleting it in Entra ID does.
func (g *Graph) RemoveCertificate(tenantID, clientID, thumbprint string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := graphAppKey(tenantID, clientID)
	kept := g.certs[k][:0]
	for _, c := range g.certs[k] {
		if !strings.EqualFold(graphThumbprint(c), thumbprint) {
			kept = append(kept, c)
		}
	}
	g.certs[k] = kept
}

// Assertions returns the client assertions accepted so far, oldest first.
func (g *Graph) Assertions() []GraphAssertion {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]GraphAssertion(nil), g.assertions...)
}

func graphThumbprint(c *x509.Certificate) string {
	s := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

const graphCertDocs = "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."

// graphKeysHint ends Entra's key errors.
func graphKeysHint(clientID string) string {
	return fmt.Sprintf("Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. "+
		"Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint "+
		"and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, "+
		"such as 'https://graph.microsoft.com/beta/applications/%s'", clientID, clientID)
}

// graphEntraTime is how Entra prints times in 700024.
func graphEntraTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// checkAssertion verifies the request's client assertion for the app the
// way Entra does, answering its error and returning false when it fails.
func (g *Graph) checkAssertion(w http.ResponseWriter, r *http.Request, tenantID, clientID string) bool {
	fail := func(code int, desc string) bool {
		g.writeTokenError(w, http.StatusUnauthorized, "invalid_client", code, desc)
		return false
	}
	malformed := func() bool {
		g.writeTokenError(w, http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
		return false
	}
	if r.PostForm.Get("client_assertion_type") != GraphAssertionType {
		g.writeTokenError(w, http.StatusBadRequest, "invalid_request", 50027,
			fmt.Sprintf("Invalid JWT token. The client_assertion_type must be '%s'.", GraphAssertionType))
		return false
	}
	parts := strings.Split(r.PostForm.Get("client_assertion"), ".")
	if len(parts) != 3 {
		return malformed()
	}
	var hdr struct {
		Alg     string `json:"alg"`
		Typ     string `json:"typ"`
		X5tS256 string `json:"x5t#S256"`
		X5t     string `json:"x5t"`
	}
	var cl struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Jti string `json:"jti"`
		Nbf *int64 `json:"nbf"`
		Iat *int64 `json:"iat"`
		Exp *int64 `json:"exp"`
	}
	for i, v := range []any{&hdr, &cl} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			return malformed()
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) == 0 {
		return malformed()
	}
	if hdr.Alg != "PS256" && hdr.Alg != "RS256" {
		return fail(5002738, fmt.Sprintf("Invalid JWT token. '%s' is not a supported signature algorithm. "+
			"Supported signing algorithms are: 'RS256, PS256'", hdr.Alg))
	}

	// The key is found by x5t#S256, else x5t, among the app's certificates.
	g.mu.Lock()
	certs := append([]*x509.Certificate(nil), g.certs[graphAppKey(tenantID, clientID)]...)
	g.mu.Unlock()
	var cert *x509.Certificate
	used := ""
	for _, c := range certs {
		s1, s256 := sha1.Sum(c.Raw), sha256.Sum256(c.Raw)
		if hdr.X5tS256 != "" && hdr.X5tS256 == base64.RawURLEncoding.EncodeToString(s256[:]) ||
			hdr.X5tS256 == "" && hdr.X5t != "" && hdr.X5t == base64.RawURLEncoding.EncodeToString(s1[:]) {
			cert = c
		}
	}
	if b, err := base64.RawURLEncoding.DecodeString(hdr.X5t); err == nil && len(b) > 0 {
		used = strings.ToUpper(hex.EncodeToString(b))
	} else if b, err := base64.RawURLEncoding.DecodeString(hdr.X5tS256); err == nil {
		used = strings.ToUpper(hex.EncodeToString(b))
	}
	if cert == nil {
		return fail(700027, fmt.Sprintf("The certificate with identifier used to sign the client assertion is not registered "+
			"on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', %s]", used, graphKeysHint(clientID)))
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if ok {
		if hdr.Alg == "PS256" {
			err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		} else {
			err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
		}
	}
	if !ok || err != nil {
		return fail(700027, fmt.Sprintf("Client assertion contains an invalid signature. [Reason - The provided signature value "+
			"did not match the expected signature value., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', %s]",
			graphThumbprint(cert), cert.NotBefore.UTC().Format("01/02/2006 15:04:05"), cert.NotAfter.UTC().Format("01/02/2006 15:04:05"),
			graphKeysHint(clientID)))
	}
	now := g.clock.Now()
	if !now.Before(cert.NotAfter) {
		return fail(7000274, fmt.Sprintf("The certificate with thumbprint '%s' used to sign the client assertion for app '%s' "+
			"expired on %s. Upload a valid certificate to the app registration. %s",
			graphThumbprint(cert), clientID, graphEntraTime(cert.NotAfter), graphCertDocs))
	}
	if cl.Iss != clientID || cl.Sub != clientID {
		return fail(700021, "Client assertion application identifier doesn't match 'client_id' parameter. "+graphCertDocs)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + "/" + tenantID
	if !strings.EqualFold(cl.Aud, base+"/oauth2/v2.0/token") && !strings.EqualFold(cl.Aud, base+"/v2.0") {
		return fail(700023, "Client assertion audience claim does not match Realm issuer. "+graphCertDocs)
	}
	unix := func(p *int64) time.Time {
		if p == nil {
			return time.Unix(0, 0).UTC()
		}
		return time.Unix(*p, 0).UTC()
	}
	nbf, exp := unix(cl.Nbf), unix(cl.Exp)
	if cl.Nbf == nil || cl.Exp == nil || now.Add(GraphAssertionSkew).Before(nbf) || !now.Add(-GraphAssertionSkew).Before(exp) ||
		exp.Sub(nbf) > GraphMaxAssertionLifetime {
		return fail(700024, fmt.Sprintf("Client assertion is not within its valid time range. Current time: %s, assertion valid "+
			"from %s, expiry time of assertion %s. %s", graphEntraTime(now), graphEntraTime(nbf), graphEntraTime(exp), graphCertDocs))
	}
	g.mu.Lock()
	g.assertions = append(g.assertions, GraphAssertion{Alg: hdr.Alg, Typ: hdr.Typ, X5tS256: hdr.X5tS256, X5t: hdr.X5t,
		Aud: cl.Aud, Iss: cl.Iss, Sub: cl.Sub, Jti: cl.Jti, Nbf: nbf, Iat: unix(cl.Iat), Exp: exp, Thumbprint: graphThumbprint(cert)})
	g.mu.Unlock()
	return true
}
