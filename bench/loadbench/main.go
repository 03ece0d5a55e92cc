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
//	go run ./bench/loadbench -orders 1000000 -runs 3
//
// -runs N repeats steps 2–4 N times on the same files, each time in a
// fresh database, and prints the median ratio: on a shared machine whose
// speed drifts, one pair of loads can be off by 15 % either way.
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
	"slices"
	"strconv"
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
	runs := flag.Int("runs", 1, "load the same files this many times (a fresh database each) and report the median ratio")
	flag.Parse()
	if err := run(*orders, *server, *keep, *pageSize, *cpuProfile, max(1, *runs)); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(orders int, server string, keep bool, pageSize int, cpuProfile string, runs int) error {
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
	if cpuProfile != "" {
		if cpuProfile, err = filepath.Abs(cpuProfile); err != nil {
			return err
		}
	}
	var ratios []float64
	for i := range runs {
		if runs > 1 {
			fmt.Printf("run %d of %d\n", i+1, runs)
		}
		profile := ""
		if i == 0 {
			profile = cpuProfile
		}
		ratio, err := runOnce(bin, cfg, dir, server, rows, profile, keep && i == runs-1)
		if err != nil {
			return err
		}
		ratios = append(ratios, ratio)
	}
	if runs > 1 {
		slices.Sort(ratios)
		fmt.Printf("ratio over %d runs: median %.0f%%, min %.0f%%, max %.0f%%\n", runs, 100*ratios[len(ratios)/2], 100*ratios[0], 100*ratios[len(ratios)-1])
	}
	return nil
}

// runOnce syncs the files into a fresh database twice, \copies them into
// tables beside, prints the figures and returns the throughput ratio.
// The two loads follow each other so that they see the same machine.
func runOnce(bin, cfg, dir, server string, rows int64, cpuProfile string, keep bool) (float64, error) {
	dsn, drop, err := benchenv.Database(server)
	if err != nil {
		return 0, err
	}
	if !keep {
		defer drop()
	} else {
		fmt.Println("kept database:", dsn)
	}
	sync := func(profile string) (measure, error) {
		cmd := exec.Command(bin, "sync", "-c", cfg, "-log-level", "warn", "--no-metrics")
		cmd.Stderr = os.Stderr
		if profile != "" {
			cmd.Env = append(os.Environ(), "NORTHSTAR_CPUPROFILE="+profile)
		}
		m, err := measured(cmd.Run)
		if err != nil {
			return m, fmt.Errorf("northstar sync: %w", err)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		m.rssKiB = ru.Maxrss // KiB on Linux
		m.procCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		return m, nil
	}
	if err := os.Setenv("BENCH_DSN", dsn); err != nil {
		return 0, err
	}
	if out, err := exec.Command(bin, "migrate", "-c", cfg).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("migrate: %v\n%s", err, out)
	}
	first, err := sync(cpuProfile)
	if err != nil {
		return 0, err
	}
	second, err := sync("")
	if err != nil {
		return 0, err
	}
	cp, err := psqlCopy(dsn, dir)
	if err != nil {
		return 0, err
	}
	nsRate := float64(rows) / first.wall.Seconds()
	cpRate := float64(rows) / cp.wall.Seconds()
	fmt.Printf("northstar sync (file connector → raw + core): %8.1f s  %9.0f rows/s  peak RSS %d MiB\n", first.wall.Seconds(), nsRate, first.rssKiB/1024)
	fmt.Printf("psql \\copy into identically indexed tables:   %8.1f s  %9.0f rows/s\n", cp.wall.Seconds(), cpRate)
	fmt.Printf("ratio northstar / \\copy: %.0f%%\n", 100*nsRate/cpRate)
	fmt.Printf("second sync, files unchanged: %.3f s = %.2f%% of the first (peak RSS %d MiB)\n", second.wall.Seconds(), 100*second.wall.Seconds()/first.wall.Seconds(), second.rssKiB/1024)
	fmt.Printf("CPU seconds, whole machine (of which the client process): northstar %.1f (%.1f), \\copy %.1f (%.1f)\n",
		first.busy.Seconds(), first.procCPU.Seconds(), cp.busy.Seconds(), cp.procCPU.Seconds())
	return nsRate / cpRate, nil
}

// measure is what one timed command cost.
type measure struct {
	wall    time.Duration
	busy    time.Duration // CPU time of the whole machine (every process: the client and PostgreSQL)
	procCPU time.Duration // CPU time of the client process
	rssKiB  int64
}

// measured runs f and reports its wall time and the machine's CPU time
// over it, from /proc/stat (zero where that is unreadable).
func measured(f func() error) (measure, error) {
	b0 := machineBusy()
	start := time.Now()
	err := f()
	m := measure{wall: time.Since(start)}
	if b1 := machineBusy(); b0 > 0 && b1 > 0 {
		m.busy = b1 - b0
	}
	return m, err
}

// machineBusy is the CPU time all processors spent on anything but idle
// and I/O wait since boot, from the first line of /proc/stat.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, f := range fields[1:8] { // user nice system idle iowait irq softirq
		if i == 3 || i == 4 {
			continue
		}
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
}

// psqlCopy loads the same CSV files with psql's \copy into tables created
// LIKE the core tables INCLUDING ALL (same keys and indexes).
func psqlCopy(dsn, dir string) (measure, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return measure{}, err
	}
	defer db.Close()
	for _, t := range []string{"orders", "order_lines"} {
		if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE public.copy_%[1]s (LIKE core.%[1]s INCLUDING ALL);
			ALTER TABLE public.copy_%[1]s ALTER source SET DEFAULT 'shop', ALTER row_hash SET DEFAULT 0,
				ALTER run_id SET DEFAULT 0, ALTER synced_at SET DEFAULT now()`, t)); err != nil {
			return measure{}, err
		}
	}
	rename := map[string]string{"customer": "customer_source_id", "order": "order_source_id"}
	var script strings.Builder
	for _, t := range []string{"orders", "order_lines"} {
		path := filepath.Join(dir, "data", t+".csv")
		head, err := firstLine(path)
		if err != nil {
			return measure{}, err
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
	m, err := measured(cmd.Run)
	if err != nil {
		return m, fmt.Errorf("psql \\copy: %w", err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m.procCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return m, nil
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
