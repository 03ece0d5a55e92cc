package odata

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/generate"
)

// TestLoadCompanyBC loads the generated company into the Business Central
// emulator and reads it back through the connector: every loaded customer,
// order (amount) arrives, CRM-only customers are absent, and paid and open
// invoices are told apart.
func TestLoadCompanyBC(t *testing.T) {
	f := newBCFixture(t, SeedOptions{})
	opts := generate.DefaultOptions()
	opts.Customers, opts.Seed = 150, 3
	view, err := LoadCompanyBC(context.Background(), f.emu, opts)
	if err != nil {
		t.Fatal(err)
	}
	company, err := generate.Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Customers)+len(view.Omitted) != len(company.Customers) || len(view.Omitted) == len(company.Customers) {
		t.Fatalf("view: %d customers, %d omitted of %d", len(view.Customers), len(view.Omitted), len(company.Customers))
	}
	cust, orders, invoices := newSink(), newSink(), newSink()
	syncStream(t, f.source(t, "page_size: 200\n", "", connectors.Env{}), northstar.StreamCustomers, northstar.Cursor{}, cust)
	syncStream(t, f.source(t, "page_size: 200\n", "", connectors.Env{}), northstar.StreamOrders, northstar.Cursor{}, orders)
	syncStream(t, f.source(t, "page_size: 200\n", "orders: { entity_set: salesInvoices }", connectors.Env{}), northstar.StreamOrders, northstar.Cursor{}, invoices)
	if len(cust.recs) != len(view.Customers) {
		t.Fatalf("read %d customers, loaded %d", len(cust.recs), len(view.Customers))
	}
	if len(orders.recs) != view.Orders || len(invoices.recs) != view.Invoices {
		t.Fatalf("read %d orders / %d invoices, loaded %d / %d", len(orders.recs), len(invoices.recs), view.Orders, view.Invoices)
	}
	paid, open := 0, 0
	for _, o := range company.Orders {
		if _, ok := view.Customers[o.CustomerID]; !ok {
			continue
		}
		r, ok := orders.recs[bcGUID("order", o.ID)]
		if !ok {
			t.Fatalf("order %s missing", o.ID)
		}
		if !decimal.RequireFromString(r.Fields["amount"]).Equal(o.Amount.Decimal()) {
			t.Fatalf("order %s amount %s, generated %s", o.ID, r.Fields["amount"], o.Amount)
		}
		if inv, ok := invoices.recs[bcGUID("invoice", o.ID)]; ok {
			if inv.Fields["paid_at"] != "" {
				paid++
			}
			if inv.Fields["paid_at"] == "" && inv.Fields["canceled_at"] == "" {
				open++
			}
		}
	}
	if paid == 0 || open == 0 {
		t.Errorf("invoice states: %d paid, %d open; want both", paid, open)
	}
}
