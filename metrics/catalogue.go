package metrics

// Definition is one governed metric: what it measures and how. A change
// of Formula is a new Version; every stored value names the version used.
type Definition struct {
	ID      string
	Version int
	Name    string
	Formula string
	Unit    string // percent, ratio, count, money, days, score, per_period
	Grain   string // month, quarter, year, cohort, customer, as_of
	Basis   string // revenue basis or data the metric is computed from
	// Segments lists the slices stored in metrics.values.segment (stored
	// as metrics.definitions.description).
	Segments string
}

// Slices shared by many metrics.
const (
	segCustomer = "all; segment:<customer segment>; grains month, quarter, year"
	segSurvey   = "all; segment:<customer segment>; touchpoint:<touchpoint>; source:<connector>; grains month, quarter, year"
)

// Catalogue returns every metric id of the contract with its definition.
func Catalogue() []Definition {
	return []Definition{
		{"nps", 1, "Net Promoter Score", "100 × (#promoters(9–10) − #detractors(0–6)) / #responses; passives (7–8) count in the denominator; latest response per customer per period", "score", "month", "survey responses, instrument nps, scale 0–10", segSurvey},
		{"csat", 1, "Customer satisfaction (top-2-box)", "100 × #responses with score in the satisfied set (default {4,5} on 1–5; top two of other scales) / #responses", "percent", "month", "survey responses, instrument csat", segSurvey},
		{"csat_mean", 1, "Customer satisfaction (mean score)", "mean(score) over csat responses of one scale", "score", "month", "survey responses, instrument csat", segSurvey},
		{"ces", 1, "Customer Effort Score (CES 2.0 mean)", "mean(score) on the 1–7 agreement scale, higher is better", "score", "month", "survey responses, instrument ces", segSurvey},
		{"ces_easy_pct", 1, "Customer effort: easy share", "100 × #score in {5,6,7} / #responses (1–7 scale); difficult share = #score in {1,2,3} / n in details", "percent", "month", "survey responses, instrument ces", segSurvey},
		{"aov", 1, "Average order value", "Σ amount_reporting of orders in P / #orders in P; canceled and deleted orders excluded; zero-value orders count", "money", "month", "order amount (net, as sent by the source), reporting currency at the order-date rate", segCustomer},
		{"repeat_purchase_rate", 1, "Repeat-purchase rate", "#customers with ≥ 2 purchase occasions (customer-days) in P / #customers with ≥ 1 in P", "percent", "month", "orders (customer-days)", segCustomer},
		{"active_customers", 1, "Active customers", "#customers with ≥ 1 order in P", "count", "month", "orders", segCustomer},
		{"customer_retention", 1, "Customer retention (non-contractual, period-over-period)", "|active(P) ∩ active(P−1)| / |active(P−1)|", "percent", "month", "orders (active = ≥ 1 order in the period)", segCustomer},
		{"customer_churn", 1, "Customer churn (non-contractual)", "1 − customer_retention", "percent", "month", "orders", segCustomer},
		{"cohort_retention", 1, "Cohort retention (logo)", "R[c][k] = |{i ∈ cohort c active in month c+k}| / |cohort c|; cohort = month of the first non-canceled order; segment 'age:NN'; revenue retention (revenue in c+k / revenue in c) in details", "percent", "cohort", "orders", "age:NN (months since the cohort month, 00 = acquisition month); grain cohort, period_start = cohort month"},
		{"ndr", 2, "Net dollar retention", "(a) point-in-time YoY: Σ MRR_i(B+12) / Σ MRR_i(B) over customers with MRR > 0 at B (segment convention:yoy); (b) movement-based: 1 − (churn + contraction − expansion − reactivation) / MRR_start (segment convention:movement); MRR of a month = rows in force at its end, at the MRR valid then; constant FX: both months at the base month's daily rate (metrics.retention_fx: base_period), or each contract row at its own rate (contract); new business excluded", "percent", "month", "contracted MRR (contracts), constant FX", "convention:yoy (period_start = base month B, period_end = end of B+12); convention:movement (month)"},
		{"grr", 2, "Gross revenue retention", "(a) Σ min(MRR_i(B+12), MRR_i(B)) / Σ MRR_i(B) (segment convention:yoy); (b) 1 − (churn + contraction) / MRR_start (segment convention:movement); month-end MRR at the MRR valid then; constant FX as for ndr (metrics.retention_fx)", "percent", "month", "contracted MRR (contracts), constant FX", "convention:yoy (period_start = base month B, period_end = end of B+12); convention:movement (month)"},
		{"logo_retention", 1, "Logo retention (contractual)", "1 − churn; churn(P) = #customers whose subscriptions all ended in P (excluding those who joined in P) / #customers at start of P (ChartMogul); YoY variant in segment convention:yoy", "percent", "month", "contracts (churn recognised at end of service period)", "all; segment:<customer segment> (monthly, ChartMogul); convention:yoy (period_start = base month B)"},
		{"retention_value", 1, "Customer capital: retention value", "Σ line revenue in P from customers acquired before P on categories they bought before P", "money", "month", "order lines, reporting currency", "all; segment:<customer segment>; grain month"},
		{"ramp_up_value", 1, "Customer capital: ramp-up value", "Σ line revenue in P from customers acquired before P on categories new to them (category set frozen at the start of P)", "money", "month", "order lines, reporting currency", "all; segment:<customer segment>; grain month"},
		{"referral_value", 1, "Customer capital: referral value", "Σ revenue in P from customers acquired in P who were referred (referrer or channel = referral)", "money", "month", "order lines, reporting currency", "all; segment:<customer segment>; grain month"},
		{"other_new_value", 1, "Customer capital: other new value", "Σ revenue in P from customers acquired in P, not referred", "money", "month", "order lines, reporting currency", "all; segment:<customer segment>; grain month"},
		{"historical_clv", 1, "Historical CLV", "mean of margin × Σ order revenue in [A_i, A_i + 12 months) over the customers of an acquisition cohort whose 12-month window has ended (median, incomplete count in details)", "money", "cohort", "orders, reporting currency", "all; segment:<customer segment>; grain cohort, period_start = acquisition month"},
		{"predicted_clv", 1, "Predicted CLV (BG/NBD × Gamma-Gamma, discounted)", "mean over customers of margin × E[M] × Σ_{k=1..K} (E[Y(kΔ)] − E[Y((k−1)Δ)]) / (1+d)^k; Δ = one month in the model time unit (4.345 weeks), K = round(horizon / Δ), d per month", "money", "as_of", "orders (customer-days), BG/NBD + Gamma-Gamma", "all; grain as_of, period_start = as_of date"},
		{"expected_active_customers", 1, "Expected active customers", "Σ P(alive) over customers (BG/NBD)", "count", "as_of", "orders, BG/NBD", "all; grain as_of, period_start = as_of date"},
		{"ttl_days", 1, "Time to live (go-live)", "median (p85, not-yet-live count in details) of go_live_at − signed_at in calendar days per signing cohort; negative (pilot) values flagged and excluded", "days", "cohort", "contracts", "all; segment:<customer segment>; grain cohort, period_start = signing month"},
		{"ttv_days", 1, "Time to value", "median (p85, not-yet-reached count in details) of adopted_at − signed_at in calendar days (adopted_at = first day the adoption ratio reached the threshold), per signing cohort; negative values flagged and excluded", "days", "cohort", "contracts", "all; segment:<customer segment>; grain cohort, period_start = signing month"},
		{"flow_velocity", 2, "Flow velocity", "#orders whose Done timestamp falls in P (metrics.flow.stages; default paid_at)", "count", "month", "orders (value-stream stages)", segCustomer},
		{"flow_time_days", 2, "Flow time", "median of done − entry (first Active or Waiting stage; default paid_at − ordered_at) in days over orders done in P (p85 and mean in details)", "days", "month", "orders", segCustomer},
		{"flow_load", 2, "Flow load", "mean over the days of P of #orders with entry ≤ t < done or canceled_at, t = end of each day (default entry ordered_at, done paid_at)", "count", "month", "orders", "all; grains month, quarter, year"},
		{"flow_efficiency", 2, "Flow efficiency (pooled)", "Σ time in Active stages (default ordered → fulfilled) / Σ flow time over orders done in P; out-of-order segments clipped at 0 and flagged; undefined for an order whose missing timestamp hides a state change", "percent", "month", "orders", segCustomer},
		{"flow_distribution", 1, "Flow distribution", "velocity of each order_type / velocity (segment type:X)", "percent", "month", "orders", "type:<order_type>; grains month, quarter, year"},
		{"case_resolution_days", 1, "Support case resolution time", "median of closed_at − opened_at in days over cases closed in P (p85, mean, open count in details)", "days", "month", "support cases", segCustomer},
	}
}
