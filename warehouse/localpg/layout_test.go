package localpg

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQuoteDSN(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"/tmp/x":       "/tmp/x",
		"/tmp/a b":     `'/tmp/a b'`,
		`/tmp/it's`:    `'/tmp/it\'s'`,
		`/tmp/back\sl`: `'/tmp/back\\sl'`,
		"":             "''",
	}
	for in, want := range cases {
		check(t, quoteDSN(in) == want, "quoteDSN(%q) = %q, want %q", in, quoteDSN(in), want)
	}
	check(t, quoteConf(`/a'b\c`) == `'/a''b\\c'`, "quoteConf = %s", quoteConf(`/a'b\c`))
}

func TestResolveLayoutSocketDir(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		depth int // length of the extra path element
		short bool
	}{
		{"short state dir keeps the socket in place", 1, false},
		{"long state dir moves the socket", 120, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), strings.Repeat("s", tc.depth))
			must(t, os.Mkdir(state, 0o700), "mkdir")
			probe, err := resolveLayout(state, nil, false)
			must(t, err, "layout without create")
			_, err = os.Stat(probe.base)
			check(t, errors.Is(err, fs.ErrNotExist), "layout without create made %s", probe.base)
			check(t, probe.data == filepath.Join(state, "pg", "data"), "data dir %s", probe.data)

			lay, err := resolveLayout(state, nil, true)
			must(t, err, "layout")
			t.Cleanup(func() { _ = os.RemoveAll(lay.sockDir) })
			check(t, lay.sockDir == probe.sockDir, "socket dir %s with create, %s without", lay.sockDir, probe.sockDir)
			check(t, (lay.sockDir != lay.base) == tc.short, "socket dir %s, base %s", lay.sockDir, lay.base)
			check(t, len(filepath.Join(lay.sockDir, socketName)) <= maxSocketPath, "socket path too long: %s", lay.sockDir)
			for _, d := range []string{lay.base, lay.sockDir} {
				fi, err := os.Lstat(d)
				must(t, err, "stat %s", d)
				check(t, fi.IsDir() && fi.Mode().Perm() == 0o700, "%s mode %v, want dir 0700", d, fi.Mode())
			}
			check(t, strings.HasPrefix(lay.dsn("northstar"), "host="+lay.sockDir+" port=5432 user=northstar dbname=northstar sslmode=disable"), "dsn %s", lay.dsn("northstar"))
		})
	}
}

func TestOwnedDirRefusesPlanted(t *testing.T) {
	t.Parallel()
	type plant func(t *testing.T, dir string)
	cases := map[string]plant{
		"symlink": func(t *testing.T, dir string) {
			must(t, os.Symlink(t.TempDir(), dir), "symlink")
		},
		"file": func(t *testing.T, dir string) {
			must(t, os.WriteFile(dir, nil, 0o600), "write")
		},
	}
	if os.Geteuid() == 0 {
		cases["directory of another user"] = func(t *testing.T, dir string) {
			must(t, os.Mkdir(dir, 0o700), "mkdir")
			must(t, os.Chown(dir, 54321, 54321), "chown")
		}
	}
	for name, planted := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "planted")
			planted(t, dir)
			check(t, ownedDir(dir, nil) != nil, "ownedDir accepted a planted %s", name)
		})
	}
}

func TestTraversable(t *testing.T) {
	t.Parallel()
	acct := &account{name: "someone", uid: 54321, gid: 54321}
	cases := []struct {
		name        string
		parent, dir os.FileMode
		want        bool
	}{
		{"open", 0o755, 0o755, true},
		{"search only", 0o711, 0o711, true},
		{"private dir", 0o755, 0o700, false},
		{"private parent", 0o700, 0o755, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			for d := tmp; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
				must(t, os.Chmod(d, 0o755), "chmod")
			}
			parent := filepath.Join(tmp, "parent")
			dir := filepath.Join(parent, "dir")
			must(t, os.MkdirAll(dir, 0o755), "mkdir")
			must(t, os.Chmod(dir, tc.dir), "chmod")
			must(t, os.Chmod(parent, tc.parent), "chmod")
			t.Cleanup(func() { _ = os.Chmod(parent, 0o755) })
			check(t, traversable(dir, acct) == tc.want, "traversable = %v, want %v", !tc.want, tc.want)
		})
	}
}

func TestLockFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "pg.lock")
	unlock, err := lockFile(context.Background(), path)
	must(t, err, "first lock")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = lockFile(ctx, path)
	check(t, errors.Is(err, context.DeadlineExceeded), "second lock while held: %v, want deadline exceeded", err)

	unlock()
	unlock2, err := lockFile(context.Background(), path)
	must(t, err, "lock after unlock")
	unlock2()
}
