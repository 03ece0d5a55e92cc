package report

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// reportViews are the views of migration 00004 (one per executive question).
var reportViews = []string{
	"survey_trend", "retention_churn", "cohort_retention", "ndr_grr_trend", "customer_capital",
	"clv_distribution", "valuable_customers_at_risk", "value_stream", "time_to_value", "data_freshness",
}

func TestReportViewsDocumented(t *testing.T) {
	db := newWarehouse(t)
	for _, v := range reportViews {
		var comment *string
		if err := db.Get(&comment, `SELECT obj_description(('report.' || $1)::regclass, 'pg_class')`, v); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if comment == nil || len(*comment) < 40 {
			t.Errorf("report.%s: missing COMMENT ON VIEW", v)
		}
		var missing []string
		if err := db.Select(&missing, `
			SELECT a.attname FROM pg_attribute a
			WHERE a.attrelid = ('report.' || $1)::regclass AND a.attnum > 0 AND NOT a.attisdropped
			  AND col_description(a.attrelid, a.attnum) IS NULL`, v); err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("report.%s: columns without COMMENT: %v", v, missing)
		}
	}
}

func TestReportViewsContent(t *testing.T) {
	db := newWarehouse(t)
	loadFixture(t, db, 14, 200)
	if _, err := db.Exec(`
		INSERT INTO ops.sync_runs (run_id, connector, started_at, finished_at, status)
		VALUES (100, 'live', now() - interval '5 hours', now() - interval '5 hours', 'succeeded'),
		       (101, 'live', now() - interval '3 hours', now() - interval '3 hours', 'failed'),
		       (102, 'live', now() - interval '1 hour', now() - interval '1 hour', 'partial'),
		       (103, 'live', now() - interval '8 days', now() - interval '8 days', 'partial');
		INSERT INTO ops.rejected_records (run_id, connector, stream, reason, created_at)
		VALUES (102, 'live', 'orders', 'bad', now() - interval '1 hour'), (103, 'live', 'orders', 'bad', now() - interval '8 days')`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		want        string
	}{
		{"survey pivot = metrics.values", `
			SELECT count(*) FILTER (WHERE s.nps IS DISTINCT FROM v.value)::text FROM report.survey_trend s
			JOIN metrics."values" v ON v.metric_id = 'nps' AND v.grain = s.grain AND v.period_start = s.period_start AND v.segment = s.segment`, "0"},
		{"survey rows", `SELECT count(*)::text || ' ' || count(DISTINCT segment)::text FROM report.survey_trend`, "28 2"},
		{"survey october", `SELECT nps::text || ' ' || csat_pct::text || ' ' || nps_responses FROM report.survey_trend WHERE period_start = '2026-10-01' AND segment = 'all'`, "23.5000 79.7500 113"},
		{"churn = 100 - retention", `SELECT count(*)::text FROM report.retention_churn WHERE segment = 'all' AND customer_churn_pct + customer_retention_pct <> 100`, "0"},
		{"cohort cells", `SELECT count(*)::text || ' ' || max(age_months) || ' ' || min(retention_pct) FILTER (WHERE age_months = 0) FROM report.cohort_retention`, "78 11 100"},
		{"cohort revenue retention", `SELECT revenue_retention_pct::text FROM report.cohort_retention WHERE cohort_month = '2025-11-01' AND age_months = 3`, "85"},
		{"ndr conventions", `SELECT string_agg(DISTINCT convention || ':' || left(convention_label, 14), ',') FROM report.ndr_grr_trend`, "movement:movement-based,yoy:point-in-time "},
		{"ndr yoy base months", `SELECT count(*)::text || ' ' || max(period_start) FROM report.ndr_grr_trend WHERE convention = 'yoy' AND ndr_pct IS NOT NULL AND grr_pct IS NOT NULL`, "2 2025-10-01"},
		{"capital total", `SELECT count(*) FILTER (WHERE total_revenue <> retention_value + ramp_up_value + referral_value + other_new_value)::text || ' ' || count(*) FROM report.customer_capital`, "0 14"},
		{"clv covers latest scores", `SELECT sum(customers)::text || ' ' || count(DISTINCT as_of) || ' ' || sum(customers) FILTER (WHERE bucket_kind = -2) FROM report.clv_distribution`, "200 1 2"},
		{"clv buckets", `SELECT count(*) FILTER (WHERE bucket_kind = 0 AND bucket_to NOT IN (bucket_from * 2, bucket_from * 2.5))::text FROM report.clv_distribution`, "0"},
		{"clv totals", `SELECT (sum(predicted_clv_total) = (SELECT sum(predicted_clv) FROM metrics.customer_scores WHERE as_of = '2026-10-31'))::text FROM report.clv_distribution`, "true"},
		{"at risk", `SELECT count(*)::text || ' ' || bool_and(p_alive < 0.5) || ' ' || max(predicted_clv) || ' ' || bool_and(name IS NOT NULL) FROM report.valuable_customers_at_risk`, "100 true 4987.73 true"},
		{"at risk order", `SELECT customer_id::text || ' ' || value_rank FROM report.valuable_customers_at_risk ORDER BY predicted_clv DESC LIMIT 1`, "173 1"},
		{"value stream", `SELECT flow_velocity::text || ' ' || flow_time_p85_days || ' ' || (distribution_pct ->> 'return') FROM report.value_stream WHERE grain = 'month' AND segment = 'all' AND period_start = '2026-10-01'`, "1005.0000 35.46 15"},
		{"time to value", `SELECT ttl_median_days::text || ' ' || not_yet_live || ' ' || ttv_p85_days || ' ' || value_not_yet_reached FROM report.time_to_value WHERE signing_cohort = '2026-10-01'`, "40.5 2 132 2"},
		{"freshness", `SELECT string_agg(connector || ':' || last_run_status || ':' || rejected_total || ':' || (last_success_at IS NOT NULL), ',' ORDER BY connector) FROM report.data_freshness WHERE connector <> 'live'`, "crm:succeeded:7:true,erp:failed:0:true,shop:failed:0:false"},
		// the view counts the last 7 days before the database clock
		{"freshness 7 days", `SELECT last_run_status || ':' || runs_7d || ':' || partial_runs_7d || ':' || failed_runs_7d || ':' || rejected_7d || ':' || round(hours_since_success) FROM report.data_freshness WHERE connector = 'live'`, "partial:3:1:1:1:5"},
	}
	for _, tt := range tests {
		var got *string
		if err := db.Get(&got, tt.query); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got == nil || *got != tt.want {
			t.Errorf("%s: got %v, want %q", tt.name, deref(got), tt.want)
		}
	}
}

// TestReaderRole: a login in the group role northstar_reader reads every
// report view (they run with their owner's rights) and nothing in raw,
// core, ops or metrics.
func TestReaderRole(t *testing.T) {
	db := newWarehouse(t)
	loadFixture(t, db, 3, 10)
	ctx := context.Background()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	role := "ns_bi_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE ROLE `+role+` LOGIN PASSWORD 'bi-test' IN ROLE northstar_reader`); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), `DROP ROLE IF EXISTS `+role); err != nil {
			t.Errorf("drop role: %v", err)
		}
	})
	var dsn string
	if err := db.Get(&dsn, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(whtest.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "bi-test")
	u.Path = "/" + dsn
	bi, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer bi.Close()
	// The views of 00003 and 00004 must be readable. Views of other
	// migrations are only logged: a view over a SECURITY INVOKER function
	// (00002's report.won_opportunities_without_order) checks the
	// reader's own rights on core and is denied by design of that function.
	mustRead := map[string]bool{"metric_values": true, "kpi_overview": true, "customer_scores_current": true}
	for _, v := range reportViews {
		mustRead[v] = true
	}
	var all []string
	if err := db.Select(&all, `SELECT table_name FROM information_schema.views WHERE table_schema = 'report' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, v := range all {
		var n int
		err := bi.GetContext(ctx, &n, `SELECT count(*) FROM report.`+pq.QuoteIdentifier(v))
		switch {
		case err == nil:
			read += btoi(mustRead[v])
		case mustRead[v]:
			t.Errorf("reader cannot read report.%s: %v", v, err)
		default:
			t.Logf("note: reader cannot read report.%s (another migration's view): %v", v, err)
		}
	}
	if read != len(mustRead) {
		t.Errorf("reader read %d of the %d report views it must read (views present: %v)", read, len(mustRead), all)
	}
	for _, tbl := range []string{"raw.records", "core.customers", "core.orders", "ops.sync_runs", "ops.rejected_records", `metrics."values"`, "metrics.customer_scores"} {
		var n int
		err := bi.GetContext(ctx, &n, `SELECT count(*) FROM `+tbl)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "42501" {
			t.Errorf("reader reading %s: got %v, want permission denied (42501)", tbl, err)
		}
	}
	if _, err := bi.ExecContext(ctx, `CREATE VIEW report.sneaky AS SELECT 1`); err == nil {
		t.Error("reader could create a view in schema report")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
