package salesforce

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

func TestAuthFlows(t *testing.T) {
	for _, auth := range []string{AuthJWT, AuthClientCredentials, AuthPassword, AuthAccessToken} {
		t.Run(auth, func(t *testing.T) {
			f := newFixture(t)
			loadAccounts(t, f.e, 25, f.clock.Now())
			s := f.source(t, f.options(auth), connectors.Env{})
			k := newSink()
			if err := k.run(context.Background(), s, northstar.StreamCustomers); err != nil {
				t.Fatal(err)
			}
			k.sameAs(t, f.e, "Account")
			if err := s.Check(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAuthRefused(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"bad password", func(o *Options) { o.Password = "wrong-password-123" }, "invalid_grant"},
		{"bad secret", func(o *Options) { o.ClientSecret = "wrong-secret-456" }, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.options(AuthPassword)
			tt.mod(&o)
			s := f.source(t, o, connectors.Env{})
			err := newSink().run(context.Background(), s, northstar.StreamCustomers)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
			for _, sec := range []string{o.Password, o.ClientSecret, o.SecurityToken} {
				if strings.Contains(err.Error(), sec) {
					t.Fatalf("error leaks a secret: %v", err)
				}
			}
		})
	}
	t.Run("expired access token", func(t *testing.T) {
		o := f.options(AuthAccessToken)
		f.e.RevokeTokens()
		s := f.source(t, o, connectors.Env{})
		err := newSink().run(context.Background(), s, northstar.StreamCustomers)
		var he *northstar.HintError
		if !errors.As(err, &he) || strings.Contains(err.Error(), o.AccessToken) {
			t.Fatalf("want a hint error without the token, got %v", err)
		}
	})
}

func TestFullThenIncremental(t *testing.T) {
	f := newFixture(t)
	ids := loadAccounts(t, f.e, 5000, f.clock.Now())
	s := f.source(t, f.options(AuthPassword), connectors.Env{})
	k := newSink()
	ctx := context.Background()
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	k.sameAs(t, f.e, "Account")
	if k.pages != 3 {
		t.Fatalf("pages = %d, want 3 (2000 per page)", k.pages)
	}
	r := k.live[ids[7]]
	if r.Fields["name"] != "Account 00007" || r.Fields["domain"] != "https://acct7.example" ||
		r.Fields["country"] != "DE" || r.Fields["currency"] != "EUR" || r.Fields["segment"] != "Customer" {
		t.Fatalf("mapped fields: %v", r.Fields)
	}
	if !strings.Contains(string(r.Payload), `"attributes"`) {
		t.Fatalf("payload is not the record as sent: %s", r.Payload)
	}

	// An hour later: updates, inserts, soft and hard deletes.
	f.clock.Advance(time.Hour)
	for _, id := range ids[:10] {
		if err := f.e.Update("Account", id, map[string]any{"Industry": "Retail"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		if _, err := f.e.Put("Account", map[string]any{"Name": "New"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[10:13] {
		if err := f.e.Delete("Account", id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[13:15] {
		if err := f.e.HardDelete("Account", id); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute)
	before := k.records
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	k.sameAs(t, f.e, "Account")
	// Changes (10 updates, 5 inserts, 3 soft deletes), the 2 hard deletes
	// and the unchanged rows inside the 5-minute overlap.
	want := 10 + 5 + 3 + 2
	for i := 15; i < len(ids); i++ {
		if i%97 <= 5 {
			want++
		}
	}
	if got := k.records - before; got != want {
		t.Fatalf("incremental read %d records, want %d", got, want)
	}
	if k.live[ids[3]].Fields["industry"] != "Retail" {
		t.Fatal("update not applied")
	}
	for _, id := range ids[10:13] {
		if k.tombs[id] != "soft" {
			t.Fatalf("%s: delete kind %q, want soft", id, k.tombs[id])
		}
	}
	for _, id := range ids[13:15] {
		if k.tombs[id] != "hard" {
			t.Fatalf("%s: delete kind %q, want hard", id, k.tombs[id])
		}
	}

	// --full re-reads everything and is idempotent.
	full := f.source(t, f.options(AuthPassword), connectors.Env{Full: true})
	before = k.records
	if err := k.run(ctx, full, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	if k.records-before < 5000 {
		t.Fatalf("full re-read only %d records", k.records-before)
	}
	k.sameAs(t, f.e, "Account")
}

func TestSharedStampAcrossPages(t *testing.T) {
	f := newFixture(t)
	stamp := f.clock.Now()
	recs := make([]map[string]any, 5000)
	for i := range recs {
		recs[i] = map[string]any{"Name": "same", "SystemModstamp": stamp}
	}
	if _, err := f.e.Load("Account", recs); err != nil {
		t.Fatal(err)
	}
	s := f.source(t, f.options(AuthClientCredentials), connectors.Env{})
	ctx := context.Background()
	// A run killed after its first page resumes from the stored cursor.
	k := newSink()
	k.failAfter = 1
	if err := k.run(ctx, s, northstar.StreamCustomers); !errors.Is(err, errKilled) {
		t.Fatalf("want the emit error unchanged, got %v", err)
	}
	if len(k.live) != 2000 || !k.cursor.ModifiedAt.Equal(stamp) {
		t.Fatalf("after kill: %d records, cursor %v", len(k.live), k.cursor)
	}
	k.failAfter = 0
	f.clock.Advance(time.Minute)
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	k.sameAs(t, f.e, "Account")
}

func TestLateCommitBehindCursor(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 300, f.clock.Now())
	s := f.source(t, f.options(AuthPassword), connectors.Env{})
	k := newSink()
	ctx := context.Background()
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	// A transaction that started before the last read commits now with
	// an older SystemModstamp than rows already served.
	late := k.cursor.ModifiedAt.Add(-2 * time.Minute)
	id, err := f.e.PutAt("Account", map[string]any{"Name": "Late"}, late)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second)
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.live[id]; !ok {
		t.Fatal("late-committed row missed")
	}
	k.sameAs(t, f.e, "Account")
}

func TestChaos(t *testing.T) {
	tests := []struct {
		name  string
		chaos Chaos
	}{
		{"429 with Retry-After", Chaos{RateLimitEvery: 3}},
		{"503 with Retry-After", Chaos{UnavailableEvery: 4}},
		{"session expires mid-pagination", Chaos{ExpireSessionEvery: 2}},
		{"query timeout", Chaos{QueryTimeoutAbove: 1500}},
		{"truncated bodies", Chaos{TruncateEvery: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			start := f.clock.Now()
			ids := make([]string, 0, 6000)
			for i := 0; i < 6; i++ { // six distinct seconds of 1000 rows each
				recs := make([]map[string]any, 1000)
				for j := range recs {
					recs[j] = map[string]any{"Name": "x", "SystemModstamp": start.Add(time.Duration(i) * time.Minute)}
				}
				got, err := f.e.Load("Account", recs)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, got...)
			}
			f.clock.Advance(10 * time.Minute)
			obs := &countingObserver{}
			s := f.source(t, f.options(AuthJWT), connectors.Env{Observer: obs})
			f.e.SetChaos(tt.chaos)
			k := newSink()
			ctx := context.Background()
			if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
				t.Fatal(err)
			}
			k.sameAs(t, f.e, "Account")
			maxDups := 0
			if tt.chaos.QueryTimeoutAbove > 0 {
				maxDups = 2000 // a window re-read after a timeout mid-way
			}
			if k.dups > maxDups {
				t.Fatalf("%d records emitted twice in one run", k.dups)
			}
			// Between runs: updates, inserts, deletes.
			f.clock.Advance(time.Hour)
			for i, id := range ids[:1700] {
				if i%500 == 0 {
					f.clock.Advance(time.Second)
				}
				if err := f.e.Update("Account", id, map[string]any{"Name": "changed"}); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Advance(time.Second)
			for _, id := range ids[2000:2010] {
				if err := f.e.Delete("Account", id); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.e.HardDelete("Account", ids[3000]); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
				t.Fatal(err)
			}
			k.sameAs(t, f.e, "Account")
			if k.dups > maxDups {
				t.Fatalf("%d records emitted twice in one run", k.dups)
			}
			for _, id := range ids[:1700] {
				if k.live[id].Fields["name"] != "changed" {
					t.Fatalf("update of %s lost", id)
				}
			}
			if obs.calls == 0 {
				t.Fatal("observer saw no calls")
			}
			if (tt.chaos.RateLimitEvery > 0 || tt.chaos.UnavailableEvery > 0) && obs.retries == 0 {
				t.Fatal("observer saw no retries")
			}
		})
	}
}

func TestRetryAfterCapped(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 10, f.clock.Now())
	o := f.options(AuthPassword)
	o.MaxRetryAfter = 50 * time.Millisecond
	s := f.source(t, o, connectors.Env{})
	f.e.SetChaos(Chaos{RateLimitEvery: 1, RetryAfter: 3600})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err := newSink().run(ctx, s, northstar.StreamCustomers)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("want a quick failure after capped retries, got %v after %v", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "429") {
		t.Fatalf("error should name the status: %v", err)
	}
	// With Retry-After 1s the wait is honoured.
	f.e.SetChaos(Chaos{RateLimitEvery: 2, RetryAfter: 1})
	o.MaxRetryAfter = time.Minute
	s = f.source(t, o, connectors.Env{})
	start = time.Now()
	if err := newSink().run(context.Background(), s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < time.Second {
		t.Fatalf("Retry-After: 1 not honoured (%v)", time.Since(start))
	}
}

func TestQuotaStopsPartial(t *testing.T) {
	for _, style := range []string{"", "bursts", "per-app"} {
		t.Run("limit info "+style, func(t *testing.T) {
			f := newFixture(t, func(o *EmulatorOptions) { o.LimitInfo = style })
			loadAccounts(t, f.e, 12000, f.clock.Now())
			f.e.SetAPIUsage(44, 100)
			obs := &countingObserver{}
			s := f.source(t, f.options(AuthPassword), connectors.Env{Observer: obs})
			k := newSink()
			ctx := context.Background()
			err := k.run(ctx, s, northstar.StreamCustomers)
			if !errors.Is(err, northstar.ErrPartial) || !strings.Contains(err.Error(), "max_api_percent") {
				t.Fatalf("want ErrPartial, got %v", err)
			}
			used, _ := f.e.APIUsage()
			if used != 50 {
				t.Fatalf("used %d of 100 calls; max_api_percent 50 should stop at exactly 50", used)
			}
			if k.pages != 4 || k.cursor.IsZero() {
				t.Fatalf("%d pages emitted before the stop, want 4 with their cursor", k.pages)
			}
			if obs.quota < 0.49 || obs.quota > 0.51 {
				t.Fatalf("quota remaining reported %v, want 0.5", obs.quota)
			}
			// Next day: the run resumes and completes.
			f.e.SetAPIUsage(0, 100000)
			f.clock.Advance(time.Minute)
			if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
				t.Fatal(err)
			}
			k.sameAs(t, f.e, "Account")
		})
	}
}

func TestRequestLimitExceededPartial(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 9000, f.clock.Now())
	s := f.source(t, f.options(AuthPassword), connectors.Env{})
	f.e.SetChaos(Chaos{RequestLimitAfter: 4})
	k := newSink()
	ctx := context.Background()
	err := k.run(ctx, s, northstar.StreamCustomers)
	if !errors.Is(err, northstar.ErrPartial) || !strings.Contains(err.Error(), "REQUEST_LIMIT_EXCEEDED") {
		t.Fatalf("want ErrPartial naming REQUEST_LIMIT_EXCEEDED, got %v", err)
	}
	if k.pages == 0 {
		t.Fatal("no page emitted before the limit")
	}
	f.e.SetChaos(Chaos{})
	f.clock.Advance(time.Minute)
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	k.sameAs(t, f.e, "Account")
}

func TestSchemaCheck(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 5, f.clock.Now())
	tests := []struct {
		name   string
		stream StreamConfig
		opts   func(*Options)
		want   []string // substrings; nil means success
	}{
		{"missing field", StreamConfig{Stream: northstar.StreamCustomers,
			Options: StreamOptions{Fields: map[string]string{"owner": "Owner_Region__c"}}}, nil,
			[]string{"Account", "Owner_Region__c", "customers"}},
		{"missing relationship field", StreamConfig{Stream: northstar.StreamOrderLines,
			Options: StreamOptions{Fields: map[string]string{"product_category": "Product2.Segment__c"}}}, nil,
			[]string{"Product2", "Segment__c"}},
		{"missing tax id field", StreamConfig{Stream: northstar.StreamCustomers}, func(o *Options) { o.TaxIDField = "Steuernummer__c" },
			[]string{"Account", "Steuernummer__c"}},
		{"missing object", StreamConfig{Stream: northstar.StreamSurveyResponses,
			Options: StreamOptions{Object: "Nps__c"}}, nil, []string{"Nps__c"}},
		{"missing cursor field", StreamConfig{Stream: northstar.StreamCustomers,
			Options: StreamOptions{CursorField: "Last_Sync__c"}}, nil, []string{"Last_Sync__c"}},
		{"case-insensitive names ok", StreamConfig{Stream: northstar.StreamCustomers,
			Options: StreamOptions{Fields: map[string]string{"tax_id": "vat_number__C"}}}, nil, nil},
		{"dotted path ok", StreamConfig{Stream: northstar.StreamOrderLines,
			Options: StreamOptions{Fields: map[string]string{"product_category": "product2.family"}}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.options(AuthClientCredentials)
			if tt.opts != nil {
				tt.opts(&o)
			}
			s := f.source(t, o, connectors.Env{}, tt.stream)
			err := newSink().run(context.Background(), s, tt.stream.Stream)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, northstar.ErrSchema) {
				t.Fatalf("want ErrSchema, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %q", err, w)
				}
			}
		})
	}
	// New upstream fields never break a stream.
	if err := f.e.AddField("Account", Field{Name: "Brand_New__c", Type: "string"}); err != nil {
		t.Fatal(err)
	}
	s := f.source(t, f.options(AuthClientCredentials), connectors.Env{})
	if err := newSink().run(context.Background(), s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
}

func TestSecretsNotLogged(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 3000, f.clock.Now())
	var buf syncBuffer
	env := connectors.Env{Logger: debugLogger(&buf)}
	ctx := context.Background()
	var errs []string
	for _, auth := range []string{AuthPassword, AuthJWT, AuthAccessToken, AuthClientCredentials} {
		o := f.options(auth)
		f.e.SetChaos(Chaos{ExpireSessionEvery: 1, RateLimitEvery: 5, TruncateEvery: 3, QueryTimeoutAbove: 2500})
		s := f.source(t, o, env)
		if err := newSink().run(ctx, s, northstar.StreamCustomers); err != nil {
			errs = append(errs, err.Error())
		}
		// A refused login too.
		o.Password, o.ClientSecret = "nope-"+testPassword, "nope-"+testClientSecret
		s = f.source(t, o, env)
		f.e.RevokeTokens()
		if err := newSink().run(ctx, s, northstar.StreamCustomers); err != nil {
			errs = append(errs, err.Error())
		}
	}
	out := buf.String() + strings.Join(errs, "\n")
	if !strings.Contains(buf.String(), "session expired") {
		t.Fatalf("expected debug logs of session renewal, got:\n%s", buf.String())
	}
	for _, sec := range []string{testPassword, testClientSecret, testSecToken, "00D5g000004Emu!"} {
		if strings.Contains(out, sec) {
			t.Fatalf("secret %q appears in logs or errors", sec)
		}
	}
}

func TestBulk(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(map[bool]string{false: "job completes", true: "job fails, REST fallback"}[fail], func(t *testing.T) {
			f := newFixture(t, func(o *EmulatorOptions) { o.BulkPolls = 3 })
			ids := loadAccounts(t, f.e, 2500, f.clock.Now())
			if err := f.e.Delete("Account", ids[0]); err != nil {
				t.Fatal(err)
			}
			o := f.options(AuthPassword)
			o.BulkThreshold = 1000
			s := f.source(t, o, connectors.Env{})
			s.bulkPageSize = 700
			f.e.SetChaos(Chaos{BulkFail: fail})
			k := newSink()
			if err := k.run(context.Background(), s, northstar.StreamCustomers); err != nil {
				t.Fatal(err)
			}
			k.sameAs(t, f.e, "Account")
			if k.tombs[ids[0]] != "soft" {
				t.Fatal("soft delete missing from bulk queryAll")
			}
			created, live := f.e.BulkJobs()
			if created != 1 || live != 0 {
				t.Fatalf("bulk jobs created %d, left %d; want 1 and 0", created, live)
			}
			r := k.live[ids[5]]
			if !strings.HasSuffix(r.Fields["created_at"], "+0000") {
				t.Fatalf("bulk datetimes should read like REST ones: %q", r.Fields["created_at"])
			}
			if k.cursor.IsZero() {
				t.Fatal("no cursor after the bulk read")
			}
			if !fail && k.pages != 5 { // 4 CSV pages + the final cursor
				t.Fatalf("pages = %d, want 5", k.pages)
			}
		})
	}
}

func TestOrdersAndLines(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	acc, _ := f.e.Put("Account", map[string]any{"Name": "A"})
	prod, _ := f.e.Put("Product2", map[string]any{"Name": "Widget", "Family": "Hardware"})
	won, _ := f.e.Put("Opportunity", map[string]any{"AccountId": acc, "IsWon": true, "Amount": "1234.50",
		"CurrencyIsoCode": "CHF", "CloseDate": "2026-02-27", "StageName": "Closed Won"})
	lost, _ := f.e.Put("Opportunity", map[string]any{"AccountId": acc, "IsWon": false, "Amount": "99"})
	line, _ := f.e.Put("OpportunityLineItem", map[string]any{"OpportunityId": won, "Product2Id": prod,
		"Quantity": 3, "TotalPrice": "1234.50", "CurrencyIsoCode": "CHF"})
	noProd, _ := f.e.Put("OpportunityLineItem", map[string]any{"OpportunityId": won, "Quantity": 1})
	_ = now
	s := f.source(t, f.options(AuthPassword), connectors.Env{},
		StreamConfig{Stream: northstar.StreamOrders}, StreamConfig{Stream: northstar.StreamOrderLines})
	orders, lines := newSink(), newSink()
	ctx := context.Background()
	if err := orders.run(ctx, s, northstar.StreamOrders); err != nil {
		t.Fatal(err)
	}
	if err := lines.run(ctx, s, northstar.StreamOrderLines); err != nil {
		t.Fatal(err)
	}
	if _, ok := orders.live[lost]; ok || len(orders.live) != 1 {
		t.Fatalf("orders: want only the won opportunity, got %v", orders.live)
	}
	o := orders.live[won].Fields
	if o["amount"] != "1234.50" || o["currency"] != "CHF" || o["ordered_at"] != "2026-02-27" || o["customer"] != acc {
		t.Fatalf("order fields %v", o)
	}
	l := lines.live[line].Fields
	if l["product_category"] != "Hardware" || l["order"] != won || l["quantity"] != "3" || l["amount"] != "1234.50" {
		t.Fatalf("line fields %v", l)
	}
	if v, ok := lines.live[noProd].Fields["product_category"]; !ok || v != "" {
		t.Fatalf("null relationship should map to empty, got %q %v", v, ok)
	}
	if got := s.Streams(); len(got) != 2 || got[0] != northstar.StreamOrders {
		t.Fatalf("Streams() = %v", got)
	}
}

func TestFormulaRefresh(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 50; i++ {
		if _, err := f.e.Put("Order", map[string]any{"Status": "Activated", "TotalAmount": "10.00"}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Hour)
	if _, err := f.e.Put("Order", map[string]any{"Status": "Draft", "TotalAmount": "1.00"}); err != nil {
		t.Fatal(err)
	}
	o := f.options(AuthPassword)
	day := 24 * time.Hour
	o.FormulaRefresh = &day
	st := StreamConfig{Stream: northstar.StreamOrders, Options: StreamOptions{Object: "Order"}}
	s := f.source(t, o, connectors.Env{}, st)
	k := newSink()
	ctx := context.Background()
	if err := k.run(ctx, s, northstar.StreamOrders); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(k.cursor.State), "formula_refreshed_at") {
		t.Fatalf("cursor state %s", k.cursor.State)
	}
	f.clock.Advance(time.Hour)
	before := k.records
	if err := k.run(ctx, s, northstar.StreamOrders); err != nil {
		t.Fatal(err)
	}
	if k.records-before != 1 {
		t.Fatalf("no refresh due, but %d records re-read (want the 1 in the overlap)", k.records-before)
	}
	f.clock.Advance(day)
	before = k.records
	cur := k.cursor
	if err := k.run(ctx, s, northstar.StreamOrders); err != nil {
		t.Fatal(err)
	}
	if k.records-before != 51 {
		t.Fatalf("formula refresh re-read %d records, want 51", k.records-before)
	}
	if k.cursor.ModifiedAt.Before(cur.ModifiedAt) || string(k.cursor.State) == string(cur.State) {
		t.Fatalf("cursor after refresh %v (before %v)", k.cursor, cur)
	}
}

func TestListKeys(t *testing.T) {
	f := newFixture(t)
	ids := loadAccounts(t, f.e, 4500, f.clock.Now())
	_ = f.e.Delete("Account", ids[1])
	s := f.source(t, f.options(AuthPassword), connectors.Env{})
	var got []string
	err := s.ListKeys(context.Background(), northstar.StreamCustomers, func(_ context.Context, keys []string) error {
		got = append(got, keys...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4499 {
		t.Fatalf("got %d keys, want 4499", len(got))
	}
}

func TestUnknownStream(t *testing.T) {
	f := newFixture(t)
	s := f.source(t, f.options(AuthPassword), connectors.Env{})
	err := newSink().run(context.Background(), s, northstar.StreamContracts)
	if !errors.Is(err, northstar.ErrUnknownStream) {
		t.Fatalf("got %v", err)
	}
}

func TestParseLimitInfo(t *testing.T) {
	tests := []struct {
		in       string
		used, mx int64
		app      int64
		ok       bool
	}{
		{"api-usage=18/5000", 18, 5000, 0, true},
		{"api-usage=10018/100000; api-bursts=1/750", 10018, 100000, 0, true},
		{"api-usage=25/5000;per-app-api-usage=17/250(appName=sample-connected-app)", 25, 5000, 250, true},
		{"per-app-api-usage=17/250(appName=x)", 0, 0, 250, true},
		{"API-Usage = 7 / 70", 7, 70, 0, true},
		{"garbage; api-usage=x/y", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		u, ok := parseLimitInfo(tt.in)
		if ok != tt.ok || u.used != tt.used || u.max != tt.mx || u.appMax != tt.app {
			t.Errorf("%q: got %+v %v", tt.in, u, ok)
		}
	}
}

func TestHardDeleteWindows(t *testing.T) {
	f := newFixture(t, func(o *EmulatorOptions) { o.DeletedIDLimit = 3 })
	ids := loadAccounts(t, f.e, 100, f.clock.Now())
	s := f.source(t, f.options(AuthPassword), connectors.Env{})
	k := newSink()
	ctx := context.Background()
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	// 20 days later (beyond the 15-day delete log) ten records are hard
	// deleted over ten minutes: the window is clamped and, as more than 3
	// Ids come back, split until each part fits.
	f.clock.Advance(20 * 24 * time.Hour)
	for _, id := range ids[:10] {
		f.clock.Advance(time.Minute)
		if err := f.e.HardDelete("Account", id); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute)
	if err := k.run(ctx, s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:10] {
		if k.tombs[id] != "hard" {
			t.Fatalf("%s: hard delete missed", id)
		}
	}
	k.sameAs(t, f.e, "Account")
}

func FuzzParseLimitInfo(f *testing.F) {
	for _, s := range []string{"api-usage=18/5000", "api-usage=10018/100000; api-bursts=1/750",
		"per-app-api-usage=17/250(appName=x)", ";;=/", "api-usage=1/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := parseLimitInfo(s)
		if fr, has := u.fraction(); ok && (!has || fr < 0) {
			t.Fatalf("%q: parsed %+v but fraction %v %v", s, u, fr, has)
		}
	})
}

func FuzzParseSOQL(f *testing.F) {
	for _, s := range []string{"SELECT Id FROM Account", "SELECT Id, Product2.Family FROM OpportunityLineItem WHERE (IsWon = true) AND SystemModstamp >= 2024-01-02T03:04:05Z ORDER BY SystemModstamp ASC, Id ASC LIMIT 10",
		"SELECT COUNT() FROM Case WHERE Status IN ('a','b') OR NOT IsClosed = false"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseSOQL(s) // must not panic
	})
}

func TestOtherAPIVersionPages(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 4100, f.clock.Now())
	o := f.options(AuthClientCredentials)
	o.APIVersion, o.PageSize = "58.0", 1000
	s := f.source(t, o, connectors.Env{})
	k := newSink()
	if err := k.run(context.Background(), s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	k.sameAs(t, f.e, "Account")
	if k.pages != 5 || !strings.Contains(string(k.live[f.e.IDs("Account", false)[0]].Payload), "/v58.0/") {
		t.Fatalf("pages = %d, want 5 pages of at most 1000 under v58.0", k.pages)
	}
}
