package btyd

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestFitGammaGammaCDNOW(t *testing.T) {
	cs := cdnowSummaryWithSpend(t)
	m, f, err := FitGammaGamma(context.Background(), cs, FitOptions{})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	near(t, "p", m.P, 6.25, 0.01)
	near(t, "q", m.Q, 3.74, 0.01)
	near(t, "gamma", m.Gamma, 15.44, 0.01)
	if f.N != 946 || !f.Converged {
		t.Errorf("fit %+v: want converged on the 946 repeaters", f)
	}
	// Population mean p·γ/(q−1) ≈ 35 dollars, the repeaters' mean spend.
	pop, err := m.ExpectedSpend(0, 123)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "population mean", pop, m.P*m.Gamma/(m.Q-1), 1e-12)
	near(t, "population mean value", pop, 35.1, 0.3)
	// Customer 1: x = 2, m_x = 22.35 shrinks towards the population mean.
	e, _ := m.ExpectedSpend(2, 22.35)
	if !(e > 22.35 && e < pop) {
		t.Errorf("E[M | 2, 22.35] = %v, want between 22.35 and %v", e, pop)
	}
	// Heavy repeaters are trusted: E[M] → m_x as x grows.
	e, _ = m.ExpectedSpend(1e6, 50)
	near(t, "E[M] for huge x", e, 50, 0.01)
}

// TestFitGammaGammaFromTransactions fits on m_x built from the raw
// transactions (unrounded).
func TestFitGammaGammaFromTransactions(t *testing.T) {
	cs, err := BuildSummary(cdnowTransactions(t), SummaryOptions{CalibrationEnd: calEnd, Unit: Week})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := FitGammaGamma(context.Background(), cs, FitOptions{})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	near(t, "p", m.P, 6.25, 0.01)
	near(t, "q", m.Q, 3.74, 0.01)
	near(t, "gamma", m.Gamma, 15.44, 0.02)
}

func TestGammaGammaErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cs   []Customer
	}{
		{"no repeaters", []Customer{{ID: "a", T: 3}}},
		{"zero spend repeater", []Customer{{ID: "a", X: 2, Tx: 1, T: 3, Mx: 0}}},
		{"NaN spend", []Customer{{ID: "a", X: 2, Tx: 1, T: 3, Mx: math.NaN()}}},
		{"fractional x", []Customer{{ID: "a", X: 1.5, Tx: 1, T: 3, Mx: 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := FitGammaGamma(ctx, tc.cs, FitOptions{}); !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
	if _, err := (GammaGamma{P: 1, Q: 1, Gamma: 1}).ExpectedSpend(1, 1); !errors.Is(err, ErrNoFiniteMean) {
		t.Errorf("q = 1: err = %v, want ErrNoFiniteMean", err)
	}
}

func TestFitGammaGammaFarStart(t *testing.T) {
	// A fit from a far start must land on the same optimum.
	cs := cdnowSummaryWithSpend(t)
	m, _, err := FitGammaGamma(context.Background(), cs, FitOptions{Start: []float64{20, 0.5, 100}})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "p from far start", m.P, 6.25, 0.01)
	near(t, "q from far start", m.Q, 3.74, 0.01)
	near(t, "gamma from far start", m.Gamma, 15.44, 0.01)
}
