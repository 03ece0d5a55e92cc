// Command refreshbench measures a full metric refresh on a large company:
// it generates N customers (≈ 21.7 orders each with the generator's
// defaults, so 100,000 customers ≈ 2,000,000 orders), loads them through
// the file connector into a fresh database, then times `northstar metrics
// refresh` (every SQL metric plus the BG/NBD, Pareto/NBD and Gamma-Gamma
// fits and per-customer scores) and reports its peak RSS.
//
//	go run ./bench/refreshbench -customers 100000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/northstar-dev/northstar/bench/internal/benchenv"
	"github.com/northstar-dev/northstar/generate"
)

func main() {
	customers := flag.Int("customers", 100_000, "customers of the generated company")
	server := flag.String("dsn", benchenv.ServerDSN(), "PostgreSQL server; a fresh database is created and dropped")
	keep := flag.Bool("keep", false, "keep the database and print its DSN (to inspect or rerun the refresh)")
	logLevel := flag.String("log-level", "warn", "log level of the refresh (debug: time of each metric SQL file and model)")
	flag.Parse()
	if err := run(*customers, *server, *logLevel, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "refreshbench:", err)
		os.Exit(1)
	}
}

func run(customers int, server, logLevel string, keep bool) error {
	dir, err := os.MkdirTemp("", "northstar-refreshbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := benchenv.Build(dir)
	if err != nil {
		return err
	}
	opts := generate.DefaultOptions()
	opts.Customers = customers
	man, err := generate.WriteFiles(context.Background(), filepath.Join(dir, "data"), opts, generate.FormatCSV)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d customers, %d orders, %d lines\n", man.Truth.Counts["customers"], man.Truth.Counts["orders"], man.Truth.Counts["order_lines"])

	dsn, drop, err := benchenv.Database(server)
	if err != nil {
		return err
	}
	if keep {
		fmt.Printf("database kept: %s\n", dsn)
	} else {
		defer drop()
	}
	if err := os.Setenv("BENCH_DSN", dsn); err != nil {
		return err
	}
	var streams strings.Builder
	for _, s := range []string{"customers", "contacts", "orders", "order_lines", "contracts", "survey_responses", "support_cases"} {
		fmt.Fprintf(&streams, "      %s: { path: data/%s.csv }\n", s, s)
	}
	cfg := filepath.Join(dir, "northstar.yaml")
	if err := os.WriteFile(cfg, []byte(`warehouse:
  dsn: ${BENCH_DSN}
state_dir: state
fx: { EUR: 1.08, GBP: 1.27, CHF: 1.13, SEK: 0.095, DKK: 0.145, PLN: 0.25, CAD: 0.73, AUD: 0.66 }
connectors:
  - name: shop
    type: file
    streams:
`+streams.String()), 0o644); err != nil {
		return err
	}
	timed := func(level string, args ...string) (time.Duration, int64, error) {
		cmd := exec.Command(bin, append(args, "-c", cfg, "-log-level", level)...)
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, 0, fmt.Errorf("northstar %s: %w", strings.Join(args, " "), err)
		}
		return time.Since(start), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, nil
	}
	d, rss, err := timed("warn", "sync", "--no-metrics")
	if err != nil {
		return err
	}
	fmt.Printf("load: %.1f s (peak RSS %d MiB)\n", d.Seconds(), rss/1024)
	asOf := opts.End.AddDate(0, 0, -1).Format("2006-01-02")
	d, rss, err = timed(logLevel, "metrics", "refresh", "--as-of", asOf)
	if err != nil {
		return err
	}
	fmt.Printf("metrics refresh as of %s: %.1f s, peak RSS %d MiB\n", asOf, d.Seconds(), rss/1024)
	return nil
}
