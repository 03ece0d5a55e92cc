package sqlsource

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

var update = flag.Bool("update", false, "rewrite testdata/*.err golden files")

// TestConfigFiles parses testdata/*.yaml through config.Parse with this
// package as the sql Kind: *.good.yaml must pass, *.bad.yaml must fail with
// exactly the errors in *.bad.yaml.err (file:line:col: path: problem).
func TestConfigFiles(t *testing.T) {
	kinds := map[string]config.Kind{"sql": config.KindFunc(Validate)}
	env := func(k string) (string, bool) {
		if k == "ERP_DSN" {
			return "erp:" + secret + "@tcp(erp.example:3306)/erp", true
		}
		return "", false
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) < 2 {
		t.Fatalf("testdata holds %d files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(f, data, env, kinds)
			if strings.HasSuffix(f, ".good.yaml") {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				for i := range cfg.Connectors {
					s, err := New(&cfg.Connectors[i], connectors.Env{})
					if err != nil {
						t.Fatalf("New: %v", err)
					}
					s.Close()
				}
				return
			}
			if err == nil {
				t.Fatal("parse succeeded")
			}
			got := err.Error() + "\n"
			if strings.Contains(got, secret) {
				t.Errorf("errors leak the DSN password:\n%s", got)
			}
			golden := f + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
