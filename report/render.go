package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/shopspring/decimal"
)

// CSP is the Content-Security-Policy of the page (meta tag and HTTP
// header): inline scripts, styles and data: images only, so the browser
// blocks any request the page might try to make.
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

var (
	//go:embed assets/report.html.tmpl
	pageTemplate string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/trap.js
	trapJS string
	//go:embed assets/report.js
	pageJS string
	// chartJS is Chart.js 4.6.1 (dist/chart.umd.min.js from npm, MIT,
	// assets/chart.js-LICENSE.md) with its sourceMappingURL line removed.
	//go:embed assets/chart.umd.min.js
	chartJS string
)

// trendSections are the trend cards in page order, with the question each answers.
var trendSections = []struct{ id, title, question string }{
	{"sentiment", "NPS, CSAT and CES", "How do customers rate us, month by month?"},
	{"retention", "Retention and churn", "Are we keeping our customers?"},
	{"ndr_grr", "Net and gross revenue retention", "Does revenue from existing customers grow or shrink?"},
}

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"arrow": func(dir string) string {
		switch dir {
		case "up":
			return "▲"
		case "down":
			return "▼"
		}
		return "■"
	},
	"period": func(k KPI) string {
		switch {
		case k.Grain == "as_of":
			return "as of " + k.PeriodStart
		case len(k.PeriodStart) < 7:
			return k.PeriodStart
		case k.Segment == "convention:yoy":
			return "base month " + k.PeriodStart[:7] + ", +12 months"
		}
		return k.PeriodStart[:7]
	},
	"ages": func(maxAge int) []int {
		out := make([]int, maxAge+1)
		for i := range out {
			out[i] = i
		}
		return out
	},
	"count": func(s *string) string {
		if s == nil {
			return "n/a"
		}
		return FormatValue("", unitCount, *s, "")
	},
	"count64": func(n *int64) string {
		if n == nil {
			return "n/a"
		}
		return FormatValue("", unitCount, fmt.Sprint(*n), "")
	},
	"pct0": func(s *string) string { return pctPlaces(s, 0) },
	"pct1": func(s *string) string { return pctPlaces(s, 1) },
	"heat": heat,
}).Parse(pageTemplate))

func pctPlaces(s *string, places int32) string {
	d, err := decimal.NewFromString(deref(s))
	if err != nil {
		return "n/a"
	}
	return d.StringFixed(places) + "%"
}

// heat colours a cohort cell: darker blue for higher retention.
func heat(s *string) template.CSS {
	d, err := decimal.NewFromString(deref(s))
	if err != nil {
		return ""
	}
	v := min(max(d.InexactFloat64(), 0), 100)
	light := 96 - 0.5*v
	fg := "#1f2937"
	if light < 66 {
		fg = "#ffffff"
	}
	return template.CSS(fmt.Sprintf("background:hsl(217,75%%,%.0f%%);color:%s", light, fg))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type trendCard struct {
	ID, Title, Question string
	Trend               *Trend
}

type page struct {
	D         *Data
	CSP       string
	CSS       template.CSS
	Trap, JS  template.JS
	Lib, JSON template.JS
	Trends    []trendCard
}

// Render writes the report as one self-contained HTML page: styles,
// scripts (Chart.js included), fonts (the system font stack) and data
// are inline, and a Content-Security-Policy forbids any request. The
// data is also embedded as JSON in script#report-data.
func Render(w io.Writer, d *Data) error {
	if d == nil {
		return fmt.Errorf("report: render: no data")
	}
	js, err := MarshalData(d)
	if err != nil {
		return err
	}
	p := page{D: d, CSP: CSP, CSS: template.CSS(pageCSS), Trap: template.JS(trapJS), JS: template.JS(pageJS),
		Lib: template.JS(chartJS), JSON: template.JS(js)}
	for _, s := range trendSections {
		c := trendCard{ID: s.id, Title: s.title, Question: s.question}
		for i := range d.Trends {
			if d.Trends[i].ID == s.id {
				c.Trend = &d.Trends[i]
			}
		}
		p.Trends = append(p.Trends, c)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}

// MarshalData returns the JSON embedded in the page: indented, with <, >
// and & escaped so that it cannot end the script element.
func MarshalData(d *Data) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("report: encode data: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// ExtractData returns the JSON of script#report-data from a rendered page.
func ExtractData(html []byte) ([]byte, error) {
	const open = `<script type="application/json" id="report-data">`
	s := string(html)
	i := strings.Index(s, open)
	if i < 0 {
		return nil, fmt.Errorf("report: no report-data script")
	}
	s = s[i+len(open):]
	j := strings.Index(s, "</script>")
	if j < 0 {
		return nil, fmt.Errorf("report: unterminated report-data script")
	}
	return []byte(s[:j]), nil
}
