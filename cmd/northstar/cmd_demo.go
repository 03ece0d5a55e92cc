package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/generate"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/warehouse"
)

type demoOpts struct {
	dir       string
	customers int
	seed      int64
}

func demoFlags(fs *flag.FlagSet, a *app) {
	a.demo = &demoOpts{}
	fs.StringVar(&a.demo.dir, "dir", ".northstar-demo", "directory for the demo's data, configuration and managed PostgreSQL")
	fs.IntVar(&a.demo.customers, "customers", 2000, "number of customers of the generated company")
	fs.Int64Var(&a.demo.seed, "seed", 1, "random seed of the generated company (same seed, same company)")
}

// demoConfig is the configuration the demo writes next to its data so
// that every other command can be tried on it with -c.
var demoConfig = template.Must(template.New("demo").Parse(`# Written by "northstar demo": a file connector over a generated company.
# Try: northstar status -c {{.Dir}}/northstar.yaml
warehouse:
  dsn: ${DATABASE_URL:-}        # empty → managed PostgreSQL under state_dir
  reporting_currency: USD
  timezone: UTC
state_dir: .
fx: { EUR: 1.08, GBP: 1.27, CHF: 1.13, SEK: 0.095, DKK: 0.145, PLN: 0.25, CAD: 0.73, AUD: 0.66 }
connectors:
  - name: shop
    type: file
    schedule: "@every 10m"
    file:
      format: csv
    streams:
{{- range .Streams}}
      {{.}}: { path: {{$.Data}}/{{.}}.csv }
{{- end}}
`))

func runDemo(ctx context.Context, a *app, _ *flag.FlagSet) error {
	start := time.Now()
	o := a.demo
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	fmt.Fprintf(a.stdout, "northstar demo: generating a company with %d customers (seed %d) in %s\n", o.customers, o.seed, data)
	gopts := generate.DefaultOptions()
	gopts.Customers, gopts.Seed = o.customers, o.seed
	man, err := generate.WriteFiles(ctx, data, gopts, generate.FormatCSV)
	if err != nil {
		return fmt.Errorf("generate company: %w", err)
	}

	a.configPath = filepath.Join(dir, "northstar.yaml")
	var sb strings.Builder
	streams := []string{"customers", "contacts", "orders", "order_lines", "contracts", "survey_responses", "support_cases"}
	if err := demoConfig.Execute(&sb, map[string]any{"Dir": o.dir, "Data": data, "Streams": streams}); err != nil {
		return err
	}
	if err := os.WriteFile(a.configPath, []byte(sb.String()), 0o644); err != nil {
		return fmt.Errorf("write demo config: %w", err)
	}
	if err := a.loadConfig(); err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	where := "managed PostgreSQL under " + filepath.Join(dir, "pg")
	if os.Getenv("DATABASE_URL") != "" {
		where = "DATABASE_URL"
	}
	fmt.Fprintf(a.stdout, "northstar demo: warehouse = %s\n", where)
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	conns := make([]*config.Connector, len(a.cfg.Connectors))
	for i := range a.cfg.Connectors {
		conns[i] = &a.cfg.Connectors[i]
	}
	results, err := a.syncAll(ctx, conns, pipeline.Options{Trigger: "demo"})
	if err != nil {
		return err
	}
	printResults(a.stdout, results)
	for _, r := range results {
		if r.Status != warehouse.StatusSucceeded {
			return fmt.Errorf("demo sync of %s ended %s: %v", r.Connector, r.Status, r.Err)
		}
	}
	if err := printWarehouseSummary(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\ngenerated %d orders (%d lines); demo finished in %s\n",
		man.Truth.Counts["orders"], man.Truth.Counts["order_lines"], time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(a.stdout, "next: northstar status -c %s\n", a.configPath)
	return nil
}

// printWarehouseSummary prints what the warehouse now holds.
func printWarehouseSummary(ctx context.Context, a *app) error {
	var s struct {
		Customers int64   `db:"customers"`
		Orders    int64   `db:"orders"`
		Revenue   string  `db:"revenue"`
		First     *string `db:"first"`
		Last      *string `db:"last"`
		Responses int64   `db:"responses"`
		Cases     int64   `db:"cases"`
		Contracts int64   `db:"contracts"`
		Rejected  int64   `db:"rejected"`
	}
	err := a.db.GetContext(ctx, &s, `SELECT
		(SELECT count(*) FROM core.customers WHERE deleted_at IS NULL) AS customers,
		(SELECT count(*) FROM core.orders WHERE deleted_at IS NULL) AS orders,
		(SELECT coalesce(round(sum(amount_reporting), 2), 0)::text FROM core.orders WHERE deleted_at IS NULL AND canceled_at IS NULL) AS revenue,
		(SELECT min(ordered_at)::date::text FROM core.orders) AS first,
		(SELECT max(ordered_at)::date::text FROM core.orders) AS last,
		(SELECT count(*) FROM core.survey_responses) AS responses,
		(SELECT count(*) FROM core.support_cases) AS cases,
		(SELECT count(*) FROM core.contracts) AS contracts,
		(SELECT count(*) FROM ops.rejected_records) AS rejected`)
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	deref := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	fmt.Fprintf(a.stdout, "\nwarehouse: %d customers, %d orders (%s … %s), revenue %s %s, %d contracts, %d survey responses, %d support cases, %d rejected records\n",
		s.Customers, s.Orders, deref(s.First), deref(s.Last), s.Revenue, a.cfg.Warehouse.ReportingCurrency, s.Contracts, s.Responses, s.Cases, s.Rejected)
	return nil
}
