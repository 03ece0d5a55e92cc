package generate

import (
	"strconv"
	"time"

	"github.com/northstar-dev/northstar"
)

// fieldWriter receives an entity's unified fields in Columns order. One
// description per entity (writeFields) serves CSV, JSON Lines and maps.
type fieldWriter interface {
	str(name, v string)
	time(name string, t time.Time) // zero time → empty
	amount(name string, a Amount)
	int(name string, v int64)
	raw(name string, v []byte) // already formatted text
}

var columns = map[northstar.Stream][]string{
	northstar.StreamFXRates: {"day", "currency", "rate", "base"},
	northstar.StreamCustomers: {"source_id", "name", "domain", "website", "email", "country", "segment",
		"industry", "tax_id", "acquisition_channel", "referrer", "owner", "status", "currency",
		"created_at", "modified_at"},
	northstar.StreamContacts: {"source_id", "customer", "email", "name", "first_name", "last_name", "phone",
		"title", "created_at", "modified_at"},
	northstar.StreamOrders: {"source_id", "customer", "ordered_at", "fulfilled_at", "invoiced_at", "paid_at",
		"canceled_at", "status", "order_type", "currency", "amount", "quantity", "modified_at"},
	northstar.StreamOrderLines: {"source_id", "order", "product_id", "product_category", "quantity", "amount",
		"currency", "modified_at"},
	northstar.StreamContracts: {"source_id", "customer", "signed_at", "go_live_at", "start_at", "end_at", "mrr",
		"currency", "status", "adoption_ratio", "adopted_at", "modified_at"},
	northstar.StreamSurveyResponses: {"source_id", "customer", "instrument", "score", "scale_min", "scale_max",
		"responded_at", "touchpoint", "comment", "case", "order", "modified_at"},
	northstar.StreamSupportCases: {"source_id", "customer", "opened_at", "closed_at", "status", "priority",
		"channel", "subject", "modified_at"},
}

// Columns lists the unified fields (northstar.Stream.Fields) the generator
// fills for stream s, in the order of Stream.Fields; it is the header of the
// stream's CSV files. It returns nil for an unknown stream.
func Columns(s northstar.Stream) []string {
	c := columns[s]
	if c == nil {
		return nil
	}
	return append([]string(nil), c...)
}

func (c *Customer) writeFields(w fieldWriter) {
	w.str("source_id", c.ID)
	w.str("name", c.Name)
	w.str("domain", c.Domain)
	w.str("website", c.Website)
	w.str("email", c.Email)
	w.str("country", c.Country)
	w.str("segment", c.Segment)
	w.str("industry", c.Industry)
	w.str("tax_id", c.TaxID)
	w.str("acquisition_channel", c.AcquisitionChannel)
	w.str("referrer", c.ReferrerID)
	w.str("owner", c.Owner)
	w.str("status", c.Status)
	w.str("currency", c.Currency)
	w.time("created_at", c.CreatedAt)
	w.time("modified_at", c.ModifiedAt)
}

func (c *Contact) writeFields(w fieldWriter) {
	w.str("source_id", c.ID)
	w.str("customer", c.CustomerID)
	w.str("email", c.Email)
	w.str("name", c.Name())
	w.str("first_name", c.FirstName)
	w.str("last_name", c.LastName)
	w.str("phone", c.Phone)
	w.str("title", c.Title)
	w.time("created_at", c.CreatedAt)
	w.time("modified_at", c.ModifiedAt)
}

func (o *Order) writeFields(w fieldWriter) {
	w.str("source_id", o.ID)
	w.str("customer", o.CustomerID)
	w.time("ordered_at", o.OrderedAt)
	w.time("fulfilled_at", o.FulfilledAt)
	w.time("invoiced_at", o.InvoicedAt)
	w.time("paid_at", o.PaidAt)
	w.time("canceled_at", o.CanceledAt)
	w.str("status", o.Status)
	w.str("order_type", o.Type)
	w.str("currency", o.Currency)
	w.amount("amount", o.Amount)
	w.int("quantity", o.Quantity)
	w.time("modified_at", o.ModifiedAt)
}

func (l *OrderLine) writeFields(w fieldWriter) {
	w.str("source_id", l.ID)
	w.str("order", l.OrderID)
	w.str("product_id", l.ProductID)
	w.str("product_category", l.Category)
	w.int("quantity", l.Quantity)
	w.amount("amount", l.Amount)
	w.str("currency", l.Currency)
	w.time("modified_at", l.ModifiedAt)
}

func (c *Contract) writeFields(w fieldWriter) {
	w.str("source_id", c.ID)
	w.str("customer", c.CustomerID)
	w.time("signed_at", c.SignedAt)
	w.time("go_live_at", c.GoLiveAt)
	w.time("start_at", c.StartAt)
	w.time("end_at", c.EndAt)
	w.amount("mrr", c.MRR)
	w.str("currency", c.Currency)
	w.str("status", c.Status)
	var buf [8]byte
	if c.GoLiveAt.IsZero() {
		w.raw("adoption_ratio", nil)
	} else {
		w.raw("adoption_ratio", strconv.AppendFloat(buf[:0], c.AdoptionRatio, 'f', 2, 64))
	}
	w.time("adopted_at", c.AdoptedAt)
	w.time("modified_at", c.ModifiedAt)
}

func (s *SurveyResponse) writeFields(w fieldWriter) {
	w.str("source_id", s.ID)
	w.str("customer", s.CustomerID)
	w.str("instrument", s.Instrument)
	w.int("score", int64(s.Score))
	w.int("scale_min", int64(s.ScaleMin))
	w.int("scale_max", int64(s.ScaleMax))
	w.time("responded_at", s.RespondedAt)
	w.str("touchpoint", s.Touchpoint)
	w.str("comment", s.Comment)
	w.str("case", s.CaseID)
	w.str("order", s.OrderID)
	w.time("modified_at", s.ModifiedAt)
}

func (s *SupportCase) writeFields(w fieldWriter) {
	w.str("source_id", s.ID)
	w.str("customer", s.CustomerID)
	w.time("opened_at", s.OpenedAt)
	w.time("closed_at", s.ClosedAt)
	w.str("status", s.Status)
	w.str("priority", s.Priority)
	w.str("channel", s.Channel)
	w.str("subject", s.Subject)
	w.time("modified_at", s.ModifiedAt)
}

// appendTime appends t as RFC 3339 UTC ("2024-03-01T09:30:00Z"); zero → nothing.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	return t.UTC().AppendFormat(dst, time.RFC3339)
}

// mapWriter collects fields into a map; empty values are left out.
type mapWriter struct {
	m   map[string]string
	buf []byte
}

func (w *mapWriter) str(name, v string) {
	if v != "" {
		w.m[name] = v
	}
}
func (w *mapWriter) time(name string, t time.Time) {
	if !t.IsZero() {
		w.m[name] = string(appendTime(w.buf[:0], t))
	}
}
func (w *mapWriter) amount(name string, a Amount) { w.m[name] = string(a.AppendText(w.buf[:0])) }
func (w *mapWriter) int(name string, v int64)     { w.m[name] = strconv.FormatInt(v, 10) }
func (w *mapWriter) raw(name string, v []byte) {
	if len(v) > 0 {
		w.m[name] = string(v)
	}
}

type fielder interface{ writeFields(fieldWriter) }

func fieldsOf(e fielder) map[string]string {
	w := &mapWriter{m: make(map[string]string, 16), buf: make([]byte, 0, 32)}
	e.writeFields(w)
	return w.m
}

func record(e fielder, id string, modified time.Time) northstar.Record {
	return northstar.Record{SourceID: id, ModifiedAt: modified, Fields: fieldsOf(e)}
}

// Fields returns the customer's unified fields as raw text (empty values left out).
func (c *Customer) Fields() map[string]string { return fieldsOf(c) }

// Fields returns the contact's unified fields as raw text (empty values left out).
func (c *Contact) Fields() map[string]string { return fieldsOf(c) }

// Fields returns the order header's unified fields as raw text (empty values left out).
func (o *Order) Fields() map[string]string { return fieldsOf(o) }

// Fields returns the line's unified fields as raw text (empty values left out).
func (l *OrderLine) Fields() map[string]string { return fieldsOf(l) }

// Fields returns the contract row's unified fields as raw text (empty values left out).
func (c *Contract) Fields() map[string]string { return fieldsOf(c) }

// Fields returns the response's unified fields as raw text (empty values left out).
func (s *SurveyResponse) Fields() map[string]string { return fieldsOf(s) }

// Fields returns the case's unified fields as raw text (empty values left out).
func (s *SupportCase) Fields() map[string]string { return fieldsOf(s) }

// Record returns the customer as a unified record (no Payload).
func (c *Customer) Record() northstar.Record { return record(c, c.ID, c.ModifiedAt) }

// Record returns the contact as a unified record (no Payload).
func (c *Contact) Record() northstar.Record { return record(c, c.ID, c.ModifiedAt) }

// Record returns the order header as a unified record (no Payload); its
// lines are separate records of the order_lines stream.
func (o *Order) Record() northstar.Record { return record(o, o.ID, o.ModifiedAt) }

// Record returns the line as a unified record (no Payload).
func (l *OrderLine) Record() northstar.Record { return record(l, l.ID, l.ModifiedAt) }

// Record returns the contract row as a unified record (no Payload).
func (c *Contract) Record() northstar.Record { return record(c, c.ID, c.ModifiedAt) }

// Record returns the response as a unified record (no Payload).
func (s *SurveyResponse) Record() northstar.Record { return record(s, s.ID, s.ModifiedAt) }

// Record returns the case as a unified record (no Payload).
func (s *SupportCase) Record() northstar.Record { return record(s, s.ID, s.ModifiedAt) }
