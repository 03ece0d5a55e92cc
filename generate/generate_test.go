package generate

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
)

var (
	companyOnce sync.Once
	company     *Company
	companyErr  error
)

// testCompany is one mid-sized company shared by the plausibility tests.
func testCompany(t *testing.T) *Company {
	t.Helper()
	companyOnce.Do(func() {
		o := DefaultOptions()
		o.Seed = 7
		o.Customers = 4000
		company, companyErr = Collect(context.Background(), o)
	})
	if companyErr != nil {
		t.Fatal(companyErr)
	}
	return company
}

func TestAmountText(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		want string
	}{
		{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {12345, "123.45"}, {-100, "-1.00"}, {1999999999, "19999999.99"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("Amount(%d) = %q, want %q", tc.a, got, tc.want)
		}
		if got := tc.a.Decimal().StringFixed(2); got != tc.want {
			t.Errorf("Amount(%d).Decimal() = %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no customers", func(o *Options) { o.Customers = 0 }, "customers must be at least 1"},
		{"end before start", func(o *Options) { o.Start, o.End = start, start.Add(-day) }, "at least a week after start"},
		{"negative orders", func(o *Options) { o.OrdersPerCustomer = -1 }, "orders per customer"},
		{"contract share", func(o *Options) { o.ContractShare = 1.5 }, "contract share"},
		{"rows per file", func(o *Options) { o.RowsPerFile = -1 }, "rows per file"},
		{"spend hetero", func(o *Options) { o.SpendHetero = 0.5 }, "model parameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.edit(&o)
			_, err := Generate(context.Background(), o, &Company{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, DefaultOptions(), &Company{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

type failSink struct {
	Company
	after int
}

func (f *failSink) Order(o *Order) error {
	if f.after--; f.after < 0 {
		return errors.New("disk full")
	}
	return nil
}

func TestSinkErrorStops(t *testing.T) {
	_, err := Generate(context.Background(), DefaultOptions(), &failSink{after: 10})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the sink's error", err)
	}
}

func TestCollectDeterministic(t *testing.T) {
	o := DefaultOptions()
	o.Customers = 300
	a, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Orders) != len(b.Orders) || len(a.SurveyResponses) != len(b.SurveyResponses) {
		t.Fatalf("counts differ: %d/%d orders", len(a.Orders), len(b.Orders))
	}
	for k := range a.Orders {
		x, y := a.Orders[k], b.Orders[k]
		if x.ID != y.ID || x.Amount != y.Amount || !x.OrderedAt.Equal(y.OrderedAt) || len(x.Lines) != len(y.Lines) {
			t.Fatalf("order %d differs: %+v vs %+v", k, x, y)
		}
	}
	o.Seed = 2
	c, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Customers[0].Name == a.Customers[0].Name && c.Customers[1].Name == a.Customers[1].Name &&
		len(c.Orders) == len(a.Orders) {
		t.Fatal("a different seed gave the same company")
	}
}

func TestTruthMatchesEntities(t *testing.T) {
	c := testCompany(t)
	lines := 0
	revenue := map[string]Amount{}
	for _, o := range c.Orders {
		lines += len(o.Lines)
		if o.Status != StatusCanceled {
			revenue[o.Currency] += o.Amount
		}
	}
	want := map[northstar.Stream]int{
		northstar.StreamCustomers: len(c.Customers), northstar.StreamContacts: len(c.Contacts),
		northstar.StreamOrders: len(c.Orders), northstar.StreamOrderLines: lines,
		northstar.StreamContracts: len(c.Contracts), northstar.StreamSurveyResponses: len(c.SurveyResponses),
		northstar.StreamSupportCases: len(c.SupportCases),
	}
	for s, n := range want {
		if c.Truth.Counts[s] != int64(n) {
			t.Errorf("truth %s = %d, entities %d", s, c.Truth.Counts[s], n)
		}
		if n == 0 {
			t.Errorf("stream %s is empty", s)
		}
	}
	for cur, a := range revenue {
		if c.Truth.Revenue[cur] != a {
			t.Errorf("revenue %s = %s, want %s", cur, c.Truth.Revenue[cur], a)
		}
	}
	if c.Truth.TotalRevenue() <= 0 {
		t.Error("no revenue")
	}
}

func TestCustomersAndReferrals(t *testing.T) {
	c := testCompany(t)
	o := DefaultOptions()
	byID := map[string]*Customer{}
	domains := map[string]bool{}
	taxIDs := map[string]bool{}
	channels := map[string]int{}
	for k, cu := range c.Customers {
		if k > 0 && !c.Customers[k-1].AcquiredAt.Before(cu.AcquiredAt) {
			t.Fatalf("%s acquired %s, not after %s", cu.ID, cu.AcquiredAt, c.Customers[k-1].AcquiredAt)
		}
		if cu.AcquiredAt.Before(o.Start) || !cu.AcquiredAt.Before(o.End) {
			t.Fatalf("%s acquired %s outside the period", cu.ID, cu.AcquiredAt)
		}
		if !cu.CreatedAt.Before(cu.AcquiredAt) && !cu.CreatedAt.Equal(cu.AcquiredAt) {
			t.Fatalf("%s created %s after first order %s", cu.ID, cu.CreatedAt, cu.AcquiredAt)
		}
		if domains[cu.Domain] {
			t.Fatalf("duplicate domain %s", cu.Domain)
		}
		domains[cu.Domain] = true
		if cu.TaxID != "" {
			if taxIDs[cu.TaxID] || !strings.HasPrefix(cu.TaxID, cu.Country[:1]) {
				t.Fatalf("bad or duplicate tax id %q (%s)", cu.TaxID, cu.Country)
			}
			taxIDs[cu.TaxID] = true
		}
		if cu.Name == "" || cu.Currency == "" || cu.Segment == "" || !strings.HasSuffix(cu.Email, "@"+cu.Domain) {
			t.Fatalf("incomplete customer %+v", cu)
		}
		channels[cu.AcquisitionChannel]++
		if cu.ReferrerID != "" {
			ref := byID[cu.ReferrerID]
			if ref == nil {
				t.Fatalf("%s referred by %s, which was not emitted before it", cu.ID, cu.ReferrerID)
			}
			if !ref.AcquiredAt.Before(cu.AcquiredAt) || cu.AcquisitionChannel != "referral" {
				t.Fatalf("%s referred by %s acquired %s, not earlier than %s", cu.ID, ref.ID, ref.AcquiredAt, cu.AcquiredAt)
			}
		} else if cu.AcquisitionChannel == "referral" {
			t.Fatalf("%s: referral without referrer", cu.ID)
		}
		byID[cu.ID] = cu
	}
	n := float64(len(c.Customers))
	if r := float64(channels["referral"]) / n; r < 0.08 || r > 0.25 {
		t.Errorf("referral share %.3f, want ~0.15", r)
	}
	if len(channels) != 5 {
		t.Errorf("channels %v, want 5", channels)
	}
}

func TestContacts(t *testing.T) {
	c := testCompany(t)
	domain := map[string]string{}
	for _, cu := range c.Customers {
		domain[cu.ID] = cu.Domain
	}
	per := map[string]int{}
	atCompany := 0
	for _, p := range c.Contacts {
		per[p.CustomerID]++
		if strings.HasSuffix(p.Email, "@"+domain[p.CustomerID]) {
			atCompany++
		}
		if strings.Count(p.Email, "@") != 1 || p.FirstName == "" || p.LastName == "" {
			t.Fatalf("bad contact %+v", p)
		}
	}
	for id, n := range per {
		if n < 1 || n > 5 {
			t.Fatalf("%s has %d contacts", id, n)
		}
	}
	if share := float64(atCompany) / float64(len(c.Contacts)); share < 0.8 || share > 0.95 {
		t.Errorf("share of contacts at the company domain %.3f, want ~0.88", share)
	}
}

func TestOrdersPlausible(t *testing.T) {
	c := testCompany(t)
	end := DefaultOptions().End
	first := map[string]*Order{}
	byID := map[string]*Order{}
	var ooo, canceled, repeats int
	for _, o := range c.Orders {
		byID[o.ID] = o
		if len(o.Lines) == 0 {
			t.Fatalf("%s has no lines", o.ID)
		}
		var sum Amount
		var qty int64
		for _, l := range o.Lines {
			sum += l.Amount
			qty += l.Quantity
			if l.OrderID != o.ID || l.Currency != o.Currency || l.Category == "" || l.ProductID == "" {
				t.Fatalf("bad line %+v of %s", l, o.ID)
			}
			if o.Type != OrderCreditNote && l.Amount != Amount(l.Quantity)*l.UnitPrice {
				t.Fatalf("line %s amount %s ≠ %d × %s", l.ID, l.Amount, l.Quantity, l.UnitPrice)
			}
		}
		if sum != o.Amount || qty != o.Quantity {
			t.Fatalf("%s amount %s quantity %d, lines sum to %s / %d", o.ID, o.Amount, o.Quantity, sum, qty)
		}
		for _, ts := range []time.Time{o.OrderedAt, o.FulfilledAt, o.InvoicedAt, o.PaidAt, o.CanceledAt, o.ModifiedAt} {
			if !ts.Before(end) {
				t.Fatalf("%s has a timestamp %s at or after the end", o.ID, ts)
			}
			if !ts.IsZero() && ts.Before(o.OrderedAt) {
				t.Fatalf("%s has a timestamp %s before it was ordered %s", o.ID, ts, o.OrderedAt)
			}
		}
		ordered := func(a, b time.Time) bool { return a.IsZero() || b.IsZero() || !b.Before(a) }
		if !ordered(o.InvoicedAt, o.PaidAt) {
			t.Fatalf("%s paid before invoiced", o.ID)
		}
		if o.OutOfOrder {
			ooo++
			if !o.InvoicedAt.Before(o.FulfilledAt) {
				t.Fatalf("%s flagged out of order but invoiced %s, fulfilled %s", o.ID, o.InvoicedAt, o.FulfilledAt)
			}
		} else if !ordered(o.FulfilledAt, o.InvoicedAt) {
			t.Fatalf("%s invoiced before fulfilled but not flagged", o.ID)
		}
		want := StatusOpen
		switch {
		case !o.CanceledAt.IsZero():
			want = StatusCanceled
			if !o.PaidAt.IsZero() {
				t.Fatalf("%s canceled and paid", o.ID)
			}
		case !o.PaidAt.IsZero():
			want = StatusPaid
		case !o.InvoicedAt.IsZero():
			want = StatusInvoiced
		case !o.FulfilledAt.IsZero():
			want = StatusFulfilled
		}
		if o.Status != want {
			t.Fatalf("%s status %s, timestamps say %s", o.ID, o.Status, want)
		}
		switch o.Type {
		case OrderNewBusiness:
			if first[o.CustomerID] != nil {
				t.Fatalf("%s: second new-business order %s", o.CustomerID, o.ID)
			}
			first[o.CustomerID] = o
			if o.Status == StatusCanceled || o.Amount <= 0 {
				t.Fatalf("first order %s canceled or not positive", o.ID)
			}
		case OrderRepeat:
			repeats++
			if o.Status == StatusCanceled {
				canceled++
			}
			f := first[o.CustomerID]
			if f == nil || o.OrderedAt.Before(f.OrderedAt) {
				t.Fatalf("repeat %s before the first order of %s", o.ID, o.CustomerID)
			}
		case OrderReturn, OrderCreditNote:
			orig := byID[o.RelatedOrderID]
			if orig == nil || orig.CustomerID != o.CustomerID || o.Amount >= 0 || !orig.OrderedAt.Before(o.OrderedAt) {
				t.Fatalf("bad %s %s of %q", o.Type, o.ID, o.RelatedOrderID)
			}
		default:
			t.Fatalf("%s: unknown type %q", o.ID, o.Type)
		}
	}
	for _, cu := range c.Customers {
		if f := first[cu.ID]; f == nil || !f.OrderedAt.Equal(cu.AcquiredAt) {
			t.Fatalf("%s: first order missing or not at acquisition", cu.ID)
		}
	}
	all := float64(len(c.Orders))
	if s := float64(ooo) / all; s < 0.004 || s > 0.02 {
		t.Errorf("out-of-order share %.4f, want ~0.01", s)
	}
	if s := float64(canceled) / float64(repeats); s < 0.02 || s > 0.045 {
		t.Errorf("canceled share %.4f, want ~0.03", s)
	}
	for _, typ := range []string{OrderReturn, OrderCreditNote} {
		if c.Truth.OrdersByType[typ] == 0 {
			t.Errorf("no %s orders", typ)
		}
	}
	for _, st := range []string{StatusOpen, StatusFulfilled, StatusInvoiced, StatusPaid, StatusCanceled} {
		if c.Truth.OrdersByStatus[st] == 0 {
			t.Errorf("no %s orders", st)
		}
	}
}

func TestRepeatPurchaseDistribution(t *testing.T) {
	c := testCompany(t)
	per := map[string]int{}
	for _, o := range c.Orders {
		if o.Type == OrderNewBusiness || o.Type == OrderRepeat {
			per[o.CustomerID]++
		}
	}
	counts := make([]int, 0, len(per))
	one := 0
	for _, n := range per {
		counts = append(counts, n)
		if n == 1 {
			one++
		}
	}
	sort.Ints(counts)
	median, p99 := counts[len(counts)/2], counts[len(counts)*99/100]
	if s := float64(one) / float64(len(counts)); s < 0.03 || s > 0.3 {
		t.Errorf("one-order customers %.3f, want a real share", s)
	}
	if p99 < 10*median {
		t.Errorf("p99 %d vs median %d: want a long tail", p99, median)
	}
	if int64(one) != c.Truth.OneOrderCustomers {
		t.Errorf("truth one-order customers %d, counted %d", c.Truth.OneOrderCustomers, one)
	}
}

func TestCalibrationHitsTarget(t *testing.T) {
	for _, target := range []float64{4, 19} {
		o := DefaultOptions()
		o.Customers = 3000
		o.OrdersPerCustomer = target
		o.Seed = 11
		var repeats int
		_, err := Generate(context.Background(), o, funcSink{order: func(x *Order) {
			if x.Type == OrderRepeat {
				repeats++
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		mean := float64(repeats) / float64(o.Customers)
		if math.Abs(mean-target)/target > 0.2 {
			t.Errorf("target %g repeat orders per customer, got %.2f", target, mean)
		}
	}
}

func TestCategoryRampUp(t *testing.T) {
	c := testCompany(t)
	firstCats := map[string]map[string]bool{}
	rampers := map[string]bool{}
	for _, o := range c.Orders {
		if o.Type == OrderNewBusiness {
			m := map[string]bool{}
			for _, l := range o.Lines {
				m[l.Category] = true
			}
			if len(m) > 2 {
				t.Fatalf("%s starts in %d categories", o.CustomerID, len(m))
			}
			firstCats[o.CustomerID] = m
			continue
		}
		for _, l := range o.Lines {
			if !firstCats[o.CustomerID][l.Category] {
				rampers[o.CustomerID] = true
			}
		}
	}
	if s := float64(len(rampers)) / float64(len(c.Customers)); s < 0.2 || s > 0.95 {
		t.Errorf("share of customers buying a new category later %.3f", s)
	}
}

func TestContractsPlausible(t *testing.T) {
	c := testCompany(t)
	end := DefaultOptions().End
	subs := map[string][]*Contract{}
	var order []string
	for _, k := range c.Contracts {
		if subs[k.SubscriptionID] == nil {
			order = append(order, k.SubscriptionID)
		}
		subs[k.SubscriptionID] = append(subs[k.SubscriptionID], k)
	}
	if s := float64(len(subs)) / float64(len(c.Customers)); s < 0.3 || s > 0.5 {
		t.Errorf("contract customers %.3f, want ~0.4", s)
	}
	var amended, ended int
	for _, id := range order {
		rows := subs[id]
		for s, k := range rows {
			if k.Seq != s || k.MRR <= 0 || (!k.EndAt.IsZero() && !k.EndAt.After(k.StartAt)) {
				t.Fatalf("bad row %+v", k)
			}
			if s > 0 {
				amended++
				prev := rows[s-1]
				if !prev.EndAt.Equal(k.StartAt) || prev.Status != ContractSuperseded || !k.GoLiveAt.IsZero() {
					t.Fatalf("amendment %s does not continue %s", k.ID, prev.ID)
				}
			}
			if s == len(rows)-1 {
				switch {
				case k.Status == ContractEnded && !k.EndAt.IsZero():
					ended++
				case (k.Status == ContractActive || k.Status == ContractPending) && k.EndAt.IsZero():
				default:
					t.Fatalf("last row %s status %s end %s", k.ID, k.Status, k.EndAt)
				}
			}
			if !k.ModifiedAt.Before(end) {
				t.Fatalf("%s modified at or after the end", k.ID)
			}
		}
		k := rows[0]
		if !k.AdoptedAt.IsZero() && (k.GoLiveAt.IsZero() || k.AdoptedAt.Before(k.GoLiveAt)) {
			t.Fatalf("%s adopted %s before go-live %s", k.ID, k.AdoptedAt, k.GoLiveAt)
		}
		if k.AdoptionRatio < 0 || k.AdoptionRatio > 1 || (k.AdoptedAt.IsZero() && k.AdoptionRatio >= adoptionThreshold) {
			t.Fatalf("%s adoption ratio %.2f adopted %s", k.ID, k.AdoptionRatio, k.AdoptedAt)
		}
		if k.Pilot != (!k.GoLiveAt.IsZero() && k.GoLiveAt.Before(k.SignedAt)) {
			t.Fatalf("%s pilot flag %v, signed %s live %s", k.ID, k.Pilot, k.SignedAt, k.GoLiveAt)
		}
	}
	tr := c.Truth
	if tr.NotLive == 0 || tr.Pilots == 0 || tr.Adopted == 0 || amended == 0 || ended == 0 {
		t.Errorf("want censored, pilot, adopted, amended and ended contracts: %d %d %d %d %d",
			tr.NotLive, tr.Pilots, tr.Adopted, amended, ended)
	}
}

func TestVoiceOfCustomer(t *testing.T) {
	c := testCompany(t)
	status := map[string]string{}
	for _, cu := range c.Customers {
		status[cu.ID] = cu.Status
	}
	cases := map[string]*SupportCase{}
	for _, s := range c.SupportCases {
		cases[s.ID] = s
		if s.ClosedAt.IsZero() == (s.Status == "closed") || (!s.ClosedAt.IsZero() && s.ClosedAt.Before(s.OpenedAt)) {
			t.Fatalf("bad case %+v", s)
		}
	}
	type tally struct{ n, detractors int }
	nps := map[string]*tally{}
	touch := map[string]int{}
	for _, s := range c.SurveyResponses {
		if s.Score < s.ScaleMin || s.Score > s.ScaleMax {
			t.Fatalf("%s score %d outside %d..%d", s.ID, s.Score, s.ScaleMin, s.ScaleMax)
		}
		touch[s.Touchpoint]++
		if s.CaseID != "" && cases[s.CaseID] == nil {
			t.Fatalf("%s refers to unknown case %s", s.ID, s.CaseID)
		}
		if s.Instrument == InstrumentNPS {
			st := status[s.CustomerID]
			if nps[st] == nil {
				nps[st] = &tally{}
			}
			nps[st].n++
			if s.Score <= 6 {
				nps[st].detractors++
			}
		}
	}
	for _, tp := range []string{"onboarding", "support", "order", "relationship"} {
		if touch[tp] == 0 {
			t.Errorf("no %s responses", tp)
		}
	}
	share := func(st string) float64 {
		if nps[st] == nil || nps[st].n == 0 {
			t.Fatalf("no NPS responses from %s customers", st)
		}
		return float64(nps[st].detractors) / float64(nps[st].n)
	}
	if a, ch := share("active"), share("churned"); ch <= a+0.05 {
		t.Errorf("detractor share churned %.3f vs active %.3f: want churners more often detractors", ch, a)
	}
}

func TestRecordsSink(t *testing.T) {
	o := DefaultOptions()
	o.Customers = 50
	counts := map[northstar.Stream]int64{}
	truth, err := Generate(context.Background(), o, Records(func(s northstar.Stream, r northstar.Record) error {
		counts[s]++
		if r.SourceID == "" || r.SourceID != r.Fields["source_id"] || r.ModifiedAt.IsZero() {
			return errors.New("record without id or modified_at: " + string(s))
		}
		for f := range r.Fields {
			if !s.HasField(f) {
				return errors.New(string(s) + ": not a unified field: " + f)
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range truth.Counts {
		if counts[s] != n {
			t.Errorf("%s: %d records, truth %d", s, counts[s], n)
		}
	}
}

// nameWriter records the field names an entity writes.
type nameWriter struct{ names []string }

func (w *nameWriter) str(n, _ string)            { w.names = append(w.names, n) }
func (w *nameWriter) time(n string, _ time.Time) { w.names = append(w.names, n) }
func (w *nameWriter) amount(n string, _ Amount)  { w.names = append(w.names, n) }
func (w *nameWriter) int(n string, _ int64)      { w.names = append(w.names, n) }
func (w *nameWriter) raw(n string, _ []byte)     { w.names = append(w.names, n) }

func TestColumnsAreUnifiedFields(t *testing.T) {
	c := testCompany(t)
	o := c.Orders[0]
	entities := map[northstar.Stream]fielder{
		northstar.StreamCustomers: c.Customers[0], northstar.StreamContacts: c.Contacts[0],
		northstar.StreamOrders: o, northstar.StreamOrderLines: &o.Lines[0],
		northstar.StreamContracts: c.Contracts[0], northstar.StreamSurveyResponses: c.SurveyResponses[0],
		northstar.StreamSupportCases: c.SupportCases[0],
		northstar.StreamFXRates:      &FXRate{Day: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Currency: "EUR", Base: "USD", Rate: "1.08"},
	}
	for _, s := range northstar.AllStreams() {
		cols := Columns(s)
		// a subsequence of Stream.Fields, in its order
		k := 0
		for _, f := range s.Fields() {
			if k < len(cols) && cols[k] == f {
				k++
			}
		}
		if k != len(cols) || len(cols) == 0 {
			t.Errorf("%s: columns %v are not an ordered subset of %v", s, cols, s.Fields())
		}
		w := &nameWriter{}
		entities[s].writeFields(w)
		if strings.Join(w.names, ",") != strings.Join(cols, ",") {
			t.Errorf("%s: writes %v, columns %v", s, w.names, cols)
		}
	}
}

func TestEdgeOptions(t *testing.T) {
	sat := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC) // a Saturday
	for _, tc := range []struct {
		name string
		edit func(*Options)
	}{
		{"one customer", func(o *Options) { o.Customers = 1 }},
		{"eight days from a saturday", func(o *Options) { o.Start, o.End = sat, sat.Add(8*day) }},
		{"almost no repeats", func(o *Options) { o.OrdersPerCustomer = 0.05 }},
		{"everyone has a contract", func(o *Options) { o.ContractShare = 1 }},
		{"heavy buyers", func(o *Options) { o.OrdersPerCustomer = 150; o.Customers = 40 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.Customers = 120
			tc.edit(&o)
			c, err := Collect(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Customers) != o.Customers || int64(len(c.Orders)) < int64(o.Customers) {
				t.Fatalf("%d customers, %d orders", len(c.Customers), len(c.Orders))
			}
			for _, x := range c.Orders {
				if x.OrderedAt.Before(o.Start) || !x.OrderedAt.Before(o.End) || !x.ModifiedAt.Before(o.End) {
					t.Fatalf("order %s at %s outside [%s, %s)", x.ID, x.OrderedAt, o.Start, o.End)
				}
			}
			for _, cu := range c.Customers {
				if cu.AcquiredAt.Before(o.Start) || !cu.AcquiredAt.Before(o.End) || !cu.ModifiedAt.Before(o.End) {
					t.Fatalf("customer %s acquired %s modified %s", cu.ID, cu.AcquiredAt, cu.ModifiedAt)
				}
			}
		})
	}
}
