package salesforce

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/northstar-dev/northstar"
)

// bulk reads the whole stream with a Bulk API 2.0 queryAll job: create,
// poll until JobComplete, read CSV result pages by Sforce-Locator ("null"
// ends), and delete the job in every case. Pages are emitted with an
// unchanged cursor (the reached cursor is emitted once at the end), so a
// run that stops half-way starts the full read again instead of trusting
// result order.
func (r *reader) bulk(ctx context.Context) error {
	c := r.s.c
	body, _ := json.Marshal(map[string]string{"operation": "queryAll", "query": r.p.soql(time.Time{}, time.Time{})})
	_, data, err := c.call(ctx, http.MethodPost, "jobs/query", body, nil, false)
	if err != nil {
		return fmt.Errorf("create bulk job: %w", err)
	}
	var job struct {
		ID           string `json:"id"`
		State        string `json:"state"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(data, &job); err != nil || job.ID == "" {
		return fmt.Errorf("create bulk job: unexpected answer")
	}
	log := r.log.With("job", job.ID)
	log.Info("salesforce: Bulk API 2.0 job created", "rows", r.total)
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, _, err := c.call(cctx, http.MethodDelete, "jobs/query/"+job.ID, nil, nil, true); err != nil {
			log.Warn("salesforce: could not delete bulk job", "error", err)
		}
	}()
	wait := r.s.pollMin
	for job.State != "JobComplete" {
		switch job.State {
		case "Failed", "Aborted":
			return fmt.Errorf("bulk job %s %s: %s", job.ID, job.State, job.ErrorMessage)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, r.s.pollMax)
		if err := c.getJSON(ctx, "jobs/query/"+job.ID, nil, &job); err != nil {
			return fmt.Errorf("poll bulk job: %w", err)
		}
	}
	r.holdCursor = true
	locator := ""
	for page := 1; ; page++ {
		q := url.Values{"maxRecords": {strconv.Itoa(r.s.bulkPageSize)}}
		if locator != "" {
			q.Set("locator", locator)
		}
		var rows [][]string
		hdr := http.Header{"Accept": {"text/csv"}}
		h, err := c.fetch(ctx, "jobs/query/"+job.ID+"/results?"+q.Encode(), hdr, func(h http.Header, data []byte) error {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.ReuseRecord = false
			all, err := cr.ReadAll()
			if err != nil {
				return err
			}
			if n, err := strconv.Atoi(h.Get("Sforce-NumberOfRecords")); err == nil && len(all) > 0 && n != len(all)-1 {
				return fmt.Errorf("result page has %d rows, header says %d", len(all)-1, n)
			}
			rows = all
			return nil
		})
		if err != nil {
			return fmt.Errorf("bulk results page %d: %w", page, err)
		}
		if err := r.emitCSV(ctx, rows); err != nil {
			return err
		}
		locator = h.Get("Sforce-Locator")
		if locator == "" || locator == "null" {
			return nil
		}
	}
}

func (r *reader) emitCSV(ctx context.Context, rows [][]string) error {
	if len(rows) < 2 {
		return nil
	}
	header := rows[0]
	idx := make(map[string]int, len(header))
	for i, h := range header {
		idx[h] = i
	}
	b := northstar.Batch{Stream: r.p.stream, Total: r.total, Records: make([]northstar.Record, 0, len(rows)-1)}
	for _, row := range rows[1:] {
		get := func(f string) (string, bool) {
			i, ok := idx[f]
			if !ok || i >= len(row) {
				return "", false
			}
			return row[i], true
		}
		obj := make(map[string]any, len(header))
		for i, h := range header {
			if i < len(row) && row[i] != "" {
				obj[h] = row[i]
			} else {
				obj[h] = nil
			}
		}
		payload, _ := json.Marshal(obj)
		rec, err := r.p.record(get, payload, true)
		if err != nil {
			b.Rejects = append(b.Rejects, northstar.Reject{SourceID: rec.SourceID, Origin: rec.Origin, Reason: err.Error(), Payload: payload})
			continue
		}
		b.Records = append(b.Records, rec)
	}
	return r.emitBatch(ctx, b)
}

// fetch GETs a resource and hands its body to parse; an answer cut short or
// rejected by parse is fetched again (up to max_retries times).
func (c *client) fetch(ctx context.Context, path string, hdr http.Header, parse func(http.Header, []byte) error) (http.Header, error) {
	for attempt := 0; ; attempt++ {
		h, data, err := c.call(ctx, http.MethodGet, path, nil, hdr, false)
		if err == nil {
			if err = parse(h, data); err == nil {
				return h, nil
			}
			err = &incompleteError{fmt.Errorf("parse answer: %w", err)}
		}
		var inc *incompleteError
		if !errors.As(err, &inc) || ctx.Err() != nil || attempt >= c.opts.MaxRetries {
			return nil, err
		}
		c.log.Debug("salesforce: incomplete answer, fetching again", "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(c.backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, attempt, nil)):
		}
	}
}
