package btyd

import (
	"context"
	"fmt"
	"math"
)

// ParetoNBD holds the parameters of the Pareto/NBD model (Schmittlein,
// Morrison & Colombo 1987): purchase rates λ ~ Gamma(R, Alpha) and
// drop-out rates μ ~ Gamma(S, Beta), in the time unit of the data.
type ParetoNBD struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	S     float64 `json:"s"`
	Beta  float64 `json:"beta"`
}

// paretoStart is the default starting point (r, α, s, β).
var paretoStart = []float64{0.5, 5, 0.5, 5}

// FitParetoNBD fits a Pareto/NBD model by maximum likelihood over
// log-parameters (Nelder–Mead with restarts; no analytic gradient).
func FitParetoNBD(ctx context.Context, cs []Customer, opts FitOptions) (ParetoNBD, Fit, error) {
	g, err := groupRFM(cs)
	if err != nil {
		return ParetoNBD{}, Fit{}, fmt.Errorf("fit pareto/nbd: %w", err)
	}
	th0, err := startTheta(opts.Start, paretoStart)
	if err != nil {
		return ParetoNBD{}, Fit{}, fmt.Errorf("fit pareto/nbd: %w", err)
	}
	workers := workersFor(len(g.x), opts)
	obj := func(th, _ []float64) float64 {
		p := expAll(th)
		m := ParetoNBD{p[0], p[1], p[2], p[3]}
		v := -m.groupLL(g, workers) / g.wsum
		for _, pi := range p {
			v += opts.Penalty * pi * pi
		}
		return v
	}
	th, st, err := minimize(ctx, obj, false, th0, opts)
	if err != nil {
		return ParetoNBD{}, st, fmt.Errorf("fit pareto/nbd: %w", err)
	}
	p := expAll(th)
	m := ParetoNBD{p[0], p[1], p[2], p[3]}
	st.LogLikelihood = m.groupLL(g, workers)
	st.N, st.Groups = g.n, len(g.x)
	return m, st, nil
}

// LogLikelihood returns the total Pareto/NBD log-likelihood of cs under m.
func (m ParetoNBD) LogLikelihood(cs []Customer) (float64, error) {
	g, err := groupRFM(cs)
	if err != nil {
		return 0, fmt.Errorf("pareto/nbd log-likelihood: %w", err)
	}
	return m.groupLL(g, workersFor(len(g.x), FitOptions{})), nil
}

func (m ParetoNBD) groupLL(g *rfmGroups, workers int) float64 {
	lgr, _ := math.Lgamma(m.R)
	c := m.R*math.Log(m.Alpha) + m.S*math.Log(m.Beta) - lgr
	acc := parallelSum(len(g.x), workers, 1, func(lo, hi int, acc []float64) {
		var s float64
		for i := lo; i < hi; i++ {
			x := g.x[i]
			lgrx, _ := math.Lgamma(m.R + x)
			s += g.w[i] * (lgrx + c + m.logBrace(x, g.tx[i], g.T[i]))
		}
		acc[0] += s
	})
	return acc[0]
}

// logBrace returns ln{ 1/((α+T)^{r+x}(β+T)^s) + s/(r+s+x)·A0 }.
func (m ParetoNBD) logBrace(x, tx, T float64) float64 {
	first := -(m.R+x)*math.Log(m.Alpha+T) - m.S*math.Log(m.Beta+T)
	second := math.Log(m.S) - math.Log(m.R+m.S+x) + m.logA0(x, tx, T)
	return logAddExp(first, second)
}

// logA0 returns ln A0 of metrics.md §6.3, −Inf when t_x = T (A0 = 0).
// Both branches use 2F1(r+s+x, b'; r+s+x+1; z) with z = |α−β|/(max(α,β)+y)
// and b' = s+1 (α ≥ β) or r+x (α < β), Euler-transformed to
// (1−z)^{1−b'}·2F1(1, r+s+x+1−b'; r+s+x+1; z), whose terms never exceed
// z^n·const, so nothing overflows for large x.
func (m ParetoNBD) logA0(x, tx, T float64) float64 {
	if tx >= T {
		return math.Inf(-1)
	}
	rsx := m.R + m.S + x
	hi, lo, bp := m.Alpha, m.Beta, m.S+1
	if m.Alpha < m.Beta {
		hi, lo, bp = m.Beta, m.Alpha, m.R+x
	}
	logG := func(y float64) float64 {
		lhi := math.Log(hi + y)
		z := (hi - lo) / (hi + y)
		lf, _ := log2F1(1, rsx+1-bp, rsx+1, z)
		return (1-bp)*(math.Log(lo+y)-lhi) + lf - rsx*lhi
	}
	gt, gT := logG(tx), logG(T)
	return gt + log1mExp(gT-gt)
}

// logOdds returns ln( s/(r+s+x) · (α+T)^{r+x} (β+T)^s · A0 ).
func (m ParetoNBD) logOdds(x, tx, T float64) float64 {
	return math.Log(m.S) - math.Log(m.R+m.S+x) + (m.R+x)*math.Log(m.Alpha+T) +
		m.S*math.Log(m.Beta+T) + m.logA0(x, tx, T)
}

// PAlive returns P(alive | x, t_x, T); 1 when t_x = T, exactly 0 when the
// odds of having dropped out exceed e^709.
func (m ParetoNBD) PAlive(x, tx, T float64) float64 {
	return logistic(m.logOdds(x, tx, T))
}

// ExpectedPurchases returns E[Y(t) | x, t_x, T] (the s = 1 limit is taken
// analytically).
func (m ParetoNBD) ExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	q := math.Log(m.Beta+T) - math.Log(m.Beta+T+t)
	return (m.R + x) * (m.Beta + T) / (m.Alpha + T) * expm1Ratio(m.S-1, q) * m.PAlive(x, tx, T)
}

// ExpectedX returns E[X(t)], the expected number of repeat purchases in
// (0, t] of a customer who just made a first purchase.
func (m ParetoNBD) ExpectedX(t float64) float64 {
	if t <= 0 {
		return 0
	}
	q := math.Log(m.Beta) - math.Log(m.Beta+t)
	return m.R * m.Beta / m.Alpha * expm1Ratio(m.S-1, q)
}
