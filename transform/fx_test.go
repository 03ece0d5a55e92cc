package transform_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
)

func day(s string) time.Time {
	d, ok := northstar.ParseDay(s)
	if !ok {
		panic(s)
	}
	return d
}

func dailyFX(loc *time.Location) *transform.DailyFX {
	fx := transform.NewDailyFX(transform.StaticFX{Reporting: "USD", Rates: map[string]decimal.Decimal{
		"EUR": decimal.RequireFromString("1.08"), "GBP": decimal.RequireFromString("1.27")}}, loc)
	fx.Set([]transform.DailyRate{
		{Day: day("2024-03-04"), Currency: "EUR", Rate: decimal.RequireFromString("1.0850"), Source: "ecb"},
		{Day: day("2024-03-01"), Currency: "EUR", Rate: decimal.RequireFromString("1.0830"), Source: "ecb"},
		{Day: day("2024-03-05"), Currency: "EUR", Rate: decimal.RequireFromString("1.0870"), Source: "treasury"},
	})
	return fx
}

// TestDailyFXQuote: the latest rate on or before the fact's day (in the
// warehouse time zone), the config rate before the first daily rate, for
// a currency without daily rates and for undated facts.
func TestDailyFXQuote(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		loc      *time.Location
		currency string
		at       time.Time
		rate     string
		day      string // "" for no daily rate
		source   string
	}{
		{"same day", nil, "EUR", time.Date(2024, 3, 4, 15, 0, 0, 0, time.UTC), "1.085", "2024-03-04", "ecb"},
		{"weekend takes friday", nil, "EUR", time.Date(2024, 3, 3, 12, 0, 0, 0, time.UTC), "1.083", "2024-03-01", "ecb"},
		{"later source", nil, "EUR", time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), "1.087", "2024-03-05", "treasury"},
		{"before first rate: config", nil, "EUR", time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC), "1.08", "", "config"},
		{"no daily rates: config", nil, "GBP", time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC), "1.27", "", "config"},
		{"undated: config", nil, "EUR", time.Time{}, "1.08", "", "config"},
		{"reporting currency", nil, "USD", time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC), "1", "", ""},
		{"day in the warehouse zone", berlin, "EUR", time.Date(2024, 3, 3, 23, 30, 0, 0, time.UTC), "1.085", "2024-03-04", "ecb"},
		{"same instant in UTC", nil, "EUR", time.Date(2024, 3, 3, 23, 30, 0, 0, time.UTC), "1.083", "2024-03-01", "ecb"},
	}
	for _, c := range cases {
		q, ok := dailyFX(c.loc).Quote(c.currency, c.at)
		gotDay := ""
		if !q.Day.IsZero() {
			gotDay = q.Day.Format(time.DateOnly)
		}
		if !ok || !q.Rate.Equal(decimal.RequireFromString(c.rate)) || gotDay != c.day || q.Source != c.source {
			t.Errorf("%s: got %v %s %q %q, want %s %q %q", c.name, ok, q.Rate, gotDay, q.Source, c.rate, c.day, c.source)
		}
	}
	if _, ok := dailyFX(nil).Quote("JPY", time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("JPY has no rate, got one")
	}
}

// TestOrderPricedAtDailyRate: a typed order carries the daily rate, its
// day and source; its row hash does not depend on the rate.
func TestOrderPricedAtDailyRate(t *testing.T) {
	tr := &transform.Transformer{ReportingCurrency: "USD", FX: dailyFX(nil)}
	rec := northstar.Record{SourceID: "O1", Fields: map[string]string{"ordered_at": "2024-03-02T10:00:00Z", "amount": "100.00", "currency": "EUR"}}
	row, err := tr.Record(northstar.StreamOrders, rec)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for i, c := range transform.TableFor(northstar.StreamOrders).Columns {
		got[c] = row.Values[i]
	}
	want := map[string]any{"amount": "100", "amount_reporting": "108.3", "fx_rate": "1.083", "fx_rate_day": "2024-03-01", "fx_rate_source": "ecb"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	static := &transform.Transformer{ReportingCurrency: "USD", FX: transform.StaticFX{Reporting: "USD",
		Rates: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("1.5")}}}
	row2, err := static.Record(northstar.StreamOrders, rec)
	if err != nil {
		t.Fatal(err)
	}
	if row2.RowHash != row.RowHash {
		t.Error("the row hash changed with the rate: a re-read after new rates would count as an update")
	}
}

func TestFXRateRecords(t *testing.T) {
	fx := dailyFX(nil)
	tr := &transform.Transformer{ReportingCurrency: "USD", FX: fx}
	cases := []struct {
		name   string
		fields map[string]string
		want   string // error substring, "" for accepted
	}{
		{"direct", map[string]string{"day": "2024-03-06", "currency": "EUR", "rate": "1.09"}, ""},
		{"cross with a known base rate", map[string]string{"day": "2024-03-04", "currency": "CHF", "rate": "1.04", "base": "EUR"}, ""},
		{"cross without base rate", map[string]string{"day": "2024-03-02", "currency": "CHF", "rate": "1.04", "base": "EUR"},
			"base: no daily rate of EUR in USD for 2024-03-02 in this run (this page or an earlier one) or in the warehouse"},
		{"zero rate", map[string]string{"day": "2024-03-06", "currency": "EUR", "rate": "0"}, "rate: 0 is not a positive rate"},
		{"negative rate", map[string]string{"day": "2024-03-06", "currency": "EUR", "rate": "-1.1"}, "rate: -1.1 is not a positive rate"},
		{"float garbage", map[string]string{"day": "2024-03-06", "currency": "EUR", "rate": "1,09"}, `rate: "1,09" is not a decimal number`},
		{"missing rate", map[string]string{"day": "2024-03-06", "currency": "EUR"}, "rate: required"},
		{"missing currency", map[string]string{"day": "2024-03-06", "rate": "1"}, "currency: required"},
		{"bad day", map[string]string{"day": "6.3.2024", "currency": "EUR", "rate": "1"}, `day: "6.3.2024" is not a date`},
		{"quoted in itself", map[string]string{"day": "2024-03-06", "currency": "EUR", "rate": "1", "base": "EUR"}, "currency: EUR is quoted in itself"},
		{"reporting currency", map[string]string{"day": "2024-03-06", "currency": "USD", "rate": "0.92", "base": "EUR"}, "currency: USD is the reporting currency"},
	}
	for _, c := range cases {
		_, err := tr.Record(northstar.StreamFXRates, northstar.Record{SourceID: "x", Fields: c.fields})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: rejected: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	// In one page, a cross rate may use the base's rate given next to it;
	// ids default to CURRENCY:day.
	rows, rejects := tr.Batch(northstar.Batch{Stream: northstar.StreamFXRates, Records: []northstar.Record{
		{Origin: "r:2", Fields: map[string]string{"day": "2024-03-02", "currency": "CHF", "rate": "1.04", "base": "EUR"}},
		{Origin: "r:3", Fields: map[string]string{"day": "20240302", "currency": "eur", "rate": "1.084"}},
	}})
	if len(rejects) != 0 || len(rows) != 2 || rows[0].SourceID != "CHF:2024-03-02" || rows[1].SourceID != "EUR:2024-03-02" {
		t.Fatalf("page with a cross rate: rows %+v, rejects %+v", rows, rejects)
	}
}

func TestDefaultSourceID(t *testing.T) {
	for _, c := range []struct {
		stream northstar.Stream
		fields map[string]string
		want   string
	}{
		{northstar.StreamFXRates, map[string]string{"currency": " eur", "day": "2024-03-01T00:00:00Z"}, "EUR:2024-03-01"},
		{northstar.StreamFXRates, map[string]string{"currency": "EUR", "day": "20240301"}, "EUR:2024-03-01"},
		{northstar.StreamFXRates, map[string]string{"currency": "EUR"}, ""},
		{northstar.StreamOrders, map[string]string{"currency": "EUR", "day": "2024-03-01"}, ""},
	} {
		if got := c.stream.DefaultSourceID(c.fields); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.stream, c.fields, got, c.want)
		}
	}
}
