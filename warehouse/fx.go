package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/transform"
)

// fxLockKey serialises deriving ops.fx_rates and re-pricing facts across
// runs and processes, so that a re-pricing never misses a rate change.
const fxLockKey = "northstar:fx"

// FXSettings is what pricing depends on besides the daily rates.
type FXSettings struct {
	Reporting string                     `json:"reporting"`
	TimeZone  string                     `json:"time_zone"` // IANA name of the warehouse time zone
	Config    map[string]decimal.Decimal `json:"config"`    // the `fx:` rates (fallback)
}

// FXSettingsOf returns the settings a DailyFX prices with.
func FXSettingsOf(fx *transform.DailyFX) FXSettings {
	tz := "UTC"
	if fx.Location != nil {
		tz = fx.Location.String()
	}
	return FXSettings{Reporting: fx.Static.Reporting, TimeZone: tz, Config: fx.Static.Rates}
}

func (s FXSettings) json() string {
	cfg := make(map[string]string, len(s.Config))
	for c, r := range s.Config {
		cfg[c] = r.String()
	}
	b, _ := json.Marshal(struct {
		Reporting string            `json:"reporting"`
		TimeZone  string            `json:"time_zone"`
		Config    map[string]string `json:"config"`
	}{s.Reporting, s.TimeZone, cfg})
	return string(b)
}

// DailyRates reads the effective daily rates (ops.fx_rates) and the
// generation they belong to (see FXGeneration), in one snapshot.
func (db *DB) DailyRates(ctx context.Context) ([]transform.DailyRate, int64, error) {
	rows, err := db.QueryContext(ctx, `WITH g AS (SELECT coalesce((SELECT generation FROM ops.fx_state), 0) AS generation)
		SELECT g.generation, r.day, r.currency, r.rate::text, r.source
		FROM g LEFT JOIN ops.fx_rates r ON true ORDER BY r.currency, r.day`)
	if err != nil {
		return nil, 0, fmt.Errorf("warehouse: read daily FX rates: %w", err)
	}
	defer rows.Close()
	var (
		out []transform.DailyRate
		gen int64
	)
	for rows.Next() {
		var (
			day            sql.NullTime
			cur, rate, src sql.NullString
		)
		if err := rows.Scan(&gen, &day, &cur, &rate, &src); err != nil {
			return nil, 0, fmt.Errorf("warehouse: read daily FX rates: %w", err)
		}
		if !day.Valid { // no rates: the one row of g
			continue
		}
		r := transform.DailyRate{Currency: cur.String, Source: src.String}
		if r.Rate, err = decimal.NewFromString(rate.String); err != nil {
			return nil, 0, fmt.Errorf("warehouse: daily FX rate %s %s: %w", r.Currency, day.Time.Format(time.DateOnly), err)
		}
		y, m, d := day.Time.Date()
		r.Day = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("warehouse: read daily FX rates: %w", err)
	}
	return out, gen, nil
}

// InitFXState records s as the settings the facts are priced with when
// the warehouse holds no facts yet (no orders, order lines or contracts):
// a fresh warehouse's first facts are priced at load with s, so the first
// Reprice has nothing to check instead of every fact. Rate changes
// recorded so far are dropped for the same reason. A warehouse with facts
// priced before FX state existed keeps no settings and is re-priced in
// full once.
func (db *DB) InitFXState(ctx context.Context, s FXSettings) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("warehouse: init FX state: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, fxLockKey); err != nil {
		return fmt.Errorf("warehouse: lock FX rates: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ops.fx_state AS s (settings) SELECT $1::jsonb
		WHERE NOT EXISTS (SELECT 1 FROM core.orders) AND NOT EXISTS (SELECT 1 FROM core.order_lines)
		  AND NOT EXISTS (SELECT 1 FROM core.contracts)
		ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings, pending = '{}'
		WHERE s.settings = 'null'::jsonb`, s.json())
	if err != nil {
		return fmt.Errorf("warehouse: init FX state: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("warehouse: init FX state: %w", err)
	}
	return nil
}

// FXGeneration returns how many times ops.fx_rates has changed: a run
// whose rates were read at another generation may have priced facts with
// rates that are no longer current.
func (db *DB) FXGeneration(ctx context.Context) (int64, error) {
	var gen int64
	err := db.QueryRowContext(ctx, `SELECT coalesce((SELECT generation FROM ops.fx_state), 0)`).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("warehouse: FX generation: %w", err)
	}
	return gen, nil
}

// deriveFXRates is the effective daily table: per (day, currency) the most
// recently synced live row of core.fx_rates (ties: smallest source,
// source_id), cross rates multiplied by their base's effective direct rate
// of the same day. $1 is the reporting currency.
const deriveFXRates = `
	live AS (
		SELECT source, source_id, day, currency, base, rate, synced_at FROM core.fx_rates
		WHERE deleted_at IS NULL AND day IS NOT NULL AND currency IS NOT NULL AND rate > 0 AND currency <> $1),
	direct AS (
		SELECT DISTINCT ON (day, currency) day, currency, rate, source, source_id, base, rate AS quoted_rate, synced_at
		FROM live WHERE base = $1
		ORDER BY day, currency, synced_at DESC, source, source_id),
	crossed AS (
		SELECT l.day, l.currency, l.rate * d.rate AS rate, l.source, l.source_id, l.base, l.rate AS quoted_rate, l.synced_at
		FROM live l JOIN direct d ON d.day = l.day AND d.currency = l.base
		WHERE l.base <> $1),
	want AS (
		SELECT DISTINCT ON (day, currency) * FROM (SELECT * FROM direct UNION ALL SELECT * FROM crossed) x
		ORDER BY day, currency, synced_at DESC, source, source_id)`

// RefreshFXRates derives ops.fx_rates from core.fx_rates for the reporting
// currency and returns how many (day, currency) rates it inserted,
// changed or removed. What changed is remembered in ops.fx_state (pending:
// per currency the earliest changed day) until Reprice has re-priced the
// facts it affects, so a run that dies in between loses nothing.
func (r *Run) RefreshFXRates(ctx context.Context, reporting string) (int64, error) {
	if err := r.Flush(); err != nil {
		return 0, err
	}
	tx, err := r.conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("warehouse: refresh FX rates: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, fxLockKey); err != nil {
		return 0, fmt.Errorf("warehouse: lock FX rates: %w", err)
	}
	// Freshly loaded rates have no statistics yet; the planner would then
	// join them by nested loops, quadratic in the number of rates.
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_nestloop = off`); err != nil {
		return 0, fmt.Errorf("warehouse: refresh FX rates: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `WITH `+deriveFXRates+`,
		del AS (
			DELETE FROM ops.fx_rates o
			WHERE NOT EXISTS (SELECT 1 FROM want w WHERE w.day = o.day AND w.currency = o.currency)
			RETURNING o.currency, o.day),
		up AS (
			INSERT INTO ops.fx_rates AS o (day, currency, rate, source, source_id, base, quoted_rate, updated_at)
			SELECT day, currency, rate, source, source_id, base, quoted_rate, now() FROM want
			ON CONFLICT (day, currency) DO UPDATE SET rate = EXCLUDED.rate, source = EXCLUDED.source,
				source_id = EXCLUDED.source_id, base = EXCLUDED.base, quoted_rate = EXCLUDED.quoted_rate, updated_at = now()
			WHERE (o.rate, o.source, o.source_id, o.base, o.quoted_rate)
			      IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.source, EXCLUDED.source_id, EXCLUDED.base, EXCLUDED.quoted_rate)
			RETURNING o.currency, o.day)
		SELECT currency, to_char(min(day), 'YYYY-MM-DD'), count(*) FROM (SELECT * FROM del UNION ALL SELECT * FROM up) c GROUP BY currency`, reporting)
	if err != nil {
		return 0, fmt.Errorf("warehouse: derive ops.fx_rates: %w", err)
	}
	changed := map[string]string{}
	var n int64
	for rows.Next() {
		var cur, since string
		var k int64
		if err := rows.Scan(&cur, &since, &k); err != nil {
			rows.Close()
			return 0, fmt.Errorf("warehouse: derive ops.fx_rates: %w", err)
		}
		changed[cur] = since
		n += k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("warehouse: derive ops.fx_rates: %w", err)
	}
	if len(changed) > 0 {
		// pending keeps, per currency, the earliest day whose rate changed.
		var prev []byte
		err := tx.QueryRowContext(ctx, `SELECT pending FROM ops.fx_state`).Scan(&prev)
		if err != nil && !isNoRows(err) {
			return 0, fmt.Errorf("warehouse: read FX state: %w", err)
		}
		pending := map[string]string{}
		if len(prev) > 0 {
			if err := json.Unmarshal(prev, &pending); err != nil {
				return 0, fmt.Errorf("warehouse: FX state pending: %w", err)
			}
		}
		for c, d := range changed {
			if old, ok := pending[c]; !ok || d < old { // ISO dates order as text
				pending[c] = d
			}
		}
		b, _ := json.Marshal(pending)
		if _, err := tx.ExecContext(ctx, `INSERT INTO ops.fx_state AS s (settings, pending, generation) VALUES ('null', $1::jsonb, 1)
			ON CONFLICT (id) DO UPDATE SET pending = EXCLUDED.pending, generation = s.generation + 1`, string(b)); err != nil {
			return 0, fmt.Errorf("warehouse: record changed FX rates: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("warehouse: refresh FX rates: %w", err)
	}
	return n, nil
}

// RepriceResult counts the facts Reprice changed.
type RepriceResult struct {
	// Full is true when every fact was checked (the FX settings changed).
	Full bool
	// Currencies lists the currencies whose daily rates had changed.
	Currencies                    []string
	Orders, OrderLines, Contracts int64
}

// Total is the number of rows re-priced.
func (r RepriceResult) Total() int64 { return r.Orders + r.OrderLines + r.Contracts }

// pricedTable is a core table with an amount converted to the reporting
// currency. day is the SQL of the timestamp whose day picks the rate.
type pricedTable struct {
	name, amount, reporting, day, join, runScope string
}

var pricedTables = []pricedTable{
	{name: "core.orders", amount: "amount", reporting: "amount_reporting", day: "f.ordered_at",
		runScope: "f.run_id > $9"},
	// A line has no date of its own: it takes its order's.
	{name: "core.order_lines", amount: "amount", reporting: "amount_reporting", day: "o.ordered_at",
		join:     "LEFT JOIN core.orders o ON o.source = f.source AND o.source_id = f.order_source_id",
		runScope: "(f.run_id > $9 OR o.run_id > $9)"},
	{name: "core.contracts", amount: "mrr", reporting: "mrr_reporting", day: "coalesce(f.signed_at, f.start_at)",
		runScope: "f.run_id > $9"},
}

// repriceSQL sets fx_rate, the reporting amount, fx_rate_day and
// fx_rate_source of the live facts in scope whose applicable rate differs
// from the stored one: the latest ops.fx_rates rate of the currency on or
// before the fact's day (in the warehouse time zone), else the config rate;
// 1 for the reporting currency. Parameters: $1 $2 config currencies and
// rates, $3 $4 changed currencies and their earliest changed day, $5 time
// zone, $6 reporting currency, $7 all facts, $8 source and $9 run id of
// the run scope ($8 NULL: no run scope). Values are stored without trailing
// zeros (trim_scale), as transform writes them, so a fact priced here equals
// one priced at load, digit for digit.
func (t pricedTable) repriceSQL() string {
	return fmt.Sprintf(`WITH cfg AS (SELECT * FROM unnest($1::text[], $2::numeric[]) AS c(currency, rate)),
		ch AS (SELECT * FROM unnest($3::text[], $4::date[]) AS c(currency, since)),
		q AS MATERIALIZED (
			SELECT f.source, f.source_id, p.rate, p.day, p.src
			FROM %[1]s f %[5]s
			CROSS JOIN LATERAL (SELECT (%[4]s AT TIME ZONE $5::text)::date AS fday) d0
			LEFT JOIN LATERAL (
				SELECT r.day, r.rate, r.source FROM ops.fx_rates r
				WHERE f.currency <> $6::text AND r.currency = f.currency AND r.day <= d0.fday
				ORDER BY r.day DESC LIMIT 1) d ON true
			LEFT JOIN cfg ON cfg.currency = f.currency
			CROSS JOIN LATERAL (SELECT
				CASE WHEN f.currency = $6::text THEN 1::numeric ELSE coalesce(d.rate, cfg.rate) END AS rate,
				CASE WHEN f.currency <> $6::text THEN d.day END AS day,
				CASE WHEN f.currency = $6::text THEN NULL
				     WHEN d.rate IS NOT NULL THEN d.source
				     WHEN cfg.rate IS NOT NULL THEN 'config' END AS src) p
			WHERE f.deleted_at IS NULL AND f.%[2]s IS NOT NULL AND f.currency IS NOT NULL
			  AND ($7::boolean
			       OR (f.source = $8::text AND %[6]s)
			       OR EXISTS (SELECT 1 FROM ch WHERE ch.currency = f.currency AND d0.fday >= ch.since))
			  AND (f.fx_rate, f.%[3]s, f.fx_rate_day, f.fx_rate_source) IS DISTINCT FROM (p.rate, f.%[2]s * p.rate, p.day, p.src))
		UPDATE %[1]s t SET fx_rate = trim_scale(q.rate), %[3]s = trim_scale(t.%[2]s * q.rate), fx_rate_day = q.day, fx_rate_source = q.src
		FROM q
		WHERE t.source = q.source AND t.source_id = q.source_id`,
		t.name, t.amount, t.reporting, t.day, t.join, t.runScope)
}

// RunScope asks Reprice to also check the facts its connector wrote after
// run After (this run, and runs that died before re-pricing): they were
// priced with rates that are no longer current, or — order lines — before
// their order's day was known. LinesOnly limits the check to order lines.
type RunScope struct {
	After     int64
	LinesOnly bool
}

// Reprice re-prices, in SQL and set-based, the orders, order lines and
// contracts whose applicable daily rate differs from the one stored: all
// of them when the FX settings changed since the last full re-pricing
// (reporting currency, time zone, config rates); those in currencies whose
// daily rates changed, dated on or after the earliest changed day (see
// RefreshFXRates); and those run selects (nil: none). It is idempotent: a
// second call changes nothing.
func (r *Run) Reprice(ctx context.Context, s FXSettings, run *RunScope) (RepriceResult, error) {
	var res RepriceResult
	if err := r.Flush(); err != nil {
		return res, err
	}
	if _, err := r.conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, fxLockKey); err != nil {
		return res, fmt.Errorf("warehouse: lock FX rates: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = r.conn.ExecContext(uctx, `SELECT pg_advisory_unlock(hashtext($1))`, fxLockKey)
	}()
	settings := s.json()
	var (
		same    sql.NullBool
		pending []byte
	)
	err := r.conn.QueryRowContext(ctx, `SELECT (SELECT settings = $1::jsonb FROM ops.fx_state),
		(SELECT pending FROM ops.fx_state)`, settings).Scan(&same, &pending)
	if err != nil {
		return res, fmt.Errorf("warehouse: read FX state: %w", err)
	}
	res.Full = !same.Valid || !same.Bool
	changed := map[string]string{}
	if len(pending) > 0 {
		if err := json.Unmarshal(pending, &changed); err != nil {
			return res, fmt.Errorf("warehouse: FX state pending: %w", err)
		}
	}
	res.Currencies = slices.Sorted(maps.Keys(changed))
	if !res.Full && len(changed) == 0 && run == nil {
		return res, nil
	}
	cfgCur, cfgRate := make([]string, 0, len(s.Config)), make([]string, 0, len(s.Config))
	for _, c := range slices.Sorted(maps.Keys(s.Config)) {
		cfgCur, cfgRate = append(cfgCur, c), append(cfgRate, s.Config[c].String())
	}
	chDay := make([]string, len(res.Currencies))
	for i, c := range res.Currencies {
		chDay[i] = changed[c]
	}
	counts := []*int64{&res.Orders, &res.OrderLines, &res.Contracts}
	for i, t := range pricedTables {
		var src any // NULL: no run scope
		after := int64(0)
		if run != nil && (!run.LinesOnly || t.name == "core.order_lines") {
			src, after = r.Connector, run.After
		}
		if !res.Full && len(changed) == 0 && src == nil {
			continue
		}
		n, err := r.execRetry(ctx, t.repriceSQL(), pq.Array(cfgCur), pq.Array(cfgRate), pq.Array(res.Currencies), pq.Array(chDay),
			s.TimeZone, s.Reporting, res.Full, src, after)
		if err != nil {
			return res, fmt.Errorf("warehouse: re-price %s: %w", t.name, err)
		}
		*counts[i] = n
	}
	if _, err := r.conn.ExecContext(ctx, `INSERT INTO ops.fx_state AS s (settings, pending, repriced_at) VALUES ($1::jsonb, '{}', now())
		ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings, pending = '{}',
			repriced_at = CASE WHEN $2 THEN now() ELSE s.repriced_at END`, settings, res.Full); err != nil {
		return res, fmt.Errorf("warehouse: record FX state: %w", err)
	}
	return res, nil
}

// execRetry runs a statement on the run's session, retrying it when
// PostgreSQL aborted it to break a deadlock with a concurrent run.
func (r *Run) execRetry(ctx context.Context, q string, args ...any) (int64, error) {
	for attempt := 1; ; attempt++ {
		res, err := r.conn.ExecContext(ctx, q, args...)
		if attempt < 3 && isSQLState(err, deadlockDetected) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
}

// LastSucceededRun returns the id of the connector's last succeeded run
// before this one (0 if none): rows with a later run_id were written by
// this run or by runs that did not finish.
func (r *Run) LastSucceededRun(ctx context.Context) (int64, error) {
	var id int64
	err := r.db.QueryRowContext(ctx, `SELECT coalesce(max(run_id), 0) FROM ops.sync_runs
		WHERE connector = $1 AND run_id < $2 AND status = 'succeeded'`, r.Connector, r.ID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("warehouse: last succeeded run of %s: %w", r.Connector, err)
	}
	return id, nil
}
