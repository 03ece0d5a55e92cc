package warehouse

import "github.com/northstar-dev/northstar"

// FirstLoadPages returns how many of r's pages took the first-load path.
func FirstLoadPages(r *Run) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.firstLoads
}

// NoFirstLoad makes r store every page through staging and merge.
func NoFirstLoad(r *Run) { r.noFirstLoad = true }

// Probes reports whether r probes pages of s for stored keys (after a
// first-load COPY of s met one).
func Probes(r *Run, s northstar.Stream) bool { return r.probes(s) }
