package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar/config"
)

func TestLoad(t *testing.T) {
	for k, v := range testEnv {
		t.Setenv(k, v)
	}
	cfg, err := config.Load("testdata/contract.good.yaml", testKinds)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/.northstar")
	if cfg.StateDir != abs || cfg.Server.Token != "s3cret-token" || len(cfg.Connectors) != 3 {
		t.Errorf("cfg = %+v", cfg)
	}
	crm := cfg.Connectors[0]
	if crm.Name != "crm" || crm.Type != "salesforce" || crm.Schedule != "*/30 * * * *" ||
		len(crm.Streams) != 5 || crm.Streams[4].Fields["score"] != "Score__c" || crm.Pos.Line != 34 {
		t.Errorf("crm = %+v", crm)
	}
	if id := config.Lookup(crm.Options, "client_id"); id == nil || id.Value != "3MVG9-client-id" {
		t.Errorf("client_id not expanded: %v", id)
	}
	if _, err := config.Load("testdata/no-such.yaml", testKinds); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := config.Parse("/etc/northstar/northstar.yaml", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StateDir != "/etc/northstar/.northstar" || cfg.Warehouse.ReportingCurrency != "USD" ||
		cfg.Warehouse.Timezone != "UTC" || cfg.Server.Listen != "127.0.0.1:8470" ||
		cfg.Server.ShutdownTimeout != 30*time.Second || cfg.Metrics.Schedule != "15 * * * *" ||
		cfg.Metrics.CLV != (config.CLV{TimeUnit: "week", Horizon: 52, DiscountRate: 0.01, Margin: 1}) ||
		fmt.Sprint(cfg.Metrics.CSATSatisfied) != "[4 5]" || cfg.Metrics.TTVAdoptionThreshold != 0.8 ||
		fmt.Sprint(cfg.Identity.Rules) != "[{[external_id] 0} {[tax_id] 0} {[domain] 0} {[name country] 0.92}]" ||
		cfg.Warehouse.DSN != "" || cfg.Path != "/etc/northstar/northstar.yaml" {
		t.Errorf("defaults = %+v", cfg)
	}
	// Defaults returns fresh values: changing one must not change the next.
	config.Defaults().Identity.Rules[0].Match[0] = "changed"
	if config.Defaults().Identity.Rules[0].Match[0] != "external_id" {
		t.Error("Defaults shares state")
	}
}

func TestKindErrors(t *testing.T) {
	data := `connectors:
  - name: a
    type: plain
    streams: {orders: {}}
`
	calls := 0
	kinds := map[string]config.Kind{"plain": config.KindFunc(func(c *config.Connector) []error {
		calls++
		if c.Options == nil || c.Options.Line != 2 || c.Path != "connectors[0]" || c.Streams[0].Node == nil {
			t.Errorf("connector = %+v", c)
		}
		return []error{errors.New("no such host")}
	})}
	_, err := config.Parse("f.yaml", []byte(data), nil, kinds)
	if calls != 1 || err == nil || err.Error() != "f.yaml:2:5: connectors[0]: no such host" {
		t.Errorf("calls %d, err %v", calls, err)
	}
}

// TestAliasBomb: nested aliases that would expand to billions of nodes are
// refused quickly instead of exhausting memory.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for i := 0; i < 9; i++ {
		name := fmt.Sprintf("l%d", i)
		fmt.Fprintf(&b, "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name,
			prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	start := time.Now()
	_, err := config.Parse("bomb.yaml", []byte(b.String()), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestAliases: anchors and aliases work, and every copy is expanded.
func TestAliases(t *testing.T) {
	data := `connectors:
  - name: a
    type: file
    file: &opts {format: "${FMT}"}
    streams: {orders: {}}
  - name: b
    type: file
    file: *opts
    streams: {orders: {}}
`
	env := func(string) (string, bool) { return "jsonl", true }
	cfg, err := config.Parse("f.yaml", []byte(data), env, map[string]config.Kind{"file": nil})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Connectors {
		if f := config.Lookup(c.Options, "format"); f == nil || f.Value != "jsonl" {
			t.Errorf("%s: format %v", c.Name, f)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("connectors: [{name: x, type: file, file: ~, streams: {orders: {fields: {amount: ${A:-}}}}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			cfg *config.Config
			err error
		}
		done := make(chan result, 1)
		go func() {
			cfg, err := config.Parse("fuzz.yaml", data, lookupEnv, testKinds)
			done <- result{cfg, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Parse takes more than 10s on %q", data)
		}
		cfg, err := r.cfg, r.err
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without error")
			}
			return
		}
		var es config.Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %T %v is not a non-empty config.Errors", err, err)
		}
		for i, e := range es {
			var ce *config.Error
			if i > 0 {
				prev := es[i-1].(*config.Error)
				if cur := e.(*config.Error); prev.Line > cur.Line || prev.Line == cur.Line && prev.Col > cur.Col {
					t.Fatalf("errors not sorted:\n%v", err)
				}
			}
			if !errors.As(e, &ce) || ce.File != "fuzz.yaml" || ce.Line < 0 || ce.Msg == "" {
				t.Fatalf("bad error %#v", e)
			}
		}
	})
}

// TestExpandedTypes: a plain ${VAR} value is typed after expansion; an
// empty result is null (the default applies) but "null" stays text.
func TestExpandedTypes(t *testing.T) {
	env := map[string]string{"H": "26", "N": "null", "E": "", "T": "true"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		src, want string
	}{
		{"metrics:\n  clv:\n    horizon: ${H}", ""},
		{"metrics:\n  clv:\n    horizon: \"${H}\"", ""},
		{"metrics:\n  clv:\n    horizon: !!str ${H}", `want an integer, got "26"`},
		{`metrics: {clv: {horizon: "${H}"}}`, ""},
		{"metrics:\n  clv:\n    horizon: ${E}", ""},
		{"metrics:\n  clv:\n    horizon: ${N}", `want an integer, got "null"`},
		{"server:\n  token: ${N}", ""},
		{"server:\n  token: ${T}", ""},
		{"server: {token: ${T}}", "quote values that use ${VAR}"},
	}
	for _, tt := range tests {
		cfg, err := config.Parse("f.yaml", []byte(tt.src), lookup, nil)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.src, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: got %v, want %s", tt.src, err, tt.want)
		case tt.want == "" && strings.Contains(tt.src, "horizon") && cfg.Metrics.CLV.Horizon != map[bool]int{true: 26, false: 52}[strings.Contains(tt.src, "${H")]:
			t.Errorf("%s: horizon %d", tt.src, cfg.Metrics.CLV.Horizon)
		case tt.want == "" && strings.Contains(tt.src, "token") && cfg.Server.Token != env[tt.src[len(tt.src)-2:len(tt.src)-1]]:
			t.Errorf("%s: token %q", tt.src, cfg.Server.Token)
		}
	}
}
