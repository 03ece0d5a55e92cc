package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// sharedFile finds shared/<rel> beside any parent of the working directory.
func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "shared", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("shared/%s not found beside any parent of the working directory", rel)
		}
		dir = parent
	}
}

// TestCDNOWThroughFileConnector loads CDNOW_sample.txt as it is (blank-
// separated, no header, CRLF) through the file connector as orders, refreshes
// the metrics as of 1997-09-30 in weeks, and checks the published results
// of metrics.md §6.6.
func TestCDNOWThroughFileConnector(t *testing.T) {
	dsn := whtest.NewDatabase(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "northstar.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`warehouse:
  dsn: ${NS_TEST_DSN}
metrics:
  clv: { time_unit: week, horizon: 39 }
connectors:
  - name: cdnow
    type: file
    file: { delimiter: whitespace, header: false, time_format: yyyymmdd, id: line }
    streams:
      orders:
        path: %s
        fields: { customer: "2", ordered_at: "3", quantity: "4", amount: "5", currency: "'USD'" }
`, sharedFile(t, "datasets/cdnow/CDNOW_sample.txt"))), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, dsn, "sync", "-c", cfg)
	mustRun(t, dsn, "metrics", "refresh", "-c", cfg, "--as-of", "1997-09-30")

	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var orders, rejected int
	db.QueryRow(`SELECT (SELECT count(*) FROM core.orders), (SELECT count(*) FROM ops.rejected_records)`).Scan(&orders, &rejected)
	if orders != 6919 || rejected != 0 {
		t.Fatalf("loaded %d orders with %d rejects, want 6919 and 0", orders, rejected)
	}
	fit := func(model string) (map[string]float64, float64) {
		var params []byte
		var ll sql.NullFloat64
		if err := db.QueryRow(`SELECT params, log_likelihood FROM metrics.model_fits WHERE model = $1 AND as_of = '1997-09-30'`, model).Scan(&params, &ll); err != nil {
			t.Fatalf("%s fit: %v", model, err)
		}
		m := map[string]float64{}
		if err := json.Unmarshal(params, &m); err != nil {
			t.Fatalf("%s params %s: %v", model, params, err)
		}
		return m, ll.Float64
	}
	near := func(what string, got, want, tol float64) {
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.4f, want %.4f ± %g", what, got, want, tol)
		}
	}
	bg, ll := fit("bgnbd")
	near("BG/NBD r", bg["r"], 0.243, 0.005)
	near("BG/NBD alpha", bg["alpha"], 4.414, 0.01)
	near("BG/NBD a", bg["a"], 0.793, 0.005)
	near("BG/NBD b", bg["b"], 2.426, 0.01)
	near("BG/NBD log-likelihood", ll, -9582.4, 0.1)
	gg, _ := fit("gamma_gamma")
	near("Gamma-Gamma p", gg["p"], 6.25, 0.01)
	near("Gamma-Gamma q", gg["q"], 3.74, 0.01)
	near("Gamma-Gamma gamma", gg["gamma"], 15.44, 0.01)

	var ey float64
	err = db.QueryRow(`SELECT s.expected_purchases FROM metrics.customer_scores s
		JOIN core.customer_sources cs ON cs.customer_id = s.customer_id
		WHERE cs.source = 'cdnow' AND cs.source_id = '0001' AND s.as_of = '1997-09-30'`).Scan(&ey)
	if err != nil {
		var links, scores int
		var sample sql.NullString
		db.QueryRow(`SELECT count(*), min(source_id) FROM core.customer_sources`).Scan(&links, &sample)
		db.QueryRow(`SELECT count(*) FROM metrics.customer_scores`).Scan(&scores)
		t.Fatalf("customer 1's score: %v (%d customer links, first %q; %d scores)", err, links, sample.String, scores)
	}
	near("customer 1 E[Y(39)]", ey, 1.226, 0.002)
}
