// Package conformance is the test suite every connector passes: full read,
// incremental read, idempotent re-read, deletes, and resume after a killed
// run, all loaded into a real PostgreSQL warehouse through the same sync
// path the product uses. A connector adds one test:
//
//	func TestConformance(t *testing.T) { conformance.Run(t, myUpstream) }
package conformance

import (
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// Upstream is a connector's emulator as the suite drives it.
type Upstream interface {
	// Source builds a Source reading the upstream's current state; it is
	// called once per sync run, with the Env the suite prepared.
	Source(t testing.TB, env connectors.Env) northstar.Source
	// Mutate changes the upstream: updates some records (moving their
	// change timestamps forward), inserts new ones, deletes some.
	Mutate(t testing.TB)
	// Snapshot returns the upstream's live (not deleted) records per
	// stream: source_id → amount as decimal text for orders and
	// order_lines (mrr for contracts), "" for other streams.
	Snapshot(t testing.TB) map[northstar.Stream]map[string]string
}
