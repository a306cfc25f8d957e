package graph

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// Entra's certificate errors, in the texts Entra sends, classify to kinds
// whose remedies say what to do.
func TestClassifyCertificateErrors(t *testing.T) {
	cases := []struct {
		desc   string
		kind   Kind
		remedy string
	}{
		{"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. " +
			"[Reason - The key was not found., Thumbprint of key used by client: 'ABC']", KindCertificateNotRegistered, "upload calsync-graph.cer"},
		{"AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected " +
			"signature value., Thumbprint of key used by client: 'ABC']", KindCertificateNotRegistered, "Upload certificate"},
		{"AADSTS700027: The certificate with identifier used to sign the client assertion is expired on application.",
			KindCertificateExpired, "calsync cert new"},
		{"AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-10-02T22:05:03.6755165Z, " +
			"assertion valid from 1970-01-01T00:00:00.0000000Z, expiry time of assertion 2024-10-02T21:30:53.0000000Z.",
			KindAssertionTime, "PC's clock"},
		{"AADSTS7000274: The certificate used to sign the client assertion expired.", KindCertificateExpired, "has expired"},
		{"AADSTS1000502: The client certificate is not within its valid time range. Ensure that the certificate is valid.",
			KindCertificateExpired, "has expired"},
		{"AADSTS7000277: The certificate was revoked.", KindCertificateRevoked, "revoked"},
		{"AADSTS7000214: Certificate has been revoked.", KindCertificateRevoked, "revoked"},
	}
	for _, tc := range cases {
		err := &oauth2.RetrieveError{Response: &http.Response{StatusCode: 401}, ErrorCode: "invalid_client",
			ErrorDescription: tc.desc + "\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: x"}
		e := classifyTokenError(err, noRedact)
		if e.Kind != tc.kind || !strings.Contains(e.Remedy, tc.remedy) || !strings.HasPrefix(tc.desc, e.Code+":") {
			t.Errorf("%.40s: got %v %q remedy %q", tc.desc, e.Kind, e.Code, e.Remedy)
		}
		if !e.fatal() {
			t.Errorf("%v is not final; retrying cannot fix a credential", e.Kind)
		}
		if strings.HasPrefix(e.Kind.String(), "kind(") {
			t.Errorf("kind %d has no name", e.Kind)
		}
	}
	if r := certificateRemedy(KindCertificateNotRegistered, "0A1B"); !strings.Contains(r, "calsync-graph.cer (thumbprint 0A1B)") {
		t.Errorf("remedy without the thumbprint: %q", r)
	}
	if r := certificateRemedy(KindCertificateExpired, "0A1B"); !strings.HasPrefix(r, "The certificate 0A1B has expired") {
		t.Errorf("remedy %q", r)
	}
}
