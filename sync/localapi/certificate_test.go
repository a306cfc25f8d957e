package localapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// fakeCertificates is the certificate part of the fake backend: it keeps
// what was imported so a test can check it arrived intact.
type fakeCertificates struct {
	imported []byte
	password string
	years    int
}

var fakeCert = Certificate{File: "/etc/calsync/calsync-graph.cer", Subject: "CN=calsync Office", Thumbprint: "1A2B",
	ThumbprintSHA256: "3C4D", NotBefore: "2026-01-01T00:00:00Z", NotAfter: "2028-01-01T00:00:00Z", DaysLeft: 400,
	PEM: "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n", UploadSteps: "Upload calsync-graph.cer"}

func (f *fakeBackend) Certificate(context.Context) (CertificateState, error) {
	if err := f.call("Certificate"); err != nil {
		return CertificateState{}, err
	}
	c := fakeCert
	c.PEM, c.UploadSteps = "", ""
	return CertificateState{Current: &c, ExpiryWarning: "expires soon"}, nil
}

func (f *fakeBackend) NewCertificate(_ context.Context, years int) (Certificate, error) {
	if err := f.call("NewCertificate"); err != nil {
		return Certificate{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.certs.years = years
	return fakeCert, nil
}

func (f *fakeBackend) ImportCertificate(_ context.Context, data []byte, password string) (Certificate, error) {
	if err := f.call("ImportCertificate"); err != nil {
		return Certificate{}, err
	}
	if password == "echo-me" {
		// A careless backend that puts the password in its error.
		return Certificate{}, fmt.Errorf("wrong password %q", password)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.certs.imported, f.certs.password = append([]byte(nil), data...), password
	return fakeCert, nil
}

// The certificate endpoints carry what the backend says and take the file
// and password intact; a password never reaches the log or an error.
func TestCertificateEndpoints(t *testing.T) {
	fake := newFake()
	s := serve(t, fake, ServerOptions{})
	ctx := context.Background()
	c := s.client

	st, err := c.Certificate(ctx)
	if err != nil || st.Current == nil || st.Current.Thumbprint != "1A2B" || st.Current.PEM != "" || st.ExpiryWarning != "expires soon" {
		t.Fatalf("Certificate = %+v, %v", st, err)
	}
	got, err := c.NewCertificate(ctx, 3)
	if err != nil || got != fakeCert || fake.certs.years != 3 {
		t.Fatalf("NewCertificate = %+v, %v (years %d)", got, err, fake.certs.years)
	}
	data := []byte{0x30, 0x82, 0x00, 0xff, '"', '\\'} // binary, as a .pfx is
	const password = "pfx-pa55word"
	if got, err := c.ImportCertificate(ctx, data, password); err != nil || got != fakeCert {
		t.Fatalf("ImportCertificate = %+v, %v", got, err)
	}
	if string(fake.certs.imported) != string(data) || fake.certs.password != password {
		t.Errorf("imported %q with %q", fake.certs.imported, fake.certs.password)
	}
	_, err = c.ImportCertificate(ctx, data, "echo-me")
	if err == nil || strings.Contains(err.Error(), "echo-me") {
		t.Errorf("careless backend error = %v, want it without the password", err)
	}
	if _, err := c.ImportCertificate(ctx, nil, ""); err == nil {
		t.Error("empty import accepted")
	}
	for _, p := range []string{password, "echo-me"} {
		if strings.Contains(s.log.String(), p) {
			t.Errorf("the server log holds the password %q", p)
		}
	}
}

// Bad bodies are refused with the field named, and GET-only or
// POST-only endpoints refuse the other method.
func TestCertificateBadRequests(t *testing.T) {
	h := NewServer(newFake(), ServerOptions{})
	tests := []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "certificate/import", `{}`, 400, "data"},
		{"POST", "certificate/import", `{"data":"not base64!"}`, 400, ""},
		{"POST", "certificate/new", `{"years":"two"}`, 400, "years"},
		{"POST", "certificate/new", `{"days":2}`, 400, ""},
		{"PUT", "certificate", `{}`, 405, ""},
		{"GET", "certificate/new", ``, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			rec := do(t, h, tt.method, PathPrefix+tt.path, nil, []byte(tt.body))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			e := apiError(t, rec.Body.Bytes())
			if tt.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.field) {
				t.Errorf("fields %+v, want %s", e.Fields, tt.field)
			}
		})
	}
}
