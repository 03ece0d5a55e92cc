// Package sqlsource is northstar's `sql` connector: it reads an ERP's own
// database (PostgreSQL through github.com/lib/pq, MySQL and MariaDB through
// github.com/go-sql-driver/mysql) with plain database/sql.
//
// # Configuration
//
//   - name: erpdb
//     type: sql
//     sql:
//     driver: postgres          # postgres | mysql (MariaDB too); required
//     dsn: ${ERP_DSN}           # required; a secret: never logged, redacted from errors
//     page_size: 5000           # rows per page (Batch); default 5000
//     overlap: 5m               # re-read this far behind the stored cursor; default 5m
//     reconcile: "@daily"       # optional cron: when to list keys to infer hard deletes
//     streams:
//     customers:
//     table: erp.customers    # a table (schema.table allowed), or:
//     # query: SELECT … (used as a subquery; for joins, renames, filters)
//     key: customer_no        # the key column; required
//     cursor: [change_date, change_time]   # a change-timestamp column, or [date column, time column]
//     fields: { name: name1, tax_id: vat_id, currency: "'EUR'" }
//     tombstone_query: "SELECT id, deleted_at FROM deletions WHERE deleted_at >= $since"
//
// Validate (the config.Kind) checks all of this without dialing; column
// names are matched against the database, case-insensitively, by Check
// (`northstar validate --check`) and by the first Extract of a stream, and a
// missing one is an error naming it that wraps northstar.ErrSchema.
// Table names are not quoted (PostgreSQL folds them to lower case); a table
// whose name needs quoting is read with `query`.
//
// # Reading
//
// Each stream reads its table or query by keyset pagination on (cursor,
// key): the first page starts at the stored cursor minus `overlap` with
// `>=`, so rows that share the boundary timestamp or committed late behind
// it (within the overlap) are read again rather than lost; every following
// page continues strictly after the last (cursor, key) seen, so a tie
// spanning pages is read whole. Each page is one northstar.Batch whose
// Cursor is the page's last (cursor, key), held at Env.Now when a row is
// stamped in the future (so clock skew cannot make the cursor skip later
// changes); Total is the row count at the start. A compound cursor [date, time] is combined into one timestamp (a
// NULL time counts as midnight) and prefiltered on the date column so an
// index on (date, time, key) serves it. A query stream is re-evaluated for
// every page: keep it cheap or give it indexes.
//
// Values reach Record.Fields as text and never pass through float64:
// decimals keep the database's exact text ("0.30"), timestamps become RFC
// 3339 in UTC (naive DATETIME/timestamp columns are read as UTC), DATE
// columns "2006-01-02", TIME columns "15:04:05", []byte a string, and NULL
// a present empty string (as northstar.Mapping.Apply documents). Payload is
// a JSON object of the whole row, column → text or null. A stream without
// `fields` maps each unified field to the column of the same name when it
// exists; `fields` overrides that; source_id is always the key, and
// modified_at defaults to the cursor.
//
// The key must be unique within the table or query: keyset pagination
// reads one row per (cursor, key). Rows whose key is NULL are never read (keyset pagination cannot page
// through them). Rows whose cursor is NULL are read on a full read only,
// first, ordered by key, in pages with a zero Cursor.
//
// # Deletes
//
// Source implements northstar.FullSyncer: ListKeys pages through the keys
// present upstream (in key order) so that a full sync tombstones the rows
// that vanished (hard deletes). A stream's optional tombstone_query (key,
// deleted_at; `$since` is bound to the stored cursor minus the overlap)
// yields Records with Deleted=true and DeleteKind "soft"; they are emitted
// before the changed rows, with a zero Cursor, so a key deleted and then
// re-created ends live.
//
// # Secrets and resources
//
// The DSN is never logged, and its password (and the DSN itself) is
// replaced by "xxxxx" in every error this package returns. New never
// dials; Close releases the connection pool (at most 4 connections).
//
// # Fixture
//
// erpfixture.go holds an ERP-like schema (customers, sales_orders,
// order_lines, invoices, payments, deletions; the MariaDB variant with
// DATETIME, DECIMAL and a compound date/time cursor on customers), a
// deterministic filler (SeedERP), a day of changes (MutateERP), the live
// state (SnapshotERP) and a matching connector configuration
// (ERPConnectorYAML). SeedERPCompany loads a generate.Generate company
// instead, for `northstar demo`.
package sqlsource
