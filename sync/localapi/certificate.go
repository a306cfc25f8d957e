package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Certificate describes a certificate credential without its private key,
// which never leaves the service through this API (it only comes in, with
// an import). The fields are those of `calsync cert show --json`.
type Certificate struct {
	File             string `json:"file,omitempty"` // the service's copy, beside its configuration
	Subject          string `json:"subject"`
	Thumbprint       string `json:"thumbprint"`       // SHA-1, upper-case hex, as Entra shows it
	ThumbprintSHA256 string `json:"thumbprintSHA256"` // upper-case hex
	NotBefore        string `json:"notBefore"`        // RFC 3339, UTC
	NotAfter         string `json:"notAfter"`         // RFC 3339, UTC
	DaysLeft         int    `json:"daysLeft"`         // negative once expired
	// PEM is the public certificate (the content of calsync-graph.cer), so
	// the caller can save the file to upload wherever it likes.
	PEM string `json:"pem,omitempty"`
	// UploadSteps says where to upload it in Entra ID (new and import only).
	UploadSteps string `json:"uploadSteps,omitempty"`
}

// CertificateState is GET /certificate: the installed certificate, if any.
type CertificateState struct {
	// Current is the certificate in use or being introduced; nil when none is installed.
	Current *Certificate `json:"current,omitempty"`
	// Previous is, during a rotation, the certificate being replaced, which
	// signs in until Entra accepts Current.
	Previous *Certificate `json:"previous,omitempty"`
	// ExpiryWarning is set when Current expires within 30 days or has expired.
	ExpiryWarning string `json:"expiryWarning,omitempty"`
}

// CertificateBackend is the certificate part of Backend.
type CertificateBackend interface {
	// Certificate describes the installed certificate credential.
	Certificate(ctx context.Context) (CertificateState, error)
	// NewCertificate makes a key and a self-signed certificate valid for
	// years (0: the default), keeps the key in the service's keychain and
	// the certificate beside its configuration, and describes it.
	NewCertificate(ctx context.Context, years int) (Certificate, error)
	// ImportCertificate installs an existing certificate and key: PEM with
	// both, or a .pfx opened with password. Neither may appear in an error.
	ImportCertificate(ctx context.Context, data []byte, password string) (Certificate, error)
}

// newCertificateBody is the POST /certificate/new body.
type newCertificateBody struct {
	Years int `json:"years,omitempty"`
}

// importCertificateBody is the POST /certificate/import body: the file,
// base64 in JSON, and the .pfx password ("" for PEM).
type importCertificateBody struct {
	Data     []byte `json:"data"`
	Password string `json:"password,omitempty"`
}

func (s *Server) serveCertificate(w http.ResponseWriter, r *http.Request, _ string) {
	st, err := s.backend.Certificate(r.Context())
	if err != nil {
		s.backendError(w, r, "describe certificate", err, "")
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) serveNewCertificate(w http.ResponseWriter, r *http.Request, _ string) {
	body := readBody(r)
	var b newCertificateBody
	if len(body) > 0 {
		if e := decodeStrict(body, &b, false); e != nil {
			writeAPIError(w, e)
			return
		}
	}
	c, err := s.backend.NewCertificate(r.Context(), b.Years)
	if err != nil {
		s.backendError(w, r, "make certificate", err, "")
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) serveImportCertificate(w http.ResponseWriter, r *http.Request, _ string) {
	body := readBody(r)
	var b importCertificateBody
	// Sensitive: the body holds a private key and perhaps a password.
	if e := decodeStrict(body, &b, true); e != nil {
		writeAPIError(w, e)
		return
	}
	if len(b.Data) == 0 {
		writeAPIError(w, &APIError{Status: http.StatusBadRequest, Code: CodeBadRequest,
			Message: `field "data" is required: the file's bytes in base64`,
			Fields:  []FieldError{{Field: "data", Message: "required"}}})
		return
	}
	c, err := s.backend.ImportCertificate(r.Context(), b.Data, b.Password)
	if err != nil {
		s.backendError(w, r, "import certificate", err, b.Password)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// Certificate describes the service's certificate credential.
func (c *Client) Certificate(ctx context.Context) (CertificateState, error) {
	var st CertificateState
	err := c.do(ctx, c.timeout(), http.MethodGet, "certificate", nil, &st)
	return st, err
}

// NewCertificate has the service make and install a new certificate
// credential; the private key stays in the service.
func (c *Client) NewCertificate(ctx context.Context, years int) (Certificate, error) {
	body, err := json.Marshal(newCertificateBody{Years: years})
	if err != nil {
		return Certificate{}, fmt.Errorf("new certificate: %w", err)
	}
	var out Certificate
	// Making an RSA key takes a moment on a slow PC.
	err = c.do(ctx, max(c.timeout(), testConnectionTimeout), http.MethodPost, "certificate/new", body, &out)
	return out, err
}

// ImportCertificate hands a certificate and key (PEM, or .pfx with its
// password) to the service, which installs them.
func (c *Client) ImportCertificate(ctx context.Context, data []byte, password string) (Certificate, error) {
	if len(data) == 0 {
		return Certificate{}, errors.New("import certificate: the file is empty")
	}
	if len(data) > MaxCertificateImportBytes {
		return Certificate{}, fmt.Errorf("import certificate: the file is %d bytes, more than a certificate and key (at most %d)", len(data), MaxCertificateImportBytes)
	}
	body, err := json.Marshal(importCertificateBody{Data: data, Password: password})
	if err != nil {
		return Certificate{}, fmt.Errorf("import certificate: %w", err)
	}
	var out Certificate
	err = c.do(ctx, c.timeout(), http.MethodPost, "certificate/import", body, &out)
	return out, err
}
