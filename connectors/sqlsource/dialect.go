package sqlsource

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"
)

// dialect holds what differs between PostgreSQL and MySQL/MariaDB.
type dialect struct {
	name string // postgres | mysql
}

// quote quotes a column name resolved from the database's own column list.
func (d dialect) quote(ident string) string {
	if d.name == "mysql" {
		return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// combine returns the expression joining a date column and a time column
// into one timestamp (a NULL time counts as midnight).
func (d dialect) combine(date, clock string) string {
	if d.name == "mysql" {
		return fmt.Sprintf("TIMESTAMP(%s, COALESCE(%s, '00:00:00'))", date, clock)
	}
	return fmt.Sprintf("(%s + COALESCE(%s, TIME '00:00:00'))", date, clock)
}

// args builds a statement's parameter list: PostgreSQL numbers its
// placeholders, MySQL repeats `?` with one argument per occurrence.
type args struct {
	d    dialect
	vals []any
}

// add returns the placeholder of v.
func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	if a.d.name == "mysql" {
		return "?"
	}
	return "$" + strconv.Itoa(len(a.vals))
}

// bindSince replaces every $since in a user query with a placeholder bound
// to t.
func (a *args) bindSince(q string, t time.Time) string {
	if a.d.name == "mysql" {
		var b strings.Builder
		parts := strings.Split(q, "$since")
		for i, p := range parts {
			if i > 0 {
				b.WriteString(a.add(t))
			}
			b.WriteString(p)
		}
		return b.String()
	}
	if !strings.Contains(q, "$since") {
		return q
	}
	// A PostgreSQL query may already use $1…: $since takes the next number.
	return strings.ReplaceAll(q, "$since", a.add(t))
}

// connector builds the driver connector for dsn without dialing. MySQL
// connections always parse DATE/DATETIME into time.Time (in the DSN's loc,
// UTC by default, with the session time_zone then set to UTC too) so that
// times are converted the same on both drivers.
func (d dialect) connector(dsn string) (driver.Connector, error) {
	switch d.name {
	case "postgres":
		return pq.NewConnector(dsn)
	case "mysql":
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, err
		}
		cfg.ParseTime = true
		if _, set := cfg.Params["time_zone"]; !set && cfg.Loc == time.UTC {
			// TIMESTAMP columns are converted to the session's time zone:
			// make it UTC, as the driver reads every time as cfg.Loc.
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params["time_zone"] = "'+00:00'"
		}
		return mysql.NewConnector(cfg)
	}
	return nil, fmt.Errorf("unknown driver %q", d.name)
}

// open returns a pool for dsn; it never dials.
func (d dialect) open(dsn string) (*sql.DB, error) {
	c, err := d.connector(dsn)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	// An ERP is somebody else's production database: keep a small footprint.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	return db, nil
}
