package btyd

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

func TestFitParetoNBDCDNOW(t *testing.T) {
	cs := cdnowSummary(t)
	m, f, err := FitParetoNBD(context.Background(), cs, FitOptions{})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	near(t, "r", m.R, 0.55, 0.01)
	near(t, "alpha", m.Alpha, 10.58, 0.02)
	near(t, "s", m.S, 0.61, 0.01)
	near(t, "beta", m.Beta, 11.67, 0.02)
	near(t, "log-likelihood", f.LogLikelihood, -9595.0, 0.1)
	if !f.Converged {
		t.Errorf("not converged: %+v", f)
	}
	// The population forecast is close to BG/NBD's (both fit CDNOW well).
	near(t, "E[X(78)]", m.ExpectedX(78), 1.9, 0.1)
	if e := ExpectedActive(m, cs); !(e > 0 && e < float64(len(cs))) {
		t.Errorf("expected active = %v", e)
	}
}

// TestParetoA0 compares the Euler-transformed log-space A0 with the
// literal formula of metrics.md §6.3 in both branches (α ≥ β and α < β).
func TestParetoA0(t *testing.T) {
	direct := func(m ParetoNBD, x, tx, T float64) float64 {
		rsx := m.R + m.S + x
		if m.Alpha >= m.Beta {
			f := func(y float64) float64 {
				return mathext.Hypergeo(rsx, m.S+1, rsx+1, (m.Alpha-m.Beta)/(m.Alpha+y)) / math.Pow(m.Alpha+y, rsx)
			}
			return f(tx) - f(T)
		}
		f := func(y float64) float64 {
			return mathext.Hypergeo(rsx, m.R+x, rsx+1, (m.Beta-m.Alpha)/(m.Beta+y)) / math.Pow(m.Beta+y, rsx)
		}
		return f(tx) - f(T)
	}
	for _, m := range []ParetoNBD{
		{R: 0.55, Alpha: 10.58, S: 0.61, Beta: 11.67}, // α < β
		{R: 0.55, Alpha: 11.67, S: 0.61, Beta: 10.58}, // α ≥ β
		{R: 2, Alpha: 3, S: 1.5, Beta: 3},             // α = β
		{R: 1.1, Alpha: 20, S: 3, Beta: 2},
		{R: 1.1, Alpha: 2, S: 3, Beta: 20},
	} {
		for _, c := range [][3]float64{{0, 0, 30}, {1, 5, 30}, {4, 20, 38}, {10, 1, 2}} {
			want := math.Log(direct(m, c[0], c[1], c[2]))
			got := m.logA0(c[0], c[1], c[2])
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%+v %v: ln A0 = %v, direct %v", m, c, got, want)
			}
		}
	}
}

func TestParetoPredictions(t *testing.T) {
	m := ParetoNBD{R: 0.55, Alpha: 10.58, S: 0.61, Beta: 11.67}
	if p := m.PAlive(3, 20, 20); p != 1 {
		t.Errorf("P(alive) at t_x = T = %v, want 1", p)
	}
	if p := m.PAlive(0, 0, 0); p != 1 {
		t.Errorf("P(alive) at T = 0 = %v, want 1", p)
	}
	// x = 133, T = 200: (β+T)^{r+s+x} overflows if computed directly.
	for _, c := range [][3]float64{{133, 10, 200}, {133, 199, 200}, {1000, 10, 100}} {
		p := m.PAlive(c[0], c[1], c[2])
		e := m.ExpectedPurchases(39, c[0], c[1], c[2])
		if math.IsNaN(p) || p < 0 || p > 1 || math.IsNaN(e) || math.IsInf(e, 0) || e < 0 {
			t.Errorf("%v: P(alive) = %v, E[Y] = %v", c, p, e)
		}
	}
	if p := m.PAlive(1000, 10, 100); p != 0 {
		t.Errorf("P(alive | 1000, 10, 100) = %v, want 0", p)
	}
	// A fresh customer (x = t_x = T = 0) has E[Y(t)] = E[X(t)].
	for _, tt := range []float64{1, 39, 78} {
		near(t, "E[Y|0,0,0] vs E[X]", m.ExpectedPurchases(tt, 0, 0, 0), m.ExpectedX(tt), 1e-12)
	}
	// Small horizon: the posterior mean purchase rate times t.
	const h = 1e-8
	near(t, "E[Y(h)]/h", m.ExpectedPurchases(h, 2, 30.43, 38.86)/h, m.PAlive(2, 30.43, 38.86)*(m.R+2)/(m.Alpha+38.86), 1e-7)
	near(t, "E[X(h)]/h", m.ExpectedX(h)/h, m.R/m.Alpha, 1e-7)
	// s = 1 is a removable singularity: the limit matches a nearby s.
	m1, m2 := m, m
	m1.S, m2.S = 1, 1+1e-7
	near(t, "E[X] at s=1", m1.ExpectedX(39), m2.ExpectedX(39), 1e-6)
	near(t, "E[Y] at s=1", m1.ExpectedPurchases(39, 2, 30, 38), m2.ExpectedPurchases(39, 2, 30, 38), 1e-6)
	// E[X(t)] is the integral of the purchase rate: check by simple
	// numerical integration of d/dt E[X(t)] = r/α · (β/(β+t))^s.
	var integral float64
	const steps = 200000
	for i := range steps {
		u := (float64(i) + 0.5) * 39 / steps
		integral += m.R / m.Alpha * math.Pow(m.Beta/(m.Beta+u), m.S) * 39 / steps
	}
	near(t, "E[X(39)] vs integral", m.ExpectedX(39), integral, 1e-8)
}
