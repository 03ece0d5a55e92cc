package sqlsource

import (
	"context"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// BenchmarkExtract reads every stream of a 5,000-customer ERP fixture
// (≈12k orders, ≈30k lines) with the default page size.
func BenchmarkExtract(b *testing.B) {
	for _, driver := range drivers {
		b.Run(driver, func(b *testing.B) {
			ctx := context.Background()
			db, dsn := testDB(b, driver)
			if err := SeedERP(ctx, db, driver, 5000); err != nil {
				b.Fatal(err)
			}
			c, err := ERPConnector("erp", driver, dsn)
			if err != nil {
				b.Fatal(err)
			}
			s, err := New(c, connectors.Env{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ResetTimer()
			for b.Loop() {
				n := 0
				for _, st := range s.Streams() {
					err := s.Extract(ctx, st, northstar.Cursor{}, func(_ context.Context, bt northstar.Batch) error {
						n += len(bt.Records)
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n), "records/op")
			}
		})
	}
}
