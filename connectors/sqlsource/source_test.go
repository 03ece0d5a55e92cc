package sqlsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// checkOrder fails unless records are in ascending (ModifiedAt, key) order
// within the changed-rows pass and each batch's cursor is its last record.
func checkOrder(t *testing.T, bs []northstar.Batch, less func(a, b string) bool) {
	t.Helper()
	var prev *northstar.Record
	for i, b := range bs {
		if len(b.Records) == 0 {
			t.Errorf("batch %d is empty", i)
			continue
		}
		last := b.Records[len(b.Records)-1]
		if !b.Cursor.ModifiedAt.Equal(last.ModifiedAt) || b.Cursor.ID != last.SourceID {
			t.Errorf("batch %d cursor %v/%s, want last record %v/%s", i, b.Cursor.ModifiedAt, b.Cursor.ID, last.ModifiedAt, last.SourceID)
		}
		for j := range b.Records {
			r := &b.Records[j]
			if prev != nil && (r.ModifiedAt.Before(prev.ModifiedAt) || r.ModifiedAt.Equal(prev.ModifiedAt) && !less(prev.SourceID, r.SourceID)) {
				t.Errorf("batch %d: %v/%s after %v/%s", i, r.ModifiedAt, r.SourceID, prev.ModifiedAt, prev.SourceID)
			}
			prev = r
		}
	}
}

func numLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func TestFullRead(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db, dsn := testDB(t, driver)
			if err := SeedERP(ctx, db, driver, 60); err != nil {
				t.Fatal(err)
			}
			c, err := ERPConnector("erp", driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(c, connectors.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.set.pageSize = 37
			if err := s.Check(ctx); err != nil {
				t.Fatalf("check: %v", err)
			}
			want, err := SnapshotERP(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range s.Streams() {
				bs := collect(t, s, st, northstar.Cursor{})
				less := numLess
				if st == northstar.StreamCustomers {
					less = func(a, b string) bool { return a < b }
				}
				checkOrder(t, bs, less)
				got := byID(t, records(bs))
				if len(got) != len(want[st]) || len(got) == 0 {
					t.Errorf("%s: read %d records, upstream has %d", st, len(got), len(want[st]))
				}
				if len(bs) < 2 {
					t.Errorf("%s: %d pages, want several (page_size 37)", st, len(bs))
				}
				if bs[0].Total != int64(len(want[st])) {
					t.Errorf("%s: Total %d, want %d", st, bs[0].Total, len(want[st]))
				}
				for id, amount := range want[st] {
					r, ok := got[id]
					if !ok {
						t.Errorf("%s: %s missing", st, id)
						continue
					}
					if amount != "" && r.Fields["amount"] != amount {
						t.Errorf("%s %s: amount %q, want %q", st, id, r.Fields["amount"], amount)
					}
					if r.ModifiedAt.IsZero() || r.Fields["modified_at"] == "" || r.Fields["source_id"] != id {
						t.Errorf("%s %s: ModifiedAt %v fields %v", st, id, r.ModifiedAt, r.Fields)
					}
					var p map[string]*string
					if err := json.Unmarshal(r.Payload, &p); err != nil {
						t.Errorf("%s %s: payload %s: %v", st, id, r.Payload, err)
					}
					if _, leak := p[cursorAlias]; leak {
						t.Errorf("%s %s: payload carries %s", st, id, cursorAlias)
					}
				}
			}
			// Spot-check a customer's mapping and time formats.
			cs := byID(t, records(collect(t, s, northstar.StreamCustomers, northstar.Cursor{})))
			r := cs["C000001"]
			for _, f := range []string{"name", "email", "country", "tax_id", "segment", "currency", "created_at"} {
				if r.Fields[f] == "" {
					t.Errorf("customer C000001: %s empty: %v", f, r.Fields)
				}
			}
			if _, err := time.Parse(time.RFC3339Nano, r.Fields["created_at"]); err != nil || !strings.HasSuffix(r.Fields["created_at"], "Z") {
				t.Errorf("created_at %q is not RFC 3339 UTC", r.Fields["created_at"])
			}
			orders := byID(t, records(collect(t, s, northstar.StreamOrders, northstar.Cursor{})))
			for id, o := range orders {
				if _, err := time.Parse(time.DateOnly, o.Fields["ordered_at"]); err != nil {
					t.Errorf("order %s: ordered_at %q is not a date", id, o.Fields["ordered_at"])
				}
				if o.Fields["status"] == "paid" && o.Fields["paid_at"] == "" {
					t.Errorf("order %s: paid without paid_at: %v", id, o.Fields)
				}
				if o.ModifiedAt.Before(erpBase) {
					t.Errorf("order %s: ModifiedAt %v", id, o.ModifiedAt)
				}
			}
		})
	}
}

func TestIncrementalOverlap(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver,
				`CREATE TABLE docs (id BIGINT PRIMARY KEY, title VARCHAR(50), changed_at DATETIME(6) NOT NULL)`,
				`INSERT INTO docs VALUES (1, 'a', '2025-03-01 10:00:00'), (2, 'b', '2025-03-01 11:00:00'), (3, 'c', '2025-03-01 12:00:00')`)
			s := newSource(t, oneStream(driver, dsn, 2, `
support_cases:
  table: docs
  key: id
  cursor: changed_at
  fields: { subject: title }`), connectors.Env{})
			bs := collect(t, s, northstar.StreamSupportCases, northstar.Cursor{})
			if n := len(records(bs)); n != 3 || len(bs) != 2 {
				t.Fatalf("full read: %d records in %d pages, want 3 in 2", n, len(bs))
			}
			cur := bs[len(bs)-1].Cursor
			if !cur.ModifiedAt.Equal(ts("2025-03-01T12:00:00Z")) || cur.ID != "3" {
				t.Fatalf("cursor %+v", cur)
			}
			// Nothing changed: only the overlap (the boundary row) is read again.
			again := byID(t, records(collect(t, s, northstar.StreamSupportCases, cur)))
			if len(again) != 1 || again["3"].SourceID == "" {
				t.Errorf("re-read %v, want only the boundary row 3", slices.Collect(mapsKeys(again)))
			}
			// A row committed late, 2 minutes behind the cursor (within the
			// 5m overlap); one 10 minutes behind (outside); one new.
			exec(t, db, driver, `INSERT INTO docs VALUES
				(4, 'late', '2025-03-01 11:58:00'),
				(5, 'too late', '2025-03-01 11:50:00'),
				(6, 'new', '2025-03-01 12:30:00')`,
				`UPDATE docs SET title = 'a2', changed_at = '2025-03-01 12:10:00' WHERE id = 1`)
			got := byID(t, records(collect(t, s, northstar.StreamSupportCases, cur)))
			for _, id := range []string{"1", "3", "4", "6"} {
				if _, ok := got[id]; !ok {
					t.Errorf("incremental: %s missing (got %v)", id, slices.Collect(mapsKeys(got)))
				}
			}
			if _, ok := got["5"]; ok || len(got) != 4 {
				t.Errorf("incremental read %v, want 1 3 4 6", slices.Collect(mapsKeys(got)))
			}
			if got["1"].Fields["subject"] != "a2" {
				t.Errorf("updated row: %v", got["1"].Fields)
			}
			// A full sync (Env.Full) ignores the cursor.
			full := newSource(t, oneStream(driver, dsn, 100, `
support_cases: { table: docs, key: id, cursor: changed_at }`), connectors.Env{Full: true})
			if n := len(records(collect(t, full, northstar.StreamSupportCases, cur))); n != 6 {
				t.Errorf("Env.Full read %d records, want 6", n)
			}
		})
	}
}

func TestTiesAcrossPages(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver, `CREATE TABLE tickets (id VARCHAR(10) PRIMARY KEY, changed_at DATETIME(6) NOT NULL)`)
			var vals []string
			for i := 1; i <= 25; i++ {
				at := "2025-05-05 05:05:05"
				if i > 23 {
					at = "2025-05-05 05:05:06"
				}
				vals = append(vals, fmt.Sprintf("('T%02d', '%s')", i, at))
			}
			exec(t, db, driver, `INSERT INTO tickets VALUES `+strings.Join(vals, ", "))
			s := newSource(t, oneStream(driver, dsn, 7, `
support_cases: { table: tickets, key: id, cursor: changed_at }`), connectors.Env{})
			bs := collect(t, s, northstar.StreamSupportCases, northstar.Cursor{})
			if len(bs) != 4 {
				t.Errorf("%d pages, want 4", len(bs))
			}
			checkOrder(t, bs, func(a, b string) bool { return a < b })
			got := byID(t, records(bs))
			if len(got) != 25 {
				t.Errorf("%d distinct records, want 25", len(got))
			}
			// Resuming from a cursor in the middle of the tie (as after a
			// killed run) still reads every row of the tie.
			mid := bs[1].Cursor
			got = byID(t, records(collect(t, s, northstar.StreamSupportCases, mid)))
			if len(got) != 25 {
				t.Errorf("resume from %+v read %d records, want 25", mid, len(got))
			}
		})
	}
}

func TestCompoundCursor(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver,
				`CREATE TABLE partners (partner VARCHAR(10) PRIMARY KEY, name VARCHAR(50),
					change_date DATE, change_time TIME)`,
				`INSERT INTO partners VALUES
					('P1', 'one', '2025-01-01', '23:59:59'),
					('P2', 'two', '2025-01-02', '00:00:01'),
					('P3', 'three', '2025-01-02', '08:00:00'),
					('P4', 'four', '2025-01-02', '08:00:00'),
					('P5', 'five', '2025-01-03', NULL),
					('P6', 'never changed', NULL, NULL)`)
			s := newSource(t, oneStream(driver, dsn, 2, `
customers:
  table: partners
  key: partner
  cursor: [change_date, change_time]
  fields: { name: name }`), connectors.Env{})
			bs := collect(t, s, northstar.StreamCustomers, northstar.Cursor{})
			rs := records(bs)
			var ids []string
			for _, r := range rs {
				ids = append(ids, r.SourceID)
			}
			// The NULL-cursor row comes first, then (date, time, key) order.
			if want := []string{"P6", "P1", "P2", "P3", "P4", "P5"}; !slices.Equal(ids, want) {
				t.Fatalf("order %v, want %v", ids, want)
			}
			got := byID(t, rs)
			wantTS := map[string]string{"P1": "2025-01-01T23:59:59Z", "P2": "2025-01-02T00:00:01Z", "P3": "2025-01-02T08:00:00Z", "P5": "2025-01-03T00:00:00Z"}
			for id, w := range wantTS {
				if !got[id].ModifiedAt.Equal(ts(w)) || got[id].Fields["modified_at"] != w {
					t.Errorf("%s: ModifiedAt %v modified_at %q, want %s", id, got[id].ModifiedAt, got[id].Fields["modified_at"], w)
				}
			}
			if !got["P6"].ModifiedAt.IsZero() || !bs[0].Cursor.IsZero() {
				t.Errorf("NULL cursor row: ModifiedAt %v, page cursor %+v", got["P6"].ModifiedAt, bs[0].Cursor)
			}
			var p map[string]*string
			if err := json.Unmarshal(got["P3"].Payload, &p); err != nil || *p["change_date"] != "2025-01-02" || *p["change_time"] != "08:00:00" {
				t.Errorf("payload %s", got["P3"].Payload)
			}
			// Incremental from P3 with the 5m overlap: the date boundary
			// is crossed correctly and P6 (NULL) is not re-read.
			inc := records(collect(t, s, northstar.StreamCustomers, northstar.Cursor{ModifiedAt: ts("2025-01-02T08:00:00Z"), ID: "P3"}))
			ids = ids[:0]
			for _, r := range inc {
				ids = append(ids, r.SourceID)
			}
			if want := []string{"P3", "P4", "P5"}; !slices.Equal(ids, want) {
				t.Errorf("incremental %v, want %v", ids, want)
			}
			// From 00:03, the overlap reaches back into the previous day:
			// the date prefilter must not cut P1 (23:59:59) off.
			inc = records(collect(t, s, northstar.StreamCustomers, northstar.Cursor{ModifiedAt: ts("2025-01-02T00:03:00Z")}))
			ids = ids[:0]
			for _, r := range inc {
				ids = append(ids, r.SourceID)
			}
			if want := []string{"P1", "P2", "P3", "P4", "P5"}; !slices.Equal(ids, want) {
				t.Errorf("incremental across midnight %v, want %v", ids, want)
			}
			inc = records(collect(t, s, northstar.StreamCustomers, northstar.Cursor{ModifiedAt: ts("2025-01-02T00:05:02Z")}))
			if len(inc) != 3 || inc[0].SourceID != "P3" {
				t.Errorf("incremental from 00:05:02 read %d records, want P3..P5", len(inc))
			}
		})
	}
}

func TestDeletes(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db, dsn := testDB(t, driver)
			if err := SeedERP(ctx, db, driver, 30); err != nil {
				t.Fatal(err)
			}
			c, err := ERPConnector("erp", driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(c, connectors.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.set.pageSize = 16
			listKeys := func(st northstar.Stream) []string {
				var keys []string
				pages := 0
				err := s.ListKeys(ctx, st, func(_ context.Context, ks []string) error {
					pages++
					if len(ks) > 16 {
						t.Errorf("page of %d keys > page_size", len(ks))
					}
					keys = append(keys, ks...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return keys
			}
			before, err := SnapshotERP(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range s.Streams() {
				keys := listKeys(st)
				if len(keys) != len(before[st]) {
					t.Errorf("%s: ListKeys %d keys, upstream %d", st, len(keys), len(before[st]))
				}
				for _, k := range keys {
					if _, ok := before[st][k]; !ok {
						t.Errorf("%s: ListKeys listed %q, not upstream", st, k)
					}
				}
			}
			full := map[northstar.Stream]northstar.Cursor{}
			for _, st := range s.Streams() {
				bs := collect(t, s, st, northstar.Cursor{})
				full[st] = bs[len(bs)-1].Cursor
			}
			if err := MutateERP(ctx, db, driver, 1); err != nil {
				t.Fatal(err)
			}
			after, err := SnapshotERP(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range s.Streams() {
				keys := listKeys(st)
				var gone []string
				for k := range before[st] {
					if !slices.Contains(keys, k) {
						gone = append(gone, k)
					}
				}
				if len(gone) == 0 || len(keys) != len(after[st]) {
					t.Errorf("%s: after a delete ListKeys has %d keys (upstream %d), missing %v", st, len(keys), len(after[st]), gone)
				}
				// The same deletes arrive as soft tombstones, first.
				rs := records(collect(t, s, st, full[st]))
				var soft []string
				live := false
				for _, r := range rs {
					switch {
					case r.Deleted:
						if live {
							t.Errorf("%s: tombstone %s after a live record", st, r.SourceID)
						}
						if r.DeleteKind != "soft" || r.ModifiedAt.IsZero() {
							t.Errorf("%s: tombstone %+v", st, r)
						}
						soft = append(soft, r.SourceID)
					default:
						live = true
					}
				}
				slices.Sort(gone)
				slices.Sort(soft)
				if !slices.Equal(gone, soft) {
					t.Errorf("%s: tombstones %v, want %v", st, soft, gone)
				}
				if !live {
					t.Errorf("%s: no changed rows after the mutation", st)
				}
			}
		})
	}
}

func TestDecimalsAndNulls(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver,
				`CREATE TABLE amounts (id INT PRIMARY KEY, small DECIMAL(10,2), big DECIMAL(20,4), note VARCHAR(20), changed_at DATETIME(6) NOT NULL)`,
				`INSERT INTO amounts VALUES (1, 0.1 + 0.2, 1234567890123456.7891, NULL, '2025-02-03 04:05:06.123456'),
					(2, -0.05, 0.0001, 'x', '2025-02-03 04:05:07')`)
			s := newSource(t, oneStream(driver, dsn, 10, `
order_lines:
  table: amounts
  key: id
  cursor: changed_at
  fields: { amount: small, quantity: big, product_id: note, currency: "'EUR'" }`), connectors.Env{})
			got := byID(t, records(collect(t, s, northstar.StreamOrderLines, northstar.Cursor{})))
			want := map[string]map[string]string{
				"1": {"source_id": "1", "amount": "0.30", "quantity": "1234567890123456.7891", "product_id": "", "currency": "EUR", "modified_at": "2025-02-03T04:05:06.123456Z"},
				"2": {"source_id": "2", "amount": "-0.05", "quantity": "0.0001", "product_id": "x", "currency": "EUR", "modified_at": "2025-02-03T04:05:07Z"},
			}
			for id, w := range want {
				f := got[id].Fields
				for k, v := range w {
					if got, ok := f[k]; !ok || got != v {
						t.Errorf("%s: %s = %q (present %v), want %q", id, k, got, ok, v)
					}
				}
			}
			var p map[string]*string
			if err := json.Unmarshal(got["1"].Payload, &p); err != nil {
				t.Fatal(err)
			}
			if p["note"] != nil || p["big"] == nil || *p["big"] != "1234567890123456.7891" || *p["small"] != "0.30" {
				t.Errorf("payload %s", got["1"].Payload)
			}
			if !got["1"].ModifiedAt.Equal(ts("2025-02-03T04:05:06Z").Add(123456 * time.Microsecond)) {
				t.Errorf("ModifiedAt %v", got["1"].ModifiedAt)
			}
		})
	}
}

func TestCheckColumns(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db, dsn := testDB(t, driver)
			exec(t, db, driver, `CREATE TABLE Cases (CaseId INT PRIMARY KEY, Subject VARCHAR(20), ChangedAt DATETIME(6) NOT NULL)`,
				`INSERT INTO Cases VALUES (7, 'hello', '2025-01-01 00:00:00')`)
			// Column names match case-insensitively (PostgreSQL folds
			// unquoted names to lower case).
			ok := newSource(t, oneStream(driver, dsn, 10, `
support_cases: { table: Cases, key: CASEID, cursor: changedat, fields: { subject: SUBJECT } }`), connectors.Env{})
			if err := ok.Check(ctx); err != nil {
				t.Fatalf("check: %v", err)
			}
			rs := records(collect(t, ok, northstar.StreamSupportCases, northstar.Cursor{}))
			if len(rs) != 1 || rs[0].SourceID != "7" || rs[0].Fields["subject"] != "hello" {
				t.Errorf("records %+v", rs)
			}
			bad := newSource(t, oneStream(driver, dsn, 10, `
support_cases:
  table: Cases
  key: CaseId
  cursor: modified_on
  fields: { subject: Topic }
  tombstone_query: "SELECT nope FROM Cases WHERE ChangedAt >= $since"`), connectors.Env{})
			err := bad.Check(ctx)
			for _, w := range []string{`"modified_on"`, `"Topic"`, "tombstone_query"} {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("check error %v does not name %s", err, w)
				}
			}
			if !errors.Is(err, northstar.ErrSchema) {
				t.Errorf("check error %v does not wrap ErrSchema", err)
			}
			// A cursor column that does not hold times.
			exec(t, db, driver, `CREATE TABLE notes (id INT PRIMARY KEY, stamp VARCHAR(20))`, `INSERT INTO notes VALUES (1, 'yesterday')`)
			notime := newSource(t, oneStream(driver, dsn, 10, `contacts: { table: notes, key: id, cursor: stamp }`), connectors.Env{})
			if err := notime.Check(ctx); !errors.Is(err, northstar.ErrSchema) || !strings.Contains(err.Error(), `"yesterday" is not a time`) {
				t.Errorf("check of a text cursor: %v", err)
			}
			if err := bad.Extract(ctx, northstar.StreamSupportCases, northstar.Cursor{}, nil); !errors.Is(err, northstar.ErrSchema) {
				t.Errorf("extract: %v, want ErrSchema", err)
			}
			if err := bad.Extract(ctx, northstar.StreamOrders, northstar.Cursor{}, nil); !errors.Is(err, northstar.ErrUnknownStream) {
				t.Errorf("extract of an unconfigured stream: %v", err)
			}
		})
	}
}

func TestEmitErrorUnchanged(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver, `CREATE TABLE t1 (id INT PRIMARY KEY, changed_at DATETIME(6) NOT NULL)`,
				`INSERT INTO t1 VALUES (1, '2025-01-01 00:00:00'), (2, '2025-01-02 00:00:00')`,
				`CREATE TABLE gone (id INT, deleted_at DATETIME(6))`,
				`INSERT INTO gone VALUES (9, '2025-01-03 00:00:00')`)
			sentinel := errors.New("loader down")
			for _, stream := range []string{
				`contacts: { table: t1, key: id, cursor: changed_at }`,
				`contacts: { table: t1, key: id, cursor: changed_at, tombstone_query: "SELECT id, deleted_at FROM gone WHERE deleted_at >= $since" }`,
			} {
				s := newSource(t, oneStream(driver, dsn, 1, stream), connectors.Env{})
				calls := 0
				err := s.Extract(context.Background(), northstar.StreamContacts, northstar.Cursor{}, func(context.Context, northstar.Batch) error {
					calls++
					return sentinel
				})
				if err != sentinel || calls != 1 {
					t.Errorf("Extract returned %v after %d calls, want emit's error unchanged after 1", err, calls)
				}
				err = s.ListKeys(context.Background(), northstar.StreamContacts, func(context.Context, []string) error { return sentinel })
				if err != sentinel {
					t.Errorf("ListKeys returned %v, want emit's error unchanged", err)
				}
			}
		})
	}
}

func mapsKeys(m map[string]northstar.Record) func(func(string) bool) {
	return func(yield func(string) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !yield(k) {
				return
			}
		}
	}
}

// TestMySQLTimestampUTC: a MySQL TIMESTAMP column is stored in UTC and
// shown in the session's time zone; the source reads it in UTC whatever
// zone the writer used.
func TestMySQLTimestampUTC(t *testing.T) {
	ctx := context.Background()
	db, dsn := testDB(t, "mysql")
	exec(t, db, "mysql", `CREATE TABLE stamps (id INT PRIMARY KEY, changed_at TIMESTAMP(3) NOT NULL)`)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`SET time_zone = '+05:00'`, `INSERT INTO stamps VALUES (1, '2025-01-01 10:00:00.250')`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	s := newSource(t, oneStream("mysql", dsn, 10, `contacts: { table: stamps, key: id, cursor: changed_at }`), connectors.Env{})
	rs := records(collect(t, s, northstar.StreamContacts, northstar.Cursor{}))
	if len(rs) != 1 || !rs[0].ModifiedAt.Equal(ts("2025-01-01T05:00:00Z").Add(250*time.Millisecond)) || rs[0].Fields["modified_at"] != "2025-01-01T05:00:00.25Z" {
		t.Errorf("records %+v", rs)
	}
	var zone string
	if err := s.db.QueryRowContext(ctx, `SELECT @@session.time_zone`).Scan(&zone); err != nil || zone != "+00:00" {
		t.Errorf("session time_zone %q (%v), want +00:00", zone, err)
	}
	// The cursor round-trips: resuming from it re-reads exactly the row.
	rs = records(collect(t, s, northstar.StreamContacts, northstar.Cursor{ModifiedAt: rs[0].ModifiedAt.Add(5 * time.Minute)}))
	if len(rs) != 1 {
		t.Errorf("resume read %d records, want 1", len(rs))
	}
}

// TestFutureStamp: a row stamped in the future is read, but the cursor
// stays at the clock, so later changes are not skipped.
func TestFutureStamp(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver, `CREATE TABLE cases (id INT PRIMARY KEY, changed_at DATETIME(6) NOT NULL)`,
				`INSERT INTO cases VALUES (1, '2025-05-01 00:00:00'), (2, '2099-01-01 00:00:00')`)
			now := ts("2025-06-01T00:00:00Z")
			env := connectors.Env{Now: func() time.Time { return now }}
			text := oneStream(driver, dsn, 10, `support_cases: { table: cases, key: id, cursor: changed_at }`)
			bs := collect(t, newSource(t, text, env), northstar.StreamSupportCases, northstar.Cursor{})
			if n := len(records(bs)); n != 2 {
				t.Fatalf("read %d records, want 2", n)
			}
			cur := bs[len(bs)-1].Cursor
			if !cur.ModifiedAt.Equal(now) {
				t.Errorf("cursor %v, want it held at now %v", cur.ModifiedAt, now)
			}
			exec(t, db, driver, `INSERT INTO cases VALUES (3, '2025-06-02 00:00:00')`)
			now = ts("2025-06-03T00:00:00Z")
			got := byID(t, records(collect(t, newSource(t, text, env), northstar.StreamSupportCases, cur)))
			if _, ok := got["3"]; !ok || len(got) != 2 {
				t.Errorf("after a future stamp read %v, want 2 and 3", slices.Collect(mapsKeys(got)))
			}
		})
	}
}
