package btyd

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestCLV(t *testing.T) {
	bg := cdnowBGNBD
	gg := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	cs := []Customer{
		{ID: "1", X: 2, Tx: 30.43, T: 38.86, Mx: 22.35},
		{ID: "3", X: 0, Tx: 0, T: 38.86},
		{ID: "big", X: 1000, Tx: 10, T: 100, Mx: 40},
	}
	month := Month.In(Week)
	opts := CLVOptions{Steps: 12, Step: month, Discount: 0.01, Margin: 0.3}
	got, err := CLV(bg, gg, cs, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		spend, _ := gg.ExpectedSpend(c.X, c.Mx)
		var want float64
		for k := 1; k <= 12; k++ {
			d := bg.ExpectedPurchases(float64(k)*month, c.X, c.Tx, c.T) - bg.ExpectedPurchases(float64(k-1)*month, c.X, c.Tx, c.T)
			want += d / math.Pow(1.01, float64(k))
		}
		want *= 0.3 * spend
		near(t, "CLV "+c.ID, got[i], want, 1e-9)
	}
	if got[2] != 0 {
		t.Errorf("a customer with P(alive) = 0 has CLV %v, want 0", got[2])
	}
	if !(got[0] > got[1] && got[1] > 0) {
		t.Errorf("CLV customer 1 = %v, x = 0 customer = %v", got[0], got[1])
	}
	// Undiscounted, the sum telescopes to m·E[M]·E[Y(KΔ)].
	flat, _ := CLV(bg, gg, cs[:1], CLVOptions{Steps: 12, Step: month, Margin: 1})
	spend, _ := gg.ExpectedSpend(2, 22.35)
	near(t, "undiscounted CLV", flat[0], spend*bg.ExpectedPurchases(12*month, 2, 30.43, 38.86), 1e-9)
	// The lifetimes pitfall: Δ = 30 weeks instead of a month inflates CLV.
	wrong, _ := CLV(bg, gg, cs[:1], CLVOptions{Steps: 12, Step: 30, Discount: 0.01, Margin: 0.3})
	if !(wrong[0] > 3*got[0]) {
		t.Errorf("Δ=30 weeks CLV %v should be far above monthly %v", wrong[0], got[0])
	}
	// Pareto/NBD plugs in the same way.
	pn := ParetoNBD{R: 0.55, Alpha: 10.58, S: 0.61, Beta: 11.67}
	pv, err := CLV(pn, gg, cs[:1], opts)
	if err != nil || !(pv[0] > 0) {
		t.Errorf("pareto CLV = %v, %v", pv, err)
	}
}

func TestCLVErrors(t *testing.T) {
	bg, gg := cdnowBGNBD, GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	cs := []Customer{{ID: "1", X: 2, Tx: 30, T: 38, Mx: 20}}
	for _, tc := range []struct {
		name string
		o    CLVOptions
		gg   GammaGamma
		cs   []Customer
		want error
	}{
		{"no steps", CLVOptions{Step: 1, Margin: 1}, gg, cs, ErrInvalidInput},
		{"zero step", CLVOptions{Steps: 3, Margin: 1}, gg, cs, ErrInvalidInput},
		{"negative discount", CLVOptions{Steps: 3, Step: 1, Discount: -0.1, Margin: 1}, gg, cs, ErrInvalidInput},
		{"NaN margin", CLVOptions{Steps: 3, Step: 1, Margin: math.NaN()}, gg, cs, ErrInvalidInput},
		{"t_x > T", CLVOptions{Steps: 3, Step: 1, Margin: 1}, gg, []Customer{{X: 1, Tx: 5, T: 4}}, ErrInvalidInput},
		{"infinite mean spend", CLVOptions{Steps: 3, Step: 1, Margin: 1}, GammaGamma{P: 1, Q: 0.9, Gamma: 1}, cs, ErrNoFiniteMean},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CLV(bg, tc.gg, tc.cs, tc.o); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestExpectedActiveCDNOW: Σ P(alive) over CDNOW at the fitted BG/NBD is
// above the number of x = 0 customers (alive by convention) and below the
// 2,357 customers.
func TestExpectedActiveCDNOW(t *testing.T) {
	cs := cdnowSummary(t)
	m, _, err := FitBGNBD(context.Background(), cs, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := ExpectedActive(m, cs)
	var zeros, sum float64
	for _, c := range cs {
		if c.X == 0 {
			zeros++
		}
		sum += m.PAlive(c.X, c.Tx, c.T)
	}
	near(t, "Σ P(alive)", e, sum, 1e-9)
	if !(e > zeros && e < float64(len(cs))) {
		t.Errorf("expected active %v, want in (%v, %d)", e, zeros, len(cs))
	}
}
