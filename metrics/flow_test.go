package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar/config"
)

func TestFlowMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer(cust{Segment: "smb"})
	var zero time.Time
	for _, o := range []struct {
		ordered, fulfilled, paid, canceled, typ string
	}{
		{"2025-01-01", "2025-01-02", "2025-01-05", "", "new"},
		{"2025-01-01", "2025-01-03", "2025-01-11", "", "new"},
		{"2025-01-02", "", "2025-01-04", "", "return"},        // no fulfilment: no efficiency
		{"2025-01-05", "2025-01-10", "2025-01-07", "", "new"}, // paid before fulfilled: out of order
		{"2025-01-03", "", "", "2025-01-06", "new"},           // canceled: leaves load, never done
		{"2025-01-20", "", "2025-02-03", "", "new"},           // done in February
		{"2025-01-25", "", "2025-03-02", "", "new"},           // paid after as_of: still in progress
		{"2025-01-04", "", "", "", "new"},                     // deleted
	} {
		p := func(s string) time.Time {
			if s == "" {
				return zero
			}
			return ts(s)
		}
		f.order(order{Customer: c, Ordered: p(o.ordered), Fulfilled: p(o.fulfilled), Paid: p(o.paid),
			Canceled: p(o.canceled), Type: o.typ, Amount: "10", Deleted: o.ordered == "2025-01-04"})
	}
	f.supportCase(c, ts("2025-01-01"), ts("2025-01-03"))
	f.supportCase(c, ts("2025-01-02"), ts("2025-01-12"))
	f.supportCase(c, ts("2025-01-10"), zero)
	f.supportCase(0, ts("2025-01-20"), ts("2025-03-05")) // closed after as_of: open

	f.refresh("2025-02-28")
	f.checkAll([]check{
		{metric: "flow_velocity", period: "2025-01-01", value: "4", n: 4},
		{metric: "flow_velocity", period: "2025-02-01", value: "1", n: 1},
		{metric: "flow_velocity", period: "2025-01-01", grain: "quarter", value: "5", n: 5},
		{metric: "flow_velocity", period: "2025-01-01", segment: "segment:smb", value: "4", n: 4},
		{metric: "flow_time_days", period: "2025-01-01", value: "3", num: "18", den: "4", n: 4},
		{metric: "flow_time_days", period: "2025-02-01", value: "14", n: 1},
		{metric: "flow_efficiency", period: "2025-01-01", value: "31.25", num: "5", den: "16", n: 3},
		{metric: "flow_efficiency", period: "2025-02-01", value: "NULL", n: 0},
		{metric: "flow_distribution", period: "2025-01-01", segment: "type:new", value: "75", num: "3", den: "4", n: 3},
		{metric: "flow_distribution", period: "2025-01-01", segment: "type:return", value: "25", num: "1", den: "4", n: 1},
		{metric: "flow_load", period: "2025-01-01", value: "1.29", num: "40", den: "31", n: 31},
		{metric: "flow_load", period: "2025-02-01", value: "1.07", num: "30", den: "28", n: 28},
		{metric: "case_resolution_days", period: "2025-01-01", value: "6", num: "12", den: "2", n: 2},
		{metric: "case_resolution_days", period: "2025-02-01", value: "NULL", n: 0},
	})
	ft := f.get("flow_time_days", "2025-01-01", "month", "all")
	if p85 := detail(t, ft, "p85"); p85 < 7.2999 || p85 > 7.3001 || detail(t, ft, "mean") != 4.5 {
		t.Errorf("flow time details = %v, want p85 7.3, mean 4.5", ft.Details)
	}
	fe := f.get("flow_efficiency", "2025-01-01", "month", "all")
	if detail(t, fe, "out_of_order") != 1 || detail(t, fe, "missing_stage_excluded") != 1 {
		t.Errorf("flow efficiency details = %v, want 1 out of order, 1 without fulfilment", fe.Details)
	}
	if got := detail(t, f.get("case_resolution_days", "2025-01-01", "month", "all"), "open_at_period_end"); got != 2 {
		t.Errorf("open cases at the end of January = %v, want 2", got)
	}
}

// TestTimeZoneBuckets: months and the as-of cutoff follow the reporting zone.
func TestTimeZoneBuckets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer(cust{})
	f.order(order{Customer: c, Ordered: ts("2025-01-31T23:30"), Amount: "10"}) // 1 Feb 00:30 in Berlin
	f.order(order{Customer: c, Ordered: ts("2025-02-10"), Amount: "20"})
	f.order(order{Customer: c, Ordered: ts("2025-02-28T23:30"), Amount: "40"}) // 1 Mar in Berlin: after as_of
	f.refresh("2025-02-28", func(o *Options) { o.TZ = "Europe/Berlin" })
	f.checkAll([]check{{metric: "aov", period: "2025-02-01", value: "15", num: "30", den: "2", n: 2}})
	if _, ok := f.lookup("aov", "2025-01-01", "month", "all"); ok {
		t.Error("an order of 1 February (Berlin) was bucketed into January")
	}
	f.refresh("2025-02-28")
	f.checkAll([]check{
		{metric: "aov", period: "2025-01-01", value: "10", n: 1},
		{metric: "aov", period: "2025-02-01", value: "30", num: "60", den: "2", n: 2},
	})
}

// TestFlowMapping: a configured stage→state mapping changes entry, done
// and active time (a prepaid business: the order is New until paid, work
// runs from payment to delivery, delivery is Done).
func TestFlowMapping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.customer(cust{})
	var zero time.Time
	p := func(s string) time.Time {
		if s == "" {
			return zero
		}
		return ts(s)
	}
	for _, o := range []struct{ ordered, paid, fulfilled string }{
		{"2025-01-01", "2025-01-03", "2025-01-07"}, // flow 4, active 4
		{"2025-01-02", "2025-01-02", "2025-01-12"}, // flow 10, active 10
		{"2025-01-05", "", "2025-01-06"},           // never paid: entry missing, done anyway
		{"2025-01-10", "2025-01-20", ""},           // in progress from 20 January
		{"2025-01-04", "2025-01-08", "2025-01-05"}, // delivered before paid: out of order
		{"2025-01-15", "", ""},                     // still New: never in load
	} {
		f.order(order{Customer: c, Ordered: p(o.ordered), Paid: p(o.paid), Fulfilled: p(o.fulfilled), Type: "new", Amount: "10"})
	}
	prepaid := []FlowStage{{At: "ordered_at", State: FlowNew}, {At: "paid_at", State: FlowActive}, {At: "fulfilled_at", State: FlowDone}}
	f.refresh("2025-01-31", func(o *Options) { o.Flow = prepaid })
	f.checkAll([]check{
		{metric: "flow_velocity", period: "2025-01-01", value: "4", n: 4},
		{metric: "flow_time_days", period: "2025-01-01", value: "4", num: "14", den: "3", n: 3},
		{metric: "flow_efficiency", period: "2025-01-01", value: "100", num: "14", den: "14", n: 3},
		{metric: "flow_load", period: "2025-01-01", value: "0.87", num: "26", den: "30", n: 30},
	})
	ft := f.get("flow_time_days", "2025-01-01", "month", "all")
	if detail(t, ft, "entry_missing") != 1 || detail(t, ft, "done_before_entered") != 1 {
		t.Errorf("flow time details = %v, want 1 without entry, 1 done before entered", ft.Details)
	}
	fe := f.get("flow_efficiency", "2025-01-01", "month", "all")
	if detail(t, fe, "out_of_order") != 1 || detail(t, fe, "missing_stage_excluded") != 1 {
		t.Errorf("flow efficiency details = %v, want 1 out of order, 1 excluded", fe.Details)
	}
	if got, want := f.get("flow_velocity", "2025-01-01", "month", "all").Details["mapping"], "ordered_at→new, paid_at→active, fulfilled_at→done"; got != want {
		t.Errorf("velocity mapping = %v, want %q", got, want)
	}

	_, err := Refresh(context.Background(), f.db, Options{AsOf: ts("2025-01-31"),
		Flow: []FlowStage{{At: "paid_at", State: FlowDone}, {At: "ordered_at", State: FlowActive}}})
	if err == nil || !strings.Contains(err.Error(), "done must be the last stage") {
		t.Errorf("refresh with done first: err = %v, want the mapping rejected", err)
	}
}

func TestFlowItemsSQLDefault(t *testing.T) {
	t.Parallel()
	q := flowItemsSQL(config.DefaultFlow())
	for _, want := range []string{
		"coalesce(o.ordered_at, o.fulfilled_at, o.invoiced_at) AS entered_at",
		"o.paid_at AS done_at",
		// efficiency is undefined when the switch from active to waiting is unknown
		"CASE WHEN o.ordered_at IS NULL OR o.fulfilled_at IS NULL THEN NULL",
		"coalesce(o.fulfilled_at, o.invoiced_at, o.paid_at) - o.ordered_at",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("default flow SQL lacks %q:\n%s", want, q)
		}
	}
}
