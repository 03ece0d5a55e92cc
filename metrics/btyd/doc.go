// Package btyd implements the "buy-till-you-die" customer-lifetime-value
// models of metrics.md §6: the calibration summary (x, t_x, T, m_x), the
// BG/NBD and Pareto/NBD purchase models, the Gamma-Gamma spend model and
// the discounted CLV of §6.5.
//
// Contract:
//
//   - Pure computation: no I/O, no logging, no globals. Fits take a
//     context and stop with its error when it is cancelled.
//   - One time unit per summary (Day, Week or Month = 365.25/12 days =
//     4.348 weeks); every model and prediction uses the unit of the data
//     it was fitted on. CLV takes its step length Δ explicitly in that unit
//     (for monthly steps on weekly data: Month.In(Week)).
//   - BuildSummary merges same-day purchases into one occasion, counts x
//     as the occasions after the first day up to the inclusive calibration
//     end, and takes m_x as the decimal mean of the repeat occasions (the
//     first is excluded). It reproduces the published CDNOW summary.
//   - Fits maximise the likelihood of metrics.md §6.2–6.4 over
//     log-parameters with gonum/optimize (BFGS with an analytic gradient
//     for BG/NBD and Gamma-Gamma, Nelder–Mead with restarts for all, best
//     point kept). Customers with identical (x, t_x, T) are grouped
//     exactly (no rounding). Fit.Converged means the gradient of the mean
//     negative log-likelihood in log-parameter space is below 1e-5.
//     Degenerate data (all x = 0, one customer) yields finite parameters
//     on the boundary with Converged possibly false, not an error.
//   - Predictions never return NaN or ±Inf for valid input (finite,
//     non-negative, whole x, t_x <= T, parameters > 0): P(alive) is
//     computed from its log-odds and is exactly 0 past e^709; 2F1 series
//     are summed with rescaling and the power factors applied in log
//     space. For BG/NBD, E[X(t)] and E[Y(t)|·] choose between the literal
//     and the Euler-transformed Gauss series and fall back to a tanh-sinh
//     integral where both would lose accuracy (z → 1 with huge r, a+b < 1).
//     Pareto/NBD sums an Euler-transformed series of positive terms; it is
//     truncated at 2e5 terms (finite but less accurate) only when α < β,
//     x = 0 or 1 and (α+t_x)/(β+t_x) < ~2e-4.
//   - Model parameters are plain structs with JSON tags, meant to be stored
//     as metrics.model_fits.params.
//   - Money: amounts enter BuildSummary as decimal.Decimal and are summed
//     exactly; m_x, E[M] and CLV are statistical expectations and are
//     float64. Convert them to decimal at the reporting boundary.
package btyd
