package generate

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Amount is an exact money amount in minor units (cents) of its currency.
// Every currency the generator uses has two decimals, so 12345 is "123.45".
// It never passes through float64.
type Amount int64

// AppendText appends a as plain decimal text ("-123.45") to dst.
func (a Amount) AppendText(dst []byte) []byte {
	v := int64(a)
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	dst = strconv.AppendInt(dst, v/100, 10)
	c := v % 100
	return append(dst, '.', byte('0'+c/10), byte('0'+c%10))
}

// String formats a as plain decimal text, e.g. "123.45".
func (a Amount) String() string { return string(a.AppendText(make([]byte, 0, 24))) }

// Decimal returns a as a decimal with two fractional digits.
func (a Amount) Decimal() decimal.Decimal { return decimal.New(int64(a), -2) }

// Customer is one buying company (an account in a CRM, a business partner in
// an ERP). Its ID is stable ("C000123") and IDs ascend with AcquiredAt, so a
// referrer always has a smaller ID than the customers it referred.
type Customer struct {
	ID       string // "C000123"
	Name     string // legal name with suffix, e.g. "Nordwind Logistik GmbH"
	Domain   string // e-mail and web domain, unique per customer
	Website  string // "https://www.<domain>"
	Email    string // general mailbox at Domain
	Country  string // ISO 3166-1 alpha-2
	Currency string // ISO 4217 currency of all its orders and contracts
	Segment  string // enterprise, mid-market or smb
	Industry string // empty for a few customers (missing CRM data)
	TaxID    string // VAT-style id with country prefix, e.g. "DE123456789"; empty for a few
	// AcquisitionChannel is organic, paid, referral, partner or outbound.
	AcquisitionChannel string
	// ReferrerID is the ID of the customer that referred this one (channel
	// referral only); the referrer was acquired strictly earlier.
	ReferrerID string
	Owner      string // account owner (sales rep)
	Status     string // active, inactive (no order for 180 days) or churned (contract ended)
	CreatedAt  time.Time
	// AcquiredAt is the time of the first order (the cohort date); not a
	// unified field, kept for tests and emulators.
	AcquiredAt time.Time
	ModifiedAt time.Time
}

// Contact is a person at a customer.
type Contact struct {
	ID         string // "CT000123-1"
	CustomerID string
	Email      string // at the customer's domain, or at a free-mail domain
	FirstName  string
	LastName   string
	Phone      string // E.164-like, "+49 30 1234567"
	Title      string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// Name returns "First Last".
func (c *Contact) Name() string { return c.FirstName + " " + c.LastName }

// Order types.
const (
	OrderNewBusiness = "new_business" // the customer's first order
	OrderRepeat      = "repeat"
	OrderReturn      = "return"      // goods sent back: negative quantities and amounts
	OrderCreditNote  = "credit_note" // price adjustment: quantity 0, negative amount
)

// Order statuses; Status is the furthest stage reached by the generation
// end: open, fulfilled, invoiced, paid, or canceled.
const (
	StatusOpen      = "open"
	StatusFulfilled = "fulfilled"
	StatusInvoiced  = "invoiced"
	StatusPaid      = "paid"
	StatusCanceled  = "canceled"
)

// Order is a sales order (header) with its lines. Amount is the sum of the
// lines' amounts and Quantity the sum of their quantities. Timestamps after
// the generation end are empty (the stage has not happened yet).
type Order struct {
	ID          string // "SO00000001"
	CustomerID  string
	Type        string // new_business, repeat, return, credit_note
	Status      string
	Currency    string
	Amount      Amount
	Quantity    int64
	OrderedAt   time.Time
	FulfilledAt time.Time
	InvoicedAt  time.Time
	PaidAt      time.Time
	CanceledAt  time.Time // set only for canceled orders, which are never paid
	// OutOfOrder marks the deliberate ~1 % of orders invoiced before they
	// were fulfilled (InvoicedAt < FulfilledAt), for flow metrics to flag.
	OutOfOrder bool
	// RelatedOrderID is the original order of a return or credit note.
	RelatedOrderID string
	ModifiedAt     time.Time
	Lines          []OrderLine

	origin *Order // original order of a return or credit note, until IDs are assigned
}

// OrderLine is one item of an order.
type OrderLine struct {
	ID         string // "<order id>-<item>", e.g. "SO00000001-20"
	OrderID    string
	Item       int // SAP-style item number: 10, 20, 30, ...
	ProductID  string
	Category   string // one of Categories()
	Quantity   int64
	UnitPrice  Amount
	Amount     Amount // Quantity × UnitPrice (credit notes: the credited amount, Quantity 0)
	Currency   string
	ModifiedAt time.Time
}

// Contract statuses.
const (
	ContractActive     = "active"     // the row's MRR level applies at the generation end
	ContractPending    = "pending"    // signed, service starts after the generation end
	ContractSuperseded = "superseded" // replaced by the next amendment row
	ContractEnded      = "ended"      // the subscription ended (churn)
)

// Contract is one MRR level of a customer's subscription: the row applies
// on [StartAt, EndAt) (EndAt zero = open-ended). An expansion or contraction
// ends the current row and starts a new one (an amendment, Seq > 0) on the
// same day, so MRR per customer per month is the sum of MRR over rows whose
// interval covers the month. Each customer has at most one subscription.
//
// The original row (Seq 0) carries the time-to-live/value facts: GoLiveAt
// (zero = not live yet, right-censored; before SignedAt for pilots),
// AdoptionRatio (as of ModifiedAt) and AdoptedAt (first day the adoption
// ratio reached 0.8; zero if not reached). Amendment rows leave them empty;
// their SignedAt is the amendment's signature.
type Contract struct {
	ID             string // "K000123-00"; the suffix is Seq
	SubscriptionID string // "K000123", shared by all rows of one subscription
	Seq            int
	CustomerID     string
	SignedAt       time.Time
	GoLiveAt       time.Time
	StartAt        time.Time
	EndAt          time.Time
	MRR            Amount
	Currency       string
	Status         string
	AdoptionRatio  float64 // 0..1, two decimals; meaningful only when GoLiveAt is set
	AdoptedAt      time.Time
	Pilot          bool // went live before signature
	ModifiedAt     time.Time
}

// Survey instruments and their scales.
const (
	InstrumentNPS  = "nps"  // 0–10
	InstrumentCSAT = "csat" // 1–5
	InstrumentCES  = "ces"  // 1–7, higher = easier
)

// SurveyResponse is one answer to an NPS, CSAT or CES question.
type SurveyResponse struct {
	ID          string // "SR00000001"
	CustomerID  string
	ContactID   string
	Instrument  string
	Score       int
	ScaleMin    int
	ScaleMax    int
	RespondedAt time.Time
	Touchpoint  string // onboarding, support, order, relationship
	Comment     string
	CaseID      string // support touchpoint
	OrderID     string // order touchpoint
	ModifiedAt  time.Time
}

// SupportCase is a customer service ticket.
type SupportCase struct {
	ID         string // "CS00000001"
	CustomerID string
	ContactID  string
	OpenedAt   time.Time
	ClosedAt   time.Time // zero while open
	Status     string    // closed, open, pending
	Priority   string    // low, medium, high, urgent
	Channel    string    // email, web, phone, chat
	Subject    string
	ModifiedAt time.Time
}
