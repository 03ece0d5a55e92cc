package odata

// BusinessPartner is an A_BusinessPartner record of the SAP emulator.
// LastChangeDate is null (0) for partners never changed since creation.
type BusinessPartner struct {
	BusinessPartner          string        `odata:"BusinessPartner"`
	Customer                 string        `odata:"Customer"`
	BusinessPartnerCategory  string        `odata:"BusinessPartnerCategory"` // "1" person, "2" organisation
	BusinessPartnerFullName  string        `odata:"BusinessPartnerFullName"`
	BusinessPartnerGrouping  string        `odata:"BusinessPartnerGrouping"`
	OrganizationBPName1      string        `odata:"OrganizationBPName1"`
	SearchTerm1              string        `odata:"SearchTerm1"`
	Industry                 string        `odata:"Industry"`
	BusinessPartnerIsBlocked bool          `odata:"BusinessPartnerIsBlocked"`
	IsMarkedForArchiving     bool          `odata:"IsMarkedForArchiving"`
	CreationDate             DateTime      `odata:"CreationDate"`
	CreationTime             TimeOfDay     `odata:"CreationTime"`
	LastChangeDate           DateTime      `odata:"LastChangeDate"`
	LastChangeTime           TimeOfDay     `odata:"LastChangeTime"`
	Addresses                []BPAddress   `odata:"to_BusinessPartnerAddress,nav=A_BusinessPartnerAddress"`
	TaxNumbers               []BPTaxNumber `odata:"to_BusinessPartnerTax,nav=A_BusinessPartnerTaxNumber"`
	CustomerRole             *CustomerRole `odata:"to_Customer,nav=A_Customer"`
	Override                 Overrides     `odata:"-"`
}

func (b *BusinessPartner) keyPredicate() string { return stringLiteral(b.BusinessPartner) }
func (b *BusinessPartner) key() string          { return b.BusinessPartner }
func (b *BusinessPartner) overrides() Overrides { return b.Override }

// BPAddress is an A_BusinessPartnerAddress record (to_BusinessPartnerAddress).
type BPAddress struct {
	BusinessPartner string `odata:"BusinessPartner"`
	AddressID       string `odata:"AddressID"`
	Country         string `odata:"Country"`
	Region          string `odata:"Region"`
	CityName        string `odata:"CityName"`
	PostalCode      string `odata:"PostalCode"`
	StreetName      string `odata:"StreetName"`
}

func (a *BPAddress) keyPredicate() string {
	return "BusinessPartner=" + stringLiteral(a.BusinessPartner) + ",AddressID=" + stringLiteral(a.AddressID)
}
func (a *BPAddress) key() string          { return a.BusinessPartner + "/" + a.AddressID }
func (a *BPAddress) overrides() Overrides { return nil }

// BPTaxNumber is an A_BusinessPartnerTaxNumber record (to_BusinessPartnerTax).
type BPTaxNumber struct {
	BusinessPartner string `odata:"BusinessPartner"`
	BPTaxType       string `odata:"BPTaxType"`
	BPTaxNumber     string `odata:"BPTaxNumber"`
}

func (x *BPTaxNumber) keyPredicate() string {
	return "BusinessPartner=" + stringLiteral(x.BusinessPartner) + ",BPTaxType=" + stringLiteral(x.BPTaxType)
}
func (x *BPTaxNumber) key() string          { return x.BusinessPartner + "/" + x.BPTaxType }
func (x *BPTaxNumber) overrides() Overrides { return nil }

// CustomerRole is an A_Customer record (to_Customer): the partner's customer role.
type CustomerRole struct {
	Customer               string `odata:"Customer"`
	CustomerAccountGroup   string `odata:"CustomerAccountGroup"`
	CustomerClassification string `odata:"CustomerClassification"`
	DeletionIndicator      bool   `odata:"DeletionIndicator"`
}

func (c *CustomerRole) keyPredicate() string { return stringLiteral(c.Customer) }
func (c *CustomerRole) key() string          { return c.Customer }
func (c *CustomerRole) overrides() Overrides { return nil }

// SalesOrder is an A_SalesOrder record of the SAP emulator. ActualDeliveryDate
// is an emulator extension (real systems add such fields as YY1_… custom
// fields): with OverallDeliveryStatus "C" it is the fulfilment date.
// OverallSDDocumentRejectionSts "C" means the order was rejected (canceled).
type SalesOrder struct {
	SalesOrder                    string           `odata:"SalesOrder"`
	SalesOrderType                string           `odata:"SalesOrderType"`
	SalesOrganization             string           `odata:"SalesOrganization"`
	DistributionChannel           string           `odata:"DistributionChannel"`
	SoldToParty                   string           `odata:"SoldToParty"`
	PurchaseOrderByCustomer       string           `odata:"PurchaseOrderByCustomer"`
	CreationDate                  DateTime         `odata:"CreationDate"`
	LastChangeDate                DateTime         `odata:"LastChangeDate"`
	LastChangeDateTime            DateTimeOffset   `odata:"LastChangeDateTime"`
	SalesOrderDate                DateTime         `odata:"SalesOrderDate"`
	TotalNetAmount                Decimal          `odata:"TotalNetAmount"`
	TransactionCurrency           string           `odata:"TransactionCurrency"`
	OverallSDProcessStatus        string           `odata:"OverallSDProcessStatus"`
	OverallDeliveryStatus         string           `odata:"OverallDeliveryStatus"`
	OverallSDDocumentRejectionSts string           `odata:"OverallSDDocumentRejectionSts"`
	RequestedDeliveryDate         DateTime         `odata:"RequestedDeliveryDate"`
	ActualDeliveryDate            DateTime         `odata:"ActualDeliveryDate"`
	Items                         []SalesOrderItem `odata:"to_Item,nav=A_SalesOrderItem"`
	Override                      Overrides        `odata:"-"`
}

func (o *SalesOrder) keyPredicate() string { return stringLiteral(o.SalesOrder) }
func (o *SalesOrder) key() string          { return o.SalesOrder }
func (o *SalesOrder) overrides() Overrides { return o.Override }

// SalesOrderItem is an A_SalesOrderItem record (to_Item).
type SalesOrderItem struct {
	SalesOrder            string    `odata:"SalesOrder"`
	SalesOrderItem        string    `odata:"SalesOrderItem"`
	Material              string    `odata:"Material"`
	MaterialGroup         string    `odata:"MaterialGroup"`
	SalesOrderItemText    string    `odata:"SalesOrderItemText"`
	RequestedQuantity     Decimal   `odata:"RequestedQuantity"`
	RequestedQuantityUnit string    `odata:"RequestedQuantityUnit"`
	NetAmount             Decimal   `odata:"NetAmount"`
	TransactionCurrency   string    `odata:"TransactionCurrency"`
	Override              Overrides `odata:"-"`
}

func (i *SalesOrderItem) keyPredicate() string {
	return "SalesOrder=" + stringLiteral(i.SalesOrder) + ",SalesOrderItem=" + stringLiteral(i.SalesOrderItem)
}
func (i *SalesOrderItem) key() string          { return i.SalesOrder + "/" + i.SalesOrderItem }
func (i *SalesOrderItem) overrides() Overrides { return i.Override }

// BillingDocument is an A_BillingDocument record of the SAP emulator.
// InvoiceClearingStatus "C" means the invoice was paid (cleared); the
// emulator moves LastChangeDateTime to the clearing time when it clears.
type BillingDocument struct {
	BillingDocument            string                `odata:"BillingDocument"`
	BillingDocumentType        string                `odata:"BillingDocumentType"`
	SoldToParty                string                `odata:"SoldToParty"`
	BillingDocumentDate        DateTime              `odata:"BillingDocumentDate"`
	CreationDate               DateTime              `odata:"CreationDate"`
	LastChangeDateTime         DateTimeOffset        `odata:"LastChangeDateTime"`
	TotalNetAmount             Decimal               `odata:"TotalNetAmount"`
	TransactionCurrency        string                `odata:"TransactionCurrency"`
	BillingDocumentIsCancelled bool                  `odata:"BillingDocumentIsCancelled"`
	InvoiceClearingStatus      string                `odata:"InvoiceClearingStatus"`
	Items                      []BillingDocumentItem `odata:"to_Item,nav=A_BillingDocumentItem"`
	Override                   Overrides             `odata:"-"`
}

func (d *BillingDocument) keyPredicate() string { return stringLiteral(d.BillingDocument) }
func (d *BillingDocument) key() string          { return d.BillingDocument }
func (d *BillingDocument) overrides() Overrides { return d.Override }

// BillingDocumentItem is an A_BillingDocumentItem record; SalesDocument is
// the sales order it bills. Header is set by the emulator (to_BillingDocument).
type BillingDocumentItem struct {
	BillingDocument     string           `odata:"BillingDocument"`
	BillingDocumentItem string           `odata:"BillingDocumentItem"`
	SalesDocument       string           `odata:"SalesDocument"`
	SalesDocumentItem   string           `odata:"SalesDocumentItem"`
	NetAmount           Decimal          `odata:"NetAmount"`
	Header              *BillingDocument `odata:"to_BillingDocument,nav=A_BillingDocument"`
}

func (i *BillingDocumentItem) keyPredicate() string {
	return "BillingDocument=" + stringLiteral(i.BillingDocument) + ",BillingDocumentItem=" + stringLiteral(i.BillingDocumentItem)
}
func (i *BillingDocumentItem) key() string          { return i.BillingDocument + "/" + i.BillingDocumentItem }
func (i *BillingDocumentItem) overrides() Overrides { return nil }
