package transform

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
)

// typer types the fields of one record, remembering the first error.
type typer struct {
	f   map[string]string
	t   *Transformer
	err error
	pg  pageState // what the record's page shares (zero for a lone record)
}

// quoteKey identifies one FX quote within a page.
type quoteKey struct {
	currency string
	day      time.Time // the quote's day (zero for a config rate)
	source   string
}

// quoted is a quote in the forms the row needs, computed once per page.
type quoted struct {
	rate   number
	day    any // fx_rate_day text or nil
	source any // fx_rate_source or nil
}

func (c *typer) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))
	}
}

// text returns the trimmed field or nil when empty.
func (c *typer) text(field string) any {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		return nil
	}
	return v
}

func (c *typer) lower(field string) any {
	v := strings.ToLower(strings.TrimSpace(c.f[field]))
	if v == "" {
		return nil
	}
	return v
}

func (c *typer) required(field string) string {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		c.fail(field, "required")
	}
	return v
}

// time returns the field as warehouse text (RFC 3339 in UTC) or nil.
func (c *typer) time(field string) any {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		return nil
	}
	ts, ok := c.parseTime(field, v)
	if !ok {
		return nil
	}
	return TimeText(ts, v)
}

func (c *typer) timeValue(field string) (time.Time, bool) {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		return time.Time{}, false
	}
	return c.parseTime(field, v)
}

func (c *typer) parseTime(field, v string) (time.Time, bool) {
	ts, err := ParseTime(v)
	if err != nil {
		c.fail(field, "%q is not a timestamp (want RFC 3339, 2006-01-02 or 2006-01-02 15:04:05)", v)
		return time.Time{}, false
	}
	return ts, true
}

// numeric types a decimal field; ok is false when it is empty or invalid
// (the latter recorded as the record's error).
func (c *typer) numeric(field string) (number, bool) {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		return number{}, false
	}
	n, ok := parseNumber(v)
	if !ok {
		c.fail(field, "%q is not a decimal number", v)
	}
	return n, ok
}

func (c *typer) decimal(field string) (decimal.Decimal, bool) {
	n, ok := c.numeric(field)
	if !ok {
		return decimal.Decimal{}, false
	}
	return n.decimal(), true
}

func (c *typer) number(field string) any {
	n, ok := c.numeric(field)
	if !ok {
		return nil
	}
	return n.text
}

func (c *typer) currency(field string) string {
	v := strings.ToUpper(strings.TrimSpace(c.f[field]))
	if v == "" {
		return c.t.ReportingCurrency
	}
	if len(v) != 3 || strings.IndexFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		c.fail(field, "%q is not an ISO 4217 currency code", v)
	}
	return v
}

// money types an amount and its conversion: amount, amount_reporting,
// fx_rate, fx_rate_day and fx_rate_source. day is the fact's date (zero
// when it has none: the config rate applies).
func (c *typer) money(amountField, currency string, day time.Time) (any, any, any, any, any) {
	amount, ok := c.numeric(amountField)
	if !ok {
		return nil, nil, nil, nil, nil
	}
	if c.t.FX == nil {
		return amount.text, nil, nil, nil, nil
	}
	var qt quoted
	if quoter, isQuoter := c.t.FX.(Quoter); isQuoter {
		var q Quote
		if q, ok = quoter.Quote(currency, day); ok {
			qt = c.quote(currency, q)
		}
	} else {
		// A plain FX does not say which rate it used: nothing to cache by.
		var rate decimal.Decimal
		if rate, ok = c.t.FX.Rate(currency, day); ok {
			qt = quoted{rate: numberOf(rate)}
		}
	}
	if !ok {
		return amount.text, nil, nil, nil, nil
	}
	return amount.text, mulText(amount, qt.rate), qt.rate.text, qt.day, qt.source
}

// quote returns q's texts, from the page's cache when it has them: a
// Quote's currency, day and source identify its rate.
func (c *typer) quote(currency string, q Quote) quoted {
	k := quoteKey{currency: currency, day: q.Day, source: q.Source}
	if qt, ok := c.pg.quotes[k]; ok {
		return qt
	}
	qt := quoted{rate: numberOf(q.Rate), source: nilIfEmpty(q.Source)}
	if !q.Day.IsZero() {
		qt.day = q.Day.Format(time.DateOnly)
	}
	if c.pg.quotes != nil {
		c.pg.quotes[k] = qt
	}
	return qt
}

// fxRate types a daily exchange rate: 1 unit of currency = rate units of
// base on day. base defaults to the reporting currency. A rate quoted in
// another base (a cross rate) is accepted when the base's own rate in the
// reporting currency for the same day is in the same page or already in
// the warehouse; the effective rate is derived in ops.fx_rates.
func (c *typer) fxRate() []any {
	rep := c.t.ReportingCurrency
	dayText := c.required("day")
	day, ok := northstar.ParseDay(dayText)
	if !ok && dayText != "" {
		c.fail("day", "%q is not a date (want 2006-01-02, 20060102 or a timestamp)", dayText)
	}
	c.required("currency") // not defaulted to the reporting currency
	cur := c.currency("currency")
	base := c.currency("base")
	rate, ok := c.decimal("rate")
	if !ok && c.err == nil {
		c.fail("rate", "required")
	}
	if c.err == nil && !rate.IsPositive() {
		c.fail("rate", "%s is not a positive rate", rate)
	}
	if c.err != nil {
		return make([]any, len(tables[northstar.StreamFXRates].Columns))
	}
	switch {
	case cur == base:
		c.fail("currency", "%s is quoted in itself (base %s)", cur, base)
	case cur == rep:
		c.fail("currency", "%s is the reporting currency; give the rate of %s instead (1 %s = x %s, base %s)", cur, base, base, rep, rep)
	case base != rep && !c.knownRate(base, day):
		c.fail("base", "no daily rate of %s in %s for %s in this run (this page or an earlier one) or in the warehouse: a cross rate (base %s) needs the base's own rate of the same day (or quote %s in %s directly)",
			base, rep, day.Format(time.DateOnly), base, cur, rep)
	}
	return []any{day.Format(time.DateOnly), cur, base, rate.String(), c.time("modified_at")}
}

// knownRate reports whether currency has a daily rate in the reporting
// currency on day, in the page, in an earlier page of the run or in the
// loaded daily rates.
func (c *typer) knownRate(currency string, day time.Time) bool {
	if key := rateKey(currency, day); c.pg.rates[key] || c.t.RunRates[key] {
		return true
	}
	if d, ok := c.t.FX.(*DailyFX); ok {
		_, known := d.On(currency, day)
		return known
	}
	return false
}

func rateKey(currency string, day time.Time) string {
	return rateKeyText(currency, day.Format(time.DateOnly))
}

func rateKeyText(currency, day string) string {
	return currency + "|" + day
}

// pageRates returns the direct rates (base empty or the reporting
// currency) of an fx_rates page, keyed by rateKey.
func (t *Transformer) pageRates(records []northstar.Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range records {
		base := strings.ToUpper(strings.TrimSpace(r.Fields["base"]))
		if r.Deleted || (base != "" && base != t.ReportingCurrency) {
			continue
		}
		day, ok := northstar.ParseDay(r.Fields["day"])
		rate, err := decimal.NewFromString(strings.TrimSpace(r.Fields["rate"]))
		if !ok || err != nil || !rate.IsPositive() {
			continue
		}
		out[rateKey(strings.ToUpper(strings.TrimSpace(r.Fields["currency"])), day)] = true
	}
	return out
}

func (c *typer) customer() []any {
	domain := c.text("domain")
	if domain == nil {
		if d := DomainOf(c.f["website"]); d != "" {
			domain = d
		}
	} else {
		domain = DomainOf(domain.(string))
	}
	country := c.text("country")
	if country != nil {
		country = strings.ToUpper(country.(string))
	}
	return []any{
		c.text("name"), domain, c.text("website"), c.lower("email"), country, c.text("segment"),
		c.text("industry"), c.text("tax_id"), c.text("external_id"), c.lower("acquisition_channel"),
		c.text("referrer"), c.text("owner"), c.lower("status"), nilIfEmpty(strings.ToUpper(strings.TrimSpace(c.f["currency"]))),
		c.time("created_at"), c.time("modified_at"),
	}
}

func (c *typer) contact() []any {
	name := c.text("name")
	if name == nil {
		full := strings.TrimSpace(strings.TrimSpace(c.f["first_name"]) + " " + strings.TrimSpace(c.f["last_name"]))
		name = nilIfEmpty(full)
	}
	return []any{c.text("customer"), c.lower("email"), name, c.text("phone"), c.text("title"),
		c.time("created_at"), c.time("modified_at")}
}

func (c *typer) order() []any {
	ordered, _ := c.timeValue("ordered_at")
	cur := c.currency("currency")
	amount, reporting, rate, rateDay, rateSource := c.money("amount", cur, ordered)
	canceled := c.time("canceled_at")
	status := OrderStatus(c.f["status"], canceled != nil, c.f["paid_at"] != "", c.f["invoiced_at"] != "", c.f["fulfilled_at"] != "")
	return []any{c.text("customer"), c.time("ordered_at"), c.time("fulfilled_at"), c.time("invoiced_at"),
		c.time("paid_at"), canceled, nilIfEmpty(status), c.lower("order_type"), cur, amount, reporting, rate,
		rateDay, rateSource, c.number("quantity"), c.time("modified_at")}
}

func (c *typer) orderLine() []any {
	order := c.required("order")
	cur := c.currency("currency")
	// A line has no date of its own: it takes its order's (Transformer.
	// OrderDay); an unknown order prices it at the config rate until the
	// re-pricing after the run (warehouse.Reprice).
	var day time.Time
	if cur != c.t.ReportingCurrency && c.t.OrderDay != nil && order != "" {
		day, _ = c.t.OrderDay(order)
	}
	amount, reporting, rate, rateDay, rateSource := c.money("amount", cur, day)
	return []any{order, c.text("product_id"), c.text("product_category"), c.number("quantity"),
		amount, cur, reporting, rate, rateDay, rateSource, c.time("modified_at")}
}

func (c *typer) contract() []any {
	// A contract is priced at its signature day (its start when unsigned).
	day, ok := c.timeValue("signed_at")
	if !ok {
		day, _ = c.timeValue("start_at")
	}
	cur := c.currency("currency")
	mrr, reporting, rate, rateDay, rateSource := c.money("mrr", cur, day)
	ratio := c.number("adoption_ratio")
	return []any{c.text("customer"), c.time("signed_at"), c.time("go_live_at"), c.time("start_at"), c.time("end_at"),
		mrr, cur, reporting, rate, rateDay, rateSource, c.lower("status"), ratio, c.time("adopted_at"), c.time("modified_at")}
}

func (c *typer) survey() []any {
	inst, err := Instrument(c.f["instrument"])
	if err != nil {
		c.fail("instrument", "%v", err)
		return make([]any, len(tables["survey_responses"].Columns))
	}
	lo, hi := defaultScale(inst)
	if v := strings.TrimSpace(c.f["scale_min"]); v != "" {
		lo = c.integer("scale_min", v)
	}
	if v := strings.TrimSpace(c.f["scale_max"]); v != "" {
		hi = c.integer("scale_max", v)
	}
	score, ok := c.decimal("score")
	if !ok && c.err == nil {
		c.fail("score", "required")
	}
	higherIsBetter := true
	if lo > hi {
		// A reversed scale (5 → 1) is normalised at ingest: score' = lo + hi − score.
		lo, hi = hi, lo
		score = decimal.NewFromInt(int64(lo + hi)).Sub(score)
	}
	if c.err == nil {
		if score.LessThan(decimal.NewFromInt(int64(lo))) || score.GreaterThan(decimal.NewFromInt(int64(hi))) {
			c.fail("score", "%s is outside the %s scale %d–%d", score, inst, lo, hi)
		}
		if inst == "nps" && !score.IsInteger() {
			c.fail("score", "NPS score %s is not an integer", score)
		}
	}
	return []any{c.text("customer"), inst, score.String(), strconv.Itoa(lo), strconv.Itoa(hi),
		strconv.FormatBool(higherIsBetter), c.time("responded_at"), c.lower("touchpoint"), c.text("comment"),
		c.text("case"), c.text("order"), c.time("modified_at")}
}

func (c *typer) integer(field, v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		c.fail(field, "%q is not an integer", v)
	}
	return n
}

func (c *typer) supportCase() []any {
	return []any{c.text("customer"), c.time("opened_at"), c.time("closed_at"), c.lower("status"),
		c.lower("priority"), c.lower("channel"), c.text("subject"), c.time("modified_at")}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
