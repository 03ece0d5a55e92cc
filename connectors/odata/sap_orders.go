package odata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
)

// keyChunk is how many keys go into one "K eq 'a' or K eq 'b' …" filter;
// it keeps request URLs well under common 8 KiB limits.
const keyChunk = 100

// billInfo is what billing documents say about one sales order.
type billInfo struct {
	invoiced time.Time // earliest BillingDocumentDate of a live document
	paid     time.Time // latest clearing (LastChangeDateTime of a cleared document)
	open     bool      // a live document is not cleared yet
}

func (s *SAPSource) orderParams(st *sapStream) url.Values {
	params := url.Values{}
	if len(st.expand) > 0 {
		params.Set("$expand", strings.Join(st.expand, ","))
	}
	if st.stream == northstar.StreamOrderLines {
		// Lines need only the header's key, timestamp and currency.
		params.Set("$select", "SalesOrder,"+st.cursor+",TransactionCurrency,to_Item")
	}
	return params
}

// extractOrders reads A_SalesOrder changed since the orders watermark (for
// orders: enriched with billing; for order_lines: their to_Item), then, for
// orders with billing on, the orders whose billing documents changed since
// the billing watermark.
func (s *SAPSource) extractOrders(ctx context.Context, st *sapStream, state sapState, emit func(context.Context, northstar.Batch) error) error {
	fullOrders := state.Orders.IsZero()
	billingFrom := state.Billing
	if st.billing && fullOrders {
		// A full read enriches every order with the billing state as of now;
		// billing changes from the latest one seen now on are picked up by
		// the billing pass of the next run (server time, so clock skew
		// between northstar and SAP does not matter).
		latest, err := s.latestBilling(ctx)
		if err != nil {
			return err
		}
		state.Billing = latest
	}
	filter := ""
	if lo := s.lower(state.Orders); !lo.IsZero() {
		filter = st.cursor + " ge " + datetimeoffsetLiteral(lo)
	}
	keys := []keyCol{{st.cursor, keyDateTimeOffset}, {"SalesOrder", keyString}}
	sc := v2Scan{service: s.svc(svcSalesOrder), set: "A_SalesOrder", filter: filter, keys: keys, params: s.orderParams(st), pageSize: s.cfg.pageSize}
	err := s.c.scanV2(ctx, sc, func(pg scanPage) error {
		b, maxMod, err := s.orderBatch(ctx, st, pg)
		if err != nil {
			return err
		}
		if maxMod.After(state.Orders) {
			state.Orders = maxMod
		}
		b.Cursor = state.cursor(lastID(b))
		if err := emit(ctx, b); err != nil {
			return emitErr{err}
		}
		return nil
	})
	if err != nil || !st.billing || fullOrders {
		return err
	}
	return s.billingPass(ctx, st, &state, billingFrom, emit)
}

// latestBilling returns the largest LastChangeDateTime of any billing
// document (zero when there is none).
func (s *SAPSource) latestBilling(ctx context.Context) (time.Time, error) {
	q := url.Values{"$format": {"json"}, "$top": {"1"}, "$orderby": {"LastChangeDateTime desc"}, "$select": {"BillingDocument,LastChangeDateTime"}}
	var p v2Page
	if err := s.c.getJSON(ctx, s.svc(svcBilling)+"/A_BillingDocument?"+encodeQuery(q), nil, &p); err != nil {
		return time.Time{}, fmt.Errorf("latest billing document: %w", err)
	}
	if len(p.D.Results) == 0 {
		return time.Time{}, nil
	}
	t, err := ParseDate(text(decodeRow(p.D.Results[0])["LastChangeDateTime"]))
	if err != nil {
		return time.Time{}, fmt.Errorf("latest billing document: %w", err)
	}
	return t, nil
}

func lastID(b northstar.Batch) string {
	if len(b.Records) == 0 {
		return ""
	}
	return b.Records[len(b.Records)-1].SourceID
}

// orderBatch maps one page of A_SalesOrder rows to a batch of orders or of
// order lines, returning the page's largest change timestamp.
func (s *SAPSource) orderBatch(ctx context.Context, st *sapStream, pg scanPage) (northstar.Batch, time.Time, error) {
	b := northstar.Batch{Stream: st.stream, Total: pg.total}
	if st.stream == northstar.StreamOrderLines {
		b.Total = -1 // __count counts orders, not lines
	}
	var bills map[string]*billInfo
	if st.billing {
		ids := make([]string, 0, len(pg.rows))
		for _, r := range pg.rows {
			if id := text(r["SalesOrder"]); id != "" {
				ids = append(ids, id)
			}
		}
		var err error
		if bills, err = s.billingFor(ctx, ids); err != nil {
			return b, time.Time{}, err
		}
	}
	var maxMod time.Time
	for i, r := range pg.rows {
		id := text(r["SalesOrder"])
		origin := "A_SalesOrder(" + stringLiteral(id) + ")"
		if id == "" {
			b.Rejects = append(b.Rejects, reject("", "A_SalesOrder", "missing key SalesOrder", pg.raws[i]))
			continue
		}
		ms, _ := r[st.cursor].(string)
		if r[st.cursor] == nil {
			// Never changed (some systems leave the change stamp null):
			// fall back to the creation date; keyset paging skips it.
			ms, _ = r["CreationDate"].(string)
		}
		mod, err := ParseDate(ms)
		if err != nil {
			b.Rejects = append(b.Rejects, reject(id, origin, st.cursor+": "+err.Error(), pg.raws[i]))
			continue
		}
		if mod.After(maxMod) {
			maxMod = mod
		}
		if st.stream == northstar.StreamOrderLines {
			s.lineRecords(st, &b, r, mod)
			continue
		}
		get := s.orderGetter(r, mod, bills[id])
		fields, reason := mapFields(st.mapping, get, convV2Date)
		if reason != "" {
			b.Rejects = append(b.Rejects, reject(id, origin, reason, pg.raws[i]))
			continue
		}
		b.Records = append(b.Records, northstar.Record{SourceID: id, ModifiedAt: mod, Fields: fields, Payload: pg.raws[i], Origin: origin})
	}
	return b, maxMod, nil
}

func (s *SAPSource) orderGetter(r row, mod time.Time, bill *billInfo) func(string) (string, bool) {
	return func(f string) (string, bool) {
		switch f {
		case "_FulfilledAt":
			if text(r["OverallDeliveryStatus"]) != "C" {
				return "", true
			}
			return text(r["ActualDeliveryDate"]), true
		case "_CanceledAt":
			if text(r["OverallSDDocumentRejectionSts"]) != "C" {
				return "", true
			}
			return rfc3339(mod), true
		case "_InvoicedAt":
			if bill == nil {
				return "", true
			}
			return rfc3339(bill.invoiced), true
		case "_PaidAt":
			if bill == nil || bill.open {
				return "", true
			}
			return rfc3339(bill.paid), true
		case "_Status":
			switch {
			case text(r["OverallSDDocumentRejectionSts"]) == "C":
				return "canceled", true
			case bill != nil && !bill.open && !bill.paid.IsZero():
				return "paid", true
			case bill != nil && !bill.invoiced.IsZero():
				return "invoiced", true
			case text(r["OverallDeliveryStatus"]) == "C":
				return "fulfilled", true
			}
			return "open", true
		case "_Quantity":
			items, ok := r["to_Item"].(map[string]any)
			if !ok {
				return "", false
			}
			sum := decimal.Zero
			for _, it := range many(items) {
				m, _ := it.(map[string]any)
				d, err := decimal.NewFromString(text(m["RequestedQuantity"]))
				if err != nil {
					return text(m["RequestedQuantity"]), true // rejected by mapFields
				}
				sum = sum.Add(d)
			}
			return sum.String(), true
		}
		v, ok := row(r).lookup(f)
		return text(v), ok
	}
}

// lineRecords appends the to_Item entities of one sales order as order lines.
func (s *SAPSource) lineRecords(st *sapStream, b *northstar.Batch, hdr row, mod time.Time) {
	orderID := text(hdr["SalesOrder"])
	for _, it := range many(hdr["to_Item"]) {
		m, _ := it.(map[string]any)
		item := row(m)
		payload, _ := json.Marshal(m)
		itemID := text(item["SalesOrderItem"])
		id := orderID + "/" + itemID
		origin := "A_SalesOrderItem(SalesOrder=" + stringLiteral(orderID) + ",SalesOrderItem=" + stringLiteral(itemID) + ")"
		if m == nil || itemID == "" {
			b.Rejects = append(b.Rejects, reject(id, origin, "missing key SalesOrderItem", payload))
			continue
		}
		get := func(f string) (string, bool) {
			switch f {
			case "_LineID":
				return id, true
			case "_OrderModifiedAt":
				return rfc3339(mod), true
			}
			if v, ok := item.lookup(f); ok {
				return text(v), true
			}
			v, ok := hdr.lookup(f)
			return text(v), ok
		}
		fields, reason := mapFields(st.mapping, get, convV2Date)
		if reason != "" {
			b.Rejects = append(b.Rejects, reject(id, origin, reason, payload))
			continue
		}
		b.Records = append(b.Records, northstar.Record{SourceID: id, ModifiedAt: mod, Fields: fields, Payload: payload, Origin: origin})
	}
}

// extractItems reads A_SalesOrderItem in full (it has no change timestamp).
func (s *SAPSource) extractItems(ctx context.Context, st *sapStream, emit func(context.Context, northstar.Batch) error) error {
	keys := []keyCol{{"SalesOrder", keyString}, {"SalesOrderItem", keyString}}
	sc := v2Scan{service: s.svc(svcSalesOrder), set: st.set, keys: keys, params: url.Values{}, pageSize: s.cfg.pageSize}
	return s.c.scanV2(ctx, sc, func(pg scanPage) error {
		b := northstar.Batch{Stream: st.stream, Total: pg.total}
		for i, r := range pg.rows {
			hdr := row{"SalesOrder": r["SalesOrder"], "to_Item": map[string]any{"results": []any{map[string]any(r)}}}
			before := len(b.Rejects)
			s.lineRecords(st, &b, hdr, time.Time{})
			if len(b.Rejects) > before {
				b.Rejects[len(b.Rejects)-1].Payload = pg.raws[i]
			}
		}
		if err := emit(ctx, b); err != nil {
			return emitErr{err}
		}
		return nil
	})
}

// billingFor looks up the billing documents of the given sales orders
// through A_BillingDocumentItem (SalesDocument) with to_BillingDocument.
func (s *SAPSource) billingFor(ctx context.Context, ids []string) (map[string]*billInfo, error) {
	out := map[string]*billInfo{}
	for chunk := range slices.Chunk(ids, keyChunk) {
		ors := make([]string, len(chunk))
		for i, id := range chunk {
			ors[i] = "SalesDocument eq " + stringLiteral(id)
		}
		q := url.Values{
			"$format": {"json"},
			"$filter": {strings.Join(ors, " or ")},
			"$expand": {"to_BillingDocument"},
			"$select": {"BillingDocument,SalesDocument,to_BillingDocument/BillingDocumentDate,to_BillingDocument/InvoiceClearingStatus,to_BillingDocument/BillingDocumentIsCancelled,to_BillingDocument/LastChangeDateTime"},
		}
		u := s.svc(svcBilling) + "/A_BillingDocumentItem?" + encodeQuery(q)
		seen := map[string]bool{}
		for u != "" {
			p, err := s.c.getCollection(ctx, u, false)
			if err != nil {
				return nil, fmt.Errorf("billing documents: %w", err)
			}
			for _, r := range p.rows {
				order, doc := text(r["SalesDocument"]), text(r["BillingDocument"])
				h, _ := r["to_BillingDocument"].(map[string]any)
				if order == "" || h == nil || seen[order+"\x00"+doc] {
					continue
				}
				seen[order+"\x00"+doc] = true
				if h["BillingDocumentIsCancelled"] == true {
					continue
				}
				billed, err1 := ParseDate(text(h["BillingDocumentDate"]))
				changed, err2 := ParseDate(text(h["LastChangeDateTime"]))
				if err1 != nil || err2 != nil {
					s.log.Warn("skipping billing document with a malformed date", "billing_document", doc, "sales_order", order)
					continue
				}
				bi := out[order]
				if bi == nil {
					bi = &billInfo{}
					out[order] = bi
				}
				if bi.invoiced.IsZero() || billed.Before(bi.invoiced) {
					bi.invoiced = billed
				}
				if text(h["InvoiceClearingStatus"]) == "C" {
					if changed.After(bi.paid) {
						bi.paid = changed
					}
				} else {
					bi.open = true
				}
			}
			u = p.next
		}
	}
	return out, nil
}

// billingPass re-emits the orders whose billing documents changed since
// the billing watermark, so invoiced_at/paid_at follow invoices and
// payments that do not touch the sales order itself.
func (s *SAPSource) billingPass(ctx context.Context, st *sapStream, state *sapState, from time.Time, emit func(context.Context, northstar.Batch) error) error {
	filter := ""
	if lo := s.lower(from); !lo.IsZero() {
		filter = "LastChangeDateTime ge " + datetimeoffsetLiteral(lo)
	}
	keys := []keyCol{{"LastChangeDateTime", keyDateTimeOffset}, {"BillingDocument", keyString}}
	params := url.Values{"$expand": {"to_Item"}, "$select": {"BillingDocument,LastChangeDateTime,to_Item/SalesDocument"}}
	sc := v2Scan{service: s.svc(svcBilling), set: "A_BillingDocument", filter: filter, keys: keys, params: params, pageSize: s.cfg.pageSize}
	return s.c.scanV2(ctx, sc, func(pg scanPage) error {
		var ids []string
		seen := map[string]bool{}
		maxB := state.Billing
		for _, r := range pg.rows {
			if t, err := ParseDate(text(r["LastChangeDateTime"])); err == nil && t.After(maxB) {
				maxB = t
			}
			for _, it := range many(r["to_Item"]) {
				m, _ := it.(map[string]any)
				if id := text(m["SalesDocument"]); id != "" && !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
		slices.Sort(ids)
		b := northstar.Batch{Stream: st.stream, Total: -1}
		for chunk := range slices.Chunk(ids, keyChunk) {
			ors := make([]string, len(chunk))
			for i, id := range chunk {
				ors[i] = "SalesOrder eq " + stringLiteral(id)
			}
			q := s.orderParams(st)
			q.Set("$format", "json")
			q.Set("$filter", strings.Join(ors, " or "))
			u := s.svc(svcSalesOrder) + "/A_SalesOrder?" + encodeQuery(q)
			for u != "" {
				p, err := s.c.getCollection(ctx, u, false)
				if err != nil {
					return fmt.Errorf("orders of changed billing documents: %w", err)
				}
				part, _, err := s.orderBatch(ctx, st, scanPage{raws: p.raws, rows: p.rows, total: -1})
				if err != nil {
					return err
				}
				b.Records = append(b.Records, part.Records...)
				b.Rejects = append(b.Rejects, part.Rejects...)
				u = p.next
			}
		}
		state.Billing = maxB
		b.Cursor = state.cursor("")
		if err := emit(ctx, b); err != nil {
			return emitErr{err}
		}
		return nil
	})
}

// ListKeys lists the keys of every record of a stream currently present
// upstream ($select of keys only), for key-set reconciliation: the engine
// tombstones rows missing from the list ("inferred" deletes).
func (s *SAPSource) ListKeys(ctx context.Context, stream northstar.Stream, emit func(context.Context, []string) error) error {
	st, err := s.stream(stream)
	if err != nil {
		return err
	}
	sc := v2Scan{pageSize: 5000, params: url.Values{}}
	var key func(r row) []string
	switch {
	case st.stream == northstar.StreamCustomers:
		sc.service, sc.set, sc.keys = s.svc(svcBusinessPartner), st.set, []keyCol{{"BusinessPartner", keyString}}
		sc.params.Set("$select", "BusinessPartner")
		key = func(r row) []string { return []string{text(r["BusinessPartner"])} }
	case st.set == "A_SalesOrderItem":
		sc.service, sc.set, sc.keys = s.svc(svcSalesOrder), st.set, []keyCol{{"SalesOrder", keyString}, {"SalesOrderItem", keyString}}
		sc.params.Set("$select", "SalesOrder,SalesOrderItem")
		key = func(r row) []string { return []string{text(r["SalesOrder"]) + "/" + text(r["SalesOrderItem"])} }
	case st.stream == northstar.StreamOrderLines:
		sc.service, sc.set, sc.keys = s.svc(svcSalesOrder), "A_SalesOrder", []keyCol{{"SalesOrder", keyString}}
		sc.params.Set("$select", "SalesOrder,to_Item/SalesOrderItem")
		sc.params.Set("$expand", "to_Item")
		sc.pageSize = 1000
		key = func(r row) []string {
			var out []string
			for _, it := range many(r["to_Item"]) {
				m, _ := it.(map[string]any)
				out = append(out, text(r["SalesOrder"])+"/"+text(m["SalesOrderItem"]))
			}
			return out
		}
	default:
		sc.service, sc.set, sc.keys = s.svc(svcSalesOrder), "A_SalesOrder", []keyCol{{"SalesOrder", keyString}}
		sc.params.Set("$select", "SalesOrder")
		key = func(r row) []string { return []string{text(r["SalesOrder"])} }
	}
	err = s.c.scanV2(ctx, sc, func(pg scanPage) error {
		keys := make([]string, 0, len(pg.rows))
		for _, r := range pg.rows {
			for _, k := range key(r) {
				if k != "" && !strings.HasSuffix(k, "/") {
					keys = append(keys, k)
				}
			}
		}
		if err := emit(ctx, keys); err != nil {
			return emitErr{err}
		}
		return nil
	})
	var ee emitErr
	if errorsAs(err, &ee) {
		return ee.err
	}
	if err != nil {
		return fmt.Errorf("sap_odata: list keys of %s: %w", stream, err)
	}
	return nil
}
