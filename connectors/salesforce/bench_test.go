package salesforce

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// loadOpportunities puts n won opportunities into e, spread over a year.
func loadOpportunities(tb testing.TB, e *Emulator, n int, end time.Time) {
	tb.Helper()
	const chunk = 10000
	for off := 0; off < n; off += chunk {
		recs := make([]map[string]any, 0, chunk)
		for i := off; i < min(n, off+chunk); i++ {
			stamp := end.Add(-time.Duration(n-i) * 157 * time.Second)
			recs = append(recs, map[string]any{
				"Name": "Deal " + strconv.Itoa(i), "StageName": "Closed Won", "IsWon": true,
				"Amount": strconv.Itoa(1000+i%9000) + ".50", "CurrencyIsoCode": "EUR",
				"CloseDate": stamp.Format(time.DateOnly), "SystemModstamp": stamp, "CreatedDate": stamp,
			})
		}
		if _, err := e.Load("Opportunity", recs); err != nil {
			tb.Fatal(err)
		}
	}
}

// peakRSS returns the process's peak resident set size (VmHWM) in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			_, _ = fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkFullSync200k reads 200,000 opportunities from the emulator
// through the Source over REST (2,000 per page) and reports records/s and
// the process's peak RSS (emulator and connector together).
func BenchmarkFullSync200k(b *testing.B) {
	const n = 200000
	f := newFixture(b)
	loadOpportunities(b, f.e, n, f.clock.Now())
	o := f.options(AuthPassword)
	o.BulkThreshold = -1
	s := f.source(b, o, connectors.Env{}, StreamConfig{Stream: northstar.StreamOrders})
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		got := 0
		err := s.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{},
			func(_ context.Context, bt northstar.Batch) error { got += len(bt.Records); return nil })
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("read %d records, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "records/s")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
}

// BenchmarkFullSync200kBulk is BenchmarkFullSync200k through Bulk API 2.0.
func BenchmarkFullSync200kBulk(b *testing.B) {
	const n = 200000
	f := newFixture(b)
	loadOpportunities(b, f.e, n, f.clock.Now())
	s := f.source(b, f.options(AuthPassword), connectors.Env{}, StreamConfig{Stream: northstar.StreamOrders})
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		got := 0
		err := s.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{},
			func(_ context.Context, bt northstar.Batch) error { got += len(bt.Records); return nil })
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("read %d records, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "records/s")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
}
