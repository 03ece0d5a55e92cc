package odata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestSAPFullRead(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 300, Orders: 700, Seed: 1})
	src := f.source(t, "page_size: 100\n", connectors.Env{})
	if got := src.Streams(); fmt.Sprint(got) != "[customers orders order_lines]" {
		t.Fatalf("Streams() = %v", got)
	}
	cust := newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, cust)
	if len(cust.recs) != 300 || cust.reads != 300 || len(cust.rejects) != 0 {
		t.Fatalf("customers: %d records (%d reads), %d rejects", len(cust.recs), cust.reads, len(cust.rejects))
	}
	bp, _ := f.emu.BusinessPartner("1000007")
	r := cust.recs["1000007"]
	want := map[string]string{
		"source_id": "1000007", "name": bp.BusinessPartnerFullName, "external_id": "1000007",
		"country": bp.Addresses[0].Country, "tax_id": bp.TaxNumbers[0].BPTaxNumber, "status": "active",
		"created_at": rfc3339(bp.CreationDate.Time().Add(time.Duration(bp.CreationTime) * time.Second)),
	}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("customer field %s = %q, want %q", k, r.Fields[k], v)
		}
	}
	if !strings.Contains(string(r.Payload), `"__metadata"`) || r.Origin != "A_BusinessPartner('1000007')" {
		t.Errorf("payload/origin: %s %s", r.Payload, r.Origin)
	}

	orders := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, orders)
	if len(orders.recs) != 700 || orders.total != 700 {
		t.Fatalf("orders: %d records, total %d", len(orders.recs), orders.total)
	}
	lines := newSink()
	syncStream(t, src, northstar.StreamOrderLines, northstar.Cursor{}, lines)
	nLines, fulfilled, invoiced, paid, canceled := 0, 0, 0, 0, 0
	for _, so := range f.emu.SalesOrders() {
		nLines += len(so.Items)
		rec := orders.recs[so.SalesOrder]
		if rec.Fields["amount"] != string(so.TotalNetAmount) || rec.Fields["currency"] != so.TransactionCurrency || rec.Fields["customer"] != so.SoldToParty {
			t.Fatalf("order %s fields %v", so.SalesOrder, rec.Fields)
		}
		if rec.Fields["ordered_at"] != rfc3339(so.SalesOrderDate.Time()) || !rec.ModifiedAt.Equal(so.LastChangeDateTime.Time()) {
			t.Fatalf("order %s dates %v", so.SalesOrder, rec.Fields)
		}
		if so.OverallDeliveryStatus == "C" {
			fulfilled++
			if rec.Fields["fulfilled_at"] != rfc3339(so.ActualDeliveryDate.Time()) {
				t.Fatalf("order %s fulfilled_at %q", so.SalesOrder, rec.Fields["fulfilled_at"])
			}
		} else if rec.Fields["fulfilled_at"] != "" {
			t.Fatalf("undelivered order %s has fulfilled_at", so.SalesOrder)
		}
		if so.OverallSDDocumentRejectionSts == "C" {
			canceled++
			if rec.Fields["canceled_at"] == "" || rec.Fields["status"] != "canceled" {
				t.Fatalf("rejected order %s: %v", so.SalesOrder, rec.Fields)
			}
		}
		bd, billed := f.emu.BillingDocument(strconv.Itoa(90000000 + mustAtoi(so.SalesOrder) - 4000000))
		switch {
		case billed && rec.Fields["invoiced_at"] != rfc3339(bd.BillingDocumentDate.Time()):
			t.Fatalf("order %s invoiced_at %q, want %v", so.SalesOrder, rec.Fields["invoiced_at"], bd.BillingDocumentDate.Time())
		case !billed && rec.Fields["invoiced_at"] != "":
			t.Fatalf("unbilled order %s has invoiced_at", so.SalesOrder)
		case billed && bd.InvoiceClearingStatus == "C" && rec.Fields["paid_at"] != rfc3339(bd.LastChangeDateTime.Time()):
			t.Fatalf("order %s paid_at %q", so.SalesOrder, rec.Fields["paid_at"])
		case billed && bd.InvoiceClearingStatus != "C" && rec.Fields["paid_at"] != "":
			t.Fatalf("open invoice order %s has paid_at", so.SalesOrder)
		}
		if billed {
			invoiced++
			if bd.InvoiceClearingStatus == "C" {
				paid++
			}
		}
		var q int
		for _, it := range so.Items {
			n, _ := strconv.Atoi(string(it.RequestedQuantity))
			q += n
			lr, ok := lines.recs[so.SalesOrder+"/"+it.SalesOrderItem]
			if !ok || lr.Fields["amount"] != string(it.NetAmount) || lr.Fields["order"] != so.SalesOrder || lr.Fields["product_id"] != it.Material {
				t.Fatalf("line %s/%s: %v", so.SalesOrder, it.SalesOrderItem, lr.Fields)
			}
		}
		if rec.Fields["quantity"] != strconv.Itoa(q) {
			t.Fatalf("order %s quantity %q want %d", so.SalesOrder, rec.Fields["quantity"], q)
		}
	}
	if len(lines.recs) != nLines {
		t.Fatalf("lines: %d, want %d", len(lines.recs), nLines)
	}
	if fulfilled == 0 || invoiced == 0 || paid == 0 || canceled == 0 {
		t.Fatalf("seed lacks variety: fulfilled %d invoiced %d paid %d canceled %d", fulfilled, invoiced, paid, canceled)
	}
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// liveAmounts is the emulator's live order set: id → amount.
func liveAmounts(e *SAPEmulator) map[string]string {
	out := map[string]string{}
	for _, so := range e.SalesOrders() {
		out[so.SalesOrder] = string(so.TotalNetAmount)
	}
	return out
}

func sinkAmounts(s *sink) map[string]string {
	out := map[string]string{}
	for id, r := range s.recs {
		out[id] = r.Fields["amount"]
	}
	return out
}

func diffMaps(a, b map[string]string) string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, fmt.Sprintf("%s: %q vs %q", k, v, w))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s: missing vs %q", k, v))
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("… %d more", len(out)-10))
	}
	return strings.Join(out, "; ")
}

func TestSAPIncrementalWithOverlap(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 50, Orders: 500, Seed: 2})
	src := f.source(t, "page_size: 50\noverlap: 10m\n", connectors.Env{})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	wm := s.cursor.ModifiedAt
	if wm.IsZero() || len(s.cursor.State) == 0 {
		t.Fatalf("no cursor after full read: %+v", s.cursor)
	}

	// Updates after the watermark, an insert, and a row that commits late:
	// its timestamp is behind the watermark but within the overlap.
	so, _ := f.emu.SalesOrder("4000010")
	so.TotalNetAmount = "1.23"
	so.LastChangeDateTime = Stamp(wm.Add(time.Hour))
	f.emu.PutSalesOrder(so)
	late, _ := f.emu.SalesOrder("4000020")
	late.TotalNetAmount = "4.56"
	late.LastChangeDateTime = Stamp(wm.Add(-5 * time.Minute))
	f.emu.PutSalesOrder(late)
	tooLate, _ := f.emu.SalesOrder("4000030")
	tooLate.TotalNetAmount = "7.89"
	tooLate.LastChangeDateTime = Stamp(wm.Add(-time.Hour))
	f.emu.PutSalesOrder(tooLate)
	f.emu.PutSalesOrder(SalesOrder{SalesOrder: "4999999", SoldToParty: "1000001", TotalNetAmount: "10.00", TransactionCurrency: "EUR", SalesOrderDate: Date(wm), LastChangeDateTime: Stamp(wm.Add(2 * time.Hour))})

	inc := newSink()
	syncStream(t, src, northstar.StreamOrders, s.cursor, inc)
	for _, id := range []string{"4000010", "4000020", "4999999"} {
		if _, ok := inc.recs[id]; !ok {
			t.Errorf("incremental run missed %s", id)
		}
	}
	if _, ok := inc.recs["4000030"]; ok {
		t.Errorf("row older than the overlap was re-read: the filter is not incremental")
	}
	if inc.reads > 20 {
		t.Errorf("incremental run read %d orders; want only the changed ones and the overlap", inc.reads)
	}
	if !inc.cursor.ModifiedAt.Equal(wm.Add(2 * time.Hour)) {
		t.Errorf("cursor = %v, want %v", inc.cursor.ModifiedAt, wm.Add(2*time.Hour))
	}
	// Re-running from the new cursor reads only the overlap again.
	again := newSink()
	syncStream(t, src, northstar.StreamOrders, inc.cursor, again)
	// … plus the orders of billing documents in the billing overlap.
	var latest time.Time
	for i := 0; i < 500; i++ {
		if bd, ok := f.emu.BillingDocument(strconv.Itoa(90000000 + i)); ok && bd.LastChangeDateTime.Time().After(latest) {
			latest = bd.LastChangeDateTime.Time()
		}
	}
	inOverlap := 0
	for i := 0; i < 500; i++ {
		if bd, ok := f.emu.BillingDocument(strconv.Itoa(90000000 + i)); ok && !bd.LastChangeDateTime.Time().Before(latest.Add(-10*time.Minute)) {
			inOverlap++
		}
	}
	if again.reads != 1+inOverlap {
		t.Errorf("re-run read %d records, want %d (the boundary row + %d billed in the overlap)", again.reads, 1+inOverlap, inOverlap)
	}
	// A cursor without State (set by hand) still works.
	plain := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{ModifiedAt: wm.Add(90 * time.Minute)}, plain)
	if plain.reads != 1 {
		t.Errorf("plain cursor read %d records, want 1", plain.reads)
	}
}

func TestSAPCompoundPartnerCursor(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{})
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	// 300 partners changed on one day, many sharing one second; some the day
	// before and after; some never changed (null LastChangeDate).
	type bpWant struct {
		id  string
		at  time.Time
		chg bool
	}
	var all []bpWant
	n := 0
	add := func(created, changed time.Time) {
		id := strconv.Itoa(1000000 + n)
		n++
		bp := BusinessPartner{BusinessPartner: id, BusinessPartnerFullName: "P" + id, CreationDate: Date(created), CreationTime: ClockTime(created)}
		if !changed.IsZero() {
			bp.LastChangeDate, bp.LastChangeTime = Date(changed), ClockTime(changed)
			all = append(all, bpWant{id, changed, true})
		} else {
			all = append(all, bpWant{id, created, false})
		}
		f.emu.PutBusinessPartner(bp)
	}
	created := day.AddDate(-1, 0, 0)
	for i := 0; i < 300; i++ {
		add(created, day.Add(time.Duration(i%40)*17*time.Minute)) // 40 distinct times, ~7 partners each
	}
	for i := 0; i < 20; i++ {
		add(created, day.Add(-time.Duration(i+1)*time.Hour))
		add(created, day.Add(24*time.Hour+time.Duration(i)*time.Minute))
	}
	for i := 0; i < 30; i++ {
		add(day.Add(time.Duration(i)*20*time.Minute), time.Time{}) // never changed, created on the day
	}
	src := f.source(t, "page_size: 7\noverlap: 10m\n", connectors.Env{})

	full := newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, full)
	if full.reads != len(all) || len(full.recs) != len(all) {
		t.Fatalf("full read: %d reads, %d unique, want %d (keyset paging lost or doubled rows)", full.reads, len(full.recs), len(all))
	}
	for _, w := range all {
		if !full.recs[w.id].ModifiedAt.Equal(w.at) {
			t.Fatalf("partner %s ModifiedAt %v want %v", w.id, full.recs[w.id].ModifiedAt, w.at)
		}
	}

	// Incremental from mid-day: changed >= 12:00-10m, created >= 05:00-10m.
	wmChanged := day.Add(12 * time.Hour)
	wmCreated := day.Add(5 * time.Hour)
	state := fmt.Sprintf(`{"created":%q,"changed":%q}`, wmCreated.Format(time.RFC3339), wmChanged.Format(time.RFC3339))
	inc := newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{ModifiedAt: wmChanged, State: []byte(state)}, inc)
	want := 0
	for _, w := range all {
		lo := wmCreated.Add(-10 * time.Minute)
		if w.chg {
			lo = wmChanged.Add(-10 * time.Minute)
		}
		_, got := inc.recs[w.id]
		if !w.at.Before(lo) {
			want++
			if !got {
				t.Errorf("incremental missed partner %s at %v (changed %v)", w.id, w.at, w.chg)
			}
		} else if got {
			t.Errorf("incremental re-read partner %s at %v before the watermark", w.id, w.at)
		}
	}
	if inc.reads != want {
		t.Errorf("incremental read %d, want %d", inc.reads, want)
	}
	var st sapState
	if err := jsonUnmarshal(inc.cursor.State, &st); err != nil {
		t.Fatal(err)
	}
	if !st.Changed.Equal(day.Add(24*time.Hour + 19*time.Minute)) {
		t.Errorf("changed watermark %v", st.Changed)
	}
	if !st.Created.Equal(day.Add(29 * 20 * time.Minute)) {
		t.Errorf("created watermark %v", st.Created)
	}
}

func TestSAPServerPaging(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 10, Orders: 257, Seed: 3})
	f.emu.DefaultPageSize, f.emu.MaxPageSize = 20, 30
	src := f.source(t, "page_size: 100\n", connectors.Env{})
	before := f.emu.Requests()
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	if d := diffMaps(liveAmounts(f.emu), sinkAmounts(s)); d != "" {
		t.Fatalf("server-paged read differs: %s", d)
	}
	if s.reads != 257 {
		t.Fatalf("read %d, want 257", s.reads)
	}
	// 3 windows of 100 (4 pages each: 30+30+30+10) minus the short tail, plus billing lookups.
	if s.batches != 10 {
		t.Errorf("batches = %d, want 10 (server pages of 30 within windows of 100)", s.batches)
	}
	if f.emu.Requests()-before < 10 {
		t.Errorf("requests = %d", f.emu.Requests()-before)
	}
}

// countingTransport counts requests and their status codes.
type countingTransport struct {
	base    http.RoundTripper
	n       atomic.Int64
	retries atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

type obs struct{ calls, retries, s429, s503 atomic.Int64 }

func (o *obs) UpstreamCall(_ string, status int, retry bool) {
	o.calls.Add(1)
	if retry {
		o.retries.Add(1)
	}
	switch status {
	case 429:
		o.s429.Add(1)
	case 503:
		o.s503.Add(1)
	}
}
func (o *obs) QuotaRemaining(string, float64) {}

func TestSAPChaos(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 100, Orders: 600, Seed: 4})
	f.emu.SetChaos(Chaos{RateLimitEvery: 3, UnavailableEvery: 7, TruncateEvery: 5, RetryAfter: 30})
	// Between pages, change rows the reader has passed or not yet reached,
	// insert rows, and delete rows.
	var mutate atomic.Int64
	f.emu.SetOnPage(func(set string, page int) {
		if set != "A_SalesOrder" {
			return
		}
		k := int(mutate.Add(1))
		if k > 30 {
			return
		}
		so, ok := f.emu.SalesOrder(strconv.Itoa(4000000 + (k*37)%600))
		if ok {
			so.TotalNetAmount = Decimal(fmt.Sprintf("%d.%02d", k, k))
			so.LastChangeDateTime = Stamp(t0.Add(time.Duration(k) * time.Minute))
			f.emu.PutSalesOrder(so)
		}
		f.emu.PutSalesOrder(SalesOrder{SalesOrder: strconv.Itoa(4900000 + k), SoldToParty: "1000001", TotalNetAmount: "1.00", TransactionCurrency: "EUR", LastChangeDateTime: Stamp(t0.Add(time.Duration(k)*time.Minute - 3*time.Minute))})
		f.emu.DeleteSalesOrder(strconv.Itoa(4000000 + (k*53)%600))
	})
	o := &obs{}
	src := f.source(t, "page_size: 40\nmax_retries: 10\n", connectors.Env{Observer: o})
	start := time.Now()
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	// Second run catches what changed during the first.
	f.emu.SetOnPage(nil)
	syncStream(t, src, northstar.StreamOrders, s.cursor, s)
	// Key-set reconciliation removes rows deleted upstream.
	present := map[string]bool{}
	if err := src.ListKeys(context.Background(), northstar.StreamOrders, func(_ context.Context, keys []string) error {
		for _, k := range keys {
			present[k] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for id := range s.recs {
		if !present[id] {
			delete(s.recs, id)
		}
	}
	if d := diffMaps(liveAmounts(f.emu), sinkAmounts(s)); d != "" {
		t.Fatalf("after chaos, warehouse differs from upstream: %s", d)
	}
	if o.s429.Load() == 0 || o.s503.Load() == 0 || o.retries.Load() == 0 {
		t.Errorf("chaos not exercised: 429=%d 503=%d retries=%d", o.s429.Load(), o.s503.Load(), o.retries.Load())
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("Retry-After of 30s not capped by max_retry_after: took %v", el)
	}
}

func TestSAPMalformedRecordsQuarantined(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 20, Orders: 60, Seed: 5})
	so, _ := f.emu.SalesOrder("4000003")
	so.Override = Overrides{"SalesOrderDate": `"/Date(12x45)/"`}
	f.emu.PutSalesOrder(so)
	so, _ = f.emu.SalesOrder("4000004")
	so.Override = Overrides{"TotalNetAmount": `"12,50 EUR"`}
	f.emu.PutSalesOrder(so)
	so, _ = f.emu.SalesOrder("4000005")
	so.Items[0].Override = Overrides{"NetAmount": `"n/a"`}
	f.emu.PutSalesOrder(so)
	so, _ = f.emu.SalesOrder("4000006")
	so.LastChangeDateTime = 0 // null: never changed
	f.emu.PutSalesOrder(so)
	bp, _ := f.emu.BusinessPartner("1000002")
	bp.Override = Overrides{"CreationTime": `"PT25X"`}
	f.emu.PutBusinessPartner(bp)

	src := f.source(t, "page_size: 25\n", connectors.Env{})
	tests := []struct {
		stream  northstar.Stream
		id      string
		reason  string
		records int
	}{
		{northstar.StreamOrders, "4000003", `field ordered_at (SalesOrderDate): malformed date "/Date(12x45)/"`, 59},
		{northstar.StreamOrders, "4000004", `field amount (TotalNetAmount): non-numeric amount "12,50 EUR"`, 59},
		{northstar.StreamOrderLines, "4000005/10", `field amount (NetAmount): non-numeric amount "n/a"`, -1},
		{northstar.StreamCustomers, "1000002", `creation date/time: malformed time "PT25X"`, 19},
	}
	for _, tt := range tests {
		s := newSink()
		syncStream(t, src, tt.stream, northstar.Cursor{}, s)
		rej, ok := s.rejects[tt.id]
		if !ok {
			t.Errorf("%s %s not rejected; rejects %v", tt.stream, tt.id, s.rejects)
			continue
		}
		if !strings.Contains(rej.Reason, tt.reason) || len(rej.Payload) == 0 || rej.Origin == "" {
			t.Errorf("%s reject = %+v, want reason %q", tt.id, rej, tt.reason)
		}
		if _, dup := s.recs[tt.id]; dup {
			t.Errorf("%s both rejected and emitted", tt.id)
		}
		if r, ok := s.recs["4000006"]; tt.stream == northstar.StreamOrders && (!ok || !r.ModifiedAt.Equal(so.CreationDate.Time())) {
			t.Errorf("order with a null LastChangeDateTime: %+v", r)
		}
		if tt.records >= 0 && len(s.recs) != tt.records-boolInt(tt.stream == northstar.StreamOrders) {
			// two orders are malformed
			t.Errorf("%s: %d records emitted beside the rejects", tt.stream, len(s.recs))
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSAPBillingFollowsInvoices(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{})
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		f.emu.PutSalesOrder(SalesOrder{SalesOrder: strconv.Itoa(100 + i), SoldToParty: "1", TotalNetAmount: "10.00", TransactionCurrency: "EUR", SalesOrderDate: Date(base), LastChangeDateTime: Stamp(base.Add(time.Duration(i) * time.Minute))})
	}
	now := base.Add(24 * time.Hour)
	src := f.source(t, "overlap: 1m\n", connectors.Env{Now: func() time.Time { return now }})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	if s.recs["102"].Fields["invoiced_at"] != "" {
		t.Fatal("unbilled order has invoiced_at")
	}
	// Invoice order 102 (the order itself is not touched), later clear it.
	billed := base.Add(48 * time.Hour)
	bd := BillingDocument{BillingDocument: "9001", BillingDocumentDate: Date(billed), LastChangeDateTime: Stamp(billed), InvoiceClearingStatus: "A",
		Items: []BillingDocumentItem{{BillingDocumentItem: "10", SalesDocument: "102"}, {BillingDocumentItem: "20", SalesDocument: "102"}}}
	f.emu.PutBillingDocument(bd)
	inc := newSink()
	syncStream(t, src, northstar.StreamOrders, s.cursor, inc)
	if got := inc.recs["102"].Fields; got["invoiced_at"] != rfc3339(Date(billed).Time()) || got["paid_at"] != "" || got["status"] != "invoiced" {
		t.Fatalf("after invoicing, order 102 = %v", got)
	}
	if inc.reads != 3 {
		t.Errorf("incremental run read %d orders, want 3 (2 in the overlap, 1 from the billing pass)", inc.reads)
	}
	cleared := billed.Add(10 * 24 * time.Hour)
	bd.InvoiceClearingStatus, bd.LastChangeDateTime = "C", Stamp(cleared)
	f.emu.PutBillingDocument(bd)
	inc2 := newSink()
	syncStream(t, src, northstar.StreamOrders, inc.cursor, inc2)
	if got := inc2.recs["102"].Fields; got["paid_at"] != rfc3339(cleared) || got["status"] != "paid" {
		t.Fatalf("after clearing, order 102 = %v", got)
	}
	// A cancelled invoice no longer counts.
	bd.BillingDocumentIsCancelled, bd.LastChangeDateTime = true, Stamp(cleared.Add(time.Hour))
	f.emu.PutBillingDocument(bd)
	inc3 := newSink()
	syncStream(t, src, northstar.StreamOrders, inc2.cursor, inc3)
	if got := inc3.recs["102"].Fields; got["invoiced_at"] != "" || got["paid_at"] != "" {
		t.Fatalf("after cancellation, order 102 = %v", got)
	}
}

func TestSAPAuthAndClient(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 5, Orders: 5})
	f.emu.Username, f.emu.Password, f.emu.SAPClient = "ALICE", "s3cret", "100"
	tests := []struct {
		name, extra, wantErr string
	}{
		{"basic", "username: ALICE\npassword: s3cret\nsap_client: \"100\"\n", ""},
		{"wrong password", "username: ALICE\npassword: nope\nsap_client: \"100\"\n", "Logon failed"},
		{"wrong client", "username: ALICE\npassword: s3cret\nsap_client: \"200\"\n", "Client 200 is not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := f.source(t, tt.extra, connectors.Env{})
			err := src.Extract(context.Background(), northstar.StreamCustomers, northstar.Cursor{}, newSink().emit)
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatal("secret in error text")
			}
			if cerr := src.Check(context.Background()); (cerr == nil) != (tt.wantErr == "") {
				t.Fatalf("Check = %v", cerr)
			}
		})
	}
}

func TestSAPOAuth(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 30, Orders: 5})
	f.emu.ClientID, f.emu.ClientSecret, f.emu.TokenTTL = "northstar", "p@ss", time.Hour
	var tokenCalls atomic.Int64
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == SAPTokenPath {
			tokenCalls.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	extra := fmt.Sprintf("client_id: northstar\nclient_secret: p@ss\ntoken_url: %s%s\npage_size: 5\n", f.srv.URL, SAPTokenPath)
	src := f.source(t, extra, connectors.Env{Transport: tr})
	s := newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, s)
	if len(s.recs) != 30 || tokenCalls.Load() != 1 {
		t.Fatalf("records %d, token calls %d (want 30, 1: token cached)", len(s.recs), tokenCalls.Load())
	}
	// Tokens the server forgot (expired early) are refreshed on 401.
	f.emu.tok.mu.Lock()
	f.emu.tok.issued = nil
	f.emu.tok.mu.Unlock()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, newSink())
	if tokenCalls.Load() != 2 {
		t.Fatalf("token calls %d after server-side expiry, want 2", tokenCalls.Load())
	}
	bad := f.source(t, strings.Replace(extra, "p@ss", "wrong", 1), connectors.Env{})
	err := bad.Extract(context.Background(), northstar.StreamCustomers, northstar.Cursor{}, newSink().emit)
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("bad secret: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSAPGatewayErrorSurfaced(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 5, Orders: 5})
	src, err := NewSAP(connector(t, "sap_odata", "base_url: "+f.url, "orders: { entity_set: A_SalesOrder, cursor: NoSuchField }"), connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{ModifiedAt: t0}, newSink().emit)
	if err == nil || !strings.Contains(err.Error(), "http 400: /IWBEP/CM_MGW_RT/022") || !strings.Contains(err.Error(), "property NoSuchField not found") {
		t.Fatalf("err = %v", err)
	}
	var ue *UpstreamError
	if !errors.As(err, &ue) || ue.Status != 400 {
		t.Fatalf("err does not unwrap to UpstreamError: %v", err)
	}
}

func TestSAPRateLimitIsPartial(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 5, Orders: 5})
	f.emu.SetChaos(Chaos{RateLimitEvery: 1, RetryAfter: 3600})
	src := f.source(t, "max_retries: 2\n", connectors.Env{})
	start := time.Now()
	err := src.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{}, newSink().emit)
	if !errors.Is(err, northstar.ErrPartial) || !strings.Contains(err.Error(), "Rate limit exceeded") {
		t.Fatalf("err = %v, want ErrPartial with the SAP message", err)
	}
	if f.emu.Requests() != 3 {
		t.Errorf("requests = %d, want 1 + 2 retries", f.emu.Requests())
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Retry-After 3600 was not capped")
	}
}

func TestSAPEmitErrorUnchanged(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 5, Orders: 5})
	src := f.source(t, "", connectors.Env{})
	stop := errors.New("stop")
	for _, st := range src.Streams() {
		err := src.Extract(context.Background(), st, northstar.Cursor{}, func(context.Context, northstar.Batch) error { return stop })
		if err != stop {
			t.Errorf("%s: err = %v, want emit's error unchanged", st, err)
		}
	}
	if err := src.Extract(context.Background(), northstar.StreamContacts, northstar.Cursor{}, newSink().emit); !errors.Is(err, northstar.ErrUnknownStream) {
		t.Errorf("unconfigured stream: %v", err)
	}
}

func TestSAPListKeys(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 40, Orders: 120, Seed: 6})
	f.emu.DeleteBusinessPartner("1000003")
	f.emu.DeleteSalesOrder("4000007")
	src := f.source(t, "page_size: 10\n", connectors.Env{})
	keys := func(st northstar.Stream) map[string]bool {
		out := map[string]bool{}
		err := src.ListKeys(context.Background(), st, func(_ context.Context, ks []string) error {
			for _, k := range ks {
				if out[k] {
					t.Errorf("%s: key %s listed twice", st, k)
				}
				out[k] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	bps := keys(northstar.StreamCustomers)
	if len(bps) != 39 || bps["1000003"] || !bps["1000004"] {
		t.Errorf("customer keys: %d, deleted present %v", len(bps), bps["1000003"])
	}
	orders := keys(northstar.StreamOrders)
	if len(orders) != 119 || orders["4000007"] {
		t.Errorf("order keys: %d", len(orders))
	}
	lines := keys(northstar.StreamOrderLines)
	want := 0
	for _, so := range f.emu.SalesOrders() {
		want += len(so.Items)
		for _, it := range so.Items {
			if !lines[so.SalesOrder+"/"+it.SalesOrderItem] {
				t.Fatalf("line key %s/%s missing", so.SalesOrder, it.SalesOrderItem)
			}
		}
	}
	if len(lines) != want {
		t.Errorf("line keys %d want %d", len(lines), want)
	}
	if src.ReconcileEvery() != 24*time.Hour {
		t.Errorf("default reconcile = %v", src.ReconcileEvery())
	}
}

func TestSAPSalesOrderItemSet(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 10, Orders: 80, Seed: 7})
	src, err := NewSAP(connector(t, "sap_odata", "base_url: "+f.url+"\npage_size: 17", "order_lines: { entity_set: A_SalesOrderItem }"), connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	s := newSink()
	syncStream(t, src, northstar.StreamOrderLines, northstar.Cursor{ModifiedAt: t0}, s)
	want := 0
	for _, so := range f.emu.SalesOrders() {
		for _, it := range so.Items {
			want++
			if r := s.recs[so.SalesOrder+"/"+it.SalesOrderItem]; r.Fields["amount"] != string(it.NetAmount) || r.Fields["order"] != so.SalesOrder {
				t.Fatalf("line %s/%s = %v", so.SalesOrder, it.SalesOrderItem, r.Fields)
			}
		}
	}
	if s.reads != want || !s.cursor.IsZero() {
		t.Fatalf("reads %d want %d; cursor %+v (a full-read set keeps no cursor)", s.reads, want, s.cursor)
	}
}

func TestSAPChaosCustomersAndLines(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 400, Orders: 300, Seed: 8})
	f.emu.SetChaos(Chaos{RateLimitEvery: 4, UnavailableEvery: 6, TruncateEvery: 5, RetryAfter: 10})
	var k atomic.Int64
	hook := func(set string, _ int) {
		n := int(k.Add(1))
		if n > 20 {
			return
		}
		// A partner renamed now; one never changed before gets changed;
		// one deleted; an order's item changes and one item is removed.
		at := t0.Add(time.Duration(n) * time.Minute)
		if bp, ok := f.emu.BusinessPartner(strconv.Itoa(1000000 + (n*31)%400)); ok {
			bp.BusinessPartnerFullName = fmt.Sprintf("Renamed %d", n)
			bp.LastChangeDate, bp.LastChangeTime = Date(at), ClockTime(at)
			f.emu.PutBusinessPartner(bp)
		}
		f.emu.DeleteBusinessPartner(strconv.Itoa(1000000 + (n*17+5)%400))
		if so, ok := f.emu.SalesOrder(strconv.Itoa(4000000 + (n*13)%300)); ok {
			so.Items[0].NetAmount = Decimal(fmt.Sprintf("%d.25", n))
			if len(so.Items) > 1 {
				so.Items = so.Items[:len(so.Items)-1]
			}
			so.LastChangeDateTime = Stamp(at)
			f.emu.PutSalesOrder(so)
		}
	}
	src := f.source(t, "page_size: 30\nmax_retries: 10\n", connectors.Env{})
	for _, st := range []northstar.Stream{northstar.StreamCustomers, northstar.StreamOrderLines} {
		k.Store(0)
		f.emu.SetOnPage(hook)
		s := newSink()
		syncStream(t, src, st, northstar.Cursor{}, s)
		f.emu.SetOnPage(nil)
		syncStream(t, src, st, s.cursor, s)
		present := map[string]bool{}
		if err := src.ListKeys(context.Background(), st, func(_ context.Context, ks []string) error {
			for _, k := range ks {
				present[k] = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got, want := map[string]string{}, map[string]string{}
		for id, r := range s.recs {
			if present[id] {
				got[id] = r.Fields["name"] + r.Fields["amount"]
			}
		}
		if st == northstar.StreamCustomers {
			for _, bp := range f.emu.BusinessPartners() {
				want[bp.BusinessPartner] = bp.BusinessPartnerFullName
			}
		} else {
			for _, so := range f.emu.SalesOrders() {
				for _, it := range so.Items {
					want[so.SalesOrder+"/"+it.SalesOrderItem] = string(it.NetAmount)
				}
			}
		}
		if d := diffMaps(want, got); d != "" {
			t.Fatalf("%s after chaos: %s", st, d)
		}
	}
}

func TestSAPPartnerTimeZone(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{})
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i, wall := range []time.Duration{9*time.Hour + 50*time.Minute, 10 * time.Hour, 23*time.Hour + 30*time.Minute} {
		f.emu.PutBusinessPartner(BusinessPartner{BusinessPartner: strconv.Itoa(i + 1), CreationDate: Date(day.AddDate(-1, 0, 0)),
			LastChangeDate: Date(day), LastChangeTime: TimeOfDay(wall / time.Second)})
	}
	src := f.source(t, "time_zone: Europe/Berlin\noverlap: 0s\n", connectors.Env{})
	full := newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, full)
	// 10:00 in Berlin (CEST, UTC+2) is 08:00Z.
	if got := full.recs["2"].ModifiedAt; !got.Equal(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("ModifiedAt = %v", got)
	}
	st := `{"changed":"2025-06-01T07:55:00Z","created":"2030-01-01T00:00:00Z"}`
	inc := newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{State: []byte(st)}, inc)
	if _, ok := inc.recs["1"]; ok || len(inc.recs) != 2 {
		t.Fatalf("incremental from 07:55Z (09:55 Berlin) read %v", keys(inc.recs))
	}
	if _, errs := parseSAP(connector(t, "sap_odata", "base_url: https://x\ntime_zone: Mars/Olympus", "")); len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown time zone "Mars/Olympus"`) {
		t.Fatalf("bad zone: %v", errs)
	}
}

func keys(m map[string]northstar.Record) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSAPSilentPageCap(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 10, Orders: 230, Seed: 13})
	f.emu.SetChaos(Chaos{SilentPageCap: 40})
	src := f.source(t, "page_size: 100\n", connectors.Env{})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	if d := diffMaps(liveAmounts(f.emu), sinkAmounts(s)); d != "" || s.reads != 230 {
		t.Fatalf("silently capped pages: read %d; %s", s.reads, d)
	}
}
