package sqlsource

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// erpUpstream is the ERP fixture as the conformance suite drives it
// (it implements conformance.Upstream).
type erpUpstream struct {
	driver, dsn string
	db          *sql.DB
	round       int
	pageSize    int
	// hardDeletes drops the tombstone queries: deletes are then only
	// learnt by key reconciliation (ListKeys) on a full sync.
	hardDeletes bool
}

// DeletesOnFullSync tells the conformance suite that deletes need a full
// sync when the upstream has no tombstones.
func (u *erpUpstream) DeletesOnFullSync() bool { return u.hardDeletes }

// newERPUpstream seeds a throwaway ERP database with n customers; Sources
// read it in pages of pageSize.
func newERPUpstream(t *testing.T, driver string, n, pageSize int) *erpUpstream {
	t.Helper()
	db, dsn := testDB(t, driver)
	if err := SeedERP(context.Background(), db, driver, n); err != nil {
		t.Fatal(err)
	}
	return &erpUpstream{driver: driver, dsn: dsn, db: db, pageSize: pageSize}
}

// Source builds a Source on the fixture, closed when the test ends.
func (u *erpUpstream) Source(t testing.TB, env connectors.Env) northstar.Source {
	t.Helper()
	text := ERPConnectorYAML("erp", u.driver, u.dsn)
	if u.hardDeletes {
		var keep []string
		for _, l := range strings.Split(text, "\n") {
			if !strings.Contains(l, "tombstone_query") {
				keep = append(keep, l)
			}
		}
		text = strings.Join(keep, "\n")
	}
	c, err := ConnectorFromYAML("erp.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(c, env)
	if err != nil {
		t.Fatal(err)
	}
	s.set.pageSize = u.pageSize
	t.Cleanup(func() { s.Close() })
	return s
}

// Mutate runs the next round of MutateERP.
func (u *erpUpstream) Mutate(t testing.TB) {
	t.Helper()
	u.round++
	if err := MutateERP(context.Background(), u.db, u.driver, u.round); err != nil {
		t.Fatal(err)
	}
}

// Snapshot returns SnapshotERP.
func (u *erpUpstream) Snapshot(t testing.TB) map[northstar.Stream]map[string]string {
	t.Helper()
	s, err := SnapshotERP(context.Background(), u.db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// memWarehouse is an in-memory stand-in for the warehouse loader: upserts
// by source id, applies tombstones, and stores each stream's cursor with
// the page that reached it.
type memWarehouse struct {
	rows    map[northstar.Stream]map[string]string // source_id → amount
	cursors map[northstar.Stream]northstar.Cursor
}

func newMemWarehouse() *memWarehouse {
	return &memWarehouse{rows: map[northstar.Stream]map[string]string{}, cursors: map[northstar.Stream]northstar.Cursor{}}
}

// sync runs one sync of every stream of src; failAfter > 0 makes the
// loader fail on that page (a killed run).
func (w *memWarehouse) sync(t *testing.T, src northstar.Source, failAfter int) error {
	t.Helper()
	pages := 0
	killed := errors.New("killed")
	for _, st := range src.Streams() {
		if w.rows[st] == nil {
			w.rows[st] = map[string]string{}
		}
		err := src.Extract(context.Background(), st, w.cursors[st], func(_ context.Context, b northstar.Batch) error {
			pages++
			if pages == failAfter {
				return killed
			}
			for _, r := range b.Records {
				if r.Deleted {
					delete(w.rows[st], r.SourceID)
					continue
				}
				w.rows[st][r.SourceID] = r.Fields["amount"]
			}
			if !b.Cursor.IsZero() {
				w.cursors[st] = b.Cursor
			}
			return nil
		})
		if errors.Is(err, killed) {
			return err
		}
		if err != nil {
			t.Fatalf("sync %s: %v", st, err)
		}
	}
	return nil
}

// check compares the warehouse with the upstream's snapshot.
func (w *memWarehouse) check(t *testing.T, want map[northstar.Stream]map[string]string, when string) {
	t.Helper()
	for st, rows := range want {
		if !maps.Equal(w.rows[st], rows) {
			missing, extra := 0, 0
			for k := range rows {
				if _, ok := w.rows[st][k]; !ok {
					missing++
				}
			}
			for k := range w.rows[st] {
				if _, ok := rows[k]; !ok {
					extra++
				}
			}
			t.Errorf("%s: %s: warehouse has %d rows (%d missing, %d extra, others differ), upstream %d",
				when, st, len(w.rows[st]), missing, extra, len(rows))
		}
	}
}

// TestSyncCycle drives the fixture through full, incremental, killed and
// resumed syncs into an in-memory warehouse that must always match the
// upstream: the cycle the conformance suite runs against a real warehouse.
func TestSyncCycle(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			u := newERPUpstream(t, driver, 50, 20)
			w := newMemWarehouse()
			if err := w.sync(t, u.Source(t, connectors.Env{}), 0); err != nil {
				t.Fatal(err)
			}
			w.check(t, u.Snapshot(t), "full")
			for round := 1; round <= 2; round++ {
				u.Mutate(t)
				if err := w.sync(t, u.Source(t, connectors.Env{}), 0); err != nil {
					t.Fatal(err)
				}
				w.check(t, u.Snapshot(t), "incremental")
			}
			// A run killed on its 3rd page, then resumed from the stored
			// cursors, ends with the same data.
			u.Mutate(t)
			if err := w.sync(t, u.Source(t, connectors.Env{}), 3); err == nil {
				t.Fatal("the killed run was not killed")
			}
			if err := w.sync(t, u.Source(t, connectors.Env{}), 0); err != nil {
				t.Fatal(err)
			}
			w.check(t, u.Snapshot(t), "resumed")
			// An idempotent re-read changes nothing.
			if err := w.sync(t, u.Source(t, connectors.Env{}), 0); err != nil {
				t.Fatal(err)
			}
			w.check(t, u.Snapshot(t), "re-read")
		})
	}
}
