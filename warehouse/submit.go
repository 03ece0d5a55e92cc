package warehouse

import (
	"context"
	"fmt"

	"github.com/northstar-dev/northstar"
)

// inflight is a submitted page being stored.
type inflight struct {
	merged chan struct{} // closed when the page's merge statements are done (or it failed)
	linked chan struct{} // closed when the page's customer references are linked (or it failed)
	done   chan struct{} // closed when the page committed or failed
	err    error
	keys   map[string]struct{} // the page's source ids
	stream northstar.Stream
}

// sharesKeys reports whether page p has a source id of prev, the page
// still in flight before it, in the same stream.
func sharesKeys(prev *inflight, p Page) bool {
	if prev == nil || prev.stream != p.Stream {
		return false
	}
	for _, row := range p.Rows {
		if _, ok := prev.keys[row.SourceID]; ok {
			return true
		}
	}
	return false
}

// mustFollow reports whether page p has to merge after prev: when they
// share a key (the later page would take a row lock the earlier one then
// waits for: a deadlock) or when they are customer pages (their golden
// records may be shared).
func mustFollow(prev *inflight, p Page) bool {
	if prev == nil {
		return false
	}
	if p.Stream == northstar.StreamCustomers || prev.stream != p.Stream {
		return true
	}
	return sharesKeys(prev, p)
}

// mayBeNew reports whether page p qualifies for the first-load path
// (insertNew) as far as the page itself tells: a fact or rate stream, no
// tombstone, no source id twice, and no key shared with prev, whose rows
// are not visible yet. Whether its keys are stored already is asked in
// the page's transaction.
func mayBeNew(prev *inflight, p Page, keys map[string]struct{}) bool {
	if p.Stream == northstar.StreamCustomers || len(p.Rows) == 0 || len(keys) != len(p.Rows) {
		return false
	}
	for _, row := range p.Rows {
		if row.Deleted {
			return false
		}
	}
	return !sharesKeys(prev, p)
}

// gates orders a page after the previous one: its merge waits for the
// previous merge, its commit for the previous commit.
type gates struct {
	prev   *inflight
	self   *inflight
	follow bool // merge only after prev merged
	// mayBeNew: the page may take the first-load path (see mayBeNew).
	mayBeNew bool
	closed   bool
	linked   bool
}

// waitLink waits until the previous page's customer references are
// linked (committed), or for its commit when it is of another stream
// (customers), so that this page's links see them.
func (g *gates) waitLink() {
	switch {
	case g.prev == nil:
	case g.prev.stream == g.self.stream:
		select {
		case <-g.prev.linked:
		case <-g.prev.done:
		}
	default:
		<-g.prev.done
	}
}

func (g *gates) linkedOnce() {
	if g.self != nil && !g.linked {
		g.linked = true
		close(g.self.linked)
	}
}

func (g *gates) waitMerge() error {
	if g.prev == nil || !g.follow {
		return nil
	}
	if g.prev.stream != g.self.stream {
		// The first page of a stream waits for the previous stream's last
		// commit: facts then see the customers loaded just before them.
		<-g.prev.done
		return nil
	}
	select {
	case <-g.prev.merged:
	case <-g.prev.done:
	}
	return nil
}

func (g *gates) mergedOnce() {
	if g.self != nil && !g.closed {
		g.closed = true
		close(g.self.merged)
	}
}

func (g *gates) waitCommit() error {
	if g.prev == nil {
		return nil
	}
	<-g.prev.done
	if g.prev.err != nil {
		return fmt.Errorf("previous page failed: %w", g.prev.err)
	}
	return nil
}

// maxInflight is how many pages are stored at once: while one page
// merges and commits, the next is copied and merged on a second session,
// so PostgreSQL works on two cores. Pages that share keys merge in order;
// all pages commit in order.
const maxInflight = 2

// Submit stores page p in the background and returns at once, unless
// maxInflight pages are already in flight, in which case it first waits
// for the oldest and returns its error, if any. Pages commit strictly in
// submission order, each with its cursor, so a crash leaves a prefix of
// the pages stored. onDone, when set, gets the page's counts after its
// commit. Call Flush after the last page.
func (r *Run) Submit(ctx context.Context, p Page, onDone func(northstar.Counts)) error {
	if len(r.queue) == maxInflight {
		oldest := r.queue[0]
		<-oldest.done
		r.queue = r.queue[1:]
		if oldest.err != nil {
			return oldest.err
		}
	}
	ss, err := r.session(ctx, r.submitted%maxInflight)
	if err != nil {
		return err
	}
	r.submitted++
	var prev *inflight
	if n := len(r.queue); n > 0 {
		prev = r.queue[n-1]
	}
	it := &inflight{merged: make(chan struct{}), linked: make(chan struct{}), done: make(chan struct{}), stream: p.Stream,
		keys: make(map[string]struct{}, len(p.Rows))}
	for _, row := range p.Rows {
		it.keys[row.SourceID] = struct{}{}
	}
	g := &gates{prev: prev, self: it, follow: mustFollow(prev, p), mayBeNew: !r.noFirstLoad && mayBeNew(prev, p, it.keys)}
	r.queue = append(r.queue, it)
	go func() {
		defer close(it.done)
		c, err := r.store(ctx, ss, p, g)
		it.err = err
		if err == nil && onDone != nil {
			onDone(c)
		}
	}()
	return nil
}

// Flush waits for every submitted page and returns the first error.
func (r *Run) Flush() error {
	var first error
	for _, it := range r.queue {
		<-it.done
		if it.err != nil && first == nil {
			first = it.err
		}
	}
	r.queue = nil
	return first
}

// session returns the run's i-th warehouse session, opening it on first use.
func (r *Run) session(ctx context.Context, i int) (*session, error) {
	if r.sessions[i] != nil {
		return r.sessions[i], nil
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: second session: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("warehouse: session settings: %w", err)
	}
	r.sessions[i] = &session{conn: conn, staged: map[northstar.Stream]bool{}}
	return r.sessions[i], nil
}
