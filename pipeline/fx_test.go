package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

func dailyEngine(db *warehouse.DB) *pipeline.Engine {
	fx := transform.NewDailyFX(transform.StaticFX{Reporting: "USD", Rates: map[string]decimalT{"EUR": mustDec("1.08")}}, time.UTC)
	return &pipeline.Engine{DB: db, Transform: &transform.Transformer{ReportingCurrency: "USD", FX: fx}}
}

// hookSource runs before() once, just before its first page of orders.
type hookSource struct {
	*memSource
	before func()
}

func (h *hookSource) Extract(ctx context.Context, s northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	if s == northstar.StreamOrders && h.before != nil {
		h.before()
		h.before = nil
	}
	return h.memSource.Extract(ctx, s, since, emit)
}

func rate(id, day, rate string) northstar.Record {
	return northstar.Record{SourceID: id, ModifiedAt: t0, Fields: map[string]string{"day": day, "currency": "EUR", "rate": rate}}
}

// TestRatesChangedDuringRun: another connector restates a rate while a run
// is pricing orders with the rates it read at its start; after the run,
// its orders carry the current rate.
func TestRatesChangedDuringRun(t *testing.T) {
	db, _ := whtest.New(t)
	ctx := context.Background()
	treasury := &memSource{pageSize: 10, records: map[northstar.Stream][]northstar.Record{
		northstar.StreamFXRates: {rate("EUR:2025-01-02", "2025-01-02", "1.05")}}}
	if res, err := dailyEngine(db).Sync(ctx, "treasury", treasury, pipeline.Options{}); err != nil || res.Status != warehouse.StatusSucceeded {
		t.Fatalf("treasury: %v %v", res.Err, err)
	}
	shop := &hookSource{memSource: &memSource{pageSize: 7, records: map[northstar.Stream][]northstar.Record{}}}
	for i := 0; i < 20; i++ {
		shop.records[northstar.StreamOrders] = append(shop.records[northstar.StreamOrders], order(i, "100"))
	}
	shop.before = func() {
		// The restatement commits while the shop run holds the old rate.
		restated := &memSource{pageSize: 10, records: map[northstar.Stream][]northstar.Record{
			northstar.StreamFXRates: {rate("EUR:2025-01-02", "2025-01-02", "1.06")}}}
		restated.records[northstar.StreamFXRates][0].ModifiedAt = t0.Add(time.Hour)
		if res, err := dailyEngine(db).Sync(ctx, "treasury", restated, pipeline.Options{}); err != nil || res.Status != warehouse.StatusSucceeded {
			t.Errorf("restatement: %v %v", res.Err, err)
		}
	}
	res, err := dailyEngine(db).Sync(ctx, "shop", shop, pipeline.Options{})
	if err != nil || res.Status != warehouse.StatusSucceeded {
		t.Fatalf("shop: %v %v", res.Err, err)
	}
	if n := count(t, db, `SELECT count(*) FROM core.orders WHERE fx_rate = 1.06 AND amount_reporting = 106 AND fx_rate_day = '2025-01-02' AND fx_rate_source = 'treasury'`); n != 20 {
		t.Errorf("%d of 20 orders at the restated rate", n)
	}
}
