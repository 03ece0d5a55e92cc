package report

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/config"
)

// The section builders below each fill one part of Data from one report
// view (or, for stage times, core.orders).

func buildCohorts(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	first, _ := months(d.AsOf, opt.Months)
	rows, err := db.QueryContext(ctx, `
		SELECT cohort_month, age_months, retention_pct::text, cohort_customers::text
		FROM report.cohort_retention
		WHERE cohort_month >= $1 AND age_months < $2
		ORDER BY cohort_month, age_months`, first, opt.Months)
	if err != nil {
		return fmt.Errorf("report: cohorts: %w", err)
	}
	defer rows.Close()
	idx := map[string]int{}
	for rows.Next() {
		var c time.Time
		var age int
		var v, size sql.NullString
		if err := rows.Scan(&c, &age, &v, &size); err != nil {
			return fmt.Errorf("report: cohorts: %w", err)
		}
		label := c.Format("2006-01")
		i, ok := idx[label]
		if !ok {
			i = len(d.Cohorts.Rows)
			idx[label] = i
			d.Cohorts.Rows = append(d.Cohorts.Rows, CohortRow{Cohort: label, Customers: strPtr(size), Cells: []*string{}})
		}
		r := &d.Cohorts.Rows[i]
		for len(r.Cells) <= age {
			r.Cells = append(r.Cells, nil)
		}
		r.Cells[age] = strPtr(v)
		d.Cohorts.MaxAge = max(d.Cohorts.MaxAge, age)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: cohorts: %w", err)
	}
	return nil
}

func buildCapital(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	first, _ := months(d.AsOf, opt.Months)
	rows, err := db.QueryContext(ctx, `
		SELECT period_start, retention_value::text, ramp_up_value::text, referral_value::text,
		       other_new_value::text, total_revenue::text
		FROM report.customer_capital
		WHERE grain = 'month' AND segment = 'all' AND period_start >= $1
		  AND period_start + interval '1 month' <= as_of + 1
		ORDER BY period_start`, first)
	if err != nil {
		return fmt.Errorf("report: customer capital: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p time.Time
		var a, b, c, e, t sql.NullString
		if err := rows.Scan(&p, &a, &b, &c, &e, &t); err != nil {
			return fmt.Errorf("report: customer capital: %w", err)
		}
		d.Capital = append(d.Capital, Capital{Period: p.Format("2006-01"), Retention: strPtr(a), RampUp: strPtr(b),
			Referral: strPtr(c), OtherNew: strPtr(e), Total: strPtr(t)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: customer capital: %w", err)
	}
	return nil
}

func buildFlow(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	first, _ := months(d.AsOf, opt.Months)
	rows, err := db.QueryContext(ctx, `
		SELECT period_start, flow_velocity::text, flow_time_median_days::text, flow_time_p85_days::text,
		       flow_load::text, flow_efficiency_pct::text, case_resolution_median_days::text
		FROM report.value_stream
		WHERE grain = 'month' AND segment = 'all' AND period_start >= $1
		  AND period_start + interval '1 month' <= as_of + 1
		ORDER BY period_start`, first)
	if err != nil {
		return fmt.Errorf("report: value stream: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p time.Time
		var v, tm, t85, l, e, c sql.NullString
		if err := rows.Scan(&p, &v, &tm, &t85, &l, &e, &c); err != nil {
			return fmt.Errorf("report: value stream: %w", err)
		}
		d.Flow = append(d.Flow, Flow{Period: p.Format("2006-01"), Velocity: strPtr(v), TimeMedian: strPtr(tm),
			TimeP85: strPtr(t85), Load: strPtr(l), Efficiency: strPtr(e), CaseDays: strPtr(c)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: value stream: %w", err)
	}
	return nil
}

// buildStages measures the median days orders done in the 90 days up to
// the as-of date spent in each value-stream stage of opt.Flow (default
// metrics.md §7): from a stage's timestamp to the next stage's. Negative
// spans from out-of-order timestamps are clipped at 0; orders missing
// either timestamp of a stage are left out of that stage.
func buildStages(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	q, args := stagesQuery(opt.Flow, d.AsOf)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("report: stage times: %w", err)
	}
	defer rows.Close()
	var stages []Stage
	total := int64(0)
	for rows.Next() {
		var s Stage
		var m sql.NullString
		if err := rows.Scan(&s.Stage, &s.State, &m, &s.Orders); err != nil {
			return fmt.Errorf("report: stage times: %w", err)
		}
		s.MedianDays, s.Display = strPtr(m), "n/a"
		if m.Valid {
			s.Display = FormatValue("", unitDays, m.String, "")
		}
		total += s.Orders
		stages = append(stages, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: stage times: %w", err)
	}
	if total > 0 {
		d.Stages = stages
	}
	return nil
}

func buildTTV(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	first, _ := months(d.AsOf, opt.Months)
	rows, err := db.QueryContext(ctx, `
		SELECT signing_cohort, ttl_median_days::text, ttl_p85_days::text, live_contracts, not_yet_live,
		       ttv_median_days::text, ttv_p85_days::text, value_reached_contracts, value_not_yet_reached,
		       ttl_km_median_days::text, ttv_km_median_days::text
		FROM report.time_to_value
		WHERE segment = 'all' AND signing_cohort >= $1
		ORDER BY signing_cohort DESC LIMIT 12`, first)
	if err != nil {
		return fmt.Errorf("report: time to value: %w", err)
	}
	defer rows.Close()
	days := func(s sql.NullString) string {
		if !s.Valid {
			return "n/a"
		}
		return FormatValue("", unitDays, s.String, "")
	}
	for rows.Next() {
		var c time.Time
		var tm, t85, vm, v85, tkm, vkm sql.NullString
		var live, notLive, reached, notReached sql.NullInt64
		if err := rows.Scan(&c, &tm, &t85, &live, &notLive, &vm, &v85, &reached, &notReached, &tkm, &vkm); err != nil {
			return fmt.Errorf("report: time to value: %w", err)
		}
		d.TimeToValue = append(d.TimeToValue, TTV{Cohort: c.Format("2006-01"), TTLMedian: days(tm), TTLKM: days(tkm), TTLP85: days(t85),
			Live: intPtr(live), NotYetLive: intPtr(notLive), TTVMedian: days(vm), TTVKM: days(vkm), TTVP85: days(v85),
			Reached: intPtr(reached), NotYetReached: intPtr(notReached)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: time to value: %w", err)
	}
	return nil
}

func buildCLV(ctx context.Context, db *sqlx.DB, d *Data, _ Options) error {
	rows, err := db.QueryContext(ctx, `
		SELECT bucket_label, bucket_from::text, bucket_to::text, customers, customers_pct::text,
		       predicted_clv_total::text
		FROM report.clv_distribution c ORDER BY c.bucket_kind = -2, c.bucket_kind, c.bucket_from`)
	if err != nil {
		return fmt.Errorf("report: clv distribution: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b CLVBucket
		var from, to, total sql.NullString
		if err := rows.Scan(&b.Label, &from, &to, &b.Customers, &b.Share, &total); err != nil {
			return fmt.Errorf("report: clv distribution: %w", err)
		}
		b.From, b.To, b.Total = strPtr(from), strPtr(to), strPtr(total)
		if from.Valid && to.Valid {
			b.Label = wholeMoney(from.String, d.Currency) + " to " + wholeMoney(to.String, d.Currency)
		}
		d.CLV = append(d.CLV, b)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: clv distribution: %w", err)
	}
	return nil
}

func buildAtRisk(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	unit := "weeks"
	var tu sql.NullString
	err := db.GetContext(ctx, &tu, `SELECT time_unit FROM metrics.model_fits ORDER BY as_of DESC, fitted_at DESC LIMIT 1`)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("report: model time unit: %w", err)
	}
	if tu.Valid && tu.String != "" {
		unit = tu.String + "s"
	}
	rows, err := db.QueryContext(ctx, `
		SELECT value_rank, customer_id, coalesce(name, ''), coalesce(segment, ''), coalesce(country, ''),
		       predicted_clv::text, historical_clv::text, p_alive, time_since_last_purchase
		FROM report.valuable_customers_at_risk WHERE value_rank <= $1 ORDER BY value_rank`, opt.AtRiskLimit)
	if err != nil {
		return fmt.Errorf("report: customers at risk: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AtRisk
		var clv, hist sql.NullString
		var pAlive, since sql.NullFloat64
		if err := rows.Scan(&a.Rank, &a.CustomerID, &a.Name, &a.Segment, &a.Country, &clv, &hist, &pAlive, &since); err != nil {
			return fmt.Errorf("report: customers at risk: %w", err)
		}
		a.PredictedCLV, a.CLVDisplay, a.HistoricalCLV, a.PAlive, a.SinceLastOrder = strPtr(clv), "n/a", "n/a", "n/a", "n/a"
		if clv.Valid {
			a.CLVDisplay = FormatValue("", unitMoney, clv.String, d.Currency)
		}
		if hist.Valid {
			a.HistoricalCLV = FormatValue("", unitMoney, hist.String, d.Currency)
		}
		if pAlive.Valid {
			a.PAlive = FormatValue("", unitPercent, decimal.NewFromFloat(pAlive.Float64*100).String(), "")
		}
		if since.Valid {
			a.SinceLastOrder = decimal.NewFromFloat(since.Float64).StringFixed(1) + " " + unit
		}
		d.AtRisk = append(d.AtRisk, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: customers at risk: %w", err)
	}
	return nil
}

func buildGlossary(ctx context.Context, db *sqlx.DB, d *Data, _ Options) error {
	if err := db.SelectContext(ctx, &d.Glossary, `
		SELECT metric_id, name, unit, formula, coalesce(basis, '') AS basis, version FROM (
		    SELECT DISTINCT ON (metric_id) * FROM metrics.definitions ORDER BY metric_id, version DESC
		) t ORDER BY name, metric_id`); err != nil {
		return fmt.Errorf("report: glossary: %w", err)
	}
	return nil
}

// stageLabels name the spans of the default mapping.
var stageLabels = map[[2]string]string{
	{"ordered_at", "fulfilled_at"}:  "Fulfilment",
	{"fulfilled_at", "invoiced_at"}: "Awaiting invoice",
	{"invoiced_at", "paid_at"}:      "Awaiting payment",
}

// stageLabel names the span from timestamp at to next, e.g. "Paid → fulfilled".
func stageLabel(at, next string) string {
	if l, ok := stageLabels[[2]string{at, next}]; ok {
		return l
	}
	h := func(s string) string { return strings.TrimSuffix(s, "_at") }
	first := h(at)
	return strings.ToUpper(first[:1]) + first[1:] + " → " + h(next)
}

// stagesQuery builds the stage-time query for a flow mapping (validated by
// config: column names come from config.FlowTimestamps only).
func stagesQuery(flow []config.FlowStage, asOf string) (string, []any) {
	if len(flow) < 2 {
		flow = config.DefaultFlow()
	}
	done := flow[len(flow)-1].At
	var parts []string
	args := []any{asOf}
	for i := 0; i+1 < len(flow); i++ {
		at, next := flow[i].At, flow[i+1].At
		args = append(args, stageLabel(at, next), flow[i].State)
		parts = append(parts, fmt.Sprintf("SELECT %d AS ord, $%d::text AS stage, $%d::text AS state, "+
			"greatest(extract(epoch FROM %s - %s), 0) / 86400 AS days FROM o", i, len(args)-1, len(args), next, at))
	}
	return fmt.Sprintf(`
		WITH o AS (
		    SELECT ordered_at, fulfilled_at, invoiced_at, paid_at FROM core.orders
		    WHERE deleted_at IS NULL AND canceled_at IS NULL AND %[1]s IS NOT NULL
		      AND %[1]s >= $1::date + 1 - 90 AND %[1]s < $1::date + 1
		), s AS (
		    %[2]s
		)
		SELECT stage, state, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days))::numeric, 2)::text, count(days)
		FROM s GROUP BY ord, stage, state ORDER BY ord`, done, strings.Join(parts, "\n\t\t    UNION ALL\n\t\t    ")), args
}
