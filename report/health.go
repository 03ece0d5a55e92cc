package report

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"
)

// buildHealth fills the data-health panel relative to Options.Now (not
// the database clock, so that a report can be reproduced): the same
// figures as report.data_freshness.
func buildHealth(ctx context.Context, db *sqlx.DB, d *Data, opt Options) error {
	now := opt.Now.UTC()
	rows, err := db.QueryContext(ctx, `
		WITH last_run AS (
		    SELECT DISTINCT ON (connector) connector, status, coalesce(error, '') AS error
		    FROM ops.sync_runs WHERE started_at <= $1::timestamptz
		    ORDER BY connector, started_at DESC, run_id DESC
		), last_ok AS (
		    SELECT connector, max(finished_at) AS finished_at FROM ops.sync_runs
		    WHERE status = 'succeeded' AND finished_at <= $1::timestamptz GROUP BY connector
		), week AS (
		    SELECT connector, count(*) FILTER (WHERE status = 'partial') AS partial,
		           count(*) FILTER (WHERE status = 'failed') AS failed
		    FROM ops.sync_runs WHERE started_at > $1::timestamptz - interval '7 days' AND started_at <= $1::timestamptz GROUP BY connector
		), rej AS (
		    SELECT connector, count(*) AS total,
		           count(*) FILTER (WHERE created_at > $1::timestamptz - interval '7 days') AS week
		    FROM ops.rejected_records WHERE created_at <= $1::timestamptz GROUP BY connector
		)
		SELECT l.connector, o.finished_at, l.status, l.error, coalesce(w.partial, 0), coalesce(w.failed, 0),
		       coalesce(r.week, 0), coalesce(r.total, 0)
		FROM last_run l
		LEFT JOIN last_ok o ON o.connector = l.connector
		LEFT JOIN week w ON w.connector = l.connector
		LEFT JOIN rej r ON r.connector = l.connector
		ORDER BY l.connector`, now)
	if err != nil {
		return fmt.Errorf("report: data health: %w", err)
	}
	defer rows.Close()
	h := &d.Health
	for rows.Next() {
		var c Connector
		var ok sql.NullTime
		if err := rows.Scan(&c.Connector, &ok, &c.LastStatus, &c.LastError, &c.Partial7d, &c.Failed7d,
			&c.Rejected7d, &c.RejectedTotal); err != nil {
			return fmt.Errorf("report: data health: %w", err)
		}
		c.Age, c.Tone = "never", "bad"
		if ok.Valid {
			s := ok.Time.UTC().Format(time.RFC3339)
			c.LastSuccessAt = &s
			age := now.Sub(ok.Time)
			c.Age = ago(age)
			switch {
			case c.LastStatus == "failed" || age > 72*time.Hour:
				c.Tone = "bad"
			case c.LastStatus == "succeeded" && age <= 24*time.Hour:
				c.Tone = "good"
			default:
				c.Tone = "neutral"
			}
		}
		h.PartialRuns7d += c.Partial7d
		h.FailedRuns7d += c.Failed7d
		h.Rejected7d += c.Rejected7d
		h.RejectedTotal += c.RejectedTotal
		h.Connectors = append(h.Connectors, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: data health: %w", err)
	}
	if err := db.SelectContext(ctx, &h.TopRejects, `
		SELECT connector, stream, reason, count(*) AS count FROM ops.rejected_records
		WHERE created_at > $1::timestamptz - interval '7 days' AND created_at <= $1::timestamptz
		GROUP BY connector, stream, reason ORDER BY count(*) DESC, connector, stream, reason LIMIT 5`, now); err != nil {
		return fmt.Errorf("report: top rejects: %w", err)
	}
	return nil
}

// ago prints a duration the way the health panel does: minutes, hours
// or days.
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Round(time.Minute).Minutes()))
	case d < 47*time.Hour+30*time.Minute:
		return fmt.Sprintf("%d h ago", int(d.Round(time.Hour).Hours()))
	default:
		return fmt.Sprintf("%d d ago", int(math.Round(d.Hours()/24)))
	}
}
