package generate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// FXRate is one generated daily exchange rate: on Day, one unit of
// Currency is worth Rate units of Base (the fx_rates stream's meaning).
type FXRate struct {
	Day      time.Time // midnight UTC
	Currency string
	Base     string
	Rate     string // decimal text, 6 decimals
}

// Fields returns the rate's unified fields (fx_rates stream).
func (r *FXRate) Fields() map[string]string { return fieldsOf(r) }

func (r *FXRate) writeFields(w fieldWriter) {
	w.str("day", r.Day.Format(time.DateOnly))
	w.str("currency", r.Currency)
	w.str("rate", r.Rate)
	w.str("base", r.Base)
}

// Daily FX random walk: the log deviation from the reference rate moves
// by fxVolatility per business day and reverts by fxReversion, so rates
// wander by about ±2 % (≈ 0.004 / √(1 − 0.98²)) around words.go's rates.
const (
	fxVolatility = 0.004
	fxReversion  = 0.02
)

// DailyRates returns the exchange rates of every currency the generated
// company sells in (other than base) against base, for every business day
// (Monday to Friday) in [Start, End): a seeded, mean-reverting random walk
// around the generator's reference rates. Weekends have no rate, so a fact
// dated on a weekend is priced at Friday's. The same options give the same
// rates. base must be one of those currencies.
func DailyRates(opts Options, base string) ([]FXRate, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if !knownCurrency(base) {
		return nil, fmt.Errorf("generate: daily rates: unknown base currency %q", base)
	}
	type walk struct {
		currency string
		ref, x   float64
		rng      *rand.Rand
	}
	var walks []*walk
	for k, f := range fxPerEUR {
		if f.currency == base {
			continue
		}
		// units of base per unit of currency
		walks = append(walks, &walk{currency: f.currency, ref: fxRate(base) / f.rate,
			rng: rand.New(rand.NewPCG(uint64(o.Seed), 1<<60|uint64(k)))})
	}
	var out []FXRate
	for d := o.Start.Truncate(day); d.Before(o.End); d = d.Add(day) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for _, w := range walks {
			w.x = (1-fxReversion)*w.x + fxVolatility*w.rng.NormFloat64()
			out = append(out, FXRate{Day: d, Currency: w.currency, Base: base,
				Rate: strconv.FormatFloat(w.ref*math.Exp(w.x), 'f', 6, 64)})
		}
	}
	return out, nil
}

func knownCurrency(c string) bool {
	for _, f := range fxPerEUR {
		if f.currency == c {
			return true
		}
	}
	return false
}
