package btyd

import (
	"context"
	"encoding/json"
	"math"
	"testing"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.6f, want %.4f ± %g", name, got, want, tol)
	}
}

// checkCDNOWBGNBD checks the published BG/NBD fit of metrics.md §6.6.
func checkCDNOWBGNBD(t *testing.T, m BGNBD, f Fit) {
	t.Helper()
	near(t, "r", m.R, 0.243, 0.005)
	near(t, "alpha", m.Alpha, 4.414, 0.01)
	near(t, "a", m.A, 0.793, 0.005)
	near(t, "b", m.B, 2.426, 0.01)
	near(t, "log-likelihood", f.LogLikelihood, -9582.4, 0.1)
	if !f.Converged || f.N != 2357 {
		t.Errorf("fit %+v: want converged on 2357 customers", f)
	}
}

func TestFitBGNBDCDNOW(t *testing.T) {
	m, f, err := FitBGNBD(context.Background(), cdnowSummary(t), FitOptions{})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	checkCDNOWBGNBD(t, m, f)
	if f.Groups != 1016 {
		t.Errorf("groups = %d, want 1016 distinct (x, t_x, T)", f.Groups)
	}
	// Predictions at the fitted parameters.
	near(t, "customer 1 E[Y(39)]", m.ExpectedPurchases(39, 2, 30.43, 38.86), 1.226, 0.002)
	near(t, "E[X(1)]", m.ExpectedX(1), 0.0532, 0.0005)
	near(t, "E[X(78)]", m.ExpectedX(78), 1.858, 0.002)
	if p := m.PAlive(1000, 10, 100); p != 0 {
		t.Errorf("P(alive | 1000, 10, 100) = %v, want exactly 0", p)
	}
	// The parameters travel as JSON into metrics.model_fits.params.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back BGNBD
	if err := json.Unmarshal(b, &back); err != nil || back != m {
		t.Errorf("json round trip: %s -> %+v (%v)", b, back, err)
	}
}

// TestFitBGNBDFromTransactions fits on the summary BuildSummary makes from
// the raw CDNOW transactions (full precision, not 2-decimal rounded).
func TestFitBGNBDFromTransactions(t *testing.T) {
	cs, err := BuildSummary(cdnowTransactions(t), SummaryOptions{CalibrationEnd: calEnd, Unit: Week})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	m, f, err := FitBGNBD(context.Background(), cs, FitOptions{})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	checkCDNOWBGNBD(t, m, f)
}

// TestBGNBDLogLikelihoodAtPublished evaluates the likelihood at the
// published parameters: it must be the published −9,582.4 too.
func TestBGNBDLogLikelihoodAtPublished(t *testing.T) {
	ll, err := cdnowBGNBD.LogLikelihood(cdnowSummary(t))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "LL at published parameters", ll, -9582.4, 0.1)
}

// TestBGNBDLogLikelihoodSingle checks one customer's LL against the
// formula of metrics.md §6.2 written out directly.
func TestBGNBDLogLikelihoodSingle(t *testing.T) {
	m := BGNBD{R: 0.7, Alpha: 3, A: 1.3, B: 2.1}
	lg := func(v float64) float64 { l, _ := math.Lgamma(v); return l }
	for _, c := range []Customer{{X: 0, T: 10}, {X: 3, Tx: 7.5, T: 12}, {X: 1, Tx: 12, T: 12}} {
		x := c.X
		a1 := lg(m.R+x) - lg(m.R) + m.R*math.Log(m.Alpha)
		a2 := lg(m.A+m.B) + lg(m.B+x) - lg(m.B) - lg(m.A+m.B+x)
		l := math.Pow(m.Alpha+c.T, -(m.R + x))
		if x > 0 {
			l += m.A / (m.B + x - 1) * math.Pow(m.Alpha+c.Tx, -(m.R+x))
		}
		want := a1 + a2 + math.Log(l)
		got, err := m.LogLikelihood([]Customer{c})
		if err != nil {
			t.Fatal(err)
		}
		near(t, "LL", got, want, 1e-12)
	}
}

// TestBGNBDGradient compares the analytic gradient with central
// differences at a point away from the optimum.
func TestBGNBDGradient(t *testing.T) {
	g, err := groupRFM(cdnowSummary(t))
	if err != nil {
		t.Fatal(err)
	}
	m := BGNBD{R: 0.4, Alpha: 3, A: 1.4, B: 1.9}
	_, d := m.groupLL(g, 1, true)
	p := []float64{m.R, m.Alpha, m.A, m.B}
	for i := range p {
		h := 1e-6 * p[i]
		up, dn := append([]float64(nil), p...), append([]float64(nil), p...)
		up[i] += h
		dn[i] -= h
		lu, _ := BGNBD{up[0], up[1], up[2], up[3]}.groupLL(g, 1, false)
		ld, _ := BGNBD{dn[0], dn[1], dn[2], dn[3]}.groupLL(g, 1, false)
		num := (lu - ld) / (2 * h)
		if math.Abs(num-d[i]) > 1e-5*math.Max(1, math.Abs(num)) {
			t.Errorf("d/dp%d analytic %v, numeric %v", i, d[i], num)
		}
	}
	// Parallel and serial evaluation agree.
	l1, _ := m.groupLL(g, 1, true)
	l2, _ := m.groupLL(g, 2, true)
	near(t, "2-worker LL", l2, l1, 1e-8)
}

// TestBGNBDPredictionConsistency checks identities the closed forms must
// satisfy: a customer who just made the first purchase (x = t_x = T = 0)
// has E[Y(t)] = E[X(t)]; P(X(t)=n) sums to 1 with mean E[X(t)]; the a = 1
// singularity is guarded; the a < 1 sign convention gives positive values.
func TestBGNBDPredictionConsistency(t *testing.T) {
	for _, m := range []BGNBD{cdnowBGNBD, {R: 1.2, Alpha: 2, A: 2.5, B: 4}, {R: 0.3, Alpha: 6, A: 1, B: 3}, {R: 0.3, Alpha: 6, A: 1 + 1e-11, B: 3}} {
		for _, tt := range []float64{0.5, 1, 39, 78} {
			ex := m.ExpectedX(tt)
			if !(ex > 0) || math.IsInf(ex, 0) {
				t.Fatalf("%+v E[X(%v)] = %v", m, tt, ex)
			}
			near(t, "E[Y(t)|0,0,0] vs E[X(t)]", m.ExpectedPurchases(tt, 0, 0, 0), ex, 1e-9*math.Max(1, ex))
			var sum, mean float64
			for n := 0; n < 5000; n++ {
				p := m.ProbabilityOfPurchases(tt, n)
				if p < 0 || math.IsNaN(p) {
					t.Fatalf("P(X(%v)=%d) = %v", tt, n, p)
				}
				sum += p
				mean += float64(n) * p
			}
			near(t, "Σ P(X(t)=n)", sum, 1, 1e-6)
			near(t, "Σ n P(X(t)=n)", mean, ex, 1e-4*math.Max(1, ex))
		}
	}
	// a = 1 exactly lands on the guard and agrees with a nearby a.
	m1 := BGNBD{R: 0.3, Alpha: 6, A: 1, B: 3}
	m2 := BGNBD{R: 0.3, Alpha: 6, A: 1 + 1e-6, B: 3}
	near(t, "E[X(39)] at a=1", m1.ExpectedX(39), m2.ExpectedX(39), 1e-4)
	near(t, "E[Y] at a=1", m1.ExpectedPurchases(39, 2, 30, 38), m2.ExpectedPurchases(39, 2, 30, 38), 1e-4)
}

func TestBGNBDPAlive(t *testing.T) {
	m := cdnowBGNBD
	tests := []struct {
		name      string
		x, tx, T  float64
		want, tol float64
	}{
		{"x = 0 is alive", 0, 0, 38.86, 1, 0},
		{"last purchase at T", 5, 30, 30, 1 / (1 + m.A/(m.B+4)), 1e-15},
		{"overflow gives exactly 0", 1000, 10, 100, 0, 0},
		{"hand formula", 2, 30.43, 38.86, 1 / (1 + m.A/(m.B+1)*math.Pow((m.Alpha+38.86)/(m.Alpha+30.43), m.R+2)), 1e-15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := m.PAlive(tc.x, tc.tx, tc.T)
			if math.Abs(got-tc.want) > tc.tol {
				t.Errorf("P(alive) = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBGNBDSeriesForms checks that the literal and the Euler-transformed
// series agree where both converge quickly, and that E[Y] for a huge
// repeat buyer (where only the transformed series is usable) is close to
// the Pareto/NBD-style rate·time bound.
func TestBGNBDSeriesForms(t *testing.T) {
	for _, m := range []BGNBD{cdnowBGNBD, {R: 2, Alpha: 1, A: 3.5, B: 2}} {
		for _, c := range [][3]float64{{0, 4, 39}, {2, 43, 39}, {5, 20, 10}, {30, 50, 5}} {
			x, s, tt := c[0], c[1], c[2]
			z, lq := tt/(s+tt), -math.Log1p(tt/s)
			h1 := series2F1(m.R+x, m.B+x, m.A+m.B+x-1, z)
			h2 := series2F1(m.A+m.B-1-m.R, m.A-1, m.A+m.B+x-1, z)
			l1, s1 := (m.R+x)*lq+h1.logAbs, h1.sign
			l2, s2 := (m.A-1)*lq+h2.logAbs, h2.sign
			if got, gs, ok := m.scaled2F1(x, s, tt); !ok || gs != s1 || math.Abs(got-l1) > 1e-12*math.Max(1, math.Abs(l1)) {
				t.Errorf("%+v %v: scaled2F1 %v·e^%v, literal %v·e^%v", m, c, gs, got, s1, l1)
			}
			if s1 != s2 || math.Abs(l1-l2) > 1e-12*math.Max(1, math.Abs(l1)) {
				t.Errorf("%+v %v: literal %v·e^%v, Euler %v·e^%v", m, c, s1, l1, s2, l2)
			}
		}
	}
	// x = 10^6 purchases in 100 weeks, still alive: about 10^4 a week.
	m := cdnowBGNBD
	e := m.ExpectedPurchases(39, 1e6, 100, 100)
	if !(e > 0.8*39*1e6/(m.Alpha+100) && e < 39*1e6/(m.Alpha+100)) {
		t.Errorf("E[Y(39) | 1e6, 100, 100] = %v", e)
	}
}

// TestBGNBDQuadrature checks the integral fallback against the closed form
// where the series are accurate, and that it takes over (positive, finite)
// where they are not.
func TestBGNBDQuadrature(t *testing.T) {
	for _, m := range []BGNBD{cdnowBGNBD, {R: 2, Alpha: 1, A: 3.5, B: 2}, {R: 0.5, Alpha: 10, A: 0.3, B: 0.4}} {
		for _, c := range [][3]float64{{0, 4, 39}, {2, 43, 39}, {5, 20, 10}, {30, 50, 5}, {1000, 104, 39}} {
			x, s, tt := c[0], c[1], c[2]
			want := m.aliveExpected(tt, x, s)
			got := expectedByQuadrature(m.R+x, s, m.A, m.B+x, tt)
			if math.Abs(got-want) > 1e-8*math.Max(1, want) {
				t.Errorf("%+v %v: quadrature %v, closed form %v", m, c, got, want)
			}
		}
	}
	// r = 90, α = 0.012, a+b < 1, t = 82: z ≈ 0.99985, the literal series
	// needs ~6e5 terms and the transformed one cancels 40 digits.
	m := BGNBD{R: 90.44, Alpha: 0.01205, A: 0.9975, B: 0.01361}
	if _, _, ok := m.scaled2F1(0, m.Alpha, 82); ok {
		t.Fatalf("expected the series to be refused here")
	}
	e := m.ExpectedX(82)
	// Almost everyone drops out at the first repeat purchase (b tiny), so
	// E[X] is a little above P(at least one purchase) ≈ 1.
	if !(e > 0.9 && e < 1e3) {
		t.Errorf("E[X(82)] = %v", e)
	}
}

// TestBGNBDSmallHorizon: for t → 0 the expected purchases are the current
// mean purchase rate times t, to full relative precision.
func TestBGNBDSmallHorizon(t *testing.T) {
	m := cdnowBGNBD
	const h = 1e-8
	near(t, "E[X(h)]/h", m.ExpectedX(h)/h, m.R/m.Alpha, 1e-7)
	want := m.PAlive(2, 30.43, 38.86) * (m.R + 2) / (m.Alpha + 38.86)
	near(t, "E[Y(h)]/h", m.ExpectedPurchases(h, 2, 30.43, 38.86)/h, want, 1e-7)
}
