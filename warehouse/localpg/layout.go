package localpg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Port is the port of the managed cluster. With no TCP listener it only
// names the socket file (.s.PGSQL.5432), so it never clashes with a system
// PostgreSQL on 127.0.0.1:5432.
const Port = 5432

const (
	// maxSocketPath is the longest unix socket path the kernel accepts
	// (sizeof sun_path is 108 on Linux, one byte goes to the NUL).
	maxSocketPath = 107
	// socketName is the socket file PostgreSQL creates in its socket dir.
	socketName = ".s.PGSQL.5432"
)

// account is the unprivileged user the cluster runs as when northstar runs
// as root (PostgreSQL refuses to run as root). Nil means "run as ourselves".
type account struct {
	name     string
	uid, gid uint32
}

// serverAccount picks the user the server runs as: nil when we are not
// root, else postgres if it exists, else nobody.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, errors.New("localpg: running as root, but neither user postgres nor nobody exists to run the server")
}

// layout is where one state dir's cluster lives. Every path is absolute.
type layout struct {
	stateDir string // the northstar state dir
	lockFile string // <state>/pg.lock, serialises init/start/stop
	link     string // <state>/pg: the base dir itself, or a symlink to it
	base     string // real directory holding data, log and usually the socket
	data     string // <base>/data, the PGDATA
	logFile  string // <base>/postgres.log (pg_ctl -l)
	sockDir  string // unix_socket_directories
}

// initDir is where initdb writes before the result is renamed to data, so
// a crash mid-initdb never leaves a half-made data dir behind.
func (l layout) initDir() string { return l.data + ".init" }

// initialised reports whether the data dir holds a complete cluster.
func (l layout) initialised() bool {
	_, err := os.Stat(filepath.Join(l.data, "PG_VERSION"))
	return err == nil
}

// dsn is the lib/pq key=value DSN for database db.
func (l layout) dsn(db string) string {
	return fmt.Sprintf("host=%s port=%d user=northstar dbname=%s sslmode=disable",
		quoteDSN(l.sockDir), Port, quoteDSN(db))
}

// quoteDSN quotes a lib/pq key=value value when it needs it.
func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`+"\t\n") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// shortName is a stable, short directory name derived from path.
func shortName(prefix, path string) string {
	sum := sha256.Sum256([]byte(path))
	return prefix + hex.EncodeToString(sum[:6])
}

// resolveLayout works out the layout of stateDir (already absolute).
//
// The choice is recorded on disk by <state>/pg itself: a directory means the
// cluster lives in place, a symlink points at the fallback chosen when the
// server user could not traverse to the state dir (root's state dir under
// /root or a 0700 temp dir). Without create nothing is touched, and a
// missing <state>/pg yields the in-place layout (with no cluster in it).
func resolveLayout(stateDir string, acct *account, create bool) (layout, error) {
	l := layout{
		stateDir: stateDir,
		lockFile: filepath.Join(stateDir, "pg.lock"),
		link:     filepath.Join(stateDir, "pg"),
	}
	fi, err := os.Lstat(l.link)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(l.link)
		if err != nil {
			return l, fmt.Errorf("localpg: read %s: %w", l.link, err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(stateDir, target)
		}
		l.base = target
	case err == nil && fi.IsDir():
		l.base = l.link
	case err == nil:
		return l, fmt.Errorf("localpg: %s is neither a directory nor a symlink", l.link)
	case !errors.Is(err, fs.ErrNotExist):
		return l, fmt.Errorf("localpg: %w", err)
	case !create || acct == nil || traversable(stateDir, acct):
		l.base = l.link
	default:
		l.base = filepath.Join(os.TempDir(), shortName("northstar-pg-", stateDir))
	}
	l.data = filepath.Join(l.base, "data")
	l.logFile = filepath.Join(l.base, "postgres.log")
	l.sockDir = l.base
	if len(l.base)+1+len(socketName) > maxSocketPath {
		l.sockDir = shortSocketDir(l.base)
	}
	if !create {
		return l, nil
	}
	if err := ownedDir(l.base, acct); err != nil {
		return l, err
	}
	if l.base != l.link {
		if _, err := os.Lstat(l.link); errors.Is(err, fs.ErrNotExist) {
			if err := os.Symlink(l.base, l.link); err != nil {
				return l, fmt.Errorf("localpg: %w", err)
			}
		}
	}
	if l.sockDir != l.base {
		if err := ownedDir(l.sockDir, acct); err != nil {
			return l, err
		}
	}
	return l, nil
}

// shortSocketDir is a socket dir under the temp dir named after a hash of
// base, for state dirs too deep for a unix socket path.
func shortSocketDir(base string) string {
	name := shortName("northstar-pgsock-", base)
	dir := filepath.Join(os.TempDir(), name)
	if len(dir)+1+len(socketName) > maxSocketPath {
		dir = filepath.Join("/tmp", name)
	}
	return dir
}

// ownedDir makes dir exist as a real directory of mode 0700 owned by the
// server user (acct, or ourselves when acct is nil). A directory that
// already exists must already belong to that user (or to us, in which case
// it is handed over): the fallback dirs live in the shared temp dir, where
// someone else could have planted one.
func ownedDir(dir string, acct *account) error {
	uid, gid := uint32(os.Geteuid()), uint32(os.Getegid())
	if acct != nil {
		uid, gid = acct.uid, acct.gid
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("localpg: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok {
		return fmt.Errorf("localpg: %s is not a directory", dir)
	}
	switch st.Uid {
	case uid:
	case uint32(os.Geteuid()):
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
	default:
		return fmt.Errorf("localpg: %s belongs to uid %d, not %d; remove it", dir, st.Uid, uid)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
	}
	return nil
}

// traversable reports whether acct may search every directory from / down
// to dir. It reads mode bits only (primary group, no ACLs), so it may say no
// where the kernel would say yes; that only costs the fallback location.
func traversable(dir string, acct *account) bool {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	for d := real; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		var bit fs.FileMode = 0o001
		switch {
		case st.Uid == acct.uid:
			bit = 0o100
		case st.Gid == acct.gid:
			bit = 0o010
		}
		if fi.Mode().Perm()&bit == 0 {
			return false
		}
		if d == "/" || d == filepath.Dir(d) {
			return true
		}
	}
}
