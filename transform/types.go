package transform

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// typer types the fields of one record, remembering the first error.
type typer struct {
	f   map[string]string
	t   *Transformer
	err error
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

func (c *typer) time(field string) any {
	ts, ok := c.timeValue(field)
	if !ok {
		return nil
	}
	return formatTime(ts)
}

func (c *typer) timeValue(field string) (time.Time, bool) {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		return time.Time{}, false
	}
	ts, err := ParseTime(v)
	if err != nil {
		c.fail(field, "%q is not a timestamp (want RFC 3339, 2006-01-02 or 2006-01-02 15:04:05)", v)
		return time.Time{}, false
	}
	return ts, true
}

func (c *typer) decimal(field string) (decimal.Decimal, bool) {
	v := strings.TrimSpace(c.f[field])
	if v == "" {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		c.fail(field, "%q is not a decimal number", v)
		return decimal.Decimal{}, false
	}
	return d, true
}

func (c *typer) number(field string) any {
	d, ok := c.decimal(field)
	if !ok {
		return nil
	}
	return d.String()
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

// money types an amount and its conversion: amount, amount_reporting, fx_rate.
func (c *typer) money(amountField, currency string, day time.Time) (any, any, any) {
	d, ok := c.decimal(amountField)
	if !ok {
		return nil, nil, nil
	}
	if c.t.FX == nil {
		return d.String(), nil, nil
	}
	rate, ok := c.t.FX.Rate(currency, day)
	if !ok {
		return d.String(), nil, nil
	}
	return d.String(), d.Mul(rate).String(), rate.String()
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
	amount, reporting, rate := c.money("amount", cur, ordered)
	canceled := c.time("canceled_at")
	status := OrderStatus(c.f["status"], canceled != nil, c.f["paid_at"] != "", c.f["invoiced_at"] != "", c.f["fulfilled_at"] != "")
	return []any{c.text("customer"), c.time("ordered_at"), c.time("fulfilled_at"), c.time("invoiced_at"),
		c.time("paid_at"), canceled, nilIfEmpty(status), c.lower("order_type"), cur, amount, reporting, rate,
		c.number("quantity"), c.time("modified_at")}
}

func (c *typer) orderLine() []any {
	cur := c.currency("currency")
	amount, reporting, rate := c.money("amount", cur, time.Time{})
	return []any{c.required("order"), c.text("product_id"), c.text("product_category"), c.number("quantity"),
		amount, cur, reporting, rate, c.time("modified_at")}
}

func (c *typer) contract() []any {
	signed, _ := c.timeValue("signed_at")
	cur := c.currency("currency")
	mrr, reporting, rate := c.money("mrr", cur, signed)
	ratio := c.number("adoption_ratio")
	return []any{c.text("customer"), c.time("signed_at"), c.time("go_live_at"), c.time("start_at"), c.time("end_at"),
		mrr, cur, reporting, rate, c.lower("status"), ratio, c.time("adopted_at"), c.time("modified_at")}
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
