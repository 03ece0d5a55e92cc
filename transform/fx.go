package transform

import (
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Quote is a rate together with where it came from, so that the rate used
// to convert an amount can be traced.
type Quote struct {
	// Rate is how many units of the reporting currency one unit is worth.
	Rate decimal.Decimal
	// Day is the day of the daily rate used; zero for a config rate and for
	// the reporting currency itself.
	Day time.Time
	// Source is the connector that delivered the daily rate, "config" for a
	// rate of the `fx:` section, "" for the reporting currency (rate 1).
	Source string
}

// Quoter is an FX that also tells which rate it used.
type Quoter interface {
	Quote(currency string, day time.Time) (Quote, bool)
}

// SourceConfig is Quote.Source of a rate taken from the `fx:` configuration.
const SourceConfig = "config"

// Quote implements Quoter: the reporting currency is 1, others come from
// the table with source "config".
func (f StaticFX) Quote(currency string, _ time.Time) (Quote, bool) {
	if currency == f.Reporting {
		return Quote{Rate: decimal.NewFromInt(1)}, true
	}
	r, ok := f.Rates[currency]
	if !ok {
		return Quote{}, false
	}
	return Quote{Rate: r, Source: SourceConfig}, true
}

// DailyRate is one effective daily rate (a row of ops.fx_rates): one unit
// of Currency is worth Rate units of the reporting currency on Day.
type DailyRate struct {
	Day      time.Time // midnight UTC of the day
	Currency string
	Rate     decimal.Decimal
	Source   string // the connector that delivered it
}

// DailyFX converts with daily rates: an amount dated D uses the latest rate
// of its currency on or before D (D taken in Location), and the static
// config rate when there is none (or the amount has no date). It is safe
// for concurrent use; Set replaces the table while runs read it.
type DailyFX struct {
	// Static holds the reporting currency and the config rates (fallback).
	Static StaticFX
	// Location decides which calendar day a timestamp falls on (nil: UTC);
	// it is the warehouse time zone, like the metrics' day buckets.
	Location *time.Location

	mu    sync.RWMutex
	rates map[string][]DailyRate // per currency, ascending by day
	n     int
}

// NewDailyFX returns a DailyFX without daily rates yet.
func NewDailyFX(static StaticFX, loc *time.Location) *DailyFX {
	return &DailyFX{Static: static, Location: loc}
}

// Set replaces the daily rates.
func (f *DailyFX) Set(rates []DailyRate) {
	m := make(map[string][]DailyRate)
	for _, r := range rates {
		m[r.Currency] = append(m[r.Currency], r)
	}
	for _, rs := range m {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Day.Before(rs[j].Day) })
	}
	f.mu.Lock()
	f.rates, f.n = m, len(rates)
	f.mu.Unlock()
}

// Len returns the number of daily rates held.
func (f *DailyFX) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.n
}

// Day returns the calendar day of t in the DailyFX's location, as midnight
// UTC of that day (zero for a zero t).
func (f *DailyFX) Day(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Rate implements FX.
func (f *DailyFX) Rate(currency string, day time.Time) (decimal.Decimal, bool) {
	q, ok := f.Quote(currency, day)
	return q.Rate, ok
}

// Quote implements Quoter: the latest daily rate on or before t's day,
// else the config rate.
func (f *DailyFX) Quote(currency string, t time.Time) (Quote, bool) {
	if currency == f.Static.Reporting {
		return Quote{Rate: decimal.NewFromInt(1)}, true
	}
	if !t.IsZero() {
		day := f.Day(t)
		f.mu.RLock()
		rs := f.rates[currency]
		f.mu.RUnlock()
		// The first rate after day, minus one: the latest on or before it.
		i := sort.Search(len(rs), func(i int) bool { return rs[i].Day.After(day) }) - 1
		if i >= 0 {
			return Quote{Rate: rs[i].Rate, Day: rs[i].Day, Source: rs[i].Source}, true
		}
	}
	return f.Static.Quote(currency, t)
}

// On returns the daily rate of currency on exactly day (a calendar day,
// as ParseDay gives it), without fallback.
func (f *DailyFX) On(currency string, day time.Time) (decimal.Decimal, bool) {
	f.mu.RLock()
	rs := f.rates[currency]
	f.mu.RUnlock()
	i := sort.Search(len(rs), func(i int) bool { return !rs[i].Day.Before(day) })
	if i < len(rs) && rs[i].Day.Equal(day) {
		return rs[i].Rate, true
	}
	return decimal.Decimal{}, false
}
