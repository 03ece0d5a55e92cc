package transform

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
)

// TestHashesMatchFNV pins the inline row fingerprints to hash/fnv's
// FNV-1a: stored row hashes must not change with the implementation.
func TestHashesMatchFNV(t *testing.T) {
	ref := func(parts ...[]byte) int64 {
		h := fnv.New64a()
		for _, p := range parts {
			h.Write(p)
		}
		return int64(h.Sum64())
	}
	vals := []any{"C1", nil, "12.5", "x"}
	skip := []bool{false, false, false, true}
	want := ref([]byte{1}, []byte("C1"), []byte{0xff}, []byte{0}, []byte{0xff}, []byte{1}, []byte("12.5"), []byte{0xff})
	if got := hashValues(vals, skip, false); got != want {
		t.Errorf("hashValues = %d, want %d", got, want)
	}
	want = ref([]byte{0}, []byte{0xff}, []byte("deleted"))
	if got := hashValues([]any{nil}, nil, true); got != want {
		t.Errorf("hashValues(deleted) = %d, want %d", got, want)
	}
}

// TestNumberTextMatchesDecimal checks the int64 fast path against
// shopspring/decimal, whose String the warehouse and the row hashes saw
// before it: same text for every input, same product text.
func TestNumberTextMatchesDecimal(t *testing.T) {
	inputs := []string{
		"0", "-0", "0.00", "-0.00", "7", "-7", "007.50", "1230.50", "1230.00", "0.05", "-0.005",
		"123456789012345678", "-123456789012345678", "1234567890123456789", "0.000000000000000001",
		"99999999999999999.9", "1e3", "-2.5E-3", "+5", ".5", "5.", "", "-", "1.2.3", "abc", "1,5", " 1",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		intDigits, fracDigits := r.IntN(12), r.IntN(9)
		s := ""
		if r.IntN(4) == 0 {
			s = "-"
		}
		for range intDigits + 1 {
			s += string(rune('0' + r.IntN(10)))
		}
		if fracDigits > 0 {
			s += "."
			for range fracDigits {
				s += string(rune('0' + r.IntN(10)))
			}
		}
		inputs = append(inputs, s)
	}
	rates := []string{"1", "1.08", "0.095", "-1.5", "0.000000000000000000000123", "1.27", "100", "1E2", "1234567890.123456789"}
	for _, in := range inputs {
		got, gotOK := parseNumber(in)
		want, err := decimal.NewFromString(in)
		if gotOK != (err == nil) {
			t.Fatalf("parseNumber(%q) ok = %v, decimal error %v", in, gotOK, err)
		}
		if !gotOK {
			continue
		}
		if got.text != want.String() {
			t.Fatalf("parseNumber(%q).text = %q, decimal says %q", in, got.text, want.String())
		}
		if !got.decimal().Equal(want) {
			t.Fatalf("parseNumber(%q).decimal() = %s, want %s", in, got.decimal(), want)
		}
		for _, rs := range rates {
			rate := decimal.RequireFromString(rs)
			if p, w := mulText(got, numberOf(rate)), want.Mul(rate).String(); p != w {
				t.Fatalf("%s × %s = %q, decimal says %q", in, rs, p, w)
			}
		}
	}
}

func TestTimeTextMatchesRFC3339Nano(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		time.Date(2023, 1, 2, 8, 3, 58, 0, time.UTC),
		time.Date(2023, 1, 2, 8, 3, 58, 120_000_000, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, berlin),
		time.Date(12, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	}
	for _, ts := range times {
		want := ts.UTC().Format(time.RFC3339Nano)
		for _, in := range []string{"", want, "2023-01-02T08:03:58+00:00", "2023-01-02 08:03:58"} {
			if got := TimeText(ts, in); got != want {
				t.Errorf("TimeText(%v, %q) = %q, want %q", ts, in, got, want)
			}
		}
	}
	in := "2023-01-02T08:03:58Z"
	if n := testing.AllocsPerRun(100, func() { TimeText(times[0], in) }); n != 0 {
		t.Errorf("TimeText of canonical input allocates %v times, want 0", n)
	}
}

// TestPayloadHashIsXXH64 pins payload fingerprints to XXH64 (seed 0) by
// its published test vectors.
func TestPayloadHashIsXXH64(t *testing.T) {
	for in, want := range map[string]uint64{"": 0xef46db3751d8e999, "a": 0xd24ec4f1a98c6e5b, "abc": 0x44bc2cf5ad770999} {
		if got := uint64(hashBytes([]byte(in))); got != want {
			t.Errorf("hashBytes(%q) = %#x, want %#x", in, got, want)
		}
	}
}

// dayFX is a plain FX (no Quote) whose rate depends on the day.
type dayFX struct{}

func (dayFX) Rate(_ string, day time.Time) (decimal.Decimal, bool) {
	return decimal.NewFromInt(int64(day.Day())), true
}

// TestPlainFXRatesPerRecord: a page of records priced by a plain FX gets
// each record's own day's rate (quotes are cached per page only when the
// FX names the rate it used).
func TestPlainFXRatesPerRecord(t *testing.T) {
	tr := &Transformer{ReportingCurrency: "USD", FX: dayFX{}}
	var recs []northstar.Record
	for _, day := range []string{"2025-01-02", "2025-01-03"} {
		recs = append(recs, northstar.Record{SourceID: "O" + day, Fields: map[string]string{
			"ordered_at": day, "amount": "10", "currency": "EUR"}})
	}
	rows, rejects := tr.Batch(northstar.Batch{Stream: northstar.StreamOrders, Records: recs})
	if len(rejects) != 0 || len(rows) != 2 {
		t.Fatalf("rows %d, rejects %+v", len(rows), rejects)
	}
	at := slices.Index(TableFor(northstar.StreamOrders).Columns, "amount_reporting")
	for i, want := range []string{"20", "30"} {
		if got := rows[i].Values[at]; got != want {
			t.Errorf("%s: amount_reporting %v, want %s", recs[i].SourceID, got, want)
		}
	}
}
