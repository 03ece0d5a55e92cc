package odata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// BCDefaultFields returns the default field mapping of an odata4 (Business
// Central) stream for its entity set. Derived names: _Status (customers:
// "blocked" unless blocked is blank), _FulfilledAt (salesOrders:
// requestedDeliveryDate once fullyShipped), _PaidAt / _CanceledAt
// (salesInvoices: lastModifiedDateTime once status is Paid / Canceled),
// _OrderModifiedAt and _Currency (lines: the header's lastModifiedDateTime
// and currencyCode).
func BCDefaultFields(s northstar.Stream, set string) northstar.Mapping {
	switch {
	case s == northstar.StreamCustomers:
		return northstar.Mapping{
			"source_id": "id", "external_id": "number", "name": "displayName", "email": "email",
			"website": "website", "country": "country", "tax_id": "taxRegistrationNumber",
			"currency": "currencyCode", "status": "_Status", "modified_at": "lastModifiedDateTime",
		}
	case s == northstar.StreamOrders && set == "salesInvoices":
		return northstar.Mapping{
			"source_id": "id", "customer": "customerId", "ordered_at": "invoiceDate", "invoiced_at": "invoiceDate",
			"paid_at": "_PaidAt", "canceled_at": "_CanceledAt", "status": "status", "order_type": "'invoice'",
			"currency": "currencyCode", "amount": "totalAmountExcludingTax", "modified_at": "lastModifiedDateTime",
		}
	case s == northstar.StreamOrders:
		return northstar.Mapping{
			"source_id": "id", "customer": "customerId", "ordered_at": "orderDate", "fulfilled_at": "_FulfilledAt",
			"status": "status", "order_type": "'order'", "currency": "currencyCode",
			"amount": "totalAmountExcludingTax", "modified_at": "lastModifiedDateTime",
		}
	case s == northstar.StreamOrderLines:
		return northstar.Mapping{
			"source_id": "id", "order": "documentId", "product_id": "lineObjectNumber", "quantity": "quantity",
			"amount": "netAmount", "currency": "_Currency", "modified_at": "_OrderModifiedAt",
		}
	}
	return nil
}

// BCSource extracts customers, orders (salesOrders or salesInvoices) and
// order lines (their lines) from Dynamics 365 Business Central API v2.0.
type BCSource struct {
	name    string
	company string // base + "/companies(ID)"
	cfg     common
	streams []*bcStream
	c       *client
	log     *slog.Logger
	full    bool
}

type bcStream struct {
	stream  northstar.Stream
	set     string // entity set read (lines: their header set)
	nav     string // lines: navigation property expanded
	mapping northstar.Mapping
}

var (
	_ northstar.Source     = (*BCSource)(nil)
	_ northstar.FullSyncer = (*BCSource)(nil)
	_ northstar.Checker    = (*BCSource)(nil)
)

// NewBC builds an odata4 (Business Central) Source from a connector
// configuration; it validates but never dials.
func NewBC(c *config.Connector, env connectors.Env) (*BCSource, error) {
	cfg, errs := parseBC(c)
	if err := configError(errs); err != nil {
		return nil, err
	}
	env = env.Defaults()
	o := cfg.opts
	tokenURL, scope := o.TokenURL, o.Scope
	s := &BCSource{
		name:    c.Name,
		company: strings.TrimRight(o.BaseURL, "/") + "/companies(" + o.CompanyID + ")",
		cfg:     cfg.common,
		log:     env.Logger,
		full:    env.Full,
	}
	s.c = newClient(httpOptions{
		name: c.Name, tokenURL: tokenURL, clientID: o.ClientID, clientSecret: o.ClientSecret, scope: scope,
		maxRetries: cfg.common.maxRetries, maxRetryAfter: cfg.common.maxRetryAfter,
		headers: map[string]string{"Prefer": "odata.maxpagesize=" + strconv.Itoa(cfg.common.pageSize)},
	}, env)
	for _, sc := range cfg.streams {
		st := &bcStream{stream: sc.stream, set: sc.opts.EntitySet, mapping: BCDefaultFields(sc.stream, sc.opts.EntitySet).With(sc.opts.Fields)}
		switch st.set {
		case "salesOrderLines":
			st.set, st.nav = "salesOrders", "salesOrderLines"
		case "salesInvoiceLines":
			st.set, st.nav = "salesInvoices", "salesInvoiceLines"
		}
		s.streams = append(s.streams, st)
	}
	slices.SortFunc(s.streams, func(a, b *bcStream) int { return streamRank(a.stream) - streamRank(b.stream) })
	return s, nil
}

// Streams lists the configured streams in load order.
func (s *BCSource) Streams() []northstar.Stream {
	out := make([]northstar.Stream, len(s.streams))
	for i, st := range s.streams {
		out[i] = st.stream
	}
	return out
}

// ReconcileEvery is how often the engine should run ListKeys (config
// `reconcile`, default 24h; 0 = only on --full).
func (s *BCSource) ReconcileEvery() time.Duration { return s.cfg.reconcile }

func (s *BCSource) stream(st northstar.Stream) (*bcStream, error) {
	for _, x := range s.streams {
		if x.stream == st {
			return x, nil
		}
	}
	return nil, fmt.Errorf("odata4: %w %q (not configured)", northstar.ErrUnknownStream, st)
}

// Check reads one id of each configured entity set.
func (s *BCSource) Check(ctx context.Context) error {
	for _, st := range s.streams {
		var p v4Page
		if err := s.c.getJSON(ctx, s.company+"/"+st.set+"?$top=1&$select=id", nil, &p); err != nil {
			return fmt.Errorf("odata4: check %s: %w", st.set, err)
		}
	}
	return nil
}

type v4Page struct {
	Value    []json.RawMessage `json:"value"`
	Count    *int64            `json:"@odata.count"`
	NextLink string            `json:"@odata.nextLink"`
}

// pages GETs u and follows @odata.nextLink, calling fn per page.
func (s *BCSource) pages(ctx context.Context, u string, fn func(raws []json.RawMessage, rows []row, total int64) error) error {
	total := int64(-1)
	for u != "" {
		p, err := s.c.getCollection(ctx, u, true)
		if err != nil {
			return err
		}
		if p.count >= 0 {
			total = p.count
		}
		if err := fn(p.raws, p.rows, total); err != nil {
			return err
		}
		u = p.next
	}
	return nil
}

// Extract reads one stream's records with lastModifiedDateTime at or after
// since minus the overlap, following @odata.nextLink page by page.
func (s *BCSource) Extract(ctx context.Context, stream northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	st, err := s.stream(stream)
	if err != nil {
		return err
	}
	q := url.Values{"$orderby": {"lastModifiedDateTime,id"}, "$count": {"true"}}
	if !s.full && !since.ModifiedAt.IsZero() {
		q.Set("$filter", "lastModifiedDateTime ge "+since.ModifiedAt.Add(-s.cfg.overlap).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if st.nav != "" {
		q.Set("$expand", st.nav)
	}
	cur := northstar.Cursor{ModifiedAt: since.ModifiedAt, ID: since.ID}
	if s.full {
		cur = northstar.Cursor{}
	}
	err = s.pages(ctx, s.company+"/"+st.set+"?"+encodeQuery(q), func(raws []json.RawMessage, rows []row, total int64) error {
		b := northstar.Batch{Stream: st.stream, Total: total}
		if st.nav != "" {
			b.Total = -1
		}
		for i, r := range rows {
			id := text(r["id"])
			origin := st.set + "(" + id + ")"
			if id == "" {
				b.Rejects = append(b.Rejects, reject("", st.set, "missing key id", raws[i]))
				continue
			}
			mod, err := ParseV4Time(text(r["lastModifiedDateTime"]))
			if err != nil {
				b.Rejects = append(b.Rejects, reject(id, origin, "lastModifiedDateTime: "+err.Error(), raws[i]))
				continue
			}
			if mod.After(cur.ModifiedAt) || (mod.Equal(cur.ModifiedAt) && id > cur.ID) {
				cur = northstar.Cursor{ModifiedAt: mod, ID: id}
			}
			if st.nav != "" {
				s.bcLines(st, &b, r, mod)
				continue
			}
			fields, reason := mapFields(st.mapping, bcGetter(r, mod), convV4Date)
			if reason != "" {
				b.Rejects = append(b.Rejects, reject(id, origin, reason, raws[i]))
				continue
			}
			b.Records = append(b.Records, northstar.Record{SourceID: id, ModifiedAt: mod, Fields: fields, Payload: raws[i], Origin: origin})
		}
		b.Cursor = cur
		if err := emit(ctx, b); err != nil {
			return emitErr{err}
		}
		return nil
	})
	var ee emitErr
	if errors.As(err, &ee) {
		return ee.err
	}
	if err != nil {
		return fmt.Errorf("odata4: %s: %s: %w", stream, st.set, err)
	}
	return nil
}

func bcGetter(r row, mod time.Time) func(string) (string, bool) {
	return func(f string) (string, bool) {
		switch f {
		case "_Status":
			if b := strings.TrimSpace(text(r["blocked"])); b != "" {
				return "blocked", true
			}
			return "active", true
		case "_FulfilledAt":
			if r["fullyShipped"] != true {
				return "", true
			}
			return text(r["requestedDeliveryDate"]), true
		case "_PaidAt":
			if text(r["status"]) != "Paid" {
				return "", true
			}
			return rfc3339(mod), true
		case "_CanceledAt":
			if text(r["status"]) != "Canceled" {
				return "", true
			}
			return rfc3339(mod), true
		}
		v, ok := r.lookup(f)
		return text(v), ok
	}
}

func (s *BCSource) bcLines(st *bcStream, b *northstar.Batch, hdr row, mod time.Time) {
	for _, it := range many(hdr[st.nav]) {
		m, _ := it.(map[string]any)
		line := row(m)
		payload, _ := json.Marshal(m)
		id := text(line["id"])
		origin := st.nav + "(" + id + ")"
		if m == nil || id == "" {
			b.Rejects = append(b.Rejects, reject("", st.nav, "missing key id", payload))
			continue
		}
		get := func(f string) (string, bool) {
			switch f {
			case "_OrderModifiedAt":
				return rfc3339(mod), true
			case "_Currency":
				return text(hdr["currencyCode"]), true
			}
			v, ok := line.lookup(f)
			return text(v), ok
		}
		fields, reason := mapFields(st.mapping, get, convV4Date)
		if reason != "" {
			b.Rejects = append(b.Rejects, reject(id, origin, reason, payload))
			continue
		}
		b.Records = append(b.Records, northstar.Record{SourceID: id, ModifiedAt: mod, Fields: fields, Payload: payload, Origin: origin})
	}
}

// ListKeys lists the ids of every record of a stream present upstream
// ($select=id; lines through their headers).
func (s *BCSource) ListKeys(ctx context.Context, stream northstar.Stream, emit func(context.Context, []string) error) error {
	st, err := s.stream(stream)
	if err != nil {
		return err
	}
	q := url.Values{"$select": {"id"}, "$orderby": {"id"}}
	if st.nav != "" {
		q.Set("$expand", st.nav)
	}
	err = s.pages(ctx, s.company+"/"+st.set+"?"+encodeQuery(q), func(_ []json.RawMessage, rows []row, _ int64) error {
		keys := make([]string, 0, len(rows))
		for _, r := range rows {
			if st.nav == "" {
				if id := text(r["id"]); id != "" {
					keys = append(keys, id)
				}
				continue
			}
			for _, it := range many(r[st.nav]) {
				m, _ := it.(map[string]any)
				if id := text(m["id"]); id != "" {
					keys = append(keys, id)
				}
			}
		}
		if err := emit(ctx, keys); err != nil {
			return emitErr{err}
		}
		return nil
	})
	var ee emitErr
	if errors.As(err, &ee) {
		return ee.err
	}
	if err != nil {
		return fmt.Errorf("odata4: list keys of %s: %w", stream, err)
	}
	return nil
}
