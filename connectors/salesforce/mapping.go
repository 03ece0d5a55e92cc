package salesforce

import "github.com/northstar-dev/northstar"

// defaultMappings are the unified-field mappings of the standard objects,
// keyed by object. Every mapping also gets source_id → Id, modified_at →
// the cursor field and deleted → IsDeleted. A default field the org lacks
// (CurrencyIsoCode in a single-currency org) is left out; a field the user
// configured that the org lacks is an error (ErrSchema).
var defaultMappings = map[string]northstar.Mapping{
	"Account": {
		"name": "Name", "website": "Website", "domain": "Website", "country": "BillingCountry",
		"industry": "Industry", "segment": "Type", "acquisition_channel": "AccountSource",
		"owner": "OwnerId", "currency": "CurrencyIsoCode", "created_at": "CreatedDate",
		"referrer": "Referred_By__c", // custom; read only where the org has it
	},
	"Contact": {
		"customer": "AccountId", "email": "Email", "name": "Name", "first_name": "FirstName",
		"last_name": "LastName", "phone": "Phone", "title": "Title", "created_at": "CreatedDate",
	},
	"Opportunity": {
		"customer": "AccountId", "ordered_at": "CloseDate", "amount": "Amount",
		"currency": "CurrencyIsoCode", "status": "StageName", "order_type": "Type",
	},
	"Order": {
		"customer": "AccountId", "ordered_at": "EffectiveDate", "amount": "TotalAmount",
		"currency": "CurrencyIsoCode", "status": "Status", "order_type": "Type",
	},
	"OpportunityLineItem": {
		"order": "OpportunityId", "product_id": "Product2Id", "product_category": "Product2.Family",
		"quantity": "Quantity", "amount": "TotalPrice", "currency": "CurrencyIsoCode",
	},
	"OrderItem": {
		"order": "OrderId", "product_id": "Product2Id", "product_category": "Product2.Family",
		"quantity": "Quantity", "amount": "TotalPrice", "currency": "CurrencyIsoCode",
	},
	"Contract": {
		"customer": "AccountId", "signed_at": "CustomerSignedDate", "go_live_at": "ActivatedDate",
		"start_at": "StartDate", "end_at": "EndDate", "status": "Status", "currency": "CurrencyIsoCode",
		// custom fields (no standard ones exist); read only where the org has them
		"mrr": "MRR__c", "adoption_ratio": "Adoption_Ratio__c", "adopted_at": "Adopted_Date__c",
	},
	"Case": {
		"customer": "AccountId", "opened_at": "CreatedDate", "closed_at": "ClosedDate",
		"status": "Status", "priority": "Priority", "channel": "Origin", "subject": "Subject",
	},
	// The survey object of the emulator and `northstar demo`; other orgs
	// configure `fields` for their own object.
	"Survey_Response__c": {
		"customer": "Account__c", "instrument": "Type__c", "score": "Score__c", "scale_min": "Scale_Min__c",
		"scale_max": "Scale_Max__c", "responded_at": "Responded_At__c", "touchpoint": "Touchpoint__c",
		"comment": "Comment__c", "case": "Case__c", "order": "Opportunity__c",
	},
}

// defaultWhere is the condition a stream gets when it reads its default
// object and sets no `where`: only won opportunities are orders.
var defaultWhere = map[string]string{"Opportunity": "IsWon = true"}

// mappings returns the default mapping of a stream reading object (lenient:
// fields missing upstream are dropped) and the user's mapping (strict).
func (s *Source) mappings(st northstar.Stream, so StreamOptions) (defaults, strict northstar.Mapping) {
	defaults = northstar.Mapping{}
	for k, v := range defaultMappings[so.Object] {
		if st.HasField(k) {
			defaults[k] = v
		}
	}
	defaults["deleted"] = "IsDeleted"
	strict = northstar.Mapping{"source_id": "Id"}
	if st == northstar.StreamCustomers {
		if s.opts.TaxIDField != "" {
			strict["tax_id"] = s.opts.TaxIDField
		}
		if s.opts.ExternalIDField != "" {
			strict["external_id"] = s.opts.ExternalIDField
		}
	}
	strict = strict.With(so.Fields)
	for k := range strict {
		delete(defaults, k)
	}
	return defaults, strict
}
