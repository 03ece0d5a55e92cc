package btyd

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// cdnowDir finds shared/datasets/cdnow beside the working directory or any
// of its parents (the repo is /work/main, the data /work/shared). The tests
// fail, not skip, without it: the reference results are the point.
func cdnowDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		p := filepath.Join(dir, "shared", "datasets", "cdnow")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("shared/datasets/cdnow not found beside any parent of the working directory")
		}
		dir = parent
	}
}

// readCSV reads a comma-separated file with a header (CRLF or LF).
func readCSV(t testing.TB, name string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(cdnowDir(t), name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var rows [][]string
	for i, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		rows = append(rows, strings.Split(line, ","))
	}
	return rows
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// cdnowSummary loads cdnow_customers_summary.csv (ID,frequency,recency,T).
func cdnowSummary(t testing.TB) []Customer {
	t.Helper()
	var cs []Customer
	for _, r := range readCSV(t, "cdnow_customers_summary.csv") {
		cs = append(cs, Customer{ID: r[0], X: atof(t, r[1]), Tx: atof(t, r[2]), T: atof(t, r[3])})
	}
	if len(cs) != 2357 {
		t.Fatalf("cdnow summary: %d rows, want 2357", len(cs))
	}
	return cs
}

// cdnowSummaryWithSpend loads cdnow_customers_summary_with_transactions.csv
// (ID,x,t_x,T,zbar).
func cdnowSummaryWithSpend(t testing.TB) []Customer {
	t.Helper()
	var cs []Customer
	for _, r := range readCSV(t, "cdnow_customers_summary_with_transactions.csv") {
		cs = append(cs, Customer{ID: r[0], X: atof(t, r[1]), Tx: atof(t, r[2]), T: atof(t, r[3]), Mx: atof(t, r[4])})
	}
	if len(cs) != 2357 {
		t.Fatalf("cdnow summary with transactions: %d rows, want 2357", len(cs))
	}
	return cs
}

// cdnowTransactions loads CDNOW_sample.txt (master id, sample id,
// YYYYMMDD, cds, dollars; whitespace-separated, CRLF) keyed by sample id,
// in file order.
func cdnowTransactions(t testing.TB) []CustomerTransactions {
	t.Helper()
	f, err := os.Open(filepath.Join(cdnowDir(t), "CDNOW_sample.txt"))
	if err != nil {
		t.Fatalf("open sample: %v", err)
	}
	defer f.Close()
	var out []CustomerTransactions
	pos := map[string]int{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 5 {
			t.Fatalf("sample line %q: %d fields", sc.Text(), len(fs))
		}
		day, err := time.Parse("20060102", fs[2])
		if err != nil {
			t.Fatalf("sample date %q: %v", fs[2], err)
		}
		amt, err := decimal.NewFromString(fs[4])
		if err != nil {
			t.Fatalf("sample amount %q: %v", fs[4], err)
		}
		id := strings.TrimLeft(fs[1], "0")
		i, ok := pos[id]
		if !ok {
			i = len(out)
			pos[id] = i
			out = append(out, CustomerTransactions{ID: id})
		}
		out[i].Transactions = append(out[i].Transactions, Transaction{Day: day, Amount: amt})
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("scan sample: %v", err)
	}
	if n != 6919 || len(out) != 2357 {
		t.Fatalf("sample: %d records, %d customers; want 6919, 2357", n, len(out))
	}
	return out
}
