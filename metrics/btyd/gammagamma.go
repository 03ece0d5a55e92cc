package btyd

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ErrNoFiniteMean reports a Gamma-Gamma model with q <= 1, whose spend
// distribution has no finite mean, so E[M] (and CLV) is undefined.
var ErrNoFiniteMean = errors.New("gamma-gamma mean spend is infinite (q <= 1)")

// GammaGamma holds the parameters of the Gamma-Gamma spend model (Fader,
// Hardie & Lee 2005b; Fader & Hardie 2013): transaction values ~ Gamma(P, ν)
// with ν ~ Gamma(Q, Gamma).
type GammaGamma struct {
	P     float64 `json:"p"`
	Q     float64 `json:"q"`
	Gamma float64 `json:"gamma"`
}

// gammaGammaStart is the default starting point (p, q, γ).
var gammaGammaStart = []float64{1, 1, 1}

// FitGammaGamma fits the Gamma-Gamma model by maximum likelihood on the
// customers with X > 0, using Mx as the mean of their repeat transaction
// values; customers with X = 0 are ignored. A repeater with Mx <= 0 (or
// not finite) is refused with ErrInvalidInput: filter free orders first.
func FitGammaGamma(ctx context.Context, cs []Customer, opts FitOptions) (GammaGamma, Fit, error) {
	type key struct{ x, m float64 }
	idx := map[key]int{}
	var xs, ms, ws []float64
	n := 0
	for _, c := range cs {
		if c.X == 0 {
			continue
		}
		if err := validRFM(c); err != nil {
			return GammaGamma{}, Fit{}, fmt.Errorf("fit gamma-gamma: %w", err)
		}
		if !(c.Mx > 0) || math.IsInf(c.Mx, 0) {
			return GammaGamma{}, Fit{}, fmt.Errorf("fit gamma-gamma: customer %q: m_x=%v must be positive: %w", c.ID, c.Mx, ErrInvalidInput)
		}
		n++
		k := key{c.X, c.Mx}
		if i, ok := idx[k]; ok {
			ws[i]++
			continue
		}
		idx[k] = len(xs)
		xs, ms, ws = append(xs, c.X), append(ms, c.Mx), append(ws, 1)
	}
	if n == 0 {
		return GammaGamma{}, Fit{}, fmt.Errorf("fit gamma-gamma: no customer with x > 0: %w", ErrInvalidInput)
	}
	th0, err := startTheta(opts.Start, gammaGammaStart)
	if err != nil {
		return GammaGamma{}, Fit{}, fmt.Errorf("fit gamma-gamma: %w", err)
	}
	W := float64(n)
	ll := func(m GammaGamma, grad []float64) float64 {
		p, q, g := m.P, m.Q, m.Gamma
		lgq, _ := math.Lgamma(q)
		lng := math.Log(g)
		var psiQ float64
		if grad != nil {
			psiQ = mathext.Digamma(q)
			grad[0], grad[1], grad[2] = 0, 0, 0
		}
		var s float64
		for i, x := range xs {
			mx, w := ms[i], ws[i]
			px := p * x
			l1, _ := math.Lgamma(px + q)
			l2, _ := math.Lgamma(px)
			lm, lx, lgm := math.Log(mx), math.Log(x), math.Log(g+mx*x)
			s += w * (l1 - l2 - lgq + q*lng + (px-1)*lm + px*lx - (px+q)*lgm)
			if grad != nil {
				psi := mathext.Digamma(px + q)
				grad[0] += w * x * (psi - mathext.Digamma(px) + lm + lx - lgm)
				grad[1] += w * (psi - psiQ + lng - lgm)
				grad[2] += w * (q/g - (px+q)/(g+mx*x))
			}
		}
		return s
	}
	obj := func(th, grad []float64) float64 {
		p := expAll(th)
		v := -ll(GammaGamma{p[0], p[1], p[2]}, grad) / W
		for i, pi := range p {
			v += opts.Penalty * pi * pi
			if grad != nil {
				grad[i] = pi * (-grad[i]/W + 2*opts.Penalty*pi)
			}
		}
		return v
	}
	th, st, err := minimize(ctx, obj, true, th0, opts)
	if err != nil {
		return GammaGamma{}, st, fmt.Errorf("fit gamma-gamma: %w", err)
	}
	p := expAll(th)
	m := GammaGamma{p[0], p[1], p[2]}
	st.LogLikelihood = ll(m, nil)
	st.N, st.Groups = n, len(xs)
	return m, st, nil
}

// ExpectedSpend returns E[M | x, m_x] = p(γ + x·m_x)/(p·x + q − 1), the
// expected value of a future transaction; for x = 0 it is the population
// mean p·γ/(q − 1). It returns ErrNoFiniteMean when q <= 1.
func (m GammaGamma) ExpectedSpend(x, mx float64) (float64, error) {
	if !(m.Q > 1) {
		return 0, ErrNoFiniteMean
	}
	if x == 0 {
		mx = 0
	}
	return m.P * (m.Gamma + x*mx) / (m.P*x + m.Q - 1), nil
}
