package localapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error codes of the JSON error body {"error":{"code","message"}}.
const (
	CodeBrowserRefused   = "browser_refused"    // Origin or Referer header present
	CodeBadHost          = "bad_host"           // Host is not LocalAPIHost
	CodePeerRefused      = "peer_refused"       // the calling user may not use the API
	CodeReadOnly         = "read_only"          // the caller may read but not change
	CodeNotFound         = "not_found"          // no such endpoint
	CodeMethodNotAllowed = "method_not_allowed" // endpoint exists, method does not
	CodeBodyTooLarge     = "body_too_large"     // body over the cap
	CodeBodyTimeout      = "body_timeout"       // the body did not arrive in time
	CodeMalformedJSON    = "malformed_json"     // body is not JSON of the expected shape
	CodeUnknownField     = "unknown_field"      // body has a field the endpoint does not take
	CodeBadRequest       = "bad_request"        // a parameter is missing or wrong
	CodeInvalid          = "invalid"            // the backend refused the input; see fields
	CodeTimeout          = "timeout"            // the backend ran out of time
	CodeInternal         = "internal"           // the backend failed
)

// ErrNotRunning is wrapped by client errors when nothing listens on the
// socket or pipe: the service is not installed or not started.
var ErrNotRunning = errors.New("calsync service is not running")

// ErrAccessDenied is wrapped by client errors when the OS refuses the
// connection itself (socket mode, pipe ACL): the caller is not the service's
// user (Linux, macOS), or neither an administrator nor an interactive user
// (Windows).
var ErrAccessDenied = errors.New("access to the calsync service denied")

// ErrInUse is wrapped by Listen's error when another process already serves
// the local API at the path.
var ErrInUse = errors.New("another process is already serving the local API there")

// APIError is an error response: the server writes one, the client returns
// one. A backend may return one to choose the status and code.
type APIError struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("local API: %d %s: %s", e.Status, e.Code, e.Message)
	for _, f := range e.Fields {
		s += "; " + f.String()
	}
	return s
}

// Unwrap exposes the field errors as a *ValidationError, so a caller handles
// a validation failure the same way whether it came over the socket or from
// an in-process backend.
func (e *APIError) Unwrap() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: e.Fields}
}

// FieldError is one invalid field: Field is its path in the JSON
// ("connector.clientId", "rules[2].match"), empty when the problem is not
// tied to one field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (f FieldError) String() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// ValidationError is input refused field by field; the server answers it
// with 422 and the fields intact, so the GUI shows each beside its widget.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// FieldErrors returns the field errors carried by err: from a
// *ValidationError, a *APIError, or any error with a Fields() []string method
// whose strings read "field: message". It returns nil when err has none.
func FieldErrors(err error) []FieldError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	var fe interface{ Fields() []string }
	if errors.As(err, &fe) {
		var out []FieldError
		for _, s := range fe.Fields() {
			field, msg, ok := strings.Cut(s, ": ")
			if !ok {
				field, msg = "", s
			}
			out = append(out, FieldError{Field: field, Message: msg})
		}
		return out
	}
	return nil
}

// errorBody is the wire shape of an error.
type errorBody struct {
	Error *APIError `json:"error"`
}

// writeJSON writes v as a JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a backend value with a NaN or a cycle gets here.
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"encode response: ` + jsonEscape(err.Error()) + `"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// writeError writes {"error":{"code","message"}} with the given status.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeAPIError(w, &APIError{Status: status, Code: code, Message: message})
}

func writeAPIError(w http.ResponseWriter, e *APIError) {
	writeJSON(w, e.Status, errorBody{Error: e})
}
