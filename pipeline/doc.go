// Package pipeline runs one sync of one connector: for each stream it reads
// the stored cursor, lets the Source extract pages, types each page with
// transform and stores it with the warehouse loader before the next page is
// read (back-pressure, bounded memory). A stream that fails does not stop
// the other streams; a quota stop (northstar.ErrPartial) or a shutdown ends
// the run as partial; only a run that read everything is succeeded.
//
// Daily FX rates: when the transformer converts with a transform.DailyFX,
// each run loads ops.fx_rates into it first, derives ops.fx_rates again
// right after its fx_rates stream changed (so the run's facts use the new
// rates) and, after the run, re-prices the facts whose rate changed
// (warehouse.RefreshFXRates, warehouse.Reprice): Result.Repriced.
package pipeline
