package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/robfig/cron/v3"
)

func runStatus(ctx context.Context, a *app, _ *flag.FlagSet) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTOR\tTYPE\tSCHEDULE\tNEXT RUN\tLAST RUN\tSTATUS\tAGE\tDURATION\tREAD\tLOADED\tREJECTED\tERROR")
	for _, c := range a.cfg.Connectors {
		var (
			id                  sql.NullInt64
			status, errText     sql.NullString
			started, finished   sql.NullTime
			read, ins, upd, rej sql.NullInt64
		)
		err := a.db.QueryRowContext(ctx, `SELECT run_id, status, started_at, finished_at, records_read,
				records_inserted, records_updated, records_rejected, error
			FROM ops.sync_runs WHERE connector = $1 ORDER BY run_id DESC LIMIT 1`, c.Name).
			Scan(&id, &status, &started, &finished, &read, &ins, &upd, &rej, &errText)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("status of %s: %w", c.Name, err)
		}
		next := nextRun(c.Schedule, time.Now())
		if !id.Valid {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tnever\t-\t-\t-\t-\t-\t-\t\n", c.Name, c.Type, c.Schedule, next)
			continue
		}
		dur := "-"
		if finished.Valid {
			dur = finished.Time.Sub(started.Time).Round(time.Millisecond).String()
		}
		age := time.Since(started.Time).Round(time.Second).String()
		msg := errText.String
		if len(msg) > 80 {
			msg = msg[:77] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", c.Name, c.Type, c.Schedule, next, id.Int64,
			status.String, age, dur, read.Int64, ins.Int64+upd.Int64, rej.Int64, msg)
	}
	return tw.Flush()
}

// nextRun is when `northstar run` will next start a schedule (UTC unless
// the spec says CRON_TZ=), or "on demand" for a connector without one.
func nextRun(spec string, now time.Time) string {
	if spec == "" {
		return "on demand"
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return "invalid"
	}
	return sched.Next(now.UTC()).Format("2006-01-02 15:04 MST")
}
