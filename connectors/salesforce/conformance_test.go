package salesforce

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/connectors/conformance"
	"github.com/northstar-dev/northstar/generate"
)

// upstream drives the emulator for the shared conformance suite
// (conformance.Upstream): a small generated company, read through every
// stream with the password flow.
type upstream struct {
	e     *Emulator
	url   string
	round int
}

func newUpstream(t testing.TB) *upstream {
	t.Helper()
	e := NewEmulator(EmulatorOptions{ClientID: testClientID, ClientSecret: testClientSecret,
		Username: testUser, Password: testPassword, SecurityToken: testSecToken})
	u := e.Start()
	t.Cleanup(e.Close)
	opts := generate.DefaultOptions()
	opts.Customers, opts.Seed = 40, 7
	if _, _, err := e.LoadCompany(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	return &upstream{e: e, url: u}
}

var upstreamObjects = map[northstar.Stream]string{
	northstar.StreamCustomers: "Account", northstar.StreamContacts: "Contact",
	northstar.StreamOrders: "Opportunity", northstar.StreamOrderLines: "OpportunityLineItem",
	northstar.StreamContracts: "Contract", northstar.StreamSurveyResponses: "Survey_Response__c",
	northstar.StreamSupportCases: "Case",
}

func (u *upstream) Source(t testing.TB, env connectors.Env) northstar.Source {
	t.Helper()
	var streams []StreamConfig
	for _, st := range northstar.AllStreams() {
		obj, ok := upstreamObjects[st]
		if !ok {
			continue // fx_rates: not served by Salesforce
		}
		sc := StreamConfig{Stream: st, Options: StreamOptions{Object: obj}}
		if st == northstar.StreamOrders {
			sc.Options.Where = "IsWon = true"
		}
		streams = append(streams, sc)
	}
	o := Options{LoginURL: u.url, Auth: AuthPassword, ClientID: testClientID, ClientSecret: testClientSecret,
		Username: testUser, Password: testPassword, SecurityToken: testSecToken,
		TaxIDField: "VAT_Number__c", ExternalIDField: "ERP_Customer_Number__c"}
	s, err := NewSource("crm", o, streams, env)
	if err != nil {
		t.Fatal(err)
	}
	s.c.http.RetryWaitMin, s.c.http.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	return s
}

// Mutate updates, inserts and deletes (soft and hard) a few records of
// every object.
func (u *upstream) Mutate(t testing.TB) {
	t.Helper()
	u.round++
	for st, obj := range upstreamObjects {
		ids := u.e.IDs(obj, false)
		if st == northstar.StreamOrders {
			ids = u.won()
		}
		if len(ids) < 6 {
			t.Fatalf("%s: too few records to mutate", obj)
		}
		upd := map[string]any{}
		switch obj {
		case "Opportunity":
			upd["Amount"] = fmt.Sprintf("%d.25", 100+u.round)
		case "OpportunityLineItem":
			upd["TotalPrice"] = fmt.Sprintf("%d.75", 10+u.round)
		case "Contract":
			upd["MRR__c"] = fmt.Sprintf("%d.00", 500+u.round)
		default:
			upd["Name"] = fmt.Sprintf("changed %d", u.round)
			if obj == "Case" {
				upd = map[string]any{"Subject": "changed"}
			}
		}
		for _, id := range ids[:3] {
			if err := u.e.Update(obj, id, upd); err != nil {
				t.Fatal(err)
			}
		}
		if err := u.e.Delete(obj, ids[3]); err != nil {
			t.Fatal(err)
		}
		if err := u.e.HardDelete(obj, ids[4]); err != nil {
			t.Fatal(err)
		}
		rec, _ := u.e.Get(obj, ids[5])
		delete(rec, "Id")
		if _, err := u.e.Put(obj, rec); err != nil { // a copy is a new record
			t.Fatal(err)
		}
	}
}

func (u *upstream) won() []string {
	var out []string
	for _, id := range u.e.IDs("Opportunity", false) {
		if u.e.Field("Opportunity", id, "IsWon") == true {
			out = append(out, id)
		}
	}
	return out
}

func (u *upstream) Snapshot(t testing.TB) map[northstar.Stream]map[string]string {
	t.Helper()
	out := map[northstar.Stream]map[string]string{}
	for st, obj := range upstreamObjects {
		ids := u.e.IDs(obj, false)
		if st == northstar.StreamOrders {
			ids = u.won()
		}
		m := make(map[string]string, len(ids))
		for _, id := range ids {
			v := ""
			switch st {
			case northstar.StreamOrders:
				v, _ = u.e.Field(obj, id, "Amount").(string)
			case northstar.StreamOrderLines:
				v, _ = u.e.Field(obj, id, "TotalPrice").(string)
			case northstar.StreamContracts:
				v, _ = u.e.Field(obj, id, "MRR__c").(string)
			}
			m[id] = v
		}
		out[st] = m
	}
	return out
}

// TestConformance runs the shared connector suite against the emulator.
func TestConformance(t *testing.T) { conformance.Run(t, newUpstream(t)) }

// TestUpstreamRoundTrip runs the conformance upstream through the test sink
// (full read, mutation, incremental read) and spot-checks the CRM view of
// the generated company.
func TestUpstreamRoundTrip(t *testing.T) {
	u := newUpstream(t)
	sinks := map[northstar.Stream]*sink{}
	check := func() {
		t.Helper()
		src := u.Source(t, connectors.Env{})
		for _, st := range src.Streams() {
			k := sinks[st]
			if k == nil {
				k = newSink()
				sinks[st] = k
			}
			if err := k.run(context.Background(), src.(*Source), st); err != nil {
				t.Fatalf("%s: %v", st, err)
			}
		}
		for st, want := range u.Snapshot(t) {
			got := sinks[st].live
			if len(got) != len(want) {
				t.Fatalf("%s: %d live records, want %d", st, len(got), len(want))
			}
			for id, amount := range want {
				r, ok := got[id]
				if !ok {
					t.Fatalf("%s: %s missing", st, id)
				}
				field := map[northstar.Stream]string{northstar.StreamOrders: "amount",
					northstar.StreamOrderLines: "amount", northstar.StreamContracts: "mrr"}[st]
				if field != "" && r.Fields[field] != amount {
					t.Fatalf("%s %s: %s = %q, want %q", st, id, field, r.Fields[field], amount)
				}
			}
		}
	}
	check()
	// Spot-check the CRM view of the generated company.
	var withERP int
	for _, r := range sinks[northstar.StreamCustomers].live {
		if r.Fields["external_id"] != "" {
			withERP++
		}
		if r.Fields["name"] == "" || r.Fields["currency"] == "" {
			t.Fatalf("account fields %v", r.Fields)
		}
	}
	if n := len(sinks[northstar.StreamCustomers].live); withERP == 0 || withERP == n {
		t.Fatalf("%d of %d accounts carry the ERP number; want some, not all", withERP, n)
	}
	for _, r := range sinks[northstar.StreamOrderLines].live {
		if r.Fields["product_category"] == "" {
			t.Fatalf("line without category: %v", r.Fields)
		}
		break
	}
	time.Sleep(1100 * time.Millisecond) // mutations land in a later second
	u.Mutate(t)
	check()
}
