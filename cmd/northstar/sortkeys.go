package main

import (
	"slices"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/pipeline"
)

// sortedCountKeys lists a result's streams in load order.
func sortedCountKeys(r pipeline.Result) []northstar.Stream {
	var out []northstar.Stream
	for _, s := range northstar.AllStreams() {
		if _, ok := r.Counts[s]; ok {
			out = append(out, s)
		}
	}
	return slices.Clip(out)
}
