package report

import (
	"bytes"
	"context"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// chromiumPath returns the browser the tests drive: $CHROMIUM or
// /usr/bin/chromium. A missing browser fails the test (install it with
// scripts/ensure-chromium.sh); browser tests are never skipped.
func chromiumPath(t testing.TB) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("chromium not found at %s (run scripts/ensure-chromium.sh first): %v", p, err)
	}
	return p
}

// artifactDir is where screenshots and pages are kept: $NORTHSTAR_ARTIFACTS
// (kept after the test) or a temporary directory.
func artifactDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("NORTHSTAR_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("artifacts: %v", err)
		}
		return d
	}
	return t.TempDir()
}

// runChromium runs headless Chromium on a local file with networking
// features off and returns stdout (the DOM for --dump-dom).
func runChromium(t testing.TB, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromiumPath(t), append(append(base, args...), "file://"+page)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var (
	errorsRE   = regexp.MustCompile(`(?s)<div id="js-errors"[^>]*>(.*?)</div>`)
	bodyRE     = regexp.MustCompile(`<body[^>]*>`)
	kpiValueRE = regexp.MustCompile(`<p class="kpi-value" data-kpi-value="([a-z_]+)">([^<]*)</p>`)
	canvasRE   = regexp.MustCompile(`<canvas[^>]*>`)
)

// checkDOM asserts what every rendered page must satisfy: the script ran
// to the end, the error trap (script errors, failed loads, CSP
// violations) stayed empty and every chart canvas was drawn.
func checkDOM(t *testing.T, dom string) {
	t.Helper()
	m := errorsRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no #js-errors element in the DOM:\n%.2000s", dom)
	}
	if strings.TrimSpace(m[1]) != "" {
		t.Errorf("JavaScript errors or blocked requests:\n%s", html.UnescapeString(m[1]))
	}
	body := bodyRE.FindString(dom)
	if !strings.Contains(body, `data-rendered="true"`) {
		t.Errorf("page script did not finish: %s", body)
	}
	for _, c := range canvasRE.FindAllString(dom, -1) {
		if !strings.Contains(c, `data-drawn="true"`) {
			t.Errorf("chart not drawn: %s", c)
		}
	}
}

func writePage(t *testing.T, dir, name string, page []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, page, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// expectedTiles reads the latest complete period of each headline metric
// straight from metrics.values and formats it as the page must print it.
func expectedTiles(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	var ids, segs, grains []string
	units := map[string]string{}
	for _, h := range headline {
		ids, segs, grains = append(ids, h.id), append(segs, h.segment), append(grains, h.grain)
		units[h.id] = h.unit
	}
	var rows []struct {
		ID    string  `db:"metric_id"`
		Value *string `db:"value"`
	}
	if err := db.Select(&rows, `
		SELECT DISTINCT ON (v.metric_id) v.metric_id, v.value::text AS value
		FROM metrics."values" v
		JOIN unnest($1::text[], $2::text[], $3::text[]) w(metric_id, segment, grain)
		  ON (w.metric_id, w.segment, w.grain) = (v.metric_id, v.segment, v.grain)
		WHERE v.grain = 'as_of' OR v.period_end <= v.as_of + 1
		ORDER BY v.metric_id, v.period_start DESC`, pq.Array(ids), pq.Array(segs), pq.Array(grains)); err != nil {
		t.Fatalf("expected tiles: %v", err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.ID] = "n/a"
		if r.Value != nil {
			out[r.ID] = FormatValue(r.ID, units[r.ID], *r.Value, "USD")
		}
	}
	return out
}

// TestBrowserReport renders the fixture report in headless Chromium: no
// script error and no blocked request, every chart drawn, every KPI tile
// showing the value stored in metrics.values; it saves screenshots
// (laptop and phone) and a PDF print as artifacts.
func TestBrowserReport(t *testing.T) {
	db := newWarehouse(t)
	loadFixture(t, db, 14, 200)
	d, err := Build(context.Background(), db, fixtureOptions())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	dir := artifactDir(t)
	page := writePage(t, dir, "report.html", render(t, d))

	// One launch: the DOM after the scripts ran, a laptop screenshot and a
	// PDF print (each launch costs seconds).
	laptop, pdf := filepath.Join(dir, "report-laptop.png"), filepath.Join(dir, "report.pdf")
	dom := string(runChromium(t, page, "--window-size=1280,2400", "--screenshot="+laptop,
		"--no-pdf-header-footer", "--print-to-pdf="+pdf, "--dump-dom"))
	checkDOM(t, dom)
	want := expectedTiles(t, db)
	got := map[string]string{}
	for _, m := range kpiValueRE.FindAllStringSubmatch(dom, -1) {
		got[m[1]] = html.UnescapeString(m[2])
	}
	if len(got) != len(headline) || len(want) != len(headline) {
		t.Errorf("%d tiles rendered, %d expected from metrics.values, %d headline metrics", len(got), len(want), len(headline))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("tile %s shows %q, metrics.values holds %q", id, got[id], w)
		}
	}
	if n := strings.Count(dom, `data-drawn="true"`); n != 17+3+4 {
		// 17 sparklines, 3 trends, capital, clv, flow, stage times
		t.Errorf("%d charts drawn, want 24", n)
	}
	for _, s := range []string{`data-tone="bad"`, `data-tone="good"`, "Customer 000173", "erp: dial tcp"} {
		if !strings.Contains(dom, s) {
			t.Errorf("rendered page lacks %q", s)
		}
	}
	if strings.Contains(dom, "No data yet") {
		t.Error("a section of the full fixture says no data yet")
	}

	phone := filepath.Join(dir, "report-phone.png")
	runChromium(t, page, "--window-size=390,3000", "--screenshot="+phone)
	for _, p := range []string{laptop, phone} {
		if fi, err := os.Stat(p); err != nil || fi.Size() < 50_000 {
			t.Errorf("screenshot %s: %v", p, err)
		}
		t.Logf("screenshot: %s", p)
	}
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) || len(b) < 20_000 {
		t.Errorf("print to PDF %s: %v (%d bytes)", pdf, err, len(b))
	}
	t.Logf("page: %s, pdf: %s", page, pdf)
}

// TestBrowserEmpty renders the report of an empty warehouse: no script
// error, and every section says "No data yet".
func TestBrowserEmpty(t *testing.T) {
	db := newWarehouse(t)
	d, err := Build(context.Background(), db, fixtureOptions())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	dir := artifactDir(t)
	page := writePage(t, dir, "report-empty.html", render(t, d))
	dom := string(runChromium(t, page, "--window-size=1280,2400", "--dump-dom"))
	checkDOM(t, dom)
	sections := strings.Count(dom, `data-section="`)
	if n := strings.Count(dom, "No data yet"); n != sections || sections < 12 {
		t.Errorf("%d sections, %d say no data yet", sections, n)
	}
	if !strings.Contains(bodyRE.FindString(dom), `data-charts="0"`) {
		t.Errorf("charts drawn on an empty report: %s", bodyRE.FindString(dom))
	}
}

// TestBrowserCatchesErrors proves the browser checks can fail: a script
// error and an attempted remote request injected into a page are both
// caught by the error trap.
func TestBrowserCatchesErrors(t *testing.T) {
	page := strings.Replace(string(render(t, &Data{Title: "broken"})), "</body>",
		`<script>undefinedFunction();</script><img alt="" src="https://example.invalid/pixel.png"></body>`, 1)
	p := writePage(t, t.TempDir(), "broken.html", []byte(page))
	dom := string(runChromium(t, p, "--dump-dom"))
	m := errorsRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatal("no error trap in the DOM")
	}
	caught := html.UnescapeString(m[1])
	for _, want := range []string{"undefinedFunction is not defined", "csp: blocked https://example.invalid/pixel.png"} {
		if !strings.Contains(caught, want) {
			t.Errorf("error trap missed %q; it holds:\n%s", want, caught)
		}
	}
}
