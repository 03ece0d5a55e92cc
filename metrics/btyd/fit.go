package btyd

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/optimize"
)

// ErrInvalidInput marks customer rows or arguments a model refuses
// (negative or non-finite values, t_x > T, fractional x, no rows).
var ErrInvalidInput = errors.New("invalid model input")

// Customer is one row of the calibration summary in the model's time unit:
// X repeat purchase occasions, Tx the time of the last purchase after the
// first one (0 when X = 0), T the time from the first purchase to the end of
// calibration, and Mx the mean value of the repeat occasions (0 when X = 0).
// Mx is a statistical input here; the exact amounts stay decimal in
// BuildSummary.
type Customer struct {
	ID string  `json:"id"`
	X  float64 `json:"x"`
	Tx float64 `json:"t_x"`
	T  float64 `json:"T"`
	Mx float64 `json:"m_x"`
}

// FitOptions tunes a maximum-likelihood fit. The zero value is the default.
type FitOptions struct {
	// Start is the starting point in natural parameter order (for BG/NBD
	// r, α, a, b). Nil uses the model's default start.
	Start []float64
	// Penalty is an L2 penalty λ·Σθ² added to the mean negative
	// log-likelihood (lifetimes' penalizer_coef; default 0, no penalty).
	Penalty float64
	// Restarts caps the optimiser restarts from the best point (BFGS
	// restarts with an analytic gradient, Nelder–Mead restarts otherwise;
	// default 10).
	Restarts int
	// Workers is the number of goroutines that evaluate the likelihood on
	// large inputs (default GOMAXPROCS).
	Workers int
}

// Fit describes how a maximum-likelihood fit went. LogLikelihood is the
// unpenalised total log-likelihood at the returned parameters, N the
// customers used and Groups the distinct rows actually evaluated.
// Converged means GradientNorm (∞-norm of the gradient of the mean
// objective in log-parameter space) is below 1e-5. Iterations are the
// optimisers' major iterations and Evaluations the likelihood passes,
// summed over all restarts.
type Fit struct {
	LogLikelihood float64 `json:"log_likelihood"`
	N             int     `json:"n"`
	Groups        int     `json:"groups"`
	Converged     bool    `json:"converged"`
	Iterations    int     `json:"iterations"`
	Evaluations   int     `json:"evaluations"`
	GradientNorm  float64 `json:"gradient_norm"`
}

// objective evaluates the mean negative log-likelihood (plus penalty) at
// log-parameters theta and, when grad is not nil, its gradient in theta.
type objective func(theta, grad []float64) float64

// convergedGradient is the largest ∞-norm of the gradient of the mean
// negative log-likelihood (log-parameter space) that counts as converged.
const convergedGradient = 1e-5

// minimize finds the minimum of f from the log-parameters x0. With an
// analytic gradient: BFGS, restarted until a restart improves by less than
// 1e-10 (relative); if the gradient is then still not small, the
// Nelder–Mead stage below runs as well. Without one (or as that fallback):
// Nelder–Mead restarted from its best point until a restart improves by
// less than 1e-10, each followed by BFGS when a gradient exists. Every
// evaluation is watched and the best point seen is returned, so a failed
// line search cannot lose progress.
func minimize(ctx context.Context, f objective, hasGrad bool, x0 []float64, opts FitOptions) ([]float64, Fit, error) {
	dim := len(x0)
	var st Fit
	best := append([]float64(nil), x0...)
	bestF := math.Inf(1)
	watch := func(x []float64, v float64) float64 {
		st.Evaluations++
		if math.IsNaN(v) {
			v = math.Inf(1)
		}
		if v < bestF {
			bestF = v
			copy(best, x)
		}
		return v
	}
	// During BFGS gonum asks for Func and then Grad at the same point; one
	// pass computes both, so Func evaluates the gradient too and caches it.
	gradPhase := false
	var cacheX, cacheG []float64
	cacheF := math.NaN()
	prob := optimize.Problem{
		Func: func(x []float64) float64 {
			if !gradPhase {
				return watch(x, f(x, nil))
			}
			if cacheG == nil {
				cacheG = make([]float64, dim)
			}
			cacheF = watch(x, f(x, cacheG))
			cacheX = append(cacheX[:0], x...)
			return cacheF
		},
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	if hasGrad {
		prob.Grad = func(g, x []float64) {
			var v float64
			if gradPhase && !math.IsNaN(cacheF) && slices.Equal(x, cacheX) {
				v = cacheF
				copy(g, cacheG)
			} else {
				v = watch(x, f(x, g))
			}
			if math.IsInf(v, 1) {
				for i := range g {
					g[i] = 0
				}
			}
		}
	}
	runNM := func(size float64) error {
		set := &optimize.Settings{
			Converger:       &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 20 * dim},
			MajorIterations: 5000,
		}
		res, err := optimize.Minimize(prob, append([]float64(nil), best...), set, &optimize.NelderMead{SimplexSize: size})
		if res != nil {
			st.Iterations += res.Stats.MajorIterations
		}
		return err
	}
	runBFGS := func() error {
		set := &optimize.Settings{GradientThreshold: 1e-9, MajorIterations: 500,
			Converger: &optimize.FunctionConverge{Absolute: 1e-14, Relative: 1e-14, Iterations: 10}}
		gradPhase, cacheF = true, math.NaN()
		defer func() { gradPhase = false }()
		res, err := optimize.Minimize(prob, append([]float64(nil), best...), set, &optimize.BFGS{})
		if res != nil {
			st.Iterations += res.Stats.MajorIterations
		}
		return err
	}
	ctxErr := func(err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("fit: %w", cerr)
		}
		return nil // optimiser failures (line search, etc.) are not fatal: best point is kept
	}
	restarts := opts.Restarts
	if restarts <= 0 {
		restarts = 10
	}
	improved := func(before float64) bool {
		return before-bestF > 1e-10*math.Max(1, math.Abs(bestF))
	}
	gradNorm := func() float64 {
		g := make([]float64, dim)
		if hasGrad {
			f(best, g)
		} else {
			numericGrad(f, best, g)
		}
		var n float64
		for _, v := range g {
			n = math.Max(n, math.Abs(v))
		}
		return n
	}
	if hasGrad {
		// Analytic gradient: BFGS, restarted with a fresh Hessian estimate
		// until a restart no longer improves. Nelder–Mead below only runs if
		// that did not reach a small gradient (line-search stalls, ridges).
		for i := 0; i <= restarts; i++ {
			before := bestF
			if err := ctxErr(runBFGS()); err != nil {
				return nil, st, err
			}
			if i > 0 && !improved(before) {
				break
			}
		}
		if gradNorm() < convergedGradient/10 {
			restarts = -1
		}
	}
	size := 0.5
	for i := 0; i <= restarts; i++ {
		before := bestF
		if err := ctxErr(runNM(size)); err != nil {
			return nil, st, err
		}
		size = 0.1
		if hasGrad {
			if err := ctxErr(runBFGS()); err != nil {
				return nil, st, err
			}
		}
		if i > 0 && !improved(before) {
			break
		}
	}
	st.GradientNorm = gradNorm()
	st.Converged = !math.IsInf(bestF, 1) && st.GradientNorm < convergedGradient
	return best, st, nil
}

// numericGrad fills g with central differences of f at x.
func numericGrad(f objective, x, g []float64) {
	y := append([]float64(nil), x...)
	for i := range x {
		h := 1e-5 * math.Max(1, math.Abs(x[i]))
		y[i] = x[i] + h
		fp := f(y, nil)
		y[i] = x[i] - h
		fm := f(y, nil)
		y[i] = x[i]
		g[i] = (fp - fm) / (2 * h)
	}
}

// workersFor returns how many goroutines to use for n likelihood rows.
func workersFor(n int, opts FitOptions) int {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	if n < 20000 {
		return 1
	}
	return max(1, min(w, n/10000))
}

// parallelSum splits [0,n) into w chunks, runs fn on each with its own
// accumulator of length k, and returns the element-wise sum.
func parallelSum(n, w, k int, fn func(lo, hi int, acc []float64)) []float64 {
	if w <= 1 {
		acc := make([]float64, k)
		fn(0, n, acc)
		return acc
	}
	accs := make([][]float64, w)
	var wg sync.WaitGroup
	for i := range w {
		accs[i] = make([]float64, k)
		lo, hi := i*n/w, (i+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi, accs[i])
		}()
	}
	wg.Wait()
	for i := 1; i < w; i++ {
		for j := range k {
			accs[0][j] += accs[i][j]
		}
	}
	return accs[0]
}

// rfmGroups holds customers grouped by identical (x, t_x, T) with weights,
// plus the distinct x values so that per-x gamma-function terms are
// computed once per evaluation.
type rfmGroups struct {
	x, tx, T, w []float64
	xi          []int32   // index of x in xv
	xv, xw      []float64 // distinct x values and their total weight
	n           int
	wsum        float64
}

// validRFM checks one customer row (Mx is not looked at).
func validRFM(c Customer) error {
	for _, v := range []float64{c.X, c.Tx, c.T} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("customer %q: x, t_x and T must be finite and >= 0: %w", c.ID, ErrInvalidInput)
		}
	}
	if c.X != math.Trunc(c.X) {
		return fmt.Errorf("customer %q: x=%v is not a whole number: %w", c.ID, c.X, ErrInvalidInput)
	}
	if c.X > 0 && c.Tx > c.T {
		return fmt.Errorf("customer %q: t_x=%v > T=%v: %w", c.ID, c.Tx, c.T, ErrInvalidInput)
	}
	return nil
}

// groupRFM validates and groups customers by exact (x, t_x, T). t_x is
// taken as 0 when x = 0.
func groupRFM(cs []Customer) (*rfmGroups, error) {
	if len(cs) == 0 {
		return nil, fmt.Errorf("no customers: %w", ErrInvalidInput)
	}
	g := &rfmGroups{n: len(cs)}
	idx := make(map[[3]float64]int, len(cs)/2)
	xidx := map[float64]int32{}
	for _, c := range cs {
		if err := validRFM(c); err != nil {
			return nil, err
		}
		tx := c.Tx
		if c.X == 0 {
			tx = 0
		}
		k := [3]float64{c.X, tx, c.T}
		if i, ok := idx[k]; ok {
			g.w[i]++
		} else {
			idx[k] = len(g.x)
			g.x = append(g.x, c.X)
			g.tx = append(g.tx, tx)
			g.T = append(g.T, c.T)
			g.w = append(g.w, 1)
			xi, ok := xidx[c.X]
			if !ok {
				xi = int32(len(g.xv))
				xidx[c.X] = xi
				g.xv = append(g.xv, c.X)
				g.xw = append(g.xw, 0)
			}
			g.xi = append(g.xi, xi)
		}
		g.xw[xidx[c.X]]++
		g.wsum++
	}
	return g, nil
}

// startTheta converts a natural-scale start (or the default) to log space.
func startTheta(start, def []float64) ([]float64, error) {
	if start == nil {
		start = def
	}
	if len(start) != len(def) {
		return nil, fmt.Errorf("start has %d parameters, want %d: %w", len(start), len(def), ErrInvalidInput)
	}
	th := make([]float64, len(start))
	for i, v := range start {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("start parameter %d = %v must be positive: %w", i, v, ErrInvalidInput)
		}
		th[i] = math.Log(v)
	}
	return th, nil
}

// expAll returns exp of every element.
func expAll(th []float64) []float64 {
	p := make([]float64, len(th))
	for i, v := range th {
		p[i] = math.Exp(v)
	}
	return p
}
