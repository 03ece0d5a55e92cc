package file

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// BenchmarkExtractCSV parses 1,000,000 generated order rows per iteration
// (map, timestamp conversion, payload) and reports rows/s and allocations.
func BenchmarkExtractCSV(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "orders.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "order_id,customer_id,date,status,amount,currency")
	for i := range rows {
		fmt.Fprintf(w, "ORD%07d,CUST%05d,2024-%02d-%02d,paid,%d.%02d,EUR\n", i, i%50000, i%12+1, i%28+1, i%1000, i%100)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	c := connector(b, "streams:\n  orders: {path: "+path+", fields: {source_id: order_id, customer: customer_id, ordered_at: date}}")
	src, err := New(c, connectors.Env{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n = 0
		err := src.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{}, func(_ context.Context, bt northstar.Batch) error {
			n += len(bt.Records)
			if len(bt.Rejects) > 0 {
				return fmt.Errorf("reject: %+v", bt.Rejects[0])
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("%d records, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows), "rows/op")
}
