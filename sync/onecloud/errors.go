package onecloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrPreconditionFailed is matched (errors.Is) by a 412 answer to a write
// with If-Match (a presence, a phonebook entry): the resource changed since
// the read that produced the ETag. The caller should read again and decide
// again, never write blindly.
var ErrPreconditionFailed = errors.New("changed since it was read (412 Precondition Failed)")

// ErrNotFound is matched (errors.Is) by a 404 answer: for the presence
// endpoints an unknown user id; for a phonebook entry an unknown entry id
// (or user); for the list endpoints usually a wrong base URL.
var ErrNotFound = errors.New("not found (404)")

// APIError is a non-success HTTP answer from OneCloud. Code and Message come
// from the error body {"error":{"code","message"}} when there is one.
type APIError struct {
	Status  int
	Code    string
	Message string
	Op      string // what was being done, e.g. "put presence of 1001"
}

// Error says what was done and what the server answered, e.g.
// "put presence of 1001: 422 unknown_activity: activity \"x\" is not known".
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrPreconditionFailed) and errors.Is(err,
// ErrNotFound) work on the status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrPreconditionFailed:
		return e.Status == http.StatusPreconditionFailed
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

// AuthRemedy is what a person does when OneCloud refuses the API token (IsAuth).
const AuthRemedy = "OneCloud refused the API token: create a new token in the OneCloud portal, then run: calsync secret set onecloud"

// IsAuth reports whether err is a 401 or 403 answer: the OneCloud API token
// is wrong, expired or lacks the right to do what was asked.
func IsAuth(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden)
}

// IsUnprocessable reports whether err is a 422 answer: the request was well
// formed but names an unknown activity or role.
func IsUnprocessable(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity
}

// newAPIError builds the error for a non-success answer. A body that is not
// the documented error shape (a proxy's HTML page, say) is kept as a short,
// sanitised message so the cause is still visible.
func newAPIError(op string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Op: op}
	var w struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &w) == nil && w.Error != nil {
		e.Code = clip(strings.TrimSpace(w.Error.Code), 64)
		e.Message = clip(strings.TrimSpace(w.Error.Message), 300)
		return e
	}
	e.Message = clip(strings.TrimSpace(string(body)), 120)
	return e
}
