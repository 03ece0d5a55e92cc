package btyd

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// expectedByQuadrature returns E_p[(1/p)·(1 − (s/(s+p·t))^k)] for
// p ~ Beta(a, bb): the expected purchases in the next t of a customer who
// is alive, with purchase rate λ ~ Gamma(k, s) and drop-out probability
// p ~ Beta(a, bb) (given λ and p the expectation is (1 − e^{−λpt})/p).
// With k = r+x, s = α+T, bb = b+x this equals the BG/NBD closed form
// (a+b+x−1)/(a−1)·[1 − (s/(s+t))^k·2F1(k, bb; a+bb−1; t/(s+t))], and it is
// used where both Gauss series fail (huge r, z → 1, a+b < 1): the
// integrand is bounded and positive, so there is no cancellation.
//
// It is a tanh-sinh rule, p = σ(π·sinh u), on u ∈ [−12, 12], halving
// the step until two estimates agree to 1e-10 (at most 2^-13).
func expectedByQuadrature(k, s, a, bb, t float64) float64 {
	lb := mathext.Lbeta(a, bb)
	ts := t / s
	f := func(u float64) float64 {
		v := math.Pi * math.Sinh(u)
		// ln p and ln(1−p) for p = 1/(1+e^{−v}), accurate in both tails.
		var lp, lq float64
		if v > 0 {
			lp = -math.Log1p(math.Exp(-v))
			lq = -v + lp
		} else {
			lq = -math.Log1p(math.Exp(v))
			lp = v + lq
		}
		// Beta(a, bb) density × dp/du = p^a (1−p)^bb π cosh u / B(a, bb).
		lw := a*lp + bb*lq + math.Log(math.Pi*math.Cosh(u)) - lb
		if lw < -745 {
			return 0
		}
		var g float64 // (1 − (1+p·t/s)^{−k})/p
		p := math.Exp(lp)
		if pt := p * ts; pt < 1e-12 {
			g = k * ts * (1 - (k+1)*pt/2)
		} else {
			g = -math.Expm1(-k*math.Log1p(pt)) / p
		}
		return math.Exp(lw) * g
	}
	const U = 12.0
	h := 0.5
	sum := f(0)
	for u := h; u <= U; u += h {
		sum += f(u) + f(-u)
	}
	est := sum * h
	for range 13 {
		h /= 2
		for u := h; u <= U; u += 2 * h {
			sum += f(u) + f(-u)
		}
		next := sum * h
		if math.Abs(next-est) <= 1e-10*math.Abs(next) {
			return next
		}
		est = next
	}
	return est
}
