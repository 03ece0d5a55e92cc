package report

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestFormatValue(t *testing.T) {
	tests := []struct {
		metric, unit, value, currency, want string
	}{
		{"nps", unitScore, "20", "USD", "20"},
		{"nps", unitScore, "23.5", "USD", "24"},
		{"nps", unitScore, "-7.5", "USD", "-8"},
		{"nps", unitScore, "-0.4", "USD", "0"},
		{"ces", unitScore, "5.2500", "USD", "5.3"},
		{"csat", unitPercent, "79.8750", "USD", "79.9%"},
		{"csat", unitPercent, "100", "USD", "100.0%"},
		{"aov", unitMoney, "165.625", "USD", "$165.63"},
		{"aov", unitMoney, "9999.994", "EUR", "€9,999.99"},
		{"retention_value", unitMoney, "51234.5", "USD", "$51,235"},
		{"retention_value", unitMoney, "1234567.49", "CHF", "CHF 1,234,567"},
		{"retention_value", unitMoney, "12.5", "", "12.50"},
		{"active_customers", unitCount, "1375", "USD", "1,375"},
		{"expected_active_customers", unitCount, "104.04", "USD", "104.0"},
		{"flow_time_days", unitDays, "19.05", "USD", "19.1 d"},
		{"x", "ratio", "0.12345", "USD", "0.12"},
		{"nps", unitScore, "", "USD", "n/a"},
		{"nps", unitScore, "NaN", "USD", "n/a"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.metric, tt.unit, tt.value, tt.currency); got != tt.want {
			t.Errorf("FormatValue(%s, %s, %q, %s) = %q, want %q", tt.metric, tt.unit, tt.value, tt.currency, got, tt.want)
		}
	}
}

func TestFormatChange(t *testing.T) {
	tests := []struct {
		metric, unit, change, want string
	}{
		{"csat", unitPercent, "-4.25", "-4.3 pp"},
		{"customer_churn", unitPercent, "3.6", "+3.6 pp"},
		{"nps", unitScore, "-8.5", "-9"},
		{"aov", unitMoney, "-10.875", "-$10.88"},
		{"flow_time_days", unitDays, "0.01", "0.0 d"},
	}
	for _, tt := range tests {
		if got := FormatChange(tt.metric, tt.unit, decimal.RequireFromString(tt.change), "USD"); got != tt.want {
			t.Errorf("FormatChange(%s, %s) = %q, want %q", tt.metric, tt.change, got, tt.want)
		}
	}
}

func TestKPIToneAndDirection(t *testing.T) {
	s := func(v string) *string { return &v }
	sep, oct := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		spec                           spec
		prev, cur                      *string
		direction, tone, changeDisplay string
	}{
		{spec{"customer_churn", "all", "month", unitPercent, "down", ""}, s("10"), s("12.5"), "up", "bad", "+2.5 pp"},
		{spec{"customer_churn", "all", "month", unitPercent, "down", ""}, s("12.5"), s("10"), "down", "good", "-2.5 pp"},
		{spec{"nps", "all", "month", unitScore, "up", ""}, s("10"), s("12"), "up", "good", "+2"},
		{spec{"flow_time_days", "all", "month", unitDays, "down", ""}, s("10"), s("12"), "up", "bad", "+2.0 d"},
		{spec{"nps", "all", "month", unitScore, "up", ""}, s("10"), s("10.2"), "flat", "neutral", "no change"},
		{spec{"nps", "all", "month", unitScore, "up", ""}, nil, s("10"), "", "", ""},
		// change of the displayed values: 24 after 32 is -8 (raw -8.5 would print -9)
		{spec{"nps", "all", "month", unitScore, "up", ""}, s("32"), s("23.5"), "down", "bad", "-8"},
	}
	for _, tt := range tests {
		k := kpi(tt.spec, []row{{start: sep, value: tt.prev}, {start: oct, value: tt.cur}}, nil, "USD")
		if k.Direction != tt.direction || k.Tone != tt.tone || k.ChangeDisplay != tt.changeDisplay {
			t.Errorf("%s %v→%v: direction %q tone %q change %q, want %q %q %q", tt.spec.id, deref(tt.prev), deref(tt.cur),
				k.Direction, k.Tone, k.ChangeDisplay, tt.direction, tt.tone, tt.changeDisplay)
		}
		if k.PeriodStart != "2026-10-01" || *k.PreviousStart != "2026-09-01" {
			t.Errorf("%s: periods %s / %s", tt.spec.id, k.PeriodStart, *k.PreviousStart)
		}
	}
}

func TestMonths(t *testing.T) {
	tests := []struct {
		asOf        string
		first, last string
	}{
		{"2026-10-31", "2025-11", "2026-10"}, // as_of on the last day: October is complete
		{"2026-10-30", "2025-10", "2026-09"},
		{"2026-01-15", "2025-01", "2025-12"},
	}
	for _, tt := range tests {
		_, labels := months(tt.asOf, 12)
		if len(labels) != 12 || labels[0] != tt.first || labels[11] != tt.last {
			t.Errorf("months(%s) = %v, want %s..%s", tt.asOf, labels, tt.first, tt.last)
		}
	}
}
