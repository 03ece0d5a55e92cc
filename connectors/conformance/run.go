package conformance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// DeletesOnFullSync is implemented by an Upstream whose system only
// reveals hard deletes through key reconciliation (no tombstones): after
// an incremental run its deleted rows may still be live in core, and the
// suite then requires a full sync to make core exact.
type DeletesOnFullSync interface {
	DeletesOnFullSync() bool
}

// connector is the connector name the suite loads under.
const connector = "conformance"

// Run runs the whole suite against up.
func Run(t *testing.T, up Upstream) {
	t.Run("FullIncrementalIdempotentDeletes", func(t *testing.T) { runLifecycle(t, up) })
	t.Run("ResumeAfterKilledRun", func(t *testing.T) { runResume(t, up) })
}

func engine(db *warehouse.DB) *pipeline.Engine {
	return &pipeline.Engine{DB: db, Transform: &transform.Transformer{ReportingCurrency: "USD"}}
}

func env(db *warehouse.DB, full bool) connectors.Env {
	return connectors.Env{Full: full, Manifest: func(ctx context.Context, s northstar.Stream) (map[string]northstar.FileMark, error) {
		return db.Manifest(ctx, connector, s)
	}}.Defaults()
}

func sync(t *testing.T, db *warehouse.DB, up Upstream, full bool) pipeline.Result {
	t.Helper()
	res, err := engine(db).Sync(context.Background(), connector, up.Source(t, env(db, full)), pipeline.Options{Full: full})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if res.Status != warehouse.StatusSucceeded {
		t.Fatalf("sync ended %s: %v", res.Status, res.Err)
	}
	for s, c := range res.Counts {
		if c.Read != c.Inserted+c.Updated+c.Unchanged+c.Rejected {
			t.Errorf("%s counts do not add up: %+v", s, c)
		}
	}
	return res
}

func runLifecycle(t *testing.T, up Upstream) {
	db, _ := whtest.New(t)
	first := sync(t, db, up, false)
	Compare(t, db, connector, up.Snapshot(t), false)

	again := sync(t, db, up, true)
	for s, c := range again.Counts {
		if c.Inserted != 0 || c.Updated != 0 || c.Deleted != 0 {
			t.Errorf("re-read of unchanged upstream changed %s: %+v (first run %+v)", s, c, first.Counts[s])
		}
	}
	Compare(t, db, connector, up.Snapshot(t), false)

	up.Mutate(t)
	sync(t, db, up, false)
	lag := false
	if d, ok := up.(DeletesOnFullSync); ok {
		lag = d.DeletesOnFullSync()
	}
	Compare(t, db, connector, up.Snapshot(t), lag)
	if lag {
		sync(t, db, up, true)
		Compare(t, db, connector, up.Snapshot(t), false)
	}
	// Incremental re-run after the changes: nothing new.
	res := sync(t, db, up, false)
	for s, c := range res.Counts {
		if c.Inserted != 0 {
			t.Errorf("incremental re-run inserted %d %s rows", c.Inserted, s)
		}
	}
	Compare(t, db, connector, up.Snapshot(t), false)
}

var errKilled = errors.New("conformance: simulated crash")

// dying wraps a Source so that the run dies before storing page n of the
// first stream that has that many pages.
type dying struct {
	northstar.Source
	n     int
	pages int
}

func (d *dying) Extract(ctx context.Context, s northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	return d.Source.Extract(ctx, s, since, func(ctx context.Context, b northstar.Batch) error {
		d.pages++
		if d.pages == d.n {
			return errKilled
		}
		return emit(ctx, b)
	})
}

func runResume(t *testing.T, up Upstream) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	for _, n := range []int{2, 4} {
		src := &dying{Source: up.Source(t, env(db, false)), n: n}
		res, err := engine(db).Sync(ctx, connector, src, pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status == warehouse.StatusSucceeded && src.pages >= n {
			t.Fatalf("a run that died after %d pages was recorded as succeeded", n)
		}
	}
	sync(t, db, up, false)
	Compare(t, db, connector, up.Snapshot(t), false)
}

// Compare checks that core holds exactly want's live records for the
// connector (keys and amounts). With allowExtra, rows still live in core
// but gone upstream are tolerated (deletes pending a full sync).
func Compare(t testing.TB, db *warehouse.DB, source string, want map[northstar.Stream]map[string]string, allowExtra bool) {
	t.Helper()
	ctx := context.Background()
	for s, rows := range want {
		tab := transform.TableFor(s)
		amountCol := "NULL::numeric"
		switch s {
		case northstar.StreamOrders, northstar.StreamOrderLines:
			amountCol = "amount"
		case northstar.StreamContracts:
			amountCol = "mrr"
		}
		got := map[string]*string{}
		q := fmt.Sprintf(`SELECT source_id, %s::text FROM %s WHERE source = $1 AND deleted_at IS NULL`, amountCol, tab.Name)
		r, err := db.QueryContext(ctx, q, source)
		if err != nil {
			t.Fatalf("compare %s: %v", s, err)
		}
		for r.Next() {
			var id string
			var amt *string
			if err := r.Scan(&id, &amt); err != nil {
				t.Fatal(err)
			}
			got[id] = amt
		}
		r.Close()
		var missing, extra, wrong []string
		for id, amount := range rows {
			g, ok := got[id]
			if !ok {
				missing = append(missing, id)
				continue
			}
			if amount != "" && (g == nil || !decEqual(*g, amount)) {
				wrong = append(wrong, fmt.Sprintf("%s: core %v, upstream %s", id, deref(g), amount))
			}
		}
		if !allowExtra {
			for id := range got {
				if _, ok := rows[id]; !ok {
					extra = append(extra, id)
				}
			}
		}
		report(t, s, "missing from core", missing)
		report(t, s, "live in core but deleted upstream", extra)
		report(t, s, "wrong amount", wrong)
	}
}

func report(t testing.TB, s northstar.Stream, what string, ids []string) {
	t.Helper()
	if len(ids) == 0 {
		return
	}
	sort.Strings(ids)
	if len(ids) > 5 {
		ids = append(ids[:5], fmt.Sprintf("… (%d in all)", len(ids)))
	}
	t.Errorf("%s: %s: %v", s, what, ids)
}

func decEqual(a, b string) bool {
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

func deref(p *string) string {
	if p == nil {
		return "NULL"
	}
	return *p
}
