package salesforce

import (
	"context"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/northstar-dev/northstar/generate"
)

// LoadCompany generates the synthetic company of opts into the emulator as
// a CRM sees it: customers → Account, contacts → Contact, orders →
// Opportunity (canceled orders are Closed Lost, IsWon = false; all others
// Closed Won), order lines → OpportunityLineItem with one Product2 per
// product (Family = category), contracts → Contract (MRR__c,
// Adoption_Ratio__c, Adopted_Date__c), survey responses →
// Survey_Response__c and support cases → Case. Records get Salesforce Ids;
// the generator's customer id is kept in ERP_Customer_Number__c for about
// 70 % of the accounts only (the CRM↔ERP cross-reference is incomplete, as
// in real orgs). It returns the Salesforce Id of every generated entity,
// keyed by the generator's id, and the generator's Truth.
func (e *Emulator) LoadCompany(ctx context.Context, opts generate.Options) (map[string]string, generate.Truth, error) {
	l := &companyLoader{e: e, ids: map[string]string{}, products: map[string]bool{}}
	truth, err := generate.Generate(ctx, opts, l)
	return l.ids, truth, err
}

// companyLoader is a generate.Sink writing into an Emulator.
type companyLoader struct {
	e        *Emulator
	ids      map[string]string // generator id → Salesforce id
	products map[string]bool
}

// id returns the Salesforce id of a generator entity of object, allocating
// one on first reference (a survey can name a case generated after it).
func (l *companyLoader) id(object, genID string) string {
	if genID == "" {
		return ""
	}
	if id, ok := l.ids[genID]; ok {
		return id
	}
	l.e.mu.Lock()
	id := l.e.tables[lowerObject(object)].newID()
	l.e.mu.Unlock()
	l.ids[genID] = id
	return id
}

func lowerObject(o string) string {
	b := []byte(o)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (l *companyLoader) put(object string, rec map[string]any) error {
	for k, v := range rec {
		switch x := v.(type) {
		case time.Time:
			if x.IsZero() {
				delete(rec, k)
			}
		case string:
			if x == "" {
				delete(rec, k)
			}
		}
	}
	l.e.mu.Lock()
	defer l.e.mu.Unlock()
	_, err := l.e.putLocked(object, rec, l.e.opts.Now(), true)
	return err
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// Customer loads an Account.
func (l *companyLoader) Customer(c *generate.Customer) error {
	h := fnv.New32a()
	_, _ = h.Write([]byte(c.ID))
	erp := ""
	if h.Sum32()%10 < 7 {
		erp = c.ID
	}
	return l.put("Account", map[string]any{
		"Id": l.id("Account", c.ID), "Name": c.Name, "Website": c.Website, "BillingCountry": c.Country,
		"Industry": c.Industry, "Type": c.Segment, "AccountSource": c.AcquisitionChannel,
		"Referred_By__c": l.id("Account", c.ReferrerID), "VAT_Number__c": c.TaxID,
		"ERP_Customer_Number__c": erp, "CurrencyIsoCode": c.Currency,
		"CreatedDate": c.CreatedAt, "SystemModstamp": c.ModifiedAt,
	})
}

// Contact loads a Contact.
func (l *companyLoader) Contact(c *generate.Contact) error {
	return l.put("Contact", map[string]any{
		"Id": l.id("Contact", c.ID), "AccountId": l.id("Account", c.CustomerID),
		"FirstName": c.FirstName, "LastName": c.LastName, "Name": c.Name(), "Email": c.Email,
		"Phone": c.Phone, "Title": c.Title, "CreatedDate": c.CreatedAt, "SystemModstamp": c.ModifiedAt,
	})
}

// Order loads an Opportunity with its OpportunityLineItems.
func (l *companyLoader) Order(o *generate.Order) error {
	won := o.Status != generate.StatusCanceled
	stage := "Closed Won"
	if !won {
		stage = "Closed Lost"
	}
	oppID := l.id("Opportunity", o.ID)
	err := l.put("Opportunity", map[string]any{
		"Id": oppID, "AccountId": l.id("Account", o.CustomerID), "Name": o.ID, "StageName": stage,
		"Type": o.Type, "CloseDate": date(o.OrderedAt), "Amount": o.Amount.String(), "IsWon": won,
		"IsClosed": true, "CurrencyIsoCode": o.Currency, "CreatedDate": o.OrderedAt, "SystemModstamp": o.ModifiedAt,
	})
	if err != nil {
		return err
	}
	for _, ln := range o.Lines {
		pid := l.id("Product2", ln.ProductID)
		if !l.products[ln.ProductID] {
			l.products[ln.ProductID] = true
			if err := l.put("Product2", map[string]any{"Id": pid, "Name": ln.ProductID, "ProductCode": ln.ProductID,
				"Family": ln.Category, "SystemModstamp": o.OrderedAt, "CreatedDate": o.OrderedAt}); err != nil {
				return err
			}
		}
		err := l.put("OpportunityLineItem", map[string]any{
			"Id": l.id("OpportunityLineItem", ln.ID), "OpportunityId": oppID, "Product2Id": pid,
			"Quantity": strconv.FormatInt(ln.Quantity, 10), "UnitPrice": ln.UnitPrice.String(),
			"TotalPrice": ln.Amount.String(), "CurrencyIsoCode": ln.Currency,
			"CreatedDate": o.OrderedAt, "SystemModstamp": ln.ModifiedAt,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Contract loads a Contract.
func (l *companyLoader) Contract(c *generate.Contract) error {
	rec := map[string]any{
		"Id": l.id("Contract", c.ID), "AccountId": l.id("Account", c.CustomerID), "ContractNumber": c.ID,
		"Status": c.Status, "StartDate": date(c.StartAt), "EndDate": date(c.EndAt),
		"CustomerSignedDate": date(c.SignedAt), "ActivatedDate": c.GoLiveAt, "MRR__c": c.MRR.String(),
		"Adopted_Date__c": date(c.AdoptedAt), "CurrencyIsoCode": c.Currency,
		"CreatedDate": c.SignedAt, "SystemModstamp": c.ModifiedAt,
	}
	if !c.GoLiveAt.IsZero() {
		rec["Adoption_Ratio__c"] = strconv.FormatFloat(c.AdoptionRatio, 'f', 2, 64)
	}
	return l.put("Contract", rec)
}

// SurveyResponse loads a Survey_Response__c.
func (l *companyLoader) SurveyResponse(s *generate.SurveyResponse) error {
	return l.put("Survey_Response__c", map[string]any{
		"Id": l.id("Survey_Response__c", s.ID), "Name": s.ID, "Account__c": l.id("Account", s.CustomerID),
		"Case__c": l.id("Case", s.CaseID), "Opportunity__c": l.id("Opportunity", s.OrderID),
		"Type__c": s.Instrument, "Score__c": strconv.Itoa(s.Score), "Scale_Min__c": strconv.Itoa(s.ScaleMin),
		"Scale_Max__c": strconv.Itoa(s.ScaleMax), "Touchpoint__c": s.Touchpoint, "Comment__c": s.Comment,
		"Responded_At__c": s.RespondedAt, "CreatedDate": s.RespondedAt, "SystemModstamp": s.ModifiedAt,
	})
}

// SupportCase loads a Case.
func (l *companyLoader) SupportCase(c *generate.SupportCase) error {
	return l.put("Case", map[string]any{
		"Id": l.id("Case", c.ID), "AccountId": l.id("Account", c.CustomerID), "ContactId": l.id("Contact", c.ContactID),
		"CaseNumber": c.ID, "Subject": c.Subject, "Status": c.Status, "Priority": c.Priority, "Origin": c.Channel,
		"IsClosed": !c.ClosedAt.IsZero(), "ClosedDate": c.ClosedAt, "CreatedDate": c.OpenedAt, "SystemModstamp": c.ModifiedAt,
	})
}
