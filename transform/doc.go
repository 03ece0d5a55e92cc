// Package transform turns mapped source records (northstar.Record, raw text
// per unified field) into typed warehouse rows: required ids, UTC times,
// decimal amounts (never float64), survey scores checked against their
// scale, normalised statuses and instruments, and amounts converted to the
// reporting currency. A record that cannot be typed is returned as a
// northstar.Reject with a reason naming the field; nothing is dropped
// silently. The package does no I/O.
package transform
