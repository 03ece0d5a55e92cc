// Package generate builds a realistic, reproducible synthetic company — the
// customers of an industrial equipment and software vendor with their
// contacts, orders and order lines, subscription contracts, survey responses
// and support cases — for `northstar demo`, tests, benchmarks and the CRM and
// ERP emulators.
//
// Contract:
//   - Deterministic: the same Options give the same entities and byte-identical
//     files. All randomness comes from math/rand/v2 PCG sources seeded from
//     Options.Seed (one source per customer and purpose); there is no clock
//     and no map iteration in the output path.
//   - Streaming: Generate hands entities to a Sink customer by customer, so
//     memory is bounded by one customer's facts (plus a set of used domains
//     and one int64 per customer), not by the number of orders.
//   - Plausible by construction, so the metrics of metrics.md have something
//     to measure: customers are acquired over [Start, End) with growth
//     (cohorts); repeat buying follows a BG/NBD process per customer (weekly
//     rate λ ~ Gamma(R) scaled by a calibration to OrdersPerCustomer, dropout
//     p ~ Beta(A, B) after each repeat purchase); order value follows a
//     Gamma-Gamma spend model with a per-customer mean; customers start in
//     one or two product categories and ramp up into others; ~15 % are
//     referred by a customer acquired earlier; ~40 % hold a subscription
//     whose MRR expands, contracts and churns, with go-live (some not yet
//     live, some pilots live before signature) and adoption; survey scores
//     fall before dropout and churn; ~3 % of orders are canceled, ~1 % are
//     invoiced before they are fulfilled (out of order, flagged), ~2 % are
//     followed by a return or credit note (negative amounts).
//   - Censored at End: nothing happens at or after End; stages that would
//     come later are empty and statuses say how far each item got. The one
//     future timestamp is the start_at of a pending contract (signed before
//     End, service scheduled to start after it).
//   - Every field written is a unified field of its stream
//     (northstar.Stream.Fields); times are RFC 3339 UTC, amounts plain
//     decimal text in the customer's currency (two decimals), never float.
//
// DailyRates gives the exchange rates of the company's currencies for every
// business day (a seeded, mean-reverting random walk around the reference
// rates: about ±2 %; no weekend rates, so weekend facts take Friday's).
//
// WriteFiles writes the company as CSV or JSON Lines files, one per stream
// (optionally split by rows) plus fx_rates with the daily rates quoted in
// Options.FXBase, and returns a Manifest with row counts, sizes, SHA-256 sums
// and the Truth summary.
package generate
