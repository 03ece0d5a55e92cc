package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EmulatorOptions configures an Emulator. Zero fields get defaults.
type EmulatorOptions struct {
	// ClientID and ClientSecret identify the connected app (all OAuth flows).
	ClientID, ClientSecret string
	// Username, Password and SecurityToken are the integration user's
	// credentials (username-password flow; Username also for JWT).
	Username, Password, SecurityToken string
	// PublicKey verifies JWT bearer assertions; nil refuses the JWT flow.
	PublicKey *rsa.PublicKey
	// PageSize caps records per query page (default 2000, as Salesforce).
	PageSize int
	// BulkPageSize is the default maxRecords of a Bulk 2.0 result page
	// (default 10000).
	BulkPageSize int
	// BulkPolls is how many status polls answer InProgress before a Bulk
	// 2.0 job completes (default 1).
	BulkPolls int
	// DeletedIDLimit is the most Ids /deleted returns before failing with
	// EXCEEDED_ID_LIMIT (default 600000, as Salesforce).
	DeletedIDLimit int
	// APIMax is DailyApiRequests.Max (default 100000).
	APIMax int64
	// LimitInfo selects the Sforce-Limit-Info shape: "" (api-usage=N/M),
	// "bursts" (…; api-bursts=1/750) or "per-app" (…; per-app-api-usage=…).
	LimitInfo string
	// Now is the emulator's clock, used for SystemModstamp (default: wall
	// clock truncated to whole seconds, as Salesforce stores them).
	Now func() time.Time
	// Objects are the emulated sObjects (default StandardObjects()).
	Objects []Object
}

// Chaos switches failure modes of an Emulator on. Counters are "every Nth
// matching request" (0 = off) and count from the moment SetChaos is called.
type Chaos struct {
	// RateLimitEvery answers every Nth REST request with 429 and Retry-After.
	RateLimitEvery int
	// UnavailableEvery answers every Nth REST request with 503 (HTML body)
	// and Retry-After.
	UnavailableEvery int
	// RetryAfter is the Retry-After value in seconds sent with 429/503.
	RetryAfter int
	// ExpireSessionEvery revokes every session on every Nth nextRecordsUrl
	// request, which then fails with 401 INVALID_SESSION_ID.
	ExpireSessionEvery int
	// QueryTimeoutAbove fails a query (or queryAll) whose result has more
	// rows than this with 400 QUERY_TIMEOUT.
	QueryTimeoutAbove int
	// RequestLimitAfter answers every REST request after the first N with
	// 403 REQUEST_LIMIT_EXCEEDED.
	RequestLimitAfter int
	// TruncateEvery cuts every Nth query page body in half and aborts the
	// connection.
	TruncateEvery int
	// BulkFail makes Bulk 2.0 query jobs end in state Failed.
	BulkFail bool
}

// Emulator is an in-memory Salesforce org served over HTTP: OAuth token
// endpoint, REST query/queryAll with nextRecordsUrl paging, describe,
// /deleted, /limits and Bulk API 2.0 query jobs, with Sforce-Limit-Info on
// every REST response and switchable failure modes (Chaos). It is safe for
// concurrent use; tests, benchmarks and `northstar demo` drive it.
type Emulator struct {
	mu       sync.Mutex
	opts     EmulatorOptions
	tables   map[string]*table // lower-case object name → table
	tokens   map[string]bool
	locators map[string]*locator
	locOrder []string
	jobs     map[string]*bulkJob
	seq      int64
	apiUsed  int64
	chaos    Chaos
	counts   struct{ calls, rate, unavail, expire, trunc int }
	created  int // bulk jobs created
	srv      *httptest.Server
}

type locator struct {
	t      *table
	fields []string
	rows   []map[string]any
	size   int // page size, fixed by the first page
}

// NewEmulator returns an emulator holding no records.
func NewEmulator(opts EmulatorOptions) *Emulator {
	if opts.PageSize <= 0 {
		opts.PageSize = 2000
	}
	if opts.BulkPageSize <= 0 {
		opts.BulkPageSize = 10000
	}
	if opts.BulkPolls <= 0 {
		opts.BulkPolls = 1
	}
	if opts.APIMax <= 0 {
		opts.APIMax = 100000
	}
	if opts.DeletedIDLimit <= 0 {
		opts.DeletedIDLimit = 600000
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC().Truncate(time.Second) }
	}
	if opts.Objects == nil {
		opts.Objects = StandardObjects()
	}
	e := &Emulator{opts: opts, tables: map[string]*table{}, tokens: map[string]bool{},
		locators: map[string]*locator{}, jobs: map[string]*bulkJob{}}
	for _, o := range opts.Objects {
		e.tables[strings.ToLower(o.Name)] = newTable(o)
	}
	return e
}

// Start serves the emulator on a loopback port and returns its base URL
// (both login URL and instance URL).
func (e *Emulator) Start() string {
	e.srv = httptest.NewServer(e)
	return e.srv.URL
}

// Close stops a server started with Start.
func (e *Emulator) Close() {
	if e.srv != nil {
		e.srv.Close()
	}
}

// SetChaos replaces the failure modes and restarts their counters.
func (e *Emulator) SetChaos(c Chaos) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.chaos = c
	e.counts = struct{ calls, rate, unavail, expire, trunc int }{}
}

// SetAPIUsage sets the org's daily API usage counter and maximum.
func (e *Emulator) SetAPIUsage(used, max int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.apiUsed, e.opts.APIMax = used, max
}

// APIUsage returns the API requests used today and the daily maximum.
func (e *Emulator) APIUsage() (used, max int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.apiUsed, e.opts.APIMax
}

// IssueToken returns a new valid access token (the access_token flow).
func (e *Emulator) IssueToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.newTokenLocked()
}

// RevokeTokens invalidates every session, as an expiry would.
func (e *Emulator) RevokeTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.tokens)
}

// BulkJobs returns how many Bulk 2.0 jobs were created and how many still
// exist (not deleted).
func (e *Emulator) BulkJobs() (created, live int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.created, len(e.jobs)
}

func (e *Emulator) newTokenLocked() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := "00D5g000004Emu!" + hex.EncodeToString(b)
	e.tokens[tok] = true
	return tok
}

// --- HTTP ------------------------------------------------------------------

// sfError is a Salesforce REST error, written as a JSON array.
type sfError struct {
	status int
	code   string
	msg    string
}

func (e *sfError) Error() string { return e.code + ": " + e.msg }

func writeSFError(w http.ResponseWriter, err *sfError) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(err.status)
	b, _ := json.Marshal([]map[string]any{{"message": err.msg, "errorCode": err.code}})
	_, _ = w.Write(b)
}

func instanceURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/services/oauth2/token" {
		e.serveToken(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/services/data/v")
	if !ok {
		http.NotFound(w, r)
		return
	}
	version, rest, _ := strings.Cut(rest, "/")
	if _, err := strconv.ParseFloat(version, 64); err != nil {
		writeSFError(w, &sfError{404, "NOT_FOUND", "The requested resource does not exist"})
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !e.tokens[tok] {
		writeSFError(w, &sfError{401, "INVALID_SESSION_ID", "Session expired or invalid"})
		return
	}
	e.apiUsed++
	e.counts.calls++
	w.Header().Set("Sforce-Limit-Info", e.limitInfoLocked())
	c := e.chaos
	if c.RequestLimitAfter > 0 && e.counts.calls > c.RequestLimitAfter {
		writeSFError(w, &sfError{403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."})
		return
	}
	if e.apiUsed > e.opts.APIMax {
		writeSFError(w, &sfError{403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."})
		return
	}
	if c.RateLimitEvery > 0 {
		if e.counts.rate++; e.counts.rate%c.RateLimitEvery == 0 {
			w.Header().Set("Retry-After", strconv.Itoa(c.RetryAfter))
			writeSFError(w, &sfError{429, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."})
			return
		}
	}
	if c.UnavailableEvery > 0 {
		if e.counts.unavail++; e.counts.unavail%c.UnavailableEvery == 0 {
			w.Header().Set("Retry-After", strconv.Itoa(c.RetryAfter))
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("<html><body>Service Unavailable: maintenance</body></html>"))
			return
		}
	}
	var err error
	switch {
	case r.Method == http.MethodGet && (rest == "query" || rest == "queryAll" || rest == "query/" || rest == "queryAll/"):
		err = e.serveQuery(w, r, version, strings.HasPrefix(rest, "queryAll"))
	case r.Method == http.MethodGet && (strings.HasPrefix(rest, "query/") || strings.HasPrefix(rest, "queryAll/")):
		_, loc, _ := strings.Cut(rest, "/")
		err = e.serveMore(w, version, loc)
	case r.Method == http.MethodGet && rest == "limits":
		err = e.serveLimits(w)
	case strings.HasPrefix(rest, "sobjects/"):
		parts := strings.Split(strings.Trim(strings.TrimPrefix(rest, "sobjects/"), "/"), "/")
		switch {
		case len(parts) == 2 && parts[1] == "describe":
			err = e.serveDescribe(w, parts[0])
		case len(parts) == 2 && parts[1] == "deleted":
			err = e.serveDeleted(w, r, parts[0])
		default:
			err = &sfError{404, "NOT_FOUND", "The requested resource does not exist"}
		}
	case strings.HasPrefix(rest, "jobs/query"):
		err = e.serveBulk(w, r, version, strings.Trim(strings.TrimPrefix(rest, "jobs/query"), "/"))
	default:
		err = &sfError{404, "NOT_FOUND", "The requested resource does not exist"}
	}
	if err != nil {
		se, ok := err.(*sfError)
		if !ok {
			se = &sfError{500, "UNKNOWN_EXCEPTION", err.Error()}
		}
		writeSFError(w, se)
	}
}

func (e *Emulator) limitInfoLocked() string {
	s := fmt.Sprintf("api-usage=%d/%d", e.apiUsed, e.opts.APIMax)
	switch e.opts.LimitInfo {
	case "bursts":
		s += "; api-bursts=1/750"
	case "per-app":
		s += fmt.Sprintf("; per-app-api-usage=%d/%d(appName=northstar)", e.apiUsed/2, e.opts.APIMax)
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func (e *Emulator) serveLimits(w http.ResponseWriter) error {
	type lim struct{ Max, Remaining int64 }
	return writeJSON(w, 200, map[string]lim{
		"DailyApiRequests":    {e.opts.APIMax, max(0, e.opts.APIMax-e.apiUsed)},
		"DailyBulkApiBatches": {15000, 15000 - int64(e.created)},
	})
}

func (e *Emulator) serveDescribe(w http.ResponseWriter, object string) error {
	t := e.tables[strings.ToLower(object)]
	if t == nil {
		return &sfError{404, "NOT_FOUND", "The requested resource does not exist"}
	}
	fields := make([]map[string]any, 0, len(t.obj.Fields))
	for _, f := range t.obj.Fields {
		var rel any
		refs := []string{}
		if f.RelationshipName != "" {
			rel = f.RelationshipName
		}
		if f.ReferenceTo != "" {
			refs = []string{f.ReferenceTo}
		}
		fields = append(fields, map[string]any{
			"name": f.Name, "type": f.Type, "calculated": f.Calculated, "nillable": f.Name != "Id",
			"custom": strings.HasSuffix(f.Name, "__c"), "referenceTo": refs, "relationshipName": rel,
		})
	}
	return writeJSON(w, 200, map[string]any{
		"name": t.obj.Name, "label": t.obj.Name, "custom": strings.HasSuffix(t.obj.Name, "__c"),
		"keyPrefix": t.obj.Prefix, "queryable": true, "replicateable": true, "retrieveable": true,
		"fields": fields,
	})
}

// parseSFTime parses Salesforce and ISO 8601 timestamps.
func parseSFTime(s string) (time.Time, error) {
	for _, layout := range []string{sfTimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.000Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

func (e *Emulator) serveDeleted(w http.ResponseWriter, r *http.Request, object string) error {
	t := e.tables[strings.ToLower(object)]
	if t == nil {
		return &sfError{404, "NOT_FOUND", "The requested resource does not exist"}
	}
	start, err1 := parseSFTime(r.URL.Query().Get("start"))
	end, err2 := parseSFTime(r.URL.Query().Get("end"))
	if err1 != nil || err2 != nil || end.Before(start) {
		return &sfError{400, "INVALID_REPLICATION_DATE", "start and end must be valid dates, start before end"}
	}
	now := e.opts.Now()
	earliest := now.Add(-15 * 24 * time.Hour).Truncate(time.Minute)
	if start.Before(earliest) {
		return &sfError{400, "INVALID_REPLICATION_DATE", "startDate is before earliestDateAvailable " + earliest.Format(sfTimeLayout)}
	}
	type del struct {
		ID          string `json:"id"`
		DeletedDate string `json:"deletedDate"`
		at          time.Time
	}
	var out []del
	for id, at := range t.deleted {
		if !at.Before(start) && !at.After(end) {
			out = append(out, del{id, at.Format(sfTimeLayout), at})
		}
	}
	if len(out) > e.opts.DeletedIDLimit {
		return &sfError{400, "EXCEEDED_ID_LIMIT", "too many ids"}
	}
	slices.SortFunc(out, func(a, b del) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if out == nil {
		out = []del{}
	}
	return writeJSON(w, 200, map[string]any{
		"deletedRecords": out, "earliestDateAvailable": earliest.Format(sfTimeLayout),
		"latestDateCovered": end.Truncate(time.Minute).Format(sfTimeLayout),
	})
}

func (e *Emulator) serveToken(w http.ResponseWriter, r *http.Request) {
	fail := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
		_, _ = w.Write(b)
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		fail("invalid_request", "must use HTTP POST with a form body")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f := r.PostForm
	o := e.opts
	appOK := f.Get("client_id") == o.ClientID && f.Get("client_secret") == o.ClientSecret && o.ClientID != ""
	switch f.Get("grant_type") {
	case "password":
		if !appOK {
			fail("invalid_client", "invalid client credentials")
			return
		}
		if f.Get("username") != o.Username || f.Get("password") != o.Password+o.SecurityToken || o.Username == "" {
			fail("invalid_grant", "authentication failure")
			return
		}
	case "client_credentials":
		if !appOK {
			fail("invalid_client", "invalid client credentials")
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if err := e.checkJWT(f.Get("assertion"), instanceURL(r)); err != nil {
			fail("invalid_grant", err.Error())
			return
		}
	default:
		fail("unsupported_grant_type", "grant type not supported")
		return
	}
	base := instanceURL(r)
	_ = writeJSON(w, 200, map[string]string{
		"access_token": e.newTokenLocked(), "instance_url": base,
		"id": base + "/id/00D5g000004EmuA/0055g00000EmuAA", "token_type": "Bearer",
		"issued_at": strconv.FormatInt(time.Now().UnixMilli(), 10), "signature": "emulated",
	})
}
