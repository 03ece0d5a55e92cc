package file_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/connectors/file"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// fxCase drives connectors "shop" (rates, orders, lines, contracts) and
// "treasury" (rates only) through the real pipeline into PostgreSQL.
type fxCase struct {
	t    *testing.T
	db   *warehouse.DB
	dir  string
	conf map[string]*config.Connector
	logs bytes.Buffer
}

func newFXCase(t *testing.T) *fxCase {
	db, _ := whtest.New(t)
	c := &fxCase{t: t, db: db, dir: t.TempDir()}
	doc := `connectors:
  - name: shop
    type: file
    streams:
      fx_rates: { path: shop/rates.csv }
      orders: { path: shop/orders.csv }
      order_lines: { path: shop/lines.csv }
      contracts: { path: shop/contracts.csv }
  - name: treasury
    type: file
    streams:
      fx_rates:
        path: treasury/*.csv
        fields: { day: Date, currency: Ccy, rate: Rate, base: Base }
  - name: paged
    type: file
    file: { page_size: 2 }
    streams:
      fx_rates: { path: paged/rates.csv }
`
	cfg, err := config.Parse(filepath.Join(c.dir, "northstar.yaml"), []byte(doc), nil, map[string]config.Kind{"file": config.KindFunc(file.Validate)})
	if err != nil {
		t.Fatal(err)
	}
	c.conf = map[string]*config.Connector{}
	for i := range cfg.Connectors {
		c.conf[cfg.Connectors[i].Name] = &cfg.Connectors[i]
	}
	return c
}

func (c *fxCase) write(name, content string) {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.TrimLeft(content, "\n")), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// sync runs one connector with config rates cfg (currency → rate) and
// returns how many facts its run re-priced, from the run's log.
func (c *fxCase) sync(name string, cfg map[string]string) int64 {
	c.t.Helper()
	rates := map[string]decimal.Decimal{}
	for cur, r := range cfg {
		rates[cur] = decimal.RequireFromString(r)
	}
	fx := transform.NewDailyFX(transform.StaticFX{Reporting: "USD", Rates: rates}, time.UTC)
	c.logs.Reset()
	eng := &pipeline.Engine{DB: c.db, Transform: &transform.Transformer{ReportingCurrency: "USD", FX: fx},
		Log: slog.New(slog.NewJSONHandler(&c.logs, nil))}
	env := connectors.Env{Manifest: func(ctx context.Context, s northstar.Stream) (map[string]northstar.FileMark, error) {
		return c.db.Manifest(ctx, name, s)
	}}
	src, err := file.New(c.conf[name], env)
	if err != nil {
		c.t.Fatal(err)
	}
	res, err := eng.Sync(context.Background(), name, src, pipeline.Options{})
	if err != nil || res.Status != warehouse.StatusSucceeded {
		c.t.Fatalf("sync %s: %s %v %v\n%s", name, res.Status, res.Err, err, c.logs.String())
	}
	var repriced int64
	for _, line := range strings.Split(c.logs.String(), "\n") {
		var m struct {
			Msg  string `json:"msg"`
			Rows int64  `json:"rows"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "facts re-priced" {
			repriced += m.Rows
		}
	}
	return repriced
}

// priced returns "amount_reporting rate day source" of every fact, keyed
// by table:source_id.
func (c *fxCase) priced() map[string]string {
	c.t.Helper()
	rows, err := c.db.Query(`
		SELECT 'orders:' || source_id, amount_reporting, fx_rate, fx_rate_day, fx_rate_source FROM core.orders
		UNION ALL SELECT 'lines:' || source_id, amount_reporting, fx_rate, fx_rate_day, fx_rate_source FROM core.order_lines
		UNION ALL SELECT 'contracts:' || source_id, mrr_reporting, fx_rate, fx_rate_day, fx_rate_source FROM core.contracts`)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key string
		var amt, rate, day, src *string
		var dayT *time.Time
		if err := rows.Scan(&key, &amt, &rate, &dayT, &src); err != nil {
			c.t.Fatal(err)
		}
		if dayT != nil {
			d := dayT.Format(time.DateOnly)
			day = &d
		}
		f := func(p *string) string {
			if p == nil {
				return "-"
			}
			return *p
		}
		a, r := f(amt), f(rate)
		if amt != nil {
			a = decimal.RequireFromString(*amt).String()
			r = decimal.RequireFromString(*rate).String()
		}
		out[key] = strings.Join([]string{a, r, f(day), f(src)}, " ")
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

func (c *fxCase) expect(when string, want map[string]string) {
	c.t.Helper()
	got := c.priced()
	for k, w := range want {
		if got[k] != w {
			c.t.Errorf("%s: %s = %q, want %q", when, k, got[k], w)
		}
	}
}

// TestDailyFXThroughFileConnector: a CSV of business-day rates and orders
// in EUR load in one run and the orders take the rate of their day (a
// weekend order Friday's); config rates apply where no daily rate exists;
// rates for earlier days arriving later through another connector, a
// restated rate and a changed config rate re-price exactly the affected
// facts; an unchanged re-run re-prices nothing.
func TestDailyFXThroughFileConnector(t *testing.T) {
	c := newFXCase(t)
	cfg := map[string]string{"EUR": "1.10", "GBP": "1.27", "CHF": "1.12"}
	c.write("shop/rates.csv", `
day,currency,rate
2024-03-01,EUR,1.0800
2024-03-04,EUR,1.0900
2024-03-05,EUR,1.0910
`)
	c.write("shop/orders.csv", `
source_id,customer,ordered_at,amount,currency
O1,C1,2024-03-02T10:00:00Z,100.00,EUR
O2,C1,2024-03-04T23:59:00Z,100,EUR
O3,C2,2024-03-04T09:00:00Z,100,GBP
O4,C2,2024-02-28T09:00:00Z,100,EUR
O5,C3,2024-03-04T09:00:00Z,100,USD
O6,C3,2024-03-05T09:00:00Z,100,CHF
`)
	c.write("shop/lines.csv", `
source_id,order,amount,currency
L1,O1,10,EUR
L2,O3,10,GBP
`)
	c.write("shop/contracts.csv", `
source_id,customer,signed_at,mrr,currency
K1,C1,2024-03-04,1000,EUR
`)
	c.sync("shop", cfg)
	c.expect("first load", map[string]string{
		"orders:O1":    "108 1.08 2024-03-01 shop", // Saturday: Friday's rate
		"orders:O2":    "109 1.09 2024-03-04 shop",
		"orders:O3":    "127 1.27 - config", // no daily GBP rate
		"orders:O4":    "110 1.1 - config",  // before the first daily rate
		"orders:O5":    "100 1 - -",         // reporting currency
		"orders:O6":    "112 1.12 - config",
		"lines:L1":     "10.8 1.08 2024-03-01 shop", // its order's day
		"lines:L2":     "12.7 1.27 - config",
		"contracts:K1": "1090 1.09 2024-03-04 shop",
	})
	if n := c.sync("shop", cfg); n != 0 {
		t.Errorf("unchanged re-run re-priced %d facts", n)
	}
	// A line arriving after its order (an earlier run) is priced at the
	// config rate, then re-priced at its order's day after the run.
	c.write("shop/lines.csv", `
source_id,order,amount,currency
L1,O1,10,EUR
L2,O3,10,GBP
L3,O2,10,EUR
`)
	// L1 is re-read too (its modified_at is the file's new mtime), so it
	// is re-priced as well.
	if n := c.sync("shop", cfg); n != 2 {
		t.Errorf("a late line: %d facts re-priced, want 2 (L3, L1)", n)
	}
	c.expect("late line", map[string]string{"lines:L3": "10.9 1.09 2024-03-04 shop"})

	// Later, another connector delivers rates for earlier days (and a
	// cross rate of CHF in EUR, priced with EUR's rate of that day).
	c.write("treasury/2024-03.csv", `
Date,Ccy,Rate,Base
2024-02-20,EUR,1.0500,USD
2024-03-02,EUR,1.0850,USD
2024-03-04,CHF,1.04,EUR
`)
	if n := c.sync("treasury", cfg); n != 4 {
		t.Errorf("late rates re-priced %d facts, want 4 (O1, O4, O6, L1)", n)
	}
	late := map[string]string{
		"orders:O1":    "108.5 1.085 2024-03-02 treasury",
		"orders:O2":    "109 1.09 2024-03-04 shop",
		"orders:O3":    "127 1.27 - config",
		"orders:O4":    "105 1.05 2024-02-20 treasury",
		"orders:O6":    "113.36 1.1336 2024-03-04 treasury", // 1.04 × EUR 1.09
		"lines:L1":     "10.85 1.085 2024-03-02 treasury",
		"contracts:K1": "1090 1.09 2024-03-04 shop",
	}
	c.expect("late rates", late)
	if n := c.sync("treasury", cfg) + c.sync("shop", cfg); n != 0 {
		t.Errorf("unchanged re-runs re-priced %d facts", n)
	}
	c.expect("after re-runs", late)

	// The treasury restates EUR for 2024-03-04: the most recently synced
	// rate wins, and the cross rate follows its base.
	c.write("treasury/2024-03.csv", `
Date,Ccy,Rate,Base
2024-02-20,EUR,1.0500,USD
2024-03-02,EUR,1.0850,USD
2024-03-04,EUR,1.0950,USD
2024-03-04,CHF,1.04,EUR
`)
	if n := c.sync("treasury", cfg); n != 4 {
		t.Errorf("restatement re-priced %d facts, want 4 (O2, L3, O6, K1)", n)
	}
	c.expect("restated", map[string]string{
		"orders:O2":    "109.5 1.095 2024-03-04 treasury",
		"lines:L3":     "10.95 1.095 2024-03-04 treasury",
		"orders:O6":    "113.88 1.1388 2024-03-04 treasury",
		"contracts:K1": "1095 1.095 2024-03-04 treasury",
		"orders:O1":    "108.5 1.085 2024-03-02 treasury",
	})

	// A changed config rate re-prices the facts that use it.
	cfg["GBP"] = "1.30"
	if n := c.sync("shop", cfg); n != 2 {
		t.Errorf("config change re-priced %d facts, want 2 (O3, L2)", n)
	}
	c.expect("config changed", map[string]string{"orders:O3": "130 1.3 - config", "lines:L2": "13 1.3 - config"})

	// The rate of an order is traceable to the rate row it came from.
	var src, id, base, quoted string
	err := c.db.QueryRow(`SELECT r.source, r.source_id, r.base, r.quoted_rate::text FROM core.orders o
		JOIN ops.fx_rates r ON r.day = o.fx_rate_day AND r.currency = o.currency
		WHERE o.source = 'shop' AND o.source_id = 'O6'`).Scan(&src, &id, &base, &quoted)
	if err != nil || src != "treasury" || id != "CHF:2024-03-04" || base != "EUR" || quoted != "1.04" {
		t.Errorf("lineage of O6: %s %s %s %s %v", src, id, base, quoted, err)
	}
}

// TestFXRatesRejects: bad rate rows are quarantined with a reason naming
// the field; the good rows load.
func TestFXRatesRejects(t *testing.T) {
	c := newFXCase(t)
	c.write("shop/rates.csv", `
day,currency,rate,base
2024-03-01,EUR,1.08,
2024-03-01,GBP,-1.2,
2024-03-01,SEK,abc,
2024-03-01,CHF,1.04,GBP
03/01/2024,DKK,0.14,
`)
	c.write("shop/orders.csv", "source_id,amount\n")
	c.write("shop/lines.csv", "source_id,order\n")
	c.write("shop/contracts.csv", "source_id,mrr\n")
	c.sync("shop", nil)
	rows, err := c.db.Query(`SELECT source_id, reason FROM ops.rejected_records WHERE stream = 'fx_rates' ORDER BY source_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, reason string
		if err := rows.Scan(&id, &reason); err != nil {
			t.Fatal(err)
		}
		got = append(got, id+": "+reason)
	}
	want := []string{
		"CHF:2024-03-01: base: no daily rate of GBP in USD for 2024-03-01 in this run (this page or an earlier one) or in the warehouse: a cross rate (base GBP) needs the base's own rate of the same day (or quote CHF in USD directly)",
		`DKK:03/01/2024: day: "03/01/2024" is not a date (want 2006-01-02, 20060102 or a timestamp)`,
		"GBP:2024-03-01: rate: -1.2 is not a positive rate",
		`SEK:2024-03-01: rate: "abc" is not a decimal number`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var n int
	if err := c.db.QueryRow(`SELECT count(*) FROM ops.fx_rates WHERE currency = 'EUR' AND rate = 1.08 AND source = 'shop'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("good rate: %d %v", n, err)
	}
}

// TestCrossRateAcrossPages: a cross rate may rely on its base's rate from
// an earlier page of the same run (a rates file longer than one page); a
// base that only comes in a later page is still refused.
func TestCrossRateAcrossPages(t *testing.T) {
	c := newFXCase(t)
	c.write("paged/rates.csv", `
day,currency,rate,base
2024-03-01,EUR,1.08,
2024-03-04,EUR,1.09,
2024-03-01,CHF,1.04,EUR
2024-03-04,CHF,1.05,GBP
2024-03-04,GBP,1.27,
`)
	c.sync("paged", nil)
	var reasons []string
	rows, err := c.db.Query(`SELECT source_id || ': ' || reason FROM ops.rejected_records WHERE connector = 'paged' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, r)
	}
	if len(reasons) != 1 || !strings.HasPrefix(reasons[0], "CHF:2024-03-04: base: no daily rate of GBP") {
		t.Errorf("rejects %q, want only CHF:2024-03-04 (its base GBP comes in a later page)", reasons)
	}
	var rate string
	if err := c.db.QueryRow(`SELECT rate::text FROM ops.fx_rates WHERE currency = 'CHF' AND day = '2024-03-01'`).Scan(&rate); err != nil {
		t.Fatal(err)
	}
	if !decimal.RequireFromString(rate).Equal(decimal.RequireFromString("1.1232")) { // 1.04 × EUR's 1.08
		t.Errorf("CHF on 2024-03-01: %s, want 1.1232", rate)
	}
}
