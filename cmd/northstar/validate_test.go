package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestValidateTestdata runs `northstar validate` on every bad and good
// configuration in config/testdata with the real connector types: each bad
// file exits 1 and prints only file:line:col errors; good files pass.
func TestValidateTestdata(t *testing.T) {
	bad, _ := filepath.Glob("../../config/testdata/*.bad.yaml")
	good, _ := filepath.Glob("../../config/testdata/*.good.yaml")
	good = append(good, "../../northstar.example.yaml")
	if len(bad) < 20 || len(good) < 3 {
		t.Fatalf("found %d bad and %d good files", len(bad), len(good))
	}
	env := []string{"DATABASE_URL=postgres://x@127.0.0.1/none", "NORTHSTAR_TOKEN=s3cret-token",
		"SF_CLIENT_ID=id", "SF_CLIENT_SECRET=secret", "SF_USERNAME=u@example.com", "SAP_USER=u", "SAP_PASSWORD=p",
		"HORIZON=26", "NOT_A_NUMBER=lots", "EMPTY=", "SHOP_DIR=/data/shop"}
	for _, f := range bad {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cmd := exec.Command(binary, "validate", "-c", f)
			cmd.Env = env
			out, err := cmd.Output()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("want exit 1, got %v\n%s", err, out)
			}
			pos := regexp.MustCompile(`^` + regexp.QuoteMeta(f) + `:\d+:\d+: `)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) == 0 || lines[0] == "" {
				t.Fatal("no error printed")
			}
			for _, l := range lines {
				if !pos.MatchString(l) {
					t.Errorf("not a file:line:col error: %q", l)
				}
			}
		})
	}
	for _, f := range good {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cmd := exec.Command(binary, "validate", "-c", f)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("good file refused: %v\n%s", err, out)
			}
		})
	}
}
