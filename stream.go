package northstar

import "fmt"

// Stream names one entity of the unified customer model. A connector
// extracts each configured stream independently, with its own cursor.
type Stream string

// The seven streams of the unified model (contract.md, "Warehouse").
const (
	StreamCustomers       Stream = "customers"
	StreamContacts        Stream = "contacts"
	StreamOrders          Stream = "orders"
	StreamOrderLines      Stream = "order_lines"
	StreamContracts       Stream = "contracts"
	StreamSurveyResponses Stream = "survey_responses"
	StreamSupportCases    Stream = "support_cases"
)

// AllStreams lists every stream in load order: customers first so that facts
// loaded in the same run can be linked to them, order lines after orders.
func AllStreams() []Stream {
	return []Stream{
		StreamCustomers, StreamContacts, StreamOrders, StreamOrderLines,
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
	return "", fmt.Errorf("%w %q (want one of customers, contacts, orders, order_lines, contracts, survey_responses, support_cases)", ErrUnknownStream, s)
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

var streamFields = map[Stream][]string{
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
