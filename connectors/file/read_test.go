package file

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

type wantRecord struct {
	id     string
	origin string
	fields map[string]string // subset of Fields that must match
}

type wantReject struct {
	origin string
	reason string // substring
	id     string // SourceID, when known
}

func TestRead(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		stream  northstar.Stream
		records []wantRecord
		rejects []wantReject
	}{
		{
			name: "bom and fields mapping",
			yaml: `streams:
  orders: {path: testdata/bom.csv, fields: {source_id: order_id, customer: customer_id, ordered_at: date, currency: "'EUR'"}}`,
			records: []wantRecord{
				{"1", "testdata/bom.csv:2", map[string]string{"source_id": "1", "customer": "c1", "ordered_at": "2024-01-05T00:00:00Z", "amount": "10.50", "currency": "EUR"}},
				{"2", "testdata/bom.csv:3", map[string]string{"customer": "c2", "amount": "7", "currency": "EUR"}},
			},
		},
		{
			name: "quoted newline keeps start line",
			yaml: `streams:
  orders: {path: testdata/quoted.csv}`,
			records: []wantRecord{
				{"1", "testdata/quoted.csv:2", map[string]string{"status": "paid\nin full", "amount": "10.00"}},
				{"2", "testdata/quoted.csv:4", map[string]string{"status": `say "hi"`}},
				{"3", "testdata/quoted.csv:6", map[string]string{"status": "open", "ordered_at": "2024-01-07T00:00:00Z"}},
			},
		},
		{
			name: "crlf",
			yaml: `streams:
  orders: {path: testdata/crlf.csv}`,
			records: []wantRecord{
				{"1", "testdata/crlf.csv:2", map[string]string{"amount": "3.00", "ordered_at": "2024-02-01T00:00:00Z"}},
				{"2", "testdata/crlf.csv:3", map[string]string{"amount": "4.00"}},
			},
		},
		{
			name: "bad rows are rejected with their line",
			yaml: `streams:
  orders: {path: testdata/bad.csv}`,
			records: []wantRecord{
				{"1", "testdata/bad.csv:2", nil},
				{"2", "testdata/bad.csv:3", nil},
				{"8", "testdata/bad.csv:9", map[string]string{"customer": "c8"}},
			},
			rejects: []wantReject{
				{"testdata/bad.csv:4", "expected 5 columns, got 3", ""},
				{"testdata/bad.csv:5", "expected 5 columns, got 6", ""},
				{"testdata/bad.csv:6", `column "ordered_at" (ordered_at): cannot parse "2024-13-40" as RFC 3339`, "5"},
				{"testdata/bad.csv:7", "missing source_id", ""},
				{"testdata/bad.csv:8", `bare " in non-quoted-field`, ""},
			},
		},
		{
			name: "headerless whitespace positional with constant and line id",
			yaml: `file: {delimiter: whitespace, header: false, time_format: yyyymmdd, id: line}
streams:
  orders: {path: testdata/headerless.txt, fields: {customer: "1", ordered_at: "3", quantity: "4", amount: "5", currency: "'USD'"}}`,
			records: []wantRecord{
				{"headerless.txt:1", "testdata/headerless.txt:1", map[string]string{"customer": "00004", "ordered_at": "1997-01-01T00:00:00Z", "quantity": "2", "amount": "29.33", "currency": "USD"}},
				{"headerless.txt:2", "testdata/headerless.txt:2", map[string]string{"ordered_at": "1997-01-18T00:00:00Z", "amount": "29.73"}},
				{"headerless.txt:3", "testdata/headerless.txt:3", map[string]string{"customer": "00021", "amount": "63.34"}},
			},
		},
		{
			name: "jsonl nested paths, exact numbers, malformed lines",
			yaml: `streams:
  orders: {path: testdata/nested.jsonl, fields: {source_id: id, customer: customer.id, amount: total, order_type: items.0.sku, status: paid}}`,
			records: []wantRecord{
				{"o1", "testdata/nested.jsonl:1", map[string]string{"customer": "c1", "amount": "12345678901234567890.12", "ordered_at": "2024-03-01T08:00:00Z", "order_type": "A"}},
				{"o2", "testdata/nested.jsonl:3", map[string]string{"customer": "c2", "amount": "5", "ordered_at": "2024-03-02T00:00:00Z", "status": ""}},
			},
			rejects: []wantReject{
				{"testdata/nested.jsonl:4", "malformed JSON", ""},
				{"testdata/nested.jsonl:5", "not a JSON object", ""},
				{"testdata/nested.jsonl:6", "malformed JSON: data after the object", ""},
				{"testdata/nested.jsonl:7", `column "ordered_at" (ordered_at): cannot parse "yesterday"`, "o6"},
			},
		},
		{
			name: "time zone for timestamps without offset",
			yaml: `file: {delimiter: ";", time_zone: Europe/Berlin}
streams:
  orders: {path: testdata/tz.csv}`,
			records: []wantRecord{
				{"1", "testdata/tz.csv:2", map[string]string{"ordered_at": "2024-07-01T10:00:00Z", "paid_at": "2024-07-01T12:00:00Z", "modified_at": "2024-07-01T22:00:00Z"}},
				{"2", "testdata/tz.csv:3", map[string]string{"ordered_at": "2024-01-15T11:00:00Z", "paid_at": "", "modified_at": "2024-01-16T07:30:00Z"}},
			},
		},
		{
			name: "stream overrides connector options; id from columns",
			yaml: `file: {delimiter: "|", time_zone: Asia/Tokyo, id: line}
streams:
  orders: {path: testdata/tz.csv, delimiter: ";", time_zone: UTC, id: [customer, amount]}`,
			records: []wantRecord{
				{"c1|1", "testdata/tz.csv:2", map[string]string{"ordered_at": "2024-07-01T12:00:00Z", "source_id": "c1|1"}},
				{"c2|2", "testdata/tz.csv:3", map[string]string{"ordered_at": "2024-01-15T12:00:00Z"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.stream
			if s == "" {
				s = northstar.StreamOrders
			}
			recs, rejs := flatten(extract(t, connector(t, tt.yaml), connectors.Env{}, s))
			if len(recs) != len(tt.records) {
				t.Fatalf("got %d records, want %d: %+v (rejects %+v)", len(recs), len(tt.records), recs, rejs)
			}
			for i, w := range tt.records {
				r := recs[i]
				if r.SourceID != w.id || r.Origin != w.origin {
					t.Errorf("record %d: id %q origin %q, want %q %q", i, r.SourceID, r.Origin, w.id, w.origin)
				}
				for k, v := range w.fields {
					if got, ok := r.Fields[k]; !ok || got != v {
						t.Errorf("record %d: %s = %q (present %v), want %q", i, k, got, ok, v)
					}
				}
				var obj map[string]any
				if err := json.Unmarshal(r.Payload, &obj); err != nil {
					t.Errorf("record %d: payload %s: %v", i, r.Payload, err)
				}
			}
			if len(rejs) != len(tt.rejects) {
				t.Fatalf("got %d rejects, want %d: %+v", len(rejs), len(tt.rejects), rejs)
			}
			for i, w := range tt.rejects {
				r := rejs[i]
				if r.Origin != w.origin || !strings.Contains(r.Reason, w.reason) || r.SourceID != w.id {
					t.Errorf("reject %d: %q %q id %q, want %q containing %q id %q", i, r.Origin, r.Reason, r.SourceID, w.origin, w.reason, w.id)
				}
				if !json.Valid(r.Payload) {
					t.Errorf("reject %d: invalid payload %s", i, r.Payload)
				}
			}
		})
	}
}

func TestPayloadAndModifiedAt(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	writeFile(t, dir, "a.csv", "source_id,amount,note\n1,2.50,\"x\ty\"\n", mtime)
	writeFile(t, dir, "h.csv", "9 8\n", mtime)
	recs, _ := flatten(extract(t, connector(t, "streams:\n  orders: {path: "+dir+"/a.csv}"), connectors.Env{}, northstar.StreamOrders))
	if len(recs) != 1 {
		t.Fatalf("got %d records", len(recs))
	}
	// Keys in jsonb's order (shorter first, then bytewise), not the file's.
	if got, want := string(recs[0].Payload), `{"note":"x\ty","amount":"2.50","source_id":"1"}`; got != want {
		t.Errorf("payload %s, want %s", got, want)
	}
	if want := mtime.Truncate(time.Microsecond); !recs[0].ModifiedAt.Equal(want) {
		t.Errorf("ModifiedAt %v, want file mtime %v", recs[0].ModifiedAt, want)
	}
	c := connector(t, "file: {header: false, delimiter: whitespace}\nstreams:\n  orders: {path: "+dir+"/h.csv, fields: {source_id: \"2\"}}")
	recs, _ = flatten(extract(t, c, connectors.Env{}, northstar.StreamOrders))
	if len(recs) != 1 || string(recs[0].Payload) != `{"1":"9","2":"8"}` || recs[0].SourceID != "8" {
		t.Errorf("headerless payload: %+v", recs)
	}
}

func TestInvalidText(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "source_id,name\n1,ok\n2,bad\xff\n3,nul\x00x\n", time.Time{})
	writeFile(t, dir, "a.jsonl", "{\"source_id\":\"1\",\"name\":\"bad\xff\"}\n{\"source_id\":\"2\",\"name\":\"n\\u0000\"}\n", time.Time{})
	for _, glob := range []string{"/a.csv", "/a.jsonl"} {
		recs, rejs := flatten(extract(t, connector(t, "streams:\n  customers: {path: "+dir+glob+"}"), connectors.Env{}, northstar.StreamCustomers))
		wantRecs := 1
		if glob == "/a.jsonl" {
			wantRecs = 0
		}
		if len(recs) != wantRecs || len(rejs) != 2 {
			t.Fatalf("%s: %d records %d rejects: %+v", glob, len(recs), len(rejs), rejs)
		}
		for _, r := range rejs {
			if !json.Valid(r.Payload) || strings.Contains(strings.ReplaceAll(string(r.Payload), `\\`, ""), `\u0000`) {
				t.Errorf("%s: payload %q not storable", glob, r.Payload)
			}
		}
	}
}

func TestTimeFormats(t *testing.T) {
	tests := []struct {
		format, tz, in, want string
		bad                  bool
	}{
		{"", "", "2024-01-02T03:04:05.5+01:00", "2024-01-02T02:04:05.5Z", false},
		{"", "America/New_York", "2024-01-02 03:04:05", "2024-01-02T08:04:05Z", false},
		{"", "", "02.01.2024", "", true},
		{"rfc3339", "", "2024-01-02", "", true},
		{"date", "Europe/Berlin", "2024-01-02", "2024-01-01T23:00:00Z", false},
		{"yyyymmdd", "", "20240102", "2024-01-02T00:00:00Z", false},
		{"unix", "", "1700000000", "2023-11-14T22:13:20Z", false},
		{"unix", "", "1700000000.25", "2023-11-14T22:13:20.25Z", false},
		{"unix", "", "17e8", "", true},
		{"unix_ms", "", "1700000000123", "2023-11-14T22:13:20.123Z", false},
		{"02.01.2006 15:04", "Europe/Berlin", "02.01.2024 10:30", "2024-01-02T09:30:00Z", false},
	}
	for _, tt := range tests {
		p, err := newTimeParser(tt.format, tt.tz)
		if err != nil {
			t.Fatalf("%q: %v", tt.format, err)
		}
		got, err := p.parse(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%q %q: parsed as %v, want error", tt.format, tt.in, got)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("%q %q: got %v %v, want %s", tt.format, tt.in, got, err, tt.want)
		}
	}
}

// TestCDNOW loads the CDNOW sample (shared/datasets) as orders.
func TestCDNOW(t *testing.T) {
	path := sharedFile(t, "datasets/cdnow/CDNOW_sample.txt")
	c := connector(t, `file: {delimiter: whitespace, header: false, time_format: yyyymmdd, id: line}
streams:
  orders:
    path: `+path+`
    fields: {customer: "1", ordered_at: "3", quantity: "4", amount: "5", currency: "'USD'"}`)
	recs, rejs := flatten(extract(t, c, connectors.Env{}, northstar.StreamOrders))
	if len(recs) != 6919 || len(rejs) != 0 {
		t.Fatalf("got %d records %d rejects, want 6919 and 0 (%+v)", len(recs), len(rejs), rejs[:min(3, len(rejs))])
	}
	first := recs[0]
	if first.SourceID != "CDNOW_sample.txt:1" || first.Fields["customer"] != "00004" ||
		first.Fields["ordered_at"] != "1997-01-01T00:00:00Z" || first.Fields["amount"] != "29.33" || first.Fields["currency"] != "USD" {
		t.Errorf("first record %+v", first)
	}
	ids := make(map[string]bool, len(recs))
	for _, r := range recs {
		ids[r.SourceID] = true
	}
	if len(ids) != len(recs) {
		t.Errorf("%d distinct source ids for %d records", len(ids), len(recs))
	}
}

// sharedFile finds shared/REL by walking up from the working directory.
func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := dir + "/shared/" + rel
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := dir[:max(strings.LastIndex(dir, "/"), 0)]
		if parent == dir || parent == "" {
			t.Fatalf("shared/%s not found above the working directory", rel)
		}
		dir = parent
	}
}
