package metrics

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lib/pq"
)

// cdnowFile finds shared/datasets/cdnow/name beside any parent of the
// working directory.
func cdnowFile(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "datasets", "cdnow", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("shared/datasets/cdnow/%s not found beside any parent of the working directory", name)
		}
		dir = parent
	}
}

// TestCDNOWThroughWarehouse loads the raw CDNOW sample (78 weeks) as
// orders and refreshes as of 1997-09-30: the as-of cutoff is the
// calibration end, so the stored summaries and model fits must match the
// published calibration results (metrics.md §6.6).
func TestCDNOWThroughWarehouse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	raw, err := os.ReadFile(cdnowFile(t, "CDNOW_sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`INSERT INTO core.customers (customer_id, name) SELECT i, 'cdnow ' || i FROM generate_series(1, 2357) i`)
	tx, err := f.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare(pq.CopyInSchema("core", "orders", "source", "source_id", "customer_id", "ordered_at",
		"currency", "amount", "amount_reporting", "row_hash", "run_id", "synced_at"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	n := 0
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			continue
		}
		id, _ := strconv.ParseInt(fs[1], 10, 64)
		day := fs[2][:4] + "-" + fs[2][4:6] + "-" + fs[2][6:]
		n++
		if _, err := st.Exec("cdnow", strconv.Itoa(n), id, day, "USD", fs[4], fs[4], 1, 1, "1998-07-01"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Exec(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n != 6919 {
		t.Fatalf("loaded %d records, want 6919", n)
	}

	f.refresh("1997-09-30", func(o *Options) { o.CLV.Horizon = 39 })

	// Summaries equal the published calibration summary.
	want := map[int64][3]float64{}
	fh, err := os.Open(cdnowFile(t, "cdnow_customers_summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		id, _ := strconv.ParseInt(r[0], 10, 64)
		var v [3]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(r[i+1], 64)
		}
		want[id] = v
	}
	rows, err := f.db.Query(`SELECT customer_id, frequency, recency, t FROM metrics.customer_scores WHERE as_of = '1997-09-30'`)
	if err != nil {
		t.Fatal(err)
	}
	got, bad := 0, 0
	for rows.Next() {
		var id int64
		var x int
		var tx, T float64
		if err := rows.Scan(&id, &x, &tx, &T); err != nil {
			t.Fatal(err)
		}
		got++
		w := want[id]
		if float64(x) != w[0] || math.Abs(tx-w[1]) > 0.006 || math.Abs(T-w[2]) > 0.006 {
			if bad++; bad < 5 {
				t.Errorf("customer %d: (x, t_x, T) = (%d, %.3f, %.3f), want %v", id, x, tx, T, w)
			}
		}
	}
	rows.Close()
	if got != 2357 || bad != 0 {
		t.Errorf("summaries: %d customers, %d mismatches; want 2357, 0", got, bad)
	}

	// Published maximum-likelihood fits.
	for _, c := range []struct {
		model  string
		params map[string]float64
		ll     float64
		tol    float64
	}{
		{"bgnbd", map[string]float64{"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4, 0.01},
		{"pareto_nbd", map[string]float64{"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}, -9595.0, 0.02},
		{"gamma_gamma", map[string]float64{"p": 6.25, "q": 3.74, "gamma": 15.44}, math.NaN(), 0.02},
	} {
		var params []byte
		var ll float64
		if err := f.db.QueryRow(`SELECT params, log_likelihood FROM metrics.model_fits WHERE model = $1 AND as_of = '1997-09-30'`,
			c.model).Scan(&params, &ll); err != nil {
			t.Errorf("%s: %v", c.model, err)
			continue
		}
		var p map[string]float64
		if err := json.Unmarshal(params, &p); err != nil {
			t.Fatal(err)
		}
		for k, w := range c.params {
			if math.Abs(p[k]-w)/w > c.tol {
				t.Errorf("%s %s = %.4f, want %.3f (±%.0f %%)", c.model, k, p[k], w, 100*c.tol)
			}
		}
		if !math.IsNaN(c.ll) && math.Abs(ll-c.ll) > 0.5 {
			t.Errorf("%s log-likelihood = %.1f, want %.1f", c.model, ll, c.ll)
		}
	}
	// Customer 1: x = 2, t_x = 30.43, T = 38.86 → E[Y(39)] = 1.226.
	var ey float64
	if err := f.db.QueryRow(`SELECT expected_purchases FROM metrics.customer_scores WHERE customer_id = 1 AND as_of = '1997-09-30'`).Scan(&ey); err != nil {
		t.Fatal(err)
	}
	if math.Abs(ey-1.226) > 0.002 {
		t.Errorf("customer 1 E[Y(39)] = %.4f, want 1.226", ey)
	}
}
