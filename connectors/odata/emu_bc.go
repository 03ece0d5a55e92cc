package odata

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BCCustomer is a Business Central customers record of the BC emulator.
type BCCustomer struct {
	ID                    string         `odata:"id"`
	Number                string         `odata:"number"`
	DisplayName           string         `odata:"displayName"`
	Type                  string         `odata:"type"`
	AddressLine1          string         `odata:"addressLine1"`
	City                  string         `odata:"city"`
	Country               string         `odata:"country"`
	PostalCode            string         `odata:"postalCode"`
	Email                 string         `odata:"email"`
	Website               string         `odata:"website"`
	TaxRegistrationNumber string         `odata:"taxRegistrationNumber"`
	CurrencyCode          string         `odata:"currencyCode"`
	Blocked               string         `odata:"blocked"` // " ", "Ship", "Invoice", "All"
	LastModifiedDateTime  DateTimeOffset `odata:"lastModifiedDateTime"`
	Override              Overrides      `odata:"-"`
}

func (c *BCCustomer) keyPredicate() string { return c.ID }
func (c *BCCustomer) key() string          { return c.ID }
func (c *BCCustomer) overrides() Overrides { return c.Override }

// BCSalesOrder is a Business Central salesOrders record. Amounts are
// Decimals written as JSON numbers.
type BCSalesOrder struct {
	ID                      string         `odata:"id"`
	Number                  string         `odata:"number"`
	ExternalDocumentNumber  string         `odata:"externalDocumentNumber"`
	OrderDate               DateTime       `odata:"orderDate"`
	PostingDate             DateTime       `odata:"postingDate"`
	CustomerID              string         `odata:"customerId"`
	CustomerNumber          string         `odata:"customerNumber"`
	CustomerName            string         `odata:"customerName"`
	CurrencyCode            string         `odata:"currencyCode"`
	Status                  string         `odata:"status"` // Draft, In Review, Open, Released
	RequestedDeliveryDate   DateTime       `odata:"requestedDeliveryDate"`
	FullyShipped            bool           `odata:"fullyShipped"`
	TotalAmountExcludingTax Decimal        `odata:"totalAmountExcludingTax"`
	TotalAmountIncludingTax Decimal        `odata:"totalAmountIncludingTax"`
	LastModifiedDateTime    DateTimeOffset `odata:"lastModifiedDateTime"`
	Lines                   []BCSalesLine  `odata:"salesOrderLines,nav=salesOrderLines"`
	Override                Overrides      `odata:"-"`
}

func (o *BCSalesOrder) keyPredicate() string { return o.ID }
func (o *BCSalesOrder) key() string          { return o.ID }
func (o *BCSalesOrder) overrides() Overrides { return o.Override }

// BCSalesLine is a salesOrderLines or salesInvoiceLines record.
type BCSalesLine struct {
	ID                 string    `odata:"id"`
	DocumentID         string    `odata:"documentId"`
	Sequence           Decimal   `odata:"sequence"`
	LineType           string    `odata:"lineType"`
	LineObjectNumber   string    `odata:"lineObjectNumber"`
	Description        string    `odata:"description"`
	Quantity           Decimal   `odata:"quantity"`
	UnitPrice          Decimal   `odata:"unitPrice"`
	NetAmount          Decimal   `odata:"netAmount"`
	AmountIncludingTax Decimal   `odata:"amountIncludingTax"`
	Override           Overrides `odata:"-"`
}

func (l *BCSalesLine) keyPredicate() string { return l.ID }
func (l *BCSalesLine) key() string          { return l.ID }
func (l *BCSalesLine) overrides() Overrides { return l.Override }

// BCSalesInvoice is a Business Central salesInvoices record.
type BCSalesInvoice struct {
	ID                      string         `odata:"id"`
	Number                  string         `odata:"number"`
	InvoiceDate             DateTime       `odata:"invoiceDate"`
	PostingDate             DateTime       `odata:"postingDate"`
	DueDate                 DateTime       `odata:"dueDate"`
	CustomerID              string         `odata:"customerId"`
	CustomerNumber          string         `odata:"customerNumber"`
	OrderID                 string         `odata:"orderId"`
	OrderNumber             string         `odata:"orderNumber"`
	CurrencyCode            string         `odata:"currencyCode"`
	Status                  string         `odata:"status"` // Draft, In Review, Open, Paid, Canceled, Corrective
	TotalAmountExcludingTax Decimal        `odata:"totalAmountExcludingTax"`
	RemainingAmount         Decimal        `odata:"remainingAmount"`
	LastModifiedDateTime    DateTimeOffset `odata:"lastModifiedDateTime"`
	Lines                   []BCSalesLine  `odata:"salesInvoiceLines,nav=salesInvoiceLines"`
	Override                Overrides      `odata:"-"`
}

func (i *BCSalesInvoice) keyPredicate() string { return i.ID }
func (i *BCSalesInvoice) key() string          { return i.ID }
func (i *BCSalesInvoice) overrides() Overrides { return i.Override }

// BCEmulator is an in-memory Dynamics 365 Business Central API v2.0 server:
// companies({id})/customers, salesOrders (+salesOrderLines), salesInvoices
// (+salesInvoiceLines). It speaks OData v4 JSON (value, @odata.nextLink,
// numbers for amounts, ISO dates), honours Prefer: odata.maxpagesize (up to
// 20 000 rows a page; default page MaxPageSize), pages with keyset
// skiptokens, requires an OAuth2 bearer token when ClientID is set, and
// answers 429 with Retry-After above RateLimit requests per RateWindow.
type BCEmulator struct {
	// CompanyID is the only company served.
	CompanyID string
	// ClientID and ClientSecret enable the token endpoint BCTokenPath and
	// require bearer tokens.
	ClientID, ClientSecret string
	// RateLimit requests per RateWindow (default 5 minutes) are served; more
	// get 429 with Retry-After until the window ends. 0 = unlimited.
	RateLimit  int
	RateWindow time.Duration
	// MaxPageSize caps a page (default 20000).
	MaxPageSize int

	onPage    func(set string, page int)
	mu        sync.RWMutex
	customers *table
	orders    *table
	invoices  *table
	chaos     Chaos
	counter   chaosCounter
	tok       tokens
	requests  int
	winStart  time.Time
	winCount  int
	pages     int
	now       func() time.Time
}

// BCAPIPath is the path under which the BC emulator serves API v2.0; an
// emulator's base_url is server URL + BCAPIPath.
const BCAPIPath = "/v2.0/tenant/production/api/v2.0"

// BCTokenPath is the BC emulator's OAuth2 token endpoint path.
const BCTokenPath = "/tenant/oauth2/v2.0/token"

// NewBCEmulator returns an empty BC emulator serving companyID.
func NewBCEmulator(companyID string) *BCEmulator {
	e := &BCEmulator{CompanyID: companyID, customers: newTable(), orders: newTable(), invoices: newTable(), now: time.Now}
	e.tok.now = time.Now
	return e
}

// SetOnPage installs fn (nil removes it), called after each data page is
// computed and before it is sent, without locks held: tests use it to
// change data between pages.
func (e *BCEmulator) SetOnPage(fn func(set string, page int)) {
	e.mu.Lock()
	e.onPage = fn
	e.mu.Unlock()
}

// SetChaos switches chaos modes on (or off with a zero Chaos).
func (e *BCEmulator) SetChaos(c Chaos) {
	e.mu.Lock()
	e.chaos = c
	e.mu.Unlock()
}

// Requests returns the number of data requests received (including 429s).
func (e *BCEmulator) Requests() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.requests
}

// PutCustomer inserts or replaces a customer.
func (e *BCEmulator) PutCustomer(c BCCustomer) { e.mu.Lock(); e.customers.put(&c); e.mu.Unlock() }

// PutSalesOrder inserts or replaces a sales order with its lines.
func (e *BCEmulator) PutSalesOrder(o BCSalesOrder) {
	o.Lines = append([]BCSalesLine(nil), o.Lines...)
	for i := range o.Lines {
		o.Lines[i].DocumentID = o.ID
	}
	e.mu.Lock()
	e.orders.put(&o)
	e.mu.Unlock()
}

// PutSalesInvoice inserts or replaces a sales invoice with its lines.
func (e *BCEmulator) PutSalesInvoice(i BCSalesInvoice) {
	i.Lines = append([]BCSalesLine(nil), i.Lines...)
	for j := range i.Lines {
		i.Lines[j].DocumentID = i.ID
	}
	e.mu.Lock()
	e.invoices.put(&i)
	e.mu.Unlock()
}

// Delete removes a record of set ("customers", "salesOrders",
// "salesInvoices") by id; it reports whether it existed.
func (e *BCEmulator) Delete(set, id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t := e.table(set); t != nil {
		return t.del(id) != nil
	}
	return false
}

// SalesOrders returns copies of all sales orders.
func (e *BCEmulator) SalesOrders() []BCSalesOrder {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return copies[BCSalesOrder](e.orders)
}

// SalesOrder returns a copy of one sales order.
func (e *BCEmulator) SalesOrder(id string) (BCSalesOrder, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if x := e.orders.get(id); x != nil {
		return *x.(*BCSalesOrder), true
	}
	return BCSalesOrder{}, false
}

// SalesInvoices returns copies of all sales invoices.
func (e *BCEmulator) SalesInvoices() []BCSalesInvoice {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return copies[BCSalesInvoice](e.invoices)
}

// Customers returns copies of all customers.
func (e *BCEmulator) Customers() []BCCustomer {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return copies[BCCustomer](e.customers)
}

func (e *BCEmulator) table(set string) *table {
	switch set {
	case "customers":
		return e.customers
	case "salesOrders":
		return e.orders
	case "salesInvoices":
		return e.invoices
	}
	return nil
}

func bcError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

// Handler returns the emulator's HTTP handler.
func (e *BCEmulator) Handler() http.Handler { return http.HandlerFunc(e.serve) }

func (e *BCEmulator) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == BCTokenPath {
		if e.ClientID == "" {
			http.NotFound(w, r)
			return
		}
		e.tok.issue(w, r, e.ClientID, e.ClientSecret, time.Hour)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, BCAPIPath+"/")
	if !ok {
		bcError(w, http.StatusNotFound, "BadRequest_NotFound", "The request URL is not valid.")
		return
	}
	if e.ClientID != "" && !e.tok.valid(r) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
		bcError(w, http.StatusUnauthorized, "Authentication_InvalidCredentials", "The server has rejected the client credentials.")
		return
	}
	e.mu.Lock()
	e.requests++
	c := e.chaos
	limited, wait := e.rateLimited()
	e.mu.Unlock()
	if limited {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		bcError(w, http.StatusTooManyRequests, "Application_TooManyRequests", fmt.Sprintf("Too many requests reached.  Actual (%d).  Maximum (%d).", e.RateLimit+1, e.RateLimit))
		return
	}
	retry := strconv.Itoa(max(c.RetryAfter, 1))
	if e.counter.hit("429", c.RateLimitEvery) {
		w.Header().Set("Retry-After", retry)
		bcError(w, http.StatusTooManyRequests, "Application_TooManyRequests", "Too many requests reached.")
		return
	}
	if e.counter.hit("503", c.UnavailableEvery) {
		w.Header().Set("Retry-After", retry)
		bcError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable.")
		return
	}
	company, set, ok := strings.Cut(rest, "/")
	if !ok || company != "companies("+e.CompanyID+")" {
		bcError(w, http.StatusNotFound, "BadRequest_NotFound", "The company does not exist.")
		return
	}
	if e.table(set) == nil {
		bcError(w, http.StatusNotFound, "BadRequest_NotFound", "Resource not found for the segment '"+set+"'.")
		return
	}
	pq, err := parseQuery(r.URL.Query(), true)
	if err != nil {
		bcError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	limit := e.MaxPageSize
	if limit <= 0 {
		limit = 20000
	}
	for _, p := range strings.Split(r.Header.Get("Prefer"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "odata.maxpagesize="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n < limit {
				limit = n
			}
		}
	}
	body, err := e.page(r, set, pq, limit)
	if err != nil {
		bcError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	if limit < 20000 {
		w.Header().Set("Preference-Applied", "odata.maxpagesize="+strconv.Itoa(limit))
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

// rateLimited counts a request in the fixed window; called with mu held.
func (e *BCEmulator) rateLimited() (bool, int) {
	if e.RateLimit <= 0 {
		return false, 0
	}
	win := e.RateWindow
	if win <= 0 {
		win = 5 * time.Minute
	}
	now := e.now()
	if now.Sub(e.winStart) >= win {
		e.winStart, e.winCount = now, 0
	}
	e.winCount++
	if e.winCount <= e.RateLimit {
		return false, 0
	}
	return true, int(math.Ceil(e.winStart.Add(win).Sub(now).Seconds()))
}

func (e *BCEmulator) page(r *http.Request, set string, pq *query, limit int) ([]byte, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rows, total, next, err := pq.run(e.table(set).rows, limit)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + BCAPIPath + "/companies(" + e.CompanyID + ")"
	d := dialect{v4: true, service: base}
	b := make([]byte, 0, 128+len(rows)*1500)
	b = append(b, `{"@odata.context":`...)
	b = appendJSONString(b, scheme+"://"+r.Host+BCAPIPath+"/$metadata#companies("+e.CompanyID+")/"+set)
	if pq.count {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, int64(total), 10)
	}
	b = append(b, `,"value":[`...)
	for i, x := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = writeEntity(b, x, set, pq.sel, d)
	}
	b = append(b, ']')
	if next >= 0 && len(rows) > 0 {
		tok := &keysetToken{Vals: pq.vals(rows[len(rows)-1]), Key: rows[len(rows)-1].key()}
		q := r.URL.Query()
		q.Set("$skiptoken", tok.encode())
		b = append(b, `,"@odata.nextLink":`...)
		b = appendJSONString(b, base+"/"+set+"?"+encodeQuery(q))
	}
	return append(b, '}'), nil
}
