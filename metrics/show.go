package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// KPI is one headline metric: the latest complete period and the one
// before (report.kpi_overview). Numbers are decimal strings so that money
// never passes through float64; nil means undefined (e.g. no responses).
//
// JSON shape (one object per KPI, in display order):
//
//	{"metric_id":"nps","name":"Net Promoter Score","unit":"score",
//	 "segment":"all","grain":"month",
//	 "period_start":"2026-10-01","period_end":"2026-11-01",
//	 "value":"20.0","numerator":"2","denominator":"10","n":10,
//	 "previous_period_start":"2026-09-01","previous_value":"12.5",
//	 "change":"7.5","change_pct":"60","as_of":"2026-11-22",
//	 "details":{"promoters":5,...}}
//
// previous_* and change* are null when there is no earlier period; for
// grain "as_of" (predicted_clv, expected_active_customers) period_start is
// the as-of date. Units: percent values are 0–100, money is in the
// reporting currency, days are calendar days.
type KPI struct {
	MetricID            string          `json:"metric_id"`
	Name                string          `json:"name"`
	Unit                string          `json:"unit"`
	Segment             string          `json:"segment"`
	Grain               string          `json:"grain"`
	PeriodStart         string          `json:"period_start"`
	PeriodEnd           *string         `json:"period_end"`
	Value               *string         `json:"value"`
	Numerator           *string         `json:"numerator"`
	Denominator         *string         `json:"denominator"`
	N                   *int64          `json:"n"`
	PreviousPeriodStart *string         `json:"previous_period_start"`
	PreviousValue       *string         `json:"previous_value"`
	Change              *string         `json:"change"`
	ChangePct           *string         `json:"change_pct"`
	AsOf                string          `json:"as_of"`
	Details             json.RawMessage `json:"details,omitempty"`
}

// Show returns the headline KPIs of the last refresh, in display order;
// an empty slice when metrics were never refreshed.
func Show(ctx context.Context, db *sqlx.DB) ([]KPI, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT metric_id, coalesce(metric_name, metric_id), coalesce(unit, ''), segment, grain,
		       period_start, period_end, value::text, numerator::text, denominator::text, n,
		       previous_period_start, previous_value::text, change::text,
		       round(change_pct, 2)::text, as_of, details
		FROM report.kpi_overview ORDER BY sort_order`)
	if err != nil {
		return nil, fmt.Errorf("metrics: show: %w", err)
	}
	defer rows.Close()
	out := []KPI{}
	for rows.Next() {
		var k KPI
		var start, asOf time.Time
		var end, prev sql.NullTime
		var value, num, den, prevValue, change, changePct sql.NullString
		var n sql.NullInt64
		var details []byte
		if err := rows.Scan(&k.MetricID, &k.Name, &k.Unit, &k.Segment, &k.Grain, &start, &end,
			&value, &num, &den, &n, &prev, &prevValue, &change, &changePct, &asOf, &details); err != nil {
			return nil, fmt.Errorf("metrics: show: %w", err)
		}
		k.PeriodStart, k.AsOf = start.Format(time.DateOnly), asOf.Format(time.DateOnly)
		k.PeriodEnd, k.PreviousPeriodStart = dateOrNil(end), dateOrNil(prev)
		k.Value, k.Numerator, k.Denominator = strOrNil(value), strOrNil(num), strOrNil(den)
		k.PreviousValue, k.Change, k.ChangePct = strOrNil(prevValue), strOrNil(change), strOrNil(changePct)
		if n.Valid {
			k.N = &n.Int64
		}
		if len(details) > 0 {
			k.Details = json.RawMessage(details)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("metrics: show: %w", err)
	}
	return out, nil
}

func strOrNil(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func dateOrNil(t sql.NullTime) *string {
	if !t.Valid {
		return nil
	}
	s := t.Time.Format(time.DateOnly)
	return &s
}
