package northstar

import (
	"fmt"
	"strings"
	"time"
)

// Stream names one entity of the unified customer model. A connector
// extracts each configured stream independently, with its own cursor.
type Stream string

// The streams of the unified model: the seven of contract.md ("Warehouse")
// and fx_rates, the daily exchange rates that price the facts.
const (
	StreamFXRates         Stream = "fx_rates"
	StreamCustomers       Stream = "customers"
	StreamContacts        Stream = "contacts"
	StreamOrders          Stream = "orders"
	StreamOrderLines      Stream = "order_lines"
	StreamContracts       Stream = "contracts"
	StreamSurveyResponses Stream = "survey_responses"
	StreamSupportCases    Stream = "support_cases"
)

// AllStreams lists every stream in load order: fx_rates first so that rates
// arriving in a run price the facts of the same run, customers before facts
// so that facts loaded in the same run can be linked to them, order lines
// after orders.
func AllStreams() []Stream {
	return []Stream{
		StreamFXRates, StreamCustomers, StreamContacts, StreamOrders, StreamOrderLines,
		StreamContracts, StreamSurveyResponses, StreamSupportCases,
	}
}

// ParseStream returns the Stream named s, or an error wrapping ErrUnknownStream.
func ParseStream(s string) (Stream, error) {
	for _, st := range AllStreams() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("%w %q (want one of fx_rates, customers, contacts, orders, order_lines, contracts, survey_responses, support_cases)", ErrUnknownStream, s)
}

// Fields lists the unified fields of a stream: the names a connector's
// `fields` mapping may use as keys. "source_id" is the record's key in its
// source system; "customer" is the source id of the customer a fact belongs to.
func (s Stream) Fields() []string {
	return streamFields[s]
}

// HasField reports whether f is a unified field of s.
func (s Stream) HasField(f string) bool {
	for _, x := range streamFields[s] {
		if x == f {
			return true
		}
	}
	return false
}

// DefaultSourceID returns the key a record of s gets when its source gives
// none, or "" when s has no default (its records need a source_id). An
// fx_rates record defaults to "<CURRENCY>:<day>" (day as 2006-01-02 when it
// is a recognisable date), so a rates file needs no id column.
func (s Stream) DefaultSourceID(fields map[string]string) string {
	if s != StreamFXRates {
		return ""
	}
	cur := strings.ToUpper(strings.TrimSpace(fields["currency"]))
	day := strings.TrimSpace(fields["day"])
	if cur == "" || day == "" {
		return ""
	}
	if d, ok := ParseDay(day); ok {
		day = d.Format(time.DateOnly)
	}
	return cur + ":" + day
}

// ParseDay reads a calendar day: 2006-01-02, 20060102, or a timestamp
// (RFC 3339 or "2006-01-02 15:04:05", whose date is taken as written). The
// result is midnight UTC of that day.
func ParseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "20060102", time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

var streamFields = map[Stream][]string{
	// 1 unit of currency = rate units of base on day; base defaults to the
	// reporting currency.
	StreamFXRates: {"source_id", "day", "currency", "rate", "base", "modified_at", "deleted"},
	StreamCustomers: {"source_id", "name", "domain", "website", "email", "country", "segment", "industry",
		"tax_id", "external_id", "acquisition_channel", "referrer", "owner", "status", "currency",
		"created_at", "modified_at", "deleted"},
	StreamContacts: {"source_id", "customer", "email", "name", "first_name", "last_name", "phone", "title",
		"created_at", "modified_at", "deleted"},
	StreamOrders: {"source_id", "customer", "ordered_at", "fulfilled_at", "invoiced_at", "paid_at", "canceled_at",
		"status", "order_type", "currency", "amount", "quantity", "modified_at", "deleted"},
	StreamOrderLines: {"source_id", "order", "product_id", "product_category", "quantity", "amount", "currency",
		"modified_at", "deleted"},
	StreamContracts: {"source_id", "customer", "signed_at", "go_live_at", "start_at", "end_at", "mrr", "currency",
		"status", "adoption_ratio", "adopted_at", "modified_at", "deleted"},
	StreamSurveyResponses: {"source_id", "customer", "instrument", "score", "scale_min", "scale_max",
		"responded_at", "touchpoint", "comment", "case", "order", "modified_at", "deleted"},
	StreamSupportCases: {"source_id", "customer", "opened_at", "closed_at", "status", "priority", "channel",
		"subject", "modified_at", "deleted"},
}
