package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// graphTokenError is Entra's OAuth error body.
type graphTokenError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// graphTokenResponse is Entra's client-credentials success body.
type graphTokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// writeTokenError answers like Entra: the description starts with the
// AADSTS code and ends with trace, correlation and timestamp lines.
func (g *Graph) writeTokenError(w http.ResponseWriter, status int, oauthErr string, code int, desc string) {
	now := g.clock.Now().UTC()
	trace, corr := graphNewID(), graphNewID()
	body := graphTokenError{
		Error: oauthErr,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			code, desc, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		ErrorCodes:    []int{code},
		Timestamp:     now.Format("2006-01-02 15:04:05Z"),
		TraceID:       trace,
		CorrelationID: corr,
		ErrorURI:      fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", code),
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, status, body)
}

// serveToken is POST /{tenant}/oauth2/v2.0/token (client credentials).
func (g *Graph) serveToken(w http.ResponseWriter, r *http.Request, tenantID string) {
	g.tokenRequests.Add(1)
	if !g.graphSleep(r) {
		return
	}
	if r.Method != http.MethodPost {
		g.writeTokenError(w, http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts POST requests. Received a "+r.Method+" request.")
		return
	}
	if err := r.ParseForm(); err != nil {
		g.writeTokenError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'grant_type'.")
		return
	}
	grant := r.PostForm.Get("grant_type")
	clientID := r.PostForm.Get("client_id")
	secret := r.PostForm.Get("client_secret")
	scope := r.PostForm.Get("scope")
	// A certificate credential sends a signed assertion instead of the secret.
	assertion := r.PostForm.Has("client_assertion") || r.PostForm.Has("client_assertion_type")

	g.mu.Lock()
	down := g.tokenDown
	g.mu.Unlock()
	if down {
		// Entra during an incident: 503 with its transient error code.
		g.tokenDownAnswers.Add(1)
		g.writeTokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", 90033,
			"A transient error has occurred. Please try again.")
		return
	}

	g.mu.Lock()
	tenant := g.tenants[strings.ToLower(tenantID)]
	var appSecret string
	var appFound bool
	if tenant != nil {
		appSecret, appFound = tenant.apps[strings.ToLower(clientID)]
	}
	expired := g.secretExpired
	g.mu.Unlock()

	switch {
	case grant == "":
		g.writeTokenError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'grant_type'.")
	case grant != "client_credentials":
		g.writeTokenError(w, http.StatusBadRequest, "unsupported_grant_type", 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant))
	case tenant == nil:
		g.writeTokenError(w, http.StatusBadRequest, "invalid_request", 90002,
			fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing "+
				"into the correct cloud. Check with your subscription administrator, this may happen if there are "+
				"no active subscriptions for the tenant.", tenantID))
	case !appFound:
		g.writeTokenError(w, http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen "+
				"if the application has not been installed by the administrator of the tenant or consented to by "+
				"any user in the tenant. You may have sent your authentication request to the wrong tenant.",
				clientID, tenant.id))
	case assertion && secret != "":
		// Entra refuses two credentials in one request; its exact code for
		// this is not documented, so the emulator uses a request error.
		g.writeTokenError(w, http.StatusBadRequest, "invalid_request", 90014,
			"Only one of 'client_assertion' and 'client_secret' may be sent.")
	case assertion && !g.checkAssertion(w, r, tenant.id, clientID):
		// checkAssertion has answered.
	case !assertion && secret == "":
		g.writeTokenError(w, http.StatusUnauthorized, "invalid_client", 7000216,
			"'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
	case !assertion && secret != appSecret:
		g.writeTokenError(w, http.StatusUnauthorized, "invalid_client", 7000215,
			fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the "+
				"client secret value, not the client secret ID, for a secret added to app '%s'.", clientID))
	case !assertion && expired:
		g.writeTokenError(w, http.StatusUnauthorized, "invalid_client", 7000222,
			fmt.Sprintf("The provided client secret keys for app '%s' are expired. Visit the Azure portal to "+
				"create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "+
				"credentials for added security: https://aka.ms/certCreds.", clientID))
	case !strings.HasSuffix(scope, "/.default"):
		g.writeTokenError(w, http.StatusBadRequest, "invalid_scope", 1002012,
			fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope "+
				"value with /.default suffixed to the resource identifier (application ID URI).", scope))
	default:
		token := "eyJ0eXAiOiJKV1QifQ." + strings.ReplaceAll(graphNewID(), "-", "") + ".emulator"
		g.mu.Lock()
		lifetime := g.tokenLifetime
		g.tokens[token] = graphIssued{expiry: g.clock.Now().Add(lifetime)}
		g.mu.Unlock()
		g.tokensIssued.Add(1)
		g.log.Debug("emulator issued token", "tenant", tenantID, "client", clientID)
		// Entra reports one second less than the lifetime.
		secs := int64((lifetime - time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Cache-Control", "no-store, no-cache")
		writeJSON(w, http.StatusOK, graphTokenResponse{TokenType: "Bearer", ExpiresIn: secs, ExtExpiresIn: secs, AccessToken: token})
	}
}

// graphCheckBearer validates the Authorization header like Graph: 401
// InvalidAuthenticationToken for a missing, unknown or expired token.
func (g *Graph) graphCheckBearer(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	msg := ""
	if !ok || strings.TrimSpace(token) == "" {
		msg = "Access token is empty."
	} else {
		g.mu.Lock()
		issued, known := g.tokens[strings.TrimSpace(token)]
		g.mu.Unlock()
		switch {
		case !known:
			msg = "Access token validation failure. Invalid audience."
		case !g.clock.Now().Before(issued.expiry):
			msg = "Lifetime validation failed, the token is expired."
		}
	}
	if msg == "" {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
	return false
}
