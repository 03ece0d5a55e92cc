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

// hashMask lists, per stream, which Values positions the row hash skips
// (the priced columns).
var hashMask = func() map[northstar.Stream][]bool {
	out := map[northstar.Stream][]bool{}
	for s, t := range tables {
		m := make([]bool, len(t.Columns))
		for i, c := range t.Columns {
			m[i] = pricedColumns[c]
		}
		out[s] = m
	}
	return out
}()

// TableFor returns the table layout of stream s.
func TableFor(s northstar.Stream) Table {
	return tables[s]
}

// pricedColumns are the conversion columns: derived from the amount and
// the rate in force, re-priced in SQL when rates change (warehouse.Reprice),
// and left out of Row.RowHash so that a re-read record whose rate changed
// in the meantime is still unchanged.
var pricedColumns = map[string]bool{
	"amount_reporting": true, "mrr_reporting": true, "fx_rate": true, "fx_rate_day": true, "fx_rate_source": true,
}

var tables = map[northstar.Stream]Table{
	northstar.StreamFXRates: {Name: "core.fx_rates", Columns: []string{
		"day", "currency", "base", "rate", "modified_at"}},
	northstar.StreamCustomers: {Name: "core.source_customers", Columns: []string{
		"name", "domain", "website", "email", "country", "segment", "industry", "tax_id", "external_id",
		"acquisition_channel", "referrer_source_id", "owner", "status", "currency", "created_at", "modified_at"}},
	northstar.StreamContacts: {Name: "core.contacts", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "email", "name", "phone", "title", "created_at", "modified_at"}},
	northstar.StreamOrders: {Name: "core.orders", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "ordered_at", "fulfilled_at", "invoiced_at", "paid_at", "canceled_at", "status",
		"order_type", "currency", "amount", "amount_reporting", "fx_rate", "fx_rate_day", "fx_rate_source", "quantity",
		"modified_at"}},
	northstar.StreamOrderLines: {Name: "core.order_lines", Columns: []string{
		"order_source_id", "product_id", "product_category", "quantity", "amount", "currency",
		"amount_reporting", "fx_rate", "fx_rate_day", "fx_rate_source", "modified_at"}},
	northstar.StreamContracts: {Name: "core.contracts", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "signed_at", "go_live_at", "start_at", "end_at", "mrr", "currency", "mrr_reporting",
		"fx_rate", "fx_rate_day", "fx_rate_source", "status", "adoption_ratio", "adopted_at", "modified_at"}},
	northstar.StreamSurveyResponses: {Name: "core.survey_responses", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "instrument", "score", "scale_min", "scale_max", "higher_is_better", "responded_at",
		"touchpoint", "comment", "case_source_id", "order_source_id", "modified_at"}},
	northstar.StreamSupportCases: {Name: "core.support_cases", CustomerRef: "customer_source_id", Columns: []string{
		"customer_source_id", "opened_at", "closed_at", "status", "priority", "channel", "subject", "modified_at"}},
}
