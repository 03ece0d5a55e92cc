package generate

import (
	"errors"
	"fmt"
	"time"
)

// Options shape the generated company. The same Options always give the
// same output, byte for byte.
type Options struct {
	// Seed makes the run reproducible; different seeds give different companies.
	Seed int64
	// Customers is the number of customers acquired over [Start, End).
	Customers int
	// Start and End bound the generated history (End exclusive). Nothing
	// happens at or after End: later stages of open orders, cases and
	// contracts are left empty (right-censored).
	Start, End time.Time
	// OrdersPerCustomer is the mean number of repeat orders per customer over
	// the period (first orders, returns and credit notes not counted). The
	// purchase-rate scale of the BG/NBD process is calibrated to hit it.
	// The default 19 gives ≈ 2M orders for 100k customers over 3 years.
	OrdersPerCustomer float64

	// BG/NBD heterogeneity (time unit: week): purchase rate λ ~ Gamma(R,
	// shape) scaled by the calibration; dropout probability after each
	// repeat purchase p ~ Beta(A, B). Zero values take the defaults.
	R, A, B float64
	// SpendShape (p in Gamma-Gamma) is the shape of one order's value around
	// the customer's mean; SpendHetero (q) the shape of the customers' means.
	SpendShape, SpendHetero float64

	// ContractShare is the share of customers with a subscription contract
	// (default 0.4; enterprise customers more often than smb).
	ContractShare float64
	// RowsPerFile splits each stream of WriteFiles into files of at most this
	// many rows ("orders-0001.csv", ...); 0 writes one file per stream.
	RowsPerFile int
	// FXBase is the currency the daily rates file of WriteFiles quotes
	// against (default USD, the reporting currency of the demo).
	FXBase string
}

// DefaultOptions returns a company of 2,000 customers over the three years
// 2023-01-01 to 2026-01-01 (≈ 40k orders), small enough for tests and the demo.
func DefaultOptions() Options {
	return Options{
		Seed:              1,
		Customers:         2000,
		Start:             time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		End:               time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		OrdersPerCustomer: 19,
		R:                 0.5,
		A:                 1.1,
		B:                 12,
		SpendShape:        6,
		SpendHetero:       4,
		ContractShare:     0.4,
	}
}

// withDefaults fills zero model parameters and validates o.
func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Start.IsZero() {
		o.Start = d.Start
	}
	if o.End.IsZero() {
		o.End = d.End
	}
	o.Start, o.End = o.Start.UTC(), o.End.UTC()
	if o.OrdersPerCustomer == 0 {
		o.OrdersPerCustomer = d.OrdersPerCustomer
	}
	for _, p := range []struct {
		v *float64
		d float64
	}{
		{&o.R, d.R}, {&o.A, d.A}, {&o.B, d.B}, {&o.SpendShape, d.SpendShape}, {&o.SpendHetero, d.SpendHetero},
	} {
		if *p.v == 0 {
			*p.v = p.d
		}
	}
	if o.ContractShare == 0 {
		o.ContractShare = d.ContractShare
	}
	if o.FXBase == "" {
		o.FXBase = "USD"
	}
	var errs []error
	if o.Customers < 1 {
		errs = append(errs, fmt.Errorf("customers must be at least 1, got %d", o.Customers))
	}
	if !o.End.After(o.Start.Add(7 * 24 * time.Hour)) {
		errs = append(errs, fmt.Errorf("end %s must be at least a week after start %s", o.End.Format(time.RFC3339), o.Start.Format(time.RFC3339)))
	}
	if o.OrdersPerCustomer < 0 || o.OrdersPerCustomer > 1000 {
		errs = append(errs, fmt.Errorf("orders per customer %g out of range [0, 1000]", o.OrdersPerCustomer))
	}
	if o.R < 0 || o.A <= 0 || o.B <= 0 || o.SpendShape <= 0 || o.SpendHetero <= 1 {
		errs = append(errs, errors.New("model parameters must be positive (spend hetero > 1)"))
	}
	if o.ContractShare < 0 || o.ContractShare > 1 {
		errs = append(errs, fmt.Errorf("contract share %g out of range [0, 1]", o.ContractShare))
	}
	if !knownCurrency(o.FXBase) {
		errs = append(errs, fmt.Errorf("fx base %q is not a currency of the generated company", o.FXBase))
	}
	if o.RowsPerFile < 0 {
		errs = append(errs, fmt.Errorf("rows per file must not be negative, got %d", o.RowsPerFile))
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("generate: options: %w", err)
	}
	return o, nil
}
