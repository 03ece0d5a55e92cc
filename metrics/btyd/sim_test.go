package btyd

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// simulateBGNBD draws n customers from the BG/NBD process with parameters
// m: λ ~ Gamma(r, α), p ~ Beta(a, b), exponential inter-purchase times and
// a drop-out with probability p after every repeat purchase. T is uniform
// on [27, 39] time units and all times are continuous, so exact grouping
// merges little beyond the x = 0 rows that share T (none here): the
// worst case for the fit.
func simulateBGNBD(m BGNBD, n int, seed uint64) []Customer {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	rng := rand.New(src)
	lam := distuv.Gamma{Alpha: m.R, Beta: m.Alpha, Src: src}
	drop := distuv.Beta{Alpha: m.A, Beta: m.B, Src: src}
	cs := make([]Customer, n)
	for i := range cs {
		l, p := lam.Rand(), drop.Rand()
		T := 27 + 12*rng.Float64()
		var x, tx, t float64
		for l > 0 {
			t += rng.ExpFloat64() / l
			if t > T {
				break
			}
			x++
			tx = t
			if rng.Float64() < p {
				break
			}
		}
		cs[i] = Customer{ID: strconv.Itoa(i + 1), X: x, Tx: tx, T: T}
	}
	return cs
}

var cdnowBGNBD = BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}

// TestFitBGNBDRecoversSimulatedParameters fits 20,000 simulated customers
// and checks that the fit recovers the parameters it was simulated from
// and that E[X(T)] matches the simulated mean x.
func TestFitBGNBDRecoversSimulatedParameters(t *testing.T) {
	truth := BGNBD{R: 0.5, Alpha: 4, A: 0.8, B: 2.5}
	cs := simulateBGNBD(truth, 20000, 7)
	m, f, err := FitBGNBD(context.Background(), cs, FitOptions{})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	if !f.Converged {
		t.Fatalf("not converged: %+v", f)
	}
	rel := func(got, want float64) float64 { return math.Abs(got-want) / want }
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"r", m.R, truth.R}, {"alpha", m.Alpha, truth.Alpha}, {"a", m.A, truth.A}, {"b", m.B, truth.B}} {
		if rel(c.got, c.want) > 0.15 {
			t.Errorf("%s = %.4f, simulated with %.4f", c.name, c.got, c.want)
		}
	}
	llTruth, err := truth.LogLikelihood(cs)
	if err != nil {
		t.Fatal(err)
	}
	if f.LogLikelihood < llTruth {
		t.Errorf("fitted LL %.3f below LL at the true parameters %.3f", f.LogLikelihood, llTruth)
	}
	var sumX, sumEX float64
	for _, c := range cs {
		sumX += c.X
		sumEX += m.ExpectedX(c.T)
	}
	if rel(sumEX, sumX) > 0.02 {
		t.Errorf("Σ E[X(T)] = %.1f, simulated Σ x = %.1f", sumEX, sumX)
	}
}

// BenchmarkFitBGNBD100k fits BG/NBD on 100,000 simulated customers with
// continuous t_x and T (no grouping help). Goal: under 5 s per fit on 2 cores.
func BenchmarkFitBGNBD100k(b *testing.B) {
	cs := simulateBGNBD(cdnowBGNBD, 100000, 42)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		m, f, err := FitBGNBD(context.Background(), cs, FitOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if !f.Converged {
			b.Fatalf("not converged: %+v", f)
		}
		b.ReportMetric(float64(f.Evaluations), "evals/op")
		b.ReportMetric(float64(f.Groups), "groups")
		b.Logf("%v: %+v %+v", time.Since(start), m, f)
	}
}
