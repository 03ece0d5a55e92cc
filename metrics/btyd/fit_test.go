package btyd

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestFitInputErrors(t *testing.T) {
	ctx := context.Background()
	good := []Customer{{ID: "a", X: 1, Tx: 2, T: 3}}
	tests := []struct {
		name string
		cs   []Customer
		opts FitOptions
	}{
		{"no customers", nil, FitOptions{}},
		{"NaN T", []Customer{{ID: "a", T: math.NaN()}}, FitOptions{}},
		{"infinite t_x", []Customer{{ID: "a", X: 1, Tx: math.Inf(1), T: 3}}, FitOptions{}},
		{"negative x", []Customer{{ID: "a", X: -1, T: 3}}, FitOptions{}},
		{"fractional x", []Customer{{ID: "a", X: 0.5, Tx: 1, T: 3}}, FitOptions{}},
		{"t_x > T", []Customer{{ID: "a", X: 2, Tx: 4, T: 3}}, FitOptions{}},
		{"start wrong length", good, FitOptions{Start: []float64{1, 2}}},
		{"start not positive", good, FitOptions{Start: []float64{1, 2, 0, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := FitBGNBD(ctx, tc.cs, tc.opts); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("bg/nbd err = %v, want ErrInvalidInput", err)
			}
			if _, _, err := FitParetoNBD(ctx, tc.cs, tc.opts); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("pareto/nbd err = %v, want ErrInvalidInput", err)
			}
		})
	}
	if _, err := cdnowBGNBD.LogLikelihood([]Customer{{X: 2, Tx: 4, T: 3}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("LogLikelihood err = %v", err)
	}
}

func TestFitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cs := cdnowSummary(t)
	if _, _, err := FitBGNBD(ctx, cs, FitOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("bg/nbd err = %v, want context.Canceled", err)
	}
	if _, _, err := FitParetoNBD(ctx, cs, FitOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("pareto/nbd err = %v, want context.Canceled", err)
	}
	if _, _, err := FitGammaGamma(ctx, cdnowSummaryWithSpend(t), FitOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("gamma-gamma err = %v, want context.Canceled", err)
	}
}

// TestFitStartAndPenalty: a far start reaches the same MLE; an L2 penalty
// shrinks the parameters and lowers the unpenalised likelihood.
func TestFitStartAndPenalty(t *testing.T) {
	ctx := context.Background()
	cs := cdnowSummary(t)
	m, f, err := FitBGNBD(ctx, cs, FitOptions{Start: []float64{3, 50, 0.1, 20}})
	if err != nil {
		t.Fatal(err)
	}
	checkCDNOWBGNBD(t, m, f)
	pm, pf, err := FitBGNBD(ctx, cs, FitOptions{Penalty: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	ss := func(b BGNBD) float64 { return b.R*b.R + b.Alpha*b.Alpha + b.A*b.A + b.B*b.B }
	if !(ss(pm) < ss(m)) || !(pf.LogLikelihood < f.LogLikelihood) {
		t.Errorf("penalised %+v (LL %v) vs %+v (LL %v)", pm, pf.LogLikelihood, m, f.LogLikelihood)
	}
	if !pf.Converged {
		t.Errorf("penalised fit not converged: %+v", pf)
	}
}
