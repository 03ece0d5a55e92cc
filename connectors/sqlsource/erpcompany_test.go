package sqlsource

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/generate"
)

// TestSeedERPCompany loads a generated company and reads it back: every
// generated customer, order and line arrives, and revenue per currency
// matches generate's Truth to the cent.
func TestSeedERPCompany(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db, dsn := testDB(t, driver)
			opts := generate.DefaultOptions()
			opts.Customers = 40
			opts.OrdersPerCustomer = 4
			truth, err := SeedERPCompany(ctx, db, driver, opts)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ERPConnector("erp", driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(c, connectors.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Check(ctx); err != nil {
				t.Fatal(err)
			}
			got := map[northstar.Stream][]northstar.Record{}
			for _, st := range s.Streams() {
				got[st] = records(collect(t, s, st, northstar.Cursor{}))
				if n := int64(len(byID(t, got[st]))); n != truth.Counts[st] || n == 0 {
					t.Errorf("%s: read %d, generated %d", st, n, truth.Counts[st])
				}
			}
			revenue := map[string]decimal.Decimal{}
			for _, r := range got[northstar.StreamOrders] {
				if r.Fields["status"] == generate.StatusCanceled {
					if r.Fields["canceled_at"] == "" {
						t.Errorf("canceled order %s without canceled_at", r.SourceID)
					}
					continue
				}
				a, err := decimal.NewFromString(r.Fields["amount"])
				if err != nil {
					t.Fatalf("order %s amount %q: %v", r.SourceID, r.Fields["amount"], err)
				}
				revenue[r.Fields["currency"]] = revenue[r.Fields["currency"]].Add(a)
			}
			for cur, want := range truth.Revenue {
				if !revenue[cur].Equal(want.Decimal()) {
					t.Errorf("revenue %s = %s, generated %s", cur, revenue[cur], want)
				}
			}
			var c0 northstar.Record
			for _, r := range got[northstar.StreamCustomers] {
				if r.SourceID == "C000001" {
					c0 = r
				}
			}
			if c0.Fields["name"] == "" || c0.Fields["currency"] == "" || c0.Fields["country"] == "" {
				t.Errorf("customer C000001: %v", c0.Fields)
			}
		})
	}
}
