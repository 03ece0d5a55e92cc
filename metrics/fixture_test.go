package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// fixture inserts small data sets straight into core.* of a fresh warehouse.
type fixture struct {
	t   testing.TB
	db  *sqlx.DB
	seq int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	w, _ := whtest.New(t)
	return &fixture{t: t, db: w.DB}
}

// ts parses "2006-01-02" or "2006-01-02T15:04" as UTC.
func ts(s string) time.Time {
	for _, layout := range []string{time.DateOnly, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	panic("bad time " + s)
}

// nt maps the zero time to NULL.
func nt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nstr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nid(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.t.Fatalf("fixture: %v\n%s", err, q)
	}
}

func (f *fixture) next(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%d", prefix, f.seq)
}

type cust struct {
	Segment    string
	Channel    string
	Referrer   int64
	FirstOrder time.Time
	Deleted    bool
}

func (f *fixture) customer(c cust) int64 {
	f.t.Helper()
	var id int64
	var del any
	if c.Deleted {
		del = time.Now()
	}
	err := f.db.QueryRow(`INSERT INTO core.customers (name, segment, acquisition_channel, referrer_customer_id, first_order_at, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING customer_id`,
		f.next("customer "), nstr(c.Segment), nstr(c.Channel), nid(c.Referrer), nt(c.FirstOrder), del).Scan(&id)
	if err != nil {
		f.t.Fatalf("fixture customer: %v", err)
	}
	return id
}

type order struct {
	Customer                                     int64
	Ordered, Fulfilled, Invoiced, Paid, Canceled time.Time
	Status, Type                                 string
	Amount                                       string // reporting amount; "" = NULL
	Deleted                                      bool
}

// order inserts an order and returns its source_id (source "erp").
func (f *fixture) order(o order) string {
	f.t.Helper()
	id := f.next("o")
	var del any
	if o.Deleted {
		del = o.Ordered
	}
	f.exec(`INSERT INTO core.orders (source, source_id, customer_id, ordered_at, fulfilled_at, invoiced_at, paid_at,
		canceled_at, status, order_type, currency, amount, amount_reporting, deleted_at, row_hash, run_id, synced_at)
		VALUES ('erp', $1, $2, $3, $4, $5, $6, $7, $8, $9, 'USD', $10, $10, $11, 1, 1, now())`,
		id, nid(o.Customer), nt(o.Ordered), nt(o.Fulfilled), nt(o.Invoiced), nt(o.Paid), nt(o.Canceled),
		nstr(o.Status), nstr(o.Type), nstr(o.Amount), del)
	return id
}

// line adds an order line to order orderID; category "" = NULL.
func (f *fixture) line(orderID, category, amount string) {
	f.t.Helper()
	f.lineDeleted(orderID, category, amount, false)
}

func (f *fixture) lineDeleted(orderID, category, amount string, deleted bool) {
	f.t.Helper()
	var del any
	if deleted {
		del = time.Now()
	}
	f.exec(`INSERT INTO core.order_lines (source, source_id, order_source_id, product_category, amount, currency,
		amount_reporting, deleted_at, row_hash, run_id, synced_at)
		VALUES ('erp', $1, $2, $3, $4, 'USD', $4, $5, 1, 1, now())`,
		f.next("l"), orderID, nstr(category), amount, del)
}

type contract struct {
	Customer              int64
	Signed, GoLive, Start time.Time
	End, Adopted          time.Time
	MRR                   string
	FXRate                string // "" = 1
	Deleted               bool
}

func (f *fixture) contract(k contract) {
	f.t.Helper()
	rate := k.FXRate
	if rate == "" {
		rate = "1"
	}
	var del any
	if k.Deleted {
		del = time.Now()
	}
	signed := k.Signed
	if signed.IsZero() {
		signed = k.Start
	}
	f.exec(`INSERT INTO core.contracts (source, source_id, customer_id, signed_at, go_live_at, start_at, end_at, mrr,
		currency, mrr_reporting, fx_rate, adopted_at, deleted_at, row_hash, run_id, synced_at)
		VALUES ('crm', $1, $2, $3, $4, $5, $6, $7::numeric, 'EUR', $7::numeric * $8::numeric, $8::numeric, $9, $10, 1, 1, now())`,
		f.next("k"), k.Customer, nt(signed), nt(k.GoLive), nt(k.Start), nt(k.End), nstr(k.MRR), rate, nt(k.Adopted), del)
}

type survey struct {
	Customer           int64
	Instrument         string
	Score              string
	Min, Max           int
	At                 time.Time
	Touchpoint, Source string
	Deleted            bool
}

func (f *fixture) survey(s survey) {
	f.t.Helper()
	src := s.Source
	if src == "" {
		src = "crm"
	}
	var del any
	if s.Deleted {
		del = time.Now()
	}
	f.exec(`INSERT INTO core.survey_responses (source, source_id, customer_id, instrument, score, scale_min, scale_max,
		responded_at, touchpoint, deleted_at, row_hash, run_id, synced_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, 1, now())`,
		src, f.next("s"), nid(s.Customer), s.Instrument, s.Score, s.Min, s.Max, s.At, nstr(s.Touchpoint), del)
}

// scores adds one response per score of one instrument and scale at time at.
func (f *fixture) scores(instrument string, min, max int, at time.Time, scores ...int) {
	f.t.Helper()
	for _, s := range scores {
		f.survey(survey{Instrument: instrument, Score: fmt.Sprint(s), Min: min, Max: max, At: at})
	}
}

func (f *fixture) supportCase(customer int64, opened, closed time.Time) {
	f.t.Helper()
	f.exec(`INSERT INTO core.support_cases (source, source_id, customer_id, opened_at, closed_at, row_hash, run_id, synced_at)
		VALUES ('crm', $1, $2, $3, $4, 1, 1, now())`, f.next("c"), nid(customer), opened, nt(closed))
}

func (f *fixture) refresh(asOf string, mod ...func(*Options)) Summary {
	f.t.Helper()
	opt := Options{AsOf: ts(asOf)}
	for _, m := range mod {
		m(&opt)
	}
	s, err := Refresh(context.Background(), f.db, opt)
	if err != nil {
		f.t.Fatalf("refresh as of %s: %v", asOf, err)
	}
	return s
}

// stored is one metrics.values row.
type stored struct {
	Value, Num, Den sql.NullString
	N               sql.NullInt64
	End             sql.NullTime
	Details         map[string]any
	AsOf            time.Time
}

// lookup returns the row of (metric, period, grain, segment) and whether it exists.
func (f *fixture) lookup(metric, period, grain, segment string) (stored, bool) {
	f.t.Helper()
	var r stored
	var details []byte
	err := f.db.QueryRow(`SELECT value::text, numerator::text, denominator::text, n, period_end, details, as_of
		FROM metrics."values" WHERE metric_id = $1 AND period_start = $2 AND grain = $3 AND segment = $4`,
		metric, period, grain, segment).Scan(&r.Value, &r.Num, &r.Den, &r.N, &r.End, &details, &r.AsOf)
	if err == sql.ErrNoRows {
		return r, false
	}
	if err != nil {
		f.t.Fatalf("lookup %s %s %s %s: %v", metric, period, grain, segment, err)
	}
	if details != nil {
		if err := json.Unmarshal(details, &r.Details); err != nil {
			f.t.Fatal(err)
		}
	}
	return r, true
}

func (f *fixture) get(metric, period, grain, segment string) stored {
	f.t.Helper()
	r, ok := f.lookup(metric, period, grain, segment)
	if !ok {
		f.t.Fatalf("no value for %s %s %s %s", metric, period, grain, segment)
	}
	return r
}

// near reports whether decimal text got equals want to the given places.
func near(got sql.NullString, want string, places int32) bool {
	if !got.Valid {
		return want == "NULL"
	}
	if want == "NULL" {
		return false
	}
	g, err := decimal.NewFromString(got.String)
	if err != nil {
		return false
	}
	w := decimal.RequireFromString(want)
	return g.Round(places).Equal(w.Round(places))
}

// check is one expected metrics.values row; "" skips a field, "NULL"
// expects NULL. Value is compared to 2 decimal places, the rest exactly.
type check struct {
	metric, period, grain, segment string
	value, num, den                string
	n                              int64 // -1 skips
}

func (f *fixture) checkAll(checks []check) {
	f.t.Helper()
	for _, c := range checks {
		grain, segment := c.grain, c.segment
		if grain == "" {
			grain = "month"
		}
		if segment == "" {
			segment = "all"
		}
		name := fmt.Sprintf("%s/%s/%s/%s", c.metric, c.period, grain, segment)
		r, ok := f.lookup(c.metric, c.period, grain, segment)
		if !ok {
			f.t.Errorf("%s: no row", name)
			continue
		}
		if c.value != "" && !near(r.Value, c.value, 2) {
			f.t.Errorf("%s: value = %v, want %s", name, show(r.Value), c.value)
		}
		if c.num != "" && !near(r.Num, c.num, 6) {
			f.t.Errorf("%s: numerator = %v, want %s", name, show(r.Num), c.num)
		}
		if c.den != "" && !near(r.Den, c.den, 6) {
			f.t.Errorf("%s: denominator = %v, want %s", name, show(r.Den), c.den)
		}
		if c.n >= 0 && (!r.N.Valid || r.N.Int64 != c.n) {
			f.t.Errorf("%s: n = %v, want %d", name, r.N, c.n)
		}
	}
}

func show(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// detail returns details[key] as a float64 (JSON numbers).
func detail(t *testing.T, r stored, key string) float64 {
	t.Helper()
	v, ok := r.Details[key].(float64)
	if !ok {
		t.Fatalf("details[%q] = %v (%T), want a number; details %v", key, r.Details[key], r.Details[key], r.Details)
	}
	return v
}
