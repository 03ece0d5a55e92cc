package transform_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
)

var update = flag.Bool("update", false, "rewrite golden files")

func tr() *transform.Transformer {
	return &transform.Transformer{ReportingCurrency: "USD",
		FX:  transform.StaticFX{Reporting: "USD", Rates: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("1.08")}},
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
}

// TestRecordGolden types one record per stream (and per tricky case) and
// compares the typed columns with testdata/records.golden.json.
func TestRecordGolden(t *testing.T) {
	cases := []struct {
		name   string
		stream northstar.Stream
		fields map[string]string
	}{
		{"customer", northstar.StreamCustomers, map[string]string{"name": " Acme GmbH ", "website": "https://www.Acme.example/about", "country": "de", "email": "Info@Acme.example", "acquisition_channel": "Referral", "created_at": "2024-01-02T03:04:05.000+0000"}},
		{"customer_domain_from_email_field", northstar.StreamCustomers, map[string]string{"name": "B", "domain": "shop@B.example"}},
		{"order_eur", northstar.StreamOrders, map[string]string{"customer": "C1", "ordered_at": "2024-03-01", "amount": "100.10", "currency": "eur", "paid_at": "2024-03-05 10:00:00"}},
		{"order_default_currency", northstar.StreamOrders, map[string]string{"customer": "C1", "ordered_at": "2024-03-01T10:00:00+02:00", "amount": "5", "status": "Shipped"}},
		{"order_canceled_status_derived", northstar.StreamOrders, map[string]string{"customer": "C1", "ordered_at": "2024-03-01", "canceled_at": "2024-03-02", "amount": "0"}},
		{"order_unknown_currency", northstar.StreamOrders, map[string]string{"ordered_at": "2024-03-01", "amount": "7", "currency": "JPY"}},
		{"line", northstar.StreamOrderLines, map[string]string{"order": "O1", "product_id": "P", "product_category": "hardware", "quantity": "2", "amount": "19.98"}},
		{"contract", northstar.StreamContracts, map[string]string{"customer": "C1", "signed_at": "2024-01-01", "mrr": "1000", "currency": "EUR", "adoption_ratio": "0.85"}},
		{"nps", northstar.StreamSurveyResponses, map[string]string{"customer": "C1", "instrument": "NPS", "score": "9", "responded_at": "2024-05-01"}},
		{"csat_reversed_scale", northstar.StreamSurveyResponses, map[string]string{"instrument": "satisfaction", "score": "1", "scale_min": "5", "scale_max": "1"}},
		{"ces", northstar.StreamSurveyResponses, map[string]string{"instrument": "ces", "score": "6"}},
		{"case", northstar.StreamSupportCases, map[string]string{"customer": "C1", "opened_at": "2024-01-01", "closed_at": "2024-01-03", "priority": "High"}},
		{"contact_name_from_parts", northstar.StreamContacts, map[string]string{"customer": "C1", "first_name": "Ada", "last_name": "Lovelace", "email": "ADA@x.example"}},
		{"fx_rate_default_base", northstar.StreamFXRates, map[string]string{"day": "2024-03-01", "currency": "eur", "rate": "1.0845"}},
		{"fx_rate_compact_day", northstar.StreamFXRates, map[string]string{"day": "20240301", "currency": "GBP", "rate": "1.27000", "base": "usd"}},
		{"contract_unsigned_priced_at_start", northstar.StreamContracts, map[string]string{"start_at": "2024-02-01", "mrr": "10", "currency": "EUR"}},
	}
	got := map[string]any{}
	for _, c := range cases {
		row, err := tr().Record(c.stream, northstar.Record{SourceID: "id-" + c.name, Fields: c.fields})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cols := map[string]any{}
		for i, col := range transform.TableFor(c.stream).Columns {
			cols[col] = row.Values[i]
		}
		got[c.name] = cols
	}
	b, _ := json.MarshalIndent(got, "", "  ")
	path := filepath.Join("testdata", "records.golden.json")
	if *update {
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(b)) {
		t.Errorf("typed rows differ from %s (go test -update rewrites it):\n%s", path, b)
	}
}

func TestRecordRejects(t *testing.T) {
	cases := []struct {
		stream northstar.Stream
		fields map[string]string
		want   string
	}{
		{northstar.StreamOrders, map[string]string{"amount": "12,50"}, `amount: "12,50" is not a decimal number`},
		{northstar.StreamOrders, map[string]string{"ordered_at": "31/12/2024"}, `ordered_at: "31/12/2024" is not a timestamp`},
		{northstar.StreamOrders, map[string]string{"currency": "EURO"}, `currency: "EURO" is not an ISO 4217 currency code`},
		{northstar.StreamSurveyResponses, map[string]string{"instrument": "nps", "score": "11"}, "score: 11 is outside the nps scale 0–10"},
		{northstar.StreamSurveyResponses, map[string]string{"instrument": "nps", "score": "7.5"}, "score: NPS score 7.5 is not an integer"},
		{northstar.StreamSurveyResponses, map[string]string{"instrument": "csat", "score": "0"}, "score: 0 is outside the csat scale 1–5"},
		{northstar.StreamSurveyResponses, map[string]string{"instrument": "ces", "score": "8"}, "score: 8 is outside the ces scale 1–7"},
		{northstar.StreamSurveyResponses, map[string]string{"instrument": "stars", "score": "3"}, `instrument: unknown instrument "stars"`},
		{northstar.StreamSurveyResponses, map[string]string{"instrument": "nps"}, "score: required"},
		{northstar.StreamOrderLines, map[string]string{"amount": "1"}, "order: required"},
	}
	for _, c := range cases {
		_, err := tr().Record(c.stream, northstar.Record{SourceID: "x", Fields: c.fields})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: got %v, want %q", c.stream, c.fields, err, c.want)
		}
	}
	if _, err := tr().Record(northstar.StreamOrders, northstar.Record{Fields: map[string]string{"amount": "1"}}); err == nil || err.Error() != "missing source_id" {
		t.Errorf("missing id: %v", err)
	}
}

func TestBatchDuplicatesAndTombstones(t *testing.T) {
	b := northstar.Batch{Stream: northstar.StreamOrders, Records: []northstar.Record{
		{SourceID: "A", Origin: "f:1", Fields: map[string]string{"amount": "1"}},
		{SourceID: "B", Origin: "f:2", Fields: map[string]string{"amount": "bad"}},
		{SourceID: "A", Origin: "f:3", Fields: map[string]string{"amount": "2"}},
		{SourceID: "C", Origin: "f:4", Deleted: true},
	}, Rejects: []northstar.Reject{{Origin: "f:5", Reason: "expected 5 columns, got 3"}}}
	rows, rejects := tr().Batch(b)
	if len(rows) != 2 || rows[0].SourceID != "A" || rows[0].Values[9] != "2" || !rows[1].Deleted {
		t.Fatalf("rows: %+v", rows)
	}
	if rows[1].DeleteKind != "soft" || rows[1].DeletedAt.IsZero() {
		t.Errorf("tombstone: %+v", rows[1])
	}
	var reasons []string
	for _, r := range rejects {
		reasons = append(reasons, r.Origin+" "+r.Reason)
	}
	want := fmt.Sprint([]string{"f:5 expected 5 columns, got 3", `f:1 duplicate source_id "A" in one page: superseded by f:3`, `f:2 amount: "bad" is not a decimal number`})
	if fmt.Sprint(reasons) != want {
		t.Errorf("rejects:\n got %v\nwant %v", reasons, want)
	}
	// The same content hashes the same; a change changes the hash.
	r1, _ := tr().Record(northstar.StreamOrders, northstar.Record{SourceID: "A", Fields: map[string]string{"amount": "1.0"}})
	r2, _ := tr().Record(northstar.StreamOrders, northstar.Record{SourceID: "A", Fields: map[string]string{"amount": "1.0"}})
	r3, _ := tr().Record(northstar.StreamOrders, northstar.Record{SourceID: "A", Fields: map[string]string{"amount": "1.5"}})
	if r1.RowHash != r2.RowHash || r1.RowHash == r3.RowHash {
		t.Errorf("row hashes: %d %d %d", r1.RowHash, r2.RowHash, r3.RowHash)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-02T03:04:05.000+0000": "2024-01-02T03:04:05Z",
		"2024-01-02T05:04:05+02:00":    "2024-01-02T03:04:05Z",
		"2024-01-02":                   "2024-01-02T00:00:00Z",
		"2024-01-02 03:04:05.123456":   "2024-01-02T03:04:05.123456Z",
		"2013-05-20T20:49:32.000-0700": "2013-05-21T03:49:32Z",
	} {
		got, err := transform.ParseTime(in)
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := transform.ParseTime("yesterday"); err == nil {
		t.Error("ParseTime accepted garbage")
	}
}

func TestNormalisers(t *testing.T) {
	for in, want := range map[string]string{"https://www.Example.com/x": "example.com", "bob@Shop.example": "shop.example", "acme.example": "acme.example", "": ""} {
		if got := transform.DomainOf(in); got != want {
			t.Errorf("DomainOf(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		status                 string
		cancel, paid, inv, ful bool
		want                   string
	}{{"Cancelled", false, false, false, false, "canceled"}, {"", false, true, true, true, "paid"}, {"open", false, false, true, false, "invoiced"}, {"", false, false, false, false, "open"}, {"On Hold", false, false, false, false, "on hold"}} {
		if got := transform.OrderStatus(c.status, c.cancel, c.paid, c.inv, c.ful); got != c.want {
			t.Errorf("OrderStatus(%q) = %q, want %q", c.status, got, c.want)
		}
	}
}

func FuzzRecord(f *testing.F) {
	f.Add("orders", "12.5", "2024-01-02", "EUR", "9")
	f.Add("survey_responses", "x", "2024-13-40", "", "11")
	f.Fuzz(func(t *testing.T, stream, amount, at, cur, score string) {
		s, err := northstar.ParseStream(stream)
		if err != nil {
			s = northstar.StreamOrders
		}
		fields := map[string]string{"amount": amount, "ordered_at": at, "currency": cur, "score": score, "instrument": "nps", "order": "o"}
		row, err := tr().Record(s, northstar.Record{SourceID: "x", Fields: fields})
		if err == nil && len(row.Values) != len(transform.TableFor(s).Columns) {
			t.Fatalf("%d values for %d columns", len(row.Values), len(transform.TableFor(s).Columns))
		}
	})
}
