package warehouse

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // also the database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the warehouse connection pool.
type DB struct {
	*sqlx.DB
	log *slog.Logger
}

// Open connects to the warehouse at dsn and checks it answers.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("warehouse: open %s: %w", RedactDSN(dsn), err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("warehouse: connect to %s: %w", RedactDSN(dsn), redactErr(err, dsn))
	}
	return &DB{DB: db, log: log}, nil
}

// Migrate applies every pending embedded migration. Concurrent callers
// serialise on a PostgreSQL session advisory lock.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB.DB, sub,
		goose.WithSessionLocker(locker), goose.WithTableName("northstar_migrations"),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("warehouse: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("warehouse: migrate: %w", err)
	}
	for _, r := range res {
		db.log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// MigrationStatus reports whether every embedded migration is applied.
func (db *DB) MigrationStatus(ctx context.Context) (applied, pending int, err error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, 0, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB.DB, sub,
		goose.WithTableName("northstar_migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range st {
		if s.State == goose.StateApplied {
			applied++
		} else {
			pending++
		}
	}
	return applied, pending, nil
}

var passwordKV = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)

// RedactDSN hides the password of a URL or key=value DSN.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return passwordKV.ReplaceAllString(dsn, "${1}xxxxx")
}

func redactErr(err error, dsn string) error {
	pw := ""
	if u, perr := url.Parse(dsn); perr == nil && u.User != nil {
		pw, _ = u.User.Password()
	} else if m := passwordKV.FindStringSubmatch(dsn); m != nil {
		pw = strings.Trim(m[2], "'")
	}
	if pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}

// isNoRows reports sql.ErrNoRows.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// PostgreSQL error codes (SQLSTATE) the warehouse reacts to.
const (
	uniqueViolation  pq.ErrorCode = "23505"
	deadlockDetected pq.ErrorCode = "40P01"
)

// isSQLState reports whether err is a PostgreSQL error with SQLSTATE code.
func isSQLState(err error, code pq.ErrorCode) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == code
}
