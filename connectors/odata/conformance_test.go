package odata

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/connectors/conformance"
	"github.com/northstar-dev/northstar/generate"
)

// sapUpstream drives the SAP emulator, loaded with the ERP view of a small
// generated company, for the shared conformance suite.
type sapUpstream struct {
	e     *SAPEmulator
	url   string
	round int
}

func (u *sapUpstream) Source(t testing.TB, env connectors.Env) northstar.Source {
	t.Helper()
	s, err := NewSAP(connector(t, "sap_odata", "base_url: "+u.url+"\npage_size: 150\nmax_retry_after: 10ms", allSAPStreams), env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Mutate renames, inserts and deletes partners; changes the amounts of
// orders and their first item; deletes an order (with its items) and an
// item; inserts an order. Change timestamps move past everything before.
func (u *sapUpstream) Mutate(t testing.TB) {
	t.Helper()
	u.round++
	at := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(u.round) * time.Hour)
	bps := u.e.BusinessPartners()
	slices.SortFunc(bps, func(a, b BusinessPartner) int { return compareStr(a.BusinessPartner, b.BusinessPartner) })
	for _, bp := range bps[:3] {
		bp.BusinessPartnerFullName = fmt.Sprintf("Changed %d", u.round)
		bp.LastChangeDate, bp.LastChangeTime = Date(at), ClockTime(at)
		u.e.PutBusinessPartner(bp)
	}
	u.e.DeleteBusinessPartner(bps[3].BusinessPartner)
	nb := bps[4]
	nb.BusinessPartner = strconv.Itoa(1800000 + u.round)
	nb.CreationDate, nb.CreationTime, nb.LastChangeDate, nb.LastChangeTime = Date(at), ClockTime(at), 0, 0
	u.e.PutBusinessPartner(nb)

	orders := u.e.SalesOrders()
	slices.SortFunc(orders, func(a, b SalesOrder) int { return compareStr(a.SalesOrder, b.SalesOrder) })
	for i, so := range orders[:3] {
		so.TotalNetAmount = Decimal(fmt.Sprintf("%d.25", 100+u.round+i))
		so.Items[0].NetAmount = Decimal(fmt.Sprintf("%d.75", 10+u.round+i))
		so.LastChangeDateTime = Stamp(at)
		u.e.PutSalesOrder(so)
	}
	u.e.DeleteSalesOrder(orders[3].SalesOrder)
	for _, so := range orders[4:] {
		if len(so.Items) > 1 {
			so.Items = so.Items[:len(so.Items)-1]
			so.LastChangeDateTime = Stamp(at)
			u.e.PutSalesOrder(so)
			break
		}
	}
	no := orders[5]
	no.SalesOrder = strconv.Itoa(4900000000 + u.round)
	no.LastChangeDateTime = Stamp(at)
	u.e.PutSalesOrder(no)
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (u *sapUpstream) Snapshot(t testing.TB) map[northstar.Stream]map[string]string {
	out := map[northstar.Stream]map[string]string{
		northstar.StreamCustomers: {}, northstar.StreamOrders: {}, northstar.StreamOrderLines: {},
	}
	for _, bp := range u.e.BusinessPartners() {
		out[northstar.StreamCustomers][bp.BusinessPartner] = ""
	}
	for _, so := range u.e.SalesOrders() {
		out[northstar.StreamOrders][so.SalesOrder] = string(so.TotalNetAmount)
		for _, it := range so.Items {
			out[northstar.StreamOrderLines][so.SalesOrder+"/"+it.SalesOrderItem] = string(it.NetAmount)
		}
	}
	return out
}

// DeletesOnFullSync: SAP has no tombstones; deletes appear on full syncs
// through ListKeys.
func (u *sapUpstream) DeletesOnFullSync() bool { return true }

func TestConformanceSAP(t *testing.T) {
	e := NewSAPEmulator()
	opts := generate.DefaultOptions()
	opts.Customers, opts.Seed, opts.OrdersPerCustomer = 40, 7, 4
	if _, err := LoadCompany(context.Background(), e, opts); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	conformance.Run(t, &sapUpstream{e: e, url: srv.URL + SAPServicePath})
}

// bcUpstream drives the Business Central emulator for the conformance suite.
type bcUpstream struct {
	f     *bcFixture
	round int
}

func (u *bcUpstream) Source(t testing.TB, env connectors.Env) northstar.Source {
	t.Helper()
	s, err := NewBC(connector(t, "odata4", u.f.opts("page_size: 20\n"), "customers: {}\norders: { entity_set: salesOrders }\norder_lines: { entity_set: salesOrderLines }"), env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (u *bcUpstream) Mutate(t testing.TB) {
	u.round++
	at := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(u.round) * time.Hour)
	cs := u.f.emu.Customers()
	slices.SortFunc(cs, func(a, b BCCustomer) int { return compareStr(a.ID, b.ID) })
	for _, c := range cs[:3] {
		c.DisplayName, c.LastModifiedDateTime = fmt.Sprintf("Changed %d", u.round), Stamp(at)
		u.f.emu.PutCustomer(c)
	}
	u.f.emu.Delete("customers", cs[3].ID)
	nc := cs[4]
	nc.ID, nc.Number, nc.LastModifiedDateTime = fmt.Sprintf("00000000-0000-0000-0000-%012d", u.round), "N"+strconv.Itoa(u.round), Stamp(at)
	u.f.emu.PutCustomer(nc)
	orders := u.f.emu.SalesOrders()
	slices.SortFunc(orders, func(a, b BCSalesOrder) int { return compareStr(a.ID, b.ID) })
	for i, o := range orders[:3] {
		o.TotalAmountExcludingTax = Decimal(fmt.Sprintf("%d.25", 100+u.round+i))
		o.Lines[0].NetAmount = Decimal(fmt.Sprintf("%d.75", 10+u.round+i))
		o.LastModifiedDateTime = Stamp(at)
		u.f.emu.PutSalesOrder(o)
	}
	u.f.emu.Delete("salesOrders", orders[3].ID)
	no := orders[4]
	no.ID, no.Number, no.LastModifiedDateTime = fmt.Sprintf("00000000-0000-0000-0001-%012d", u.round), "N"+strconv.Itoa(u.round), Stamp(at)
	no.Lines = append([]BCSalesLine(nil), no.Lines...)
	for i := range no.Lines {
		no.Lines[i].ID = fmt.Sprintf("00000000-0000-0000-0002-%06d%06d", u.round, i)
	}
	u.f.emu.PutSalesOrder(no)
}

func (u *bcUpstream) Snapshot(t testing.TB) map[northstar.Stream]map[string]string {
	out := map[northstar.Stream]map[string]string{
		northstar.StreamCustomers: {}, northstar.StreamOrders: {}, northstar.StreamOrderLines: {},
	}
	for _, c := range u.f.emu.Customers() {
		out[northstar.StreamCustomers][c.ID] = ""
	}
	for _, o := range u.f.emu.SalesOrders() {
		out[northstar.StreamOrders][o.ID] = string(o.TotalAmountExcludingTax)
		for _, l := range o.Lines {
			out[northstar.StreamOrderLines][l.ID] = string(l.NetAmount)
		}
	}
	return out
}

func (u *bcUpstream) DeletesOnFullSync() bool { return true }

func TestConformanceBC(t *testing.T) {
	conformance.Run(t, &bcUpstream{f: newBCFixture(t, SeedOptions{Partners: 30, Orders: 120, Seed: 9})})
}
