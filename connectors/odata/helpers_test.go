package odata

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// connector builds a config.Connector from YAML text of its options
// section and its streams mapping.
func connector(t testing.TB, typ, opts, streams string) *config.Connector {
	t.Helper()
	c := &config.Connector{Name: "erp", Type: typ, Pos: config.Pos{File: "northstar.yaml", Line: 1, Col: 1}}
	if opts != "" {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(opts), &n); err != nil {
			t.Fatal(err)
		}
		c.Options = n.Content[0]
	}
	if streams != "" {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(streams), &n); err != nil {
			t.Fatal(err)
		}
		m := n.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			st := northstar.Stream(m.Content[i].Value)
			c.Streams = append(c.Streams, config.StreamSpec{Stream: st, Node: m.Content[i+1], Pos: config.Pos{File: "northstar.yaml", Line: m.Content[i].Line, Col: m.Content[i].Column}})
		}
	}
	return c
}

// sink applies batches the way the warehouse does: idempotent upserts in
// order, rejects kept with their reason, the last non-zero cursor stored.
type sink struct {
	recs    map[string]northstar.Record
	rejects map[string]northstar.Reject
	cursor  northstar.Cursor
	batches int
	reads   int
	total   int64
}

func newSink() *sink {
	return &sink{recs: map[string]northstar.Record{}, rejects: map[string]northstar.Reject{}}
}

func (s *sink) emit(_ context.Context, b northstar.Batch) error {
	s.batches++
	for _, r := range b.Records {
		s.reads++
		s.recs[r.SourceID] = r
		delete(s.rejects, r.SourceID)
	}
	for _, r := range b.Rejects {
		s.rejects[r.SourceID] = r
	}
	if !b.Cursor.IsZero() {
		s.cursor = b.Cursor
	}
	if b.Total >= 0 {
		s.total = b.Total
	}
	return nil
}

// sapFixture is a running SAP emulator with a source configured against it.
type sapFixture struct {
	emu *SAPEmulator
	srv *httptest.Server
	url string
}

func newSAPFixture(t testing.TB, seed SeedOptions) *sapFixture {
	t.Helper()
	e := NewSAPEmulator()
	if seed.Partners > 0 || seed.Orders > 0 {
		SeedSAP(e, seed)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return &sapFixture{emu: e, srv: srv, url: srv.URL + SAPServicePath}
}

const allSAPStreams = `
customers: { entity_set: A_BusinessPartner }
orders: { entity_set: A_SalesOrder, expand: to_Item }
order_lines: { entity_set: A_SalesOrder }
`

func (f *sapFixture) source(t testing.TB, extra string, env connectors.Env) *SAPSource {
	t.Helper()
	if env.Now == nil {
		env.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	}
	if !strings.Contains(extra, "max_retry_after") {
		extra += "max_retry_after: 50ms\n"
	}
	s, err := NewSAP(connector(t, "sap_odata", "base_url: "+f.url+"\n"+extra, allSAPStreams), env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func syncStream(t testing.TB, src northstar.Source, st northstar.Stream, since northstar.Cursor, s *sink) {
	t.Helper()
	if err := src.Extract(context.Background(), st, since, s.emit); err != nil {
		t.Fatalf("extract %s: %v", st, err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
