package onecloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/expiry"
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

// APIError is a non-success HTTP answer from OneCloud. Code, Message and
// Fields come from the error body {"error":{"code","message","fields"}}
// when there is one.
type APIError struct {
	Status  int
	Code    string
	Message string
	// Fields are the validation result of a 400: which field of the URI,
	// a header or the body is wrong, and why.
	Fields []FieldError
	Op     string // what was being done, e.g. "put presence of 1001"
	// TokenExpires is the API ticket's expiry date as calsync knew it
	// (onecloud.tokenExpires), zero when not recorded; a 401 names it.
	TokenExpires time.Time
}

// FieldError is one entry of a 400 answer's validation result.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error says what was done and what the server answered, e.g.
// "put presence of 1001: 422 unknown_activity: activity \"x\" is not known".
// A 400 with a validation result names each field instead of the general
// message; a 401 says the ticket has expired or been revoked.
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
	switch {
	case len(e.Fields) > 0:
		for i, f := range e.Fields {
			if i == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(f.Field + ": " + f.Message)
		}
	case e.Message != "":
		b.WriteString(": " + e.Message)
	}
	if e.Status == http.StatusUnauthorized {
		b.WriteString(" (" + ticketState(e.TokenExpires) + ")")
	}
	return b.String()
}

// TicketRefused is in the text of every 401 answer's error (expiry.TicketRefused).
const TicketRefused = expiry.TicketRefused

// ticketState is why a token is refused, with the expiry date calsync knew.
func ticketState(expires time.Time) string {
	if expires.IsZero() {
		return TicketRefused + "; its expiry date is not recorded in onecloud.tokenExpires"
	}
	return TicketRefused + "; calsync knew it expires on " + expires.UTC().Format("2006-01-02")
}

// Remedy says what to do about the answer, or "" when there is nothing a
// person can do but wait.
func (e *APIError) Remedy() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "OneCloud refused the API token: " + ticketState(e.TokenExpires) + ". " + renewTicket
	case http.StatusForbidden:
		return "OneCloud refused this request for the API token: the ticket does not grant the API it needs. " +
			"Allow the APIs under Services -> External API authorization (admin view), " + renewTicket
	}
	return ""
}

// renewTicket is how a person replaces the API ticket.
const renewTicket = "create a new ticket in the OneCloud portal (Home -> Tickets) granting the APIs calsync uses, " +
	"then paste its token: calsync secret set onecloud --expires YYYY-MM-DD (the date the ticket shows), " +
	"or Replace on the Connector tab."

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

// AuthRemedy is what a person does when OneCloud refuses the API token
// (IsAuth): the answer's own Remedy, which names the ticket's expiry date
// calsync knew.
func AuthRemedy(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		if r := e.Remedy(); r != "" {
			return r
		}
	}
	return "OneCloud refused the API token: " + renewTicket
}

// TokenExpiryWarning returns a warning when the API ticket expires within
// 30 days of now or has expired, naming the date and how to renew it;
// otherwise "". A zero expires (onecloud.tokenExpires unset) gives "".
func TokenExpiryWarning(expires, now time.Time) string {
	return ticketCredential.Warning(expires, now)
}

var ticketCredential = expiry.Credential{
	What: "The OneCloud API ticket",
	Expired: "create a new ticket in the OneCloud portal (Home -> Tickets) granting the same APIs, then paste its token " +
		"with `calsync secret set onecloud --expires YYYY-MM-DD` or Replace on the Connector tab",
	Soon: "before then create a new ticket in the OneCloud portal (Home -> Tickets) granting the same APIs, then paste its token " +
		"with `calsync secret set onecloud --expires YYYY-MM-DD` or Replace on the Connector tab",
}

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

// maxFields bounds the validation result kept from one answer.
const maxFields = 10

// newAPIError builds the error for a non-success answer. A body that is not
// the documented error shape (a proxy's HTML page, say) is kept as a short,
// sanitised message so the cause is still visible.
func newAPIError(op string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Op: op}
	var w struct {
		Error *struct {
			Code    string       `json:"code"`
			Message string       `json:"message"`
			Fields  []FieldError `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &w) == nil && w.Error != nil {
		e.Code = clip(strings.TrimSpace(w.Error.Code), 64)
		e.Message = clip(strings.TrimSpace(w.Error.Message), 300)
		for _, f := range w.Error.Fields {
			if len(e.Fields) == maxFields {
				break
			}
			name := clip(strings.TrimSpace(f.Field), 100)
			if name == "" {
				name = "(unnamed field)"
			}
			e.Fields = append(e.Fields, FieldError{Field: name, Message: clip(strings.TrimSpace(f.Message), 300)})
		}
		return e
	}
	e.Message = clip(strings.TrimSpace(string(body)), 120)
	return e
}
