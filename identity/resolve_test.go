package identity

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// src is one core.source_customers row of a test.
type src struct {
	Source, SourceID, Name, Country, TaxID, ExternalID, Website, Email string
	Segment, Owner, Status                                             string
	Modified                                                           time.Time
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// load stores rows as the loader does: upsert into core.source_customers,
// then a golden customer and a 'new' link for each record not linked yet.
func load(t *testing.T, db *sqlx.DB, rows ...src) {
	t.Helper()
	ctx := context.Background()
	for _, r := range rows {
		if r.Modified.IsZero() {
			r.Modified = t0
		}
		_, err := db.ExecContext(ctx, `INSERT INTO core.source_customers (source, source_id, name, country, tax_id, external_id,
				website, email, segment, owner, status, created_at, modified_at, row_hash, run_id, synced_at)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6, ''), NULLIF($7, ''), NULLIF($8, ''), NULLIF($9, ''),
				NULLIF($10, ''), NULLIF($11, ''), $12, $12, 1, 1, now())
			ON CONFLICT (source, source_id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country,
				tax_id = EXCLUDED.tax_id, external_id = EXCLUDED.external_id, website = EXCLUDED.website,
				email = EXCLUDED.email, segment = EXCLUDED.segment, owner = EXCLUDED.owner, status = EXCLUDED.status,
				modified_at = EXCLUDED.modified_at, row_hash = source_customers.row_hash + 1, synced_at = now()`,
			r.Source, r.SourceID, r.Name, r.Country, r.TaxID, r.ExternalID, r.Website, r.Email, r.Segment, r.Owner, r.Status, r.Modified)
		must(t, err)
		_, err = db.ExecContext(ctx, `WITH fresh AS (
				SELECT $1::text AS source, $2::text AS source_id, nextval('core.customers_customer_id_seq') AS customer_id
				WHERE NOT EXISTS (SELECT 1 FROM core.customer_sources WHERE source = $1 AND source_id = $2)),
			golden AS (INSERT INTO core.customers (customer_id, name, run_id) SELECT customer_id, $3, 1 FROM fresh)
			INSERT INTO core.customer_sources (source, source_id, customer_id, matched_by, match_score, run_id)
			SELECT source, source_id, customer_id, 'new', 1, 1 FROM fresh`, r.Source, r.SourceID, r.Name)
		must(t, err)
	}
}

// order inserts an order of a source customer linked as the loader does.
func order(t *testing.T, db *sqlx.DB, source, id, customer string, at time.Time, amount string) {
	t.Helper()
	_, err := db.Exec(`INSERT INTO core.orders (source, source_id, customer_source_id, customer_id, ordered_at, currency,
			amount, amount_reporting, row_hash, run_id, synced_at)
		SELECT $1, $2, $3, (SELECT customer_id FROM core.customer_sources WHERE source = $1 AND source_id = $3),
			$4, 'EUR', $5::numeric, $5::numeric, 1, 1, now()`, source, id, customer, at, amount)
	must(t, err)
}

func linkOf(t *testing.T, db *sqlx.DB, source, id string) (customer int64, rule string) {
	t.Helper()
	must(t, db.QueryRow(`SELECT customer_id, matched_by FROM core.customer_sources WHERE source = $1 AND source_id = $2`,
		source, id).Scan(&customer, &rule))
	return customer, rule
}

// snapshot captures everything Resolve writes, to prove a re-run is a no-op.
func snapshot(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s string
	must(t, db.QueryRow(`SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(',', source, source_id, customer_id, matched_by, match_score, synced_at), ';' ORDER BY source, source_id) FROM core.customer_sources),
		(SELECT string_agg(concat_ws(',', customer_id, name, segment, owner, merged_into, deleted_at, updated_at, attribute_sources), ';' ORDER BY customer_id) FROM core.customers),
		(SELECT count(*) FROM ops.identity_events),
		(SELECT string_agg(concat_ws(',', customer_id, attribute, value, valid_from, valid_to), ';' ORDER BY customer_id, attribute, valid_from) FROM core.customer_history),
		(SELECT string_agg(concat_ws(',', source_id, customer_id), ';' ORDER BY source_id) FROM core.orders))`).Scan(&s))
	return s
}

func TestResolveMergeSurvivorshipIdempotent(t *testing.T) {
	wdb, _ := whtest.New(t)
	db := wdb.DB
	ctx := context.Background()
	load(t, db,
		src{Source: "crm", SourceID: "001A", Name: "Nordwind Logistik", Country: "DE", TaxID: "DE 123 456 789",
			Website: "https://www.nordwind.de/", ExternalID: "1000", Segment: "enterprise", Owner: "Anna", Modified: t0.Add(time.Hour)},
		src{Source: "crm", SourceID: "001B", Name: "Acme Inc.", Country: "US", Website: "acme.com", Segment: "smb"},
		src{Source: "erp", SourceID: "1000", Name: "NORDWIND LOGISTIK GMBH", Country: "DE", TaxID: "DE123456789",
			Segment: "smb", Owner: "Bernd", Modified: t0.Add(2 * time.Hour)},
		src{Source: "erp", SourceID: "2000", Name: "ACME, INC", Country: "US", Email: "acme.buyer@gmail.com"},
		src{Source: "shop", SourceID: "S1", Name: "nordwind logistik", Country: "DE", Email: "orders@nordwind.de"},
		src{Source: "shop", SourceID: "S2", Name: "Acme Inc.", Country: "CA", Email: "acme.buyer@gmail.com"},
	)
	crmA, _ := linkOf(t, db, "crm", "001A")
	erpA, _ := linkOf(t, db, "erp", "1000")
	order(t, db, "erp", "SO1", "1000", t0, "100.00")
	order(t, db, "shop", "W1", "S1", t0, "20.00")

	st, err := Resolve(ctx, db, Options{Survivorship: Survivorship{"name": {"erp", "crm"}, "segment": {"crm"}}, RunID: 7})
	must(t, err)
	eq(t, 6, st.Records)
	eq(t, 3, st.Clusters) // Nordwind, Acme US, Acme CA (same name, other country)
	eqv(t, 3, st.Merges)
	eqv(t, 0, st.NewCustomers)

	for _, k := range [][2]string{{"crm", "001A"}, {"erp", "1000"}, {"shop", "S1"}} {
		id, _ := linkOf(t, db, k[0], k[1])
		eq(t, crmA, id, k, " joins the oldest golden id")
	}
	_, rule := linkOf(t, db, "erp", "1000")
	eq(t, "external_id", rule)
	_, rule = linkOf(t, db, "shop", "S1")
	eq(t, "domain", rule)
	acme, rule := linkOf(t, db, "erp", "2000")
	eq(t, "name+country", rule)
	acmeCRM, _ := linkOf(t, db, "crm", "001B")
	eq(t, acmeCRM, acme)
	acmeCA, rule := linkOf(t, db, "shop", "S2")
	ne(t, acme, acmeCA, "shared free-mail address and same name in another country do not link")
	eq(t, RuleOnly, rule)

	var mergedInto int64
	var deleted bool
	must(t, db.QueryRow(`SELECT merged_into, deleted_at IS NOT NULL FROM core.customers WHERE customer_id = $1`, erpA).Scan(&mergedInto, &deleted))
	eq(t, crmA, mergedInto)
	isTrue(t, deleted)
	var n int
	must(t, db.Get(&n, `SELECT count(*) FROM ops.identity_events WHERE kind = 'merge' AND customer_id = $1 AND other_customer_id = $2 AND run_id = 7`, crmA, erpA))
	eq(t, 1, n)
	must(t, db.Get(&n, `SELECT count(*) FROM core.orders WHERE customer_id IS DISTINCT FROM $1`, crmA))
	zero(t, n, "orders follow the merge")

	var name, segment, owner string
	var lineage []byte
	must(t, db.QueryRow(`SELECT name, segment, owner, attribute_sources FROM core.customers WHERE customer_id = $1`, crmA).
		Scan(&name, &segment, &owner, &lineage))
	eq(t, "NORDWIND LOGISTIK GMBH", name, "erp is authoritative for the name")
	eq(t, "enterprise", segment, "crm is authoritative for the segment")
	eq(t, "Bernd", owner, "no authority: the most recently modified record")
	var lin map[string]Lineage
	must(t, json.Unmarshal(lineage, &lin))
	eq(t, Lineage{Source: "erp", SourceID: "1000", Rule: ByAuthority}, lin["name"])
	eq(t, Lineage{Source: "erp", SourceID: "1000", Rule: ByRecent}, lin["owner"])
	must(t, db.Get(&n, `SELECT count(*) FROM core.customer_history WHERE customer_id = $1 AND valid_to IS NULL`, crmA))
	eq(t, 2, n, "open intervals for segment and owner (status is empty)")

	before := snapshot(t, db)
	st, err = Resolve(ctx, db, Options{Survivorship: Survivorship{"name": {"erp", "crm"}, "segment": {"crm"}}, RunID: 8, Force: true})
	must(t, err)
	isTrue(t, !st.Skipped, "forced")
	zero(t, st.LinksChanged+st.Moved+st.Merges+st.Splits+st.NewCustomers+st.GoldenUpdated+st.Events)
	eq(t, before, snapshot(t, db), "a re-run changes nothing")
	st, err = Resolve(ctx, db, Options{Survivorship: Survivorship{"name": {"erp", "crm"}, "segment": {"crm"}}, RunID: 9})
	must(t, err)
	isTrue(t, st.Skipped, "unchanged inputs skip the work")
	st, err = Resolve(ctx, db, Options{Survivorship: Survivorship{"name": {"crm"}}, RunID: 10})
	must(t, err)
	isTrue(t, !st.Skipped, "other survivorship is another input")
	eqv(t, 2, st.GoldenUpdated, "Nordwind and Acme now take the name from the crm")
}

func TestResolveOverridesSplitAndHistory(t *testing.T) {
	wdb, _ := whtest.New(t)
	db := wdb.DB
	ctx := context.Background()
	opt := Options{Survivorship: Survivorship{"segment": {"crm"}}, RunID: 1}
	load(t, db,
		src{Source: "crm", SourceID: "A", Name: "Kappa Tools GmbH", Country: "DE", TaxID: "DE999888777", Segment: "smb"},
		src{Source: "erp", SourceID: "B", Name: "Kappa Holding AG", Country: "DE", TaxID: "DE999888777", Segment: "enterprise"},
		src{Source: "erp", SourceID: "C", Name: "Zeta Foods Ltd", Country: "GB"},
	)
	idA, _ := linkOf(t, db, "crm", "A")
	idB, _ := linkOf(t, db, "erp", "B")
	idC, _ := linkOf(t, db, "erp", "C")
	order(t, db, "erp", "SO-B", "B", t0, "50.00")
	_, err := Resolve(ctx, db, opt)
	must(t, err)
	id, rule := linkOf(t, db, "erp", "B")
	eq(t, idA, id, "tax id merges")
	eq(t, "tax_id", rule)

	// A forced unlink splits them; the older id stays with A, B gets a new one.
	must(t, Unlink(ctx, db, SourceKey{"erp", "B"}, SourceKey{"crm", "A"}, "holding is a different legal entity"))
	st, err := Resolve(ctx, db, opt)
	must(t, err)
	eqv(t, 1, st.Splits)
	eqv(t, 1, st.NewCustomers)
	idB2, rule := linkOf(t, db, "erp", "B")
	ne(t, idA, idB2)
	ne(t, idB, idB2, "a merged-away id is not revived")
	eq(t, RuleOverride, rule)
	id, _ = linkOf(t, db, "crm", "A")
	eq(t, idA, id, "golden id of A never changes")
	var n int
	must(t, db.Get(&n, `SELECT count(*) FROM ops.identity_events WHERE kind = 'split' AND customer_id = $1 AND other_customer_id = $2`, idA, idB2))
	eq(t, 1, n)
	must(t, db.Get(&n, `SELECT count(*) FROM ops.identity_events WHERE kind = 'unlink' AND source = 'erp' AND source_id = 'B' AND customer_id = $1`, idB2))
	eq(t, 1, n)
	var orderCustomer int64
	must(t, db.Get(&orderCustomer, `SELECT customer_id FROM core.orders WHERE source_id = 'SO-B'`))
	eq(t, idB2, orderCustomer, "the order follows the split")

	// The unlink survives re-runs.
	before := snapshot(t, db)
	_, err = Resolve(ctx, db, Options{Survivorship: opt.Survivorship, Force: true})
	must(t, err)
	eq(t, before, snapshot(t, db))

	// A forced link joins records no rule would; the later override of a pair wins.
	must(t, Link(ctx, db, SourceKey{"erp", "C"}, SourceKey{"crm", "A"}, "Zeta is Kappa's UK branch"))
	_, err = Resolve(ctx, db, opt)
	must(t, err)
	id, rule = linkOf(t, db, "erp", "C")
	eq(t, idA, id)
	eq(t, RuleOverride, rule)
	var merged int64
	must(t, db.Get(&merged, `SELECT merged_into FROM core.customers WHERE customer_id = $1`, idC))
	eq(t, idA, merged)
	must(t, Link(ctx, db, SourceKey{"crm", "A"}, SourceKey{"erp", "B"}, "changed our mind"))
	_, err = Resolve(ctx, db, opt)
	must(t, err)
	id, _ = linkOf(t, db, "erp", "B")
	eq(t, idA, id, "link after unlink wins")
	err = Link(ctx, db, SourceKey{"crm", "A"}, SourceKey{"crm", "nope"}, "")
	isTrue(t, err != nil && errorsIs(err, ErrUnknownRecord), "unknown record refused: ", err)

	// The authoritative source changes the segment: the interval closes, a new one opens.
	load(t, db, src{Source: "crm", SourceID: "A", Name: "Kappa Tools GmbH", Country: "DE", TaxID: "DE999888777",
		Segment: "mid-market", Modified: t0.Add(24 * time.Hour)})
	_, err = Resolve(ctx, db, opt)
	must(t, err)
	var hist []struct {
		Value  string `db:"value"`
		Open   bool   `db:"open"`
		Source string `db:"source"`
	}
	must(t, db.Select(&hist, `SELECT value, valid_to IS NULL AS open, source FROM core.customer_history
		WHERE customer_id = $1 AND attribute = 'segment' ORDER BY valid_from`, idA))
	eq(t, 2, len(hist))
	eq(t, "smb", hist[0].Value)
	isTrue(t, !hist[0].Open, "old interval closed")
	eq(t, "mid-market", hist[1].Value)
	isTrue(t, hist[1].Open, "new interval open")
	eq(t, "crm", hist[1].Source)

	// Evidence changes: B's tax id is corrected and the override is the only tie left.
	must(t, Unlink(ctx, db, SourceKey{"crm", "A"}, SourceKey{"erp", "B"}, "final"))
	load(t, db, src{Source: "erp", SourceID: "B", Name: "Kappa Holding AG", Country: "DE", TaxID: "DE111222333", Segment: "enterprise"})
	_, err = Resolve(ctx, db, opt)
	must(t, err)
	id, _ = linkOf(t, db, "erp", "B")
	ne(t, idA, id)
	must(t, db.Get(&n, `SELECT count(*) FROM core.customer_history h JOIN core.customers c USING (customer_id)
		WHERE c.merged_into IS NOT NULL AND h.valid_to IS NULL`))
	eq(t, 0, n, "merged-away customers keep no open history interval")
}

// TestResolveNoise loads a noisy multi-source rendering into the
// warehouse and checks that Resolve clusters as Match does, with quality.
func TestResolveNoise(t *testing.T) {
	wdb, _ := whtest.New(t)
	db := wdb.DB
	ctx := context.Background()
	nz, err := GenerateNoise(ctx, NoiseOptions{Seed: 3, Companies: 400})
	must(t, err)
	tx := db.MustBegin()
	must(t, copyNoise(ctx, tx, nz))
	_, err = tx.Exec(`WITH fresh AS (SELECT source, source_id, nextval('core.customers_customer_id_seq') AS customer_id
			FROM core.source_customers ORDER BY source, source_id),
		golden AS (INSERT INTO core.customers (customer_id) SELECT customer_id FROM fresh)
		INSERT INTO core.customer_sources (source, source_id, customer_id, matched_by) SELECT source, source_id, customer_id, 'new' FROM fresh`)
	must(t, err)
	must(t, tx.Commit())
	st, err := Resolve(ctx, db, Options{})
	must(t, err)

	truth := map[SourceKey]int32{}
	for i, r := range nz.Records {
		truth[r.Key()] = nz.Truth[i]
	}
	var links []struct {
		Source     string `db:"source"`
		SourceID   string `db:"source_id"`
		CustomerID int64  `db:"customer_id"`
	}
	must(t, db.Select(&links, `SELECT source, source_id, customer_id FROM core.customer_sources`))
	cl, tr := make([]int32, len(links)), make([]int32, len(links))
	for i, l := range links {
		cl[i], tr[i] = int32(l.CustomerID), truth[SourceKey{l.Source, l.SourceID}]
	}
	q := PairwiseQuality(cl, tr)
	t.Logf("records %d customers %d precision %.4f recall %.4f", st.Records, st.Clusters, q.Precision, q.Recall)
	isTrue(t, q.Precision >= 0.99 && q.Recall >= 0.97, "quality in the warehouse")
	var live int
	must(t, db.Get(&live, `SELECT count(*) FROM core.customers WHERE merged_into IS NULL`))
	eq(t, st.Clusters, live, "one live golden row per cluster")
	before := snapshot(t, db)
	_, err = Resolve(ctx, db, Options{Force: true})
	must(t, err)
	eq(t, before, snapshot(t, db))
}

// copyNoise stores noise records in core.source_customers.
func copyNoise(ctx context.Context, tx *sqlx.Tx, nz *Noise) error {
	return copyRows(ctx, tx, "core.source_customers", []string{"source", "source_id", "name", "country", "tax_id",
		"external_id", "website", "email", "row_hash", "run_id", "synced_at"}, len(nz.Records), func(i int, a []any) {
		r := &nz.Records[i]
		a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7] = r.Source, r.SourceID, r.Name, r.Country,
			nullStr(r.TaxID), nullStr(r.ExternalID), nullStr(r.Website), nullStr(r.Email)
		a[8], a[9], a[10] = 1, 1, "2025-01-01T00:00:00Z"
	})
}

// lineageQuery is the README query: every golden attribute traced to its
// source record, survivorship rule and identity rule.
const lineageQuery = `SELECT c.customer_id, a.key AS attribute, to_jsonb(c) ->> a.key AS golden_value,
       a.value ->> 'source' AS source, a.value ->> 'source_id' AS source_id,
       a.value ->> 'rule' AS survivorship_rule, cs.matched_by AS identity_rule, cs.match_score,
       to_jsonb(sc) ->> a.key AS source_value, sc.modified_at AS source_modified_at
FROM core.customers c
CROSS JOIN LATERAL jsonb_each(c.attribute_sources) AS a
JOIN core.customer_sources cs ON cs.source = a.value ->> 'source' AND cs.source_id = a.value ->> 'source_id'
JOIN core.source_customers sc ON sc.source = cs.source AND sc.source_id = cs.source_id
WHERE c.merged_into IS NULL
ORDER BY c.customer_id, a.key`

func TestResolveLateRecordAndLineage(t *testing.T) {
	wdb, _ := whtest.New(t)
	db := wdb.DB
	ctx := context.Background()
	load(t, db,
		src{Source: "crm", SourceID: "A", Name: "Orbit Data GmbH", Country: "DE", Website: "orbit-data.de", Segment: "smb"},
		src{Source: "erp", SourceID: "1", Name: "ORBIT DATA GMBH", Country: "DE", Email: "ap@orbit-data.de", Owner: "Jana"},
	)
	_, err := Resolve(ctx, db, Options{})
	must(t, err)
	idA, _ := linkOf(t, db, "crm", "A")

	// A shop customer arrives later: the loader gives it its own golden row, Resolve merges it.
	load(t, db, src{Source: "shop", SourceID: "S9", Name: "Orbit Data", Country: "DE", Email: "orders@orbit-data.de"})
	order(t, db, "shop", "W9", "S9", t0, "12.50")
	transient, rule := linkOf(t, db, "shop", "S9")
	eq(t, "new", rule)
	st, err := Resolve(ctx, db, Options{})
	must(t, err)
	eqv(t, 1, st.Merges)
	id, rule := linkOf(t, db, "shop", "S9")
	eq(t, idA, id, "the existing golden id survives")
	eq(t, "domain", rule)
	var n int
	must(t, db.Get(&n, `SELECT count(*) FROM core.customers WHERE customer_id = $1 AND merged_into = $2 AND deleted_at IS NOT NULL`, transient, idA))
	eq(t, 1, n)
	must(t, db.Get(&n, `SELECT count(*) FROM core.orders WHERE source_id = 'W9' AND customer_id = $1`, idA))
	eq(t, 1, n)

	// The source record goes away upstream: the golden row lives while another record does.
	_, err = db.Exec(`UPDATE core.source_customers SET deleted_at = now(), synced_at = now() WHERE source = 'crm'`)
	must(t, err)
	_, err = Resolve(ctx, db, Options{})
	must(t, err)
	var deleted bool
	must(t, db.Get(&deleted, `SELECT deleted_at IS NOT NULL FROM core.customers WHERE customer_id = $1`, idA))
	isTrue(t, !deleted, "golden row stays while a live record remains")

	var rows []struct {
		CustomerID int64      `db:"customer_id"`
		Attribute  string     `db:"attribute"`
		Golden     string     `db:"golden_value"`
		Source     string     `db:"source"`
		SourceID   string     `db:"source_id"`
		Survive    string     `db:"survivorship_rule"`
		Identity   string     `db:"identity_rule"`
		Score      string     `db:"match_score"`
		SourceVal  *string    `db:"source_value"`
		Modified   *time.Time `db:"source_modified_at"`
	}
	must(t, db.Select(&rows, lineageQuery))
	got := map[string]string{}
	for _, r := range rows {
		eq(t, idA, r.CustomerID)
		got[r.Attribute] = r.Golden + "<" + r.Source + "/" + r.SourceID + ":" + r.Survive + ":" + r.Identity
	}
	eq(t, "ORBIT DATA GMBH<erp/1:recent:domain", got["name"], "live record beats deleted one")
	eq(t, "Jana<erp/1:recent:domain", got["owner"])
	eq(t, "smb<crm/A:recent:domain", got["segment"], "only the deleted record has a segment")
	eq(t, "orbit-data.de<erp/1:recent:domain", got["domain"], "domain derived from the live record's e-mail")
	must(t, db.Get(&n, `SELECT count(*) FROM report.golden_attribute_lineage`))
	eq(t, len(rows), n, "the view and the README query agree")
}
