// Package odata holds northstar's OData ERP connectors and their emulators:
//
//   - sap_odata: SAP S/4HANA OData V2 (API_BUSINESS_PARTNER,
//     API_SALES_ORDER_SRV, API_BILLING_DOCUMENT_SRV) — ValidateSAP, NewSAP,
//     SAPSource, SAPEmulator.
//   - odata4: Dynamics 365 Business Central API v2.0 (OData v4) —
//     ValidateBC, NewBC, BCSource, BCEmulator.
//
// # Contract
//
// ValidateSAP/ValidateBC are the connector types' config.Kind functions:
// they return every problem as a positioned config error (file:line:col,
// key path "connectors[NAME].sap_odata.base_url", wrapping
// northstar.ErrInvalidConfig). NewSAP/NewBC validate the same way and never
// dial. Both sources implement northstar.Source, northstar.Checker and
// northstar.FullSyncer, plus ReconcileEvery() (config `reconcile`, default
// 24h) telling the engine how often to run key-set reconciliation.
//
// Extract emits one Batch per server page, records in ascending change
// order, and returns emit's error unchanged. Reading starts at the stored
// watermark minus `overlap` (default 10m) with `ge`, so rows sharing the
// boundary timestamp or committing slightly late are read again rather than
// lost; the warehouse's idempotent upsert makes the re-read harmless.
// Paging is keyset-based: each request asks for $top=page_size rows ordered
// by (change timestamp…, key) after the last row seen, and follows __next /
// @odata.nextLink when the server pages below $top. A row updated during the
// read therefore moves behind the reader instead of shifting unread rows
// into pages already read (which offset-based $skiptoken paging would do).
// A short window ends the read unless __count says rows remain (a gateway
// that caps pages without __next).
//
// Every HTTP call goes through go-retryablehttp: 429 and 5xx are retried
// (max_retries, default 5) with exponential backoff, or the server's
// Retry-After capped at max_retry_after (default 60s); a body cut short is
// fetched again. Exhausted 429 retries end the run with an error wrapping
// northstar.ErrPartial (pages already emitted stay valid). Error bodies of
// SAP Gateway ({"error":{"code","message":{"value"}}}) and OData v4
// ({"error":{"code","message"}}) appear in the error text as
// "http 400: CODE: message" (UpstreamError). Auth: basic, or OAuth2 client
// credentials (token cached, refreshed early and on a 401). Secrets and
// query strings never appear in errors or logs (only URL paths do).
//
// # Fields, types and rejects
//
// Record.Fields carries unified field → raw text. Amounts and quantities
// are passed as the exact decimal text the source sent (V2 strings, V4
// JSON numbers decoded as json.Number, never float64). OData dates are
// converted to RFC 3339 UTC text ("/Date(1130112000000)/" →
// "2005-10-24T00:00:00Z"; Edm.Date "2015-12-31" stays as is), because the
// /Date(ms)/ form is OData-specific. The connector rejects (northstar.Reject
// with reason, origin and raw payload) only what it must convert or check
// to map the record at all: a missing key, a malformed change timestamp, a
// malformed date in a mapped date field, or a non-numeric value in a mapped
// amount/quantity field. The rest of the page is emitted. Everything else
// (status codes, currencies, lengths) is validated by transform.
//
// # SAP design
//
// customers (A_BusinessPartner) has no single change timestamp. The cursor
// is compound: partners changed at least once are read ordered by
// (LastChangeDate, LastChangeTime, BusinessPartner) with
// "(LastChangeDate gt datetime'D') or (LastChangeDate eq datetime'D' and
// LastChangeTime ge time'PT…')"; partners never changed (LastChangeDate
// null) are read by (CreationDate, CreationTime). Cursor.State holds both
// watermarks ({"created":…,"changed":…}); Cursor.ModifiedAt is the later of
// them. Date+time pairs are wall time in `time_zone` (default UTC). Record.ModifiedAt is the change
// date+time, or the creation date+time for never-changed partners.
// Navigations named in `fields` (to_BusinessPartnerAddress.Country,
// to_BusinessPartnerTax.BPTaxNumber) are expanded automatically.
//
// orders (A_SalesOrder, cursor LastChangeDateTime) are enriched with
// invoiced_at / paid_at from API_BILLING_DOCUMENT_SRV: for each page the
// connector looks up A_BillingDocumentItem by SalesDocument (with
// to_BillingDocument) — invoiced_at is the earliest BillingDocumentDate of
// a non-cancelled document, paid_at the latest LastChangeDateTime of the
// cleared (InvoiceClearingStatus "C") documents once all are cleared (the
// billing API exposes no clearing date; this is an approximation).
// Because invoicing and payment do not touch the sales order, a second
// pass reads A_BillingDocument changed since a billing watermark
// (Cursor.State "billing") and re-emits the complete, enriched orders they
// reference. A full read skips that pass and starts the billing watermark
// at the latest billing document's LastChangeDateTime (server time, so clock
// skew does not matter). `billing: off` disables both. fulfilled_at is the
// emulator's ActualDeliveryDate when OverallDeliveryStatus is "C" (map your
// own delivery-date field with `fields`); canceled_at is LastChangeDateTime
// when OverallSDDocumentRejectionSts is "C".
//
// order_lines is its own stream with its own cursor (the engine extracts
// streams independently). With entity_set A_SalesOrder (default) it reads
// the same header change feed with $expand=to_Item and emits the items
// (source_id "SalesOrder/SalesOrderItem", ModifiedAt = the header's
// LastChangeDateTime), because A_SalesOrderItem has no change timestamp of
// its own. entity_set A_SalesOrderItem reads all items in full every run
// (no cursor). Items removed from an order are tombstoned by key-set
// reconciliation (ListKeys).
//
// # Business Central design
//
// customers, salesOrders (orders) or salesInvoices (orders: invoiced_at =
// invoiceDate, paid_at = lastModifiedDateTime once status is "Paid",
// canceled_at once "Canceled"), salesOrderLines / salesInvoiceLines
// (order_lines, read through their header with $expand so they follow the
// header's lastModifiedDateTime). Cursor: lastModifiedDateTime ge
// (watermark − overlap), ordered by (lastModifiedDateTime, id), pages of
// `Prefer: odata.maxpagesize=page_size`. 429 answers (the 6 000 requests
// per 5 minutes limit) are retried honouring Retry-After.
//
// # Deletes
//
// Neither API has tombstones. ListKeys reads keys only ($select) so that
// the engine can tombstone rows missing upstream ("inferred" deletes) on
// `sync --full` and every ReconcileEvery.
//
// # Emulators
//
// SAPEmulator and BCEmulator are in-memory servers reproducing the wire
// formats and quirks above, with exported Put/Delete methods, Overrides to
// corrupt single values, Chaos switches (429/503 with Retry-After, cut
// bodies) and a SetOnPage hook for changes during paging. SeedSAP and SeedBC
// fill them with deterministic synthetic data.
package odata
