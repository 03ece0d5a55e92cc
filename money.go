package northstar

import "github.com/shopspring/decimal"

// Money is an exact decimal amount in a currency. Amounts never pass
// through float64: they are parsed from decimal text and stored as numeric.
type Money struct {
	Amount   decimal.Decimal
	Currency string // ISO 4217, upper case
}

// ParseMoney parses a decimal amount such as "2656.24" or "-3.5".
func ParseMoney(amount, currency string) (Money, error) {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: d, Currency: currency}, nil
}

// String formats m as "2656.24 EUR".
func (m Money) String() string { return m.Amount.String() + " " + m.Currency }
