package file

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/generate"
	"github.com/northstar-dev/northstar/transform"
)

// BenchmarkExtractTransform reads the generated company's orders and
// order lines (CSV, as bench/loadbench writes them) and types every page
// as a sync does, without the warehouse: the Go side of a file load. Run
// with -cpuprofile or -memprofile to see where it goes.
func BenchmarkExtractTransform(b *testing.B) {
	dir := b.TempDir()
	opts := generate.DefaultOptions()
	opts.Customers = 2000 // ≈ 43k orders and 110k lines
	if _, err := generate.WriteFiles(context.Background(), filepath.Join(dir, "data"), opts, generate.FormatCSV); err != nil {
		b.Fatal(err)
	}
	c := connector(b, fmt.Sprintf("file: {format: csv}\nstreams:\n  orders: {path: %[1]s/orders.csv}\n  order_lines: {path: %[1]s/order_lines.csv}", filepath.Join(dir, "data")))
	src, err := New(c, connectors.Env{})
	if err != nil {
		b.Fatal(err)
	}
	rates := map[string]decimal.Decimal{}
	for cur, r := range map[string]string{"EUR": "1.08", "GBP": "1.27", "CHF": "1.13", "SEK": "0.095", "DKK": "0.145", "PLN": "0.25", "CAD": "0.73", "AUD": "0.66"} {
		rates[cur] = decimal.RequireFromString(r)
	}
	tr := &transform.Transformer{ReportingCurrency: "USD", FX: transform.StaticFX{Reporting: "USD", Rates: rates}}
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		rows = 0
		for _, s := range []northstar.Stream{northstar.StreamOrders, northstar.StreamOrderLines} {
			err := src.Extract(context.Background(), s, northstar.Cursor{}, func(_ context.Context, bt northstar.Batch) error {
				typed, rejects := tr.Batch(bt)
				if len(rejects) > 0 {
					return fmt.Errorf("reject: %+v", rejects[0])
				}
				rows += len(typed)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows), "rows/op")
}
