package transform

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// number is a decimal field as the warehouse receives it: its text, exactly
// as decimal.Decimal.String writes it, and its value for arithmetic. Plain
// decimals of at most 18 digits ("1230.50", "-3") — nearly every amount —
// are held as an int64 coefficient and a negative exponent, which is exact
// and avoids math/big; anything else (exponents, more digits) goes through
// shopspring/decimal as before. Both paths write the same text, so row
// hashes do not depend on which one a value took.
type number struct {
	text  string
	small bool  // coef and exp hold the value
	coef  int64 // value = coef × 10^exp
	exp   int32 // ≤ 0
	big   decimal.Decimal
}

// maxSmallDigits keeps every coefficient of parseNumber within int64.
const maxSmallDigits = 18

// parseNumber reads a decimal; ok is false when s is not one.
func parseNumber(s string) (number, bool) {
	if n, ok := parseSmall(s); ok {
		return n, true
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return number{}, false
	}
	return number{text: d.String(), big: d}, true
}

// parseSmall reads -?digits(.digits)? of at most maxSmallDigits digits.
func parseSmall(s string) (number, bool) {
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	var (
		coef    int64
		digits  int
		exp     int32
		sawDot  bool
		intPart int // digits before the dot
	)
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if digits > maxSmallDigits {
				return number{}, false
			}
			coef = coef*10 + int64(c-'0')
			if sawDot {
				exp--
			} else {
				intPart++
			}
		case c == '.' && !sawDot:
			sawDot = true
		default:
			return number{}, false
		}
	}
	if intPart == 0 || (sawDot && exp == 0) {
		return number{}, false // "", "-", ".5", "5.": left to shopspring
	}
	if neg {
		coef = -coef
	}
	n := number{small: true, coef: coef, exp: exp}
	n.text = formatSmall(coef, exp)
	return n, true
}

// formatSmall writes coef × 10^exp (exp ≤ 0) as decimal.Decimal.String
// does: no exponent, trailing fractional zeros trimmed, no "-" for zero.
func formatSmall(coef int64, exp int32) string {
	if exp == 0 {
		return strconv.FormatInt(coef, 10)
	}
	var buf [48]byte
	abs := strconv.AppendUint(buf[:0], absInt64(coef), 10)
	scale := int(-exp)
	var intPart, frac []byte
	if len(abs) > scale {
		intPart, frac = abs[:len(abs)-scale], abs[len(abs)-scale:]
	} else {
		intPart = []byte{'0'}
		frac = make([]byte, scale)
		n := copy(frac[scale-len(abs):], abs)
		for i := range scale - n {
			frac[i] = '0'
		}
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	out := make([]byte, 0, len(intPart)+len(frac)+2)
	if coef < 0 {
		out = append(out, '-')
	}
	out = append(out, intPart...)
	if len(frac) > 0 {
		out = append(out, '.')
		out = append(out, frac...)
	}
	return string(out)
}

func absInt64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1 // no overflow for math.MinInt64
	}
	return uint64(v)
}

// decimal returns the value as a decimal.Decimal.
func (n number) decimal() decimal.Decimal {
	if n.small {
		return decimal.New(n.coef, n.exp)
	}
	return n.big
}

// numberOf wraps a decimal.Decimal (a rate) as a number.
func numberOf(d decimal.Decimal) number {
	n := number{text: d.String(), big: d}
	if c := d.Coefficient(); d.Exponent() <= 0 && c.IsInt64() {
		n.small, n.coef, n.exp = true, c.Int64(), d.Exponent()
	}
	return n
}

// mulText returns the text of a × b, exactly as
// a.decimal().Mul(b.decimal()).String() would.
func mulText(a, b number) string {
	if a.small && b.small && int64(a.exp)+int64(b.exp) >= math.MinInt32 {
		hi, lo := bits.Mul64(absInt64(a.coef), absInt64(b.coef))
		if hi == 0 && lo <= math.MaxInt64 {
			p := int64(lo)
			if (a.coef < 0) != (b.coef < 0) {
				p = -p
			}
			return formatSmall(p, a.exp+b.exp)
		}
	}
	return a.decimal().Mul(b.decimal()).String()
}
