// Package warehouse is northstar's PostgreSQL: embedded migrations (applied
// under a session advisory lock, so concurrent starts are safe), sync runs
// with per-connector advisory locks, and the loader that stores each page
// with one COPY into a temporary staging table and one transaction that
// merges raw and core, writes tombstones and rejects, advances the cursor
// or file manifest, and updates the run's counts. A crash at any point
// loses nothing and doubles nothing: the next run resumes from the last
// committed page.
package warehouse
