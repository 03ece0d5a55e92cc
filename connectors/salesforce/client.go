package salesforce

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// APIError is an error answer of the Salesforce REST API (a JSON array of
// {message, errorCode}). REQUEST_LIMIT_EXCEEDED unwraps to
// northstar.ErrPartial: the run stops early and resumes next time.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Unwrap maps REQUEST_LIMIT_EXCEEDED to northstar.ErrPartial.
func (e *APIError) Unwrap() error {
	if e.Code == "REQUEST_LIMIT_EXCEEDED" && e.Status != http.StatusTooManyRequests {
		return northstar.ErrPartial
	}
	return nil
}

// usage is the last API usage Salesforce reported (Sforce-Limit-Info).
type usage struct {
	used, max       int64 // api-usage
	appUsed, appMax int64 // per-app-api-usage, when present
}

// fraction is the larger of the org-wide and per-app usage fractions.
func (u usage) fraction() (float64, bool) {
	f, ok := 0.0, false
	if u.max > 0 {
		f, ok = float64(u.used)/float64(u.max), true
	}
	if u.appMax > 0 {
		f, ok = max(f, float64(u.appUsed)/float64(u.appMax)), true
	}
	return f, ok
}

// parseLimitInfo reads a Sforce-Limit-Info header tolerantly: parts split
// on ";", each "name=used/max" optionally followed by "(appName=…)";
// unknown or malformed parts are ignored.
func parseLimitInfo(h string) (usage, bool) {
	var u usage
	found := false
	for _, part := range strings.Split(h, ";") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		if i := strings.IndexByte(val, '('); i >= 0 {
			val = val[:i]
		}
		a, b, ok := strings.Cut(strings.TrimSpace(val), "/")
		used, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		limit, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
		if !ok || err1 != nil || err2 != nil || limit <= 0 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "api-usage":
			u.used, u.max, found = used, limit, true
		case "per-app-api-usage":
			u.appUsed, u.appMax, found = used, limit, true
		}
	}
	return u, found
}

// client talks to one org: OAuth session, retries, quota accounting. All
// HTTP goes through go-retryablehttp.
type client struct {
	name    string
	opts    Options
	key     *rsa.PrivateKey
	log     *slog.Logger
	obs     connectors.Observer
	now     func() time.Time
	http    *retryablehttp.Client
	secrets []string

	mu       sync.Mutex
	token    string
	instance string
	usage    usage
	hasUsage bool
}

type attemptKey struct{}

func newClient(name string, opts Options, key *rsa.PrivateKey, env connectors.Env) *client {
	c := &client{name: name, opts: opts, key: key, log: env.Logger, obs: env.Observer, now: env.Now}
	for _, s := range []string{opts.ClientSecret, opts.Password, opts.SecurityToken, opts.AccessToken, opts.Password + opts.SecurityToken} {
		if len(s) >= 4 {
			c.secrets = append(c.secrets, s)
		}
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: env.Transport, Timeout: opts.Timeout}
	rc.Logger = nil
	rc.RetryMax = opts.MaxRetries
	rc.RetryWaitMin = 500 * time.Millisecond
	rc.RetryWaitMax = 30 * time.Second
	rc.CheckRetry = c.checkRetry
	rc.Backoff = c.backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c.http = rc
	if opts.Auth == AuthAccessToken {
		c.token, c.instance = opts.AccessToken, strings.TrimRight(opts.InstanceURL, "/")
	}
	return c
}

// checkRetry observes every attempt (status, Sforce-Limit-Info) and retries
// transport errors, 429 and 5xx except 501.
func (c *client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	status := 0
	if resp != nil {
		status = resp.StatusCode
		if u, ok := parseLimitInfo(resp.Header.Get("Sforce-Limit-Info")); ok {
			c.noteUsage(u)
		}
	}
	if n, ok := ctx.Value(attemptKey{}).(*int); ok {
		if c.obs != nil {
			c.obs.UpstreamCall(c.name, status, *n > 0)
		}
		*n++
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	if status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented) {
		c.log.Debug("salesforce: retrying", "status", status, "retry_after", resp.Header.Get("Retry-After"))
		return true, nil
	}
	return false, nil
}

// backoff honours Retry-After (capped at max_retry_after), else waits
// exponentially with jitter.
func (c *client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
				return min(time.Duration(n)*time.Second, c.opts.MaxRetryAfter)
			}
			if t, err := http.ParseTime(s); err == nil {
				return min(max(t.Sub(c.now()), 0), c.opts.MaxRetryAfter)
			}
		}
	}
	d := lo << min(attempt, 16)
	if d > hi || d <= 0 {
		d = hi
	}
	return d/2 + rand.N(d/2+1)
}

func (c *client) noteUsage(u usage) {
	c.mu.Lock()
	c.usage, c.hasUsage = u, true
	c.mu.Unlock()
	if f, ok := u.fraction(); ok && c.obs != nil {
		c.obs.QuotaRemaining(c.name, max(0, 1-f))
	}
}

// resetUsage forgets the last reported usage: quotas reset daily, so a
// long-lived Source learns the current usage from its next answer.
func (c *client) resetUsage() {
	c.mu.Lock()
	c.hasUsage = false
	c.mu.Unlock()
}

// budgetErr returns an error wrapping northstar.ErrPartial when the last
// reported usage reached max_api_percent.
func (c *client) budgetErr() error {
	c.mu.Lock()
	u, ok := c.usage, c.hasUsage
	c.mu.Unlock()
	if !ok {
		return nil
	}
	if f, ok := u.fraction(); ok && f*100 >= c.opts.MaxAPIPercent {
		return fmt.Errorf("API usage %d/%d reached max_api_percent %v: %w",
			u.used, u.max, c.opts.MaxAPIPercent, northstar.ErrPartial)
	}
	return nil
}

// redact removes configured secrets from text taken from upstream answers.
func (c *client) redact(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}

// send performs one logical HTTP call with retries; it returns the status,
// headers and whole body. Transport errors come back as errors.
func (c *client) send(ctx context.Context, method, u string, body []byte, hdr http.Header) (int, http.Header, []byte, error) {
	attempts := 0
	ctx = context.WithValue(ctx, attemptKey{}, &attempts)
	var rb any
	if body != nil {
		rb = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, rb)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "northstar")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil && ctx.Err() != nil {
			return 0, nil, nil, ctxErr
		}
		return 0, nil, nil, errors.New(c.redact(stripURL(err.Error(), u)))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, resp.Header, nil, &incompleteError{fmt.Errorf("read body: %w", err)}
	}
	return resp.StatusCode, resp.Header, data, nil
}

// stripURL removes the query string of u from a transport error message
// (SOQL in URLs makes errors unreadable, and URLs never carry secrets here,
// but bodies of token requests might).
func stripURL(msg, u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		msg = strings.ReplaceAll(msg, u, u[:i]+"?…")
		if q, err := url.QueryUnescape(u[i+1:]); err == nil {
			msg = strings.ReplaceAll(msg, q, "…")
		}
	}
	return msg
}

// incompleteError is an answer cut short (connection dropped mid-body) or
// unparsable; the call is safe to repeat.
type incompleteError struct{ err error }

func (e *incompleteError) Error() string { return e.err.Error() }
func (e *incompleteError) Unwrap() error { return e.err }

// tokenResponse is the OAuth token endpoint's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// login obtains a new session with the configured OAuth flow.
func (c *client) login(ctx context.Context) error {
	form := url.Values{}
	switch c.opts.Auth {
	case AuthAccessToken:
		return &northstar.HintError{Err: errors.New("the access token was refused (INVALID_SESSION_ID)"),
			Hint: "give a fresh access_token or use auth: jwt, client_credentials or password, which renew sessions"}
	case AuthPassword:
		form.Set("grant_type", "password")
		form.Set("client_id", c.opts.ClientID)
		form.Set("client_secret", c.opts.ClientSecret)
		form.Set("username", c.opts.Username)
		form.Set("password", c.opts.Password+c.opts.SecurityToken)
	case AuthClientCredentials:
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", c.opts.ClientID)
		form.Set("client_secret", c.opts.ClientSecret)
	case AuthJWT:
		claims := jwt.MapClaims{
			"iss": c.opts.ClientID, "sub": c.opts.Username, "aud": jwtAudience(c.opts.LoginURL),
			"exp": c.now().Add(3 * time.Minute).Unix(),
		}
		assertion, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(c.key)
		if err != nil {
			return fmt.Errorf("sign JWT assertion: %w", err)
		}
		form.Set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
		form.Set("assertion", assertion)
	}
	u := strings.TrimRight(c.opts.LoginURL, "/") + "/services/oauth2/token"
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	status, _, body, err := c.send(ctx, http.MethodPost, u, []byte(form.Encode()), hdr)
	if err != nil {
		return fmt.Errorf("login (%s): %w", c.opts.Auth, err)
	}
	var tr tokenResponse
	_ = json.Unmarshal(body, &tr)
	if status != http.StatusOK || tr.AccessToken == "" {
		msg := tr.Error
		if tr.Description != "" {
			msg += ": " + tr.Description
		}
		if msg == "" {
			msg = "unexpected answer"
		}
		return &northstar.HintError{
			Err:  fmt.Errorf("login (%s) refused: HTTP %d %s", c.opts.Auth, status, c.redact(msg)),
			Hint: "check the connected app, the user's credentials and login_url",
		}
	}
	c.mu.Lock()
	c.token, c.instance = tr.AccessToken, strings.TrimRight(tr.InstanceURL, "/")
	c.mu.Unlock()
	c.log.Debug("salesforce: logged in", "auth", c.opts.Auth, "instance_url", tr.InstanceURL)
	return nil
}

// jwtAudience is the `aud` claim: Salesforce wants login.salesforce.com
// (or test.salesforce.com for sandboxes) even for My Domain login URLs;
// other hosts (an emulator, an Experience Cloud site) get their own URL.
func jwtAudience(loginURL string) string {
	u, err := url.Parse(loginURL)
	if err != nil {
		return loginURL
	}
	h := strings.ToLower(u.Hostname())
	switch {
	case strings.Contains(h, "test.salesforce.com") || strings.Contains(h, ".sandbox.my.salesforce.com"):
		return "https://test.salesforce.com"
	case strings.HasSuffix(h, "salesforce.com"):
		return "https://login.salesforce.com"
	}
	return strings.TrimRight(loginURL, "/")
}

// dataURL makes a REST path absolute: "/services/…" paths are taken
// verbatim (nextRecordsUrl), others are relative to /services/data/vXX.X.
func (c *client) dataURL(path string) string {
	c.mu.Lock()
	inst := c.instance
	c.mu.Unlock()
	if strings.HasPrefix(path, "/services/") {
		return inst + path
	}
	return inst + "/services/data/v" + c.opts.APIVersion + "/" + strings.TrimPrefix(path, "/")
}

// call performs one REST call: it logs in when needed, stops before the
// API budget is exceeded (unless cleanup), renews an expired session once,
// and turns error answers into *APIError.
func (c *client) call(ctx context.Context, method, path string, body []byte, hdr http.Header, cleanup bool) (http.Header, []byte, error) {
	c.mu.Lock()
	loggedIn := c.token != ""
	c.mu.Unlock()
	if !loggedIn {
		if err := c.login(ctx); err != nil {
			return nil, nil, err
		}
	}
	for renewed := false; ; renewed = true {
		if !cleanup {
			if err := c.budgetErr(); err != nil {
				return nil, nil, err
			}
		}
		h := http.Header{}
		for k, v := range hdr {
			h[k] = v
		}
		if h.Get("Accept") == "" {
			h.Set("Accept", "application/json")
		}
		if body != nil && h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
		c.mu.Lock()
		h.Set("Authorization", "Bearer "+c.token)
		c.mu.Unlock()
		status, rh, data, err := c.send(ctx, method, c.dataURL(path), body, h)
		if err != nil {
			return nil, nil, err
		}
		if status >= 200 && status < 300 {
			return rh, data, nil
		}
		apiErr := c.apiError(status, data)
		if status == http.StatusUnauthorized && !renewed {
			c.log.Debug("salesforce: session expired, renewing", "code", apiErr.Code)
			if err := c.login(ctx); err != nil {
				return nil, nil, err
			}
			continue
		}
		return rh, data, apiErr
	}
}

// apiError decodes Salesforce's error array (or anything else) safely.
func (c *client) apiError(status int, data []byte) *APIError {
	var arr []struct {
		Message   string `json:"message"`
		ErrorCode string `json:"errorCode"`
	}
	e := &APIError{Status: status}
	if json.Unmarshal(data, &arr) == nil && len(arr) > 0 {
		e.Code, e.Message = arr[0].ErrorCode, arr[0].Message
	} else {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		e.Message = msg
	}
	e.Message = c.redact(e.Message)
	return e
}

// getJSON GETs a REST resource and decodes it into v (numbers as
// json.Number). A body that ends early or does not parse (a truncated
// answer) is fetched again.
func (c *client) getJSON(ctx context.Context, path string, hdr http.Header, v any) error {
	_, err := c.fetch(ctx, path, hdr, func(_ http.Header, data []byte) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		return dec.Decode(v)
	})
	return err
}
