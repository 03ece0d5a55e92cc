package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var pageMsRE = regexp.MustCompile(`data-page-ms="(\d+)"`)

// BenchmarkReport100k builds and renders the report of a warehouse with
// 100,000 scored customers and 36 months of metrics, then loads it in
// headless Chromium. It reports (never asserts) the build and render
// time, the file size (target < 5 MB), the page's own render time in the
// browser (navigation start to end of the page script; target < 3 s) and
// the wall time of the whole Chromium process including its start-up.
//
//	scripts/ensure-chromium.sh && go test ./report/ -run '^$' -bench Report100k -benchtime 1x
func BenchmarkReport100k(b *testing.B) {
	db := newWarehouse(b)
	start := time.Now()
	loadFixture(b, db, 36, 100_000)
	b.Logf("fixture: 100,000 customers, 36 months loaded in %v", time.Since(start).Round(time.Millisecond))
	dir := b.TempDir()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		d, err := Build(ctx, db, fixtureOptions())
		if err != nil {
			b.Fatalf("Build: %v", err)
		}
		built := time.Since(t0)
		var buf bytes.Buffer
		if err := Render(&buf, d); err != nil {
			b.Fatalf("Render: %v", err)
		}
		rendered := time.Since(t0)
		page := filepath.Join(dir, "report-100k.html")
		if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		c0 := time.Now()
		dom := runChromium(b, page, "--window-size=1280,2400", "--dump-dom")
		wall := time.Since(c0)
		m := pageMsRE.FindSubmatch(dom)
		if m == nil || !bytes.Contains(dom, []byte(`data-rendered="true"`)) {
			b.Fatalf("page did not finish rendering")
		}
		if e := errorsRE.FindSubmatch(dom); e == nil || len(bytes.TrimSpace(e[1])) > 0 {
			b.Fatalf("page errors: %s", e)
		}
		pageMs, _ := strconv.Atoi(string(m[1]))
		b.ReportMetric(float64(built.Milliseconds()), "build-ms")
		b.ReportMetric(float64(rendered.Milliseconds()), "build+render-ms")
		b.ReportMetric(float64(buf.Len()), "html-bytes")
		b.ReportMetric(float64(pageMs), "browser-page-ms")
		b.ReportMetric(float64(wall.Milliseconds()), "chromium-wall-ms")
		b.Logf("100k customers: build %v, build+render %v, file %.2f MB, page rendered in %d ms in Chromium (process wall time incl. start-up %v)",
			built.Round(time.Millisecond), rendered.Round(time.Millisecond), float64(buf.Len())/(1<<20), pageMs, wall.Round(time.Millisecond))
	}
}
