package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/northstar-dev/northstar/report"
)

type reportOpts struct {
	out   string
	title string
}

func reportFlags(fs *flag.FlagSet, a *app) {
	a.report = &reportOpts{}
	fs.StringVar(&a.report.out, "o", "report.html", "output file (one self-contained HTML file)")
	fs.StringVar(&a.report.title, "title", "", "page title (default \"Customer value report\")")
}

func runReport(ctx context.Context, a *app, _ *flag.FlagSet) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	path, err := a.writeReport(ctx, a.report.out, a.report.title)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "report written to %s\n", path)
	return nil
}

// writeReport builds the executive report from the warehouse and writes it
// atomically (temporary file, then rename); it returns the absolute path.
func (a *app) writeReport(ctx context.Context, out, title string) (string, error) {
	data, err := report.Build(ctx, a.db.DB, report.Options{Title: title, Currency: a.cfg.Warehouse.ReportingCurrency, Flow: a.cfg.Metrics.Flow.Stages})
	if err != nil {
		return "", fmt.Errorf("build report: %w", err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, data); err != nil {
		return "", fmt.Errorf("render report: %w", err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	tmp := abs + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	return abs, nil
}
