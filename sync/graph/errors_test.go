package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func noRedact(s string) string { return s }

func TestClassifyTokenError(t *testing.T) {
	retrieve := func(status int, code, desc, body string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code,
			ErrorDescription: desc, Body: []byte(body)}
	}
	cases := []struct {
		name   string
		err    error
		kind   Kind
		code   string
		remedy string
	}{
		{"7000215 from error_codes", retrieve(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: x",
			`{"error_codes":[7000215],"trace_id":"t","correlation_id":"c"}`), KindWrongSecret, "AADSTS7000215", "Secret ID instead of the secret Value"},
		{"7000222 from the description only", retrieve(401, "invalid_client", "AADSTS7000222: The provided client secret keys for app 'x' are expired.", ""),
			KindSecretExpired, "AADSTS7000222", "has expired"},
		{"700016", retrieve(400, "unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found in the directory 'Contoso'.", `{"error_codes":[700016]}`),
			KindAppNotFound, "AADSTS700016", "Application (client) ID"},
		{"90002", retrieve(400, "invalid_request", "AADSTS90002: Tenant 'x' not found.", `{"error_codes":[90002]}`),
			KindTenantNotFound, "AADSTS90002", "Directory (tenant) ID"},
		{"900023 malformed tenant", retrieve(400, "invalid_request", "AADSTS900023: Specified tenant identifier 'x y' is neither a valid DNS name, nor a valid external domain.", ""),
			KindTenantNotFound, "AADSTS900023", "Directory (tenant) ID"},
		{"7000216 no secret", retrieve(401, "invalid_client", "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required", ""),
			KindWrongSecret, "AADSTS7000216", "calsync secret set graph"},
		{"503 without a body", retrieve(503, "", "", "Service Unavailable"), KindUnavailable, "", "temporarily unavailable"},
		{"429", retrieve(429, "", "", ""), KindThrottled, "", "throttling"},
		{"other AADSTS", retrieve(400, "invalid_scope", "AADSTS1002012: The provided value for scope x is not valid.", ""), KindOther, "AADSTS1002012", ""},
		{"network", fmt.Errorf("Post \"https://login.microsoftonline.com/t/oauth2/v2.0/token\": dial tcp: no such host"), KindNetwork, "", "network"},
		{"canceled", fmt.Errorf("Post: %w", context.Canceled), KindCanceled, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := classifyTokenError(tc.err, noRedact)
			if e.Kind != tc.kind || e.Code != tc.code || !strings.Contains(e.Remedy, tc.remedy) {
				t.Errorf("got kind %v code %q remedy %q", e.Kind, e.Code, e.Remedy)
			}
			if strings.Contains(e.Message, "Trace ID") {
				t.Errorf("message keeps the trace lines: %q", e.Message)
			}
		})
	}
	e := classifyTokenError(retrieve(401, "invalid_client", "AADSTS7000215: bad.\r\nTrace ID: abc\r\nCorrelation ID: def",
		`{"error_codes":[7000215],"trace_id":"abc","correlation_id":"def"}`), noRedact)
	if e.TraceID != "abc" || e.CorrelationID != "def" || e.Message != "AADSTS7000215: bad." || e.Status != 401 {
		t.Errorf("got %+v", e)
	}
	if got := e.Error(); got != "wrong client secret: AADSTS7000215: bad." {
		t.Errorf("Error() = %q", got)
	}
}

func TestClassifyGraphResponse(t *testing.T) {
	cases := []struct {
		status int
		body   string
		kind   Kind
		code   string
	}{
		{403, `{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`, KindAccessDenied, "ErrorAccessDenied"},
		{403, `{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled: Blocked by tenant configured AppOnly AccessPolicy settings."}}`, KindAccessDenied, "ErrorAccessDenied"},
		{401, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty."}}`, KindUnauthorized, "InvalidAuthenticationToken"},
		{404, `{"error":{"code":"ErrorInvalidUser","message":"The requested user 'x' is invalid."}}`, KindMailboxNotFound, "ErrorInvalidUser"},
		{404, `{"error":{"code":"MailboxNotEnabledForRESTAPI","message":"The mailbox is either inactive, soft-deleted, or is hosted on-premise."}}`, KindMailboxNotEnabled, "MailboxNotEnabledForRESTAPI"},
		{429, `{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}`, KindThrottled, "ApplicationThrottled"},
		{503, `<html>busy</html>`, KindUnavailable, ""},
		{400, `{"error":{"code":"ErrorInvalidParameter","message":"x"}}`, KindBadRequest, "ErrorInvalidParameter"},
	}
	for _, tc := range cases {
		e := classifyGraphResponse(tc.status, []byte(tc.body), "monitor@contoso.com")
		if e.Kind != tc.kind || e.Code != tc.code || e.Status != tc.status || e.Message == "" {
			t.Errorf("%d %s: got %+v", tc.status, tc.body, e)
		}
	}
}

func TestFatalKinds(t *testing.T) {
	fatal := map[Kind]bool{KindWrongSecret: true, KindSecretExpired: true, KindAppNotFound: true, KindTenantNotFound: true,
		KindAccessDenied: true, KindUnauthorized: true, KindCanceled: true}
	for k := KindOther; k <= KindCanceled; k++ {
		if got := (&Error{Kind: k}).fatal(); got != fatal[k] {
			t.Errorf("%v fatal = %v", k, got)
		}
		if strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %d has no name", k)
		}
	}
	// A missing mailbox is fatal only when it is the sync user (HTTP 404),
	// not a per-item 5009.
	if (&Error{Kind: KindMailboxNotFound}).fatal() || !(&Error{Kind: KindMailboxNotFound, Status: 404}).fatal() {
		t.Error("mailbox-not-found fatality wrong")
	}
}

func TestSecretExpiryWarning(t *testing.T) {
	now := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct {
		expires time.Time
		want    string
	}{
		{time.Time{}, ""},
		{day("2026-01-01"), ""},
		{day("2025-07-03"), ""}, // 30.6 days
		{day("2025-07-02"), "expires on 2025-07-02 (in 30 days)"},
		{day("2025-06-03"), "expires on 2025-06-03 (in 1 day)"},
		{day("2025-06-02"), "expired on 2025-06-02"},
		{day("2024-12-31"), "expired on 2024-12-31"},
	}
	for _, tc := range cases {
		got := SecretExpiryWarning(tc.expires, now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("SecretExpiryWarning(%s) = %q, want %q", tc.expires.Format("2006-01-02"), got, tc.want)
		}
		if got != "" && !strings.Contains(got, "calsync secret set graph") {
			t.Errorf("warning %q lacks the command", got)
		}
	}
}

func TestRedactAndDefaultEndpoints(t *testing.T) {
	c, err := New(Options{TenantID: "contoso.onmicrosoft.com", ClientID: "c", ClientSecret: "p4ss.w0rd~secret", SyncUser: "m@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.redact("body had p4ss.w0rd~secret in it"); got != "body had [secret] in it" {
		t.Errorf("redact = %q", got)
	}
	if got := c.tokens.conf.TokenURL; got != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" {
		t.Errorf("token URL = %q", got)
	}
	if got := c.tokens.conf.Scopes; len(got) != 1 || got[0] != "https://graph.microsoft.com/.default" {
		t.Errorf("scopes = %v", got)
	}
	if c.tokens.conf.AuthStyle != oauth2.AuthStyleInParams {
		t.Error("credentials are not sent in the body")
	}
	if c.scheduleURL != "https://graph.microsoft.com/v1.0/users/m@contoso.com/calendar/getSchedule" {
		t.Errorf("schedule URL = %q", c.scheduleURL)
	}
	if c.opts.MaxInFlight != 4 || c.opts.BatchSize != 20 {
		t.Errorf("defaults %d/%d", c.opts.MaxInFlight, c.opts.BatchSize)
	}
	var e *Error
	if !errors.As(fmt.Errorf("wrapped: %w", &Error{Kind: KindThrottled}), &e) {
		t.Error("*Error not found through wrapping")
	}
}
