package odata

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

const bcCompany = "6f2c1a4e-1b2c-4d5e-8f90-0123456789ab"

type bcFixture struct {
	emu *BCEmulator
	srv *httptest.Server
}

func newBCFixture(t testing.TB, seed SeedOptions) *bcFixture {
	t.Helper()
	e := NewBCEmulator(bcCompany)
	e.ClientID, e.ClientSecret = "northstar-app", "bc-secret"
	if seed.Partners > 0 || seed.Orders > 0 {
		SeedBC(e, seed)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return &bcFixture{emu: e, srv: srv}
}

func (f *bcFixture) opts(extra string) string {
	if !strings.Contains(extra, "max_retry_after") {
		extra += "max_retry_after: 50ms\n"
	}
	return fmt.Sprintf("base_url: %s%s\ncompany_id: %s\ntoken_url: %s%s\nclient_id: northstar-app\nclient_secret: bc-secret\n%s",
		f.srv.URL, BCAPIPath, bcCompany, f.srv.URL, BCTokenPath, extra)
}

func (f *bcFixture) source(t testing.TB, extra, streams string, env connectors.Env) *BCSource {
	t.Helper()
	if streams == "" {
		streams = "customers: {}\norders: { entity_set: salesOrders }\norder_lines: { entity_set: salesOrderLines }"
	}
	s, err := NewBC(connector(t, "odata4", f.opts(extra), streams), env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBCFullRead(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 60, Orders: 400, Seed: 1})
	before := f.emu.Requests()
	src := f.source(t, "page_size: 50\n", "", connectors.Env{})
	cust, orders, lines := newSink(), newSink(), newSink()
	syncStream(t, src, northstar.StreamCustomers, northstar.Cursor{}, cust)
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, orders)
	syncStream(t, src, northstar.StreamOrderLines, northstar.Cursor{}, lines)
	if len(cust.recs) != 60 || cust.total != 60 {
		t.Fatalf("customers %d total %d", len(cust.recs), cust.total)
	}
	if orders.reads != 400 || orders.batches != 8 || orders.total != 400 {
		t.Fatalf("orders: %d reads in %d pages (total %d), want 400 in 8 pages of 50", orders.reads, orders.batches, orders.total)
	}
	if got := f.emu.Requests() - before; got != 2+8+8 {
		t.Errorf("requests = %d, want 18 (nextLink pages)", got)
	}
	nLines := 0
	for _, so := range f.emu.SalesOrders() {
		r := orders.recs[so.ID]
		if r.Fields["amount"] != string(so.TotalAmountExcludingTax) || r.Fields["customer"] != so.CustomerID ||
			r.Fields["ordered_at"] != so.OrderDate.Time().Format("2006-01-02") || !r.ModifiedAt.Equal(so.LastModifiedDateTime.Time()) {
			t.Fatalf("order %s: %v", so.Number, r.Fields)
		}
		if so.FullyShipped != (r.Fields["fulfilled_at"] != "") {
			t.Fatalf("order %s fulfilled_at %q, shipped %v", so.Number, r.Fields["fulfilled_at"], so.FullyShipped)
		}
		for _, l := range so.Lines {
			nLines++
			lr := lines.recs[l.ID]
			if lr.Fields["amount"] != string(l.NetAmount) || lr.Fields["order"] != so.ID || lr.Fields["currency"] != so.CurrencyCode {
				t.Fatalf("line %s: %v", l.ID, lr.Fields)
			}
		}
	}
	if len(lines.recs) != nLines {
		t.Fatalf("lines %d want %d", len(lines.recs), nLines)
	}
	c := cust.recs[f.emu.Customers()[0].ID]
	if c.Fields["name"] == "" || c.Fields["status"] != "active" || !strings.Contains(c.Fields["email"], "@") {
		t.Fatalf("customer fields %v", c.Fields)
	}
}

func TestBCInvoicesAsOrders(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 20, Orders: 300, Seed: 2})
	src := f.source(t, "", "orders: { entity_set: salesInvoices }\norder_lines: { entity_set: salesInvoiceLines }", connectors.Env{})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	paid, canceled := 0, 0
	for _, inv := range f.emu.SalesInvoices() {
		r := s.recs[inv.ID]
		if r.Fields["invoiced_at"] != inv.InvoiceDate.Time().Format("2006-01-02") || r.Fields["order_type"] != "invoice" {
			t.Fatalf("invoice %s: %v", inv.Number, r.Fields)
		}
		switch inv.Status {
		case "Paid":
			paid++
			if r.Fields["paid_at"] != rfc3339(inv.LastModifiedDateTime.Time()) {
				t.Fatalf("paid invoice %s paid_at %q", inv.Number, r.Fields["paid_at"])
			}
		case "Canceled":
			canceled++
			if r.Fields["canceled_at"] == "" || r.Fields["paid_at"] != "" {
				t.Fatalf("canceled invoice %s: %v", inv.Number, r.Fields)
			}
		default:
			if r.Fields["paid_at"] != "" {
				t.Fatalf("open invoice %s has paid_at", inv.Number)
			}
		}
	}
	if len(s.recs) != len(f.emu.SalesInvoices()) || paid == 0 || canceled == 0 {
		t.Fatalf("invoices %d, paid %d, canceled %d", len(s.recs), paid, canceled)
	}
	lines := newSink()
	syncStream(t, src, northstar.StreamOrderLines, northstar.Cursor{}, lines)
	if len(lines.recs) == 0 {
		t.Fatal("no invoice lines")
	}
}

func TestBCIncrementalWithOverlap(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 10, Orders: 200, Seed: 3})
	src := f.source(t, "overlap: 10m\npage_size: 30\n", "", connectors.Env{})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	wm := s.cursor.ModifiedAt
	all := f.emu.SalesOrders()
	upd, late, old := all[3], all[4], all[5]
	upd.TotalAmountExcludingTax, upd.LastModifiedDateTime = "1.11", Stamp(wm.Add(time.Hour))
	late.TotalAmountExcludingTax, late.LastModifiedDateTime = "2.22", Stamp(wm.Add(-5*time.Minute))
	old.TotalAmountExcludingTax, old.LastModifiedDateTime = "3.33", Stamp(wm.Add(-time.Hour))
	for _, o := range []BCSalesOrder{upd, late, old} {
		f.emu.PutSalesOrder(o)
	}
	inc := newSink()
	syncStream(t, src, northstar.StreamOrders, s.cursor, inc)
	if _, ok := inc.recs[upd.ID]; !ok {
		t.Error("missed update")
	}
	if _, ok := inc.recs[late.ID]; !ok {
		t.Error("missed late commit within the overlap")
	}
	if _, ok := inc.recs[old.ID]; ok {
		t.Error("read a row older than the overlap: filter not applied")
	}
	if !inc.cursor.ModifiedAt.Equal(wm.Add(time.Hour)) || inc.cursor.ID != upd.ID {
		t.Errorf("cursor %+v", inc.cursor)
	}
}

func TestBCRateLimitWindow(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 10, Orders: 120, Seed: 4})
	f.emu.RateLimit, f.emu.RateWindow = 3, 400*time.Millisecond
	o := &obs{}
	src := f.source(t, "page_size: 10\nmax_retry_after: 1s\nmax_retries: 10\n", "", connectors.Env{Observer: o})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	if s.reads != 120 {
		t.Fatalf("reads %d", s.reads)
	}
	if o.s429.Load() == 0 || o.retries.Load() == 0 {
		t.Fatalf("rate limit not hit: 429=%d retries=%d", o.s429.Load(), o.retries.Load())
	}
	// Retries exhausted: the run is partial, with BC's message.
	f.emu.RateLimit, f.emu.RateWindow = 1, time.Hour
	src2 := f.source(t, "max_retries: 1\n", "", connectors.Env{})
	err := src2.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{}, newSink().emit)
	if !errors.Is(err, northstar.ErrPartial) || !strings.Contains(err.Error(), "Application_TooManyRequests") {
		t.Fatalf("err = %v", err)
	}
}

func TestBCChaos(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 10, Orders: 300, Seed: 5})
	f.emu.SetChaos(Chaos{RateLimitEvery: 4, UnavailableEvery: 5, TruncateEvery: 3, RetryAfter: 60})
	orders := f.emu.SalesOrders()
	var k atomic.Int64
	f.emu.SetOnPage(func(set string, _ int) {
		n := int(k.Add(1))
		if n > 8 {
			return
		}
		o := orders[(n*41)%len(orders)]
		o.TotalAmountExcludingTax = Decimal(fmt.Sprintf("%d.5", n))
		o.LastModifiedDateTime = Stamp(t0.Add(time.Duration(n) * time.Minute))
		f.emu.PutSalesOrder(o)
		f.emu.Delete("salesOrders", orders[(n*67+1)%len(orders)].ID)
	})
	src := f.source(t, "page_size: 25\nmax_retries: 10\n", "", connectors.Env{})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	f.emu.SetOnPage(nil)
	syncStream(t, src, northstar.StreamOrders, s.cursor, s)
	present := map[string]bool{}
	if err := src.ListKeys(context.Background(), northstar.StreamOrders, func(_ context.Context, ks []string) error {
		for _, k := range ks {
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
	live := map[string]string{}
	for _, o := range f.emu.SalesOrders() {
		live[o.ID] = string(o.TotalAmountExcludingTax)
	}
	if d := diffMaps(live, sinkAmounts(s)); d != "" {
		t.Fatalf("after chaos: %s", d)
	}
}

func TestBCMalformedAndAuth(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 5, Orders: 30, Seed: 6})
	orders := f.emu.SalesOrders()
	a, b := orders[1], orders[2]
	a.Override = Overrides{"totalAmountExcludingTax": `"abc"`}
	b.Override = Overrides{"orderDate": `"2024-13-45"`}
	f.emu.PutSalesOrder(a)
	f.emu.PutSalesOrder(b)
	src := f.source(t, "", "", connectors.Env{})
	s := newSink()
	syncStream(t, src, northstar.StreamOrders, northstar.Cursor{}, s)
	if r := s.rejects[a.ID]; !strings.Contains(r.Reason, `non-numeric amount "abc"`) {
		t.Errorf("reject a = %+v", r)
	}
	if r := s.rejects[b.ID]; !strings.Contains(r.Reason, `field ordered_at (orderDate): malformed date "2024-13-45"`) {
		t.Errorf("reject b = %+v", r)
	}
	if len(s.recs) != 28 {
		t.Errorf("records %d, want 28", len(s.recs))
	}
	// Wrong secret: the token endpoint's error is surfaced.
	bad, err := NewBC(connector(t, "odata4", strings.Replace(f.opts(""), "bc-secret", "nope", 1), "orders: {}"), connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("bad secret: %v", err)
	}
	if err := src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Wrong company: BC's error body is surfaced.
	other, _ := NewBC(connector(t, "odata4", strings.Replace(f.opts(""), bcCompany, "00000000-0000-0000-0000-000000000000", 1), "orders: {}"), connectors.Env{})
	if err := other.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "http 404: BadRequest_NotFound: The company does not exist.") {
		t.Fatalf("wrong company: %v", err)
	}
}

func TestBCListKeys(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 15, Orders: 50, Seed: 7})
	victim := f.emu.SalesOrders()[0]
	f.emu.Delete("salesOrders", victim.ID)
	src := f.source(t, "page_size: 7\n", "", connectors.Env{})
	count := func(st northstar.Stream) map[string]bool {
		out := map[string]bool{}
		if err := src.ListKeys(context.Background(), st, func(_ context.Context, ks []string) error {
			for _, k := range ks {
				out[k] = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if n := len(count(northstar.StreamCustomers)); n != 15 {
		t.Errorf("customer keys %d", n)
	}
	ok := count(northstar.StreamOrders)
	if len(ok) != 49 || ok[victim.ID] {
		t.Errorf("order keys %d, victim present %v", len(ok), ok[victim.ID])
	}
	lk := count(northstar.StreamOrderLines)
	want := 0
	for _, o := range f.emu.SalesOrders() {
		want += len(o.Lines)
	}
	if len(lk) != want || lk[victim.Lines[0].ID] {
		t.Errorf("line keys %d want %d", len(lk), want)
	}
}

func TestValidateBC(t *testing.T) {
	const ok = "base_url: https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0\ncompany_id: " + bcCompany
	tests := []struct {
		name, opts, streams string
		want                []string
	}{
		{"ok", ok + "\ntenant: t\nclient_id: a\nclient_secret: b\ntoken_url: https://login.example.com/t/token\npage_size: 20000", "customers: {}\norders: { entity_set: salesInvoices }\norder_lines: { entity_set: salesInvoiceLines }", nil},
		{"missing", "page_size: 10", "", []string{"base_url is required", "company_id is required"}},
		{"bad company", "base_url: https://x\ncompany_id: CRONUS", "", []string{"invalid company_id \"CRONUS\" (want a GUID)"}},
		{"bad set", ok, "orders: { entity_set: purchaseOrders }", []string{"connectors[erp].streams.orders.entity_set: unknown entity set purchaseOrders (want salesOrders or salesInvoices)"}},
		{"bad stream", ok, "support_cases: {}", []string{"stream support_cases is not supported by odata4"}},
		{"fx rates unsupported", ok, "fx_rates: {}", []string{"stream fx_rates is not supported by odata4"}},
		{"page size", ok + "\npage_size: 20001", "", []string{"page_size 20001 out of range (want 1..20000)"}},
		{"oauth half", ok + "\nclient_id: a", "", []string{"client_secret is required", "token_url is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connector(t, "odata4", tt.opts, tt.streams)
			checkErrs(t, ValidateBC(c), tt.want)
			if _, err := NewBC(c, connectors.Env{}); (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("NewBC err = %v", err)
			}
		})
	}
}
