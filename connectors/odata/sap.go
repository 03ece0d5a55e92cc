package odata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// The SAP services the connector reads, relative to base_url.
const (
	svcBusinessPartner = "API_BUSINESS_PARTNER"
	svcSalesOrder      = "API_SALES_ORDER_SRV"
	svcBilling         = "API_BILLING_DOCUMENT_SRV"
)

// SAPDefaultFields returns the default field mapping of a sap_odata stream
// (unified field → SAP property). Names starting with "_" are derived by the
// connector: _CreatedAt/_ModifiedAt (business partner date+time pairs),
// _Status, _FulfilledAt (ActualDeliveryDate when OverallDeliveryStatus is
// C), _CanceledAt (LastChangeDateTime when OverallSDDocumentRejectionSts is
// C), _InvoicedAt/_PaidAt (from billing documents), _Quantity (sum of
// to_Item RequestedQuantity, when to_Item is expanded), _LineID
// (SalesOrder/SalesOrderItem) and _OrderModifiedAt (the header's
// LastChangeDateTime). Dotted names read an expanded navigation's first entity.
func SAPDefaultFields(s northstar.Stream) northstar.Mapping {
	switch s {
	case northstar.StreamCustomers:
		return northstar.Mapping{
			"source_id": "BusinessPartner", "name": "BusinessPartnerFullName", "external_id": "Customer",
			"country": "to_BusinessPartnerAddress.Country", "tax_id": "to_BusinessPartnerTax.BPTaxNumber",
			"industry": "Industry", "status": "_Status", "created_at": "_CreatedAt", "modified_at": "_ModifiedAt",
		}
	case northstar.StreamOrders:
		return northstar.Mapping{
			"source_id": "SalesOrder", "customer": "SoldToParty", "ordered_at": "SalesOrderDate",
			"fulfilled_at": "_FulfilledAt", "invoiced_at": "_InvoicedAt", "paid_at": "_PaidAt",
			"canceled_at": "_CanceledAt", "status": "_Status", "order_type": "SalesOrderType",
			"currency": "TransactionCurrency", "amount": "TotalNetAmount", "quantity": "_Quantity",
			"modified_at": "LastChangeDateTime",
		}
	case northstar.StreamOrderLines:
		return northstar.Mapping{
			"source_id": "_LineID", "order": "SalesOrder", "product_id": "Material",
			"product_category": "MaterialGroup", "quantity": "RequestedQuantity", "amount": "NetAmount",
			"currency": "TransactionCurrency", "modified_at": "_OrderModifiedAt",
		}
	}
	return nil
}

// SAPSource extracts customers (A_BusinessPartner), orders (A_SalesOrder,
// enriched from A_BillingDocument) and order lines (to_Item of A_SalesOrder,
// or A_SalesOrderItem) from SAP S/4HANA OData V2 services.
type SAPSource struct {
	name    string
	base    string
	cfg     common
	streams []*sapStream
	c       *client
	log     *slog.Logger
	now     func() time.Time
	full    bool
	loc     *time.Location // time zone of business partner date+time pairs
}

type sapStream struct {
	stream  northstar.Stream
	set     string
	mapping northstar.Mapping
	expand  []string
	cursor  string
	billing bool
}

var (
	_ northstar.Source     = (*SAPSource)(nil)
	_ northstar.FullSyncer = (*SAPSource)(nil)
	_ northstar.Checker    = (*SAPSource)(nil)
)

// NewSAP builds a sap_odata Source from a connector configuration. It
// validates (returning every problem, wrapping northstar.ErrInvalidConfig)
// but never dials.
func NewSAP(c *config.Connector, env connectors.Env) (*SAPSource, error) {
	cfg, errs := parseSAP(c)
	if err := configError(errs); err != nil {
		return nil, err
	}
	env = env.Defaults()
	o := cfg.opts
	s := &SAPSource{
		name: c.Name,
		base: strings.TrimRight(o.BaseURL, "/"),
		cfg:  cfg.common,
		log:  env.Logger,
		now:  env.Now,
		full: env.Full,
		loc:  cfg.loc,
	}
	ho := httpOptions{
		name: c.Name, username: o.Username, password: o.Password,
		tokenURL: o.TokenURL, clientID: o.ClientID, clientSecret: o.ClientSecret, scope: o.Scope,
		maxRetries: cfg.common.maxRetries, maxRetryAfter: cfg.common.maxRetryAfter,
	}
	if o.SAPClient != "" {
		ho.extraQuery = url.Values{"sap-client": {o.SAPClient}}
	}
	s.c = newClient(ho, env)
	for _, sc := range cfg.streams {
		st := &sapStream{
			stream:  sc.stream,
			set:     sc.opts.EntitySet,
			mapping: SAPDefaultFields(sc.stream).With(sc.opts.Fields),
			cursor:  sc.opts.Cursor,
			billing: sc.stream == northstar.StreamOrders && sc.opts.Billing != "off",
		}
		if st.cursor == "" && st.stream != northstar.StreamCustomers {
			st.cursor = "LastChangeDateTime"
		}
		st.expand = splitList(sc.opts.Expand)
		if st.stream == northstar.StreamOrderLines && st.set == "A_SalesOrder" {
			st.expand = append(st.expand, "to_Item")
		}
		for _, f := range st.mapping.SourceFields() {
			if nav, _, ok := strings.Cut(f, "."); ok {
				st.expand = append(st.expand, nav)
			}
		}
		slices.Sort(st.expand)
		st.expand = slices.Compact(st.expand)
		s.streams = append(s.streams, st)
	}
	slices.SortFunc(s.streams, func(a, b *sapStream) int { return streamRank(a.stream) - streamRank(b.stream) })
	return s, nil
}

func streamRank(s northstar.Stream) int { return slices.Index(northstar.AllStreams(), s) }

// Streams lists the configured streams in load order.
func (s *SAPSource) Streams() []northstar.Stream {
	out := make([]northstar.Stream, len(s.streams))
	for i, st := range s.streams {
		out[i] = st.stream
	}
	return out
}

// ReconcileEvery is how often the engine should run ListKeys to tombstone
// rows deleted upstream (config `reconcile`, default 24h; 0 = only on --full).
func (s *SAPSource) ReconcileEvery() time.Duration { return s.cfg.reconcile }

func (s *SAPSource) stream(st northstar.Stream) (*sapStream, error) {
	for _, x := range s.streams {
		if x.stream == st {
			return x, nil
		}
	}
	return nil, fmt.Errorf("sap_odata: %w %q (not configured)", northstar.ErrUnknownStream, st)
}

func (s *SAPSource) svc(name string) string { return s.base + "/" + name }

// Check reads one key of each configured entity set.
func (s *SAPSource) Check(ctx context.Context) error {
	type probe struct{ svc, set, key string }
	var probes []probe
	for _, st := range s.streams {
		switch {
		case st.stream == northstar.StreamCustomers:
			probes = append(probes, probe{svcBusinessPartner, st.set, "BusinessPartner"})
		default:
			probes = append(probes, probe{svcSalesOrder, st.set, "SalesOrder"})
		}
		if st.billing {
			probes = append(probes, probe{svcBilling, "A_BillingDocument", "BillingDocument"})
		}
	}
	for _, p := range probes {
		var pg v2Page
		u := s.svc(p.svc) + "/" + p.set + "?$top=1&$format=json&$select=" + p.key
		if err := s.c.getJSON(ctx, u, nil, &pg); err != nil {
			return fmt.Errorf("sap_odata: check %s: %w", p.set, err)
		}
	}
	return nil
}

// sapState is the connector-specific part of a sap_odata cursor
// (Cursor.State). Customers keep two watermarks because A_BusinessPartner
// has no single change timestamp: partners never changed (LastChangeDate
// null) are read by CreationDate+CreationTime, changed ones by
// LastChangeDate+LastChangeTime. Orders keep the sales-order watermark and
// the billing-document watermark.
type sapState struct {
	Created time.Time `json:"created,omitzero"`
	Changed time.Time `json:"changed,omitzero"`
	Orders  time.Time `json:"orders,omitzero"`
	Billing time.Time `json:"billing,omitzero"`
}

func (s *SAPSource) state(since northstar.Cursor) sapState {
	var st sapState
	if s.full {
		return st
	}
	if len(since.State) > 0 && json.Unmarshal(since.State, &st) == nil {
		return st
	}
	// A cursor without state (set by hand or by another version): use its
	// timestamp for every watermark.
	t := since.ModifiedAt
	return sapState{Created: t, Changed: t, Orders: t, Billing: t}
}

func (st sapState) cursor(id string) northstar.Cursor {
	b, _ := json.Marshal(st)
	m := st.Orders
	for _, t := range []time.Time{st.Created, st.Changed} {
		if t.After(m) {
			m = t
		}
	}
	return northstar.Cursor{ModifiedAt: m, ID: id, State: b}
}

// lower returns the watermark minus the overlap, or zero for a full read.
func (s *SAPSource) lower(wm time.Time) time.Time {
	if wm.IsZero() {
		return wm
	}
	return wm.Add(-s.cfg.overlap)
}

// Extract reads one stream's records changed at or after since minus the
// overlap and emits them page by page. See doc.go for the per-stream design.
func (s *SAPSource) Extract(ctx context.Context, stream northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	st, err := s.stream(stream)
	if err != nil {
		return err
	}
	state := s.state(since)
	switch {
	case st.stream == northstar.StreamCustomers:
		err = s.extractPartners(ctx, st, state, emit)
	case st.set == "A_SalesOrderItem":
		err = s.extractItems(ctx, st, emit)
	default:
		err = s.extractOrders(ctx, st, state, emit)
	}
	var ee emitErr
	if errors.As(err, &ee) {
		return ee.err
	}
	if err != nil {
		return fmt.Errorf("sap_odata: %s: %w", stream, err)
	}
	return nil
}

// emitErr marks an error returned by emit so that Extract's wrapping can be
// skipped: the contract is to return emit's error unchanged.
type emitErr struct{ err error }

func (e emitErr) Error() string { return e.err.Error() }
func (e emitErr) Unwrap() error { return e.err }

// partner change-time columns.
// compoundGE is "(date, time) >= t" with the pair read in loc.
func compoundGE(dateField, timeField string, t time.Time, loc *time.Location) string {
	t = t.In(loc).Truncate(time.Second)
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	tod := wall.Sub(day)
	return "(" + dateField + " gt " + datetimeLiteral(day) + ") or (" + dateField + " eq " + datetimeLiteral(day) +
		" and " + timeField + " ge " + timeLiteral(tod) + ")"
}

// combine adds an Edm.Time to an Edm.DateTime day, reading the pair as
// wall time in loc, and returns UTC. A null date is (zero, nil).
func combine(date, tod any, loc *time.Location) (time.Time, error) {
	ds, _ := date.(string)
	if date == nil || ds == "" {
		return time.Time{}, nil
	}
	d, err := ParseDate(ds)
	if err != nil {
		return time.Time{}, err
	}
	if ts, _ := tod.(string); ts != "" {
		t, err := ParseTime(ts)
		if err != nil {
			return time.Time{}, err
		}
		d = d.Add(t)
	}
	if loc != time.UTC {
		d = time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), d.Nanosecond(), loc).UTC()
	}
	return d, nil
}

func (s *SAPSource) extractPartners(ctx context.Context, st *sapStream, state sapState, emit func(context.Context, northstar.Batch) error) error {
	params := url.Values{}
	if len(st.expand) > 0 {
		params.Set("$expand", strings.Join(st.expand, ","))
	}
	passes := []struct {
		filter string
		keys   []keyCol
		wm     *time.Time
	}{
		{"LastChangeDate eq null", []keyCol{{"CreationDate", keyDateTime}, {"CreationTime", keyTime}, {"BusinessPartner", keyString}}, &state.Created},
		{"LastChangeDate ne null", []keyCol{{"LastChangeDate", keyDateTime}, {"LastChangeTime", keyTime}, {"BusinessPartner", keyString}}, &state.Changed},
	}
	for _, p := range passes {
		filter := p.filter
		if lo := s.lower(*p.wm); !lo.IsZero() {
			filter = and(filter, compoundGE(p.keys[0].field, p.keys[1].field, lo, s.loc))
		}
		sc := v2Scan{service: s.svc(svcBusinessPartner), set: st.set, filter: filter, keys: p.keys, params: params, pageSize: s.cfg.pageSize}
		err := s.c.scanV2(ctx, sc, func(pg scanPage) error {
			b := northstar.Batch{Stream: st.stream, Total: pg.total}
			lastID := ""
			for i, r := range pg.rows {
				rec, rej, ok := s.partnerRecord(st, r, pg.raws[i])
				if !ok {
					b.Rejects = append(b.Rejects, rej)
					continue
				}
				b.Records = append(b.Records, rec)
				if t, _ := combine(r[p.keys[0].field], r[p.keys[1].field], s.loc); t.After(*p.wm) {
					*p.wm = t
				}
				lastID = rec.SourceID
			}
			b.Cursor = state.cursor(lastID)
			if err := emit(ctx, b); err != nil {
				return emitErr{err}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *SAPSource) partnerRecord(st *sapStream, r row, raw json.RawMessage) (northstar.Record, northstar.Reject, bool) {
	id := text(r["BusinessPartner"])
	origin := st.set + "(" + stringLiteral(id) + ")"
	if id == "" {
		return northstar.Record{}, reject("", st.set, "missing key BusinessPartner", raw), false
	}
	created, err := combine(r["CreationDate"], r["CreationTime"], s.loc)
	if err != nil {
		return northstar.Record{}, reject(id, origin, "creation date/time: "+err.Error(), raw), false
	}
	changed, err := combine(r["LastChangeDate"], r["LastChangeTime"], s.loc)
	if err != nil {
		return northstar.Record{}, reject(id, origin, "change date/time: "+err.Error(), raw), false
	}
	mod := changed
	if mod.IsZero() {
		mod = created
	}
	get := func(f string) (string, bool) {
		switch f {
		case "_CreatedAt":
			return rfc3339(created), true
		case "_ModifiedAt":
			return rfc3339(mod), true
		case "_Status":
			switch {
			case r["IsMarkedForArchiving"] == true:
				return "archived", true
			case r["BusinessPartnerIsBlocked"] == true:
				return "blocked", true
			}
			return "active", true
		}
		v, ok := r.lookup(f)
		return text(v), ok
	}
	fields, reason := mapFields(st.mapping, get, convV2Date)
	if reason != "" {
		return northstar.Record{}, reject(id, origin, reason, raw), false
	}
	return northstar.Record{SourceID: id, ModifiedAt: mod, Fields: fields, Payload: raw, Origin: origin}, northstar.Reject{}, true
}
