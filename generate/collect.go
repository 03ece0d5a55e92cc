package generate

import "context"

// Company is a whole generated company held in memory, for small scales
// (tests, emulators that need random access). Slices are in emission order.
type Company struct {
	Customers       []*Customer
	Contacts        []*Contact
	Orders          []*Order // with their Lines
	Contracts       []*Contract
	SurveyResponses []*SurveyResponse
	SupportCases    []*SupportCase
	Truth           Truth
}

// Collect generates the company of opts into memory.
func Collect(ctx context.Context, opts Options) (*Company, error) {
	c := &Company{}
	t, err := Generate(ctx, opts, c)
	if err != nil {
		return nil, err
	}
	c.Truth = t
	return c, nil
}

// Customer appends x; Company is itself a Sink.
func (c *Company) Customer(x *Customer) error { c.Customers = append(c.Customers, x); return nil }

// Contact appends x.
func (c *Company) Contact(x *Contact) error { c.Contacts = append(c.Contacts, x); return nil }

// Order appends x.
func (c *Company) Order(x *Order) error { c.Orders = append(c.Orders, x); return nil }

// Contract appends x.
func (c *Company) Contract(x *Contract) error { c.Contracts = append(c.Contracts, x); return nil }

// SurveyResponse appends x.
func (c *Company) SurveyResponse(x *SurveyResponse) error {
	c.SurveyResponses = append(c.SurveyResponses, x)
	return nil
}

// SupportCase appends x.
func (c *Company) SupportCase(x *SupportCase) error {
	c.SupportCases = append(c.SupportCases, x)
	return nil
}

var _ Sink = (*Company)(nil)
