package report

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Units of metrics.definitions.unit that the report formats.
const (
	unitPercent = "percent"
	unitScore   = "score"
	unitMoney   = "money"
	unitCount   = "count"
	unitDays    = "days"
)

// currencySymbols maps ISO codes to the prefix the page prints; other
// codes are printed as "CODE " before the amount.
var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

// FormatValue formats a metric value the way the page prints it: NPS as
// an integer, other scores with 1 decimal, percentages with 1 decimal and
// "%", money in the reporting currency (2 decimals below 10,000, none
// above), counts grouped (1 decimal when fractional) and days with 1
// decimal and " d". An empty or unparsable value prints as "n/a".
func FormatValue(metricID, unit, value, currency string) string {
	d, err := decimal.NewFromString(value)
	if err != nil {
		return "n/a"
	}
	return formatDecimal(metricID, unit, d, currency, false)
}

// FormatChange formats value - previous with a sign: percentage points
// ("pp") for percent metrics, the metric's own unit otherwise.
func FormatChange(metricID, unit string, change decimal.Decimal, currency string) string {
	return formatDecimal(metricID, unit, change, currency, true)
}

func formatDecimal(metricID, unit string, d decimal.Decimal, currency string, signed bool) string {
	a := d.Abs()
	var num, prefix, suffix string
	switch unit {
	case unitPercent:
		num, suffix = group(a, 1), "%"
		if signed {
			suffix = " pp"
		}
	case unitScore:
		if metricID == "nps" {
			num = group(a, 0)
		} else {
			num = group(a, 1)
		}
	case unitMoney:
		places := int32(2)
		if a.GreaterThanOrEqual(decimal.NewFromInt(10000)) {
			places = 0
		}
		num = group(a, places)
		if sym, ok := currencySymbols[strings.ToUpper(currency)]; ok {
			prefix = sym
		} else if currency != "" {
			prefix = strings.ToUpper(currency) + " "
		}
	case unitCount:
		if a.Equal(a.Truncate(0)) {
			num = group(a, 0)
		} else {
			num = group(a, 1)
		}
	case unitDays:
		num, suffix = group(a, 1), " d"
	default:
		num = group(a, 2)
	}
	sign := ""
	if strings.Trim(num, "0.,") != "" { // no sign on a value that rounds to zero
		if d.IsNegative() {
			sign = "-"
		} else if signed {
			sign = "+"
		}
	}
	return sign + prefix + num + suffix
}

// displayRound rounds a value to the precision the page shows it with.
func displayRound(metricID, unit string, d decimal.Decimal) decimal.Decimal {
	switch {
	case metricID == "nps":
		return d.Round(0)
	case unit == unitMoney:
		if d.Abs().GreaterThanOrEqual(decimal.NewFromInt(10000)) {
			return d.Round(0)
		}
		return d.Round(2)
	case unit == unitPercent, unit == unitScore, unit == unitDays, unit == unitCount:
		return d.Round(1)
	default:
		return d.Round(2)
	}
}

// group rounds a non-negative decimal half away from zero to places and
// inserts thousands separators.
func group(a decimal.Decimal, places int32) string {
	s := a.StringFixed(places)
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// tone says whether a change is good or bad news for a metric whose
// higher values are better (up) or worse (down); neutral otherwise.
func tone(better string, change decimal.Decimal) string {
	switch {
	case change.IsZero() || better == "":
		return "neutral"
	case (better == "up") == change.IsPositive():
		return "good"
	default:
		return "bad"
	}
}

// direction names the sign of a change: up, down or flat.
func direction(change decimal.Decimal) string {
	switch {
	case change.IsPositive():
		return "up"
	case change.IsNegative():
		return "down"
	default:
		return "flat"
	}
}
