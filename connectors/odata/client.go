package odata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// httpOptions configures the shared HTTP client of both connectors.
type httpOptions struct {
	name          string // connector name, for the Observer
	username      string
	password      string
	tokenURL      string
	clientID      string
	clientSecret  string
	scope         string
	extraQuery    url.Values // e.g. sap-client
	maxRetries    int
	maxRetryAfter time.Duration
	headers       map[string]string
}

// client performs GETs against an OData service: retries (429/5xx with
// backoff honouring a capped Retry-After, truncated bodies), basic or OAuth2
// client-credentials auth, and error bodies turned into UpstreamError.
type client struct {
	opts  httpOptions
	http  *retryablehttp.Client
	log   *slog.Logger
	obs   connectors.Observer
	mu    sync.Mutex
	token string
	exp   time.Time
	now   func() time.Time

	attempts sync.Map // "METHOD url" → attempt number, for the Observer
}

func newClient(o httpOptions, env connectors.Env) *client {
	c := &client{opts: o, log: env.Logger, obs: env.Observer, now: env.Now}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: env.Transport, Timeout: 10 * time.Minute}
	rc.Logger = nil
	rc.RetryMax = o.maxRetries
	rc.RetryWaitMin = 200 * time.Millisecond
	rc.RetryWaitMax = o.maxRetryAfter
	rc.CheckRetry = retryablehttp.DefaultRetryPolicy
	rc.Backoff = backoff(o.maxRetryAfter)
	// Return the last response instead of a generic "giving up" error, so
	// the caller can read the error body and status.
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, n int) {
		c.attempts.Store(r.Method+" "+r.URL.String(), n)
		if n > 0 {
			c.log.Debug("retrying upstream call", "attempt", n, "path", r.URL.Path)
		}
	}
	rc.ResponseLogHook = func(_ retryablehttp.Logger, r *http.Response) {
		n, _ := c.attempts.LoadAndDelete(r.Request.Method + " " + r.Request.URL.String())
		if c.obs != nil {
			k, _ := n.(int)
			c.obs.UpstreamCall(c.opts.name, r.StatusCode, k > 0)
		}
	}
	c.http = rc
	return c
}

// backoff honours Retry-After (seconds or HTTP date) on 429 and 503,
// capped at max; otherwise exponential from min, capped at max.
func backoff(maxWait time.Duration) retryablehttp.Backoff {
	return func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				return min2(d, maxWait)
			}
		}
		d := time.Duration(float64(min) * math.Pow(2, float64(attempt)))
		if d <= 0 || d > max {
			d = max
		}
		return d
	}
}

func min2(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// bearer returns a cached OAuth2 client-credentials token, fetching a new one
// when it is missing, expired or force is set.
func (c *client) bearer(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && c.now().Before(c.exp) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.opts.scope != "" {
		form.Set("scope", c.opts.scope)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.opts.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.opts.clientID), url.QueryEscape(c.opts.clientSecret))
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return "", fmt.Errorf("token request: http %d: %s: %s", resp.StatusCode, e.Error, e.Desc)
		}
		return "", fmt.Errorf("token request: %w", parseErrorBody(resp.StatusCode, body))
	}
	var tok struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", errors.New("token request: response has no access_token")
	}
	secs, err := tok.ExpiresIn.Int64()
	if err != nil || secs <= 0 {
		secs = 300
	}
	c.token = tok.AccessToken
	// Refresh a little early so a token never expires mid-request.
	c.exp = c.now().Add(time.Duration(secs)*time.Second - time.Duration(min64(secs/10, 60))*time.Second)
	return c.token, nil
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// withQuery adds the connector's fixed query parameters (sap-client) to u
// when it does not carry them already.
func (c *client) withQuery(u string) (string, error) {
	if len(c.opts.extraQuery) == 0 {
		return u, nil
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	q := pu.Query()
	changed := false
	for k, vs := range c.opts.extraQuery {
		if q.Get(k) == "" {
			q[k] = vs
			changed = true
		}
	}
	if changed {
		pu.RawQuery = encodeQuery(q)
	}
	return pu.String(), nil
}

// encodeQuery encodes q like url.Values.Encode but keeps "$", "'", "(",
// ")", "," and "/" readable, as OData clients usually do.
func encodeQuery(q url.Values) string {
	s := q.Encode()
	// Encode writes spaces as "+" (a literal plus is "%2B"); OData servers
	// expect "%20".
	r := strings.NewReplacer("+", "%20", "%24", "$", "%27", "'", "%28", "(", "%29", ")", "%2C", ",", "%2F", "/", "%3A", ":")
	return r.Replace(s)
}

// getJSON GETs u and decodes the JSON body into v (numbers as json.Number).
func (c *client) getJSON(ctx context.Context, u string, headers map[string]string, v any) error {
	return c.get(ctx, u, headers, func(body []byte) error {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		return dec.Decode(v)
	})
}

// getCollection GETs one page of an OData collection.
func (c *client) getCollection(ctx context.Context, u string, v4 bool) (collection, error) {
	var col collection
	err := c.get(ctx, u, nil, func(body []byte) error {
		var err error
		col, err = decodeCollection(body, v4)
		return err
	})
	return col, err
}

// get GETs u and hands the body to decode. A 401 with OAuth2 refreshes the
// token once; a body that ends early or does not parse is fetched again
// (the server may have cut the connection). Exhausted 429 retries return an
// error wrapping northstar.ErrPartial.
func (c *client) get(ctx context.Context, u string, headers map[string]string, decode func([]byte) error) error {
	u, err := c.withQuery(u)
	if err != nil {
		return fmt.Errorf("bad url: %w", err)
	}
	const bodyAttempts = 3
	refreshed := false
	for attempt := 0; ; attempt++ {
		err := c.getOnce(ctx, u, headers, decode)
		var ue *UpstreamError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ue) && ue.Status == http.StatusUnauthorized && c.opts.tokenURL != "" && !refreshed:
			refreshed = true
			if _, terr := c.bearer(ctx, true); terr != nil {
				return terr
			}
			continue
		case errors.As(err, &ue) && ue.Status == http.StatusTooManyRequests:
			return fmt.Errorf("%w: %w (request limit; retries exhausted)", northstar.ErrPartial, err)
		case errors.Is(err, errTruncated) && attempt+1 < bodyAttempts && ctx.Err() == nil:
			c.log.Warn("re-fetching truncated page", "path", redact(u), "attempt", attempt+1)
			continue
		}
		return err
	}
}

func (c *client) getOnce(ctx context.Context, u string, headers map[string]string, decode func([]byte) error) error {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	for k, val := range c.opts.headers {
		req.Header.Set(k, val)
	}
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	switch {
	case c.opts.tokenURL != "":
		tok, err := c.bearer(ctx, false)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case c.opts.username != "":
		req.SetBasicAuth(c.opts.username, c.opts.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		ue := parseErrorBody(resp.StatusCode, body)
		ue.URL = redact(u)
		return ue
	}
	// Read the whole page first (sized by Content-Length): one buffer, no
	// decoder refills; a body that ends early is reported as truncated.
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength < 1<<30 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return fmt.Errorf("get %s: %w: %w", redact(u), errTruncated, err)
	}
	if err := decode(buf.Bytes()); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || isSyntax(err) {
			return fmt.Errorf("get %s: %w: %w", redact(u), errTruncated, err)
		}
		return fmt.Errorf("get %s: decode: %w", redact(u), err)
	}
	return nil
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

// redact returns u's path (no query: filters may hold customer data, and
// hosts may embed credentials).
func redact(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "(bad url)"
	}
	return pu.Path
}
