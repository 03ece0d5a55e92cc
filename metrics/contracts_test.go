package metrics

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// TestRetentionYoY is metrics.md §3.4's example for convention (a): base
// A=100, B=200, C=50 → A=120, B=150, C=0 a year later; new D=80 excluded.
func TestRetentionYoY(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b, c, d := f.customer(cust{}), f.customer(cust{}), f.customer(cust{}), f.customer(cust{})
	f.contract(contract{Customer: a, Start: ts("2024-01-01"), End: ts("2025-01-01"), MRR: "100"})
	f.contract(contract{Customer: a, Start: ts("2025-01-01"), MRR: "120"})
	// B in EUR at a fixed contract rate: constant FX multiplies by the
	// row's own rate.
	f.contract(contract{Customer: b, Start: ts("2024-01-01"), End: ts("2025-03-01"), MRR: "160", FXRate: "1.25"})
	f.contract(contract{Customer: b, Start: ts("2025-03-01"), MRR: "120", FXRate: "1.25"})
	f.contract(contract{Customer: c, Start: ts("2024-01-01"), End: ts("2025-02-01"), MRR: "50"})
	f.contract(contract{Customer: d, Start: ts("2024-09-01"), MRR: "80"})
	f.contract(contract{Customer: d, Start: ts("2024-01-01"), MRR: "999", Deleted: true})

	f.refresh("2025-06-30")
	f.checkAll([]check{
		{metric: "ndr", period: "2024-06-01", segment: "convention:yoy", value: "77.14", num: "270", den: "350", n: 3},
		{metric: "grr", period: "2024-06-01", segment: "convention:yoy", value: "71.43", num: "250", den: "350", n: 3},
		{metric: "logo_retention", period: "2024-06-01", segment: "convention:yoy", value: "66.67", num: "2", den: "3", n: 3},
	})
	r := f.get("ndr", "2024-06-01", "month", "convention:yoy")
	if !r.End.Valid || r.End.Time.Format(time.DateOnly) != "2025-07-01" {
		t.Errorf("yoy period_end = %v, want 2025-07-01 (end of B+12)", r.End)
	}
	// The KPI overview shows the latest complete base month and the one before.
	kpis, err := Show(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	var ndr *KPI
	for i := range kpis {
		if kpis[i].MetricID == "ndr" {
			ndr = &kpis[i]
		}
	}
	if ndr == nil || ndr.Segment != "convention:yoy" || ndr.PeriodStart != "2024-06-01" || ndr.Value == nil ||
		!near(sql.NullString{String: *ndr.Value, Valid: true}, "77.14", 2) || ndr.PreviousPeriodStart == nil ||
		*ndr.PreviousPeriodStart != "2024-05-01" || ndr.Change == nil || !near(sql.NullString{String: *ndr.Change, Valid: true}, "0", 6) {
		t.Errorf("ndr KPI = %+v", ndr)
	}
	// B+12 = 2025-07 is not complete as of 2025-06-30: no row for base 2024-07.
	if _, ok := f.lookup("ndr", "2024-07-01", "month", "convention:yoy"); ok {
		t.Error("yoy row for a base month whose comparison month is not complete")
	}
	// As of an earlier date the later contracts are invisible: base 2024-02
	// compared with 2025-02 as of 2025-02-28 (B's 150 starts in March).
	f.refresh("2025-02-28")
	f.checkAll([]check{
		{metric: "ndr", period: "2024-02-01", segment: "convention:yoy", value: "91.43", num: "320", den: "350", n: 3},
	})
}

// TestRetentionMovement is ChartMogul's example: start $100, churn $10,
// contraction $10, expansion $10 → NRR 90 %, GRR 80 %.
func TestRetentionMovement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p1, p2, p3, p4, n := f.customer(cust{Segment: "smb"}), f.customer(cust{}), f.customer(cust{}), f.customer(cust{}), f.customer(cust{})
	f.contract(contract{Customer: p1, Start: ts("2024-12-01"), End: ts("2025-02-12"), MRR: "40"})
	f.contract(contract{Customer: p1, Start: ts("2025-02-12"), MRR: "50"})
	// p2 cancels one of two subscriptions: contraction, not churn.
	f.contract(contract{Customer: p2, Start: ts("2024-12-01"), MRR: "20"})
	f.contract(contract{Customer: p2, Start: ts("2024-12-01"), End: ts("2025-02-20"), MRR: "10"})
	f.contract(contract{Customer: p3, Start: ts("2024-12-01"), MRR: "20"})
	f.contract(contract{Customer: p4, Start: ts("2024-12-01"), End: ts("2025-02-15"), MRR: "10"})
	f.contract(contract{Customer: n, Start: ts("2025-02-05"), MRR: "30"})  // new business: never a movement
	f.contract(contract{Customer: p4, Start: ts("2025-03-03"), MRR: "10"}) // reactivation in March

	f.refresh("2025-03-31")
	f.checkAll([]check{
		{metric: "ndr", period: "2025-02-01", segment: "convention:movement", value: "90", num: "90", den: "100", n: 4},
		{metric: "grr", period: "2025-02-01", segment: "convention:movement", value: "80", num: "80", den: "100", n: 4},
		{metric: "logo_retention", period: "2025-02-01", value: "75", num: "3", den: "4", n: 4},
		{metric: "logo_retention", period: "2025-02-01", segment: "segment:smb", value: "100", num: "1", den: "1", n: 1},
		// March: start 50+20+20+30 = 120, reactivation 10.
		{metric: "ndr", period: "2025-03-01", segment: "convention:movement", value: "108.33", num: "130", den: "120", n: 4},
		{metric: "grr", period: "2025-03-01", segment: "convention:movement", value: "100", num: "120", den: "120", n: 4},
	})
	feb := f.get("ndr", "2025-02-01", "month", "convention:movement")
	for key, want := range map[string]float64{"churn": 10, "contraction": 10, "expansion": 10, "reactivation": 0, "new_business_excluded": 30} {
		if got := detail(t, feb, key); got != want {
			t.Errorf("February %s = %v, want %v", key, got, want)
		}
	}
	if got := detail(t, f.get("ndr", "2025-03-01", "month", "convention:movement"), "reactivation"); got != 10 {
		t.Errorf("March reactivation = %v, want 10", got)
	}
	// January: no movement; December, the first month, has no previous snapshot.
	f.checkAll([]check{{metric: "ndr", period: "2025-01-01", segment: "convention:movement", value: "100", n: 4}})
	if _, ok := f.lookup("ndr", "2024-12-01", "month", "convention:movement"); ok {
		t.Error("movement row for the first calendar month")
	}
}

// TestLogoChurnChartMogul: 100 customers at the start, 11 cancel, 1 of
// them joined in the month → churn 10/100 = 10 %.
func TestLogoChurnChartMogul(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := 0; i < 100; i++ {
		id := f.customer(cust{})
		k := contract{Customer: id, Start: ts("2024-11-01"), MRR: "10"}
		if i < 10 {
			k.End = ts("2025-03-01").AddDate(0, 0, i) // ends in March: churn recognised in March
		}
		f.contract(k)
	}
	late := f.customer(cust{})
	f.contract(contract{Customer: late, Start: ts("2025-03-05"), End: ts("2025-03-25"), MRR: "10"})

	f.refresh("2025-03-31")
	r := f.get("logo_retention", "2025-03-01", "month", "all")
	if !near(r.Value, "90", 6) || !near(r.Den, "100", 0) {
		t.Fatalf("logo retention March = %s (%s/%s), want 90 (90/100)", show(r.Value), show(r.Num), show(r.Den))
	}
	for key, want := range map[string]float64{"churned": 10, "start_customers": 100, "churn_pct": 10, "joined_and_churned_excluded": 1} {
		if got := detail(t, r, key); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if r.Details["rule"] != "end_of_service" {
		t.Errorf("rule = %v, want end_of_service", r.Details["rule"])
	}
	// February: nobody churned.
	f.checkAll([]check{{metric: "logo_retention", period: "2025-02-01", value: "100", num: "100", den: "100", n: 100}})
}

func TestTimeToLiveAndValue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	signed := ts("2025-01-05T09:00")
	for i, days := range []int{10, 20, 30, 40} {
		c := f.customer(cust{Segment: "smb"})
		k := contract{Customer: c, Signed: signed, Start: signed, GoLive: signed.AddDate(0, 0, days), MRR: "10"}
		if i < 2 {
			k.Adopted = signed.AddDate(0, 0, 15+30*i)
		}
		f.contract(k)
	}
	c := f.customer(cust{})
	f.contract(contract{Customer: c, Signed: signed, Start: signed, MRR: "10"})                           // not live yet
	f.contract(contract{Customer: c, Signed: signed, Start: signed, GoLive: ts("2024-12-20"), MRR: "10"}) // pilot: negative
	f.contract(contract{Customer: c, Signed: signed, Start: signed, GoLive: ts("2025-06-01"), MRR: "10"}) // live after as_of
	f.contract(contract{Customer: c, Signed: ts("2025-04-01"), Start: ts("2025-04-01"), MRR: "10"})       // signed after as_of

	f.refresh("2025-03-31")
	f.checkAll([]check{
		{metric: "ttl_days", period: "2025-01-01", grain: "cohort", value: "25", n: 4},
		{metric: "ttl_days", period: "2025-01-01", grain: "cohort", segment: "segment:smb", value: "25", n: 4},
		{metric: "ttv_days", period: "2025-01-01", grain: "cohort", value: "30", n: 2},
	})
	ttl := f.get("ttl_days", "2025-01-01", "cohort", "all")
	for key, want := range map[string]float64{"p85": 35.5, "not_yet_reached": 2, "negative_excluded": 1, "contracts": 7} {
		if got := detail(t, ttl, key); got != want {
			t.Errorf("ttl %s = %v, want %v", key, got, want)
		}
	}
	if got := detail(t, f.get("ttv_days", "2025-01-01", "cohort", "all"), "not_yet_reached"); got != 5 {
		t.Errorf("ttv not_yet_reached = %v, want 5", got)
	}
	if _, ok := f.lookup("ttl_days", "2025-04-01", "cohort", "all"); ok {
		t.Error("a contract signed after the as-of date formed a cohort")
	}
}

// TestTTLKaplanMeier: right-censored contracts enter the Kaplan–Meier
// median (details.km_median) instead of being dropped.
func TestTTLKaplanMeier(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer(cust{})
	var none time.Time
	for _, k := range []struct{ signed, live string }{
		{"2025-01-01", "2025-01-11"}, // 10 days
		{"2025-01-01", "2025-01-21"}, // 20 days
		{"2025-01-02", "2025-02-01"}, // 30 days
		{"2025-01-20", ""},           // not live: censored at 15 days
		{"2025-01-05", ""},           // not live: censored at 30 days
		{"2025-02-01", "2025-02-03"}, // February: 2 days
		{"2025-02-01", ""},           // censored at 3
		{"2025-02-01", ""},           // censored at 3
	} {
		live := none
		if k.live != "" {
			live = ts(k.live)
		}
		f.contract(contract{Customer: c, Signed: ts(k.signed), Start: ts(k.signed), GoLive: live, MRR: "10"})
	}
	f.refresh("2025-02-04")
	// S(10) = 4/5, S(20) = 4/5 · 2/3 = 0.53, S(30) = 0.53 · 1/2 = 0.27: the KM
	// median is 30 days where the median over live contracts says 20.
	f.checkAll([]check{{metric: "ttl_days", period: "2025-01-01", grain: "cohort", value: "20", n: 3}})
	jan := f.get("ttl_days", "2025-01-01", "cohort", "all")
	if got := detail(t, jan, "km_median"); got != 30 {
		t.Errorf("January km_median = %v, want 30 (details %v)", got, jan.Details)
	}
	if got := detail(t, jan, "not_yet_reached"); got != 2 {
		t.Errorf("January not yet live = %v, want 2", got)
	}
	// February: S(2) = 2/3 > 0.5 and the rest is censored: not yet estimable.
	if feb := f.get("ttl_days", "2025-02-01", "cohort", "all"); feb.Details["km_median"] != nil {
		t.Errorf("February km_median = %v, want null (fewer than half live)", feb.Details["km_median"])
	}
}

// TestRetentionConstantFX: a EUR customer renewing at the same EUR MRR but
// priced at a later, higher rate is flat at base-period constant FX (both
// months at the base month's daily rate) and shows spurious expansion
// only when each contract row keeps its own rate.
func TestRetentionConstantFX(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b := f.customer(cust{}), f.customer(cust{})
	f.contract(contract{Customer: a, Start: ts("2025-01-01"), End: ts("2025-03-01"), MRR: "100", FXRate: "1.0"})
	f.contract(contract{Customer: a, Start: ts("2025-03-01"), MRR: "100", FXRate: "1.2"}) // renewal
	f.contract(contract{Customer: b, Start: ts("2025-01-01"), MRR: "100"})
	f.exec(`INSERT INTO ops.fx_rates (day, currency, rate, source) VALUES
		('2025-01-31', 'EUR', 1.0, 'ecb'), ('2025-02-27', 'EUR', 1.1, 'ecb'), ('2025-03-31', 'EUR', 1.2, 'ecb')`)

	f.refresh("2025-03-31")
	// March at February's rate 1.1: a 110 → 110, b 110 → 110.
	f.checkAll([]check{
		{metric: "ndr", period: "2025-03-01", segment: "convention:movement", value: "100", num: "220", den: "220", n: 2},
		{metric: "grr", period: "2025-03-01", segment: "convention:movement", value: "100", num: "220", den: "220", n: 2},
	})
	if fx, _ := f.get("ndr", "2025-03-01", "month", "convention:movement").Details["fx"].(string); !strings.Contains(fx, "base month") {
		t.Errorf("details.fx = %q, want the base-period convention named", fx)
	}

	f.refresh("2025-03-31", func(o *Options) { o.RetentionFX = RetentionFXContract })
	// Own rates: a 100 (row at 1.0) → 120 (renewal at 1.2): expansion 20.
	f.checkAll([]check{
		{metric: "ndr", period: "2025-03-01", segment: "convention:movement", value: "110", num: "220", den: "200", n: 2},
		{metric: "grr", period: "2025-03-01", segment: "convention:movement", value: "100", num: "200", den: "200", n: 2},
	})
}
