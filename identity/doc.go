// Package identity resolves which source customers (CRM accounts, ERP
// business partners, shop customers in core.source_customers) are the
// same real customer, and keeps one golden record per customer in
// core.customers.
//
// # Contract
//
// Match is pure: records in, clusters out, deterministic for a given
// input order. Resolve is the warehouse step run after each sync: every
// source customer ends up linked to exactly one live golden customer in
// core.customer_sources, with the rule (matched_by) and score that linked
// it; running it twice without new data changes nothing.
//
// # Matching
//
// Rules are tried in order (config identity.rules; DefaultRules:
// external_id, tax_id, domain, name+country fuzzy 0.92); a later rule
// never undoes an earlier link. Values are normalised first:
//   - external_id: an explicit cross-reference (the SAP number on a
//     Salesforce account) matching another source's source_id or an equal
//     external_id ("erp:1000123" restricts it to one source);
//   - tax_id: NormalizeTaxID, "DE 123.456.789" = "123456789" for DE;
//   - domain: the domain field, else the website, else the e-mail
//     address, never a free-mail provider (gmail.com, gmx.de, …);
//   - name: NormalizeName folds case and accents and drops punctuation,
//     "&"/"and" and legal-form suffixes (GmbH, Inc., S.A., B.V., …).
//
// Weaker rules carry negative evidence: the domain rule refuses to join
// clusters with different tax ids, name rules refuse different tax ids or
// different web domains, and a fuzzy name match also needs every word of
// the shorter name to resemble a word of the other (Jaro-Winkler ≥ 0.85),
// because whole-string Jaro-Winkler rewards a shared first word
// ("Miller & Green" / "Miller & O'Brien" score 0.92).
//
// Clusters are kept in a union-find over int32 record indexes; exact rules
// use one hash map per rule. The fuzzy rule blocks on its exact fields
// (country) and uses sorted-neighbourhood blocking on the distinct
// normalised names of a block, sorted three ways (the name, the name
// reversed, its words sorted), comparing each name with its 6 successors
// in each order: typos at the end, at the start and in the middle all
// land next to the original, and the cost is O(n log n) instead of the
// O(n²) of comparing all pairs (first-three-letter blocks are far too
// big on real name distributions: thousands of "Müller …" in DE).
//
// Jaro-Winkler is implemented here (JaroWinkler, 50 lines) rather than
// taken from github.com/adrg/strutil: the matcher calls it tens of
// millions of times on ASCII-folded names, and a byte-wise version with
// stack buffers does not allocate, while strutil converts both strings to
// []rune on each call; it also saves a dependency for one function. It is
// checked against the published reference pairs (MARTHA/MARHTA 0.961,
// DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.813) and fuzzed.
//
// # Overrides
//
// Link and Unlink store a decision on a pair of source customers in
// ops.identity_overrides; the latest decision of a pair wins over every
// rule on every later Resolve: a link joins the two clusters first, an
// unlink forbids any rule from putting the two records in one cluster.
// They take effect at the next Resolve (the CLI runs one after them).
//
// # Stable golden ids
//
// Each cluster takes the smallest golden id its records were linked to;
// when two clusters claim one id (a split), the one holding more of that
// id's records keeps it and the other takes its next candidate or a new
// id. So a merge keeps the older (smaller) id, and a golden id never
// changes while its records stay together. A merged-away row gets
// merged_into (the survivor) and deleted_at, and nothing links to it;
// earlier rows merged into it are re-pointed. An id merged away is never
// revived by a later split: the split-off part gets a new id.
// Every change is an ops.identity_events row: merge and split between
// golden ids, link/unlink for each source record that moved (unlink when
// an unlink override moved it). Facts (contacts, orders, contracts,
// survey responses, support cases) follow their source customer's new
// link in the same transaction, as do referrer_customer_id references.
//
// # Survivorship and history
//
// Each golden attribute (Attributes) comes from the first source in the
// Survivorship list for it that has a value ("authority"), else from the
// most recently modified member record with a value ("recent"); live
// records beat deleted ones; ties break on (source, source_id). The
// choice is stored per attribute in core.customers.attribute_sources
// (see the report.golden_attribute_lineage view). A golden customer is
// deleted when all its records are. Segment, owner and status keep
// validity intervals in core.customer_history, closed and opened at the
// Resolve that sees the golden value change (whoever changed it: this
// step, or the loader, which still copies single-source records).
//
// # Cost
//
// Resolve reads all source customers every time (not only those changed
// since the last run): a full pass is what makes rule changes, overrides
// and splits take effect anywhere, and at 1M records reading and matching
// take seconds. Writes are limited to what changed: links, events, facts
// of moved records, and golden rows whose values differ (the comparison
// runs in PostgreSQL after a COPY of the computed golden rows). Runs are
// serialised by a transaction-level advisory lock. A run whose inputs are
// unchanged since the last one (same rules and survivorship, same source
// customers by count, row_hash sum, tombstones and latest synced_at, same
// overrides; the fingerprint in ops.identity_state) returns at once with
// Stats.Skipped, so calling Resolve after every sync costs one scan of
// core.source_customers when no customer changed; Options.Force runs anyway.
//
// # Quality
//
// GenerateNoise renders generated companies as crm, erp and shop records
// with known truth; PairwiseQuality scores a clustering. TestMatchQuality
// requires pairwise precision ≥ 0.99 and recall ≥ 0.97 on 3,000
// companies; BenchmarkMatch1M and BenchmarkResolve1M measure a million
// records.
//
// Reconcile and the report.crm_without_erp, report.erp_without_crm,
// report.won_opportunities_without_order, report.orders_unknown_customer
// and report.reconciliation views compare the CRM and ERP sides through
// the golden customers.
package identity
