package report

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
)

// spec names one stored series: a metric in one segment and grain, with
// the unit the page formats it in and which direction is good news.
type spec struct {
	id, segment, grain, unit, better, name string
}

// headline lists the KPI tiles in display order.
var headline = []spec{
	{"nps", "all", "month", unitScore, "up", "Net Promoter Score"},
	{"csat", "all", "month", unitPercent, "up", "CSAT (top-2-box)"},
	{"ces", "all", "month", unitScore, "up", "Customer Effort Score"},
	{"aov", "all", "month", unitMoney, "up", "Average order value"},
	{"active_customers", "all", "month", unitCount, "up", "Active customers"},
	{"repeat_purchase_rate", "all", "month", unitPercent, "up", "Repeat-purchase rate"},
	{"customer_retention", "all", "month", unitPercent, "up", "Customer retention"},
	{"customer_churn", "all", "month", unitPercent, "down", "Customer churn"},
	{"logo_retention", "all", "month", unitPercent, "up", "Logo retention"},
	{"ndr", "convention:yoy", "month", unitPercent, "up", "Net dollar retention (YoY)"},
	{"grr", "convention:yoy", "month", unitPercent, "up", "Gross revenue retention (YoY)"},
	{"predicted_clv", "all", "as_of", unitMoney, "up", "Predicted CLV (mean)"},
	{"expected_active_customers", "all", "as_of", unitCount, "up", "Expected active customers"},
	{"flow_velocity", "all", "month", unitCount, "up", "Orders completed"},
	{"flow_time_days", "all", "month", unitDays, "down", "Order-to-cash time (median)"},
	{"flow_efficiency", "all", "month", unitPercent, "up", "Flow efficiency"},
	{"case_resolution_days", "all", "month", unitDays, "down", "Case resolution (median)"},
}

type trendSpec struct {
	id, title, note string
	series          []seriesSpec
}

type seriesSpec struct {
	id, segment, label, unit, axis string
}

// trends lists the line charts.
var trends = []trendSpec{
	{"sentiment", "Customer sentiment", "NPS (-100 to 100) and CSAT % on the left axis; CES 2.0 (1 to 7, higher is easier) on the right.",
		[]seriesSpec{{"nps", "all", "NPS", unitScore, "y"}, {"csat", "all", "CSAT %", unitPercent, "y"}, {"ces", "all", "CES", unitScore, "y2"}}},
	{"retention", "Retention and churn", "Ordering customers period over period (active = at least one order); logo retention from contracts; active customers on the right axis.",
		[]seriesSpec{{"customer_retention", "all", "Retention %", unitPercent, "y"}, {"customer_churn", "all", "Churn %", unitPercent, "y"},
			{"repeat_purchase_rate", "all", "Repeat-purchase %", unitPercent, "y"}, {"logo_retention", "all", "Logo retention %", unitPercent, "y"},
			{"active_customers", "all", "Active customers", unitCount, "y2"}}},
	{"ndr_grr", "Net and gross revenue retention", "Two conventions, never compare one with the other. YoY: MRR of the customers at base month B, twelve months later (SaaS Capital), plotted at B. Movement: one month of MRR movements (ChartMogul).",
		[]seriesSpec{{"ndr", "convention:yoy", "NDR YoY", unitPercent, "y"}, {"grr", "convention:yoy", "GRR YoY", unitPercent, "y"},
			{"ndr", "convention:movement", "NDR monthly movement", unitPercent, "y"}, {"grr", "convention:movement", "GRR monthly movement", unitPercent, "y"}}},
}

type key struct{ id, segment, grain string }

type row struct {
	start time.Time
	value *string
	n     *int64
}

// Build gathers everything the report shows from the warehouse: metrics
// (metrics.values, metrics.definitions, the report views), customer scores
// and sync health. It never fails on missing data: sections without data
// are empty and the page says "no data yet".
func Build(ctx context.Context, db *sqlx.DB, opt Options) (*Data, error) {
	if opt.Title == "" {
		opt.Title = "Customer value report"
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.AtRiskLimit <= 0 {
		opt.AtRiskLimit = 20
	}
	if opt.Months <= 0 {
		opt.Months = 24
	}
	d := &Data{
		Title: opt.Title, GeneratedAt: opt.Now.UTC().Format(time.RFC3339), Currency: opt.Currency,
		KPIs: []KPI{}, Trends: []Trend{}, Cohorts: Cohorts{Rows: []CohortRow{}}, Capital: []Capital{},
		CLV: []CLVBucket{}, Flow: []Flow{}, Stages: []Stage{}, TimeToValue: []TTV{}, AtRisk: []AtRisk{},
		Health: Health{Connectors: []Connector{}, TopRejects: []Reject{}}, Glossary: []Term{},
	}
	var asOf sql.NullTime
	if err := db.GetContext(ctx, &asOf, `SELECT max(as_of) FROM metrics."values"`); err != nil {
		return nil, fmt.Errorf("report: as_of: %w", err)
	}
	steps := []func(context.Context, *sqlx.DB, *Data, Options) error{buildHealth, buildGlossary}
	if asOf.Valid {
		d.AsOf = asOf.Time.Format(time.DateOnly)
		steps = append(steps, buildSeries, buildCohorts, buildCapital, buildFlow, buildStages, buildTTV)
	}
	steps = append(steps, buildCLV, buildAtRisk)
	for _, step := range steps {
		if err := step(ctx, db, d, opt); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// months returns the first day of the first month shown and the labels
// of the complete months up to the as-of date (the month of as_of counts
// when as_of is its last day).
func months(asOf string, n int) (time.Time, []string) {
	t, _ := time.Parse(time.DateOnly, asOf)
	next := t.AddDate(0, 0, 1)
	last := time.Date(next.Year(), next.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	first := last.AddDate(0, -(n - 1), 0)
	labels := make([]string, 0, n)
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		labels = append(labels, m.Format("2006-01"))
	}
	return first, labels
}

func buildSeries(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	first, labels := months(d.AsOf, opt.Months)
	var ids, segs, grains []string
	add := func(id, seg, grain string) {
		ids, segs, grains = append(ids, id), append(segs, seg), append(grains, grain)
	}
	for _, h := range headline {
		add(h.id, h.segment, h.grain)
	}
	for _, t := range trends {
		for _, s := range t.series {
			add(s.id, s.segment, "month")
		}
	}
	rows, err := db.QueryContext(ctx, `
		SELECT v.metric_id, v.segment, v.grain, v.period_start, v.value::text, v.n
		FROM metrics."values" v
		JOIN unnest($1::text[], $2::text[], $3::text[]) w(metric_id, segment, grain)
		  ON w.metric_id = v.metric_id AND w.segment = v.segment AND w.grain = v.grain
		WHERE v.grain = 'as_of'
		   OR (v.period_start >= $4 AND v.period_start + interval '1 month' <= v.as_of + 1)
		GROUP BY 1, 2, 3, 4, 5, 6
		ORDER BY 1, 2, 3, 4`, pq.Array(ids), pq.Array(segs), pq.Array(grains), first)
	if err != nil {
		return fmt.Errorf("report: series: %w", err)
	}
	defer rows.Close()
	series := map[key][]row{}
	for rows.Next() {
		var k key
		var r row
		var v sql.NullString
		var n sql.NullInt64
		if err := rows.Scan(&k.id, &k.segment, &k.grain, &r.start, &v, &n); err != nil {
			return fmt.Errorf("report: series: %w", err)
		}
		r.value = strPtr(v)
		if n.Valid {
			r.n = &n.Int64
		}
		series[k] = append(series[k], r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: series: %w", err)
	}
	names, err := definitionNames(ctx, db)
	if err != nil {
		return err
	}
	for _, h := range headline {
		rs := series[key{h.id, h.segment, h.grain}]
		if len(rs) == 0 {
			continue
		}
		d.KPIs = append(d.KPIs, kpi(h, rs, names, d.Currency))
	}
	for _, t := range trends {
		tr := Trend{ID: t.id, Title: t.title, Note: t.note, Labels: labels, Series: []Series{}}
		for _, s := range t.series {
			byMonth := map[string]*string{}
			for _, r := range series[key{s.id, s.segment, "month"}] {
				byMonth[r.start.Format("2006-01")] = r.value
			}
			vals, any := make([]*string, len(labels)), false
			for i, l := range labels {
				vals[i] = byMonth[l]
				any = any || vals[i] != nil
			}
			if any {
				tr.Series = append(tr.Series, Series{MetricID: s.id, Segment: s.segment, Label: s.label, Unit: s.unit, Axis: s.axis, Values: vals})
			}
		}
		if len(tr.Series) > 0 {
			trimLeading(&tr)
			d.Trends = append(d.Trends, tr)
		}
	}
	return nil
}

// trimLeading drops the leading months in which no series has a value,
// so that a young warehouse does not show an empty half chart.
func trimLeading(tr *Trend) {
	first := len(tr.Labels)
	for _, s := range tr.Series {
		for i, v := range s.Values {
			if v != nil {
				first = min(first, i)
				break
			}
		}
	}
	tr.Labels = tr.Labels[first:]
	for i := range tr.Series {
		tr.Series[i].Values = tr.Series[i].Values[first:]
	}
}

// kpi turns the stored periods of one headline metric (oldest first)
// into a tile: the latest, the one before, change, tone and sparkline.
func kpi(h spec, rs []row, names map[string]string, currency string) KPI {
	cur := rs[len(rs)-1]
	k := KPI{MetricID: h.id, Name: h.name, Unit: h.unit, Segment: h.segment, Grain: h.grain, Better: h.better,
		PeriodStart: cur.start.Format(time.DateOnly), Value: cur.value, N: cur.n, Display: "n/a", Spark: []Point{}}
	if n, ok := names[h.id]; ok && n != "" {
		k.Name = n
	}
	if cur.value != nil {
		k.Display = FormatValue(h.id, h.unit, *cur.value, currency)
	}
	if len(rs) > 1 {
		prev := rs[len(rs)-2]
		s := prev.start.Format(time.DateOnly)
		k.PreviousStart, k.Previous, k.PreviousDisplay = &s, prev.value, "n/a"
		if prev.value != nil {
			k.PreviousDisplay = FormatValue(h.id, h.unit, *prev.value, currency)
		}
		if cur.value != nil && prev.value != nil {
			a, errA := decimal.NewFromString(*cur.value)
			b, errB := decimal.NewFromString(*prev.value)
			if errA == nil && errB == nil {
				cs := a.Sub(b).String()
				// The displayed change is the difference of the displayed
				// values, so that "24, before 32" reads "-8", not "-9".
				ch := displayRound(h.id, h.unit, a).Sub(displayRound(h.id, h.unit, b))
				k.Change, k.ChangeDisplay = &cs, FormatChange(h.id, h.unit, ch, currency)
				k.Direction, k.Tone = direction(ch), tone(h.better, ch)
				if ch.IsZero() || k.ChangeDisplay == FormatChange(h.id, h.unit, decimal.Zero, currency) {
					k.ChangeDisplay, k.Direction, k.Tone = "no change", "flat", "neutral"
				}
			}
		}
	}
	from := max(0, len(rs)-12)
	for _, r := range rs[from:] {
		k.Spark = append(k.Spark, Point{Period: r.start.Format(time.DateOnly), Value: r.value})
	}
	return k
}

func definitionNames(ctx context.Context, db *sqlx.DB) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"metric_id"`
		Name string `db:"name"`
	}
	if err := db.SelectContext(ctx, &rows, `
		SELECT DISTINCT ON (metric_id) metric_id, name FROM metrics.definitions
		ORDER BY metric_id, version DESC`); err != nil {
		return nil, fmt.Errorf("report: definitions: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// wholeMoney formats a bucket edge: without decimals when it is whole.
func wholeMoney(s, currency string) string {
	out := FormatValue("", unitMoney, s, currency)
	return strings.TrimSuffix(out, ".00")
}

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func intPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}
