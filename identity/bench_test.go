package identity

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkMatch1M matches about 1,000,000 noisy source customers (from
// 470,000 companies) in memory. It reports peak RSS (VmHWM, which
// includes the records themselves) and the pairwise quality.
func BenchmarkMatch1M(b *testing.B) {
	nz, err := GenerateNoise(context.Background(), NoiseOptions{Seed: 1, Companies: 470000})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("records %d companies %d", len(nz.Records), nz.Companies)
	b.ResetTimer()
	var res Result
	for i := 0; i < b.N; i++ {
		if res, err = Match(nz.Records, DefaultRules(), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	q := PairwiseQuality(res.Cluster, nz.Truth)
	b.ReportMetric(float64(len(nz.Records)), "records")
	b.ReportMetric(q.Precision, "precision")
	b.ReportMetric(q.Recall, "recall")
	b.ReportMetric(float64(vmHWM())/1024, "peakRSS-MiB")
}

// vmHWM returns the process's peak resident set size in KiB from
// /proc/self/status, or 0 where that file does not exist.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
