package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// connector parses YAML holding an optional `file:` section and `streams:`
// as connector "shop" of type file, through the config package and
// Validate, and fails the test on any configuration error.
func connector(t testing.TB, src string) *config.Connector {
	t.Helper()
	c, err := parseConnector(src)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return c
}

func parseConnector(src string) (*config.Connector, error) {
	doc := "connectors:\n  - name: shop\n    type: file\n" + indent(src, "    ")
	cfg, err := config.Parse("northstar.yaml", []byte(doc), nil, map[string]config.Kind{"file": config.KindFunc(Validate)})
	if err != nil {
		return nil, err
	}
	return &cfg.Connectors[0], nil
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// extract builds a Source and returns every batch Extract emits.
func extract(t testing.TB, c *config.Connector, env connectors.Env, s northstar.Stream) []northstar.Batch {
	t.Helper()
	src, err := New(c, env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var out []northstar.Batch
	err = src.Extract(context.Background(), s, northstar.Cursor{}, func(_ context.Context, b northstar.Batch) error {
		out = append(out, b)
		return nil
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return out
}

// flatten returns all records and rejects of batches.
func flatten(bs []northstar.Batch) ([]northstar.Record, []northstar.Reject) {
	var recs []northstar.Record
	var rejs []northstar.Reject
	for _, b := range bs {
		recs = append(recs, b.Records...)
		rejs = append(rejs, b.Rejects...)
	}
	return recs, rejs
}

// writeFile writes content to dir/name with modification time mtime (if set).
func writeFile(t testing.TB, dir, name, content string, mtime time.Time) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return p
}
