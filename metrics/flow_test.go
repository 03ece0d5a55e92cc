package metrics

import (
	"testing"
	"time"
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
	if detail(t, fe, "out_of_order") != 1 || detail(t, fe, "missing_fulfilled_excluded") != 1 {
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
