package identity

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

func TestReconcile(t *testing.T) {
	wdb, _ := whtest.New(t)
	db := wdb.DB
	ctx := context.Background()
	load(t, db,
		src{Source: "crm", SourceID: "A", Name: "Both Sides GmbH", Country: "DE", TaxID: "DE100200300"},
		src{Source: "erp", SourceID: "1", Name: "BOTH SIDES GMBH", Country: "DE", TaxID: "DE100200300"},
		src{Source: "crm", SourceID: "B", Name: "Only Crm Ltd", Country: "GB"},
		src{Source: "erp", SourceID: "2", Name: "Only Erp SAS", Country: "FR"},
	)
	_, err := Resolve(ctx, db, Options{})
	must(t, err)
	day := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	order(t, db, "crm", "OPP-match", "A", day, "1000.00")
	order(t, db, "erp", "SO-match", "1", day.AddDate(0, 0, 10), "1005.00") // +0.5 %, 10 days later
	order(t, db, "crm", "OPP-far", "A", day.AddDate(0, 3, 0), "500.00")
	order(t, db, "erp", "SO-far", "1", day.AddDate(0, 5, 0), "500.00") // 2 months after the opportunity
	order(t, db, "crm", "OPP-amount", "A", day.AddDate(0, 6, 0), "800.00")
	order(t, db, "erp", "SO-amount", "1", day.AddDate(0, 6, 1), "900.00")
	order(t, db, "erp", "SO-noacct", "2", day, "70.00")
	order(t, db, "erp", "SO-nocust", "404", day, "10.00")

	_, err = Reconcile(ctx, db, ReconcileOptions{CRM: []string{"crm"}})
	isTrue(t, err == ErrNoRoles, "roles required")
	rep, err := Reconcile(ctx, db, ReconcileOptions{CRM: []string{"crm"}, ERP: []string{"erp"},
		Window: 30 * 24 * time.Hour, AmountTolerance: decimal.RequireFromString("0.01")})
	must(t, err)
	eq(t, 1, len(rep.CRMWithoutERP))
	eq(t, "B", rep.CRMWithoutERP[0].SourceID)
	eq(t, 1, len(rep.ERPWithoutCRM))
	eq(t, "2", rep.ERPWithoutCRM[0].SourceID)
	var won []string
	for _, o := range rep.WonWithoutOrder {
		won = append(won, o.SourceID)
	}
	eq(t, []string{"OPP-amount", "OPP-far"}, won)
	var unknown []string
	for _, o := range rep.OrdersUnknownCustomer {
		unknown = append(unknown, o.SourceID+":"+o.Reason)
	}
	eq(t, []string{"SO-noacct:no_crm_account", "SO-nocust:no_customer"}, unknown)

	// A wider window and tolerance find the other two.
	rep, err = Reconcile(ctx, db, ReconcileOptions{CRM: []string{"crm"}, ERP: []string{"erp"},
		Window: 90 * 24 * time.Hour, AmountTolerance: decimal.RequireFromString("0.2")})
	must(t, err)
	eq(t, 0, len(rep.WonWithoutOrder))

	var n int
	must(t, db.Get(&n, `SELECT n FROM report.reconciliation WHERE check_name = 'orders_unknown_customer'`))
	eq(t, 2, n)
	must(t, db.Get(&n, `SELECT count(*) FROM report.golden_attribute_lineage WHERE attribute = 'name'`))
	eq(t, 3, n)
}
