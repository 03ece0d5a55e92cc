package metrics

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// ErrDefinitionChanged reports a catalogue formula that differs from the
// stored text of the same (metric id, version): bump Version in Catalogue.
var ErrDefinitionChanged = errors.New("metric definition changed without a version bump")

// Summary describes one refresh.
type Summary struct {
	AsOf     time.Time      // the as-of date used
	Values   int            // rows written to metrics.values
	ByMetric map[string]int // rows per metric id
	Models   []string       // models fitted and stored in metrics.model_fits
	Scores   int            // rows written to metrics.customer_scores
	Duration time.Duration
}

// Refresh stores the catalogue in metrics.definitions and recomputes every
// metric as of opt.AsOf: in one transaction it replaces all of
// metrics.values (as_of = AsOf), then fits the CLV models and replaces the
// model fits and customer scores of that as_of date. Data with timestamps
// at or after AsOf+1 day in opt.TZ is ignored, so refreshing as of a past
// date restates the metrics as they were then.
func Refresh(ctx context.Context, db *sqlx.DB, opt Options) (Summary, error) {
	start := time.Now()
	opt, _, err := opt.withDefaults(time.Now())
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{AsOf: opt.AsOf, ByMetric: map[string]int{}}
	if err := syncDefinitions(ctx, db); err != nil {
		return sum, err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return sum, fmt.Errorf("metrics: begin: %w", err)
	}
	defer tx.Rollback()
	// Refreshes replace whole tables: serialise them across processes.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('northstar.metrics.refresh'))`); err != nil {
		return sum, fmt.Errorf("metrics: lock: %w", err)
	}
	if err := computeValues(ctx, tx, opt); err != nil {
		return sum, err
	}
	if err := clvModels(ctx, tx, opt, &sum); err != nil {
		return sum, err
	}
	if err := storeValues(ctx, tx); err != nil {
		return sum, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT metric_id, count(*) FROM metrics."values" GROUP BY 1`)
	if err != nil {
		return sum, fmt.Errorf("metrics: count values: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return sum, fmt.Errorf("metrics: count values: %w", err)
		}
		sum.ByMetric[id] = n
		sum.Values += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("metrics: count values: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return sum, fmt.Errorf("metrics: commit: %w", err)
	}
	sum.Duration = time.Since(start)
	opt.Logger.Info("metrics refreshed", "as_of", opt.AsOf.Format(time.DateOnly), "values", sum.Values,
		"models", strings.Join(sum.Models, ","), "scores", sum.Scores, "duration", sum.Duration)
	return sum, nil
}

// syncDefinitions upserts the catalogue. Texts other than the formula may
// be refined in place; a changed formula needs a new version.
func syncDefinitions(ctx context.Context, db *sqlx.DB) error {
	for _, d := range Catalogue() {
		var stored string
		err := db.QueryRowxContext(ctx, `
			INSERT INTO metrics.definitions (metric_id, version, name, formula, unit, grain, basis, description)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (metric_id, version) DO UPDATE
			SET name = EXCLUDED.name, unit = EXCLUDED.unit, grain = EXCLUDED.grain,
			    basis = EXCLUDED.basis, description = EXCLUDED.description
			RETURNING formula`,
			d.ID, d.Version, d.Name, d.Formula, d.Unit, d.Grain, d.Basis, d.Segments).Scan(&stored)
		if err != nil {
			return fmt.Errorf("metrics: store definition %s v%d: %w", d.ID, d.Version, err)
		}
		if stored != d.Formula {
			return fmt.Errorf("metrics: %s v%d: stored formula %q differs from catalogue %q: bump Version in metrics/catalogue.go: %w",
				d.ID, d.Version, stored, d.Formula, ErrDefinitionChanged)
		}
	}
	return nil
}

// computeValues runs the embedded SQL files in name order inside tx; they
// fill the temporary table ns_values.
func computeValues(ctx context.Context, tx *sqlx.Tx, opt Options) error {
	sat := make([]int64, len(opt.CSATSatisfied))
	for i, s := range opt.CSATSatisfied {
		sat[i] = int64(s)
	}
	// The queries are many and short; JIT compilation would cost more than
	// it saves (temporary tables have no statistics, so costs look high).
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("metrics: session settings: %w", err)
	}
	_, err := tx.ExecContext(ctx, `
		CREATE TEMP TABLE ns_param ON COMMIT DROP AS
		SELECT $1::date AS as_of, $2::text AS tz,
		       (($1::date + 1)::timestamp AT TIME ZONE $2::text) AS cutoff,
		       $3::int[] AS csat_satisfied, $4::numeric AS ttv_threshold, $5::numeric AS margin,
		       $6::text AS retention_fx`,
		opt.AsOf.Format(time.DateOnly), opt.TZ, pq.Array(sat),
		strconv.FormatFloat(opt.TTVThreshold, 'g', -1, 64), strconv.FormatFloat(opt.CLV.Margin, 'g', -1, 64),
		opt.RetentionFX)
	if err != nil {
		return fmt.Errorf("metrics: parameters: %w", err)
	}
	names, err := fs.Glob(sqlFiles, "sql/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := sqlFiles.ReadFile(name)
		if err != nil {
			return err
		}
		t := time.Now()
		if name == "sql/06_flow.sql" {
			// The flow items depend on the configured stage mapping.
			if _, err := tx.ExecContext(ctx, flowItemsSQL(opt.Flow)); err != nil {
				return fmt.Errorf("metrics: flow items: %w", err)
			}
		}
		// No arguments: lib/pq sends the file as one simple query, so a
		// file may hold several statements.
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("metrics: %s: %w", name, err)
		}
		opt.Logger.Debug("metrics sql", "file", name, "duration", time.Since(t))
	}
	return nil
}

// storeValues replaces metrics.values with ns_values, stamping each row
// with its catalogue version.
func storeValues(ctx context.Context, tx *sqlx.Tx) error {
	cat := Catalogue()
	ids := make([]string, len(cat))
	versions := make([]int64, len(cat))
	for i, d := range cat {
		ids[i], versions[i] = d.ID, int64(d.Version)
	}
	var unknown sql.NullString
	err := tx.QueryRowContext(ctx, `
		SELECT string_agg(DISTINCT v.metric_id, ', ') FROM ns_values v
		WHERE v.metric_id <> ALL ($1::text[])`, pq.Array(ids)).Scan(&unknown)
	if err != nil {
		return fmt.Errorf("metrics: check ids: %w", err)
	}
	if unknown.Valid {
		return fmt.Errorf("metrics: values for metric ids missing from the catalogue: %s", unknown.String)
	}
	var dup sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT metric_id || ' ' || period_start || ' ' || grain || ' ' || segment
		FROM ns_values GROUP BY metric_id, period_start, grain, segment HAVING count(*) > 1 LIMIT 1`).Scan(&dup); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("metrics: check keys: %w", err)
	}
	if dup.Valid {
		return fmt.Errorf("metrics: computed two values for %s (a bug in the metric SQL)", dup.String)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM metrics."values"`); err != nil {
		return fmt.Errorf("metrics: clear values: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, period_end,
		                              value, numerator, denominator, n, details, as_of)
		SELECT v.metric_id, v.period_start, v.grain, v.segment, d.version,
		       coalesce(v.period_end, CASE v.grain
		           WHEN 'month'   THEN (v.period_start + interval '1 month')::date
		           WHEN 'quarter' THEN (v.period_start + interval '3 months')::date
		           WHEN 'year'    THEN (v.period_start + interval '1 year')::date END),
		       v.value, v.numerator, v.denominator, v.n, v.details, p.as_of
		FROM ns_values v
		JOIN unnest($1::text[], $2::int[]) AS d(metric_id, version) ON d.metric_id = v.metric_id
		CROSS JOIN ns_param p`, pq.Array(ids), pq.Array(versions))
	if err != nil {
		return fmt.Errorf("metrics: store values: %w", err)
	}
	return nil
}
