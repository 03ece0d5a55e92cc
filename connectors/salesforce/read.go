package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
)

// queryPage is one page of a query/queryAll answer.
type queryPage struct {
	TotalSize      int64             `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// reader reads one stream in one Extract call.
type reader struct {
	s     *Source
	p     *plan
	log   *slog.Logger
	emit  func(context.Context, northstar.Batch) error
	total int64
	state json.RawMessage
	// high is the cursor the stream has reached: never below the stored
	// cursor, so a re-read (formula refresh, window retry) never moves the
	// stored cursor back.
	high northstar.Cursor
	// floor is the stored cursor the read started from.
	floor northstar.Cursor
	// last is the last record cursor emitted by this read (zero if none).
	last northstar.Cursor
	// holdCursor: pages were emitted with an unchanged cursor (Bulk 2.0);
	// Extract emits the reached cursor at the very end.
	holdCursor bool
}

// minWindow is the smallest time window QUERY_TIMEOUT splitting goes to.
const minWindow = time.Second

// readAll reads everything: counts first, then Bulk 2.0 above the
// threshold (falling back to REST if the job fails), else REST pages.
func (r *reader) readAll(ctx context.Context) error {
	var cnt queryPage
	q := "SELECT COUNT() FROM " + r.p.object
	if r.p.where != "" {
		q += " WHERE " + r.p.where
	}
	if err := r.s.c.getJSON(ctx, "queryAll?q="+url.QueryEscape(q), nil, &cnt); err != nil {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "QUERY_TIMEOUT" {
			return fmt.Errorf("salesforce: count %s: %w", r.p.object, err)
		}
		cnt.TotalSize = -1
	}
	r.total = cnt.TotalSize
	if th := r.s.opts.BulkThreshold; th >= 0 && r.total > th {
		err := r.bulk(ctx)
		var emitErr *emitError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &emitErr):
			return emitErr.err
		case ctx.Err() != nil || errors.Is(err, northstar.ErrPartial):
			return fmt.Errorf("salesforce: bulk read %s: %w", r.p.object, err)
		}
		r.log.Warn("salesforce: Bulk API 2.0 read failed, reading through REST instead", "error", err)
		r.last, r.high, r.holdCursor = northstar.Cursor{}, r.floor, false
	}
	return r.readFrom(ctx, time.Time{})
}

// emitError marks an error returned by emit, which Extract returns unchanged.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

// readFrom reads records with cursor >= lo through REST pages. A window
// whose query times out (QUERY_TIMEOUT) is split in two, down to one
// second; a window that timed out after some pages resumes from the last
// record emitted.
func (r *reader) readFrom(ctx context.Context, lo time.Time) error {
	type window struct{ lo, hi time.Time } // zero hi: open
	ws := []window{{lo: lo}}
	for len(ws) > 0 {
		w := ws[0]
		err := r.readWindow(ctx, w.lo, w.hi)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "QUERY_TIMEOUT" {
			var emitErr *emitError
			if errors.As(err, &emitErr) {
				return emitErr.err
			}
			if err != nil {
				return fmt.Errorf("salesforce: query %s: %w", r.p.object, err)
			}
			ws = ws[1:]
			continue
		}
		start := w.lo
		if !r.last.ModifiedAt.IsZero() && r.last.ModifiedAt.After(start) {
			start = r.last.ModifiedAt.Truncate(time.Second)
		}
		if start.IsZero() {
			start = time.Unix(0, 0).UTC()
		}
		end := w.hi
		if end.IsZero() {
			end = r.s.env.Now().UTC().Add(time.Minute)
		}
		if end.Sub(start) <= minWindow {
			return fmt.Errorf("salesforce: query %s times out even for %s..%s: %w",
				r.p.object, soqlTime(start), soqlTime(end), err)
		}
		mid := start.Add(end.Sub(start) / 2).Truncate(time.Second)
		if !mid.After(start) {
			mid = start.Add(time.Second)
		}
		r.log.Info("salesforce: query timed out, splitting the time window",
			"from", soqlTime(start), "split_at", soqlTime(mid))
		ws = append([]window{{start, mid}, {mid, w.hi}}, ws[1:]...)
	}
	return nil
}

func (r *reader) readWindow(ctx context.Context, lo, hi time.Time) error {
	path := "queryAll?q=" + url.QueryEscape(r.p.soql(lo, hi))
	for page := 1; ; page++ {
		var qp queryPage
		if err := r.s.c.getJSON(ctx, path, r.s.queryHeader(), &qp); err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		if err := r.emitRecords(ctx, qp.Records); err != nil {
			return err
		}
		if qp.Done || qp.NextRecordsURL == "" {
			return nil
		}
		path = qp.NextRecordsURL // verbatim
	}
}

func (r *reader) emitRecords(ctx context.Context, raws []json.RawMessage) error {
	if len(raws) == 0 {
		return nil
	}
	b := northstar.Batch{Stream: r.p.stream, Total: r.total, Records: make([]northstar.Record, 0, len(raws))}
	for _, raw := range raws {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			b.Rejects = append(b.Rejects, northstar.Reject{Origin: r.p.object, Reason: "undecodable record: " + err.Error(), Payload: raw})
			continue
		}
		rec, err := r.p.record(jsonGetter(m), raw, false)
		if err != nil {
			b.Rejects = append(b.Rejects, northstar.Reject{SourceID: rec.SourceID, Origin: rec.Origin, Reason: err.Error(), Payload: raw})
			continue
		}
		b.Records = append(b.Records, rec)
	}
	return r.emitBatch(ctx, b)
}

// emitBatch sets the page's cursor and emits it.
func (r *reader) emitBatch(ctx context.Context, b northstar.Batch) error {
	for i, rec := range b.Records {
		if !r.holdCursor && i < len(b.Records)-1 {
			continue // REST pages are ordered: the last record is the largest
		}
		c := northstar.Cursor{ModifiedAt: rec.ModifiedAt, ID: rec.SourceID}
		if !r.holdCursor {
			r.last = c
		}
		if c.After(r.high) {
			r.high = c
		}
	}
	if !r.holdCursor {
		b.Cursor = r.high
		b.Cursor.State = r.state
		if b.Cursor.ModifiedAt.IsZero() && b.Cursor.ID == "" {
			b.Cursor = northstar.Cursor{}
		}
	}
	if err := r.emit(ctx, b); err != nil {
		return &emitError{err}
	}
	return nil
}

// record maps one source record. get reads a field path as text.
func (p *plan) record(get func(string) (string, bool), payload []byte, csvTimes bool) (northstar.Record, error) {
	id, _ := get("Id")
	rec := northstar.Record{SourceID: id, Origin: p.object + "/" + id, Payload: payload}
	if id == "" {
		return rec, errors.New("record has no Id")
	}
	if csvTimes {
		inner := get
		get = func(f string) (string, bool) {
			v, ok := inner(f)
			if ok && v != "" && p.types[f] == "datetime" {
				if t, err := parseSFTime(v); err == nil {
					v = t.Format(sfTimeLayout)
				}
			}
			return v, ok
		}
	}
	ts, _ := get(p.cursor)
	t, err := parseSFTime(ts)
	if err != nil {
		if d, derr := time.Parse(time.DateOnly, ts); derr == nil {
			t, err = d, nil
		}
	}
	if err != nil {
		return rec, fmt.Errorf("bad %s %q", p.cursor, ts)
	}
	rec.ModifiedAt = t
	rec.Fields = p.mapping.Apply(get)
	if del, _ := get("IsDeleted"); del == "true" {
		rec.Deleted, rec.DeleteKind = true, "soft"
	}
	return rec, nil
}

// jsonGetter reads dotted paths from a decoded REST record; a null
// relationship yields a present empty value.
func jsonGetter(m map[string]any) func(string) (string, bool) {
	return func(path string) (string, bool) {
		var cur any = m
		for part := range strings.SplitSeq(path, ".") {
			mm, ok := cur.(map[string]any)
			if !ok {
				return "", cur == nil
			}
			if cur, ok = mm[part]; !ok {
				return "", false
			}
		}
		return textOf(cur), true
	}
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
