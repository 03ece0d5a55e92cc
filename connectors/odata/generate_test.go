package odata

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/generate"
)

func TestLoadCompanyERPView(t *testing.T) {
	opts := generate.DefaultOptions()
	opts.Customers = 150
	opts.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	opts.End = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	opts.OrdersPerCustomer = 4
	co, err := generate.Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	f := newSAPFixture(t, SeedOptions{})
	view, err := LoadCompany(context.Background(), f.emu, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Partners)+len(view.Omitted) != len(co.Customers) || len(view.ERPOnly) == 0 || view.Orders == 0 {
		t.Fatalf("view: %d partners, %d omitted, %d erp-only, %d orders", len(view.Partners), len(view.Omitted), len(view.ERPOnly), view.Orders)
	}
	src := f.source(t, "page_size: 500\n", connectors.Env{})
	cust, orders := newSink(), newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, cust)
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, orders)
	if len(cust.recs) != len(view.Partners)+len(view.ERPOnly) || len(cust.rejects) != 0 {
		t.Fatalf("customers %d, rejects %d", len(cust.recs), len(cust.rejects))
	}
	variants := 0
	for _, c := range co.Customers {
		bp, ok := view.Partners[c.ID]
		if !ok {
			continue
		}
		r := cust.recs[bp]
		if r.Fields["tax_id"] != c.TaxID || r.Fields["country"] != c.Country {
			t.Fatalf("customer %s → %s: %v", c.ID, bp, r.Fields)
		}
		if r.Fields["name"] != c.Name {
			variants++
		}
	}
	if variants == 0 || variants > len(view.Partners)/2 {
		t.Errorf("name spelling variants: %d of %d", variants, len(view.Partners))
	}
	checked := 0
	for _, o := range co.Orders {
		if _, ok := view.Partners[o.CustomerID]; !ok {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimLeft(o.ID, "SO"))
		r, ok := orders.recs[strconv.Itoa(4000000000+n)]
		if !ok {
			t.Fatalf("order %s not extracted", o.ID)
		}
		want := map[string]string{
			"amount": o.Amount.String(), "invoiced_at": dayOrEmpty(o.InvoicedAt), "paid_at": rfc3339(o.PaidAt),
			"fulfilled_at": dayOrEmpty(o.FulfilledAt), "ordered_at": dayOrEmpty(o.OrderedAt),
		}
		if !o.CanceledAt.IsZero() && r.Fields["canceled_at"] == "" {
			t.Fatalf("order %s canceled but no canceled_at", o.ID)
		}
		for k, v := range want {
			if r.Fields[k] != v {
				t.Fatalf("order %s field %s = %q, want %q", o.ID, k, r.Fields[k], v)
			}
		}
		checked++
	}
	if checked != view.Orders || len(orders.rejects) != 0 {
		t.Fatalf("checked %d of %d orders, %d rejects", checked, view.Orders, len(orders.rejects))
	}
}

// dayOrEmpty is t's day as the SAP Edm.DateTime the ERP stores (date only).
func dayOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return rfc3339(Date(t).Time())
}
