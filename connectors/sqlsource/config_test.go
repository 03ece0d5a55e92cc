package sqlsource

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

const secret = "hunter2-s3cr3t"

// connYAML builds a connector whose sql section and streams are given.
func connYAML(sqlSection, streams string) string {
	indent := func(s string) string {
		s = strings.Trim(s, "\n")
		if s == "" {
			return ""
		}
		return "  " + strings.ReplaceAll(s, "\n", "\n  ")
	}
	return "name: erp\ntype: sql\nsql:\n" + indent(sqlSection) + "\nstreams:\n" + indent(streams) + "\n"
}

var goodSQL = `driver: postgres
dsn: "postgres://erp:` + secret + `@db.example:5432/erp"`

const goodStream = `orders: { table: sales_orders, key: id, cursor: changed_at }`

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		sql      string
		streams  string
		want     []string // substrings, one per expected error
		wantLine int      // line of the first error, when set
	}{
		{name: "valid", sql: goodSQL, streams: goodStream},
		{name: "valid compound cursor and options", sql: goodSQL + "\npage_size: 100\noverlap: 90s\nreconcile: \"@daily\"",
			streams: "customers: { table: erp.customers, key: customer_no, cursor: [change_date, change_time], fields: { name: name1, currency: \"'EUR'\" } }"},
		{name: "valid query and tombstones", sql: "driver: mysql\ndsn: \"erp:" + secret + "@tcp(db:3306)/erp\"",
			streams: "orders:\n  query: \"SELECT * FROM sales_orders;\"\n  key: id\n  cursor: changed_at\n  tombstone_query: \"SELECT id, deleted_at FROM deletions WHERE deleted_at >= $since\""},
		{name: "missing dsn", sql: "driver: postgres", streams: goodStream, want: []string{"connectors[0].sql.dsn: required"}},
		{name: "missing driver", sql: "dsn: x", streams: goodStream, want: []string{"connectors[0].sql.driver: required"}},
		{name: "unknown driver", sql: "driver: oracle\ndsn: \"oracle://u:" + secret + "@h/x\"", streams: goodStream,
			want: []string{`sql.driver: unknown driver "oracle" (want postgres or mysql)`}, wantLine: 4},
		{name: "bad page size", sql: goodSQL + "\npage_size: -1", streams: goodStream, want: []string{"sql.page_size: must be between"}},
		{name: "bad overlap", sql: goodSQL + "\noverlap: 5 minutes", streams: goodStream, want: []string{`sql.overlap: invalid duration "5 minutes"`}},
		{name: "negative overlap", sql: goodSQL + "\noverlap: -5m", streams: goodStream, want: []string{`sql.overlap: invalid duration`}},
		{name: "bad reconcile", sql: goodSQL + "\nreconcile: every day", streams: goodStream, want: []string{`sql.reconcile: invalid schedule "every day"`}},
		{name: "neither table nor query", sql: goodSQL, streams: "orders: { key: id, cursor: changed_at }",
			want: []string{"streams.orders: table or query required"}},
		{name: "table and query", sql: goodSQL, streams: "orders: { table: t, query: SELECT 1, key: id, cursor: c }",
			want: []string{"streams.orders.query: table and query are exclusive"}},
		{name: "bad table", sql: goodSQL, streams: "orders: { table: \"t; DROP TABLE x\", key: id, cursor: c }",
			want: []string{`streams.orders.table: "t; DROP TABLE x" is not an SQL table name`}},
		{name: "query not a select", sql: goodSQL, streams: "orders: { query: DELETE FROM t, key: id, cursor: c }",
			want: []string{"streams.orders.query: must be a SELECT"}},
		{name: "missing key", sql: goodSQL, streams: "orders: { table: t, cursor: c }", want: []string{"streams.orders.key: required"}},
		{name: "bad key", sql: goodSQL, streams: "orders: { table: t, key: 1id, cursor: c }", want: []string{`streams.orders.key: "1id" is not an SQL column name`}},
		{name: "missing cursor", sql: goodSQL, streams: "orders: { table: t, key: id }", want: []string{"streams.orders.cursor: required"}},
		{name: "bad cursor", sql: goodSQL, streams: "orders:\n  table: t\n  key: id\n  cursor: change date",
			want: []string{`streams.orders.cursor: "change date" is not an SQL column name`}, wantLine: 10},
		{name: "bad compound cursor", sql: goodSQL, streams: "orders: { table: t, key: id, cursor: [d, \"t-1\"] }",
			want: []string{`streams.orders.cursor: "t-1" is not an SQL column name`}},
		{name: "three cursor columns", sql: goodSQL, streams: "orders: { table: t, key: id, cursor: [a, b, c] }",
			want: []string{"streams.orders.cursor: a compound cursor is [date column, time column]; got 3 columns"}},
		{name: "bad field", sql: goodSQL, streams: "orders: { table: t, key: id, cursor: c, fields: { amount: net amount } }",
			want: []string{`streams.orders.fields.amount: "net amount" is neither a column name nor a 'constant'`}},
		{name: "tombstone without since", sql: goodSQL, streams: "orders: { table: t, key: id, cursor: c, tombstone_query: \"SELECT id, at FROM d\" }",
			want: []string{"streams.orders.tombstone_query: must filter on $since"}},
		{name: "many at once", sql: "driver: db2", streams: "orders: { cursor: \"a b\" }",
			want: []string{"unknown driver", "dsn: required", "table or query required", "key: required", "is not an SQL column name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConnectorFromYAML("test.yaml", connYAML(tt.sql, tt.streams))
			if err != nil {
				t.Fatal(err)
			}
			errs := Validate(c)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors %v, want %d %q", len(errs), errs, len(tt.want), tt.want)
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, tt.want[i])
				}
				if !strings.HasPrefix(e.Error(), "test.yaml:") {
					t.Errorf("error %q carries no position", e)
				}
				if !errors.Is(e, northstar.ErrInvalidConfig) {
					t.Errorf("error %q does not wrap ErrInvalidConfig", e)
				}
				if strings.Contains(e.Error(), secret) {
					t.Errorf("error %q leaks the DSN password", e)
				}
			}
			if tt.wantLine > 0 {
				if prefix := fmt.Sprintf("test.yaml:%d:", tt.wantLine); !strings.HasPrefix(errs[0].Error(), prefix) {
					t.Errorf("error %q not at line %d", errs[0], tt.wantLine)
				}
			}
			s, err := New(c, connectors.Env{})
			switch {
			case len(tt.want) == 0 && err != nil:
				t.Errorf("New: %v", err)
			case len(tt.want) > 0 && !errors.Is(err, northstar.ErrInvalidConfig):
				t.Errorf("New: %v, want ErrInvalidConfig", err)
			}
			if s != nil {
				s.Close()
			}
		})
	}
}

func TestSettings(t *testing.T) {
	c, err := ConnectorFromYAML("test.yaml", connYAML(goodSQL+"\noverlap: 90s\nreconcile: \"0 3 * * *\"",
		"customers: { table: c, key: no, cursor: [d, t] }\norders: { query: \"SELECT 1 AS id, now() AS c;\", key: id, cursor: c }"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(c, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.set.pageSize != DefaultPageSize || s.Overlap() != 90*time.Second || s.Reconcile() != "0 3 * * *" {
		t.Errorf("settings %+v", s.set)
	}
	if got := s.Streams(); len(got) != 2 || got[0] != northstar.StreamCustomers || got[1] != northstar.StreamOrders {
		t.Errorf("streams %v", got)
	}
	if q := s.set.streams[1].query; q != "SELECT 1 AS id, now() AS c" {
		t.Errorf("query %q: trailing semicolon kept", q)
	}
	if cur := s.set.streams[0].cursor; len(cur) != 2 {
		t.Errorf("cursor %v", cur)
	}
	if s.set.streams[1].cursor[0] != "c" {
		t.Errorf("scalar cursor %v", s.set.streams[1].cursor)
	}
	// The default overlap.
	c, _ = ConnectorFromYAML("test.yaml", connYAML(goodSQL, goodStream))
	if set, errs := parse(c); len(errs) > 0 || set.overlap != DefaultOverlap {
		t.Errorf("default overlap %v (%v)", set.overlap, errs)
	}
}

func TestDSNNeverInErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tests := []struct {
		driver, dsn string
	}{
		{"postgres", "postgres://erp:" + secret + "@127.0.0.1:1/erp?sslmode=disable&connect_timeout=2"},
		{"postgres", "host=127.0.0.1 port=1 user=erp password=" + secret + " dbname=erp sslmode=disable connect_timeout=2"},
		{"postgres", "host=127.0.0.1 port=1 user=erp password='" + secret + " x' dbname=erp sslmode=disable connect_timeout=2"},
		{"postgres", "postgres://erp:" + secret + "@bad host:5432/erp"},        // unparsable URL
		{"postgres", "postgres://erp:" + secret + "%25@127.0.0.1:1/erp?x=%zz"}, // bad escape
		{"mysql", "erp:" + secret + "@tcp(127.0.0.1:1)/erp?timeout=2s"},
		{"mysql", "erp:" + secret + "@tcp(127.0.0.1:1)/erp?badoption=%zz"},
		{"mysql", "root:" + secret + "@tcp(127.0.0.1:3306)/"}, // wrong password on a real server
		{"mysql", "erp:" + secret + "@nonsense"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			text := connYAML(fmt.Sprintf("driver: %s\ndsn: %q", tt.driver, tt.dsn), goodStream)
			c, err := ConnectorFromYAML("test.yaml", text)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range Validate(c) {
				if strings.Contains(e.Error(), secret) {
					t.Errorf("validate: %q", e)
				}
			}
			s, err := New(c, connectors.Env{})
			if err != nil {
				if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "hunter2") {
					t.Errorf("New: %q leaks the password", err)
				}
				return
			}
			defer s.Close()
			err = s.Check(ctx)
			if err == nil {
				t.Fatal("Check succeeded against an unreachable or refusing server")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Check: %q leaks the password", err)
			}
			if h := (*northstar.HintError)(nil); !errors.As(err, &h) {
				t.Errorf("Check: %q carries no hint", err)
			}
			err = s.Extract(ctx, northstar.StreamOrders, northstar.Cursor{}, func(context.Context, northstar.Batch) error { return nil })
			if err == nil || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Extract: %v", err)
			}
		})
	}
}

func TestRedactor(t *testing.T) {
	tests := []struct{ driver, dsn, password string }{
		{"postgres", "postgres://u:p%40ss@h/db", "p@ss"},
		{"postgres", "postgresql://u:" + secret + "@h/db?sslmode=disable", secret},
		{"postgres", "postgres://u@h/db?password=" + secret, secret},
		{"postgres", "user=u password=" + secret + " host=h", secret},
		{"postgres", "user=u password = '" + secret + " with space' host=h", secret + " with space"},
		{"mysql", "u:" + secret + "@tcp(h:3306)/db?parseTime=true", secret},
		{"mysql", "u:p@ss:w@rd@unix(/tmp/sock)/db", "p@ss:w@rd"},
	}
	for _, tt := range tests {
		r := newRedactor(tt.driver, tt.dsn)
		msg := "connect " + tt.dsn + " failed: bad password " + tt.password + "!"
		got := r.err(errors.New(msg)).Error()
		if strings.Contains(got, tt.password) {
			t.Errorf("%s: %q still holds the password", tt.dsn, got)
		}
		if !strings.Contains(got, "failed: bad password xxxxx!") {
			t.Errorf("%s: %q", tt.dsn, got)
		}
		base := errors.New("base")
		if w := r.err(fmt.Errorf("x %s: %w", tt.password, base)); !errors.Is(w, base) {
			t.Errorf("redacted error lost its chain")
		}
	}
	if err := (redactor{}).err(nil); err != nil {
		t.Errorf("nil error redacted to %v", err)
	}
}

func TestReconcileEvery(t *testing.T) {
	for spec, want := range map[string]time.Duration{"": 0, "@daily": 24 * time.Hour, "0 */6 * * *": 6 * time.Hour, "@every 90m": 90 * time.Minute} {
		s := &Source{set: &settings{reconcile: spec}}
		if got := s.ReconcileEvery(); got != want {
			t.Errorf("ReconcileEvery(%q) = %s, want %s", spec, got, want)
		}
	}
}
