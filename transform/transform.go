package transform

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
)

// Row is one typed record ready for the warehouse. Values holds the typed
// columns of TableFor(stream) in order, each nil (SQL NULL) or the value's
// canonical text (times as RFC 3339 UTC, decimals exact).
type Row struct {
	SourceID    string
	Values      []any
	ModifiedAt  time.Time
	Deleted     bool
	DeleteKind  string
	DeletedAt   time.Time
	Payload     json.RawMessage
	PayloadHash int64
	// RowHash fingerprints Values and the delete state: a re-read record
	// with the same RowHash changes nothing in core.
	RowHash int64
}

// FX converts amounts to the reporting currency.
type FX interface {
	// Rate returns how many units of the reporting currency one unit of
	// currency is worth on day, and whether a rate is known.
	Rate(currency string, day time.Time) (decimal.Decimal, bool)
}

// StaticFX is a fixed rate table (the `fx:` section of the config).
type StaticFX struct {
	Reporting string
	Rates     map[string]decimal.Decimal
}

// Rate implements FX: the reporting currency is 1, others from the table.
func (f StaticFX) Rate(currency string, _ time.Time) (decimal.Decimal, bool) {
	if currency == f.Reporting {
		return decimal.NewFromInt(1), true
	}
	r, ok := f.Rates[currency]
	return r, ok
}

// Transformer types records of one source.
type Transformer struct {
	// ReportingCurrency is assumed for amounts that carry no currency.
	ReportingCurrency string
	FX                FX
	// Now stamps tombstones that carry no change time.
	Now func() time.Time
	// OrderDay, when set, returns the order date of an order (by its
	// source id) so that an order line in a foreign currency is priced at
	// its order's day; without it (or when the order is unknown) a line is
	// priced at the config rate and re-priced after the run.
	OrderDay func(orderSourceID string) (time.Time, bool)
	// RunRates, when set, collects the direct daily rates typed in earlier
	// fx_rates pages of the run, so that a cross rate may rely on its
	// base's rate from an earlier page (they commit in order, before it).
	// It belongs to one run: pages of a run are typed one after another.
	RunRates map[string]bool
}

// Batch types every record of b. Records that fail are returned as
// rejects (after the connector's own rejects); duplicates of a source_id
// within the page are rejected too, except the last one, which wins.
func (t *Transformer) Batch(b northstar.Batch) ([]Row, []northstar.Reject) {
	rows := make([]Row, 0, len(b.Records))
	rejects := append([]northstar.Reject(nil), b.Rejects...)
	last := make(map[string]int, len(b.Records))
	for i, r := range b.Records {
		last[r.SourceID] = i
	}
	pg := pageState{quotes: map[quoteKey]quoted{}}
	if b.Stream == northstar.StreamFXRates {
		pg.rates = t.pageRates(b.Records)
	}
	for i, r := range b.Records {
		if j := last[r.SourceID]; j != i && r.SourceID != "" {
			rejects = append(rejects, reject(r, fmt.Sprintf("duplicate source_id %q in one page: superseded by %s", r.SourceID, b.Records[j].Origin)))
			continue
		}
		row, err := t.record(b.Stream, r, pg)
		if err != nil {
			rejects = append(rejects, reject(r, err.Error()))
			continue
		}
		rows = append(rows, row)
	}
	if b.Stream == northstar.StreamFXRates && t.RunRates != nil {
		t.noteRates(rows)
	}
	return rows, rejects
}

// noteRates adds the direct rates among typed fx_rates rows to RunRates.
func (t *Transformer) noteRates(rows []Row) {
	for _, row := range rows {
		if row.Deleted {
			continue
		}
		// Values: day, currency, base, rate, modified_at (see tables).
		day, _ := row.Values[0].(string)
		cur, _ := row.Values[1].(string)
		if base, _ := row.Values[2].(string); base == t.ReportingCurrency && day != "" && cur != "" {
			t.RunRates[rateKeyText(cur, day)] = true
		}
	}
}

func reject(r northstar.Record, reason string) northstar.Reject {
	p := r.Payload
	if len(p) == 0 {
		p, _ = json.Marshal(r.Fields)
	}
	return northstar.Reject{SourceID: r.SourceID, Origin: r.Origin, Reason: reason, Payload: p}
}

// Record types one record of stream s.
func (t *Transformer) Record(s northstar.Stream, r northstar.Record) (Row, error) {
	return t.record(s, r, pageState{})
}

// pageState is what typing a page shares between its records.
type pageState struct {
	rates  map[string]bool     // direct rates of an fx_rates page, by rateKey: a cross rate may use them
	quotes map[quoteKey]quoted // FX quotes already used in the page (nil: not cached)
}

// record types one record of a page.
func (t *Transformer) record(s northstar.Stream, r northstar.Record, pg pageState) (Row, error) {
	tab, ok := tables[s]
	if !ok {
		return Row{}, fmt.Errorf("%w %q", northstar.ErrUnknownStream, s)
	}
	id := strings.TrimSpace(r.SourceID)
	if id == "" {
		id = strings.TrimSpace(r.Fields["source_id"])
	}
	if id == "" {
		id = s.DefaultSourceID(r.Fields)
	}
	if id == "" {
		return Row{}, fmt.Errorf("missing source_id")
	}
	row := Row{SourceID: id, ModifiedAt: r.ModifiedAt.UTC(), Payload: r.Payload}
	if row.ModifiedAt.IsZero() {
		if v := r.Fields["modified_at"]; v != "" {
			if ts, err := ParseTime(v); err == nil {
				row.ModifiedAt = ts
			}
		}
	}
	if r.Deleted || truthy(r.Fields["deleted"]) {
		row.Deleted = true
		row.DeleteKind = r.DeleteKind
		if row.DeleteKind == "" {
			row.DeleteKind = "soft"
		}
		row.DeletedAt = row.ModifiedAt
		if row.DeletedAt.IsZero() {
			row.DeletedAt = t.now()
		}
	}
	if len(row.Payload) == 0 {
		row.Payload, _ = json.Marshal(r.Fields)
	}
	row.PayloadHash = hashBytes(row.Payload)
	if row.Deleted {
		// A tombstone only marks the stored row; its other fields may be empty.
		row.Values = make([]any, len(tab.Columns))
		row.RowHash = hashValues(row.Values, nil, true)
		return row, nil
	}
	c := typer{f: r.Fields, t: t, pg: pg}
	var vals []any
	switch s {
	case northstar.StreamFXRates:
		vals = c.fxRate()
	case northstar.StreamCustomers:
		vals = c.customer()
	case northstar.StreamContacts:
		vals = c.contact()
	case northstar.StreamOrders:
		vals = c.order()
	case northstar.StreamOrderLines:
		vals = c.orderLine()
	case northstar.StreamContracts:
		vals = c.contract()
	case northstar.StreamSurveyResponses:
		vals = c.survey()
	case northstar.StreamSupportCases:
		vals = c.supportCase()
	}
	if c.err != nil {
		return Row{}, c.err
	}
	if row.ModifiedAt.IsZero() {
		// modified_at is the last column of every table.
		if ts, ok := vals[len(vals)-1].(string); ok {
			row.ModifiedAt, _ = time.Parse(time.RFC3339Nano, ts)
		}
	} else {
		vals[len(vals)-1] = TimeText(row.ModifiedAt, strings.TrimSpace(r.Fields["modified_at"]))
	}
	row.Values = vals
	row.RowHash = hashValues(vals, hashMask[s], false)
	return row, nil
}

func (t *Transformer) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y", "x":
		return true
	}
	return false
}

// Row fingerprints are 64-bit FNV-1a (hash/fnv's New64a), computed inline
// because writing through hash.Hash64 allocated for every value; stored
// row hashes depend on the exact bytes hashed below. Payload fingerprints
// are xxHash64, a dozen times faster over a few hundred bytes: a changed
// payload hash only rewrites the raw row, never counts a record updated.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnvString[T string | []byte](h uint64, s T) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime64 }

func hashBytes(b []byte) int64 { return int64(xxhash.Sum64(b)) }

// hashValues fingerprints vals, skipping the positions skip marks (the
// priced columns, which follow the rates rather than the source record).
func hashValues(vals []any, skip []bool, deleted bool) int64 {
	h := uint64(fnvOffset64)
	for i, v := range vals {
		if i < len(skip) && skip[i] {
			continue
		}
		switch x := v.(type) {
		case nil:
			h = fnvByte(h, 0)
		case string:
			h = fnvByte(h, 1)
			h = fnvString(h, x)
		}
		h = fnvByte(h, 0xff)
	}
	if deleted {
		h = fnvString(h, "deleted")
	}
	return int64(h)
}
