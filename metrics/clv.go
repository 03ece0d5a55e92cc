package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/metrics/btyd"
)

// MinRepeaters is the fewest repeat customers (x > 0) the BTYD models are
// fitted on; with fewer, Refresh skips the models with a warning.
const MinRepeaters = 10

// WeeksPerMonth is the CLV step Δ for monthly discounting on weekly data
// (metrics.md §6.5): predicted CLV is discounted per month whatever the
// model's time unit.
const WeeksPerMonth = 4.345

// scoreRow is one customer's calibration summary and scores.
type scoreRow struct {
	id         int64
	c          btyd.Customer
	historical decimal.Decimal
	pAlive     *float64
	expected   *float64
	spend      *float64
	clv        *float64
}

// clvModels fits the BTYD models on the customer-day summaries as of
// opt.AsOf and stores model fits, customer scores and the as_of metrics
// predicted_clv and expected_active_customers (into ns_values).
func clvModels(ctx context.Context, tx *sqlx.Tx, opt Options, sum *Summary) error {
	log := opt.Logger.With("as_of", opt.AsOf.Format(time.DateOnly))
	unit := map[string]btyd.TimeUnit{"day": btyd.Day, "week": btyd.Week, "month": btyd.Month}[opt.CLV.TimeUnit]
	rows, err := summarise(ctx, tx, opt, unit)
	if err != nil {
		return err
	}
	cs := make([]btyd.Customer, len(rows))
	repeaters, spenders := 0, 0
	for i, r := range rows {
		cs[i] = r.c
		if cs[i].Mx < 0 {
			cs[i].Mx = 0 // net refunds: no negative spend expectations
		}
		if r.c.X > 0 {
			repeaters++
			if r.c.Mx > 0 {
				spenders++
			}
		}
	}
	asOf := opt.AsOf.Format(time.DateOnly)
	for _, q := range []string{
		`DELETE FROM metrics.model_fits WHERE as_of = $1`,
		`DELETE FROM metrics.customer_scores WHERE as_of = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, asOf); err != nil {
			return fmt.Errorf("metrics: clear clv: %w", err)
		}
	}
	skip := ""
	var pm btyd.PurchaseModel
	var gg *btyd.GammaGamma
	switch {
	case repeaters < MinRepeaters:
		skip = fmt.Sprintf("too few repeat customers to fit: %d < %d", repeaters, MinRepeaters)
	default:
		t0 := time.Now()
		m, fit, err := btyd.FitBGNBD(ctx, cs, btyd.FitOptions{})
		log.Debug("bg/nbd fitted", "duration", time.Since(t0), "converged", fit.Converged, "evaluations", fit.Evaluations)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("metrics: fit bg/nbd: %w", err)
			}
			skip = "bg/nbd fit failed: " + err.Error()
			break
		}
		pm = m
		if err := storeFit(ctx, tx, "bgnbd", asOf, m, fit, opt.CLV.TimeUnit); err != nil {
			return err
		}
		sum.Models = append(sum.Models, "bgnbd")
		if err := fitPareto(ctx, tx, cs, asOf, opt, sum); err != nil {
			return err
		}
		if spenders < MinRepeaters {
			log.Warn("gamma-gamma skipped", "reason", "too few repeat customers with positive spend", "repeaters", spenders)
			break
		}
		t0 = time.Now()
		g, fit, err := btyd.FitGammaGamma(ctx, positiveSpend(cs), btyd.FitOptions{})
		log.Debug("gamma-gamma fitted", "duration", time.Since(t0), "converged", fit.Converged, "evaluations", fit.Evaluations)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("metrics: fit gamma-gamma: %w", err)
			}
			log.Warn("gamma-gamma fit failed", "err", err)
			break
		}
		if _, err := g.ExpectedSpend(0, 0); err != nil {
			log.Warn("gamma-gamma has no finite mean spend; predicted CLV skipped", "q", g.Q)
		} else {
			gg = &g
		}
		if err := storeFit(ctx, tx, "gamma_gamma", asOf, g, fit, opt.CLV.TimeUnit); err != nil {
			return err
		}
		sum.Models = append(sum.Models, "gamma_gamma")
	}
	if skip != "" {
		log.Warn("clv models skipped", "reason", skip, "customers", len(cs), "repeaters", repeaters)
	}
	step := WeeksPerMonth * btyd.Week.Days() / unit.Days()
	if unit == btyd.Month {
		step = 1
	}
	steps := max(1, int(math.Round(float64(opt.CLV.Horizon)/step)))
	var clvs []float64
	if pm != nil && gg != nil {
		clvs, err = btyd.CLV(pm, *gg, cs, btyd.CLVOptions{Steps: steps, Step: step,
			Discount: opt.CLV.DiscountRate, Margin: opt.CLV.Margin})
		if err != nil {
			return fmt.Errorf("metrics: predicted clv: %w", err)
		}
	}
	var sumAlive, sumCLV float64
	for i := range rows {
		r := &rows[i]
		if pm == nil {
			continue
		}
		pa := pm.PAlive(r.c.X, r.c.Tx, r.c.T) // P(alive) and E[Y] use x, t_x, T only
		ep := pm.ExpectedPurchases(float64(opt.CLV.Horizon), r.c.X, r.c.Tx, r.c.T)
		r.pAlive, r.expected = &pa, &ep
		sumAlive += pa
		if gg != nil {
			// The same E[M] as btyd.CLV: repeaters whose repeat occasions
			// were free shrink towards 0, customers without repeats get the
			// population mean.
			s, _ := gg.ExpectedSpend(cs[i].X, cs[i].Mx)
			v := clvs[i]
			r.spend, r.clv = &s, &v
			sumCLV += v
		}
	}
	if err := storeScores(ctx, tx, asOf, rows); err != nil {
		return err
	}
	sum.Scores = len(rows)
	return storeCLVValues(ctx, tx, asOf, len(rows), pm != nil, gg != nil, sumAlive, sumCLV, skip, steps, step, opt)
}

// fitPareto fits and stores the optional Pareto/NBD model within
// opt.CLV.ParetoTimeout; a failure or timeout is a warning.
func fitPareto(ctx context.Context, tx *sqlx.Tx, cs []btyd.Customer, asOf string, opt Options, sum *Summary) error {
	if opt.CLV.ParetoTimeout < 0 {
		return nil
	}
	fctx, cancel := context.WithTimeout(ctx, opt.CLV.ParetoTimeout)
	defer cancel()
	t0 := time.Now()
	p, fit, err := btyd.FitParetoNBD(fctx, cs, btyd.FitOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("metrics: fit pareto/nbd: %w", err)
		}
		opt.Logger.Warn("pareto/nbd skipped", "as_of", asOf, "err", err, "duration", time.Since(t0), "budget", opt.CLV.ParetoTimeout)
		return nil
	}
	opt.Logger.Debug("pareto/nbd fitted", "duration", time.Since(t0), "converged", fit.Converged, "evaluations", fit.Evaluations)
	if err := storeFit(ctx, tx, "pareto_nbd", asOf, p, fit, opt.CLV.TimeUnit); err != nil {
		return err
	}
	sum.Models = append(sum.Models, "pareto_nbd")
	return nil
}

// summarise streams customer-days (non-canceled orders, reporting
// currency, days in the reporting zone) and builds one calibration summary
// per customer, calibration end = AsOf. Only the summaries stay in memory.
func summarise(ctx context.Context, tx *sqlx.Tx, opt Options, unit btyd.TimeUnit) ([]scoreRow, error) {
	q, err := tx.QueryContext(ctx, `
		SELECT customer_id, local_day, coalesce(sum(amount), 0)::text
		FROM ns_orders WHERE NOT canceled AND customer_id IS NOT NULL
		GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("metrics: customer days: %w", err)
	}
	defer q.Close()
	margin := decimal.NewFromFloat(opt.CLV.Margin)
	var out []scoreRow
	var cur btyd.CustomerTransactions
	var curID int64 = -1
	total := decimal.Zero
	flush := func() error {
		if curID < 0 {
			return nil
		}
		s, err := btyd.BuildSummary([]btyd.CustomerTransactions{cur}, btyd.SummaryOptions{CalibrationEnd: opt.AsOf, Unit: unit})
		if err != nil {
			return fmt.Errorf("metrics: summary of customer %d: %w", curID, err)
		}
		if len(s) == 1 {
			out = append(out, scoreRow{id: curID, c: s[0], historical: total.Mul(margin)})
		}
		return nil
	}
	for q.Next() {
		var id int64
		var day time.Time
		var amount string
		if err := q.Scan(&id, &day, &amount); err != nil {
			return nil, fmt.Errorf("metrics: customer days: %w", err)
		}
		a, err := decimal.NewFromString(amount)
		if err != nil {
			return nil, fmt.Errorf("metrics: customer %d amount %q: %w", id, amount, err)
		}
		if id != curID {
			if err := flush(); err != nil {
				return nil, err
			}
			curID, total = id, decimal.Zero
			cur = btyd.CustomerTransactions{ID: strconv.FormatInt(id, 10)}
		}
		y, m, d := day.Date()
		cur.Transactions = append(cur.Transactions, btyd.Transaction{Day: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Amount: a})
		total = total.Add(a)
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("metrics: customer days: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// positiveSpend returns the repeat customers with a positive mean repeat
// spend: Gamma-Gamma is defined for positive values only.
func positiveSpend(cs []btyd.Customer) []btyd.Customer {
	var out []btyd.Customer
	for _, c := range cs {
		if c.X > 0 && c.Mx > 0 {
			out = append(out, c)
		}
	}
	return out
}

// storeFit writes one model fit.
func storeFit(ctx context.Context, tx *sqlx.Tx, model, asOf string, params any, fit btyd.Fit, unit string) error {
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	var ll sql.NullFloat64
	if !math.IsNaN(fit.LogLikelihood) && !math.IsInf(fit.LogLikelihood, 0) {
		ll = sql.NullFloat64{Float64: fit.LogLikelihood, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO metrics.model_fits (model, as_of, params, log_likelihood, n_customers, converged, time_unit)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, model, asOf, string(p), ll, fit.N, fit.Converged, unit)
	if err != nil {
		return fmt.Errorf("metrics: store %s fit: %w", model, err)
	}
	return nil
}

// storeScores copies the per-customer scores into metrics.customer_scores.
func storeScores(ctx context.Context, tx *sqlx.Tx, asOf string, rows []scoreRow) error {
	st, err := tx.PrepareContext(ctx, pq.CopyInSchema("metrics", "customer_scores", "customer_id", "as_of",
		"frequency", "recency", "t", "monetary", "p_alive", "expected_purchases", "expected_spend",
		"predicted_clv", "historical_clv"))
	if err != nil {
		return fmt.Errorf("metrics: copy scores: %w", err)
	}
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r.id, asOf, int64(r.c.X), r.c.Tx, r.c.T, money(&r.c.Mx),
			nullFloat(r.pAlive), nullFloat(r.expected), money(r.spend), money(r.clv), r.historical.String()); err != nil {
			st.Close()
			return fmt.Errorf("metrics: copy scores: %w", err)
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		st.Close()
		return fmt.Errorf("metrics: copy scores: %w", err)
	}
	if err := st.Close(); err != nil {
		return fmt.Errorf("metrics: copy scores: %w", err)
	}
	return nil
}

// storeCLVValues adds the as_of metrics to ns_values. Skipped models give
// NULL values with the reason in details.
func storeCLVValues(ctx context.Context, tx *sqlx.Tx, asOf string, n int, haveBG, haveGG bool,
	sumAlive, sumCLV float64, skip string, steps int, step float64, opt Options) error {
	details := map[string]any{"model": "bgnbd", "time_unit": opt.CLV.TimeUnit, "customers": n}
	if skip != "" {
		details["skipped"] = skip
	}
	var alive, aliveNum any
	if haveBG {
		alive, aliveNum = strconv.FormatFloat(sumAlive, 'f', -1, 64), strconv.FormatFloat(sumAlive, 'f', -1, 64)
	}
	da, _ := json.Marshal(details)
	details["model"] = "bgnbd x gamma_gamma"
	details["steps"], details["step_time_units"] = steps, step
	details["discount_rate_per_month"], details["margin"] = opt.CLV.DiscountRate, opt.CLV.Margin
	details["horizon_time_units"] = opt.CLV.Horizon
	if haveBG && !haveGG && skip == "" {
		details["skipped"] = "gamma-gamma not fitted"
	}
	var clv, clvNum any
	if haveBG && haveGG && n > 0 {
		clv = money(ptr(sumCLV / float64(n)))
		clvNum = money(&sumCLV)
	}
	dc, _ := json.Marshal(details)
	_, err := tx.ExecContext(ctx, `
		INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
		VALUES ('expected_active_customers', $1, 'as_of', 'all', $2::numeric, $3::numeric, $4::bigint, $4::bigint, $5),
		       ('predicted_clv', $1, 'as_of', 'all', $6::numeric, $7::numeric, $4::bigint, $4::bigint, $8)`,
		asOf, alive, aliveNum, n, string(da), clv, clvNum, string(dc))
	if err != nil {
		return fmt.Errorf("metrics: store clv values: %w", err)
	}
	return nil
}

func ptr(v float64) *float64 { return &v }

// money renders an expectation as a decimal string (NULL for nil or
// non-finite values): model outputs are float64, stored amounts decimal.
func money(v *float64) any {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return decimal.NewFromFloat(*v).Round(6).String()
}

func nullFloat(v *float64) any {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return *v
}
