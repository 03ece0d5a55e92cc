package generate

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/shopspring/decimal"
)

// funcSink counts orders through a callback and ignores everything else.
type funcSink struct{ order func(*Order) }

func (f funcSink) Customer(*Customer) error             { return nil }
func (f funcSink) Contact(*Contact) error               { return nil }
func (f funcSink) Order(o *Order) error                 { f.order(o); return nil }
func (f funcSink) Contract(*Contract) error             { return nil }
func (f funcSink) SurveyResponse(*SurveyResponse) error { return nil }
func (f funcSink) SupportCase(*SupportCase) error       { return nil }

func smallOptions() Options {
	o := DefaultOptions()
	o.Customers = 600
	o.Seed = 3
	return o
}

func TestWriteFilesDeterministic(t *testing.T) {
	for _, format := range []string{FormatCSV, FormatJSONL} {
		t.Run(format, func(t *testing.T) {
			a, err := WriteFiles(context.Background(), t.TempDir(), smallOptions(), format)
			if err != nil {
				t.Fatal(err)
			}
			b, err := WriteFiles(context.Background(), t.TempDir(), smallOptions(), format)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Files) != 8 || len(b.Files) != 8 {
				t.Fatalf("want 8 files, got %d and %d", len(a.Files), len(b.Files))
			}
			for k := range a.Files {
				fa, fb := a.Files[k], b.Files[k]
				if fa.SHA256 != fb.SHA256 || fa.Bytes != fb.Bytes {
					t.Errorf("%s differs between runs: %s vs %s", filepath.Base(fa.Path), fa.SHA256, fb.SHA256)
				}
				data, err := os.ReadFile(fa.Path)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(data)) != fa.Bytes {
					t.Errorf("%s: manifest says %d bytes, file has %d", fa.Path, fa.Bytes, len(data))
				}
			}
			o := smallOptions()
			o.Seed++
			c, err := WriteFiles(context.Background(), t.TempDir(), o, format)
			if err != nil {
				t.Fatal(err)
			}
			if c.Files[3].Stream != northstar.StreamOrders || c.Files[3].SHA256 == a.Files[3].SHA256 {
				t.Error("another seed wrote the same orders")
			}
			if c.Files[0].Stream != northstar.StreamFXRates || c.Files[0].SHA256 == a.Files[0].SHA256 {
				t.Error("another seed wrote the same daily rates")
			}
		})
	}
}

func TestWriteFilesCSVReadable(t *testing.T) {
	dir := t.TempDir()
	m, err := WriteFiles(context.Background(), dir, smallOptions(), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	end := smallOptions().End
	amountCols := map[string]bool{"amount": true, "mrr": true}
	timeCols := map[string]bool{}
	for _, s := range northstar.AllStreams() {
		for _, c := range Columns(s) {
			if strings.HasSuffix(c, "_at") {
				timeCols[c] = true
			}
		}
	}
	lineSum := map[string]decimal.Decimal{}
	orderAmount := map[string]decimal.Decimal{}
	sawQuoted := false
	for _, f := range m.Files {
		if filepath.Base(f.Path) != string(f.Stream)+".csv" {
			t.Errorf("file %s for stream %s", f.Path, f.Stream)
		}
		fh, err := os.Open(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bufio.NewReader(fh))
		header, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(header, ",") != strings.Join(Columns(f.Stream), ",") {
			t.Fatalf("%s header %v", f.Path, header)
		}
		var rows int64
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			rows++
			for k, v := range rec {
				col := header[k]
				if strings.ContainsAny(v, ",\"") {
					sawQuoted = true
				}
				switch {
				case v == "":
				case timeCols[col]:
					ts, err := time.Parse(time.RFC3339, v)
					if err != nil || ts.Location() != time.UTC || !strings.HasSuffix(v, "Z") {
						t.Fatalf("%s %s: bad time %q", f.Path, col, v)
					}
					pending := f.Stream == northstar.StreamContracts && col == "start_at" && rec[8] == ContractPending
					if !ts.Before(end) && !pending {
						t.Fatalf("%s %s: %q at or after the end", f.Path, col, v)
					}
				case amountCols[col]:
					d, err := decimal.NewFromString(v)
					if err != nil || d.Exponent() != -2 {
						t.Fatalf("%s %s: bad amount %q", f.Path, col, v)
					}
					switch f.Stream {
					case northstar.StreamOrderLines:
						lineSum[rec[1]] = lineSum[rec[1]].Add(d)
					case northstar.StreamOrders:
						orderAmount[rec[0]] = d
					}
				}
			}
			fields := map[string]string{}
			for k, v := range rec {
				fields[header[k]] = v
			}
			if fields["source_id"] == "" && f.Stream.DefaultSourceID(fields) == "" {
				t.Fatalf("%s: row without source_id", f.Path)
			}
		}
		fh.Close()
		if rows != f.Rows || rows != m.Truth.Counts[f.Stream] {
			t.Errorf("%s: %d rows, manifest %d, truth %d", f.Path, rows, f.Rows, m.Truth.Counts[f.Stream])
		}
	}
	if !sawQuoted {
		t.Error("no quoted field: the CSV quoting is not exercised")
	}
	for id, a := range orderAmount {
		if !lineSum[id].Equal(a) {
			t.Fatalf("order %s amount %s, lines sum to %s", id, a, lineSum[id])
		}
	}
}

func TestWriteFilesJSONL(t *testing.T) {
	m, err := WriteFiles(context.Background(), t.TempDir(), smallOptions(), FormatJSONL)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		fh, err := os.Open(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var rows int64
		for sc.Scan() {
			var obj map[string]string
			if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
				t.Fatalf("%s line %d: %v: %s", f.Path, rows+1, err, sc.Text())
			}
			for k, v := range obj {
				if !f.Stream.HasField(k) || v == "" {
					t.Fatalf("%s: field %q=%q", f.Path, k, v)
				}
			}
			if obj["source_id"] == "" && f.Stream.DefaultSourceID(obj) == "" {
				t.Fatalf("%s: no source_id", f.Path)
			}
			rows++
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if rows != f.Rows {
			t.Errorf("%s: %d rows, manifest %d", f.Path, rows, f.Rows)
		}
	}
}

func TestWriteFilesSplit(t *testing.T) {
	o := smallOptions()
	o.RowsPerFile = 1000
	dir := t.TempDir()
	m, err := WriteFiles(context.Background(), dir, o, FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	total := map[northstar.Stream]int64{}
	parts := map[northstar.Stream]int{}
	for _, f := range m.Files {
		parts[f.Stream]++
		want := filepath.Join(dir, string(f.Stream)+"-"+[]string{"", "0001", "0002", "0003", "0004"}[min(parts[f.Stream], 4)]+".csv")
		if parts[f.Stream] <= 4 && f.Path != want {
			t.Errorf("part %d of %s is %s, want %s", parts[f.Stream], f.Stream, f.Path, want)
		}
		if f.Rows > 1000 || f.Rows == 0 {
			t.Errorf("%s: %d rows", f.Path, f.Rows)
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), strings.Join(Columns(f.Stream), ",")+"\n") {
			t.Errorf("%s has no header", f.Path)
		}
		total[f.Stream] += f.Rows
	}
	if parts[northstar.StreamOrders] < 2 {
		t.Fatalf("orders not split: %d files", parts[northstar.StreamOrders])
	}
	for s, n := range m.Truth.Counts {
		if total[s] != n {
			t.Errorf("%s: %d rows in files, truth %d", s, total[s], n)
		}
	}
}

func TestWriteFilesBadFormat(t *testing.T) {
	if _, err := WriteFiles(context.Background(), t.TempDir(), smallOptions(), "xml"); err == nil {
		t.Fatal("want an error for format xml")
	}
}

// BenchmarkWriteFilesMillionOrders writes ≈ 1,000,000 orders (50,000
// customers over three years) with their lines and all other streams as CSV.
func BenchmarkWriteFilesMillionOrders(b *testing.B) {
	o := DefaultOptions()
	o.Customers = 50000
	for b.Loop() {
		dir := b.TempDir()
		start := time.Now()
		m, err := WriteFiles(context.Background(), dir, o, FormatCSV)
		if err != nil {
			b.Fatal(err)
		}
		var bytes int64
		for _, f := range m.Files {
			bytes += f.Bytes
			b.Logf("%-22s %9d rows %8.1f MB", filepath.Base(f.Path), f.Rows, float64(f.Bytes)/1e6)
		}
		b.ReportMetric(float64(m.Truth.Counts[northstar.StreamOrders]), "orders")
		b.ReportMetric(float64(m.Truth.Counts[northstar.StreamOrderLines]), "lines")
		b.ReportMetric(float64(bytes)/1e6, "MB")
		b.ReportMetric(time.Since(start).Seconds(), "s")
		os.RemoveAll(dir)
	}
}
