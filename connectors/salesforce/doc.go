// Package salesforce is northstar's Salesforce connector (a northstar.Source
// over the REST and Bulk API 2.0 of one org) and an emulator of that org for
// tests, benchmarks and `northstar demo`.
//
// # Configuration
//
// Validate checks a `salesforce:` section and its streams without touching
// any system; New builds a Source from it (NewSource from Options in code).
// Keys: login_url, auth (jwt | client_credentials | password |
// access_token), client_id, client_secret, username, password,
// security_token, private_key_file, instance_url, access_token, api_version
// (default "63.0"), max_api_percent (default 50), page_size (200–2000,
// default 2000), overlap (default 5m), bulk_threshold (default 100000, -1
// disables Bulk API 2.0), formula_refresh (default 24h, 0s disables),
// tax_id_field, external_id_field, max_retry_after (default 60s),
// max_retries (default 6), timeout (per HTTP call, default 120s). Stream
// keys: object, where, fields, cursor_field.
//
// Default objects: customers → Account, contacts → Contact, orders →
// Opportunity with `IsWon = true` (or Order with `object: Order`),
// order_lines → OpportunityLineItem (or OrderItem), contracts → Contract,
// support_cases → Case; survey_responses needs `object` (a custom object)
// and its `fields`. Default mappings are in mapping.go; `fields` overrides
// them (dotted relationship paths such as Product2.Family work). A default
// field the org lacks (CurrencyIsoCode in a single-currency org) is skipped;
// a configured field the org lacks fails the stream with an error wrapping
// northstar.ErrSchema that names object and field. New upstream fields
// never break a stream: only the mapped fields are selected. Order lines
// are not filtered by their opportunity's IsWon by default, because a line
// does not change when its opportunity is won later and would be missed;
// lines of opportunities that are not orders are orphans for joins.
//
// # Contract of Extract
//
// Every Extract describes the stream's object (and the objects its dotted
// paths reach) first. Then, on an incremental run, it reads
// /sobjects/{Object}/deleted for [cursor − overlap, now] and emits the Ids
// that are no longer in the recycle bin as tombstones (DeleteKind "hard";
// records still in the bin are left to queryAll, which reports them as
// "soft" in the same run, so each tombstone is emitted once) in pages with
// a zero Cursor, before any query page, so that a run stopped later cannot
// lose them. The delete log reaches back 15 days only; older gaps are logged and
// left to the full-sync reconciliation (ListKeys, the optional
// northstar.FullSyncer: Ids of live records matching `where`; rows missing
// from it become "inferred" deletes in the sync engine, which also catches
// records that left a `where` filter, e.g. an opportunity no longer won).
//
// Records are then read through queryAll (IsDeleted rows become tombstones,
// DeleteKind "soft") with
//
//	SELECT … FROM Object WHERE (where) AND Cursor >= since−overlap
//	ORDER BY Cursor ASC, Id ASC
//
// following nextRecordsUrl verbatim, one Batch per page, whose Cursor is the
// last record's (ModifiedAt, Id) and never below the stored cursor. The
// cursor field is SystemModstamp, else LastModifiedDate, else CreatedDate,
// or cursor_field. Because each query is one server-side cursor, rows that
// share one timestamp across page boundaries all arrive, and the `>=` with
// an overlap re-reads rows that committed late behind the cursor; the sync
// engine's idempotent upsert makes the re-read harmless.
//
// A zero cursor (or connectors.Env.Full) reads everything: a COUNT() first
// (Batch.Total), then Bulk API 2.0 when the count exceeds bulk_threshold:
// a queryAll job is created, polled, its CSV result pages read by
// Sforce-Locator ("null" ends) and the job deleted in every case. Bulk
// pages carry a zero Cursor and the reached cursor is emitted once in a
// final empty Batch, so correctness never depends on the order of bulk
// results; a failed job falls back to REST from scratch. Bulk datetimes
// are rewritten to the REST format so a record reads the same either way;
// its Payload is the CSV row as a flat JSON object.
//
// On QUERY_TIMEOUT the time window is halved (down to one second) and the
// halves are read in order; a window that timed out after some pages resumes
// at the last emitted record.
//
// Formula fields: when a mapped field is calculated (describe) and
// formula_refresh has passed since Cursor.State's formula_refreshed_at, the
// run re-reads the whole stream instead of the increment (the cursor stays
// where it was, the state records the refresh). Every full read stamps its
// pages with the refresh time from its start, so a read stopped half-way
// (quota) resumes incrementally rather than starting over; the unread rest
// gets fresh formula values at the next refresh. It re-reads all mapped
// fields, not only Id + formula fields: the API-call cost is the same
// (pages are counted, not columns), and the sync engine upserts whole
// records, so a record carrying only formula fields would blank the others.
//
// # Limits and failures
//
// Every response's Sforce-Limit-Info is parsed tolerantly (api-usage,
// api-bursts, per-app-api-usage(appName=…)); the usage is reported to
// connectors.Env.Observer, and before each call the connector stops with an
// error wrapping northstar.ErrPartial once usage reached max_api_percent of
// the daily quota, so the last emitted page is complete and the next run
// resumes. A 403 REQUEST_LIMIT_EXCEEDED is ErrPartial too. 429 and 5xx are
// retried with exponential backoff honouring Retry-After (capped at
// max_retry_after); a body cut short or unparsable is fetched again; an
// expired session (401 INVALID_SESSION_ID) is renewed with the configured
// flow and the page retried; with auth: access_token it fails with a hint.
// Secrets never appear in logs or errors: upstream messages are redacted
// and request bodies are never logged.
//
// # Why not github.com/k-capehart/go-salesforce/v3 (v3.1.0)
//
// The connector was meant to build on go-salesforce. Its source (auth.go,
// requests.go, salesforce.go, bulk.go) shows it unfit for every part used
// here, so the client is written directly on go-retryablehttp (client.go)
// with golang-jwt for the JWT assertion, the library go-salesforce itself
// uses:
//
//   - Token requests use http.Post on the default client (doAuth), so they
//     bypass WithRoundTripper: no retries, no Env.Transport, no context.
//   - Session refresh (refreshSession, on INVALID_SESSION_ID) posts to the
//     instance URL, again through http.Post, and mutates shared state.
//   - Init picks the flow from which credentials are non-empty: a password
//     login without a security token (trusted IP ranges) silently becomes a
//     client-credentials login.
//   - DoRequest has no context (http.NewRequest), always prefixes
//     /services/data/vXX.X (nextRecordsUrl cannot be followed verbatim) and
//     turns a non-JSON error body (503 HTML, truncated) into a JSON syntax
//     error, losing status and text.
//   - Query loads every page into memory and trims nextRecordsUrl with a
//     hard-coded v63.0 prefix; Bulk query helpers write CSV files or collect
//     all rows, and always create "query" jobs (no queryAll, no deletes).
//
// What is kept from its design: one session per Source renewed on 401,
// the request shape (Bearer token, JSON), and the Bulk 2.0 job lifecycle.
//
// # Emulator
//
// NewEmulator serves an in-memory org (Start/Close or as an http.Handler):
// the OAuth token endpoint (password, client_credentials and JWT bearer
// grants, JWT signatures checked against EmulatorOptions.PublicKey, plus
// IssueToken for ready access tokens), query/queryAll with a SOQL subset
// (fields with dotted relationships, COUNT(), WHERE with comparisons, IN,
// AND/OR/NOT, datetime and date literals, ORDER BY, LIMIT), nextRecordsUrl
// pages of at most PageSize (2,000), describe, /deleted (15-day window),
// /limits and Bulk 2.0 query jobs, Sforce-Limit-Info on every REST answer,
// timestamps as 2024-01-02T03:04:05.000+0000 and errors as JSON arrays.
// Put, PutAt, Update, Delete, HardDelete and Load change records (records
// are copied on write, so open query cursors see a consistent snapshot);
// Chaos switches on 429/503 with Retry-After, INVALID_SESSION_ID
// mid-pagination, QUERY_TIMEOUT, REQUEST_LIMIT_EXCEEDED, truncated bodies
// and failing bulk jobs; PutAt models rows committed behind the cursor and
// many rows sharing one SystemModstamp. LoadCompany fills the org from the
// synthetic company generator (package generate) as a CRM sees it; the org
// then also has the custom fields the default mappings read where present
// (Account.Referred_By__c, VAT_Number__c, ERP_Customer_Number__c,
// Contract.MRR__c, Adoption_Ratio__c, Adopted_Date__c and the
// Survey_Response__c object). 200,000 opportunities take about 175 MiB of
// heap.
package salesforce
