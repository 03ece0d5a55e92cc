package sqlsource

import (
	"testing"

	"github.com/northstar-dev/northstar/connectors/conformance"
)

// TestConformance runs the shared connector suite against the ERP fixture
// on both PostgreSQL and MariaDB, once with tombstone queries and once with
// deletes learnt only by key reconciliation on a full sync.
func TestConformance(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			conformance.Run(t, newERPUpstream(t, driver, 40, 30))
		})
		t.Run(driver+"/hard deletes", func(t *testing.T) {
			u := newERPUpstream(t, driver, 25, 20)
			u.hardDeletes = true
			conformance.Run(t, u)
		})
	}
}
