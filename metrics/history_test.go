package metrics

import "testing"

// TestAsOfContractHistory: an MRR changed in place upstream is a movement
// at the time it took effect (core.contract_history), not a restatement of
// every past month, and an as-of date before the change does not see it.
func TestAsOfContractHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b := f.customer(cust{}), f.customer(cust{})
	f.contract(contract{Customer: a, Start: ts("2025-01-01"), MRR: "100"})
	f.contract(contract{Customer: b, Start: ts("2025-01-01"), MRR: "100"})
	// The first sync saw 100; a later one sees 150, modified in the source on 15 March.
	f.exec(`UPDATE core.contracts SET mrr = 150, mrr_reporting = 150, modified_at = '2025-03-15' WHERE customer_id = $1`, a)
	// A re-sync that changes something else leaves the history alone.
	f.exec(`UPDATE core.contracts SET status = 'active' WHERE customer_id = $1`, a)

	var pieces string
	err := f.db.QueryRow(`SELECT string_agg(h.mrr || '@' || h.valid_from::text || '..' || coalesce(h.valid_to::text, 'open'), ' ' ORDER BY h.valid_from)
		FROM core.contract_history h JOIN core.contracts c USING (source, source_id) WHERE c.customer_id = $1`, a).Scan(&pieces)
	if err != nil {
		t.Fatal(err)
	}
	if want := "100@-infinity..2025-03-15 00:00:00+00 150@2025-03-15 00:00:00+00..open"; pieces != want {
		t.Errorf("contract history = %q, want %q", pieces, want)
	}

	f.refresh("2025-04-30")
	f.checkAll([]check{
		{metric: "ndr", period: "2025-02-01", segment: "convention:movement", value: "100", num: "200", den: "200", n: 2},
		{metric: "ndr", period: "2025-03-01", segment: "convention:movement", value: "125", num: "250", den: "200", n: 2},
		{metric: "grr", period: "2025-03-01", segment: "convention:movement", value: "100", num: "200", den: "200", n: 2},
		{metric: "ndr", period: "2025-04-01", segment: "convention:movement", value: "100", num: "250", den: "250", n: 2},
	})
	if got := detail(t, f.get("ndr", "2025-03-01", "month", "convention:movement"), "expansion"); got != 50 {
		t.Errorf("March expansion = %v, want 50", got)
	}

	// As of 28 February the change had not happened: February is flat at 200.
	f.refresh("2025-02-28")
	f.checkAll([]check{
		{metric: "ndr", period: "2025-02-01", segment: "convention:movement", value: "100", num: "200", den: "200", n: 2},
	})
}

// TestAsOfCustomerSegment: segments are the values in force at the as-of
// date (core.customer_history), not today's.
func TestAsOfCustomerSegment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	moved := f.customer(cust{Segment: "smb"})    // mid until 1 March, smb since
	late := f.customer(cust{Segment: "ent"})     // history starts after the as-of date
	cleared := f.customer(cust{})                // had segment x in January only
	plain := f.customer(cust{Segment: "public"}) // no history at all: current value
	f.exec(`INSERT INTO core.customer_history (customer_id, attribute, value, valid_from, valid_to) VALUES
		($1, 'segment', 'mid', '2025-01-01', '2025-03-01'), ($1, 'segment', 'smb', '2025-03-01', NULL),
		($2, 'segment', 'ent', '2025-06-01', NULL),
		($3, 'segment', 'x', '2025-01-01', '2025-02-01'),
		($1, 'owner', 'ann', '2025-01-01', NULL)`, moved, late, cleared)
	for _, c := range []int64{moved, late, cleared, plain} {
		f.order(order{Customer: c, Ordered: ts("2025-02-10"), Amount: "10"})
	}

	segments := func() map[string]bool {
		t.Helper()
		rows, err := f.db.Query(`SELECT segment FROM metrics."values" WHERE metric_id = 'aov' AND grain = 'month' AND period_start = '2025-02-01'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]bool{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			got[s] = true
		}
		return got
	}
	f.refresh("2025-02-28")
	got := segments()
	for s, want := range map[string]bool{"all": true, "segment:mid": true, "segment:ent": true, "segment:public": true,
		"segment:smb": false, "segment:x": false} {
		if got[s] != want {
			t.Errorf("as of 2025-02-28: slice %s present = %v, want %v (slices %v)", s, got[s], want, got)
		}
	}
	f.refresh("2025-04-30")
	got = segments()
	for s, want := range map[string]bool{"segment:smb": true, "segment:mid": false} {
		if got[s] != want {
			t.Errorf("as of 2025-04-30: slice %s present = %v, want %v (slices %v)", s, got[s], want, got)
		}
	}
}
