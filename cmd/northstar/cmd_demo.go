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
	port      int
	serve     bool
}

func demoFlags(fs *flag.FlagSet, a *app) {
	a.demo = &demoOpts{}
	fs.StringVar(&a.demo.dir, "dir", ".northstar-demo", "directory for the demo's data, configuration and managed PostgreSQL")
	fs.IntVar(&a.demo.customers, "customers", 2000, "number of customers of the generated company")
	fs.Int64Var(&a.demo.seed, "seed", 1, "random seed of the generated company (same seed, same company)")
	fs.IntVar(&a.demo.port, "port", 8470, "port of the demo daemon's HTTP API (with -serve)")
	fs.BoolVar(&a.demo.serve, "serve", false, "after the tour, keep the emulators and the daemon (HTTP API, /report) running until Ctrl-C")
}

// demoConfig is the configuration the demo writes next to its data so
// that every other command can be tried on it with -c while the demo's
// emulators run (northstar demo -serve keeps them running).
var demoConfig = template.Must(template.New("demo").Parse(`# Written by "northstar demo": the generated company's CRM (a Salesforce
# emulator) and ERP (a SAP S/4HANA OData emulator), both on loopback while
# the demo runs. The credentials below belong to the emulators only.
warehouse:
  dsn: ${DATABASE_URL:-}        # empty → managed PostgreSQL under state_dir
  reporting_currency: USD
  timezone: UTC
state_dir: .
server:
  listen: 127.0.0.1:{{.Port}}
fx: { EUR: 1.08, GBP: 1.27, CHF: 1.13, SEK: 0.095, DKK: 0.145, PLN: 0.25, CAD: 0.73, AUD: 0.66 }   # fallback
connectors:
  - name: treasury        # daily FX rates (business days): amounts are converted at
    type: file            # the latest rate on or before their day, else at fx: above
    schedule: "@daily"
    streams:
      fx_rates: { path: fx_rates.csv }   # day,currency,rate,base: 1 currency = rate base
  - name: crm
    type: salesforce
    schedule: "*/30 * * * *"
    salesforce:
      login_url: {{.SF}}
      auth: password
      client_id: {{.SFClientID}}
      client_secret: {{.SFClientSecret}}
      username: {{.SFUsername}}
      password: {{.SFPassword}}
      security_token: {{.SFToken}}
      tax_id_field: VAT_Number__c
      external_id_field: ERP_Customer_Number__c
    streams:              # orders come from the ERP, so revenue is counted once
      customers:        { object: Account }
      contacts:         { object: Contact }
      contracts:        { object: Contract }
      support_cases:    { object: Case }
      survey_responses: { object: Survey_Response__c }
  - name: erp
    type: sap_odata
    schedule: "@hourly"
    sap_odata:
      base_url: {{.SAP}}
      username: {{.SAPUser}}
      password: {{.SAPPassword}}
    streams:
      customers:   { entity_set: A_BusinessPartner }
      orders:      { entity_set: A_SalesOrder, expand: to_Item }
      order_lines: { entity_set: A_SalesOrder }
`))

func runDemo(ctx context.Context, a *app, _ *flag.FlagSet) error {
	start := time.Now()
	o := a.demo
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	fmt.Fprintf(a.stdout, "northstar demo: generating a company with %d customers (seed %d) and serving it from a Salesforce and a SAP emulator\n", o.customers, o.seed)
	gopts := generate.DefaultOptions()
	gopts.Customers, gopts.Seed = o.customers, o.seed
	// Three years of history up to today, so the report's "last month" is real.
	gopts.End = time.Now().UTC().Truncate(24 * time.Hour)
	gopts.Start = gopts.End.AddDate(-3, 0, 0)
	up, err := startUpstreams(ctx, gopts)
	if err != nil {
		return err
	}
	defer up.close()
	fmt.Fprintf(a.stdout, "northstar demo: Salesforce emulator at %s, SAP emulator at %s\n", up.sfURL, up.sapURL)

	// The treasury's daily rates, loaded first so the orders and contracts
	// synced after them are priced at their day's rate.
	if _, err := generate.WriteRates(dir, gopts, generate.FormatCSV); err != nil {
		return fmt.Errorf("demo FX rates: %w", err)
	}
	a.configPath = filepath.Join(dir, "northstar.yaml")
	var sb strings.Builder
	if err := demoConfig.Execute(&sb, map[string]any{"Port": o.port, "SF": up.sfURL, "SAP": up.sapURL,
		"SFClientID": demoSFClientID, "SFClientSecret": demoSFClientSecret, "SFUsername": demoSFUsername,
		"SFPassword": demoSFPassword, "SFToken": demoSFToken, "SAPUser": demoSAPUser, "SAPPassword": demoSAPPassword}); err != nil {
		return err
	}
	if err := os.WriteFile(a.configPath, []byte(sb.String()), 0o600); err != nil {
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
	sum, err := a.refreshMetrics(ctx, a.cfg, time.Time{})
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	fmt.Fprintf(a.stdout, "metrics: %d values as of %s, models %v, %d customer scores\n",
		sum.Values, sum.AsOf.Format("2006-01-02"), sum.Models, sum.Scores)
	if err := printKPIs(ctx, a); err != nil {
		return err
	}
	path, err := a.writeReport(ctx, filepath.Join(dir, "report.html"), "")
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nexecutive report: %s\n", path)
	fmt.Fprintf(a.stdout, "generated %d orders (%d lines), %d in the ERP; demo finished in %s\n",
		up.truth.Counts["orders"], up.truth.Counts["order_lines"], up.erp.Orders, time.Since(start).Round(time.Millisecond))
	if !o.serve {
		fmt.Fprintf(a.stdout, "next: northstar demo -serve keeps the emulators and the daemon running (report at http://%s/report)\n", a.cfg.Server.Listen)
		return nil
	}
	return a.serve(ctx, func(addr string) {
		fmt.Fprintf(a.stdout, "daemon: http://%s/report  http://%s/api/v1/kpis  http://%s/metrics  (Ctrl-C stops)\n", addr, addr, addr)
		fmt.Fprintf(a.stdout, "try: northstar status -c %s\n", a.configPath)
	})
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
		Rates     int64   `db:"rates"`
		Daily     int64   `db:"daily"`
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
		(SELECT count(*) FROM ops.rejected_records) AS rejected,
		(SELECT count(*) FROM ops.fx_rates) AS rates,
		(SELECT count(*) FROM core.orders WHERE fx_rate_day IS NOT NULL) AS daily`)
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
	fmt.Fprintf(a.stdout, "fx: %d daily rates; %d orders converted at a daily rate (ops.fx_rates), the others in %s or at the fx: rates\n",
		s.Rates, s.Daily, a.cfg.Warehouse.ReportingCurrency)
	return nil
}
