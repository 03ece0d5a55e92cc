package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/northstar-dev/northstar/generate"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// binary is the northstar executable built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "northstar-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "northstar")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build northstar: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// company writes a generated company as CSV files and a config loading
// them through the file connector into the database dsn.
func company(t *testing.T, customers int, pageSize int) (cfgPath string) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	opts := generate.DefaultOptions()
	opts.Customers = customers
	if _, err := generate.WriteFiles(context.Background(), data, opts, generate.FormatCSV); err != nil {
		t.Fatal(err)
	}
	var streams strings.Builder
	// fx_rates.csv holds the generated daily rates: orders are priced at
	// their day's rate, lines at their order's.
	for _, s := range []string{"fx_rates", "customers", "contacts", "orders", "order_lines", "contracts", "survey_responses", "support_cases"} {
		fmt.Fprintf(&streams, "      %s: { path: data/%s.csv }\n", s, s)
	}
	cfg := fmt.Sprintf(`warehouse:
  dsn: ${NS_TEST_DSN}
server:
  listen: "${NS_LISTEN:-127.0.0.1:8470}"
  token: "${NS_TOKEN:-}"
state_dir: state
fx: { EUR: 1.08, GBP: 1.27, CHF: 1.13, SEK: 0.095, DKK: 0.145, PLN: 0.25, CAD: 0.73, AUD: 0.66 }
connectors:
  - name: shop
    type: file
    file: { format: csv, page_size: %d }
    streams:
%s`, pageSize, streams.String())
	cfgPath = filepath.Join(dir, "northstar.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfgPath
}

func nsCommand(dsn string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "NS_TEST_DSN="+dsn, "DATABASE_URL=")
	return cmd
}

func mustRun(t *testing.T, dsn string, args ...string) string {
	t.Helper()
	out, err := nsCommand(dsn, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("northstar %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// digest fingerprints what a load put in the warehouse, leaving out
// lineage (run ids, sync times) and golden ids (sequence values consumed
// by rolled-back transactions differ between runs).
func digest(t *testing.T, dsn string) map[string]string {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := map[string]string{
		"source_customers": `SELECT source, source_id, name, domain, country, tax_id, row_hash, deleted_at FROM core.source_customers`,
		"customer_links":   `SELECT cs.source, cs.source_id, cs.matched_by, c.name, c.first_order_at FROM core.customer_sources cs JOIN core.customers c USING (customer_id)`,
		"contacts":         `SELECT source, source_id, customer_source_id, customer_id IS NULL, email, row_hash FROM core.contacts`,
		"orders":           `SELECT o.source, o.source_id, o.customer_source_id, cs.source_id AS linked, o.ordered_at, o.paid_at, o.amount, o.amount_reporting, o.fx_rate, o.fx_rate_day, o.fx_rate_source, o.status, o.row_hash, o.deleted_at FROM core.orders o LEFT JOIN core.customer_sources cs ON cs.customer_id = o.customer_id`,
		"order_lines":      `SELECT source, source_id, order_source_id, product_category, quantity, amount, amount_reporting, fx_rate, fx_rate_day, fx_rate_source, row_hash FROM core.order_lines`,
		"contracts":        `SELECT source, source_id, customer_source_id, mrr, mrr_reporting, fx_rate, fx_rate_day, fx_rate_source, row_hash FROM core.contracts`,
		"fx_rates":         `SELECT day, currency, rate, source, source_id FROM ops.fx_rates`,
		"survey_responses": `SELECT source, source_id, instrument, score, row_hash FROM core.survey_responses`,
		"support_cases":    `SELECT source, source_id, opened_at, closed_at, row_hash FROM core.support_cases`,
		"raw":              `SELECT source, stream, source_id, payload_hash, deleted_at FROM raw.records`,
		"manifest":         `SELECT connector, stream, path, size, sha256 FROM ops.file_manifest`,
	}
	out := map[string]string{}
	for name, q := range queries {
		var n int64
		var h sql.NullString
		if err := db.QueryRow(`SELECT count(*), md5(string_agg(t::text, E'\n' ORDER BY t::text)) FROM (`+q+`) t`).Scan(&n, &h); err != nil {
			t.Fatalf("digest %s: %v", name, err)
		}
		out[name] = fmt.Sprintf("%d rows %s", n, h.String)
	}
	return out
}

func TestSyncTwiceLeavesWarehouseIdentical(t *testing.T) {
	dsn := whtest.NewDatabase(t)
	cfg := company(t, 300, 1000)
	mustRun(t, dsn, "sync", "-c", cfg)
	first := digest(t, dsn)
	out := mustRun(t, dsn, "sync", "-c", cfg, "--full")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 8 && f[0] == "shop" && (f[3] != "0" || f[4] != "0" || f[6] != "0") {
			t.Errorf("second (full) run changed something: %q", line)
		}
	}
	if got := digest(t, dsn); fmt.Sprint(got) != fmt.Sprint(first) {
		t.Fatalf("warehouse changed on re-run:\nfirst %v\nthen  %v", first, got)
	}
	// Unchanged files are skipped by the manifest.
	out = mustRun(t, dsn, "sync", "-c", cfg)
	if !strings.Contains(out, "succeeded") || strings.Contains(out, " orders ") {
		t.Fatalf("third run should read nothing:\n%s", out)
	}
}

// TestKillAndResume kills `northstar sync` with SIGKILL at several points
// of a ≈200,000-row load, re-runs it, and proves the warehouse ends equal
// to an uninterrupted load: nothing lost, nothing doubled.
func TestKillAndResume(t *testing.T) {
	cfg := company(t, 2300, 5000)

	ref := whtest.NewDatabase(t)
	mustRun(t, ref, "sync", "-c", cfg, "--no-metrics")
	want := digest(t, ref)
	total := rowsLoaded(t, ref)
	if total < 190_000 {
		t.Fatalf("fixture too small: %d rows", total)
	}

	dsn := whtest.NewDatabase(t)
	mustRun(t, dsn, "migrate", "-c", cfg)
	kills := 0
	for _, frac := range []float64{0.05, 0.3, 0.6, 0.9} {
		cmd := nsCommand(dsn, "sync", "-c", cfg, "--no-metrics")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		target := int64(frac * float64(total))
		killed := false
	poll:
		for {
			select {
			case <-done:
				break poll
			case <-time.After(20 * time.Millisecond):
				if rowsLoaded(t, dsn) >= target {
					_ = cmd.Process.Kill() // SIGKILL
					<-done
					killed = true
					break poll
				}
			}
		}
		if killed {
			kills++
		}
	}
	if kills < 2 {
		t.Fatalf("only %d of 4 runs were killed mid-load", kills)
	}
	mustRun(t, dsn, "sync", "-c", cfg, "--no-metrics")
	if got := digest(t, dsn); fmt.Sprint(got) != fmt.Sprint(want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s: killed+resumed %s, uninterrupted %s", k, got[k], want[k])
			}
		}
	}
	db, _ := sql.Open("postgres", dsn)
	defer db.Close()
	var running, failed int
	db.QueryRow(`SELECT count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = 'failed') FROM ops.sync_runs`).Scan(&running, &failed)
	if running != 0 || failed < kills-1 {
		t.Errorf("runs after kills: %d running, %d failed (killed %d)", running, failed, kills)
	}
	t.Logf("killed %d runs mid-load of %d rows; final state equals the uninterrupted load", kills, total)
}

func rowsLoaded(t *testing.T, dsn string) int64 {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	err = db.QueryRow(`SELECT (SELECT count(*) FROM core.source_customers) + (SELECT count(*) FROM core.contacts) +
		(SELECT count(*) FROM core.orders) + (SELECT count(*) FROM core.order_lines) + (SELECT count(*) FROM core.contracts) +
		(SELECT count(*) FROM core.survey_responses) + (SELECT count(*) FROM core.support_cases)`).Scan(&n)
	if err != nil {
		return 0 // schema not migrated yet
	}
	return n
}

// TestDaemonSIGTERMDuringLargeSync starts `northstar run`, triggers a sync
// of ≈200,000 rows through the API, sends SIGTERM in the middle: the
// daemon exits 0 within its shutdown timeout, leaves no run `running`, and
// the next sync resumes from the committed pages to the same warehouse as
// an uninterrupted load.
func TestDaemonSIGTERMDuringLargeSync(t *testing.T) {
	cfg := company(t, 2300, 5000)
	ref := whtest.NewDatabase(t)
	mustRun(t, ref, "sync", "-c", cfg, "--no-metrics")
	want, total := digest(t, ref), rowsLoaded(t, ref)

	dsn := whtest.NewDatabase(t)
	mustRun(t, dsn, "migrate", "-c", cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := nsCommand(dsn, "run", "-c", cfg)
	cmd.Env = append(cmd.Env, "NS_LISTEN="+addr, "NS_TOKEN=e2e-token")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill() //nolint:errcheck

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not listen: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/connectors/shop/sync", nil)
	req.Header.Set("Authorization", "Bearer e2e-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST sync: %s", resp.Status)
	}
	for rowsLoaded(t, dsn) < total/3 {
		select {
		case err := <-done:
			t.Fatalf("daemon ended early: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("daemon still running 60 s after SIGTERM\n%s", logs.String())
	}
	t.Logf("daemon stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	if got := rowsLoaded(t, dsn); got >= total {
		t.Fatalf("the sync finished before SIGTERM (%d rows): nothing was interrupted", got)
	}
	db, _ := sql.Open("postgres", dsn)
	defer db.Close()
	var running, partial int
	db.QueryRow(`SELECT count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = 'partial') FROM ops.sync_runs`).Scan(&running, &partial)
	if running != 0 || partial != 1 {
		t.Fatalf("after SIGTERM: %d runs running, %d partial (want 0 and 1)", running, partial)
	}
	mustRun(t, dsn, "sync", "-c", cfg, "--no-metrics")
	if got := digest(t, dsn); fmt.Sprint(got) != fmt.Sprint(want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s: resumed %s, uninterrupted %s", k, got[k], want[k])
			}
		}
	}
}
