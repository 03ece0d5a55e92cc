package generate

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestDailyRates(t *testing.T) {
	o := DefaultOptions()
	o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday
	o.End = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rates, err := DailyRates(o, "USD")
	if err != nil {
		t.Fatal(err)
	}
	perDay := map[time.Time]int{}
	for _, r := range rates {
		perDay[r.Day]++
		if wd := r.Day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Fatalf("rate on a weekend: %+v", r)
		}
		if r.Base != "USD" || r.Currency == "USD" {
			t.Fatalf("rate %+v not quoted against USD", r)
		}
		d, err := decimal.NewFromString(r.Rate)
		if err != nil || !d.IsPositive() {
			t.Fatalf("rate %+v is not a positive decimal", r)
		}
		// The walk stays near the reference (units of USD per unit).
		ref := fxRate("USD") / fxRate(r.Currency)
		if f := d.InexactFloat64() / ref; f < 0.9 || f > 1.1 {
			t.Fatalf("rate %+v is %.3f × the reference %.4f", r, f, ref)
		}
	}
	if len(perDay) != 262 { // business days of 2024
		t.Errorf("%d days with rates, want 262", len(perDay))
	}
	for d, n := range perDay {
		if n != len(fxPerEUR)-1 {
			t.Fatalf("%s: %d rates, want %d", d.Format(time.DateOnly), n, len(fxPerEUR)-1)
		}
	}
	// Rates move from day to day, and the same options give the same rates.
	n := len(fxPerEUR) - 1 // rates per day
	moved := 0
	for i := n; i < len(rates); i++ {
		if rates[i].Currency != rates[i-n].Currency {
			t.Fatalf("currencies out of order at %d", i)
		}
		if rates[i].Rate != rates[i-n].Rate {
			moved++
		}
	}
	if moved < len(rates)/2 {
		t.Errorf("only %d of %d rates moved from one business day to the next", moved, len(rates))
	}
	again, _ := DailyRates(o, "USD")
	if !reflect.DeepEqual(rates, again) {
		t.Error("same options, different rates")
	}
	o.Seed++
	other, _ := DailyRates(o, "USD")
	if reflect.DeepEqual(rates, other) {
		t.Error("another seed gave the same rates")
	}
	if _, err := DailyRates(o, "JPY"); err == nil {
		t.Error("unknown base accepted")
	}
}
