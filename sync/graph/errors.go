package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/calsync/calsync/sync/expiry"
)

// Kind is what went wrong, in terms a person can act on.
type Kind int

// The kinds of failure the reader distinguishes. Each has a remedy text.
const (
	KindOther Kind = iota
	// KindWrongSecret: AADSTS7000215, usually the Secret ID pasted instead of the Value.
	KindWrongSecret
	// KindSecretExpired: AADSTS7000222.
	KindSecretExpired
	// KindAppNotFound: AADSTS700016, no app with this client ID in the tenant.
	KindAppNotFound
	// KindTenantNotFound: AADSTS90002 (or a malformed tenant ID, AADSTS900023).
	KindTenantNotFound
	// KindAccessDenied: Graph 403 ErrorAccessDenied (admin consent or access policy).
	KindAccessDenied
	// KindUnauthorized: Graph kept answering 401 after a fresh token.
	KindUnauthorized
	// KindMailboxNotFound: per-item 5009 / ErrorInvalidUser, or an unknown synchronization user.
	KindMailboxNotFound
	// KindMailboxNotEnabled: MailboxNotEnabledForRESTAPI (inactive, unlicensed or on-premises).
	KindMailboxNotEnabled
	// KindThrottled: 429 that outlasted the retries.
	KindThrottled
	// KindUnavailable: 5xx that outlasted the retries.
	KindUnavailable
	// KindNetwork: no HTTP answer at all (DNS, TLS, connection, timeout).
	KindNetwork
	// KindBadRequest: Graph rejected the request itself (400); a calsync bug or bad input.
	KindBadRequest
	// KindBadResponse: a 200 whose body could not be understood.
	KindBadResponse
	// KindCanceled: the caller's context ended first.
	KindCanceled
	// KindCertificateNotRegistered: AADSTS700027, the certificate that signed
	// the client assertion is not uploaded to the app (or its key is not the
	// certificate's).
	KindCertificateNotRegistered
	// KindAssertionTime: AADSTS700024, the client assertion is outside its
	// valid time, nearly always a wrong PC clock.
	KindAssertionTime
	// KindCertificateExpired: AADSTS7000274 or AADSTS1000502 (or a 700027
	// saying "expired"), the uploaded certificate is past its end date.
	KindCertificateExpired
	// KindCertificateRevoked: AADSTS7000277 or AADSTS7000214.
	KindCertificateRevoked
)

var kindNames = [...]string{
	KindOther:             "Microsoft 365 error",
	KindWrongSecret:       "wrong client secret",
	KindSecretExpired:     "client secret expired",
	KindAppNotFound:       "application not found",
	KindTenantNotFound:    "tenant not found",
	KindAccessDenied:      "access denied",
	KindUnauthorized:      "access token rejected",
	KindMailboxNotFound:   "mailbox not found",
	KindMailboxNotEnabled: "mailbox not enabled for Graph",
	KindThrottled:         "throttled",
	KindUnavailable:       "service unavailable",
	KindNetwork:           "network error",
	KindBadRequest:        "request rejected",
	KindBadResponse:       "unreadable response",
	KindCanceled:          "canceled",

	KindCertificateNotRegistered: "certificate not uploaded to the app",
	KindAssertionTime:            "client assertion outside its valid time",
	KindCertificateExpired:       "certificate expired",
	KindCertificateRevoked:       "certificate revoked",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Error is a classified failure of Entra ID or Graph. Message is the
// service's own text (never containing the secret); Remedy says what a
// person does about it.
type Error struct {
	Kind    Kind
	Code    string // AADSTS7000215, ErrorAccessDenied, 5009, ...
	Mailbox string // the mailbox concerned, if any
	Message string // raw service text, secret-free
	Remedy  string // what to do, in plain words
	Status  int    // HTTP status, 0 if none
	// TraceID and CorrelationID come from Entra error bodies; Microsoft
	// support asks for them.
	TraceID, CorrelationID string
	Err                    error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Mailbox != "" {
		b.WriteString(e.Mailbox)
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Code != "" && !strings.HasPrefix(e.Message, e.Code) {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsSignIn reports whether err is Entra ID refusing the app's credential
// (a wrong or expired client secret or certificate, an unknown app or
// tenant, a clock too far off to sign): every further request of the run
// would be refused the same way.
func IsSignIn(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindWrongSecret, KindSecretExpired, KindAppNotFound, KindTenantNotFound,
		KindCertificateNotRegistered, KindAssertionTime, KindCertificateExpired, KindCertificateRevoked:
		return true
	}
	return false
}

// remedy returns the advice for a kind; mailbox and syncUser fill in names.
func remedy(k Kind, mailbox, syncUser string) string {
	switch k {
	case KindWrongSecret:
		return "The client secret is wrong: you may have pasted the Secret ID instead of the secret Value. " +
			"In Entra ID open App registrations > your app > Certificates & secrets, copy the Value of the secret " +
			"(or create a new secret), then run `calsync secret set graph`."
	case KindSecretExpired:
		return "The client secret has expired. Create a new one in Entra ID (App registrations > your app > " +
			"Certificates & secrets > New client secret), then run `calsync secret set graph` and record its new expiry date."
	case KindAppNotFound:
		return "No application with this Application (client) ID exists in the tenant: copy the client ID from the " +
			"app's Overview page in Entra ID, and check that the Directory (tenant) ID belongs to the same tenant."
	case KindTenantNotFound:
		return "The tenant was not found: copy the Directory (tenant) ID from the app's Overview page in Entra ID."
	case KindAccessDenied:
		who := "the synchronization user"
		if syncUser != "" {
			who += " " + syncUser
		}
		return "Microsoft Graph denied access: grant admin consent for the Microsoft Graph application permission " +
			"Calendars.Read (Entra ID > App registrations > your app > API permissions > Grant admin consent), " +
			"and check that no application access policy excludes " + who + "."
	case KindUnauthorized:
		return "Microsoft Graph rejected a fresh access token: check that the Graph URL and the authority URL " +
			"belong to the same cloud, and that the app registration is enabled."
	case KindMailboxNotFound:
		return fmt.Sprintf("The mailbox %s cannot be read: check the address (it must be the user's primary SMTP "+
			"address in Exchange Online) and that the mailbox exists.", orSomething(mailbox))
	case KindMailboxNotEnabled:
		return fmt.Sprintf("The mailbox %s cannot be read through Microsoft Graph: it is inactive, unlicensed, "+
			"soft-deleted or hosted on-premises. License it in Exchange Online or disable this user.", orSomething(mailbox))
	case KindThrottled:
		return "Microsoft Graph is throttling this app; calsync retries by itself. If this persists, lengthen the polling interval."
	case KindUnavailable:
		return "Microsoft 365 is temporarily unavailable; calsync retries by itself. Check https://status.cloud.microsoft if it persists."
	case KindNetwork:
		return "Microsoft 365 cannot be reached: check the network connection, proxy and firewall " +
			"(login.microsoftonline.com and graph.microsoft.com must be reachable over HTTPS)."
	case KindBadRequest, KindBadResponse:
		return "Microsoft Graph and calsync disagree on the request; please report this with the message above."
	case KindCertificateNotRegistered, KindAssertionTime, KindCertificateExpired, KindCertificateRevoked:
		return certificateRemedy(k, "")
	}
	return ""
}

// certificateRemedy is the advice for a certificate credential failure;
// thumbprint (SHA-1, as Entra shows it) names the certificate calsync used.
func certificateRemedy(k Kind, thumbprint string) string {
	file, which := CertificateFileName, "The certificate"
	if thumbprint != "" {
		file += " (thumbprint " + thumbprint + ")"
		which += " " + thumbprint
	}
	const certs = "Entra ID > App registrations > your app > Certificates & secrets > Certificates"
	switch k {
	case KindCertificateNotRegistered:
		return "Entra ID does not know the certificate calsync signs with: upload " + file + " in " + certs +
			" > Upload certificate. The file is in calsync's config directory; `calsync cert show` prints its thumbprint. " +
			"A certificate uploaded a moment ago can take a few minutes to be accepted."
	case KindAssertionTime:
		return "Entra ID refused the sign-in because it arrived outside its valid time: check this PC's clock, " +
			"date and time zone (turn on automatic time synchronisation), then try again."
	case KindCertificateExpired:
		return which + " has expired: run `calsync cert new`, upload the new " + CertificateFileName + " in " + certs +
			", then delete the expired one there."
	case KindCertificateRevoked:
		return which + " has been revoked: run `calsync cert new` and upload the new " + CertificateFileName + " in " + certs + "."
	}
	return ""
}

func orSomething(mailbox string) string {
	if mailbox == "" {
		return "(unnamed)"
	}
	return mailbox
}

// SecretExpiryWarning returns a warning when the client secret expires within
// 30 days of now or has expired, naming the date; otherwise "". A zero
// expires (date not recorded) gives "".
func SecretExpiryWarning(expires, now time.Time) string {
	return secretCredential.Warning(expires, now)
}

var secretCredential = expiry.Credential{
	What: "The client secret",
	Expired: "create a new one in Entra ID (App registrations > your app > Certificates & secrets), " +
		"then run `calsync secret set graph`",
	Soon: "create a new one in Entra ID before then and run `calsync secret set graph`",
}

// aadstsCode finds "AADSTS<digits>" at the start of an error_description.
var aadstsCode = regexp.MustCompile(`^AADSTS(\d+)`)

// tokenErrorBody is the part of an Entra error body not in RetrieveError.
type tokenErrorBody struct {
	ErrorCodes    []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

// classifyTokenError turns a failed token request into an *Error, marked
// transient (retry.Transient is applied by the caller) when worth retrying.
func classifyTokenError(err error, redact func(string) string) *Error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindCanceled, Message: redact(err.Error()), Err: err}
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &Error{Kind: KindNetwork, Message: redact(err.Error()), Remedy: remedy(KindNetwork, "", ""), Err: err}
	}
	e := &Error{Err: errors.New("token request failed")}
	if re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	var body tokenErrorBody
	_ = json.Unmarshal(re.Body, &body)
	e.TraceID, e.CorrelationID = body.TraceID, body.CorrelationID
	desc := re.ErrorDescription
	// Entra appends "\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ..."
	// to the description; those are kept in their own fields.
	if i := strings.Index(desc, "Trace ID:"); i >= 0 {
		desc = desc[:i]
	}
	desc = strings.TrimSpace(desc)
	code := 0
	if len(body.ErrorCodes) > 0 {
		code = body.ErrorCodes[0]
	} else if m := aadstsCode.FindStringSubmatch(desc); m != nil {
		code, _ = strconv.Atoi(m[1])
	}
	if code != 0 {
		e.Code = "AADSTS" + strconv.Itoa(code)
	}
	switch {
	case desc != "":
		e.Message = redact(desc)
	case re.ErrorCode != "":
		e.Message = redact(re.ErrorCode)
	default:
		e.Message = redact(fmt.Sprintf("HTTP %d from the token endpoint", e.Status))
	}
	switch code {
	case 7000215, 7000216:
		e.Kind = KindWrongSecret
	case 7000222:
		e.Kind = KindSecretExpired
	case 700016:
		e.Kind = KindAppNotFound
	case 90002, 900023:
		e.Kind = KindTenantNotFound
	case 700027:
		e.Kind = KindCertificateNotRegistered
		if strings.Contains(strings.ToLower(desc), "expired") {
			e.Kind = KindCertificateExpired
		}
	case 700024:
		e.Kind = KindAssertionTime
	case 7000274, 1000502:
		e.Kind = KindCertificateExpired
	case 7000277, 7000214:
		e.Kind = KindCertificateRevoked
	default:
		switch {
		case e.Status == http.StatusTooManyRequests:
			e.Kind = KindThrottled
		case e.Status >= 500:
			e.Kind = KindUnavailable
		default:
			e.Kind = KindOther
		}
	}
	e.Remedy = remedy(e.Kind, "", "")
	return e
}

// graphErrorBody is Graph's {"error":{"code","message"}}.
type graphErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// classifyGraphResponse turns a non-2xx Graph answer into an *Error.
func classifyGraphResponse(status int, body []byte, syncUser string) *Error {
	var gb graphErrorBody
	_ = json.Unmarshal(body, &gb)
	e := &Error{Status: status, Code: gb.Error.Code, Message: gb.Error.Message}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	}
	switch {
	case strings.EqualFold(e.Code, "MailboxNotEnabledForRESTAPI"):
		e.Kind, e.Mailbox = KindMailboxNotEnabled, syncUser
	case strings.EqualFold(e.Code, "ErrorInvalidUser") || (status == http.StatusNotFound &&
		(strings.EqualFold(e.Code, "ResourceNotFound") || strings.EqualFold(e.Code, "ErrorItemNotFound"))):
		e.Kind, e.Mailbox = KindMailboxNotFound, syncUser
	case status == http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case status == http.StatusForbidden:
		e.Kind = KindAccessDenied
	case status == http.StatusTooManyRequests:
		e.Kind = KindThrottled
	case status >= 500:
		e.Kind = KindUnavailable
	case status >= 400 && status < 500:
		e.Kind = KindBadRequest
	default:
		e.Kind = KindOther
	}
	e.Remedy = remedy(e.Kind, e.Mailbox, syncUser)
	return e
}

// classifyItemError turns a per-mailbox freeBusyError into an *Error.
func classifyItemError(mailbox, code, message string) *Error {
	e := &Error{Mailbox: mailbox, Code: code, Message: message}
	switch {
	case strings.EqualFold(code, "MailboxNotEnabledForRESTAPI"):
		e.Kind = KindMailboxNotEnabled
	case code == "5009", strings.EqualFold(code, "ErrorInvalidUser"),
		strings.EqualFold(code, "ErrorMailRecipientNotFound"):
		e.Kind = KindMailboxNotFound
	default:
		// Other availability errors (proxy failures, busy servers) still fail
		// only this mailbox, and the next cycle asks again.
		e.Kind = KindOther
		e.Remedy = fmt.Sprintf("Microsoft 365 could not report the availability of %s; "+
			"calsync asks again next cycle.", orSomething(mailbox))
		return e
	}
	e.Remedy = remedy(e.Kind, mailbox, "")
	return e
}
