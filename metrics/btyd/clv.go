package btyd

import (
	"fmt"
	"math"
)

// PurchaseModel is a fitted transaction model (BGNBD or ParetoNBD).
type PurchaseModel interface {
	// PAlive returns P(alive | x, t_x, T).
	PAlive(x, tx, T float64) float64
	// ExpectedPurchases returns E[Y(t) | x, t_x, T].
	ExpectedPurchases(t, x, tx, T float64) float64
}

// CLVOptions sets the discounted-CLV horizon of metrics.md §6.5. Step is
// explicit and in the model's time unit: for monthly steps on a weekly
// model use Month.In(Week) (4.348), never lifetimes' implicit 30 units.
type CLVOptions struct {
	Steps    int     // K, number of steps (> 0)
	Step     float64 // Δ, step length in model time units (> 0)
	Discount float64 // d, discount rate per step (>= 0)
	Margin   float64 // m, profit margin applied to revenue (1 = revenue)
}

// CLV returns, for every customer in cs, the discounted expected value
//
//	m · E[M_i] · Σ_{k=1..K} (E[Y(kΔ)|·] − E[Y((k−1)Δ)|·]) / (1+d)^k
//
// with E[M_i] from the Gamma-Gamma model (population mean when x = 0).
// The results are statistical expectations in the currency of Mx, as
// float64; round them into decimal money at the reporting boundary.
func CLV(pm PurchaseModel, gg GammaGamma, cs []Customer, o CLVOptions) ([]float64, error) {
	if o.Steps <= 0 || !(o.Step > 0) || math.IsInf(o.Step, 0) || !(o.Discount >= 0) || math.IsInf(o.Discount, 0) || math.IsNaN(o.Margin) || math.IsInf(o.Margin, 0) {
		return nil, fmt.Errorf("clv: steps=%d step=%v discount=%v margin=%v: %w", o.Steps, o.Step, o.Discount, o.Margin, ErrInvalidInput)
	}
	out := make([]float64, len(cs))
	for i, c := range cs {
		if err := validRFM(c); err != nil {
			return nil, fmt.Errorf("clv: %w", err)
		}
		spend, err := gg.ExpectedSpend(c.X, c.Mx)
		if err != nil {
			return nil, fmt.Errorf("clv: %w", err)
		}
		var sum, prev float64
		for k := 1; k <= o.Steps; k++ {
			cur := pm.ExpectedPurchases(float64(k)*o.Step, c.X, c.Tx, c.T)
			sum += (cur - prev) / math.Pow(1+o.Discount, float64(k))
			prev = cur
		}
		out[i] = o.Margin * spend * sum
	}
	return out, nil
}

// ExpectedActive returns the expected number of active customers, Σ P(alive).
func ExpectedActive(pm PurchaseModel, cs []Customer) float64 {
	var s float64
	for _, c := range cs {
		s += pm.PAlive(c.X, c.Tx, c.T)
	}
	return s
}
