package file

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings, one per expected error; none means valid
	}{
		{"valid", "file: {format: csv, delimiter: ';', time_format: '02.01.2006', time_zone: Europe/Berlin, page_size: 500, id: [a, b]}\nstreams:\n  orders: {path: /data/*.csv}", nil},
		{"valid headerless positions", "file: {header: false, delimiter: whitespace, id: line}\nstreams:\n  orders: {path: x.txt, fields: {customer: '1', currency: \"'USD'\"}}", nil},
		{"missing path", "streams:\n  orders: {fields: {customer: c}}", []string{`connectors[0].streams.orders: missing required key "path"`}},
		{"bad glob", "streams:\n  orders: {path: 'a[.csv'}", []string{"connectors[0].streams.orders.path: bad glob"}},
		{"bad delimiter", "file: {delimiter: ';;'}\nstreams:\n  orders: {path: a.csv}", []string{`connectors[0].file.delimiter: bad delimiter ";;"`}},
		{"bad stream delimiter", "streams:\n  orders: {path: a.csv, delimiter: '\"'}", []string{`connectors[0].streams.orders.delimiter: bad delimiter`}},
		{"bad format", "file: {format: xml}\nstreams:\n  orders: {path: a.csv}", []string{`connectors[0].file.format: unknown format "xml"`}},
		{"bad time zone", "streams:\n  orders: {path: a.csv, time_zone: Mars/Olympus}", []string{`connectors[0].streams.orders.time_zone: unknown time zone "Mars/Olympus"`}},
		{"bad time format", "file: {time_format: yyyy-mm-dd}\nstreams:\n  orders: {path: a.csv}", []string{`connectors[0].file.time_format: unknown time_format "yyyy-mm-dd"`}},
		{"bad encoding", "file: {encoding: latin1}\nstreams:\n  orders: {path: a.csv}", []string{"unsupported encoding"}},
		{"unknown key", "streams:\n  orders: {path: a.csv, sheet: 1}", []string{`unknown key "sheet"`}},
		{"id and source_id", "streams:\n  orders: {path: a.csv, id: line, fields: {source_id: x}}", []string{"set either id or fields.source_id"}},
		{"bad id", "file: {id: {a: b}}\nstreams:\n  orders: {path: a.csv}", []string{`connectors[0].file.id: want "line"`}},
		{"name not position", "file: {header: false}\nstreams:\n  orders: {path: a.csv, fields: {customer: cust}}", []string{`connectors[0].streams.orders.fields.customer: "cust" is not a column position`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConnector(tt.yaml)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !errors.Is(err, northstar.ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			var es config.Errors
			if !errors.As(err, &es) || len(es) != len(tt.want) {
				t.Fatalf("got %v, want %d errors", err, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(es[i].Error(), w) || !strings.HasPrefix(es[i].Error(), "northstar.yaml:") {
					t.Errorf("error %q, want file:line prefix and %q", es[i], w)
				}
			}
		})
	}
}

func TestNewRefusesInvalid(t *testing.T) {
	c := connector(t, "streams:\n  orders: {path: a.csv}")
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("{path: a.csv, format: xls}"), &doc); err != nil {
		t.Fatal(err)
	}
	c.Streams[0].Node = doc.Content[0] // as if config had not validated it
	if _, err := New(c, connectors.Env{}); !errors.Is(err, northstar.ErrInvalidConfig) {
		t.Fatalf("New: %v, want ErrInvalidConfig", err)
	}
}
