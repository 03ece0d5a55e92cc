package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/robfig/cron/v3"
)

// cronParser accepts what config accepts: standard 5 fields, descriptors
// (@hourly, @every 10m) and a CRON_TZ= or TZ= prefix.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses a config schedule. A spec without a time zone
// prefix is read in UTC (not the host's zone) so that every replica,
// wherever it runs, computes the same slots. "@every D" becomes an
// aligned schedule (activations at multiples of D, so on the clock's round
// marks when D divides a day) instead of robfig's "D after the process
// started", again so that replicas share slots.
func parseSchedule(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=UTC " + spec
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	if cd, ok := s.(cron.ConstantDelaySchedule); ok {
		return alignedEvery{d: cd.Delay}, nil
	}
	return s, nil
}

// alignedEvery activates at every multiple of d (counted, as
// time.Truncate does, from Go's zero time).
type alignedEvery struct{ d time.Duration }

// Next returns the first multiple of d strictly after t.
func (a alignedEvery) Next(t time.Time) time.Time {
	return t.Truncate(a.d).Add(a.d).UTC()
}

// slotOf returns the scheduled time a job firing at now belongs to: the
// latest activation of s at or before now. Replicas firing the same
// activation a little apart (clock skew, scheduling jitter) agree on it.
func slotOf(s cron.Schedule, now time.Time) time.Time {
	now = now.UTC()
	if a, ok := s.(alignedEvery); ok {
		return now.Truncate(a.d)
	}
	const lookback = time.Hour
	t := s.Next(now.Add(-lookback))
	if t.IsZero() || t.After(now) {
		// Fired more than an hour late (or a schedule that never fires):
		// fall back to the second it fired in.
		return now.Truncate(time.Second)
	}
	for i := 0; i < 100000; i++ {
		n := s.Next(t)
		if n.IsZero() || n.After(now) {
			break
		}
		t = n
	}
	return t.UTC()
}

// Slot kinds stored in ops.schedule_slots.kind.
const (
	slotSync    = "sync"
	slotRefresh = "refresh"
)

// claimSlot records (kind, connector, at) as claimed by replica; it
// reports false when another replica already claimed it. The primary key
// of ops.schedule_slots arbitrates, so exactly one replica wins a slot.
func claimSlot(ctx context.Context, db *sqlx.DB, kind, connector string, at time.Time, replica string) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, `INSERT INTO ops.schedule_slots (kind, connector, scheduled_at, claimed_by)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`, kind, connector, at, replica).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim %s slot %s %s: %w", kind, connector, at.Format(time.RFC3339), err)
	}
	return true, nil
}

// finishSlot records how a claimed slot ended.
func finishSlot(ctx context.Context, db *sqlx.DB, kind, connector string, at time.Time, runID int64, outcome string) error {
	var id sql.NullInt64
	if runID > 0 {
		id = sql.NullInt64{Int64: runID, Valid: true}
	}
	_, err := db.ExecContext(ctx, `UPDATE ops.schedule_slots SET run_id = $4, outcome = $5, finished_at = now()
		WHERE kind = $1 AND connector = $2 AND scheduled_at = $3`, kind, connector, at, id, outcome)
	if err != nil {
		return fmt.Errorf("record %s slot %s %s: %w", kind, connector, at.Format(time.RFC3339), err)
	}
	return nil
}

// slotRetention is how long claimed slots are kept.
const slotRetention = 7 * 24 * time.Hour

// pruneSlots deletes slots older than slotRetention.
func pruneSlots(ctx context.Context, db *sqlx.DB, now time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM ops.schedule_slots WHERE scheduled_at < $1`, now.Add(-slotRetention))
	if err != nil {
		return 0, fmt.Errorf("prune schedule slots: %w", err)
	}
	return res.RowsAffected()
}

// cronLogger adapts slog to cron.Logger. cron's chatter (start, wake,
// schedule, run) goes to Debug; "skip" (from cron.SkipIfStillRunning) is
// logged at Info and passed to onSkip so the skip is counted.
type cronLogger struct {
	log    *slog.Logger
	onSkip func()
}

var _ cron.Logger = cronLogger{}

// Info logs routine scheduler messages at Debug, skips at Info.
func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		if l.onSkip != nil {
			l.onSkip()
		}
		l.log.Info("scheduled run skipped: the previous run is still in flight", kv...)
		return
	}
	l.log.Debug("cron: "+msg, kv...)
}

// Error logs scheduler errors, among them panics recovered by cron.Recover.
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
