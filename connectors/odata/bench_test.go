package odata

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// BenchmarkSAPSync reads 20,000 business partners and 100,000 sales orders
// (≈300,000 items, ≈60,000 billing documents) from the emulator: customers,
// orders (with billing enrichment) and order lines, full reads at
// page_size 5000. It reports records/s and the process's peak RSS (VmHWM,
// emulator included).
func BenchmarkSAPSync(b *testing.B) {
	f := newSAPFixture(b, SeedOptions{Partners: 20000, Orders: 100000, Seed: 42})
	runtime.GC()
	src := f.source(b, "page_size: 5000\n", connectors.Env{})
	b.ResetTimer()
	var records int64
	for i := 0; i < b.N; i++ {
		for _, st := range src.Streams() {
			err := src.Extract(context.Background(), st, northstar.Cursor{}, func(_ context.Context, bt northstar.Batch) error {
				records += int64(len(bt.Records))
				if len(bt.Rejects) > 0 {
					b.Fatalf("%d rejects: %s", len(bt.Rejects), bt.Rejects[0].Reason)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(records)/float64(b.N), "records/op")
	if kb := vmHWM(); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "peakRSS_MB")
	}
}

// vmHWM returns the process's peak resident set size in KiB (Linux).
func vmHWM() int64 {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
