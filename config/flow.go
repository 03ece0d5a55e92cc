package config

import (
	"fmt"
	"slices"
	"strings"
)

// Flow states of the Flow Framework that an order stage may start
// (metrics.md §7). Canceled is not configurable: canceled_at always ends an
// item as Canceled.
const (
	FlowNew     = "new"     // not yet in flow (e.g. awaiting acceptance)
	FlowActive  = "active"  // work in progress
	FlowWaiting = "waiting" // in flow, waiting
	FlowDone    = "done"    // complete
)

// FlowTimestamps are the order timestamps a flow mapping may use.
var FlowTimestamps = []string{"ordered_at", "fulfilled_at", "invoiced_at", "paid_at"}

// FlowStage is one order stage: the state an order is in from timestamp
// At until the next stage's timestamp.
type FlowStage struct {
	At    string `yaml:"at" ns:"required"`    // ordered_at | fulfilled_at | invoiced_at | paid_at
	State string `yaml:"state" ns:"required"` // new | active | waiting | done
}

// DefaultFlow is the mapping of metrics.md §7: ordered → Active
// (fulfilment in progress), fulfilled → Waiting (for the invoice),
// invoiced → Waiting (for payment), paid → Done.
func DefaultFlow() []FlowStage {
	return []FlowStage{
		{At: "ordered_at", State: FlowActive},
		{At: "fulfilled_at", State: FlowWaiting},
		{At: "invoiced_at", State: FlowWaiting},
		{At: "paid_at", State: FlowDone},
	}
}

// ValidateFlow checks a stage mapping: known timestamps, each at most once,
// states new/active/waiting/done, New only before the item enters flow, at
// least one Active or Waiting stage, and exactly one Done stage, last. On
// error it returns the index of the offending stage (-1: the whole list).
func ValidateFlow(stages []FlowStage) (int, error) {
	if len(stages) < 2 {
		return -1, fmt.Errorf("want at least two stages (an entry and done), got %d", len(stages))
	}
	seen := map[string]bool{}
	entered := false
	for i, s := range stages {
		if !slices.Contains(FlowTimestamps, s.At) {
			return i, fmt.Errorf("unknown timestamp %s (allowed: %s)", quote(s.At), strings.Join(FlowTimestamps, ", "))
		}
		if seen[s.At] {
			return i, fmt.Errorf("%s is listed twice", s.At)
		}
		seen[s.At] = true
		last := i == len(stages)-1
		switch s.State {
		case FlowNew:
			if entered {
				return i, fmt.Errorf("%s: new must come before every active or waiting stage", s.At)
			}
		case FlowActive, FlowWaiting:
			entered = true
		case FlowDone:
			if !last {
				return i, fmt.Errorf("%s: done must be the last stage", s.At)
			}
		default:
			return i, fmt.Errorf("%s: unknown state %s (allowed: new, active, waiting, done)", s.At, quote(s.State))
		}
		if last && s.State != FlowDone {
			return i, fmt.Errorf("the last stage (%s) must be done, got %s", s.At, s.State)
		}
	}
	if !entered {
		return -1, fmt.Errorf("no active or waiting stage: orders would never be in flow")
	}
	return -1, nil
}
