package btyd

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var calEnd = time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)

// TestBuildSummaryReproducesCDNOW rebuilds (x, t_x, T, m_x) for all 2,357
// CDNOW sample customers from the raw transactions and compares with
// cdnow_customers_summary_with_transactions.csv (2-decimal rounding).
func TestBuildSummaryReproducesCDNOW(t *testing.T) {
	got, err := BuildSummary(cdnowTransactions(t), SummaryOptions{CalibrationEnd: calEnd, Unit: Week})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	want := cdnowSummaryWithSpend(t)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	byID := map[string]Customer{}
	for _, c := range got {
		byID[c.ID] = c
	}
	var worst float64
	repeaters := 0
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok {
			t.Errorf("customer %s missing", w.ID)
			continue
		}
		for _, f := range []struct {
			name      string
			got, want float64
		}{{"x", g.X, w.X}, {"t_x", g.Tx, w.Tx}, {"T", g.T, w.T}, {"m_x", g.Mx, w.Mx}} {
			d := math.Abs(f.got - f.want)
			worst = math.Max(worst, d)
			if d > 0.005+1e-9 {
				t.Errorf("customer %s %s = %.4f, want %.2f", w.ID, f.name, f.got, f.want)
			}
		}
		if g.X > 0 {
			repeaters++
		}
	}
	if repeaters != 946 {
		t.Errorf("%d repeaters, want 946", repeaters)
	}
	t.Logf("largest difference %.4f", worst)
}

func tx(day string, amount string) Transaction {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		panic(err)
	}
	return Transaction{Day: d, Amount: decimal.RequireFromString(amount)}
}

func TestBuildSummaryRules(t *testing.T) {
	end := time.Date(2024, 1, 29, 0, 0, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		name string
		unit TimeUnit
		in   []Transaction
		want *Customer // nil: customer left out
	}{
		{"single purchase", Week, []Transaction{tx("2024-01-01", "10")},
			&Customer{X: 0, Tx: 0, T: 4, Mx: 0}},
		{"same day merged, first excluded from m_x", Day,
			[]Transaction{tx("2024-01-01", "10"), tx("2024-01-01", "5"), tx("2024-01-08", "3.10"), tx("2024-01-08", "0.90"), tx("2024-01-15", "6")},
			&Customer{X: 2, Tx: 14, T: 28, Mx: 5}},
		{"unsorted input", Week, []Transaction{tx("2024-01-15", "6"), tx("2024-01-01", "10"), tx("2024-01-08", "4")},
			&Customer{X: 2, Tx: 2, T: 4, Mx: 5}},
		{"calibration end inclusive, later ignored", Day,
			[]Transaction{tx("2024-01-01", "1"), tx("2024-01-29", "2"), tx("2024-01-30", "100")},
			&Customer{X: 1, Tx: 28, T: 28, Mx: 2}},
		{"first purchase on the last day", Week, []Transaction{tx("2024-01-29", "1")},
			&Customer{X: 0, Tx: 0, T: 0}},
		{"first purchase after calibration", Week, []Transaction{tx("2024-02-01", "1")}, nil},
		{"no transactions", Week, nil, nil},
		{"month unit", Month, []Transaction{tx("2023-01-29", "1"), tx("2023-07-30", "3")},
			&Customer{X: 1, Tx: 182 / DaysPerMonth, T: 365 / DaysPerMonth, Mx: 3}},
		{"day read in its own zone", Day,
			[]Transaction{{Day: time.Date(2024, 1, 1, 23, 30, 0, 0, berlin), Amount: decimal.NewFromInt(1)},
				{Day: time.Date(2024, 1, 2, 0, 30, 0, 0, berlin), Amount: decimal.NewFromInt(2)}},
			&Customer{X: 1, Tx: 1, T: 28, Mx: 2}},
		{"repeat mean with thirds", Day,
			[]Transaction{tx("2024-01-01", "1"), tx("2024-01-02", "1"), tx("2024-01-03", "1"), tx("2024-01-04", "0.01")},
			&Customer{X: 3, Tx: 3, T: 28, Mx: 2.01 / 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BuildSummary([]CustomerTransactions{{ID: "c", Transactions: tc.in}}, SummaryOptions{CalibrationEnd: end, Unit: tc.unit})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("got %+v, want customer left out", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d rows", len(got))
			}
			g, w := got[0], *tc.want
			if g.ID != "c" || g.X != w.X || math.Abs(g.Tx-w.Tx) > 1e-12 || math.Abs(g.T-w.T) > 1e-12 || math.Abs(g.Mx-w.Mx) > 1e-12 {
				t.Errorf("got %+v, want %+v", g, w)
			}
		})
	}
}

func TestBuildSummaryErrors(t *testing.T) {
	h := []CustomerTransactions{{ID: "c", Transactions: []Transaction{tx("2024-01-01", "1")}}}
	for _, tc := range []struct {
		name string
		hist []CustomerTransactions
		opts SummaryOptions
	}{
		{"no calibration end", h, SummaryOptions{Unit: Week}},
		{"unknown unit", h, SummaryOptions{CalibrationEnd: calEnd, Unit: 9}},
		{"duplicate id", append(h, h[0]), SummaryOptions{CalibrationEnd: calEnd}},
		{"zero day", []CustomerTransactions{{ID: "c", Transactions: []Transaction{{Amount: decimal.NewFromInt(1)}}}}, SummaryOptions{CalibrationEnd: calEnd}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := BuildSummary(tc.hist, tc.opts); !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestTimeUnit(t *testing.T) {
	if got := Month.In(Week); math.Abs(got-4.348214) > 1e-6 {
		t.Errorf("Month.In(Week) = %v", got)
	}
	if Week.In(Day) != 7 || Day.In(Day) != 1 || Week.String() != "week" {
		t.Errorf("units wrong")
	}
	if TimeUnit(0).Days() != 0 {
		t.Errorf("unknown unit must have length 0")
	}
}
