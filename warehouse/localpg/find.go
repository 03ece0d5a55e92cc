package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/northstar-dev/northstar"
)

// ErrNoPostgres reports that no PostgreSQL server binaries (initdb, pg_ctl,
// postgres) were found on PATH or under the usual installation roots.
var ErrNoPostgres = errors.New("localpg: postgresql server binaries (initdb, pg_ctl, postgres) not found")

// installHint is what the operator can do about ErrNoPostgres.
const installHint = "install the PostgreSQL server, e.g. apt-get install postgresql, or set warehouse.dsn / DATABASE_URL"

// serverBinaries are the programs a directory must hold to run a cluster.
var serverBinaries = [...]string{"initdb", "pg_ctl", "postgres"}

// search says where to look for the server binaries. It is a value passed
// down explicitly (no package state) so tests can point it anywhere.
type search struct {
	// path is a PATH-style list searched first, in order.
	path string
	// roots are glob patterns of bin directories (e.g.
	// /usr/lib/postgresql/*/bin); the highest version wins.
	roots []string
}

// defaultSearch is the process PATH plus the Debian/Ubuntu, RHEL and
// source-build installation roots.
func defaultSearch() search {
	return search{
		path:  os.Getenv("PATH"),
		roots: []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"},
	}
}

// FindBinaries returns the directory holding initdb, pg_ctl and postgres.
// A directory on PATH wins (the operator chose it); otherwise the highest
// version under /usr/lib/postgresql/*/bin (and the RHEL and source-build
// roots) is used. When nothing is found the error wraps ErrNoPostgres and
// carries an install hint.
func FindBinaries() (dir string, err error) {
	return defaultSearch().find()
}

// find returns the preferred candidate.
func (s search) find() (string, error) {
	c := s.candidates()
	if len(c) == 0 {
		return "", s.notFound("")
	}
	return c[0], nil
}

// notFound builds the ErrNoPostgres error; extra narrows the message.
func (s search) notFound(extra string) error {
	msg := fmt.Sprintf("searched PATH and %s", strings.Join(s.roots, ", "))
	if extra != "" {
		msg = extra + "; " + msg
	}
	return &northstar.HintError{Err: fmt.Errorf("%w (%s)", ErrNoPostgres, msg), Hint: installHint}
}

// candidates lists usable binary directories in order of preference: PATH
// entries first (symlinks resolved, so /usr/local/bin/pg_ctl pointing into
// /usr/lib/postgresql/15/bin yields the latter), then the roots from the
// highest version down. Duplicates are dropped.
func (s search) candidates() []string {
	var out []string
	seen := map[string]bool{}
	add := func(dir string) {
		if !seen[dir] && hasServerBinaries(dir) {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	for _, d := range filepath.SplitList(s.path) {
		if d == "" || !isExecutable(filepath.Join(d, "pg_ctl")) {
			continue
		}
		real, err := filepath.EvalSymlinks(filepath.Join(d, "pg_ctl"))
		if err != nil {
			continue
		}
		add(filepath.Dir(real))
	}
	var rooted []string
	for _, pattern := range s.roots {
		m, _ := filepath.Glob(pattern) // only ErrBadPattern, and ours are fixed
		rooted = append(rooted, m...)
	}
	sort.SliceStable(rooted, func(i, j int) bool {
		if c := compareVersions(dirVersion(rooted[i]), dirVersion(rooted[j])); c != 0 {
			return c > 0
		}
		return rooted[i] < rooted[j]
	})
	for _, d := range rooted {
		add(d)
	}
	return out
}

// forData returns the preferred candidate able to run the cluster in
// dataDir: the major version must match dataDir/PG_VERSION when it exists,
// because a cluster cannot be started by another major version.
func (s search) forData(ctx context.Context, dataDir string) (string, error) {
	cands := s.candidates()
	if len(cands) == 0 {
		return "", s.notFound("")
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return cands[0], nil
	}
	if err != nil {
		return "", fmt.Errorf("localpg: read cluster version: %w", err)
	}
	want := strings.TrimSpace(string(raw))
	var found []string
	for _, dir := range cands {
		got, err := binaryMajor(ctx, dir)
		if err != nil {
			return "", err
		}
		if got == want {
			return dir, nil
		}
		found = append(found, got)
	}
	return "", &northstar.HintError{
		Err: fmt.Errorf("%w: cluster %s was initialised by PostgreSQL %s, found only %s",
			ErrNoPostgres, dataDir, want, strings.Join(found, ", ")),
		Hint: fmt.Sprintf("install PostgreSQL %s (e.g. apt-get install postgresql-%s), or remove %s to start afresh", want, want, dataDir),
	}
}

// binaryMajor asks dir/pg_ctl for its major version ("15", or "9.6" before 10).
func binaryMajor(ctx context.Context, dir string) (string, error) {
	// --version is answered before pg_ctl's refusal to run as root.
	out, err := exec.CommandContext(ctx, filepath.Join(dir, "pg_ctl"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("localpg: %s/pg_ctl --version: %w", dir, err)
	}
	// "pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
	_, after, ok := strings.Cut(string(out), "(PostgreSQL) ")
	if !ok {
		return "", fmt.Errorf("localpg: %s/pg_ctl --version: unexpected output %q", dir, out)
	}
	return majorOf(strings.Fields(after)[0]), nil
}

// majorOf maps a full version to the major version PG_VERSION records:
// "15.14" → "15", "16beta1" → "16", "9.6.24" → "9.6".
func majorOf(v string) string {
	parts := versionParts(v)
	if len(parts) == 0 {
		return v
	}
	if parts[0] < 10 && len(parts) > 1 {
		return strconv.Itoa(parts[0]) + "." + strconv.Itoa(parts[1])
	}
	return strconv.Itoa(parts[0])
}

// dirVersion guesses the version of a bin directory from its path:
// /usr/lib/postgresql/15/bin → "15", /usr/pgsql-9.6/bin → "9.6".
func dirVersion(dir string) string {
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		base := filepath.Base(d)
		if i := strings.IndexAny(base, "0123456789"); i >= 0 {
			return base[i:]
		}
	}
	return ""
}

// versionParts parses the leading dotted numbers of v ("9.6.24" → 9 6 24).
func versionParts(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ".") {
		end := 0
		for end < len(f) && f[end] >= '0' && f[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, err := strconv.Atoi(f[:end])
		if err != nil {
			break
		}
		out = append(out, n)
		if end < len(f) {
			break
		}
	}
	return out
}

// compareVersions orders dotted versions numerically (10 > 9.6).
func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x > y {
				return 1
			}
			return -1
		}
	}
	return 0
}

// hasServerBinaries reports whether dir holds every server binary.
func hasServerBinaries(dir string) bool {
	for _, b := range serverBinaries {
		if !isExecutable(filepath.Join(dir, b)) {
			return false
		}
	}
	return true
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
