package transform

import "github.com/northstar-dev/northstar"

// Table describes where a stream's rows go: the core table and the typed
// columns transform fills, in Row.Values order. Every row also carries
// source_id first and deleted_at, delete_kind last (see Row).
type Table struct {
	Name    string   // e.g. core.orders
	Columns []string // typed columns between source_id and deleted_at
	// CustomerRef is the column holding the source id of the customer the
	// row belongs to ("" for streams that do not reference a customer).
	CustomerRef string
}

// TableFor returns the table layout of stream s.
func TableFor(s northstar.Stream) Table {
	return tables[s]
}

var tables = map[northstar.Stream]Table{
	northstar.StreamCustomers: {Name: "core.source_customers", Columns: []string{
		"name", "domain", "website", "email", "country", "segment", "industry", "tax_id", "external_id",
		"acquisition_channel", "referrer_source_id", "owner", "status", "currency", "created_at", "modified_at"}},
	northstar.StreamContacts: {Name: "core.contacts", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "email", "name", "phone", "title", "created_at", "modified_at"}},
	northstar.StreamOrders: {Name: "core.orders", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "ordered_at", "fulfilled_at", "invoiced_at", "paid_at", "canceled_at", "status",
		"order_type", "currency", "amount", "amount_reporting", "fx_rate", "quantity", "modified_at"}},
	northstar.StreamOrderLines: {Name: "core.order_lines", Columns: []string{
		"order_source_id", "product_id", "product_category", "quantity", "amount", "currency",
		"amount_reporting", "fx_rate", "modified_at"}},
	northstar.StreamContracts: {Name: "core.contracts", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "signed_at", "go_live_at", "start_at", "end_at", "mrr", "currency", "mrr_reporting",
		"fx_rate", "status", "adoption_ratio", "adopted_at", "modified_at"}},
	northstar.StreamSurveyResponses: {Name: "core.survey_responses", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "instrument", "score", "scale_min", "scale_max", "higher_is_better", "responded_at",
		"touchpoint", "comment", "case_source_id", "order_source_id", "modified_at"}},
	northstar.StreamSupportCases: {Name: "core.support_cases", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "opened_at", "closed_at", "status", "priority", "channel", "subject", "modified_at"}},
}
