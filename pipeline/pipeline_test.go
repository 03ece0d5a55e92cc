package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// memSource serves fixed records per stream in pages of pageSize, in
// (ModifiedAt, ID) order, honouring since with >=.
type memSource struct {
	records  map[northstar.Stream][]northstar.Record
	pageSize int
	failAt   int // emit this many pages, then return failErr
	failErr  error
	keys     map[northstar.Stream][]string
}

func (m *memSource) Streams() []northstar.Stream {
	var out []northstar.Stream
	for s := range m.records {
		out = append(out, s)
	}
	return out
}

func (m *memSource) Extract(ctx context.Context, s northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	var page []northstar.Record
	pages := 0
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		if m.failAt > 0 && pages == m.failAt {
			return m.failErr
		}
		last := page[len(page)-1]
		err := emit(ctx, northstar.Batch{Stream: s, Records: page, Cursor: northstar.Cursor{ModifiedAt: last.ModifiedAt, ID: last.SourceID}})
		page = nil
		pages++
		return err
	}
	for _, r := range m.records[s] {
		if r.ModifiedAt.Before(since.ModifiedAt) {
			continue
		}
		page = append(page, r)
		if len(page) == m.pageSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func (m *memSource) ListKeys(ctx context.Context, s northstar.Stream, emit func(context.Context, []string) error) error {
	return emit(ctx, m.keys[s])
}

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func order(i int, amount string) northstar.Record {
	id := fmt.Sprintf("O%04d", i)
	return northstar.Record{SourceID: id, ModifiedAt: t0.Add(time.Duration(i) * time.Minute), Origin: "mem:" + strconv.Itoa(i),
		Fields: map[string]string{"customer": fmt.Sprintf("C%03d", i%10), "ordered_at": "2025-01-02", "amount": amount, "currency": "EUR"}}
}

func customer(i int) northstar.Record {
	id := fmt.Sprintf("C%03d", i)
	return northstar.Record{SourceID: id, ModifiedAt: t0, Fields: map[string]string{"name": "Acme " + id, "website": "https://www.acme" + id + ".example/", "country": "de"}}
}

func newEngine(db *warehouse.DB) *pipeline.Engine {
	return &pipeline.Engine{DB: db, Transform: &transform.Transformer{ReportingCurrency: "USD",
		FX: transform.StaticFX{Reporting: "USD", Rates: map[string]decimalT{"EUR": mustDec("1.08")}}}}
}

func count(t *testing.T, db *warehouse.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestSyncIsIdempotentAndCountsAddUp(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	src := &memSource{pageSize: 7, records: map[northstar.Stream][]northstar.Record{}}
	for i := 0; i < 10; i++ {
		src.records[northstar.StreamCustomers] = append(src.records[northstar.StreamCustomers], customer(i))
	}
	for i := 0; i < 50; i++ {
		src.records[northstar.StreamOrders] = append(src.records[northstar.StreamOrders], order(i, "10.50"))
	}
	// Two bad records: a non-numeric amount and a missing id.
	bad := order(50, "12,5x")
	noID := order(51, "1")
	noID.SourceID = ""
	src.records[northstar.StreamOrders] = append(src.records[northstar.StreamOrders], bad, noID)

	eng := newEngine(db)
	res, err := eng.Sync(ctx, "mem", src, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != warehouse.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Err)
	}
	o := res.Counts[northstar.StreamOrders]
	if o.Read != 52 || o.Inserted != 50 || o.Rejected != 2 || o.Read != o.Inserted+o.Updated+o.Unchanged+o.Rejected {
		t.Fatalf("orders counts %+v", o)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE customer_id IS NULL`); n != 0 {
		t.Fatalf("%d orders without customer", n)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE amount_reporting = amount * 1.08`); n != 50 {
		t.Fatalf("amount_reporting converted on %d orders, want 50", n)
	}
	if n := count(t, db, `SELECT count(*) FROM ops.rejected_records WHERE reason LIKE 'amount: "12,5x" is not a decimal number' AND origin = 'mem:50'`); n != 1 {
		t.Fatalf("reject for bad amount not found")
	}
	if n := count(t, db, `SELECT count(*) FROM core.customers WHERE domain LIKE 'acmec%.example' AND country = 'DE'`); n != 10 {
		t.Fatalf("golden customers: %d", n)
	}

	// Second run: everything unchanged, nothing doubled.
	res, err = eng.Sync(ctx, "mem", src, pipeline.Options{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	o = res.Counts[northstar.StreamOrders]
	if o.Unchanged != 50 || o.Inserted != 0 || o.Updated != 0 {
		t.Fatalf("second run counts %+v", o)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders`); n != 50 {
		t.Fatalf("orders after rerun: %d", n)
	}
	if n := count(t, db, `SELECT count(*) FROM core.customers`); n != 10 {
		t.Fatalf("customers after rerun: %d", n)
	}

	// An update and a tombstone.
	src.records[northstar.StreamOrders][3] = order(3, "99.99")
	src.records[northstar.StreamOrders][3].ModifiedAt = t0.Add(24 * time.Hour)
	del := order(4, "")
	del.Deleted, del.ModifiedAt = true, t0.Add(25*time.Hour)
	src.records[northstar.StreamOrders] = append(src.records[northstar.StreamOrders], del)
	res, _ = eng.Sync(ctx, "mem", src, pipeline.Options{})
	o = res.Counts[northstar.StreamOrders]
	if o.Updated != 2 || o.Deleted != 1 {
		t.Fatalf("incremental counts %+v", o)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE source_id = 'O0004' AND deleted_at IS NOT NULL AND amount = 10.50`); n != 1 {
		t.Fatal("tombstone did not keep the row with deleted_at")
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE source_id = 'O0003' AND amount = 99.99`); n != 1 {
		t.Fatal("update not applied")
	}
}

func TestFailedStreamKeepsCommittedPagesAndPartialStatus(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	src := &memSource{pageSize: 10, records: map[northstar.Stream][]northstar.Record{}}
	for i := 0; i < 40; i++ {
		src.records[northstar.StreamOrders] = append(src.records[northstar.StreamOrders], order(i, "1"))
	}
	src.failAt, src.failErr = 2, fmt.Errorf("quota: %w", northstar.ErrPartial)
	eng := newEngine(db)
	res, _ := eng.Sync(ctx, "mem", src, pipeline.Options{})
	if res.Status != warehouse.StatusPartial || !errors.Is(res.Err, res.Err) {
		t.Fatalf("status %s", res.Status)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders`); n != 20 {
		t.Fatalf("committed pages: %d rows, want 20", n)
	}
	var cur time.Time
	if err := db.QueryRowContext(ctx, `SELECT modified_at FROM ops.cursors WHERE connector = 'mem' AND stream = 'orders'`).Scan(&cur); err != nil {
		t.Fatal(err)
	}
	if !cur.Equal(t0.Add(19 * time.Minute)) {
		t.Fatalf("cursor %v, want the last committed record", cur)
	}
	// Resume: the rest arrives, nothing doubles.
	src.failAt = 0
	res, _ = eng.Sync(ctx, "mem", src, pipeline.Options{})
	if res.Status != warehouse.StatusSucceeded {
		t.Fatalf("resume status %s: %v", res.Status, res.Err)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders`); n != 40 {
		t.Fatalf("after resume: %d", n)
	}
	if n := count(t, db, `SELECT count(*) FROM ops.sync_runs WHERE status = 'partial'`); n != 1 {
		t.Fatalf("partial runs: %d", n)
	}
}

func TestFullSyncInfersDeletesAndRefusesEmptyKeySet(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	src := &memSource{pageSize: 10, records: map[northstar.Stream][]northstar.Record{}, keys: map[northstar.Stream][]string{}}
	for i := 0; i < 5; i++ {
		src.records[northstar.StreamOrders] = append(src.records[northstar.StreamOrders], order(i, "1"))
	}
	eng := newEngine(db)
	if _, err := eng.Sync(ctx, "mem", src, pipeline.Options{Full: true}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE deleted_at IS NULL`); n != 5 {
		t.Fatalf("empty key set must not delete: %d live", n)
	}
	src.records[northstar.StreamOrders] = src.records[northstar.StreamOrders][:3]
	src.keys[northstar.StreamOrders] = []string{"O0000", "O0001", "O0002"}
	res, _ := eng.Sync(ctx, "mem", src, pipeline.Options{Full: true})
	if res.Counts[northstar.StreamOrders].Deleted != 2 {
		t.Fatalf("inferred deletes: %+v", res.Counts[northstar.StreamOrders])
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE delete_kind = 'inferred'`); n != 2 {
		t.Fatalf("inferred tombstones: %d", n)
	}
}

func TestBusyConnector(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	run, err := db.StartRun(ctx, "mem", warehouse.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Finish(warehouse.StatusSucceeded, nil)
	_, err = newEngine(db).Sync(ctx, "mem", &memSource{}, pipeline.Options{})
	if !errors.Is(err, northstar.ErrBusy) {
		t.Fatalf("want ErrBusy, got %v", err)
	}
}

// TestConsecutivePagesSharingKeys: pages are stored two at a time on two
// sessions; a key repeated in consecutive pages (an overlap re-read, a
// tombstone after an update) must neither deadlock nor lose the last value.
func TestConsecutivePagesSharingKeys(t *testing.T) {
	db, _ := whtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := &memSource{pageSize: 5, records: map[northstar.Stream][]northstar.Record{}}
	var recs []northstar.Record
	for p := 0; p < 40; p++ {
		for i := 0; i < 5; i++ {
			id := p*4 + i // the last record of a page reappears first in the next
			r := order(id, fmt.Sprintf("%d.00", p+1))
			if i == 4 && p%3 == 0 {
				r.Deleted = true
			}
			recs = append(recs, r)
		}
	}
	src.records[northstar.StreamOrders] = recs
	type outcome struct {
		res pipeline.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := newEngine(db).Sync(ctx, "mem", src, pipeline.Options{})
		done <- outcome{res, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("sync hangs: consecutive pages deadlocked")
	}
	res, err := o.res, o.err
	if err != nil || res.Status != warehouse.StatusSucceeded {
		t.Fatalf("sync: %v %s %v", err, res.Status, res.Err)
	}
	// The last occurrence of each key wins.
	want := map[string]northstar.Record{}
	for _, r := range recs {
		want[r.SourceID] = r
	}
	for id, r := range want {
		var amount string
		var deleted bool
		if err := db.QueryRowContext(ctx, `SELECT amount::text, deleted_at IS NOT NULL FROM core.orders WHERE source_id = $1`, id).Scan(&amount, &deleted); err != nil {
			if r.Deleted {
				continue // a tombstone for a key never stored live
			}
			t.Fatalf("%s: %v", id, err)
		}
		if deleted != r.Deleted || (!r.Deleted && !mustDec(amount).Equal(mustDec(r.Fields["amount"]))) {
			t.Errorf("%s: amount %s deleted %v, want %s deleted %v", id, amount, deleted, r.Fields["amount"], r.Deleted)
		}
	}
}

type reconcilingSource struct {
	*memSource
	every time.Duration
}

func (r reconcilingSource) ReconcileEvery() time.Duration { return r.every }

// TestScheduledReconciliation: a source without tombstones gets its key set
// reconciled on incremental runs once the period has passed.
func TestScheduledReconciliation(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	mem := &memSource{pageSize: 10, records: map[northstar.Stream][]northstar.Record{}, keys: map[northstar.Stream][]string{}}
	for i := 0; i < 4; i++ {
		mem.records[northstar.StreamOrders] = append(mem.records[northstar.StreamOrders], order(i, "1"))
		mem.keys[northstar.StreamOrders] = append(mem.keys[northstar.StreamOrders], fmt.Sprintf("O%04d", i))
	}
	eng := newEngine(db)
	src := reconcilingSource{memSource: mem, every: time.Hour}
	if _, err := eng.Sync(ctx, "mem", src, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	// O0003 disappears upstream (hard delete, no tombstone).
	mem.keys[northstar.StreamOrders] = mem.keys[northstar.StreamOrders][:3]
	mem.records[northstar.StreamOrders] = mem.records[northstar.StreamOrders][:3]
	if _, err := eng.Sync(ctx, "mem", src, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE deleted_at IS NOT NULL`); n != 0 {
		t.Fatalf("reconciled before the period passed: %d deleted", n)
	}
	src.every = time.Nanosecond
	res, err := eng.Sync(ctx, "mem", src, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts[northstar.StreamOrders].Deleted != 1 || count(t, db, `SELECT count(*) FROM core.orders WHERE source_id = 'O0003' AND delete_kind = 'inferred'`) != 1 {
		t.Fatalf("scheduled reconciliation did not infer the delete: %+v", res.Counts)
	}
}
