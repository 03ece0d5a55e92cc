package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Override actions stored in ops.identity_overrides.action.
const (
	ActionLink   = "link"
	ActionUnlink = "unlink"
)

// ErrUnknownRecord is returned by Link and Unlink for a source customer
// that is not in core.source_customers.
var ErrUnknownRecord = errors.New("identity: unknown source customer")

// Override is the latest manual decision on a pair of source customers.
type Override struct {
	A, B   SourceKey
	Action string // ActionLink or ActionUnlink
	Reason string
}

// Link records that a and b are the same customer, whatever the rules
// say. It takes effect at the next Resolve and on every one after it,
// until a later Unlink of the same pair.
func Link(ctx context.Context, db *sqlx.DB, a, b SourceKey, reason string) error {
	return addOverride(ctx, db, a, b, ActionLink, reason)
}

// Unlink records that a and b are different customers: no rule may put
// them in one cluster again. It takes effect at the next Resolve.
func Unlink(ctx context.Context, db *sqlx.DB, a, b SourceKey, reason string) error {
	return addOverride(ctx, db, a, b, ActionUnlink, reason)
}

func addOverride(ctx context.Context, db *sqlx.DB, a, b SourceKey, action, reason string) error {
	if a == b {
		return fmt.Errorf("identity: %s %s with itself", action, a)
	}
	if less(b, a) {
		a, b = b, a
	}
	for _, k := range [2]SourceKey{a, b} {
		var ok bool
		if err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM core.source_customers WHERE source = $1 AND source_id = $2)`,
			k.Source, k.SourceID); err != nil {
			return fmt.Errorf("identity: %s: %w", action, err)
		}
		if !ok {
			return fmt.Errorf("%w %s", ErrUnknownRecord, k)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO ops.identity_overrides (source_a, source_id_a, source_b, source_id_b, action, reason)
		VALUES ($1, $2, $3, $4, $5, $6)`, a.Source, a.SourceID, b.Source, b.SourceID, action, strings.TrimSpace(reason)); err != nil {
		return fmt.Errorf("identity: %s %s %s: %w", action, a, b, err)
	}
	return nil
}

// less orders the two keys of a pair; a pair is stored and compared in
// this canonical order.
func less(a, b SourceKey) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.SourceID < b.SourceID
}

// loadOverrides returns the latest override of each pair (rows added by
// hand in either order count as the same pair).
func loadOverrides(ctx context.Context, q sqlx.QueryerContext) ([]Override, error) {
	rows, err := q.QueryxContext(ctx, `SELECT source_a, source_id_a, source_b, source_id_b, action, reason
		FROM ops.identity_overrides ORDER BY created_at, override_id`)
	if err != nil {
		return nil, fmt.Errorf("identity: read overrides: %w", err)
	}
	defer rows.Close()
	latest := map[[2]SourceKey]int{}
	var out []Override
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.A.Source, &o.A.SourceID, &o.B.Source, &o.B.SourceID, &o.Action, &o.Reason); err != nil {
			return nil, fmt.Errorf("identity: read overrides: %w", err)
		}
		if less(o.B, o.A) {
			o.A, o.B = o.B, o.A
		}
		k := [2]SourceKey{o.A, o.B}
		if i, ok := latest[k]; ok {
			out[i] = o
			continue
		}
		latest[k] = len(out)
		out = append(out, o)
	}
	return out, rows.Err()
}
