package odata

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/northstar-dev/northstar/generate"
)

// ERPView summarises what LoadCompany put into a SAP emulator.
type ERPView struct {
	// Partners maps the generator's customer id ("C000123") to its
	// BusinessPartner number ("1000123"); customers left out are absent.
	Partners map[string]string
	// Omitted lists generator customers that are only in the CRM (with
	// their orders): sold through a partner, never in this ERP.
	Omitted []string
	// ERPOnly lists business partners that exist only in the ERP.
	ERPOnly []string
	// Orders, Items and BillingDocuments count what was loaded.
	Orders, Items, BillingDocuments int
}

// LoadCompany generates the synthetic company of opts (package generate)
// and loads its ERP view into e: every customer becomes a business partner
// numbered 1000000 + n ("C000123" → "1000123") whose name is sometimes
// spelled differently than in the CRM (upper case, "&"/"and", dotted or
// dropped legal form); about 2 % of customers (with their orders) are left
// out and about 2 % extra partners exist only in the ERP. Orders become
// sales orders numbered 4000000000 + n with their lines as items (returns
// type "RE", credit notes "G2"), fulfilment as OverallDeliveryStatus "C" +
// ActualDeliveryDate, cancellation as OverallSDDocumentRejectionSts "C",
// invoices as billing documents (numbered 9000000000 + n) whose clearing
// (InvoiceClearingStatus "C") is dated at the payment. Change timestamps are
// the generator's ModifiedAt.
func LoadCompany(ctx context.Context, e *SAPEmulator, opts generate.Options) (ERPView, error) {
	v := ERPView{Partners: map[string]string{}}
	sink := &erpSink{e: e, v: &v}
	if _, err := generate.Generate(ctx, opts, sink); err != nil {
		return v, fmt.Errorf("generate: %w", err)
	}
	// ERP-only partners: dormant or one-time accounts never entered in the CRM.
	n := len(v.Partners) / 50
	for i := 0; i < n; i++ {
		id := strconv.Itoa(1900000 + i)
		created := opts.Start.Add(time.Duration(i) * time.Hour)
		if created.IsZero() {
			created = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		e.PutBusinessPartner(BusinessPartner{
			BusinessPartner: id, Customer: id, BusinessPartnerCategory: "2", BusinessPartnerGrouping: "CPD",
			BusinessPartnerFullName: "One-Time Customer " + strconv.Itoa(i), OrganizationBPName1: "One-Time Customer " + strconv.Itoa(i),
			CreationDate: Date(created), CreationTime: ClockTime(created),
		})
		v.ERPOnly = append(v.ERPOnly, id)
	}
	return v, nil
}

type erpSink struct {
	e    *SAPEmulator
	v    *ERPView
	skip map[string]bool
	seq  int
}

func hash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

// spelling returns the ERP's spelling of a CRM company name.
func spelling(id, name string) string {
	switch hash(id) % 10 {
	case 0:
		return strings.ToUpper(name)
	case 1:
		if strings.Contains(name, " & ") {
			return strings.ReplaceAll(name, " & ", " and ")
		}
		return strings.ReplaceAll(name, " and ", " & ")
	case 2:
		r := strings.NewReplacer(" GmbH", " G.m.b.H.", " Inc.", " Inc", " Ltd.", " Limited", " AG", " A.G.", " S.A.", " SA", " B.V.", " BV")
		return r.Replace(name)
	case 3:
		if i := strings.LastIndexByte(name, ' '); i > 0 {
			return name[:i] // legal form dropped
		}
	}
	return name
}

func (s *erpSink) Customer(c *generate.Customer) error {
	if hash(c.ID+"/erp")%50 == 0 {
		if s.skip == nil {
			s.skip = map[string]bool{}
		}
		s.skip[c.ID] = true
		s.v.Omitted = append(s.v.Omitted, c.ID)
		return nil
	}
	n, err := strconv.Atoi(strings.TrimLeft(c.ID, "C"))
	if err != nil {
		n = len(s.v.Partners)
	}
	id := strconv.Itoa(1000000 + n)
	s.v.Partners[c.ID] = id
	name := spelling(c.ID, c.Name)
	bp := BusinessPartner{
		BusinessPartner: id, Customer: id, BusinessPartnerCategory: "2", BusinessPartnerGrouping: "BP02",
		BusinessPartnerFullName: name, OrganizationBPName1: name, SearchTerm1: strings.ToUpper(firstWord(c.Name)),
		Industry: strings.ToUpper(c.Industry), CreationDate: Date(c.CreatedAt), CreationTime: ClockTime(c.CreatedAt),
		Addresses:    []BPAddress{{BusinessPartner: id, AddressID: strconv.Itoa(30000 + n), Country: c.Country}},
		CustomerRole: &CustomerRole{Customer: id, CustomerAccountGroup: "CUST"},
	}
	if c.TaxID != "" {
		bp.TaxNumbers = []BPTaxNumber{{BusinessPartner: id, BPTaxType: c.Country + "0", BPTaxNumber: c.TaxID}}
	}
	if c.ModifiedAt.Sub(c.CreatedAt) >= time.Second {
		bp.LastChangeDate, bp.LastChangeTime = Date(c.ModifiedAt), ClockTime(c.ModifiedAt)
	}
	s.e.PutBusinessPartner(bp)
	return nil
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

func (s *erpSink) Order(o *generate.Order) error {
	bp, ok := s.v.Partners[o.CustomerID]
	if !ok || s.skip[o.CustomerID] {
		return nil
	}
	s.seq++
	n := s.seq
	if d, err := strconv.Atoi(strings.TrimLeft(o.ID, "SO")); err == nil {
		n = d
	}
	id := strconv.Itoa(4000000000 + n)
	typ := "OR"
	switch o.Type {
	case generate.OrderReturn:
		typ = "RE"
	case generate.OrderCreditNote:
		typ = "G2"
	}
	so := SalesOrder{
		SalesOrder: id, SalesOrderType: typ, SalesOrganization: "1010", DistributionChannel: "10", SoldToParty: bp,
		PurchaseOrderByCustomer: o.ID, CreationDate: Date(o.OrderedAt), SalesOrderDate: Date(o.OrderedAt),
		LastChangeDate: Date(o.ModifiedAt), LastChangeDateTime: Stamp(o.ModifiedAt),
		TotalNetAmount: Decimal(o.Amount.String()), TransactionCurrency: o.Currency,
		OverallSDProcessStatus: "A", OverallDeliveryStatus: "A",
	}
	if !o.FulfilledAt.IsZero() {
		so.OverallDeliveryStatus, so.ActualDeliveryDate = "C", Date(o.FulfilledAt)
	}
	if !o.CanceledAt.IsZero() {
		so.OverallSDDocumentRejectionSts, so.OverallSDProcessStatus = "C", "C"
	}
	for _, l := range o.Lines {
		so.Items = append(so.Items, SalesOrderItem{
			SalesOrderItem: strconv.Itoa(l.Item), Material: l.ProductID, MaterialGroup: l.Category,
			RequestedQuantity: Decimal(strconv.FormatInt(l.Quantity, 10)), RequestedQuantityUnit: "PC",
			NetAmount: Decimal(l.Amount.String()), TransactionCurrency: l.Currency,
		})
	}
	s.e.PutSalesOrder(so)
	s.v.Orders++
	s.v.Items += len(so.Items)
	if !o.InvoicedAt.IsZero() {
		bd := BillingDocument{
			BillingDocument: strconv.Itoa(9000000000 + n), BillingDocumentType: "F2", SoldToParty: bp,
			BillingDocumentDate: Date(o.InvoicedAt), CreationDate: Date(o.InvoicedAt), LastChangeDateTime: Stamp(o.InvoicedAt),
			TotalNetAmount: so.TotalNetAmount, TransactionCurrency: o.Currency, InvoiceClearingStatus: "A",
		}
		if !o.PaidAt.IsZero() {
			bd.InvoiceClearingStatus, bd.LastChangeDateTime = "C", Stamp(o.PaidAt)
		}
		for i, it := range so.Items {
			bd.Items = append(bd.Items, BillingDocumentItem{BillingDocumentItem: strconv.Itoa(10 * (i + 1)), SalesDocument: id, SalesDocumentItem: it.SalesOrderItem, NetAmount: it.NetAmount})
		}
		if len(bd.Items) == 0 {
			bd.Items = []BillingDocumentItem{{BillingDocumentItem: "10", SalesDocument: id, NetAmount: so.TotalNetAmount}}
		}
		s.e.PutBillingDocument(bd)
		s.v.BillingDocuments++
	}
	return nil
}

func (s *erpSink) Contact(*generate.Contact) error               { return nil }
func (s *erpSink) Contract(*generate.Contract) error             { return nil }
func (s *erpSink) SurveyResponse(*generate.SurveyResponse) error { return nil }
func (s *erpSink) SupportCase(*generate.SupportCase) error       { return nil }
