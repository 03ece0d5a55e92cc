package warehouse_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

func exec(t *testing.T, db *warehouse.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func text(t *testing.T, db *warehouse.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

var settings = warehouse.FXSettings{Reporting: "USD", TimeZone: "UTC",
	Config: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("1.1")}}

// TestFXRatesWinner: when two connectors give the same day and currency,
// the most recently synced row wins; on equal sync times the smaller
// source; a deleted row drops out.
func TestFXRatesWinner(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	exec(t, db, `INSERT INTO core.fx_rates (source, source_id, day, currency, base, rate, row_hash, run_id, synced_at) VALUES
		('a', 'EUR:2024-03-01', '2024-03-01', 'EUR', 'USD', 1.08, 0, 1, '2024-03-02T00:00:00Z'),
		('b', 'EUR:2024-03-01', '2024-03-01', 'EUR', 'USD', 1.09, 0, 1, '2024-03-03T00:00:00Z'),
		('b', 'GBP:2024-03-01', '2024-03-01', 'GBP', 'USD', 1.27, 0, 1, '2024-03-03T00:00:00Z'),
		('a', 'GBP:2024-03-01', '2024-03-01', 'GBP', 'USD', 1.26, 0, 1, '2024-03-03T00:00:00Z')`)
	refresh := func() int64 {
		t.Helper()
		run, err := db.StartRun(ctx, "x", warehouse.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer run.Finish(warehouse.StatusSucceeded, nil) //nolint:errcheck
		n, err := run.RefreshFXRates(ctx, "USD")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := refresh(); n != 2 {
		t.Errorf("first refresh changed %d rates, want 2", n)
	}
	got := text(t, db, `SELECT string_agg(currency || '=' || rate || '@' || source, ' ' ORDER BY currency) FROM ops.fx_rates`)
	if got != "EUR=1.09@b GBP=1.26@a" {
		t.Errorf("effective rates %q", got)
	}
	if n := refresh(); n != 0 {
		t.Errorf("second refresh changed %d rates", n)
	}
	exec(t, db, `UPDATE core.fx_rates SET deleted_at = now() WHERE source = 'b' AND currency = 'EUR'`)
	refresh()
	if got := text(t, db, `SELECT rate || '@' || source FROM ops.fx_rates WHERE currency = 'EUR'`); got != "1.08@a" {
		t.Errorf("after delete: %q", got)
	}
}

// TestRepricePendingSurvivesCrash: rates derived by a run that died before
// re-pricing are re-priced by the next run of any connector, even one that
// changes nothing.
func TestRepricePendingSurvivesCrash(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	exec(t, db, `INSERT INTO core.orders (source, source_id, ordered_at, currency, amount, amount_reporting, fx_rate, fx_rate_source, row_hash, run_id, synced_at)
		VALUES ('shop', 'O1', '2024-03-02T10:00:00Z', 'EUR', 100, 110, 1.1, 'config', 0, 1, now()),
		       ('shop', 'O2', '2024-02-01T10:00:00Z', 'EUR', 100, 110, 1.1, 'config', 0, 1, now())`)
	// Settings recorded: no full re-pricing is due.
	exec(t, db, `INSERT INTO ops.fx_state (settings) VALUES ('{"reporting":"USD","time_zone":"UTC","config":{"EUR":"1.1"}}')`)
	exec(t, db, `INSERT INTO core.fx_rates (source, source_id, day, currency, base, rate, row_hash, run_id, synced_at)
		VALUES ('rates', 'EUR:2024-03-01', '2024-03-01', 'EUR', 'USD', 1.08, 0, 1, now())`)

	dying, err := db.StartRun(ctx, "rates", warehouse.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dying.RefreshFXRates(ctx, "USD"); err != nil {
		t.Fatal(err)
	}
	if err := dying.Finish(warehouse.StatusFailed, nil); err != nil { // killed before re-pricing
		t.Fatal(err)
	}

	next, err := db.StartRun(ctx, "crm", warehouse.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer next.Finish(warehouse.StatusSucceeded, nil) //nolint:errcheck
	res, err := next.Reprice(ctx, settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Full || res.Orders != 1 || len(res.Currencies) != 1 {
		t.Errorf("re-priced %+v, want O1 only", res)
	}
	got := text(t, db, `SELECT string_agg(source_id || ' ' || amount_reporting::numeric(10,2) || ' ' || coalesce(fx_rate_day::text, '-') || ' ' || fx_rate_source, ', ' ORDER BY source_id) FROM core.orders`)
	if got != "O1 108.00 2024-03-01 rates, O2 110.00 - config" {
		t.Errorf("orders: %s", got)
	}
	if res, err := next.Reprice(ctx, settings, nil); err != nil || res.Total() != 0 || len(res.Currencies) != 0 {
		t.Errorf("second re-pricing: %+v %v", res, err)
	}
}

// TestInitFXState: a fresh warehouse records the settings its first facts
// are priced with (nothing to re-price after the first load); once facts
// exist, state is left alone, so a warehouse whose facts predate FX state
// is re-priced in full once.
func TestInitFXState(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	// Rates derived before any fact: recorded with unknown settings and pending changes.
	exec(t, db, `INSERT INTO ops.fx_state (settings, pending, generation) VALUES ('null', '{"EUR": "2024-03-01"}', 1)`)
	if err := db.InitFXState(ctx, settings); err != nil {
		t.Fatal(err)
	}
	if got := text(t, db, `SELECT (settings ->> 'reporting') || ' ' || (settings -> 'config' ->> 'EUR') || ' ' || pending::text || ' ' || generation FROM ops.fx_state`); got != "USD 1.1 {} 1" {
		t.Errorf("fresh warehouse: fx_state = %s", got)
	}
	run, err := db.StartRun(ctx, "shop", warehouse.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Finish(warehouse.StatusSucceeded, nil) //nolint:errcheck
	if res, err := run.Reprice(ctx, settings, nil); err != nil || res.Full || len(res.Currencies) != 0 {
		t.Errorf("first re-pricing on a fresh warehouse: %+v %v, want nothing to do", res, err)
	}

	// A warehouse with facts and no settings (upgraded) is not touched.
	db2, _ := whtest.New(t)
	exec(t, db2, `INSERT INTO core.orders (source, source_id, ordered_at, currency, amount, row_hash, run_id, synced_at)
		VALUES ('shop', 'O1', '2024-03-02T10:00:00Z', 'EUR', 100, 0, 1, now())`)
	if err := db2.InitFXState(ctx, settings); err != nil {
		t.Fatal(err)
	}
	if got := text(t, db2, `SELECT count(*)::text FROM ops.fx_state`); got != "0" {
		t.Errorf("warehouse with facts: %s fx_state rows, want 0 (full re-pricing due)", got)
	}
}
