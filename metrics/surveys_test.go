package metrics

import (
	"testing"
)

func TestSurveyMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	march := ts("2025-03-10T12:00")
	// metrics.md worked examples, anonymous responses (each counts).
	f.scores("nps", 0, 10, march, 10, 9, 9, 8, 7, 6, 0, 10, 5, 9)
	f.scores("csat", 1, 5, march, 5, 4, 3, 5, 2, 1, 4, 4, 5, 3)
	f.scores("ces", 1, 7, march, 7, 6, 5, 4, 2, 7, 3, 6)
	f.survey(survey{Instrument: "nps", Score: "0", Min: 0, Max: 10, At: march, Deleted: true})
	// April: one customer answers twice (latest counts), one anonymous
	// detractor, one invalid score, CSAT on a 1–10 scale.
	x := f.customer(cust{Segment: "enterprise"})
	f.survey(survey{Customer: x, Instrument: "nps", Score: "0", Min: 0, Max: 10, At: ts("2025-04-02"), Touchpoint: "support"})
	f.survey(survey{Customer: x, Instrument: "nps", Score: "10", Min: 0, Max: 10, At: ts("2025-04-20"), Touchpoint: "support"})
	f.survey(survey{Instrument: "nps", Score: "6", Min: 0, Max: 10, At: ts("2025-04-21"), Source: "shop"})
	f.survey(survey{Instrument: "nps", Score: "11", Min: 0, Max: 10, At: ts("2025-04-22")})
	f.survey(survey{Instrument: "nps", Score: "7.5", Min: 0, Max: 10, At: ts("2025-04-22")})
	f.scores("csat", 1, 10, ts("2025-04-05"), 9, 10, 8)
	// After the as-of date: invisible.
	f.scores("nps", 0, 10, ts("2025-07-01T00:30"), 0, 0, 0)

	f.refresh("2025-06-30")
	f.checkAll([]check{
		{metric: "nps", period: "2025-03-01", value: "20", num: "2", den: "10", n: 10},
		{metric: "nps", period: "2025-01-01", grain: "quarter", value: "20", n: 10},
		{metric: "nps", period: "2025-01-01", grain: "year", value: "16.67", num: "2", den: "12", n: 12},
		{metric: "nps", period: "2025-03-01", segment: "source:crm", value: "20", n: 10},
		{metric: "csat", period: "2025-03-01", value: "60", num: "6", den: "10", n: 10},
		{metric: "csat_mean", period: "2025-03-01", value: "3.6", num: "36", den: "10", n: 10},
		{metric: "ces", period: "2025-03-01", value: "5.0", num: "40", den: "8", n: 8},
		{metric: "ces_easy_pct", period: "2025-03-01", value: "62.5", num: "5", den: "8", n: 8},
		// Dedup: customer x counts once with the latest score (10).
		{metric: "nps", period: "2025-04-01", value: "0", num: "0", den: "2", n: 2},
		{metric: "nps", period: "2025-04-01", segment: "touchpoint:support", value: "100", n: 1},
		{metric: "nps", period: "2025-04-01", segment: "segment:enterprise", value: "100", n: 1},
		{metric: "nps", period: "2025-04-01", segment: "source:shop", value: "-100", n: 1},
		{metric: "csat", period: "2025-04-01", value: "66.67", num: "2", den: "3", n: 3},
		// csat_mean never mixes scales: no 1–5 responses in April.
		{metric: "csat_mean", period: "2025-04-01", value: "NULL", n: 0},
		// Empty periods: NULL, never 0.
		{metric: "nps", period: "2025-05-01", value: "NULL", den: "0", n: 0},
		{metric: "csat", period: "2025-06-01", value: "NULL", n: 0},
		{metric: "ces", period: "2025-04-01", value: "NULL", n: 0},
	})
	ces := f.get("ces_easy_pct", "2025-03-01", "month", "all")
	if got := detail(t, ces, "difficult_pct"); got != 25 {
		t.Errorf("difficult_pct = %v, want 25", got)
	}
	if got := detail(t, ces, "net_easy"); got != 37.5 {
		t.Errorf("net_easy = %v, want 37.5", got)
	}
	apr := f.get("nps", "2025-04-01", "month", "all")
	if got := detail(t, apr, "invalid"); got != 2 {
		t.Errorf("invalid NPS responses = %v, want 2 (11 and 7.5 rejected, not clamped)", got)
	}
	if got := detail(t, apr, "superseded"); got != 1 {
		t.Errorf("superseded = %v, want 1", got)
	}
	if _, ok := f.lookup("nps", "2025-07-01", "month", "all"); ok {
		t.Error("a response after the as-of date produced a July value")
	}
	if got := detail(t, f.get("csat_mean", "2025-04-01", "month", "all"), "other_scales"); got != 3 {
		t.Errorf("csat_mean other_scales = %v, want 3", got)
	}

	// The satisfied set of the 1–5 scale is configurable.
	f.refresh("2025-06-30", func(o *Options) { o.CSATSatisfied = []int{5} })
	f.checkAll([]check{
		{metric: "csat", period: "2025-03-01", value: "30", num: "3", den: "10", n: 10},
		{metric: "csat", period: "2025-04-01", value: "66.67", n: 3},
	})
}
