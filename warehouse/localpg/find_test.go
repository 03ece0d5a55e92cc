package localpg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar"
)

// fakeBin makes dir holding executable stand-ins for the given programs.
func fakeBin(t *testing.T, dir string, programs ...string) string {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755), "mkdir")
	for _, p := range programs {
		must(t, os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\nexit 0\n"), 0o755), "write %s", p)
	}
	return dir
}

func TestSearchFind(t *testing.T) {
	t.Parallel()
	all := serverBinaries[:]
	cases := []struct {
		name string
		// setup builds the tree under tmp and returns the search and the
		// expected directory ("" means ErrNoPostgres).
		setup func(t *testing.T, tmp string) (search, string)
	}{
		{"nothing anywhere", func(t *testing.T, tmp string) (search, string) {
			return search{path: fakeBin(t, tmp+"/emptybin"), roots: []string{tmp + "/nonexistent/*/bin"}}, ""
		}},
		{"empty PATH and no roots", func(t *testing.T, tmp string) (search, string) {
			return search{}, ""
		}},
		{"PATH dir lacking initdb is skipped", func(t *testing.T, tmp string) (search, string) {
			return search{path: fakeBin(t, tmp+"/bin", "pg_ctl", "postgres")}, ""
		}},
		{"non-executable files are skipped", func(t *testing.T, tmp string) (search, string) {
			dir := fakeBin(t, tmp+"/bin", all...)
			must(t, os.Chmod(filepath.Join(dir, "initdb"), 0o644), "chmod")
			return search{path: dir}, ""
		}},
		{"found on PATH", func(t *testing.T, tmp string) (search, string) {
			dir := fakeBin(t, tmp+"/bin", all...)
			return search{path: tmp + "/empty:" + dir}, dir
		}},
		{"PATH symlink resolves to the real bin dir", func(t *testing.T, tmp string) (search, string) {
			real := fakeBin(t, tmp+"/pg/15/bin", all...)
			link := fakeBin(t, tmp+"/localbin")
			must(t, os.Symlink(filepath.Join(real, "pg_ctl"), filepath.Join(link, "pg_ctl")), "symlink")
			return search{path: link}, real
		}},
		{"highest version under the roots", func(t *testing.T, tmp string) (search, string) {
			fakeBin(t, tmp+"/pg/9.6/bin", all...)
			fakeBin(t, tmp+"/pg/15/bin", all...)
			want := fakeBin(t, tmp+"/pg/16/bin", all...)
			fakeBin(t, tmp+"/pg/17/bin", "initdb", "pg_ctl") // incomplete
			return search{roots: []string{tmp + "/pg/*/bin"}}, want
		}},
		{"10 beats 9.6", func(t *testing.T, tmp string) (search, string) {
			fakeBin(t, tmp+"/pg/9.6/bin", all...)
			want := fakeBin(t, tmp+"/pg/10/bin", all...)
			return search{roots: []string{tmp + "/pg/*/bin"}}, want
		}},
		{"versions across root patterns", func(t *testing.T, tmp string) (search, string) {
			fakeBin(t, tmp+"/usr/lib/postgresql/15/bin", all...)
			want := fakeBin(t, tmp+"/usr/pgsql-16/bin", all...)
			return search{roots: []string{tmp + "/usr/lib/postgresql/*/bin", tmp + "/usr/pgsql-*/bin"}}, want
		}},
		{"PATH wins over a higher root version", func(t *testing.T, tmp string) (search, string) {
			want := fakeBin(t, tmp+"/custom/bin", all...)
			fakeBin(t, tmp+"/pg/99/bin", all...)
			return search{path: want, roots: []string{tmp + "/pg/*/bin"}}, want
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, want := tc.setup(t, t.TempDir())
			got, err := s.find()
			if want != "" {
				must(t, err, "find")
				check(t, got == want, "found %q, want %q", got, want)
				return
			}
			check(t, errors.Is(err, ErrNoPostgres), "error %v, want ErrNoPostgres", err)
			check(t, strings.Contains(err.Error(), "apt-get install postgresql"), "error %q lacks the install hint", err)
			var hint *northstar.HintError
			check(t, errors.As(err, &hint), "error %T is not a HintError", err)
		})
	}
}

// TestFindBinariesHere checks the real search on this machine, which every
// cluster test depends on anyway.
func TestFindBinariesHere(t *testing.T) {
	t.Parallel()
	dir, err := FindBinaries()
	must(t, err, "find binaries")
	check(t, hasServerBinaries(dir), "%s lacks server binaries", dir)
}

func TestSearchForData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	real, err := FindBinaries()
	must(t, err, "find binaries")
	major, err := binaryMajor(ctx, real)
	must(t, err, "major")
	s := search{roots: []string{real}}
	cases := []struct {
		name    string
		version string // PG_VERSION content; "" means no file
		ok      bool
	}{
		{"fresh data dir", "", true},
		{"same major", major + "\n", true},
		{"other major", "9.6\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			if tc.version != "" {
				must(t, os.WriteFile(filepath.Join(data, "PG_VERSION"), []byte(tc.version), 0o600), "write")
			}
			got, err := s.forData(ctx, data)
			if tc.ok {
				must(t, err, "forData")
				check(t, got == real, "got %q, want %q", got, real)
				return
			}
			check(t, errors.Is(err, ErrNoPostgres), "error %v, want ErrNoPostgres", err)
			check(t, strings.Contains(err.Error(), "postgresql-9.6"), "error %q lacks the version hint", err)
		})
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	majors := map[string]string{"15.14": "15", "16beta1": "16", "9.6.24": "9.6", "10.1": "10", "17": "17"}
	for in, want := range majors {
		check(t, majorOf(in) == want, "majorOf(%q) = %q, want %q", in, majorOf(in), want)
	}
	dirs := map[string]string{
		"/usr/lib/postgresql/15/bin": "15",
		"/usr/pgsql-9.6/bin":         "9.6",
		"/usr/local/pgsql/bin":       "",
	}
	for in, want := range dirs {
		check(t, dirVersion(in) == want, "dirVersion(%q) = %q, want %q", in, dirVersion(in), want)
	}
	order := []struct {
		a, b string
		want int
	}{
		{"10", "9.6", 1}, {"9.6", "10", -1}, {"15", "15", 0}, {"15.2", "15", 1}, {"", "9", -1},
	}
	for _, o := range order {
		check(t, compareVersions(o.a, o.b) == o.want, "compareVersions(%q, %q) = %d, want %d", o.a, o.b, compareVersions(o.a, o.b), o.want)
	}
}
