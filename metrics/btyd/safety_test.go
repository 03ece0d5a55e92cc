package btyd

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkCustomer asserts the numerical contract for one customer and
// horizon under every model: finite likelihoods and predictions,
// 0 <= P(alive) <= 1, non-negative expectations (up to rounding).
func checkCustomer(t *testing.T, bg BGNBD, pn ParetoNBD, c Customer, h float64) {
	t.Helper()
	where := func() string {
		return "bg=" + fmtAny(bg) + " pn=" + fmtAny(pn) + " c=" + fmtAny(c) + " t=" + fmtAny(h)
	}
	if p := bg.PAlive(c.X, c.Tx, c.T); !(p >= 0 && p <= 1) {
		t.Fatalf("bg P(alive) = %v; %s", p, where())
	}
	if p := pn.PAlive(c.X, c.Tx, c.T); !(p >= 0 && p <= 1) {
		t.Fatalf("pareto P(alive) = %v; %s", p, where())
	}
	for name, v := range map[string]float64{
		"bg E[Y]":     bg.ExpectedPurchases(h, c.X, c.Tx, c.T),
		"bg E[X]":     bg.ExpectedX(h),
		"pareto E[Y]": pn.ExpectedPurchases(h, c.X, c.Tx, c.T),
		"pareto E[X]": pn.ExpectedX(h),
	} {
		if !finite(v) || v < -1e-9 {
			t.Fatalf("%s = %v; %s", name, v, where())
		}
	}
	// Expected purchases grow with the horizon.
	for name, e := range map[string]func(float64) float64{
		"bg E[Y]":     func(h float64) float64 { return bg.ExpectedPurchases(h, c.X, c.Tx, c.T) },
		"bg E[X]":     bg.ExpectedX,
		"pareto E[Y]": func(h float64) float64 { return pn.ExpectedPurchases(h, c.X, c.Tx, c.T) },
		"pareto E[X]": pn.ExpectedX,
	} {
		if e1, e2 := e(h), e(2*h); e2 < e1*(1-1e-7)-1e-12 {
			t.Fatalf("%s not increasing: %v at t, %v at 2t; %s", name, e1, e2, where())
		}
	}
	for name, f := range map[string]func([]Customer) (float64, error){"bg LL": bg.LogLikelihood, "pareto LL": pn.LogLikelihood} {
		ll, err := f([]Customer{c})
		if err != nil || !finite(ll) {
			t.Fatalf("%s = %v, %v; %s", name, ll, err, where())
		}
	}
	if p := bg.ProbabilityOfPurchases(h, int(math.Min(c.X, 1e4))); !(p >= 0 && p <= 1+1e-12) {
		t.Fatalf("bg P(X(t)=%v) = %v; %s", c.X, p, where())
	}
}

func fmtAny(v any) string { return fmtSprint(v) }

// TestExtremeCustomers runs the contract on hand-picked edge cases.
func TestExtremeCustomers(t *testing.T) {
	pn := ParetoNBD{R: 0.55, Alpha: 10.58, S: 0.61, Beta: 11.67}
	bgs := []BGNBD{cdnowBGNBD, {R: 0.243, Alpha: 4.414, A: 1, B: 2.426}, {R: 50, Alpha: 0.01, A: 0.01, B: 50}, {R: 0.01, Alpha: 500, A: 40, B: 0.05}}
	customers := []Customer{
		{X: 0, Tx: 0, T: 0},
		{X: 0, Tx: 0, T: 1e-12},
		{X: 0, Tx: 0, T: 1e4},
		{X: 1, Tx: 1e-12, T: 1e-12},
		{X: 1, Tx: 0, T: 5},
		{X: 3, Tx: 20, T: 20},
		{X: 1000, Tx: 10, T: 100},
		{X: 133, Tx: 10, T: 200},
		{X: 1e6, Tx: 1, T: 1e4},
		{X: 1e6, Tx: 1e4, T: 1e4},
	}
	for _, bg := range bgs {
		for _, c := range customers {
			for _, h := range []float64{0, 1e-9, 1, 39, 1e4} {
				checkCustomer(t, bg, pn, c, h)
			}
		}
	}
}

// TestRandomCustomersProperty checks the contract on 1,000 random models,
// customers and horizons: parameters log-uniform in [1e-3, 1e3], x up to
// 1e6, T up to 1e3, horizons up to 1e3 (fixed seed).
func TestRandomCustomersProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lu := func(lo, hi float64) float64 {
		return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
	}
	for range 1000 {
		bg := BGNBD{R: lu(1e-3, 1e3), Alpha: lu(1e-3, 1e3), A: lu(1e-3, 1e3), B: lu(1e-3, 1e3)}
		pn := ParetoNBD{R: lu(1e-3, 1e3), Alpha: lu(1e-3, 1e3), S: lu(1e-3, 1e3), Beta: lu(1e-3, 1e3)}
		T := lu(1e-3, 1e3)
		x := math.Floor(lu(1, 1e6)) - 1
		tx := 0.0
		if x > 0 {
			tx = T * rng.Float64()
		}
		checkCustomer(t, bg, pn, Customer{X: x, Tx: tx, T: T}, lu(1e-3, 1e3))
	}
}

// FuzzPredictions feeds arbitrary numbers, folded into the supported
// domain, through the same contract.
func FuzzPredictions(f *testing.F) {
	f.Add(0.243, 4.414, 0.793, 2.426, 1000.0, 10.0, 100.0, 39.0)
	f.Add(0.55, 10.58, 0.61, 11.67, 133.0, 10.0, 200.0, 39.0)
	f.Add(1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)
	f.Add(1e-300, 1e300, -5.0, math.NaN(), 1e12, 2.0, 1.0, math.Inf(1))
	f.Fuzz(func(t *testing.T, p1, p2, p3, p4, x, tx, T, h float64) {
		// Fold into: parameters [1e-2, 1e2], x integer [0, 1e5], 0 <= t_x <= T <= 1e3, t in [0, 1e3].
		fold := func(v, lo, hi float64) float64 {
			if !finite(v) {
				return lo
			}
			v = math.Abs(math.Mod(v, hi-lo))
			return lo + v
		}
		lp := func(v float64) float64 { return math.Exp(fold(v, math.Log(1e-2), math.Log(1e2))) }
		bg := BGNBD{R: lp(p1), Alpha: lp(p2), A: lp(p3), B: lp(p4)}
		pn := ParetoNBD{R: lp(p2), Alpha: lp(p3), S: lp(p4), Beta: lp(p1)}
		c := Customer{X: math.Floor(fold(x, 0, 1e5)), T: fold(T, 0, 1e3)}
		if c.X > 0 {
			c.Tx = math.Min(fold(tx, 0, 1e3), c.T)
		}
		checkCustomer(t, bg, pn, c, fold(h, 0, 1e3))
	})
}

// TestFitDegenerateData: fits on data with no information about some
// parameters must still return finite parameters and no error.
func TestFitDegenerateData(t *testing.T) {
	ctx := context.Background()
	sets := map[string][]Customer{
		"all x = 0":    {{ID: "a", T: 10}, {ID: "b", T: 20}, {ID: "c", T: 30}},
		"one customer": {{ID: "a", X: 3, Tx: 5, T: 9}},
		"all t_x = T":  {{ID: "a", X: 2, Tx: 9, T: 9}, {ID: "b", X: 5, Tx: 12, T: 12}},
		"tiny T":       {{ID: "a", X: 1, Tx: 1e-9, T: 1e-9}, {ID: "b", T: 1e-9}},
	}
	for name, cs := range sets {
		t.Run(name, func(t *testing.T) {
			bg, f, err := FitBGNBD(ctx, cs, FitOptions{})
			if err != nil {
				t.Fatalf("bg/nbd: %v", err)
			}
			for _, v := range []float64{bg.R, bg.Alpha, bg.A, bg.B, f.LogLikelihood} {
				if !finite(v) {
					t.Fatalf("bg/nbd %+v %+v", bg, f)
				}
			}
			pn, f, err := FitParetoNBD(ctx, cs, FitOptions{})
			if err != nil {
				t.Fatalf("pareto/nbd: %v", err)
			}
			for _, v := range []float64{pn.R, pn.Alpha, pn.S, pn.Beta, f.LogLikelihood} {
				if !finite(v) {
					t.Fatalf("pareto/nbd %+v %+v", pn, f)
				}
			}
			t.Logf("bg %+v pareto %+v", bg, pn)
		})
	}
}

func fmtSprint(v any) string { return fmt.Sprintf("%+v", v) }
