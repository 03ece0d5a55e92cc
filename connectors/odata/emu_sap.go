package odata

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SAPServicePath is the path prefix under which the SAP emulator serves its
// OData services; an emulator's base_url is server URL + SAPServicePath.
const SAPServicePath = "/sap/opu/odata/sap"

// SAPTokenPath is the SAP emulator's OAuth2 token endpoint path.
const SAPTokenPath = "/oauth/token"

// Chaos makes an emulator misbehave on purpose. Counters apply to data
// requests (collection GETs) of all entity sets together.
type Chaos struct {
	// RateLimitEvery: every n-th data request answers 429 with Retry-After.
	RateLimitEvery int
	// UnavailableEvery: every n-th data request answers 503 with Retry-After.
	UnavailableEvery int
	// RetryAfter is the Retry-After value sent with 429/503 (seconds); default 1.
	RetryAfter int
	// TruncateEvery: every n-th data response is cut in half mid-body.
	TruncateEvery int
	// SilentPageCap (SAP): answer at most this many rows and no __next, as
	// a misconfigured gateway does; only $inlinecount reveals the rest.
	SilentPageCap int
}

// SAPEmulator is an in-memory SAP S/4HANA OData V2 server with
// API_BUSINESS_PARTNER (A_BusinessPartner + to_BusinessPartnerAddress,
// to_BusinessPartnerTax, to_Customer), API_SALES_ORDER_SRV (A_SalesOrder +
// to_Item, A_SalesOrderItem) and API_BILLING_DOCUMENT_SRV
// (A_BillingDocument + to_Item, A_BillingDocumentItem + to_BillingDocument).
// It speaks the verbose JSON format (d.results, __count, __next,
// /Date(ms)/, PT…H…M…S, decimals as strings), pages at DefaultPageSize rows
// without $top and MaxPageSize with it, and answers errors with SAP Gateway
// error bodies. Set the exported fields before serving; use the Put/Delete
// methods to change data at any time.
type SAPEmulator struct {
	// Username and Password, when set, are required as basic auth (unless a
	// valid bearer token is sent).
	Username, Password string
	// ClientID and ClientSecret enable the OAuth2 token endpoint SAPTokenPath.
	ClientID, ClientSecret string
	// TokenTTL is the lifetime of issued tokens; default 1h.
	TokenTTL time.Duration
	// SAPClient, when set, must be sent as the sap-client query parameter.
	SAPClient string
	// DefaultPageSize (1000) and MaxPageSize (5000) are the server page caps.
	DefaultPageSize, MaxPageSize int

	onPage      func(set string, page int)
	mu          sync.RWMutex
	bps         *table
	orders      *table
	billing     *table
	billByOrder map[string]map[string]*BillingDocumentItem // sales order → item key → item
	chaos       Chaos
	counter     chaosCounter
	tok         tokens
	pages       int
	requests    int
}

// NewSAPEmulator returns an empty SAP emulator.
func NewSAPEmulator() *SAPEmulator {
	e := &SAPEmulator{
		bps: newTable(), orders: newTable(), billing: newTable(),
		billByOrder: map[string]map[string]*BillingDocumentItem{},
	}
	e.tok.now = time.Now
	return e
}

// SetOnPage installs fn (nil removes it), called after each data page is
// computed and before it is sent, without locks held: tests use it to
// change data between pages.
func (e *SAPEmulator) SetOnPage(fn func(set string, page int)) {
	e.mu.Lock()
	e.onPage = fn
	e.mu.Unlock()
}

// SetChaos switches chaos modes on (or off with a zero Chaos).
func (e *SAPEmulator) SetChaos(c Chaos) {
	e.mu.Lock()
	e.chaos = c
	e.mu.Unlock()
}

// Requests returns the number of data requests served (including chaos answers).
func (e *SAPEmulator) Requests() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.requests
}

// PutBusinessPartner inserts or replaces a business partner.
func (e *SAPEmulator) PutBusinessPartner(bp BusinessPartner) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.bps.put(&bp)
}

// DeleteBusinessPartner removes a business partner; it reports whether it existed.
func (e *SAPEmulator) DeleteBusinessPartner(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bps.del(id) != nil
}

// BusinessPartner returns a copy of a stored business partner.
func (e *SAPEmulator) BusinessPartner(id string) (BusinessPartner, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if x := e.bps.get(id); x != nil {
		return *x.(*BusinessPartner), true
	}
	return BusinessPartner{}, false
}

// PutSalesOrder inserts or replaces a sales order (with its items).
func (e *SAPEmulator) PutSalesOrder(o SalesOrder) {
	o.Items = append([]SalesOrderItem(nil), o.Items...)
	for i := range o.Items {
		o.Items[i].SalesOrder = o.SalesOrder
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.orders.put(&o)
}

// DeleteSalesOrder removes a sales order; it reports whether it existed.
func (e *SAPEmulator) DeleteSalesOrder(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.orders.del(id) != nil
}

// SalesOrder returns a copy of a stored sales order.
func (e *SAPEmulator) SalesOrder(id string) (SalesOrder, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if x := e.orders.get(id); x != nil {
		return *x.(*SalesOrder), true
	}
	return SalesOrder{}, false
}

// SalesOrders returns copies of all stored sales orders (in no particular order).
func (e *SAPEmulator) SalesOrders() []SalesOrder {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return copies[SalesOrder](e.orders)
}

// BusinessPartners returns copies of all stored business partners.
func (e *SAPEmulator) BusinessPartners() []BusinessPartner {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return copies[BusinessPartner](e.bps)
}

// PutBillingDocument inserts or replaces a billing document (with its items).
func (e *SAPEmulator) PutBillingDocument(d BillingDocument) {
	doc := &d
	doc.Items = append([]BillingDocumentItem(nil), doc.Items...)
	for i := range doc.Items {
		doc.Items[i].BillingDocument = doc.BillingDocument
		doc.Items[i].Header = doc
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unindexBilling(d.BillingDocument)
	e.billing.put(doc)
	for i := range doc.Items {
		it := &doc.Items[i]
		m := e.billByOrder[it.SalesDocument]
		if m == nil {
			m = map[string]*BillingDocumentItem{}
			e.billByOrder[it.SalesDocument] = m
		}
		m[it.key()] = it
	}
}

// DeleteBillingDocument removes a billing document; it reports whether it existed.
func (e *SAPEmulator) DeleteBillingDocument(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unindexBilling(id)
	return e.billing.del(id) != nil
}

// BillingDocument returns a copy of a stored billing document.
func (e *SAPEmulator) BillingDocument(id string) (BillingDocument, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if x := e.billing.get(id); x != nil {
		d := *x.(*BillingDocument)
		d.Items = append([]BillingDocumentItem(nil), d.Items...)
		for i := range d.Items {
			d.Items[i].Header = nil
		}
		return d, true
	}
	return BillingDocument{}, false
}

func (e *SAPEmulator) unindexBilling(id string) {
	old, _ := e.billing.get(id).(*BillingDocument)
	if old == nil {
		return
	}
	for i := range old.Items {
		it := &old.Items[i]
		if m := e.billByOrder[it.SalesDocument]; m != nil {
			delete(m, it.key())
			if len(m) == 0 {
				delete(e.billByOrder, it.SalesDocument)
			}
		}
	}
}

type sapSet struct {
	service string
	ns      string
}

var sapSets = map[string]sapSet{
	"A_BusinessPartner":     {"API_BUSINESS_PARTNER", "API_BUSINESS_PARTNER"},
	"A_SalesOrder":          {"API_SALES_ORDER_SRV", "API_SALES_ORDER_SRV"},
	"A_SalesOrderItem":      {"API_SALES_ORDER_SRV", "API_SALES_ORDER_SRV"},
	"A_BillingDocument":     {"API_BILLING_DOCUMENT_SRV", "API_BILLING_DOCUMENT_SRV"},
	"A_BillingDocumentItem": {"API_BILLING_DOCUMENT_SRV", "API_BILLING_DOCUMENT_SRV"},
}

// Handler returns the emulator's HTTP handler.
func (e *SAPEmulator) Handler() http.Handler {
	return http.HandlerFunc(e.serve)
}

func sapError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":{"lang":"en","value":%q},"innererror":{"transactionid":"0A1B2C3D","timestamp":"20240102030405.1234560","Error_Resolution":{"SAP_Transaction":"Run transaction /IWFND/ERROR_LOG on SAP Gateway hub system"}}}}`, code, msg)
}

func (e *SAPEmulator) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == SAPTokenPath {
		if e.ClientID == "" {
			http.NotFound(w, r)
			return
		}
		ttl := e.TokenTTL
		if ttl <= 0 {
			ttl = time.Hour
		}
		e.tok.issue(w, r, e.ClientID, e.ClientSecret, ttl)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, SAPServicePath+"/")
	if !ok {
		sapError(w, http.StatusNotFound, "/IWFND/MED/170", "No service found for namespace '', name '"+r.URL.Path+"'")
		return
	}
	if !e.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="SAP NetWeaver Application Server"`)
		sapError(w, http.StatusUnauthorized, "/IWFND/CM_CONSUMER/401", "Logon failed: invalid user or password")
		return
	}
	q := r.URL.Query()
	if e.SAPClient != "" && q.Get("sap-client") != e.SAPClient {
		sapError(w, http.StatusBadRequest, "/IWFND/CM_BEC/026", "Client "+q.Get("sap-client")+" is not available in this system")
		return
	}
	service, set, _ := strings.Cut(rest, "/")
	if set == "" {
		// Service document.
		writeBody(w, []byte(`{"d":{"EntitySets":["A_BusinessPartner","A_SalesOrder","A_SalesOrderItem","A_BillingDocument","A_BillingDocumentItem"]}}`), false)
		return
	}
	info, ok := sapSets[set]
	if !ok || info.service != service {
		sapError(w, http.StatusNotFound, "/IWFND/MED/170", "Resource not found for segment '"+set+"'")
		return
	}
	if r.Method != http.MethodGet {
		sapError(w, http.StatusMethodNotAllowed, "/IWBEP/CM_MGW_RT/021", "Method not allowed")
		return
	}
	e.mu.Lock()
	e.requests++
	c := e.chaos
	e.mu.Unlock()
	retry := strconv.Itoa(max(c.RetryAfter, 1))
	if e.counter.hit("429", c.RateLimitEvery) {
		w.Header().Set("Retry-After", retry)
		sapError(w, http.StatusTooManyRequests, "/IWFND/CM_CONSUMER/429", "Rate limit exceeded")
		return
	}
	if e.counter.hit("503", c.UnavailableEvery) {
		w.Header().Set("Retry-After", retry)
		sapError(w, http.StatusServiceUnavailable, "/IWFND/CM_BEC/503", "Service temporarily unavailable")
		return
	}
	pq, err := parseQuery(q, false)
	if err != nil {
		sapError(w, http.StatusBadRequest, "/IWBEP/CM_MGW_RT/022", err.Error())
		return
	}
	limit := e.DefaultPageSize
	if limit <= 0 {
		limit = 1000
	}
	if pq.top >= 0 {
		limit = e.MaxPageSize
		if limit <= 0 {
			limit = 5000
		}
	}
	body, err := e.page(r, service, set, info, pq, limit, c.SilentPageCap)
	if err != nil {
		sapError(w, http.StatusBadRequest, "/IWBEP/CM_MGW_RT/022", err.Error())
		return
	}
	// Changes between pages happen before the client sees this page, so
	// they are complete when it asks for the next one.
	e.mu.Lock()
	e.pages++
	n, hook := e.pages, e.onPage
	e.mu.Unlock()
	if hook != nil {
		hook(set, n)
	}
	writeBody(w, body, e.counter.hit("trunc", c.TruncateEvery))
}

func (e *SAPEmulator) authorized(r *http.Request) bool {
	if e.Username == "" && e.ClientID == "" {
		return true
	}
	if e.ClientID != "" && e.tok.valid(r) {
		return true
	}
	if e.Username != "" {
		u, p, ok := r.BasicAuth()
		return ok && u == e.Username && p == e.Password
	}
	return false
}

func (e *SAPEmulator) page(r *http.Request, service, set string, info sapSet, pq *query, limit, silentCap int) ([]byte, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	cands := e.candidates(set, pq)
	rows, total, next, err := pq.run(cands, limit)
	if err != nil {
		return nil, err
	}
	if silentCap > 0 && len(rows) > silentCap {
		rows, next = rows[:silentCap], -1
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	svc := scheme + "://" + r.Host + SAPServicePath + "/" + service
	d := dialect{service: svc, ns: info.ns}
	b := make([]byte, 0, 64+len(rows)*2400)
	b = append(b, `{"d":{"results":[`...)
	for i, x := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = writeEntity(b, x, set, pq.sel, d)
	}
	b = append(b, ']')
	if pq.count {
		b = append(b, `,"__count":"`...)
		b = strconv.AppendInt(b, int64(total), 10)
		b = append(b, '"')
	}
	if next >= 0 {
		b = append(b, `,"__next":`...)
		b = appendJSONString(b, nextLink(svc+"/"+set, r.URL.Query(), next))
	}
	return append(b, "}}"...), nil
}

// candidates returns the rows a query must consider: all rows of the set,
// or, for "key eq 'a' or key eq 'b' …" filters, only those (by index).
func (e *SAPEmulator) candidates(set string, pq *query) []entity {
	var field string
	var keys []string
	if pq.filter != nil {
		field, keys, _ = pq.filter.keyDisjunction()
	}
	switch set {
	case "A_BusinessPartner":
		if field == "BusinessPartner" {
			return lookup(e.bps, keys)
		}
		return e.bps.rows
	case "A_SalesOrder":
		if field == "SalesOrder" {
			return lookup(e.orders, keys)
		}
		return e.orders.rows
	case "A_BillingDocument":
		if field == "BillingDocument" {
			return lookup(e.billing, keys)
		}
		return e.billing.rows
	case "A_SalesOrderItem":
		var out []entity
		src := e.orders.rows
		if field == "SalesOrder" {
			src = lookup(e.orders, keys)
		}
		for _, x := range src {
			o := x.(*SalesOrder)
			for i := range o.Items {
				out = append(out, &o.Items[i])
			}
		}
		return out
	case "A_BillingDocumentItem":
		var out []entity
		if field == "SalesDocument" {
			for _, k := range keys {
				for _, it := range e.billByOrder[k] {
					out = append(out, it)
				}
			}
			return out
		}
		for _, x := range e.billing.rows {
			d := x.(*BillingDocument)
			for i := range d.Items {
				out = append(out, &d.Items[i])
			}
		}
		return out
	}
	return nil
}

func lookup(t *table, keys []string) []entity {
	seen := map[string]bool{}
	var out []entity
	for _, k := range keys {
		if x := t.get(k); x != nil && !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}
