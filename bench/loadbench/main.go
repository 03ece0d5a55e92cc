// Command loadbench measures northstar's end-to-end file load against
// PostgreSQL's own bulk path, in one run on one machine:
//
//  1. generate N orders with their lines as CSV (package generate);
//  2. `northstar sync` them through the file connector into a fresh
//     database (COPY → staging → one merge transaction per page, raw and core);
//  3. `psql \copy` the same files into tables built LIKE core.orders and
//     core.order_lines INCLUDING ALL (same columns, keys and indexes);
//  4. sync again with the files unchanged.
//
// It prints rows/s for both, the ratio, northstar's peak RSS, and the
// second sync's time as a share of the first.
//
//	go run ./bench/loadbench -orders 1000000
//
// -cpuprofile FILE writes a Go CPU profile of the first sync (go tool pprof).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"github.com/northstar-dev/northstar/bench/internal/benchenv"
	"github.com/northstar-dev/northstar/generate"
)

func main() {
	orders := flag.Int("orders", 1_000_000, "approximate number of orders to generate (lines come on top)")
	server := flag.String("dsn", benchenv.ServerDSN(), "PostgreSQL server (any database); a fresh database is created and dropped")
	keep := flag.Bool("keep", false, "keep the generated files and the database")
	pageSize := flag.Int("page-size", 0, "file connector page_size (0: the connector's default)")
	cpuProfile := flag.String("cpuprofile", "", "write a Go CPU profile of the first sync to this file")
	flag.Parse()
	if err := run(*orders, *server, *keep, *pageSize, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(orders int, server string, keep bool, pageSize int, cpuProfile string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "northstar-loadbench")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	bin, err := benchenv.Build(dir)
	if err != nil {
		return err
	}

	opts := generate.DefaultOptions()
	opts.Customers = max(1, orders*2000/43410) // ≈ 21.7 orders per customer with the defaults
	t0 := time.Now()
	man, err := generate.WriteFiles(ctx, filepath.Join(dir, "data"), opts, generate.FormatCSV)
	if err != nil {
		return err
	}
	nOrders, nLines := man.Truth.Counts["orders"], man.Truth.Counts["order_lines"]
	rows := nOrders + nLines
	fmt.Printf("generated %d orders + %d lines = %d rows in %s\n", nOrders, nLines, rows, time.Since(t0).Round(time.Millisecond))

	dsn, drop, err := benchenv.Database(server)
	if err != nil {
		return err
	}
	if !keep {
		defer drop()
	}

	cfg := filepath.Join(dir, "northstar.yaml")
	fileOpts := "{ format: csv }"
	if pageSize > 0 {
		fileOpts = fmt.Sprintf("{ format: csv, page_size: %d }", pageSize)
	}
	if err := os.WriteFile(cfg, []byte(`warehouse:
  dsn: ${BENCH_DSN}
state_dir: state
fx: { EUR: 1.08, GBP: 1.27, CHF: 1.13, SEK: 0.095, DKK: 0.145, PLN: 0.25, CAD: 0.73, AUD: 0.66 }
connectors:
  - name: shop
    type: file
    file: `+fileOpts+`
    streams:
      orders: { path: data/orders.csv }
      order_lines: { path: data/order_lines.csv }
`), 0o644); err != nil {
		return err
	}
	sync := func(profile string) (time.Duration, int64, error) {
		cmd := exec.Command(bin, "sync", "-c", cfg, "-log-level", "warn", "--no-metrics")
		cmd.Stderr = os.Stderr
		if profile != "" {
			cmd.Env = append(os.Environ(), "NORTHSTAR_CPUPROFILE="+profile)
		}
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return d, 0, fmt.Errorf("northstar sync: %w", err)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		return d, ru.Maxrss, nil // KiB on Linux
	}
	if err := os.Setenv("BENCH_DSN", dsn); err != nil {
		return err
	}
	if out, err := exec.Command(bin, "migrate", "-c", cfg).CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %v\n%s", err, out)
	}
	if cpuProfile != "" {
		if cpuProfile, err = filepath.Abs(cpuProfile); err != nil {
			return err
		}
	}
	first, rss, err := sync(cpuProfile)
	if err != nil {
		return err
	}
	second, rss2, err := sync("")
	if err != nil {
		return err
	}

	copyDur, err := psqlCopy(dsn, dir)
	if err != nil {
		return err
	}
	nsRate := float64(rows) / first.Seconds()
	cpRate := float64(rows) / copyDur.Seconds()
	fmt.Printf("northstar sync (file connector → raw + core): %8.1f s  %9.0f rows/s  peak RSS %d MiB\n", first.Seconds(), nsRate, rss/1024)
	fmt.Printf("psql \\copy into identically indexed tables:   %8.1f s  %9.0f rows/s\n", copyDur.Seconds(), cpRate)
	fmt.Printf("ratio northstar / \\copy: %.0f%%\n", 100*nsRate/cpRate)
	fmt.Printf("second sync, files unchanged: %.3f s = %.2f%% of the first (peak RSS %d MiB)\n", second.Seconds(), 100*second.Seconds()/first.Seconds(), rss2/1024)
	return nil
}

// psqlCopy loads the same CSV files with psql's \copy into tables created
// LIKE the core tables INCLUDING ALL (same keys and indexes).
func psqlCopy(dsn, dir string) (time.Duration, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	for _, t := range []string{"orders", "order_lines"} {
		if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE public.copy_%[1]s (LIKE core.%[1]s INCLUDING ALL);
			ALTER TABLE public.copy_%[1]s ALTER source SET DEFAULT 'shop', ALTER row_hash SET DEFAULT 0,
				ALTER run_id SET DEFAULT 0, ALTER synced_at SET DEFAULT now()`, t)); err != nil {
			return 0, err
		}
	}
	rename := map[string]string{"customer": "customer_source_id", "order": "order_source_id"}
	var script strings.Builder
	for _, t := range []string{"orders", "order_lines"} {
		path := filepath.Join(dir, "data", t+".csv")
		head, err := firstLine(path)
		if err != nil {
			return 0, err
		}
		cols := strings.Split(head, ",")
		for i, c := range cols {
			if r, ok := rename[c]; ok {
				cols[i] = r
			}
		}
		fmt.Fprintf(&script, "\\copy public.copy_%s (%s) FROM '%s' WITH (FORMAT csv, HEADER true)\n", t, strings.Join(cols, ", "), path)
	}
	cmd := exec.Command("psql", dsn, "-v", "ON_ERROR_STOP=1", "-q")
	cmd.Stdin = strings.NewReader(script.String())
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("psql \\copy: %w", err)
	}
	return time.Since(start), nil
}

func firstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	return strings.TrimSpace(line), nil
}
