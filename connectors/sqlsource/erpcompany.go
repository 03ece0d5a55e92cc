package sqlsource

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/northstar-dev/northstar/generate"
)

// SeedERPCompany creates the ERP schema in db (an empty database) and loads
// the customers and sales orders of the company that generate.Generate
// builds from opts, so that the ERP agrees with the other emulators of
// `northstar demo`: customer_no is the generated customer ID ("C000123"),
// sales_orders.id the number of the generated order ID ("SO00000042" → 42,
// order_no keeps the ID), order_lines.id is order number × 1000 + item, and
// invoices and payments exist for invoiced and paid orders. Contacts,
// contracts, surveys and cases are not ERP data and are skipped. It returns
// generate's Truth.
func SeedERPCompany(ctx context.Context, db *sql.DB, driver string, opts generate.Options) (generate.Truth, error) {
	for _, stmt := range ERPSchema(driver) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return generate.Truth{}, fmt.Errorf("sqlsource: erp schema: %w", err)
		}
	}
	sink := &erpSink{ctx: ctx, db: db, g: &erpGen{driver: driver}}
	truth, err := generate.Generate(ctx, opts, sink)
	if err != nil {
		return truth, fmt.Errorf("sqlsource: generate: %w", err)
	}
	if err := sink.g.flush(ctx, db); err != nil {
		return truth, err
	}
	return truth, nil
}

// erpSink writes generated entities as ERP rows, flushing in batches.
type erpSink struct {
	ctx     context.Context
	db      *sql.DB
	g       *erpGen
	pending int
}

func (s *erpSink) added() error {
	s.pending++
	if s.pending < 2000 {
		return nil
	}
	s.pending = 0
	return s.g.flush(s.ctx, s.db)
}

// Customer adds a customers row.
func (s *erpSink) Customer(c *generate.Customer) error {
	var industry, taxID any
	if c.Industry != "" {
		industry = c.Industry
	}
	if c.TaxID != "" {
		taxID = c.TaxID
	}
	s.g.addCustomer(c.ModifiedAt, c.ID, c.Name, c.Email, c.Website, c.Country, taxID, c.Segment, industry, c.Currency, c.CreatedAt.UTC())
	return s.added()
}

// Order adds a sales order with its lines, invoice and payment.
func (s *erpSink) Order(o *generate.Order) error {
	id, err := strconv.ParseInt(strings.TrimLeft(o.ID, "SO"), 10, 64)
	if err != nil {
		return fmt.Errorf("sqlsource: order id %q: %w", o.ID, err)
	}
	changed := o.ModifiedAt.UTC()
	for _, l := range o.Lines {
		s.g.add("order_lines", orderLineCols, id*1000+int64(l.Item), id, l.Item, l.ProductID, l.Category,
			strconv.FormatInt(l.Quantity, 10), l.Amount.String(), l.Currency, l.ModifiedAt.UTC())
	}
	s.g.add("sales_orders", salesOrderCols, id, o.ID, o.CustomerID, o.OrderedAt.UTC().Format(time.DateOnly),
		dateOrNil(o.FulfilledAt), o.Status, o.Type, o.Currency, o.Amount.String(), timeOrNil(o.CanceledAt), changed)
	if !o.InvoicedAt.IsZero() {
		s.g.add("invoices", invoiceCols, id, id, fmt.Sprintf("INV%08d", id), o.InvoicedAt.UTC().Format(time.DateOnly),
			o.Amount.String(), o.Currency, o.InvoicedAt.UTC())
	}
	if !o.PaidAt.IsZero() && !o.InvoicedAt.IsZero() {
		s.g.add("payments", paymentCols, id, id, o.PaidAt.UTC(), o.Amount.String(), o.PaidAt.UTC())
	}
	return s.added()
}

// Contact is not ERP data.
func (s *erpSink) Contact(*generate.Contact) error { return nil }

// Contract is not ERP data.
func (s *erpSink) Contract(*generate.Contract) error { return nil }

// SurveyResponse is not ERP data.
func (s *erpSink) SurveyResponse(*generate.SurveyResponse) error { return nil }

// SupportCase is not ERP data.
func (s *erpSink) SupportCase(*generate.SupportCase) error { return nil }

func dateOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
