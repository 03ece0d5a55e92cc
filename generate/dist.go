package generate

import (
	"math"
	"math/rand/v2"
	"time"
)

// Random variates not in math/rand/v2. All draws go through a *rand.Rand
// seeded from Options.Seed, so results are reproducible.

// gamma draws from Gamma(shape, 1) (Marsaglia & Tsang 2000).
func gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := r.Float64()
		for u == 0 {
			u = r.Float64()
		}
		return gamma(r, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// beta draws from Beta(a, b).
func beta(r *rand.Rand, a, b float64) float64 {
	x := gamma(r, a)
	y := gamma(r, b)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

// lognormal draws a duration whose median is median and whose log has
// standard deviation sigma.
func lognormal(r *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

// poisson draws from Poisson(mean) for small means (Knuth).
func poisson(r *rand.Rand, mean float64) int {
	l := math.Exp(-mean)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// pick returns an index drawn with the given integer weights.
func pick(r *rand.Rand, ws []weighted) int {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	n := r.IntN(total)
	for i, w := range ws {
		if n < w.weight {
			return i
		}
		n -= w.weight
	}
	return len(ws) - 1
}

// oneOf returns a uniformly drawn element of xs.
func oneOf(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// uniformDur draws uniformly from [lo, hi).
func uniformDur(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

const day = 24 * time.Hour
const week = 7 * day

// businessHours moves t onto a weekday between 08:00 and 18:00 UTC, keeping
// its date when possible; used for human-made events (orders, cases).
func businessHours(r *rand.Rand, t time.Time) time.Time {
	d := t.Truncate(day)
	switch d.Weekday() {
	case time.Saturday:
		d = d.Add(2 * day)
	case time.Sunday:
		d = d.Add(day)
	}
	return d.Add(8*time.Hour + time.Duration(r.Int64N(int64(10*time.Hour/time.Second)))*time.Second)
}

// sec truncates t to whole seconds.
func sec(t time.Time) time.Time { return t.Truncate(time.Second) }

func maxTime(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}
