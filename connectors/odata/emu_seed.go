package odata

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// SeedOptions sizes a synthetic SAP data set.
type SeedOptions struct {
	Partners int       // business partners; default 200
	Orders   int       // sales orders (1–5 items each); default 1000
	Seed     uint64    // random seed; same seed, same data
	Now      time.Time // latest change time; default 2026-01-01T00:00:00Z
}

var seedNames = []string{"Adatum", "Contoso", "Fabrikam", "Northwind", "Tailspin", "Wingtip", "Litware", "Proseware", "Alpine", "Coho"}
var seedSuffix = []string{"GmbH", "AG", "Ltd.", "Inc.", "S.A.", "B.V.", "Corporation", "SE"}
var seedCountries = []string{"DE", "US", "GB", "FR", "NL", "CH", "AT", "ES"}
var seedCurrencies = map[string]string{"DE": "EUR", "US": "USD", "GB": "GBP", "FR": "EUR", "NL": "EUR", "CH": "CHF", "AT": "EUR", "ES": "EUR"}

// SeedSAP fills e with a deterministic synthetic company: partners
// (BusinessPartner numbers from 1000000; about a third never changed, many
// sharing a LastChangeDate), sales orders (from 4000000) with items, and
// billing documents (from 90000000) for most delivered orders, about two
// thirds of them cleared. It returns the number of billing documents.
func SeedSAP(e *SAPEmulator, o SeedOptions) int {
	if o.Partners <= 0 {
		o.Partners = 200
	}
	if o.Orders <= 0 {
		o.Orders = 1000
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed))
	start := o.Now.AddDate(-3, 0, 0)
	span := o.Now.Sub(start)
	country := make([]string, o.Partners)
	for i := 0; i < o.Partners; i++ {
		id := strconv.Itoa(1000000 + i)
		c := seedCountries[rng.IntN(len(seedCountries))]
		country[i] = c
		name := seedNames[rng.IntN(len(seedNames))] + " " + strconv.Itoa(i) + " " + seedSuffix[rng.IntN(len(seedSuffix))]
		created := start.Add(time.Duration(rng.Int64N(int64(span / 2))))
		bp := BusinessPartner{
			BusinessPartner: id, Customer: id, BusinessPartnerCategory: "2",
			BusinessPartnerFullName: name, OrganizationBPName1: name, BusinessPartnerGrouping: "BP02",
			SearchTerm1: seedNames[i%len(seedNames)], Industry: []string{"RETAIL", "MANUF", "SERV"}[rng.IntN(3)],
			CreationDate: Date(created), CreationTime: ClockTime(created),
			Addresses:    []BPAddress{{BusinessPartner: id, AddressID: strconv.Itoa(20000 + i), Country: c, CityName: "City " + strconv.Itoa(i%97), PostalCode: fmt.Sprintf("%05d", rng.IntN(99999)), StreetName: "Main Street " + strconv.Itoa(i%300)}},
			TaxNumbers:   []BPTaxNumber{{BusinessPartner: id, BPTaxType: c + "0", BPTaxNumber: fmt.Sprintf("%s%09d", c, rng.IntN(999999999))}},
			CustomerRole: &CustomerRole{Customer: id, CustomerAccountGroup: "CUST"},
		}
		if rng.IntN(3) != 0 {
			// Changed later; days cluster so that many partners share one date.
			ch := created.Add(time.Duration(rng.Int64N(int64(o.Now.Sub(created)))))
			bp.LastChangeDate = Date(ch)
			bp.LastChangeTime = ClockTime(ch)
		}
		e.PutBusinessPartner(bp)
	}
	bills := 0
	for i := 0; i < o.Orders; i++ {
		id := strconv.Itoa(4000000 + i)
		bpi := rng.IntN(o.Partners)
		cur := seedCurrencies[country[bpi]]
		ordered := start.Add(time.Duration(float64(span) * float64(i) / float64(o.Orders)))
		so := SalesOrder{
			SalesOrder: id, SalesOrderType: "OR", SalesOrganization: "1010", DistributionChannel: "10",
			SoldToParty: strconv.Itoa(1000000 + bpi), PurchaseOrderByCustomer: "PO-" + id,
			CreationDate: Date(ordered), SalesOrderDate: Date(ordered), TransactionCurrency: cur,
			RequestedDeliveryDate: Date(ordered.AddDate(0, 0, 14)), OverallSDProcessStatus: "A", OverallDeliveryStatus: "A",
		}
		total := int64(0)
		for j := 0; j < 1+rng.IntN(5); j++ {
			qty := 1 + rng.IntN(20)
			cents := int64(qty) * (500 + rng.Int64N(50000))
			total += cents
			so.Items = append(so.Items, SalesOrderItem{
				SalesOrderItem: strconv.Itoa(10 * (j + 1)), Material: "MAT-" + strconv.Itoa(rng.IntN(500)),
				MaterialGroup: "MG" + strconv.Itoa(rng.IntN(12)), SalesOrderItemText: "Item",
				RequestedQuantity: Decimal(strconv.Itoa(qty)), RequestedQuantityUnit: "PC",
				NetAmount: Decimal(cents2(cents)), TransactionCurrency: cur,
			})
		}
		so.TotalNetAmount = Decimal(cents2(total))
		changed := ordered.Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
		switch r := rng.IntN(20); {
		case r == 0:
			so.OverallSDDocumentRejectionSts = "C"
			so.OverallSDProcessStatus = "C"
		case r < 16 && ordered.Before(o.Now.AddDate(0, 0, -20)):
			delivered := ordered.Add(time.Duration(2+rng.IntN(12)) * 24 * time.Hour)
			so.OverallDeliveryStatus = "C"
			so.ActualDeliveryDate = Date(delivered)
			so.OverallSDProcessStatus = "C"
			changed = delivered.Add(time.Duration(rng.IntN(3600)) * time.Second)
			if rng.IntN(10) < 9 {
				billed := delivered.Add(24 * time.Hour)
				bd := BillingDocument{
					BillingDocument: strconv.Itoa(90000000 + i), BillingDocumentType: "F2", SoldToParty: so.SoldToParty,
					BillingDocumentDate: Date(billed), CreationDate: Date(billed), LastChangeDateTime: Stamp(billed),
					TotalNetAmount: so.TotalNetAmount, TransactionCurrency: cur, InvoiceClearingStatus: "A",
				}
				for j, it := range so.Items {
					bd.Items = append(bd.Items, BillingDocumentItem{BillingDocumentItem: strconv.Itoa(10 * (j + 1)), SalesDocument: id, SalesDocumentItem: it.SalesOrderItem, NetAmount: it.NetAmount})
				}
				if cleared := billed.Add(time.Duration(5+rng.IntN(40)) * 24 * time.Hour); rng.IntN(3) != 0 && cleared.Before(o.Now) {
					bd.InvoiceClearingStatus = "C"
					bd.LastChangeDateTime = Stamp(cleared)
				}
				e.PutBillingDocument(bd)
				bills++
			}
		}
		so.LastChangeDate = Date(changed)
		so.LastChangeDateTime = Stamp(changed)
		e.PutSalesOrder(so)
	}
	return bills
}

func cents2(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := strconv.FormatInt(c/100, 10) + "." + fmt.Sprintf("%02d", c%100)
	if neg {
		s = "-" + s
	}
	return s
}

// guid returns a deterministic GUID-shaped id.
func guid(rng *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
}

// SeedBC fills e with a deterministic synthetic company: o.Partners
// customers (numbers from 10000), o.Orders sales orders with lines, and a
// posted invoice (Open or Paid, a few Canceled) for every second order.
func SeedBC(e *BCEmulator, o SeedOptions) {
	if o.Partners <= 0 {
		o.Partners = 200
	}
	if o.Orders <= 0 {
		o.Orders = 1000
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0xbc))
	start := o.Now.AddDate(-2, 0, 0)
	span := o.Now.Sub(start)
	type cust struct{ id, number, name, cur string }
	custs := make([]cust, o.Partners)
	for i := range custs {
		c := seedCountries[rng.IntN(len(seedCountries))]
		name := seedNames[rng.IntN(len(seedNames))] + " " + strconv.Itoa(i) + " " + seedSuffix[rng.IntN(len(seedSuffix))]
		custs[i] = cust{guid(rng), strconv.Itoa(10000 + i*10), name, seedCurrencies[c]}
		e.PutCustomer(BCCustomer{
			ID: custs[i].id, Number: custs[i].number, DisplayName: name, Type: "Company", Country: c,
			City: "City " + strconv.Itoa(i%50), Email: fmt.Sprintf("billing%d@example.com", i), Website: fmt.Sprintf("www.example%d.com", i),
			TaxRegistrationNumber: fmt.Sprintf("%s%09d", c, rng.IntN(999999999)), CurrencyCode: custs[i].cur, Blocked: " ",
			LastModifiedDateTime: Stamp(start.Add(time.Duration(rng.Int64N(int64(span))))),
		})
	}
	for i := 0; i < o.Orders; i++ {
		c := custs[rng.IntN(len(custs))]
		ordered := start.Add(time.Duration(float64(span) * float64(i) / float64(o.Orders)))
		so := BCSalesOrder{
			ID: guid(rng), Number: strconv.Itoa(101000 + i), OrderDate: Date(ordered), PostingDate: Date(ordered),
			CustomerID: c.id, CustomerNumber: c.number, CustomerName: c.name, CurrencyCode: c.cur, Status: "Open",
			RequestedDeliveryDate: Date(ordered.AddDate(0, 0, 7)),
			LastModifiedDateTime:  Stamp(ordered.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))),
		}
		total := int64(0)
		for j := 0; j < 1+rng.IntN(4); j++ {
			qty := 1 + rng.IntN(10)
			cents := int64(qty) * (1000 + rng.Int64N(20000))
			total += cents
			so.Lines = append(so.Lines, BCSalesLine{
				ID: guid(rng), Sequence: Decimal(strconv.Itoa(10000 * (j + 1))), LineType: "Item",
				LineObjectNumber: "ITEM-" + strconv.Itoa(rng.IntN(300)), Description: "Item", Quantity: Decimal(strconv.Itoa(qty)),
				UnitPrice: Decimal(cents2(cents / int64(qty))), NetAmount: Decimal(cents2(cents)), AmountIncludingTax: Decimal(cents2(cents * 119 / 100)),
			})
		}
		so.TotalAmountExcludingTax = Decimal(cents2(total))
		so.TotalAmountIncludingTax = Decimal(cents2(total * 119 / 100))
		if ordered.Before(o.Now.AddDate(0, 0, -14)) && rng.IntN(3) != 0 {
			so.FullyShipped, so.Status = true, "Released"
		}
		e.PutSalesOrder(so)
		if i%2 == 0 && so.FullyShipped {
			inv := BCSalesInvoice{
				ID: guid(rng), Number: strconv.Itoa(103000 + i), InvoiceDate: Date(ordered.AddDate(0, 0, 8)), PostingDate: Date(ordered.AddDate(0, 0, 8)),
				DueDate: Date(ordered.AddDate(0, 0, 38)), CustomerID: c.id, CustomerNumber: c.number, OrderID: so.ID, OrderNumber: so.Number,
				CurrencyCode: c.cur, Status: "Open", TotalAmountExcludingTax: so.TotalAmountExcludingTax, RemainingAmount: so.TotalAmountIncludingTax,
				LastModifiedDateTime: Stamp(ordered.AddDate(0, 0, 8)),
			}
			switch rng.IntN(10) {
			case 0:
				inv.Status = "Canceled"
			case 1, 2, 3, 4, 5, 6:
				inv.Status, inv.RemainingAmount = "Paid", "0"
				inv.LastModifiedDateTime = Stamp(ordered.AddDate(0, 0, 20))
			}
			inv.Lines = append(inv.Lines, so.Lines...)
			for j := range inv.Lines {
				inv.Lines[j].ID = guid(rng)
			}
			e.PutSalesInvoice(inv)
		}
	}
}
