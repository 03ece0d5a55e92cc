package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"

	"github.com/northstar-dev/northstar/config"
)

// FlowStage is one order stage of the value-stream mapping. The type, its
// default and its validation live in package config, so configuration
// errors carry file positions.
type FlowStage = config.FlowStage

// Flow states an order stage may start (config.FlowNew …).
const (
	FlowNew     = config.FlowNew
	FlowActive  = config.FlowActive
	FlowWaiting = config.FlowWaiting
	FlowDone    = config.FlowDone
)

// flowMappingText describes a mapping, e.g.
// "ordered_at→active, fulfilled_at→waiting, paid_at→done".
func flowMappingText(stages []FlowStage) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = s.At + "→" + s.State
	}
	return strings.Join(parts, ", ")
}

// flowItemsSQL builds ns_flow_items from ns_orders under a validated
// mapping: one row per order with
//
//   - entered_at: the first present timestamp of the first Active/Waiting
//     stage onwards (before Done); NULL when none is present;
//   - done_at: the Done stage's timestamp (already masked at the cutoff);
//   - active_days: the sum of Active segments, each from its stage to the
//     next present stage, clipped at 0; NULL (efficiency undefined) when a
//     missing timestamp hides when the state changed — a missing stage whose
//     state differs from its predecessor's, or a missing entry stage;
//   - out_of_order: two present timestamps out of the configured order.
//
// Column names come from config.FlowTimestamps only (validated), never from input.
func flowItemsSQL(stages []FlowStage) string {
	n := len(stages) - 1 // index of Done
	col := func(i int) string { return "o." + stages[i].At }
	entry := slices.IndexFunc(stages, func(s FlowStage) bool { return s.State == FlowActive || s.State == FlowWaiting })

	var enteredCols []string
	for i := entry; i < n; i++ {
		enteredCols = append(enteredCols, col(i))
	}
	entered := "coalesce(" + strings.Join(enteredCols, ", ") + ")"
	if len(enteredCols) == 1 {
		entered = enteredCols[0]
	}

	var active []string
	for i := entry; i < n; i++ {
		if stages[i].State != FlowActive {
			continue
		}
		var next []string
		for j := i + 1; j <= n; j++ {
			next = append(next, col(j))
		}
		active = append(active, fmt.Sprintf("coalesce(greatest(extract(epoch FROM coalesce(%s) - %s), 0), 0)",
			strings.Join(next, ", "), col(i)))
	}
	activeSum := "0"
	if len(active) > 0 {
		activeSum = "(" + strings.Join(active, " + ") + ") / 86400.0"
	}

	undefined := []string{col(entry) + " IS NULL"}
	for i := entry + 1; i < n; i++ {
		if stages[i].State != stages[i-1].State {
			undefined = append(undefined, col(i)+" IS NULL")
		}
	}

	var order []string
	for i := 0; i <= n; i++ {
		for j := i + 1; j <= n; j++ {
			order = append(order, fmt.Sprintf("%s < %s", col(j), col(i)))
		}
	}

	return fmt.Sprintf(`CREATE TEMP TABLE ns_flow_items ON COMMIT DROP AS
SELECT o.source, o.source_id, o.customer_id, o.order_type, o.canceled, o.canceled_at,
       %[1]s AS entered_at,
       %[2]s AS done_at,
       CASE WHEN %[3]s THEN NULL ELSE %[4]s END AS active_days,
       coalesce(%[5]s, false) AS out_of_order
FROM ns_orders o;
ANALYZE ns_flow_items;
CREATE TEMP TABLE ns_flow_param ON COMMIT DROP AS
SELECT %[6]s::text AS mapping, %[7]s::text AS done_stage, %[8]s::text AS entry_stage;`,
		entered, col(n), strings.Join(undefined, " OR "), activeSum, strings.Join(order, " OR "),
		pq.QuoteLiteral(flowMappingText(stages)), pq.QuoteLiteral(stages[n].At), pq.QuoteLiteral(stages[entry].At))
}
