package report

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar/config"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// buildFixture returns the report data of the standard fixture: 14 months
// of metrics and 200 scored customers.
func buildFixture(t *testing.T) *Data {
	t.Helper()
	db := newWarehouse(t)
	loadFixture(t, db, 14, 200)
	d, err := Build(context.Background(), db, fixtureOptions())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return d
}

func render(t testing.TB, d *Data) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return buf.Bytes()
}

// TestGoldenData pins the JSON embedded in the page for the fixture
// (go test ./report/ -run Golden -update rewrites it).
func TestGoldenData(t *testing.T) {
	d := buildFixture(t)
	got, err := ExtractData(render(t, d))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report-data.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("embedded report data differs from %s (run with -update if intended):\n%s", golden, firstDiff(string(got), string(want)))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}

// TestFixtureContent checks what the fixture report must say, section by
// section, independently of the golden file.
func TestFixtureContent(t *testing.T) {
	d := buildFixture(t)
	if d.AsOf != "2026-10-31" || d.GeneratedAt != "2026-11-01T06:00:00Z" {
		t.Errorf("as_of %q generated_at %q", d.AsOf, d.GeneratedAt)
	}
	if len(d.KPIs) != len(headline) {
		t.Errorf("%d KPI tiles, want %d", len(d.KPIs), len(headline))
	}
	byID := map[string]KPI{}
	for _, k := range d.KPIs {
		byID[k.MetricID] = k
	}
	// customer_churn: 39 - 0.2 i - ((7i mod 5) - 2) * 1.25 → i = 13: 37.65, i = 12: 34.1: up, bad news.
	if k := byID["customer_churn"]; k.Display != "37.7%" || k.PreviousDisplay != "34.1%" || k.Direction != "up" || k.Tone != "bad" || k.ChangeDisplay != "+3.6 pp" {
		t.Errorf("churn tile: %+v", k)
	}
	if k := byID["customer_retention"]; k.Direction != "down" || k.Tone != "bad" {
		t.Errorf("retention tile: %+v", k)
	}
	if k := byID["flow_time_days"]; k.Direction != "down" || k.Tone != "good" {
		t.Errorf("flow time tile (lower is better): %+v", k)
	}
	if k := byID["nps"]; k.Name != "Net Promoter Score" || k.Display != "24" || k.PeriodStart != "2026-10-01" || *k.PreviousStart != "2026-09-01" || len(k.Spark) != 12 {
		t.Errorf("nps tile: %+v", k)
	}
	if k := byID["ndr"]; k.PeriodStart != "2025-10-01" || k.Display != "107.5%" {
		t.Errorf("ndr tile (latest base month with B+12 complete): %+v", k)
	}
	if k := byID["predicted_clv"]; k.Display != "$412.35" || k.PreviousDisplay != "$398.50" || k.Tone != "good" {
		t.Errorf("predicted clv tile: %+v", k)
	}
	if len(d.Trends) != 3 || len(d.Trends[0].Labels) != 14 || d.Trends[0].Labels[13] != "2026-10" {
		t.Errorf("trends: %d, labels %v", len(d.Trends), d.Trends)
	}
	if len(d.Cohorts.Rows) != 12 || d.Cohorts.MaxAge != 11 || len(d.Cohorts.Rows[0].Cells) != 12 || len(d.Cohorts.Rows[11].Cells) != 1 {
		t.Errorf("cohort matrix: max age %d, rows %d", d.Cohorts.MaxAge, len(d.Cohorts.Rows))
	}
	if len(d.Capital) != 14 || len(d.Flow) != 14 || len(d.TimeToValue) != 8 || len(d.Stages) != 3 {
		t.Errorf("capital %d, flow %d, ttv %d, stages %d", len(d.Capital), len(d.Flow), len(d.TimeToValue), len(d.Stages))
	}
	var customers int64
	for _, b := range d.CLV {
		customers += b.Customers
	}
	if customers != 200 {
		t.Errorf("CLV distribution covers %d customers, want 200 (latest as_of only)", customers)
	}
	if len(d.AtRisk) != 20 {
		t.Fatalf("%d customers at risk, want 20", len(d.AtRisk))
	}
	for i, a := range d.AtRisk {
		if a.Rank != int64(i+1) || a.Name == "" || a.CLVDisplay == "$999,999" {
			t.Errorf("at risk %d: %+v", i, a)
		}
	}
	h := d.Health
	if len(h.Connectors) != 3 || h.PartialRuns7d != 1 || h.FailedRuns7d != 1 || h.Rejected7d != 5 || h.RejectedTotal != 7 {
		t.Errorf("health: %+v", h)
	}
	tones := map[string]string{}
	for _, c := range h.Connectors {
		tones[c.Connector] = c.Tone + " " + c.Age
	}
	if tones["crm"] != "good 2 h ago" || tones["erp"] != "bad 3 d ago" || tones["shop"] != "bad never" {
		t.Errorf("connector tones: %v", tones)
	}
	if len(d.Glossary) != 5 || d.Glossary[2].MetricID != "nps" || d.Glossary[2].Version != 2 {
		t.Errorf("glossary (latest version per metric): %+v", d.Glossary)
	}
}

// TestEmptyWarehouse: a fresh warehouse renders every section as
// "No data yet" without failing.
func TestEmptyWarehouse(t *testing.T) {
	db := newWarehouse(t)
	d, err := Build(context.Background(), db, fixtureOptions())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if d.AsOf != "" || len(d.KPIs)+len(d.Trends)+len(d.Capital)+len(d.CLV)+len(d.AtRisk)+len(d.Health.Connectors) != 0 {
		t.Errorf("empty warehouse gave data: %+v", d)
	}
	html := string(render(t, d))
	sections := regexp.MustCompile(`data-section="[^"]+"`).FindAllString(html, -1)
	if n := strings.Count(html, `<p class="empty">No data yet</p>`); n != len(sections) || n < 12 {
		t.Errorf("%d sections, %d say no data yet", len(sections), n)
	}
	js, err := ExtractData([]byte(html))
	if err != nil || !bytes.Contains(js, []byte(`"kpis": []`)) || bytes.Contains(js, []byte(`": null,`)) && bytes.Contains(js, []byte(`"rows": null`)) {
		t.Errorf("empty data JSON must use empty arrays: %v\n%s", err, js)
	}
}

var commentRE = regexp.MustCompile(`(?s)/\*.*?\*/`)

// TestSelfContained: the page loads nothing: a CSP forbids requests, no
// element has a src or href, and no URL appears outside the comments of
// the embedded library.
func TestSelfContained(t *testing.T) {
	html := render(t, buildFixture(t))
	s := string(html)
	if !strings.Contains(s, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;unsafe-inline&#39;; style-src &#39;unsafe-inline&#39;; img-src data:">`) &&
		!strings.Contains(s, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`) {
		t.Error("CSP meta tag missing")
	}
	for _, bad := range []string{" src=", " href=", "<link", "<iframe", "@import", "url(", "@font-face", "sourceMappingURL"} {
		if strings.Contains(s, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	stripped := commentRE.ReplaceAllString(s, "")
	if m := regexp.MustCompile(`https?://[^\s"'<>]*`).FindAllString(stripped, -1); len(m) > 0 {
		t.Errorf("URLs outside comments: %v", m)
	}
	if !strings.Contains(s, "Chart.js v4.6.1") {
		t.Error("Chart.js not inlined")
	}
	if len(html) > 5<<20 {
		t.Errorf("page is %d bytes", len(html))
	}
}

func TestHandler(t *testing.T) {
	d := &Data{Title: "T <&>", KPIs: []KPI{}}
	h := Handler(func(context.Context) (*Data, error) { return d, nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/report", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || rec.Header().Get("Content-Security-Policy") != CSP ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<title>T &lt;&amp;&gt;</title>")) {
		t.Errorf("GET: %d %v %.200s", rec.Code, rec.Header(), body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/report", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	fail := Handler(func(context.Context) (*Data, error) { return nil, errors.New("report: as_of: boom") })
	rec = httptest.NewRecorder()
	fail.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/report", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("build error: %d %s", rec.Code, rec.Body.String())
	}
}

// TestDataEscaping: text from the warehouse cannot close the JSON script.
func TestDataEscaping(t *testing.T) {
	d := &Data{Title: "x", AtRisk: []AtRisk{{Name: "</script><script>alert(1)</script>"}}}
	html := string(render(t, d))
	if strings.Contains(html, "</script><script>alert(1)") {
		t.Error("customer name closed the script element")
	}
	js, err := ExtractData([]byte(html))
	if err != nil || !bytes.Contains(js, []byte(`\u003c/script\u003e`)) {
		t.Errorf("escaped JSON: %v %s", err, js)
	}
}

// TestStagesFollowFlowMapping: the stage-time table follows the configured
// value-stream mapping (here a prepaid flow), not the default stages.
func TestStagesFollowFlowMapping(t *testing.T) {
	db := newWarehouse(t)
	loadFixture(t, db, 14, 200)
	opt := fixtureOptions()
	opt.Flow = []config.FlowStage{{At: "ordered_at", State: "new"}, {At: "paid_at", State: "active"}, {At: "fulfilled_at", State: "done"}}
	d, err := Build(context.Background(), db, opt)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var got []string
	for _, s := range d.Stages {
		got = append(got, s.Stage+"/"+s.State)
	}
	if want := []string{"Ordered → paid/new", "Paid → fulfilled/active"}; !slices.Equal(got, want) {
		t.Errorf("stages = %v, want %v", got, want)
	}
}
