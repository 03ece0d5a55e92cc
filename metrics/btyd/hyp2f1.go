package btyd

import "math"

// maxSeriesTerms caps the Gauss series; metrics.md §6.2 asks for about 2e5.
const maxSeriesTerms = 200000

// log2F1 returns ln|2F1(a,b;c;z)| and the sign of 2F1 for 0 <= z < 1 by
// summing the Gauss series (see series2F1).
func log2F1(a, b, c, z float64) (logAbs, sign float64) {
	s := series2F1(a, b, c, z)
	return s.logAbs, s.sign
}

// hypSeries is the outcome of summing a Gauss series.
type hypSeries struct {
	logAbs, sign float64
	// logCond is ln(max |term| / |sum|): 0 when no cancellation happened,
	// about 35 when every digit was lost.
	logCond   float64
	converged bool // stopped on the 1e-15 criterion, not on the term cap
}

// series2F1 sums 2F1(a,b;c;z) = Σ (a)_n (b)_n / ((c)_n n!) z^n for
// 0 <= z < 1 until a term is below 1e-15 of the running sum (or
// maxSeriesTerms terms). The partial sum is rescaled whenever it grows
// past 1e280, so the result stays finite where 2F1 itself overflows a
// float64. When c is a non-positive integer (a pole) c is nudged by 1e-9.
func series2F1(a, b, c, z float64) hypSeries {
	if z == 0 {
		return hypSeries{sign: 1, converged: true}
	}
	if c <= 0 && c == math.Trunc(c) {
		c += 1e-9
	}
	const scale, logScaleStep = 1e-280, 280 * math.Ln10
	sum, term, shift := 1.0, 1.0, 0.0
	maxTerm := 1.0 // in the same (rescaled) units as sum
	converged := false
	for n := 0; n < maxSeriesTerms; n++ {
		fn := float64(n)
		term *= (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		sum += term
		maxTerm = math.Max(maxTerm, math.Abs(term))
		if math.Abs(term) <= 1e-15*math.Abs(sum) {
			converged = true
			break
		}
		if math.Abs(sum) > 1e280 || math.Abs(term) > 1e280 {
			sum *= scale
			term *= scale
			maxTerm *= scale
			shift += logScaleStep
		}
	}
	out := hypSeries{sign: 1, converged: converged}
	if sum < 0 {
		out.sign = -1
	}
	out.logAbs = math.Log(math.Abs(sum)) + shift
	out.logCond = math.Log(maxTerm) - math.Log(math.Abs(sum))
	return out
}

// logAddExp returns ln(e^a + e^b) without overflow.
func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// log1mExp returns ln(1 − e^d) for d <= 0 (−Inf for d >= 0), accurately
// for d near 0 and for very negative d.
func log1mExp(d float64) float64 {
	switch {
	case d >= 0:
		return math.Inf(-1)
	case d > -math.Ln2:
		return math.Log(-math.Expm1(d))
	default:
		return math.Log1p(-math.Exp(d))
	}
}

// expm1Ratio returns (1 − e^{e·l})/e, the limit −l when e → 0. It carries
// the "(1 − q^{s−1})/(s−1)" factors of the Pareto/NBD through s = 1.
func expm1Ratio(e, l float64) float64 {
	if math.Abs(e) < 1e-12 {
		return -l
	}
	return -math.Expm1(e*l) / e
}

// logistic returns 1/(1+e^L), exactly 0 when L > 709 so that huge L never
// overflows into Inf/Inf = NaN (metrics.md §6.2, P(alive) overflow).
func logistic(L float64) float64 {
	if L > 709 {
		return 0
	}
	if math.IsInf(L, -1) {
		return 1
	}
	return 1 / (1 + math.Exp(L))
}
