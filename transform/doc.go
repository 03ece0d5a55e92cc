// Package transform turns mapped source records (northstar.Record, raw text
// per unified field) into typed warehouse rows: required ids, UTC times,
// decimal amounts (never float64), survey scores checked against their
// scale, normalised statuses and instruments, and amounts converted to the
// reporting currency — with a DailyFX at the latest daily rate on or before
// the fact's day, else the config rate, recording the rate, its day and its
// source (fx_rate, fx_rate_day, fx_rate_source). Those conversion columns
// are left out of Row.RowHash: they follow the rates, which the warehouse
// re-prices when they change. A record that cannot be typed is returned as a
// northstar.Reject with a reason naming the field; nothing is dropped
// silently. The package does no I/O.
package transform
