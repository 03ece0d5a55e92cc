package config_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestBad parses every testdata/*.bad.yaml and compares the error text,
// one problem per line, with NAME.bad.yaml.err.
func TestBad(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 22 {
		t.Fatalf("only %d bad files", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".bad.yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(file, data, lookupEnv, testKinds)
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if cfg != nil {
				t.Errorf("config returned along with errors")
			}
			var es config.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error is %T, want config.Errors", err)
			}
			for _, e := range es {
				var ce *config.Error
				if !errors.As(e, &ce) || !errors.Is(e, northstar.ErrInvalidConfig) {
					t.Errorf("%v: not a *config.Error wrapping ErrInvalidConfig", e)
				}
			}
			if !errors.Is(err, northstar.ErrInvalidConfig) {
				t.Errorf("Errors does not match ErrInvalidConfig")
			}
			golden(t, file+".err", err.Error()+"\n")
		})
	}
}

// TestGood parses every testdata/*.good.yaml and compares a JSON summary of
// the result with NAME.good.yaml.json.
func TestGood(t *testing.T) {
	files, err := filepath.Glob("testdata/*.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("only %d good files", len(files))
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".good.yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(file, data, lookupEnv, testKinds)
			if err != nil {
				t.Fatalf("unexpected errors:\n%v", err)
			}
			if !filepath.IsAbs(cfg.StateDir) {
				t.Errorf("StateDir %q is not absolute", cfg.StateDir)
			}
			rel, err := filepath.Rel(wd, cfg.StateDir)
			if err != nil {
				t.Fatal(err)
			}
			cfg.StateDir = filepath.ToSlash(rel)
			golden(t, file+".json", summary(t, cfg))
		})
	}
}

// summary renders cfg as JSON with each connector's options and stream
// entries decoded generically, so goldens show the expanded values.
func summary(t *testing.T, cfg *config.Config) string {
	t.Helper()
	type stream struct {
		Stream northstar.Stream
		Path   string
		Line   int
		Entry  map[string]any
		Fields map[string]string
	}
	type connector struct {
		Name, Type, Schedule, Webhook, Path string
		Line                                int
		Options                             map[string]any
		Streams                             []stream
	}
	out := struct {
		*config.Config
		Connectors []connector
	}{Config: cfg}
	for _, c := range cfg.Connectors {
		sc := connector{Name: c.Name, Type: c.Type, Schedule: c.Schedule, Webhook: c.Webhook, Path: c.Path, Line: c.Pos.Line}
		if err := c.Options.Decode(&sc.Options); err != nil {
			t.Fatal(err)
		}
		for _, s := range c.Streams {
			ss := stream{Stream: s.Stream, Path: s.Path, Line: s.Pos.Line, Fields: s.Fields}
			if err := s.Node.Decode(&ss.Entry); err != nil {
				t.Fatal(err)
			}
			sc.Streams = append(sc.Streams, ss)
		}
		out.Connectors = append(out.Connectors, sc)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got:\n%s--- want:\n%s", path, got, want)
	}
}
