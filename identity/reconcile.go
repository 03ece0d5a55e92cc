package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
)

// ReconcileOptions say which connectors are CRM and which ERP systems and
// how close a won opportunity and an ERP order must be to count as one.
type ReconcileOptions struct {
	CRM, ERP []string // connector (source) names
	// Window is how far apart (either way) the opportunity's close date
	// and the ERP order date may be; default 30 days.
	Window time.Duration
	// AmountTolerance is the relative amount difference allowed, as a
	// fraction (0.01 = 1 %); default 0.01. Compared in the reporting
	// currency, or in the order currency when both share it.
	AmountTolerance decimal.Decimal
}

// CustomerGap is a source customer without a counterpart on the other side.
type CustomerGap struct {
	CustomerID int64  `db:"customer_id" json:"customer_id"`
	Source     string `db:"source" json:"source"`
	SourceID   string `db:"source_id" json:"source_id"`
	Name       string `db:"name" json:"name"`
	Country    string `db:"country" json:"country"`
	MatchedBy  string `db:"matched_by" json:"matched_by"`
}

// OrderGap is an order without a counterpart on the other side. Amounts
// are decimal text; CustomerID is 0 for an order without a customer.
type OrderGap struct {
	Source          string    `db:"source" json:"source"`
	SourceID        string    `db:"source_id" json:"source_id"`
	CustomerID      int64     `db:"customer_id" json:"customer_id,omitempty"`
	OrderedAt       time.Time `db:"ordered_at" json:"ordered_at"`
	Currency        string    `db:"currency" json:"currency"`
	Amount          string    `db:"amount" json:"amount"`
	AmountReporting string    `db:"amount_reporting" json:"amount_reporting"`
	Reason          string    `db:"reason" json:"reason,omitempty"`
}

// Report is the CRM/ERP reconciliation; each list is sorted by its key.
type Report struct {
	CRMWithoutERP         []CustomerGap `json:"crm_without_erp"`
	ERPWithoutCRM         []CustomerGap `json:"erp_without_crm"`
	WonWithoutOrder       []OrderGap    `json:"won_opportunities_without_order"`
	OrdersUnknownCustomer []OrderGap    `json:"orders_unknown_customer"`
}

// ErrNoRoles is returned by Reconcile when no CRM or no ERP source is named.
var ErrNoRoles = errors.New("identity: reconcile needs at least one crm and one erp source")

// Reconcile stores the source roles in ops.source_roles (so the report.*
// reconciliation views agree with the last reconcile) and lists CRM
// customers without an ERP counterpart, ERP customers without a CRM
// account, won opportunities (orders of a CRM source) without an ERP
// order of the same golden customer within the window and tolerance, and
// ERP orders whose golden customer is unknown to the CRM.
func Reconcile(ctx context.Context, db *sqlx.DB, opt ReconcileOptions) (Report, error) {
	if len(opt.CRM) == 0 || len(opt.ERP) == 0 {
		return Report{}, ErrNoRoles
	}
	if opt.Window <= 0 {
		opt.Window = 30 * 24 * time.Hour
	}
	if opt.AmountTolerance.IsZero() {
		opt.AmountTolerance = decimal.NewFromFloat(0.01)
	}
	if opt.AmountTolerance.IsNegative() {
		return Report{}, fmt.Errorf("identity: negative amount tolerance %s", opt.AmountTolerance)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return Report{}, fmt.Errorf("identity: reconcile: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, `DELETE FROM ops.source_roles`); err != nil {
		return Report{}, fmt.Errorf("identity: reconcile: store roles: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ops.source_roles (source, role)
		SELECT s, 'crm' FROM unnest($1::text[]) s UNION SELECT s, 'erp' FROM unnest($2::text[]) s
		ON CONFLICT (source) DO NOTHING`, pq.Array(opt.CRM), pq.Array(opt.ERP)); err != nil {
		return Report{}, fmt.Errorf("identity: reconcile: store roles: %w", err)
	}
	var rep Report
	const custCols = `customer_id, source, source_id, coalesce(name, '') AS name, coalesce(country, '') AS country, matched_by`
	const orderCols = `source, source_id, coalesce(customer_id, 0) AS customer_id, ordered_at, coalesce(currency, '') AS currency,
		coalesce(amount::text, '') AS amount, coalesce(amount_reporting::text, '') AS amount_reporting`
	queries := []struct {
		what string
		dst  any
		q    string
		args []any
	}{
		{"crm without erp", &rep.CRMWithoutERP, `SELECT ` + custCols + ` FROM report.crm_without_erp ORDER BY source, source_id`, nil},
		{"erp without crm", &rep.ERPWithoutCRM, `SELECT ` + custCols + ` FROM report.erp_without_crm ORDER BY source, source_id`, nil},
		{"won opportunities without order", &rep.WonWithoutOrder, `SELECT ` + orderCols + `, '' AS reason
			FROM report.won_opportunities_without_order($1::interval, $2::numeric) ORDER BY source, source_id`,
			[]any{fmt.Sprintf("%d seconds", int64(opt.Window/time.Second)), opt.AmountTolerance.String()}},
		{"orders unknown customer", &rep.OrdersUnknownCustomer, `SELECT ` + orderCols + `, reason
			FROM report.orders_unknown_customer ORDER BY source, source_id`, nil},
	}
	for _, q := range queries {
		if err := tx.SelectContext(ctx, q.dst, q.q, q.args...); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Report{}, fmt.Errorf("identity: reconcile %s: %w", q.what, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Report{}, fmt.Errorf("identity: reconcile: %w", err)
	}
	return rep, nil
}
