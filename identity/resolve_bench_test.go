package identity

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// BenchmarkResolve1M loads about 1,000,000 noisy source customers into a
// throwaway warehouse with one 'new' golden customer each (as the loader
// leaves them), then times the first Resolve (about half the golden rows
// merge away) and a second, idempotent one (forced: an unforced re-run
// with unchanged inputs is skipped in milliseconds).
func BenchmarkResolve1M(b *testing.B) {
	ctx := context.Background()
	companies := 470000
	if v, err := strconv.Atoi(os.Getenv("NS_RESOLVE_COMPANIES")); err == nil {
		companies = v // quicker experiments
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	nz, err := GenerateNoise(ctx, NoiseOptions{Seed: 1, Companies: companies})
	must(b, err)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wdb, _ := whtest.New(b)
		db := wdb.DB
		tx := db.MustBegin()
		must(b, copyNoise(ctx, tx, nz))
		_, err = tx.Exec(`WITH fresh AS (SELECT source, source_id, nextval('core.customers_customer_id_seq') AS customer_id
				FROM core.source_customers ORDER BY source, source_id),
			golden AS (INSERT INTO core.customers (customer_id) SELECT customer_id FROM fresh)
			INSERT INTO core.customer_sources (source, source_id, customer_id, matched_by) SELECT source, source_id, customer_id, 'new' FROM fresh`)
		must(b, err)
		must(b, tx.Commit())
		_, err = db.Exec(`ANALYZE`)
		must(b, err)
		b.StartTimer()
		start := time.Now()
		st, err := Resolve(ctx, db, Options{Logger: log})
		must(b, err)
		first := time.Since(start)
		start = time.Now()
		st2, err := Resolve(ctx, db, Options{Logger: log, Force: true})
		must(b, err)
		second := time.Since(start)
		b.ReportMetric(first.Seconds(), "first-s")
		b.ReportMetric(second.Seconds(), "rerun-s")
		b.ReportMetric(float64(st.Records), "records")
		b.ReportMetric(float64(st.Merges), "merges")
		b.ReportMetric(float64(st2.LinksChanged+st2.GoldenUpdated), "rerun-changes")
		b.ReportMetric(float64(vmHWM())/1024, "peakRSS-MiB")
	}
}
