// Package report builds northstar's executive report: one self-contained
// HTML file (the `northstar report` command and the daemon's GET /report).
//
// Build reads the warehouse — metrics.values and metrics.definitions, the
// report.* views of migration 00004 (cohort matrix, customer capital, CLV
// distribution, valuable customers at risk, value stream, time to value),
// metrics.customer_scores, core.orders (value-stream stage times) and
// ops.sync_runs / ops.rejected_records (data health) — into Data. It never
// fails because data is missing: an empty section renders "No data yet".
//
// Render writes Data as one HTML page with everything inline: CSS (system
// font stack, responsive grid, print styles), Chart.js 4.6.1 (vendored in
// assets/ with its MIT licence) for the charts, the page script, and Data
// itself as JSON in <script type="application/json" id="report-data">.
// Tiles and tables are rendered on the server, so text and numbers read
// without JavaScript; charts are drawn in the browser from the JSON. A
// Content-Security-Policy (CSP) forbids every network request, and a small
// error trap writes script errors and CSP violations into #js-errors
// (tests assert it stays empty).
//
// Numbers travel as decimal strings (money never passes through float64)
// and are formatted once, in Go (FormatValue): NPS as an integer, other
// scores and percentages with one decimal, money in the reporting currency.
// A KPI's tone says whether its change is good news: churn going up is bad.
//
// Handler serves the page over HTTP; authentication is the caller's.
package report
