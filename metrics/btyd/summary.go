package btyd

import (
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// TimeUnit is the time unit a summary (and every model fitted on it) is
// expressed in. Predictions must use the same unit (metrics.md §0).
type TimeUnit int

// Time units. A Month is the mean Julian month, 365.25/12 = 30.4375 days
// = 4.348 weeks (metrics.md §6.5 rounds this to 4.345 weeks).
const (
	Day TimeUnit = iota + 1
	Week
	Month
)

// DaysPerMonth is the length of Month in days: 365.25/12.
const DaysPerMonth = 365.25 / 12

// Days returns the length of u in days, or 0 for an unknown unit.
func (u TimeUnit) Days() float64 {
	switch u {
	case Day:
		return 1
	case Week:
		return 7
	case Month:
		return DaysPerMonth
	}
	return 0
}

// String returns "day", "week" or "month".
func (u TimeUnit) String() string {
	switch u {
	case Day:
		return "day"
	case Week:
		return "week"
	case Month:
		return "month"
	}
	return fmt.Sprintf("TimeUnit(%d)", int(u))
}

// In returns the length of u expressed in unit v, e.g. Month.In(Week) =
// 4.348: the CLV step Δ for monthly steps on a weekly model.
func (u TimeUnit) In(v TimeUnit) float64 { return u.Days() / v.Days() }

// Transaction is one purchase: the calendar day it happened (read from
// Day's own location, so callers bucket into the reporting zone first)
// and its amount.
type Transaction struct {
	Day    time.Time
	Amount decimal.Decimal
}

// CustomerTransactions is the purchase history of one customer.
type CustomerTransactions struct {
	ID           string
	Transactions []Transaction
}

// SummaryOptions configures BuildSummary.
type SummaryOptions struct {
	// CalibrationEnd is the last calendar day (inclusive) of the
	// calibration period; T is measured from the first purchase day to it.
	CalibrationEnd time.Time
	// Unit is the time unit of t_x and T (default Week).
	Unit TimeUnit
}

// BuildSummary turns purchase histories into calibration summary rows,
// following the BTYD conventions of metrics.md §6.4 and the CDNOW README:
//   - purchases on the same calendar day are one occasion (amounts summed);
//   - x counts the occasions after the first purchase day, up to and
//     including CalibrationEnd; later purchases are ignored (holdout);
//   - t_x = (last occasion day − first day) / unit, T = (CalibrationEnd −
//     first day) / unit;
//   - m_x = (sum of the repeat occasions' amounts) / x, computed in decimal
//     and then converted to float64; the first occasion is excluded and
//     m_x = 0 when x = 0.
//
// Customers whose first purchase is after CalibrationEnd (or who have no
// transactions) are left out. Rows keep the input order. A customer ID
// listed twice is refused (ErrInvalidInput) rather than merged silently.
func BuildSummary(hist []CustomerTransactions, opts SummaryOptions) ([]Customer, error) {
	unit := opts.Unit
	if unit == 0 {
		unit = Week
	}
	if unit.Days() == 0 {
		return nil, fmt.Errorf("build summary: unknown time unit %d: %w", int(unit), ErrInvalidInput)
	}
	if opts.CalibrationEnd.IsZero() {
		return nil, fmt.Errorf("build summary: calibration end not set: %w", ErrInvalidInput)
	}
	end := dayNumber(opts.CalibrationEnd)
	out := make([]Customer, 0, len(hist))
	seen := make(map[string]bool, len(hist))
	for _, h := range hist {
		if seen[h.ID] {
			return nil, fmt.Errorf("build summary: customer %q listed twice: %w", h.ID, ErrInvalidInput)
		}
		seen[h.ID] = true
		occ := map[int64]decimal.Decimal{}
		for _, tr := range h.Transactions {
			if tr.Day.IsZero() {
				return nil, fmt.Errorf("build summary: customer %q: transaction without a day: %w", h.ID, ErrInvalidInput)
			}
			d := dayNumber(tr.Day)
			if d > end {
				continue
			}
			occ[d] = occ[d].Add(tr.Amount)
		}
		if len(occ) == 0 {
			continue
		}
		days := make([]int64, 0, len(occ))
		for d := range occ {
			days = append(days, d)
		}
		sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
		first, last := days[0], days[len(days)-1]
		c := Customer{
			ID: h.ID,
			X:  float64(len(days) - 1),
			Tx: float64(last-first) / unit.Days(),
			T:  float64(end-first) / unit.Days(),
		}
		if len(days) > 1 {
			sum := decimal.Zero
			for _, d := range days[1:] {
				sum = sum.Add(occ[d])
			}
			c.Mx = sum.DivRound(decimal.NewFromInt(int64(len(days)-1)), 12).InexactFloat64()
		}
		out = append(out, c)
	}
	return out, nil
}

// dayNumber returns the calendar day of t (in t's location) as days since
// 1970-01-01.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
