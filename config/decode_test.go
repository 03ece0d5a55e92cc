package config_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar/config"
)

type inner struct {
	URL  string `yaml:"url" ns:"required"`
	Port uint16 `yaml:"port"`
}

type everything struct {
	Name     string             `yaml:"name"`
	On       bool               `yaml:"on"`
	Count    int                `yaml:"count"`
	Small    int8               `yaml:"small"`
	Ratio    float64            `yaml:"ratio"`
	Wait     time.Duration      `yaml:"wait"`
	Amount   decimal.Decimal    `yaml:"amount"`
	Tags     []string           `yaml:"tags"`
	Limits   map[string]int     `yaml:"limits"`
	Inner    inner              `yaml:"inner"`
	Opt      *inner             `yaml:"opt"`
	Many     []inner            `yaml:"many"`
	Raw      *yaml.Node         `yaml:"raw"`
	Any      any                `yaml:"any"`
	Default  string             `yaml:"default"`
	Ignored  string             `yaml:"-"`
	Untagged string             // key "untagged"
	Nested   map[string][]int64 `yaml:"nested"`
}

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func messages(errs []error) string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}

func TestDecodeTypes(t *testing.T) {
	src := `
name: 123
on: true
count: -7
small: 100
ratio: 2
wait: 1m30s
amount: "12.345"
tags: [a, b]
limits: {x: 1, y: 2}
inner: {url: http://x, port: 8080}
opt: {url: http://o}
many: [{url: a}, {url: b, port: 1}]
raw: {anything: [goes]}
any: {k: [1, two]}
default: ~
untagged: u
nested: {a: [1, 2], b: []}
`
	v := everything{Default: "kept"}
	if errs := config.Decode("f.yaml", node(t, src), "p", &v); errs != nil {
		t.Fatalf("errors: %v", messages(errs))
	}
	want := everything{
		Name: "123", On: true, Count: -7, Small: 100, Ratio: 2, Wait: 90 * time.Second,
		Amount: decimal.RequireFromString("12.345"), Tags: []string{"a", "b"},
		Limits: map[string]int{"x": 1, "y": 2}, Inner: inner{URL: "http://x", Port: 8080},
		Opt: &inner{URL: "http://o"}, Many: []inner{{URL: "a"}, {URL: "b", Port: 1}},
		Any: map[string]any{"k": []any{1, "two"}}, Default: "kept", Untagged: "u",
		Nested: map[string][]int64{"a": {1, 2}, "b": {}},
	}
	if v.Raw == nil || v.Raw.Kind != yaml.MappingNode || v.Raw.Line != 14 {
		t.Errorf("raw node = %+v", v.Raw)
	}
	v.Raw = nil
	if !v.Amount.Equal(want.Amount) {
		t.Errorf("amount = %v", v.Amount)
	}
	v.Amount, want.Amount = decimal.Zero, decimal.Zero
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got  %+v\nwant %+v", v, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "nme: x", `f.yaml:1:1: p.nme: unknown key "nme" (allowed: name, on, count, small, ratio, wait, amount, tags, limits, inner, opt, many, raw, any, default, untagged, nested)`},
		{"ignored key is unknown", "ignored: x", `f.yaml:1:1: p.ignored: unknown key "ignored"`},
		{"duplicate", "name: a\nname: b", `f.yaml:2:1: p.name: duplicate key "name" (first at line 1)`},
		{"not a mapping", "[1]", "f.yaml:1:1: p: want a mapping, got a list"},
		{"string from mapping", "name: {a: 1}", "f.yaml:1:7: p.name: want a string, got a mapping"},
		{"bool", "on: yes", `f.yaml:1:5: p.on: want a boolean, got "yes"`},
		{"int from float", "count: 1.5", `f.yaml:1:8: p.count: want an integer, got "1.5"`},
		{"int from quoted", `count: "1"`, `f.yaml:1:8: p.count: want an integer, got "1"`},
		{"int8 overflow", "small: 300", `f.yaml:1:8: p.small: want an integer, got "300"`},
		{"float", "ratio: high", `f.yaml:1:8: p.ratio: want a number, got "high"`},
		{"duration", "wait: 10", `f.yaml:1:7: p.wait: want a duration such as "30s" or "1m30s", got "10"`},
		{"text unmarshaler", "amount: abc", `f.yaml:1:9: p.amount: bad value "abc": error decoding string 'abc': can't convert abc to decimal`},
		{"list", "tags: a", `f.yaml:1:7: p.tags: want a list, got "a"`},
		{"list item", "tags: [a, [b]]", "f.yaml:1:11: p.tags[1]: want a string, got a list"},
		{"map value", "limits: {x: y}", `f.yaml:1:13: p.limits.x: want an integer, got "y"`},
		{"nested required", "inner: {port: 1}", `f.yaml:1:8: p.inner: missing required key "url"`},
		{"required empty", `inner: {url: ""}`, `f.yaml:1:14: p.inner.url: must not be empty`},
		{"required null", `inner: {url: ~}`, `f.yaml:1:14: p.inner.url: must not be empty`},
		{"null struct checks required", "inner:", `f.yaml:1:7: p.inner: missing required key "url"`},
		{"uint negative", "inner: {url: a, port: -1}", `f.yaml:1:23: p.inner.port: want a non-negative integer, got "-1"`},
		{"list of structs", "many: [{url: a}, {}]", `f.yaml:1:18: p.many[1]: missing required key "url"`},
		{"long value shortened", "count: " + strings.Repeat("x", 60), `got "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v everything
			got := messages(config.Decode("f.yaml", node(t, tt.src), "p", &v))
			if !strings.Contains(got, tt.want) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if strings.Count(got, "\n") != 0 {
				t.Errorf("want exactly one error, got:\n%s", got)
			}
		})
	}
}

func TestDecodeEdges(t *testing.T) {
	var v inner
	if got := messages(config.Decode("f.yaml", nil, "sec", &v)); got != `f.yaml:0:0: sec: missing required key "url"` {
		t.Errorf("nil node: %s", got)
	}
	if got := messages(config.Decode("f.yaml", node(t, "url: x"), "", v)); !strings.Contains(got, "want a non-nil pointer") {
		t.Errorf("non-pointer: %s", got)
	}
	var m map[string]string
	if errs := config.Decode("f.yaml", node(t, "a: 1\nb: true"), "", &m); errs != nil || m["a"] != "1" || m["b"] != "true" {
		t.Errorf("map: %v %v", m, errs)
	}
	errs := config.Decode("f.yaml", node(t, "x: 1"), "", &inner{})
	var ce *config.Error
	if len(errs) != 2 || !errors.As(errs[0], &ce) || ce.Line != 1 || ce.Col != 1 || ce.Path != "x" {
		t.Errorf("positions: %v", messages(errs))
	}
}

func TestStreamSpecDecodeSkipsFields(t *testing.T) {
	data := `connectors:
  - name: s
    type: odata
    streams:
      orders:
        entity_set: A_SalesOrder
        fields: {amount: TotalNetAmount}
`
	var got odataStream
	kinds := map[string]config.Kind{"odata": config.KindFunc(func(c *config.Connector) []error {
		return c.Streams[0].Decode(&got)
	})}
	cfg, err := config.Parse("f.yaml", []byte(data), nil, kinds)
	if err != nil {
		t.Fatal(err)
	}
	if got.EntitySet != "A_SalesOrder" || cfg.Connectors[0].Streams[0].Fields["amount"] != "TotalNetAmount" {
		t.Errorf("got %+v, %+v", got, cfg.Connectors[0].Streams[0])
	}
}

func TestErrorFormat(t *testing.T) {
	e := &config.Error{File: "a.yaml", Line: 3, Col: 5, Path: "x.y", Msg: "bad"}
	if e.Error() != "a.yaml:3:5: x.y: bad" {
		t.Error(e.Error())
	}
	e.Path = ""
	if e.Error() != "a.yaml:3:5: bad" {
		t.Error(e.Error())
	}
	if got := config.Errorf("a.yaml", nil, "p", "n=%d", 1).Error(); got != "a.yaml:0:0: p: n=1" {
		t.Error(got)
	}
}

func TestLookup(t *testing.T) {
	n := node(t, "a: 1\nb: {c: 2}\na: 3")
	if v := config.Lookup(n, "a"); v == nil || v.Value != "1" {
		t.Errorf("a = %v", v)
	}
	if v := config.Lookup(config.Lookup(n, "b"), "c"); v == nil || v.Value != "2" {
		t.Errorf("b.c = %v", v)
	}
	if config.Lookup(n, "z") != nil || config.Lookup(nil, "a") != nil || config.Lookup(config.Lookup(n, "a"), "x") != nil {
		t.Error("want nil")
	}
}
