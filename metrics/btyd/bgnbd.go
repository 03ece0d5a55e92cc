package btyd

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBD holds the parameters of the BG/NBD model (Fader, Hardie & Lee
// 2005a): purchase rates λ ~ Gamma(R, Alpha) and drop-out probabilities
// p ~ Beta(A, B), in the time unit of the data it was fitted on.
type BGNBD struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
}

// bgnbdStart is metrics.md §6.2's starting point (r, α, a, b).
var bgnbdStart = []float64{0.5, 5, 1, 2}

// FitBGNBD fits a BG/NBD model by maximum likelihood over log-parameters.
// Customers with identical (x, t_x, T) are grouped exactly; no rounding.
func FitBGNBD(ctx context.Context, cs []Customer, opts FitOptions) (BGNBD, Fit, error) {
	g, err := groupRFM(cs)
	if err != nil {
		return BGNBD{}, Fit{}, fmt.Errorf("fit bg/nbd: %w", err)
	}
	th0, err := startTheta(opts.Start, bgnbdStart)
	if err != nil {
		return BGNBD{}, Fit{}, fmt.Errorf("fit bg/nbd: %w", err)
	}
	workers := workersFor(len(g.x), opts)
	obj := func(th, grad []float64) float64 {
		p := expAll(th)
		m := BGNBD{p[0], p[1], p[2], p[3]}
		ll, dp := m.groupLL(g, workers, grad != nil)
		v := -ll / g.wsum
		for i, pi := range p {
			v += opts.Penalty * pi * pi
			if grad != nil {
				// d/dθ = p · d/dp (chain rule for θ = ln p).
				grad[i] = pi * (-dp[i]/g.wsum + 2*opts.Penalty*pi)
			}
		}
		return v
	}
	th, st, err := minimize(ctx, obj, true, th0, opts)
	if err != nil {
		return BGNBD{}, st, fmt.Errorf("fit bg/nbd: %w", err)
	}
	p := expAll(th)
	m := BGNBD{p[0], p[1], p[2], p[3]}
	st.LogLikelihood, _ = m.groupLL(g, workers, false)
	st.N, st.Groups = g.n, len(g.x)
	return m, st, nil
}

// LogLikelihood returns the total BG/NBD log-likelihood of cs under m,
// exactly as metrics.md §6.2 (log-sum-exp of the A3 and A4 terms).
func (m BGNBD) LogLikelihood(cs []Customer) (float64, error) {
	g, err := groupRFM(cs)
	if err != nil {
		return 0, fmt.Errorf("bg/nbd log-likelihood: %w", err)
	}
	ll, _ := m.groupLL(g, workersFor(len(g.x), FitOptions{}), false)
	return ll, nil
}

// groupLL returns the weighted log-likelihood and, if withGrad, its
// gradient in (r, α, a, b).
func (m BGNBD) groupLL(g *rfmGroups, workers int, withGrad bool) (float64, [4]float64) {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	lnA, lnAl := math.Log(a), math.Log(al)
	lgr, _ := math.Lgamma(r)
	lgb, _ := math.Lgamma(b)
	lgab, _ := math.Lgamma(a + b)
	var psiR, psiB, psiAB float64
	if withGrad {
		psiR, psiB, psiAB = mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
	}
	// Per distinct x: ln A1 + ln A2 (without the t-dependent parts) and ln(b+x−1).
	nx := len(g.xv)
	k := make([]float64, nx)
	lbx := make([]float64, nx)
	var sum float64
	var d [4]float64
	for i, x := range g.xv {
		l1, _ := math.Lgamma(r + x)
		l2, _ := math.Lgamma(b + x)
		l3, _ := math.Lgamma(a + b + x)
		k[i] = l1 - lgr + r*lnAl + lgab + l2 - lgb - l3
		if x > 0 {
			lbx[i] = math.Log(b + x - 1)
		}
		sum += g.xw[i] * k[i]
		if withGrad {
			psiABX := mathext.Digamma(a + b + x)
			d[0] += g.xw[i] * (mathext.Digamma(r+x) - psiR + lnAl)
			d[1] += g.xw[i] * r / al
			d[2] += g.xw[i] * (psiAB - psiABX)
			d[3] += g.xw[i] * (psiAB + mathext.Digamma(b+x) - psiB - psiABX)
		}
	}
	nacc := 1
	if withGrad {
		nacc = 5
	}
	acc := parallelSum(len(g.x), workers, nacc, func(lo, hi int, acc []float64) {
		var s, gr, gal, ga, gb float64
		for i := lo; i < hi; i++ {
			x, w := g.x[i], g.w[i]
			rx := r + x
			lT := math.Log(al + g.T[i])
			a3 := -rx * lT
			if x == 0 {
				s += w * a3
				if withGrad {
					gr -= w * lT
					gal -= w * rx / (al + g.T[i])
				}
				continue
			}
			lt := math.Log(al + g.tx[i])
			a4 := lnA - lbx[g.xi[i]] - rx*lt
			var lse, w3, w4 float64
			if a3 >= a4 {
				e := math.Exp(a4 - a3)
				lse = a3 + math.Log1p(e)
				w4 = e / (1 + e)
				w3 = 1 - w4
			} else {
				e := math.Exp(a3 - a4)
				lse = a4 + math.Log1p(e)
				w3 = e / (1 + e)
				w4 = 1 - w3
			}
			s += w * lse
			if withGrad {
				gr -= w * (w3*lT + w4*lt)
				gal -= w * rx * (w3/(al+g.T[i]) + w4/(al+g.tx[i]))
				ga += w * w4 / a
				gb -= w * w4 / (b + x - 1)
			}
		}
		acc[0] += s
		if withGrad {
			acc[1] += gr
			acc[2] += gal
			acc[3] += ga
			acc[4] += gb
		}
	})
	sum += acc[0]
	if withGrad {
		for j := range 4 {
			d[j] += acc[j+1]
		}
	}
	return sum, d
}

// aGuarded returns a moved off the removable singularity a = 1 of the
// closed forms (metrics.md §6.2: guard |a−1| < 1e-9).
func (m BGNBD) aGuarded() float64 {
	if math.Abs(m.A-1) < 1e-9 {
		return 1 + 1e-9
	}
	return m.A
}

// logOdds returns L = ln(a/(b+x−1)) + (r+x)(ln(α+T) − ln(α+t_x)), the log
// of the odds of having dropped out; −Inf when x = 0.
func (m BGNBD) logOdds(x, tx, T float64) float64 {
	if x == 0 {
		return math.Inf(-1)
	}
	return math.Log(m.A) - math.Log(m.B+x-1) + (m.R+x)*(math.Log(m.Alpha+T)-math.Log(m.Alpha+tx))
}

// PAlive returns P(alive | x, t_x, T): 1 when x = 0 (BG/NBD customers can
// only drop out right after a purchase), exactly 0 when the odds exceed
// e^709, never NaN for valid inputs.
func (m BGNBD) PAlive(x, tx, T float64) float64 {
	return logistic(m.logOdds(x, tx, T))
}

// ExpectedX returns E[X(t)], the expected number of repeat purchases in
// (0, t] of a customer who just made a first purchase.
func (m BGNBD) ExpectedX(t float64) float64 {
	if t <= 0 {
		return 0
	}
	return m.aliveExpected(t, 0, m.Alpha)
}

// ExpectedPurchases returns E[Y(t) | x, t_x, T], the expected number of
// purchases in the next t time units of a customer with that history.
func (m BGNBD) ExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	return m.aliveExpected(t, x, m.Alpha+T) * m.PAlive(x, tx, T)
}

// aliveExpected returns the expected purchases in the next t of a customer
// known to be alive after x repeat purchases, with s = α+T (s = α for a
// new customer):
//
//	(a+b+x−1)/(a−1) · [1 − (s/(s+t))^{r+x} · 2F1(r+x, b+x; a+b+x−1; t/(s+t))]
//
// from the hypergeometric series when one of them is accurate, else from
// the integral the closed form comes from (see expectedByQuadrature).
func (m BGNBD) aliveExpected(t, x, s float64) float64 {
	a := m.aGuarded()
	if lf, sg, ok := m.scaled2F1(x, s, t); ok {
		br := 1 + math.Exp(lf) // sg < 0 (c < 0 regions)
		if sg > 0 {
			br = -math.Expm1(lf) // keeps digits for small t
		}
		return (a + m.B + x - 1) / (a - 1) * br
	}
	return expectedByQuadrature(m.R+x, s, a, m.B+x, t)
}

// scaled2F1 returns ln|(s/(s+t))^{r+x} · 2F1(r+x, b+x; a+b+x−1; z)| and
// its sign, z = t/(s+t): the term shared by E[X(t)] (x = 0, s = α) and
// E[Y(t)|·] (s = α+T). Two series represent it:
//
//   - literal: terms fall like n^{r+x−a}·z^n, all of one sign when
//     a+b+x−1 > 0, but for x = 1000 it needs about x·z/(1−z) terms and
//     its sum passes 1e300;
//   - Euler-transformed, 2F1(A,B;c;z) = (1−z)^{c−A−B}·2F1(c−A, c−B; c; z),
//     i.e. (s/(s+t))^{a−1}·2F1(a+b−1−r, a−1; a+b+x−1; z): terms fall like
//     n^{a−r−x−2}·z^n, a handful for large x and convergent even as z → 1,
//     but with alternating terms (cancellation) when r > a+b.
//
// The transformed series is tried first when it converges at z = 1
// (x > a−r−1) and kept if it lost fewer than 5 digits; otherwise the
// better of the two (converged first, then less cancellation) is used,
// and ok reports whether it is accurate (converged, < 5 digits lost).
// The power is applied in log space; ln(1−z) = −log1p(t/s) keeps full
// precision as z → 1.
func (m BGNBD) scaled2F1(x, s, t float64) (logAbs, sign float64, ok bool) {
	lq := -math.Log1p(t / s)
	z := t / (s + t)
	a, b, r := m.aGuarded(), m.B, m.R
	lit := func() (hypSeries, float64) { return series2F1(r+x, b+x, a+b+x-1, z), (r + x) * lq }
	eul := func() (hypSeries, float64) { return series2F1(a+b-1-r, a-1, a+b+x-1, z), (a - 1) * lq }
	first, second := lit, eul
	if a-r-x-1 < 0 {
		first, second = eul, lit
	}
	good := func(h hypSeries) bool { return h.converged && h.logCond < 5*math.Ln10 }
	h1, p1 := first()
	if good(h1) {
		return p1 + h1.logAbs, h1.sign, true
	}
	h2, p2 := second()
	if good(h2) || h2.converged != h1.converged && h2.converged || h2.converged == h1.converged && h2.logCond < h1.logCond {
		return p2 + h2.logAbs, h2.sign, good(h2)
	}
	return p1 + h1.logAbs, h1.sign, false
}

// ProbabilityOfPurchases returns P(X(t) = n), the probability that a
// customer who just made a first purchase makes exactly n repeat purchases
// in (0, t].
func (m BGNBD) ProbabilityOfPurchases(t float64, n int) float64 {
	if n < 0 {
		return 0
	}
	if t <= 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	fn := float64(n)
	lbeta := func(p, q float64) float64 { return mathext.Lbeta(p, q) }
	lgrn, _ := math.Lgamma(r + fn)
	lgr, _ := math.Lgamma(r)
	lgn1, _ := math.Lgamma(fn + 1)
	lp := math.Log(al / (al + t))
	lq := math.Log(t / (al + t))
	first := math.Exp(lbeta(a, b+fn) - lbeta(a, b) + lgrn - lgr - lgn1 + r*lp + fn*lq)
	if n == 0 {
		return first
	}
	// 1 − Σ_{j<n} NB(j) = P(NB ≥ n) = I_{t/(α+t)}(n, r).
	tail := mathext.RegIncBeta(fn, r, t/(al+t))
	return first + math.Exp(lbeta(a+1, b+fn-1)-lbeta(a, b))*tail
}
