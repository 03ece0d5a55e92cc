package odata

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/northstar-dev/northstar/generate"
)

// BCView summarises what LoadCompanyBC put into a Business Central emulator.
type BCView struct {
	// Customers maps the generator's customer id ("C000123") to the BC
	// customer number ("C000123" → "10123").
	Customers map[string]string
	// Omitted lists generator customers left out (CRM-only, with their orders).
	Omitted []string
	// Orders, Lines and Invoices count what was loaded.
	Orders, Lines, Invoices int
}

// LoadCompanyBC generates the synthetic company of opts (package generate)
// and loads its ERP view into a Business Central emulator: every customer
// becomes a BC customer numbered 10000 + n whose display name is sometimes
// spelled differently than in the CRM; about 2 % of customers (with their
// orders) are left out. Orders become sales orders (number 101000 + n) with
// their lines; fulfilled orders are fullyShipped with the delivery date as
// requestedDeliveryDate; invoiced orders get a sales invoice that is Open,
// Paid (dated at the payment) or Canceled. Ids are derived from the
// generator's ids, so the same options load the same data.
func LoadCompanyBC(ctx context.Context, e *BCEmulator, opts generate.Options) (BCView, error) {
	v := BCView{Customers: map[string]string{}}
	sink := &bcSink{e: e, v: &v, ids: map[string]string{}}
	if _, err := generate.Generate(ctx, opts, sink); err != nil {
		return v, fmt.Errorf("generate: %w", err)
	}
	return v, nil
}

type bcSink struct {
	e   *BCEmulator
	v   *BCView
	ids map[string]string // generator customer id → BC customer GUID
}

// bcGUID derives a stable GUID-shaped id from a generator id.
func bcGUID(kind, id string) string {
	h1, h2 := hash(kind+"/"+id), hash(id+"/"+kind)
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", h1, h2&0xffff, h2>>16, h1&0xffff, uint64(h1)<<16|uint64(h2&0xffff))
}

func (s *bcSink) Customer(c *generate.Customer) error {
	if hash(c.ID+"/erp")%50 == 0 {
		s.v.Omitted = append(s.v.Omitted, c.ID)
		return nil
	}
	n, err := strconv.Atoi(strings.TrimLeft(c.ID, "C"))
	if err != nil {
		n = len(s.v.Customers)
	}
	number := strconv.Itoa(10000 + n)
	s.v.Customers[c.ID] = number
	s.ids[c.ID] = bcGUID("customer", c.ID)
	s.e.PutCustomer(BCCustomer{
		ID: s.ids[c.ID], Number: number, DisplayName: spelling(c.ID, c.Name), Type: "Company", Country: c.Country,
		Website: c.Website, TaxRegistrationNumber: c.TaxID, CurrencyCode: c.Currency, Blocked: " ",
		LastModifiedDateTime: Stamp(c.ModifiedAt),
	})
	return nil
}

func (s *bcSink) Order(o *generate.Order) error {
	custID, ok := s.ids[o.CustomerID]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimLeft(o.ID, "SO"))
	if err != nil {
		n = s.v.Orders
	}
	so := BCSalesOrder{
		ID: bcGUID("order", o.ID), Number: strconv.Itoa(101000 + n), ExternalDocumentNumber: o.ID,
		OrderDate: Date(o.OrderedAt), PostingDate: Date(o.OrderedAt), CustomerID: custID,
		CustomerNumber: s.v.Customers[o.CustomerID], CurrencyCode: o.Currency, Status: "Open",
		TotalAmountExcludingTax: Decimal(o.Amount.String()), TotalAmountIncludingTax: Decimal(o.Amount.String()),
		LastModifiedDateTime: Stamp(o.ModifiedAt),
	}
	if !o.FulfilledAt.IsZero() {
		so.FullyShipped, so.Status, so.RequestedDeliveryDate = true, "Released", Date(o.FulfilledAt)
	}
	for i, l := range o.Lines {
		so.Lines = append(so.Lines, BCSalesLine{
			ID: bcGUID("line", o.ID+"/"+strconv.Itoa(i)), Sequence: Decimal(strconv.Itoa(10000 * (i + 1))), LineType: "Item",
			LineObjectNumber: l.ProductID, Description: l.Category, Quantity: Decimal(strconv.FormatInt(l.Quantity, 10)),
			NetAmount: Decimal(l.Amount.String()), AmountIncludingTax: Decimal(l.Amount.String()),
		})
	}
	s.e.PutSalesOrder(so)
	s.v.Orders++
	s.v.Lines += len(so.Lines)
	if o.InvoicedAt.IsZero() {
		return nil
	}
	inv := BCSalesInvoice{
		ID: bcGUID("invoice", o.ID), Number: strconv.Itoa(103000 + n), InvoiceDate: Date(o.InvoicedAt), PostingDate: Date(o.InvoicedAt),
		DueDate: Date(o.InvoicedAt.AddDate(0, 0, 30)), CustomerID: custID, CustomerNumber: so.CustomerNumber,
		OrderID: so.ID, OrderNumber: so.Number, CurrencyCode: o.Currency, Status: "Open",
		TotalAmountExcludingTax: so.TotalAmountExcludingTax, RemainingAmount: so.TotalAmountIncludingTax,
		LastModifiedDateTime: Stamp(o.InvoicedAt), Lines: append([]BCSalesLine(nil), so.Lines...),
	}
	for i := range inv.Lines {
		inv.Lines[i].ID = bcGUID("invoice-line", o.ID+"/"+strconv.Itoa(i))
	}
	switch {
	case !o.CanceledAt.IsZero():
		inv.Status, inv.LastModifiedDateTime = "Canceled", Stamp(o.CanceledAt)
	case !o.PaidAt.IsZero():
		inv.Status, inv.RemainingAmount, inv.LastModifiedDateTime = "Paid", "0", Stamp(o.PaidAt)
	}
	s.e.PutSalesInvoice(inv)
	s.v.Invoices++
	return nil
}

func (s *bcSink) Contact(*generate.Contact) error               { return nil }
func (s *bcSink) Contract(*generate.Contract) error             { return nil }
func (s *bcSink) SurveyResponse(*generate.SurveyResponse) error { return nil }
func (s *bcSink) SupportCase(*generate.SupportCase) error       { return nil }
