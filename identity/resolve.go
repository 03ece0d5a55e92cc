package identity

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/northstar-dev/northstar/config"
)

// Options configure Resolve.
type Options struct {
	// Rules are the identity rules, tried in order (DefaultRules if empty).
	Rules []config.IdentityRule
	// Survivorship names the authoritative sources per golden attribute.
	Survivorship Survivorship
	// RunID is stored on every row and event the step writes (0 = none).
	RunID int64
	// Logger receives one summary line per run (nil = discard).
	Logger *slog.Logger
	// Force resolves even when nothing changed since the last run.
	Force bool
}

// Stats count what one Resolve changed.
type Stats struct {
	Records       int   // source customers considered
	Clusters      int   // golden customers they form
	NewCustomers  int64 // golden rows created (splits, unlinked records)
	Merges        int64 // golden rows merged away
	Splits        int64 // golden rows that gave records to another
	Moved         int64 // source customers now linked to another golden row
	LinksChanged  int64 // links written (moved, or rule/score changed)
	GoldenUpdated int64 // golden rows whose attributes changed
	Events        int64 // rows added to ops.identity_events
	// Skipped is set when no input changed since the last Resolve (same
	// rules, survivorship, source customers and overrides): nothing ran.
	Skipped  bool
	Duration time.Duration
}

// factTables are the core tables whose rows follow their source customer's link.
var factTables = []string{"core.contacts", "core.orders", "core.contracts", "core.survey_responses", "core.support_cases"}

// historyAttributes keep validity intervals in core.customer_history.
var historyAttributes = []string{"segment", "owner", "status"}

// lockKey serialises Resolve runs across replicas (pg_advisory_xact_lock).
const lockKey = 0x6e73_6964 // "nsid"

// Resolve links every source customer to one golden customer and keeps
// golden ids stable. When no input changed since the last Resolve (the
// fingerprint in ops.identity_state) it returns at once with
// Stats.Skipped, unless opt.Force. It reads all source customers (a full pass: 1M rows
// take seconds and a full pass lets splits, overrides and rule changes
// take effect anywhere), clusters them with opt.Rules and the overrides,
// gives each cluster the smallest golden id its records already had
// (merges keep the older id; a split-off part gets a new one), and in one
// transaction rewrites changed links, marks merged-away golden rows
// (merged_into, deleted_at), re-points facts, records ops.identity_events,
// applies survivorship to every golden row and maintains
// core.customer_history. Running it again without new data changes
// nothing.
func Resolve(ctx context.Context, db *sqlx.DB, opt Options) (Stats, error) {
	start := time.Now()
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("identity: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return Stats{}, fmt.Errorf("identity: lock: %w", err)
	}
	fp, err := fingerprint(ctx, tx, opt)
	if err != nil {
		return Stats{}, err
	}
	if !opt.Force {
		var last string
		err := tx.GetContext(ctx, &last, `SELECT fingerprint FROM ops.identity_state`)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Stats{}, fmt.Errorf("identity: read state: %w", err)
		}
		if last == fp {
			log.Debug("identity unchanged, skipped")
			return Stats{Skipped: true, Duration: time.Since(start)}, nil
		}
	}
	lap := time.Now()
	phase := func(name string) {
		log.Debug("identity phase", "phase", name, "duration", time.Since(lap))
		lap = time.Now()
	}
	st, err := loadState(ctx, tx)
	if err != nil {
		return Stats{}, err
	}
	phase("read")
	res, err := Match(st.recs, opt.Rules, st.pairs)
	if err != nil {
		return Stats{}, err
	}
	phase("match")
	pl := makePlan(st, res)
	if err := pl.newIDs(ctx, tx); err != nil {
		return Stats{}, err
	}
	stats := Stats{Records: len(st.recs), Clusters: res.Clusters}
	if err := pl.apply(ctx, tx, opt, &stats); err != nil {
		return Stats{}, err
	}
	phase("links")
	if err := applyGolden(ctx, tx, st, pl, opt, &stats, phase); err != nil {
		return Stats{}, err
	}
	stats.Duration = time.Since(start)
	js, _ := json.Marshal(stats)
	if _, err := tx.ExecContext(ctx, `INSERT INTO ops.identity_state (id, fingerprint, resolved_at, run_id, stats)
		VALUES (true, $1, now(), $2, $3) ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
			resolved_at = EXCLUDED.resolved_at, run_id = EXCLUDED.run_id, stats = EXCLUDED.stats`,
		fp, nullID(opt.RunID), string(js)); err != nil {
		return Stats{}, fmt.Errorf("identity: save state: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Stats{}, fmt.Errorf("identity: commit: %w", err)
	}
	log.Info("identity resolved", "records", stats.Records, "customers", stats.Clusters, "merges", stats.Merges,
		"splits", stats.Splits, "moved", stats.Moved, "new", stats.NewCustomers, "golden_updated", stats.GoldenUpdated,
		"duration", stats.Duration)
	return stats, nil
}

// fingerprint summarises every input of Resolve. Loads never delete
// source customers, change row_hash with the content, set deleted_at
// for tombstones and bump synced_at; the count, the sum of row_hash, the
// number of tombstones and the latest synced_at together change with any
// load, also one that commits late with an older synced_at.
func fingerprint(ctx context.Context, tx *sqlx.Tx, opt Options) (string, error) {
	var in struct {
		N      int64         `db:"n"`
		Hash   string        `db:"hash"`
		Dead   int64         `db:"dead"`
		Synced sql.NullTime  `db:"synced"`
		Ov     sql.NullInt64 `db:"ov"`
		OvN    int64         `db:"ovn"`
	}
	if err := tx.GetContext(ctx, &in, `SELECT s.n, s.hash, s.dead, s.synced,
			(SELECT max(override_id) FROM ops.identity_overrides) AS ov,
			(SELECT count(*) FROM ops.identity_overrides) AS ovn
		FROM (SELECT count(*) AS n, coalesce(sum(row_hash), 0)::text AS hash, count(deleted_at) AS dead,
			max(synced_at) AS synced FROM core.source_customers) s`); err != nil {
		return "", fmt.Errorf("identity: fingerprint: %w", err)
	}
	rules := opt.Rules
	if len(rules) == 0 {
		rules = DefaultRules()
	}
	b, err := json.Marshal(struct {
		V            int
		Rules        []config.IdentityRule
		Survivorship Survivorship
		N            int64
		Hash         string
		Dead         int64
		Synced       string
		Ov, OvN      int64
	}{1, rules, opt.Survivorship, in.N, in.Hash, in.Dead, in.Synced.Time.UTC().Format(time.RFC3339Nano), in.Ov.Int64, in.OvN})
	if err != nil {
		return "", fmt.Errorf("identity: fingerprint: %w", err)
	}
	return string(b), nil
}

// state is the warehouse as Resolve found it.
type state struct {
	recs     []Record
	members  []member
	deleted  []sql.NullTime
	oldID    []int64
	oldRule  []string
	oldScore []float64
	pairs    []Pair
	unlinked map[int32]bool // endpoints of unlink overrides
}

func loadState(ctx context.Context, tx *sqlx.Tx) (*state, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sc.source, sc.source_id, coalesce(sc.name, ''), coalesce(sc.country, ''),
			coalesce(sc.tax_id, ''), coalesce(sc.external_id, ''), coalesce(sc.domain, ''), coalesce(sc.website, ''),
			coalesce(sc.email, ''), coalesce(sc.segment, ''), coalesce(sc.industry, ''), coalesce(sc.owner, ''),
			coalesce(sc.status, ''), coalesce(sc.acquisition_channel, ''), sc.created_at,
			coalesce(sc.modified_at, sc.synced_at), sc.deleted_at,
			coalesce(cs.customer_id, 0), coalesce(cs.matched_by, ''), coalesce(cs.match_score, 0)::float8
		FROM core.source_customers sc
		LEFT JOIN core.customer_sources cs ON cs.source = sc.source AND cs.source_id = sc.source_id
		ORDER BY sc.source, sc.source_id`)
	if err != nil {
		return nil, fmt.Errorf("identity: read source customers: %w", err)
	}
	defer rows.Close()
	st := &state{unlinked: map[int32]bool{}}
	for rows.Next() {
		var r Record
		var m member
		var segment, industry, owner, status, channel string
		var created, deleted sql.NullTime
		var id int64
		var rule string
		var score float64
		if err := rows.Scan(&r.Source, &r.SourceID, &r.Name, &r.Country, &r.TaxID, &r.ExternalID, &r.Domain, &r.Website,
			&r.Email, &segment, &industry, &owner, &status, &channel, &created, &m.Modified, &deleted, &id, &rule, &score); err != nil {
			return nil, fmt.Errorf("identity: read source customers: %w", err)
		}
		m.Source, m.SourceID, m.Deleted = r.Source, r.SourceID, deleted.Valid
		dom := r.Domain
		if dom == "" {
			dom = domainOf("", r.Website, r.Email)
		}
		m.Values = [10]string{r.Name, dom, r.Country, segment, industry, r.TaxID, owner, status, channel, ""}
		if created.Valid {
			m.Values[9] = created.Time.UTC().Format(time.RFC3339Nano)
		}
		st.recs = append(st.recs, r)
		st.members = append(st.members, m)
		st.deleted = append(st.deleted, deleted)
		st.oldID = append(st.oldID, id)
		st.oldRule = append(st.oldRule, rule)
		st.oldScore = append(st.oldScore, score)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("identity: read source customers: %w", err)
	}
	index := make(map[SourceKey]int32, len(st.recs))
	for i := range st.recs {
		index[st.recs[i].Key()] = int32(i)
	}
	ovs, err := loadOverrides(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, o := range ovs {
		a, okA := index[o.A]
		b, okB := index[o.B]
		if !okA || !okB {
			continue // a record not (yet) loaded: the override waits for it
		}
		st.pairs = append(st.pairs, Pair{A: a, B: b, Link: o.Action == ActionLink})
		if o.Action == ActionUnlink {
			st.unlinked[a], st.unlinked[b] = true, true
		}
	}
	return st, nil
}

// plan is the id assignment and the changes it implies.
type plan struct {
	st        *state
	res       Result
	clusterID map[int32]int64 // canonical record index → golden id (0 = needs a new one)
	fresh     []int32         // clusters needing a new id, in order
	newID     []int64         // per record
}

// makePlan gives each cluster a golden id: candidates are the ids its records
// have now; lower ids win, and when clusters compete for one id (a split)
// the cluster holding more of its records keeps it.
func makePlan(st *state, res Result) *plan {
	type cand struct {
		id    int64
		cl    int32
		count int32
	}
	counts := map[[2]int64]int32{}
	for i, id := range st.oldID {
		if id > 0 {
			counts[[2]int64{int64(res.Cluster[i]), id}]++
		}
	}
	cands := make([]cand, 0, len(counts))
	for k, n := range counts {
		cands = append(cands, cand{id: k[1], cl: int32(k[0]), count: n})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(b.count, a.count), cmp.Compare(a.cl, b.cl))
	})
	p := &plan{st: st, res: res, clusterID: make(map[int32]int64, res.Clusters)}
	used := make(map[int64]bool, len(cands))
	for _, c := range cands {
		if used[c.id] {
			continue
		}
		if _, done := p.clusterID[c.cl]; done {
			continue
		}
		p.clusterID[c.cl], used[c.id] = c.id, true
	}
	for i := range st.recs {
		cl := res.Cluster[i]
		if int(cl) != i {
			continue
		}
		if _, ok := p.clusterID[cl]; !ok {
			p.clusterID[cl] = 0
			p.fresh = append(p.fresh, cl)
		}
	}
	return p
}

// newIDs draws golden ids for the clusters that need one.
func (p *plan) newIDs(ctx context.Context, tx *sqlx.Tx) error {
	if len(p.fresh) > 0 {
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `SELECT nextval('core.customers_customer_id_seq') FROM generate_series(1, $1)`, len(p.fresh)); err != nil {
			return fmt.Errorf("identity: new customer ids: %w", err)
		}
		slices.Sort(ids)
		for k, cl := range p.fresh {
			p.clusterID[cl] = ids[k]
		}
	}
	p.newID = make([]int64, len(p.st.recs))
	for i := range p.newID {
		p.newID[i] = p.clusterID[p.res.Cluster[i]]
	}
	return nil
}

func roundScore(s float64) float64 { return math.Round(s*1e4) / 1e4 }

// apply writes links, merges, events and re-points facts.
func (p *plan) apply(ctx context.Context, tx *sqlx.Tx, opt Options, stats *Stats) error {
	st := p.st
	if err := exec(ctx, tx, `CREATE TEMP TABLE ns_id_links (source text, source_id text, customer_id bigint,
			matched_by text, match_score numeric, moved boolean) ON COMMIT DROP;
		CREATE TEMP TABLE ns_id_merged (customer_id bigint, merged_into bigint) ON COMMIT DROP;
		CREATE TEMP TABLE ns_id_events (kind text, customer_id bigint, other_customer_id bigint, source text,
			source_id text, rule text, score numeric) ON COMMIT DROP`); err != nil {
		return err
	}
	var links []linkRow
	var events []eventRow
	// flows[old][new] counts records moving between golden ids.
	flows := map[int64]map[int64]int32{}
	for i := range st.recs {
		old, nw := st.oldID[i], p.newID[i]
		score := roundScore(float64(p.res.Score[i]))
		rule := p.res.Rule[i]
		moved := old != nw
		if !moved && rule == st.oldRule[i] && score == roundScore(st.oldScore[i]) {
			continue
		}
		r := &st.recs[i]
		links = append(links, linkRow{r.Source, r.SourceID, nw, rule, score, moved})
		stats.LinksChanged++
		if !moved {
			continue
		}
		stats.Moved++
		kind := "link"
		if st.unlinked[int32(i)] {
			kind = "unlink"
		}
		events = append(events, eventRow{kind, nw, old, r.Source, r.SourceID, rule, score})
		stats.Events++
		if old > 0 {
			f := flows[old]
			if f == nil {
				f = map[int64]int32{}
				flows[old] = f
			}
			f[nw]++
		}
	}
	kept := make(map[int64]bool, len(p.clusterID))
	for _, id := range p.clusterID {
		kept[id] = true
	}
	olds := make([]int64, 0, len(flows))
	for o := range flows {
		olds = append(olds, o)
	}
	slices.Sort(olds)
	var merged [][2]int64
	for _, o := range olds {
		targets := make([]int64, 0, len(flows[o]))
		for g := range flows[o] {
			targets = append(targets, g)
		}
		slices.Sort(targets)
		kind := "split"
		if !kept[o] {
			kind = "merge"
			best := targets[0]
			for _, g := range targets {
				if flows[o][g] > flows[o][best] {
					best = g
				}
			}
			merged = append(merged, [2]int64{o, best})
			stats.Merges++
		} else {
			stats.Splits++
		}
		for _, g := range targets {
			if kind == "merge" {
				events = append(events, eventRow{kind: "merge", customer: g, other: o})
			} else {
				events = append(events, eventRow{kind: "split", customer: o, other: g})
			}
			stats.Events++
		}
	}
	if err := copyRows(ctx, tx, "ns_id_links", []string{"source", "source_id", "customer_id", "matched_by", "match_score", "moved"},
		len(links), func(i int, a []any) {
			l := &links[i]
			a[0], a[1], a[2], a[3], a[4], a[5] = l.source, l.sourceID, l.customer, l.rule, strconv.FormatFloat(l.score, 'f', -1, 64), l.moved
		}); err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "ns_id_events", []string{"kind", "customer_id", "other_customer_id", "source", "source_id", "rule", "score"},
		len(events), func(i int, a []any) {
			e := &events[i]
			a[0], a[1], a[2] = e.kind, e.customer, nullID(e.other)
			a[3], a[4], a[5], a[6] = nullStr(e.source), nullStr(e.sourceID), nullStr(e.rule), nil
			if e.rule != "" {
				a[6] = strconv.FormatFloat(e.score, 'f', -1, 64)
			}
		}); err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "ns_id_merged", []string{"customer_id", "merged_into"}, len(merged), func(i int, a []any) {
		a[0], a[1] = merged[i][0], merged[i][1]
	}); err != nil {
		return err
	}
	stats.NewCustomers = int64(len(p.fresh))
	fresh := make([]int64, len(p.fresh))
	for k, cl := range p.fresh {
		fresh[k] = p.clusterID[cl]
	}
	run := nullID(opt.RunID)
	type step struct {
		what string
		q    string
		args []any
	}
	steps := []step{
		{"create golden customers", `INSERT INTO core.customers (customer_id, run_id, synced_at) SELECT unnest($1::bigint[]), $2, now()`,
			[]any{pq.Array(fresh), run}},
		{"write links", `INSERT INTO core.customer_sources AS cs (source, source_id, customer_id, matched_by, match_score, run_id, synced_at)
			SELECT source, source_id, customer_id, matched_by, match_score, $1, now() FROM ns_id_links
			ON CONFLICT (source, source_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, matched_by = EXCLUDED.matched_by,
				match_score = EXCLUDED.match_score, run_id = EXCLUDED.run_id, synced_at = EXCLUDED.synced_at`, []any{run}},
		{"mark merged customers", `UPDATE core.customers c SET merged_into = m.merged_into, deleted_at = coalesce(c.deleted_at, now()),
			updated_at = now(), run_id = $1, synced_at = now() FROM ns_id_merged m WHERE c.customer_id = m.customer_id`, []any{run}},
		{"follow merge chains", `UPDATE core.customers c SET merged_into = m.merged_into, updated_at = now()
			FROM ns_id_merged m WHERE c.merged_into = m.customer_id`, nil},
		{"re-point referrers", `UPDATE core.customers c SET referrer_customer_id = m.merged_into, updated_at = now()
			FROM ns_id_merged m WHERE c.referrer_customer_id = m.customer_id`, nil},
		{"record events", `INSERT INTO ops.identity_events (kind, customer_id, other_customer_id, source, source_id, rule, score, run_id)
			SELECT kind, customer_id, other_customer_id, source, source_id, rule, score, $1 FROM ns_id_events`, []any{run}},
	}
	// Facts follow moved links only; without any, skip the statements (on
	// large fact tables the planner would scan them for nothing).
	if stats.Moved > 0 {
		steps = append(steps, step{"analyze links", `ANALYZE ns_id_links`, nil})
		for _, t := range factTables {
			steps = append(steps, step{"re-point " + t, fmt.Sprintf(`UPDATE %s f SET customer_id = l.customer_id FROM ns_id_links l
			WHERE l.moved AND f.source = l.source AND f.customer_source_id = l.source_id
			  AND f.customer_id IS DISTINCT FROM l.customer_id`, t), nil})
		}
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("identity: %s: %w", s.what, err)
		}
	}
	return nil
}

// applyGolden sets every golden attribute from its surviving source
// record and maintains the validity intervals of core.customer_history.
func applyGolden(ctx context.Context, tx *sqlx.Tx, st *state, p *plan, opt Options, stats *Stats, phase func(string)) error {
	if err := exec(ctx, tx, `CREATE TEMP TABLE ns_id_golden (customer_id bigint, name text, domain text, country text,
		segment text, industry text, tax_id text, owner text, status text, acquisition_channel text,
		created_at timestamptz, attribute_sources jsonb, deleted_at timestamptz) ON COMMIT DROP`); err != nil {
		return err
	}
	cols := append(append([]string{"customer_id"}, Attributes...), "attribute_sources", "deleted_at")
	gc, err := copier(ctx, tx, "ns_id_golden", cols...)
	if err != nil {
		return err
	}
	// members of each cluster, in record order
	byCluster := make(map[int32][]int32, p.res.Clusters)
	for i := range st.recs {
		cl := p.res.Cluster[i]
		byCluster[cl] = append(byCluster[cl], int32(i))
	}
	ms := make([]member, 0, 8)
	args := make([]any, len(cols))
	for i := range st.recs {
		cl := int32(i)
		if p.res.Cluster[i] != cl {
			continue
		}
		ms = ms[:0]
		var deletedAt any
		allDeleted := true
		for _, k := range byCluster[cl] {
			ms = append(ms, st.members[k])
			if !st.deleted[k].Valid {
				allDeleted = false
			} else if t, ok := deletedAt.(time.Time); !ok || st.deleted[k].Time.After(t) {
				deletedAt = st.deleted[k].Time
			}
		}
		if !allDeleted {
			deletedAt = nil
		}
		pick, rule := opt.Survivorship.choose(ms)
		lin := make(map[string]Lineage, len(Attributes))
		args[0] = p.clusterID[cl]
		for a, attr := range Attributes {
			if pick[a] < 0 {
				args[1+a] = nil
				continue
			}
			m := &ms[pick[a]]
			args[1+a] = m.Values[a]
			lin[attr] = Lineage{Source: m.Source, SourceID: m.SourceID, Rule: rule[a]}
		}
		b, err := json.Marshal(lin)
		if err != nil {
			return fmt.Errorf("identity: lineage: %w", err)
		}
		args[len(cols)-2], args[len(cols)-1] = string(b), deletedAt
		if err := gc.add(args...); err != nil {
			return err
		}
	}
	if err := gc.close(); err != nil {
		return err
	}
	phase("golden copy")
	res, err := tx.ExecContext(ctx, `UPDATE core.customers c SET name = g.name, domain = g.domain, country = g.country,
			segment = g.segment, industry = g.industry, tax_id = g.tax_id, owner = g.owner, status = g.status,
			acquisition_channel = g.acquisition_channel, created_at = g.created_at, attribute_sources = g.attribute_sources,
			deleted_at = g.deleted_at, merged_into = NULL, updated_at = now(), run_id = $1, synced_at = now()
		FROM ns_id_golden g
		WHERE c.customer_id = g.customer_id
		  AND (c.name, c.domain, c.country, c.segment, c.industry, c.tax_id, c.owner, c.status, c.acquisition_channel,
		       c.created_at, c.attribute_sources, c.deleted_at, c.merged_into)
		  IS DISTINCT FROM (g.name, g.domain, g.country, g.segment, g.industry, g.tax_id, g.owner, g.status,
		       g.acquisition_channel, g.created_at, g.attribute_sources, g.deleted_at, NULL::bigint)`, nullID(opt.RunID))
	if err != nil {
		return fmt.Errorf("identity: update golden customers: %w", err)
	}
	stats.GoldenUpdated, _ = res.RowsAffected()
	phase("golden update")
	if err := history(ctx, tx, opt.RunID); err != nil {
		return err
	}
	phase("history")
	return nil
}

// history closes the open interval of every tracked attribute whose
// golden value changed (or whose customer was merged away) and opens one
// for the new value, both at the transaction's time.
func history(ctx context.Context, tx *sqlx.Tx, runID int64) error {
	vals := make([]string, len(historyAttributes))
	for k, a := range historyAttributes {
		vals[k] = fmt.Sprintf("('%s', c.%s)", a, a) // our own column names, never input
	}
	cur := `SELECT c.customer_id, a.attribute, a.value, c.attribute_sources -> a.attribute ->> 'source' AS source
		FROM core.customers c
		CROSS JOIN LATERAL (VALUES ` + strings.Join(vals, ", ") + `) AS a(attribute, value)
		WHERE c.merged_into IS NULL`
	if _, err := tx.ExecContext(ctx, `UPDATE core.customer_history h SET valid_to = now()
		WHERE h.valid_to IS NULL AND NOT EXISTS (
			SELECT 1 FROM (`+cur+`) k WHERE k.customer_id = h.customer_id AND k.attribute = h.attribute
			  AND k.value IS NOT DISTINCT FROM h.value)`); err != nil {
		return fmt.Errorf("identity: close history intervals: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO core.customer_history (customer_id, attribute, value, valid_from, source, run_id)
		SELECT k.customer_id, k.attribute, k.value, now(), k.source, $1 FROM (`+cur+`) k
		WHERE k.value IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM core.customer_history h WHERE h.customer_id = k.customer_id AND h.attribute = k.attribute
			  AND h.valid_to IS NULL)`, nullID(runID)); err != nil {
		return fmt.Errorf("identity: open history intervals: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func exec(ctx context.Context, tx *sqlx.Tx, q string) error {
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

// copyStmt streams rows into a table with the COPY protocol.
type copyStmt struct {
	ctx   context.Context
	table string
	stmt  *sql.Stmt
}

// linkRow is a link to write.
type linkRow struct {
	source, sourceID string
	customer         int64
	rule             string
	score            float64
	moved            bool
}

// eventRow is an ops.identity_events row to write.
type eventRow struct {
	kind                   string
	customer, other        int64
	source, sourceID, rule string
	score                  float64
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// copyRows copies n rows into table, row filling the arguments of row i;
// COPY runs one at a time per connection.
func copyRows(ctx context.Context, tx *sqlx.Tx, table string, cols []string, n int, row func(i int, args []any)) error {
	if n == 0 {
		return nil
	}
	c, err := copier(ctx, tx, table, cols...)
	if err != nil {
		return err
	}
	args := make([]any, len(cols))
	for i := 0; i < n; i++ {
		row(i, args)
		if err := c.add(args...); err != nil {
			return err
		}
	}
	return c.close()
}

func copier(ctx context.Context, tx *sqlx.Tx, table string, cols ...string) (*copyStmt, error) {
	q := pq.CopyIn(table, cols...)
	if schema, name, ok := strings.Cut(table, "."); ok {
		q = pq.CopyInSchema(schema, name, cols...)
	}
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("identity: copy into %s: %w", table, err)
	}
	return &copyStmt{ctx: ctx, table: table, stmt: stmt}, nil
}

func (c *copyStmt) add(args ...any) error {
	if _, err := c.stmt.ExecContext(c.ctx, args...); err != nil {
		c.stmt.Close()
		return fmt.Errorf("identity: copy into %s: %w", c.table, err)
	}
	return nil
}

func (c *copyStmt) close() error {
	if _, err := c.stmt.ExecContext(c.ctx); err != nil {
		c.stmt.Close()
		return fmt.Errorf("identity: copy into %s: %w", c.table, err)
	}
	return c.stmt.Close()
}
