package graph

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/microsoft"

	"github.com/calsync/calsync/sync/retry"
)

// CertificateFileName is the certificate file of the certificate credential,
// named in remedies (certcred.FileName; repeated so that graph does not
// depend on how the credential is made).
const CertificateFileName = "calsync-graph.cer"

// clientAssertionType is the client_assertion_type of a JWT assertion.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientCertificate is the certificate credential: it signs the client
// assertion (a JWT for audience, the token endpoint URL) that replaces the
// client secret. *certcred.Credential implements it.
type ClientCertificate interface {
	Assertion(clientID, audience string, now time.Time) (string, error)
	// Thumbprint is the certificate's SHA-1 in upper-case hex, named in remedies.
	Thumbprint() string
}

// refreshMargin is how long before expiry a token is replaced, so a
// request never leaves with a token that dies in flight.
const refreshMargin = time.Minute

// tokenCache holds the app token and fetches a new one only near expiry:
// about one token request per hour however often the engine polls. Expiry
// is kept on the client's clock, so a fake clock drives it in tests.
type tokenCache struct {
	c    *Client
	conf clientcredentials.Config
	// sem serialises fetching; a channel so that waiting respects ctx.
	sem chan struct{}
	// guarded by sem
	token  string
	expiry time.Time
}

func newTokenCache(c *Client) *tokenCache {
	tokenURL := c.opts.AuthorityURL + "/" + c.opts.TenantID + "/oauth2/v2.0/token"
	if c.opts.AuthorityURL == DefaultAuthorityURL {
		tokenURL = microsoft.AzureADEndpoint(c.opts.TenantID).TokenURL
	}
	t := &tokenCache{
		c: c,
		conf: clientcredentials.Config{
			ClientID:     c.opts.ClientID,
			ClientSecret: c.opts.ClientSecret,
			TokenURL:     tokenURL,
			Scopes:       []string{c.opts.GraphURL + "/.default"},
			// In params, x/oauth2 sends client_secret only when it is
			// non-empty, so a certificate request carries none.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		sem: make(chan struct{}, 1),
	}
	if c.opts.Certificate != nil {
		t.conf.ClientSecret = ""
		t.conf.EndpointParams = url.Values{"client_assertion_type": {clientAssertionType}}
	}
	return t
}

// sign puts a fresh client assertion in the token request parameters. Each
// request gets its own (new jti, nbf now), so a retry after a failure or an
// hour later never sends a stale one. Called with sem held, which is what
// makes writing EndpointParams safe.
func (t *tokenCache) sign(now time.Time) *Error {
	cert := t.c.opts.Certificate
	if cert == nil {
		return nil
	}
	a, err := cert.Assertion(t.conf.ClientID, t.conf.TokenURL, now)
	if err != nil {
		return &Error{Kind: KindOther, Message: "signing the client assertion failed: " + err.Error(), Err: err,
			Remedy: "The certificate's private key in the keychain cannot sign; run `calsync cert new` and upload the new " +
				CertificateFileName + "."}
	}
	t.conf.EndpointParams.Set("client_assertion", a)
	return nil
}

// get returns a valid access token, fetching one (a single attempt) when
// none is cached or it is about to expire. Errors are *Error, wrapped in
// retry.Transient when a retry may help.
func (t *tokenCache) get(ctx context.Context) (string, error) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return "", &Error{Kind: KindCanceled, Message: ctx.Err().Error(), Err: ctx.Err()}
	}
	defer func() { <-t.sem }()
	now := t.c.clock.Now()
	if t.token != "" && now.Before(t.expiry) {
		return t.token, nil
	}
	if e := t.sign(now); e != nil {
		return "", e
	}
	t.c.tokenRequests.Add(1)
	tok, err := t.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, t.c.http))
	if t.conf.EndpointParams != nil {
		// The assertion is a bearer credential for minutes: keep it no longer.
		t.conf.EndpointParams.Del("client_assertion")
	}
	if err != nil {
		e := classifyTokenError(err, t.c.redact)
		if cert := t.c.opts.Certificate; cert != nil && e.Remedy != "" {
			switch e.Kind {
			case KindCertificateNotRegistered, KindCertificateExpired, KindCertificateRevoked:
				e.Remedy = certificateRemedy(e.Kind, cert.Thumbprint())
			}
		}
		if e.Kind == KindCanceled && ctx.Err() != nil {
			e.Err = ctx.Err()
		}
		switch e.Kind {
		case KindNetwork, KindUnavailable, KindThrottled:
			return "", retry.Transient(e, 0)
		}
		return "", e
	}
	if tok.AccessToken == "" {
		return "", &Error{Kind: KindBadResponse, Message: "the token endpoint answered without an access_token",
			Remedy: remedy(KindBadResponse, "", "")}
	}
	lifetime := tokenLifetime(tok)
	margin := min(refreshMargin, lifetime/2)
	t.token, t.expiry = tok.AccessToken, now.Add(lifetime-margin)
	t.c.log.Debug("obtained access token", "expiresIn", lifetime.Round(time.Second))
	return t.token, nil
}

// tokenLifetime reads expires_in from the response; oauth2 turns it into a
// wall-clock Expiry, which a fake clock cannot use.
func tokenLifetime(tok *oauth2.Token) time.Duration {
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		if v > 0 {
			return time.Duration(v) * time.Second
		}
	case string:
		var secs int64
		if _, err := fmt.Sscan(v, &secs); err == nil && secs > 0 {
			return time.Duration(secs) * time.Second
		}
	}
	if !tok.Expiry.IsZero() {
		if d := time.Until(tok.Expiry); d > 0 {
			return d
		}
	}
	// Entra's app tokens live 60-90 minutes; assume the short end.
	return time.Hour
}

// invalidate drops the cached token if it is still the one Graph refused.
func (t *tokenCache) invalidate(token string) {
	t.sem <- struct{}{}
	defer func() { <-t.sem }()
	if t.token == token {
		t.token = ""
	}
}

// CredentialInUse says how the client signs in, for `calsync check`:
// "client secret", or "certificate " and its SHA-1 thumbprint.
func (c *Client) CredentialInUse() string {
	if c.opts.Certificate != nil {
		return "certificate " + c.opts.Certificate.Thumbprint()
	}
	return "client secret"
}

// Token obtains an access token now (or confirms the cached one), retrying
// transient failures; `calsync check` uses it. The error is an *Error.
func (c *Client) Token(ctx context.Context) error {
	if e := c.obtainToken(ctx); e != nil {
		return e
	}
	return nil
}

// SignIn obtains an access token now (or confirms the cached one), trying
// again once at most, and only after a transient failure (network, 5xx,
// 429). Work that fans out into many requests (contacts sync, one listing
// per phonebook) calls it first, so a wrong credential costs one token
// request, not one per phonebook. The error is an *Error.
func (c *Client) SignIn(ctx context.Context) error {
	p := c.retry
	p.MaxAttempts = 2
	if err := p.Do(ctx, func(ctx context.Context, _ int) error {
		_, err := c.tokens.get(ctx)
		return err
	}); err != nil {
		return asError(err, c.redact)
	}
	return nil
}

func (c *Client) obtainToken(ctx context.Context) *Error {
	err := c.retry.Do(ctx, func(ctx context.Context, _ int) error {
		_, err := c.tokens.get(ctx)
		return err
	})
	if err == nil {
		return nil
	}
	return asError(err, c.redact)
}
