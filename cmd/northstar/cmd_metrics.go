package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/daemon"
	"github.com/northstar-dev/northstar/metrics"
)

type metricsOpts struct {
	asOf string
	json bool
}

func metricsFlags(fs *flag.FlagSet, a *app) {
	a.metrics = &metricsOpts{}
	fs.StringVar(&a.metrics.asOf, "as-of", "", "refresh: compute as of this date (YYYY-MM-DD; default today); data after it is ignored")
	fs.BoolVar(&a.metrics.json, "json", false, "show: print JSON")
}

// runMetrics is `northstar metrics refresh|show`.
func runMetrics(ctx context.Context, a *app, fs *flag.FlagSet) error {
	args := fs.Args()
	if len(args) != 1 || (args[0] != "refresh" && args[0] != "show") {
		return fmt.Errorf("%w: want `metrics refresh [--as-of DATE]` or `metrics show [--json]`", errUsage)
	}
	var asOf time.Time
	if a.metrics.asOf != "" {
		var err error
		if asOf, err = time.Parse("2006-01-02", a.metrics.asOf); err != nil {
			return fmt.Errorf("%w: --as-of %q is not a date (YYYY-MM-DD)", errUsage, a.metrics.asOf)
		}
	}
	if err := a.loadConfig(); err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	if args[0] == "refresh" {
		sum, err := a.refreshMetrics(ctx, a.cfg, asOf)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "metrics refreshed as of %s: %d values, models %v, %d customer scores in %s\n",
			sum.AsOf.Format("2006-01-02"), sum.Values, sum.Models, sum.Scores, sum.Duration.Round(time.Millisecond))
		return nil
	}
	if a.metrics.json {
		kpis, err := metrics.Show(ctx, a.db.DB)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(kpis)
	}
	return printKPIs(ctx, a)
}

// printKPIs prints the headline KPIs as a table.
func printKPIs(ctx context.Context, a *app) error {
	kpis, err := metrics.Show(ctx, a.db.DB)
	if err != nil {
		return err
	}
	if len(kpis) == 0 {
		fmt.Fprintln(a.stdout, "no metrics yet: run `northstar metrics refresh` (done after every successful sync)")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tPERIOD\tVALUE\tPREVIOUS\tCHANGE\tUNIT")
	for _, k := range kpis {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.PeriodStart, present(k.Value, k.Unit, false),
			present(k.PreviousValue, k.Unit, false), present(k.Change, k.Unit, true), k.Unit)
	}
	return tw.Flush()
}

// present rounds a stored full-precision value for people: scores and
// counts to integers or 1 dp, percentages and days to 1 dp, money to 2 dp.
func present(s *string, unit string, signed bool) string {
	if s == nil {
		return "n/a"
	}
	d, err := decimal.NewFromString(*s)
	if err != nil {
		return *s
	}
	places := int32(1)
	switch unit {
	case "money":
		places = 2
	case "count":
		if d.IsInteger() {
			places = 0
		}
	}
	out := d.StringFixed(places)
	if signed && d.IsPositive() {
		out = "+" + out
	}
	return out
}

// refreshMetrics recomputes every metric as of asOf (zero: today).
func (a *app) refreshMetrics(ctx context.Context, cfg *config.Config, asOf time.Time) (metrics.Summary, error) {
	opt := metrics.FromConfig(cfg.Metrics, cfg.Warehouse.Timezone)
	opt.AsOf, opt.Logger = asOf, a.log
	return metrics.Refresh(ctx, a.db.DB, opt)
}

// wireMetrics plugs metric refresh and KPIs into the daemon.
func (a *app) wireMetrics(deps *daemon.Deps) {
	deps.Refresher = daemon.RefreshFunc(func(ctx context.Context, cfg *config.Config) error {
		_, err := a.refreshMetrics(ctx, cfg, time.Time{})
		return err
	})
	deps.KPIs = func(ctx context.Context) (any, error) { return metrics.Show(ctx, a.db.DB) }
}
