package config

import (
	"strings"
	"testing"
)

func TestConnectorCredential(t *testing.T) {
	for _, tc := range []struct {
		value    string
		kind     string
		cert     bool
		errorHas string
	}{
		{"", CredentialSecret, false, ""},
		{"secret", CredentialSecret, false, ""},
		{"certificate", CredentialCertificate, true, ""},
		{"Certificate", "Certificate", false, `connector.credential: "Certificate" is not a credential kind; expected "secret" or "certificate"`},
		{"cert", "cert", false, `connector.credential: "cert" is not a credential kind; expected "secret" or "certificate"`},
	} {
		c := validConfig()
		c.Connector.Credential = tc.value
		err := c.Validate()
		switch {
		case tc.errorHas == "" && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case tc.errorHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errorHas)):
			t.Errorf("%q: error %v, want %q", tc.value, err, tc.errorHas)
		}
		if got := c.Connector.CredentialKind(); got != tc.kind {
			t.Errorf("%q: kind %q", tc.value, got)
		}
		if c.Connector.UsesCertificate() != tc.cert {
			t.Errorf("%q: UsesCertificate %v", tc.value, !tc.cert)
		}
	}
	// The field round-trips through the strict decoder and is omitted when empty.
	c := validConfig()
	c.Connector.Credential = CredentialCertificate
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"credential": "certificate"`) {
		t.Errorf("encoded: %s", b)
	}
	back, err := Decode(b)
	if err != nil || back.Connector.Credential != CredentialCertificate {
		t.Fatalf("decode: %v %+v", err, back)
	}
	c.Connector.Credential = ""
	if b, _ := Marshal(c); strings.Contains(string(b), "credential") {
		t.Errorf("empty credential written: %s", b)
	}
	if got := SiblingPath("/etc/calsync/config.json", CertificateFileName); !strings.HasSuffix(got, "calsync-graph.cer") {
		t.Errorf("certificate path %q", got)
	}
}
