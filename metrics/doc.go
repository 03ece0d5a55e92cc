// Package metrics computes northstar's governed customer-value and
// value-stream metrics from the warehouse: the catalogue of definitions
// (metrics.definitions), SQL computations into metrics.values, and the
// statistical models (package btyd) into metrics.model_fits and
// metrics.customer_scores, all as of a chosen date.
//
// Contract:
//
//   - Refresh upserts Catalogue into metrics.definitions (names, units and
//     other texts may be refined in place; a changed Formula for a stored
//     (id, version) is ErrDefinitionChanged: bump Version), then, in one
//     transaction serialised by an advisory lock, replaces all of
//     metrics.values (as_of = Options.AsOf) and the model fits and customer
//     scores of that as_of date. Show reads report.kpi_overview.
//   - As of: only rows with their defining timestamp before AsOf + 1 day in
//     the reporting zone are visible, and later timestamps on visible rows
//     (fulfilment, payment, cancellation, contract end, go-live, adoption,
//     case closure) read as "not yet happened". Refreshing as of a past
//     date therefore restates the metrics as they were, and AsOf is the
//     calibration end of the CLV models. Rows with deleted_at set are
//     excluded everywhere (a deletion upstream is treated as a correction
//     and restates the past). History tables are honoured: a customer's
//     segment is the value in force at the end of AsOf in
//     core.customer_history (its earliest known value when AsOf precedes
//     its history, the current value when it has none), and a contract's
//     MRR follows the validity intervals of core.contract_history, so an
//     MRR changed in place upstream is a movement when it took effect and
//     is unknown before. Acquisition channel and referrer are not
//     historised (current values).
//   - Periods are half-open [period_start, period_end) in the reporting
//     zone; grains month, quarter, year (calendar), cohort (period_start =
//     cohort month) and as_of (period_start = AsOf). The current, partial
//     month is included; report.kpi_overview shows complete months only.
//     Every calendar period from a metric's first value to AsOf has an
//     'all' row: counts and money sums 0, ratios, means and medians NULL.
//   - Values: percent metrics are 0–100; money is in the reporting
//     currency (amount_reporting / mrr_reporting; there is no fallback to
//     source-currency amounts: rows without a reporting amount are left out
//     of money sums and counted in details); days are calendar days. Every
//     ratio stores numerator, denominator and n (means: sum and count), and
//     an empty denominator gives NULL, never 0. Re-aggregate by summing
//     numerators and denominators. details (jsonb) holds breakdowns and the
//     definition used (e.g. the churn recognition rule).
//   - Segments: 'all'; 'segment:<customer segment>'; for surveys also
//     'touchpoint:<x>' and 'source:<connector>'; flow_distribution
//     'type:<order_type>'; cohort_retention 'age:NN'; ndr and grr
//     'convention:yoy' and 'convention:movement'; logo_retention monthly
//     ('all', 'segment:…') and 'convention:yoy'. Definition.Segments lists
//     them per metric.
//   - Orders: canceled = canceled_at before the cutoff or status
//     'canceled' without a timestamp; canceled orders count nowhere except
//     flow load (until canceled_at). Purchase occasions are customer-days.
//     A_i (acquisition) = the earlier of customers.first_order_at and the
//     customer's first non-deleted order; the cohort of cohort_retention is
//     the month of the first non-canceled order. Customer capital assigns
//     every line of a non-canceled order to exactly one component, so the
//     four add up to total line revenue; lines without a category are
//     the empty category ("").
//   - Contracts: each row is one MRR level over [start_at, end_at), split
//     by its MRR history. The MRR of a month is that of the rows in force
//     at the end of the month; month-end snapshots chain, so a row that
//     ends (or starts) in a month is a movement of that month: churn is
//     recognised at the end of the service period, and only complete
//     months have snapshots. NDR/GRR compare two months at constant FX:
//     with RetentionFX base_period both at the base month's daily rate
//     (latest ops.fx_rates row on or before its last day), else — and for
//     a currency without daily rates — each row at its own fx_rate
//     (mrr_reporting when missing).
//   - CLV: customer-day summaries are streamed from SQL (only the
//     per-customer summary is held in memory) and fitted with BG/NBD,
//     Gamma-Gamma (repeaters with positive spend) and, within
//     CLVOptions.ParetoTimeout, Pareto/NBD. Fewer than MinRepeaters repeat
//     customers skips the models with a warning; predicted_clv and
//     expected_active_customers are then NULL with the reason in details.
//     Predicted CLV is discounted per month: Δ = one month in the model's
//     time unit (WeeksPerMonth).
//
// SQL lives in sql/*.sql (embedded, run in name order inside the refresh
// transaction). They read the temporary table ns_param and write the
// temporary table ns_values; see the comment at the top of each file.
package metrics
