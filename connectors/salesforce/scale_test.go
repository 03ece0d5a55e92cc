package salesforce

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/connectors/conformance"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// TestScale50kAccounts200kOpportunities: a full sync of 50,000 accounts,
// 200,000 opportunities and 50,000 cases, then updates, inserts, soft and
// hard deletes upstream, then an incremental sync: core must equal the
// emulator's live data key for key and amount for amount.
func TestScale50kAccounts200kOpportunities(t *testing.T) {
	const accounts, opps, cases = 50_000, 200_000, 50_000
	// One clock for the emulator and the connector. The initial records were
	// modified over the days before the full sync (one per second); the
	// changes come an hour after it, so the incremental sync (5-minute
	// overlap) reads what changed plus the last few minutes before its cursor.
	clock := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	e := NewEmulator(EmulatorOptions{ClientID: testClientID, ClientSecret: testClientSecret,
		Username: testUser, Password: testPassword, SecurityToken: testSecToken, Now: now})
	url := e.Start()
	t.Cleanup(e.Close)

	accRecs := make([]map[string]any, accounts)
	for i := range accRecs {
		accRecs[i] = map[string]any{"Name": fmt.Sprintf("Account %06d GmbH", i), "BillingCountry": "DE",
			"Website": fmt.Sprintf("https://a%06d.example", i), "Type": "Customer", "Industry": "Retail"}
	}
	stamp := func(recs []map[string]any) {
		for i, r := range recs {
			r["SystemModstamp"] = clock.Add(-time.Duration(len(recs)-i) * time.Second)
		}
	}
	stamp(accRecs)
	accIDs, err := e.Load("Account", accRecs)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	oppRecs := make([]map[string]any, opps)
	for i := range oppRecs {
		oppRecs[i] = map[string]any{"AccountId": accIDs[i%accounts], "Name": fmt.Sprintf("Deal %d", i),
			"StageName": "Closed Won", "IsWon": i%10 != 0, "Amount": fmt.Sprintf("%d.%02d", 100+i%9000, i%100),
			"CloseDate": day.AddDate(0, 0, i%700).Format(time.DateOnly), "CurrencyIsoCode": "EUR"}
	}
	stamp(oppRecs)
	if _, err := e.Load("Opportunity", oppRecs); err != nil {
		t.Fatal(err)
	}
	caseRecs := make([]map[string]any, cases)
	for i := range caseRecs {
		caseRecs[i] = map[string]any{"AccountId": accIDs[(i*7)%accounts], "Subject": fmt.Sprintf("Case %d", i),
			"Status": "Closed", "Priority": "Medium", "Origin": "Email"}
	}
	stamp(caseRecs)
	if _, err := e.Load("Case", caseRecs); err != nil {
		t.Fatal(err)
	}

	objects := map[northstar.Stream]string{northstar.StreamCustomers: "Account",
		northstar.StreamOrders: "Opportunity", northstar.StreamSupportCases: "Case"}
	source := func(env connectors.Env) northstar.Source {
		streams := []StreamConfig{
			{Stream: northstar.StreamCustomers, Options: StreamOptions{Object: "Account"}},
			{Stream: northstar.StreamOrders, Options: StreamOptions{Object: "Opportunity", Where: "IsWon = true"}},
			{Stream: northstar.StreamSupportCases, Options: StreamOptions{Object: "Case"}},
		}
		s, err := NewSource("crm", Options{LoginURL: url, Auth: AuthPassword, ClientID: testClientID,
			ClientSecret: testClientSecret, Username: testUser, Password: testPassword, SecurityToken: testSecToken}, streams, env)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	snapshot := func() map[northstar.Stream]map[string]string {
		out := map[northstar.Stream]map[string]string{}
		for st, obj := range objects {
			m := map[string]string{}
			for _, id := range e.IDs(obj, false) {
				v := ""
				if st == northstar.StreamOrders {
					if e.Field(obj, id, "IsWon") != true {
						continue
					}
					v, _ = e.Field(obj, id, "Amount").(string)
				}
				m[id] = v
			}
			out[st] = m
		}
		return out
	}

	db, _ := whtest.New(t)
	eng := &pipeline.Engine{DB: db, Transform: &transform.Transformer{ReportingCurrency: "USD"}}
	ctx := context.Background()
	sync := func() pipeline.Result {
		t.Helper()
		res, err := eng.Sync(ctx, "crm", source(connectors.Env{Now: now}.Defaults()), pipeline.Options{})
		if err != nil || res.Status != warehouse.StatusSucceeded {
			t.Fatalf("sync: %v %s %v", err, res.Status, res.Err)
		}
		return res
	}
	start := time.Now()
	full := sync()
	t.Logf("full sync of %d records in %s", full.Total.Read, time.Since(start).Round(time.Millisecond))
	conformance.Compare(t, db, "crm", snapshot(), false)

	// Upstream changes an hour later: amounts, wins, inserts, soft and hard deletes.
	clock = clock.Add(time.Hour)
	for i, id := range e.IDs("Opportunity", false)[:3000] {
		switch i % 6 {
		case 0, 1:
			_ = e.Update("Opportunity", id, map[string]any{"Amount": fmt.Sprintf("%d.99", 5000+i)})
		case 2:
			_ = e.Update("Opportunity", id, map[string]any{"IsWon": true, "Amount": "1.01"})
		case 3:
			_ = e.Delete("Opportunity", id)
		case 4:
			_ = e.HardDelete("Opportunity", id)
		case 5:
			_, _ = e.Put("Opportunity", map[string]any{"AccountId": accIDs[i], "Name": "New", "StageName": "Closed Won",
				"IsWon": true, "Amount": "77.70", "CloseDate": "2026-01-02", "CurrencyIsoCode": "EUR"})
		}
	}
	for i, id := range e.IDs("Account", false)[:600] {
		switch i % 3 {
		case 0:
			_ = e.Update("Account", id, map[string]any{"Name": "Renamed"})
		case 1:
			_ = e.Delete("Account", id)
		case 2:
			_ = e.HardDelete("Account", id)
		}
	}
	for i, id := range e.IDs("Case", false)[:600] {
		if i%2 == 0 {
			_ = e.HardDelete("Case", id)
		} else {
			_ = e.Update("Case", id, map[string]any{"Status": "Escalated"})
		}
	}
	inc := sync()
	if inc.Total.Read > 10_000 {
		t.Errorf("incremental sync read %d records: it should read only what changed (plus the overlap)", inc.Total.Read)
	}
	conformance.Compare(t, db, "crm", snapshot(), false)
}
