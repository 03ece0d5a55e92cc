package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
)

// maxOrderDays bounds the order dates a run remembers to price its order
// lines at their order's day (≈ 70 MB at most); lines of further orders
// are priced by the re-pricing after the run.
const maxOrderDays = 1_000_000

// runFX is one run's view of the daily FX rates: the transformer's
// DailyFX, the generation of the rates its facts were priced with, and the
// order dates of the run's orders in a foreign currency.
type runFX struct {
	fx        *transform.DailyFX
	reporting string
	gen       int64 // -1: unknown (the rates could not be read)
	days      map[string]int64
	dayCol    int
	curCol    int
	// misses counts foreign-currency order lines priced without their
	// order's day while daily rates existed: they need re-pricing.
	misses int64
}

// runTransformer returns the transformer of one run and, when it converts
// with daily rates (a transform.DailyFX), the run's FX state with the rates
// loaded from ops.fx_rates. Order lines are then priced at their order's day.
func (e *Engine) runTransformer(ctx context.Context, log *slog.Logger) (*transform.Transformer, *runFX) {
	dfx, ok := e.Transform.FX.(*transform.DailyFX)
	if !ok {
		return e.Transform, nil
	}
	cols := transform.TableFor(northstar.StreamOrders).Columns
	r := &runFX{fx: dfx, reporting: dfx.Static.Reporting, days: map[string]int64{}, dayCol: -1, curCol: -1}
	for i, c := range cols {
		switch c {
		case "ordered_at":
			r.dayCol = i
		case "currency":
			r.curCol = i
		}
	}
	if err := r.load(ctx, e.DB); err != nil {
		// Facts are then priced with the rates held so far; the re-pricing
		// after the run corrects them.
		log.Warn("cannot read daily FX rates", "err", err)
		r.gen = -1
	}
	// On a fresh warehouse the facts about to load are priced with these
	// settings: nothing to re-price after the run.
	if err := e.DB.InitFXState(ctx, warehouse.FXSettingsOf(dfx)); err != nil {
		log.Warn("cannot record FX settings", "err", err)
	}
	tr := *e.Transform
	tr.OrderDay = r.orderDay
	tr.RunRates = map[string]bool{}
	return &tr, r
}

// load reads ops.fx_rates into the DailyFX.
func (r *runFX) load(ctx context.Context, db *warehouse.DB) error {
	rates, gen, err := db.DailyRates(ctx)
	if err != nil {
		return err
	}
	r.fx.Set(rates)
	r.gen = gen
	return nil
}

// noteOrders remembers the order dates of a typed page of orders.
func (r *runFX) noteOrders(rows []transform.Row) {
	if r.fx.Len() == 0 || r.dayCol < 0 || r.curCol < 0 {
		return // without daily rates, lines and orders are priced alike
	}
	for _, row := range rows {
		if len(r.days) >= maxOrderDays {
			return
		}
		if row.Deleted || row.Values[r.curCol] == r.reporting {
			continue
		}
		at, ok := row.Values[r.dayCol].(string)
		if !ok {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			r.days[row.SourceID] = t.Unix()
		}
	}
}

// orderDay implements transform.Transformer.OrderDay.
func (r *runFX) orderDay(id string) (time.Time, bool) {
	if s, ok := r.days[id]; ok {
		return time.Unix(s, 0).UTC(), true
	}
	if r.fx.Len() > 0 {
		r.misses++
	}
	return time.Time{}, false
}

// changedStream reports whether the run inserted, updated or deleted rows
// of stream s.
func changedStream(run *warehouse.Run, s northstar.Stream) bool {
	c := run.Counts()[s]
	return c.Inserted+c.Updated+c.Deleted > 0
}

// refresh derives ops.fx_rates from core.fx_rates and reloads the rates
// when they changed.
func (r *runFX) refresh(ctx context.Context, db *warehouse.DB, run *warehouse.Run, log *slog.Logger) error {
	n, err := run.RefreshFXRates(ctx, r.reporting)
	if err != nil {
		return fmt.Errorf("daily FX rates: %w", err)
	}
	if n == 0 {
		return nil
	}
	if err := r.load(ctx, db); err != nil {
		return fmt.Errorf("daily FX rates: %w", err)
	}
	log.Info("daily FX rates derived", "changed", n, "rates", r.fx.Len())
	return nil
}

// reprice re-prices the facts whose applicable rate changed
// (warehouse.Reprice) after a run and returns how many it changed. changed says the run (or an unfinished
// one before it) wrote data: its rates are derived again (cheap, and it
// repairs a run killed in between), and the facts it wrote are checked
// when they may have been priced with rates that are no longer current,
// when the previous run did not finish, or — order lines only — when some
// were priced before their order's day was known.
func (r *runFX) reprice(ctx context.Context, db *warehouse.DB, run *warehouse.Run, changed, unfinished bool, log *slog.Logger) (int64, error) {
	var scope *warehouse.RunScope
	if changed {
		used := r.gen
		if err := r.refresh(ctx, db, run, log); err != nil {
			return 0, err
		}
		gen, err := db.FXGeneration(ctx)
		if err != nil {
			return 0, fmt.Errorf("re-pricing: %w", err)
		}
		if used != gen || unfinished || r.misses > 0 {
			after, err := run.LastSucceededRun(ctx)
			if err != nil {
				return 0, fmt.Errorf("re-pricing: %w", err)
			}
			scope = &warehouse.RunScope{After: after, LinesOnly: used == gen && !unfinished}
		}
	}
	res, err := run.Reprice(ctx, warehouse.FXSettingsOf(r.fx), scope)
	if err != nil {
		return 0, fmt.Errorf("re-pricing: %w", err)
	}
	if res.Full || len(res.Currencies) > 0 || scope != nil {
		log.Info("facts re-priced", "rows", res.Total(), "orders", res.Orders, "order_lines", res.OrderLines,
			"contracts", res.Contracts, "all_facts", res.Full, "changed_currencies", res.Currencies,
			"run_facts", scope != nil, "lines_without_order_day", r.misses)
	}
	return res.Total(), nil
}
