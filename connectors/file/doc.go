// Package file is the connector for file drops: CSV (any single-character
// delimiter, or runs of whitespace) and JSON Lines files matched by a glob.
//
// Contract:
//   - Each configured stream reads the regular files its `path` glob matches
//     (relative to the configuration file's directory), in path order. A file whose path, size and modification time equal its
//     manifest entry (connectors.Env.Manifest) is skipped unread; when only
//     the modification time changed, the file is hashed (SHA-256) and skipped
//     if its content is unchanged, its new mark still being recorded.
//     Env.Full ignores the manifest. Deleted files change nothing.
//   - Records are emitted in pages of at most page_size rows (records plus
//     rejects). The page holding a file's last row lists the file in
//     Batch.Files, so its manifest entry is stored with that page; Cursor is
//     left zero: the manifest is this connector's position.
//   - Fields hold raw text, except unified fields ending in "_at", which are
//     parsed with time_format/time_zone and handed over as RFC 3339 UTC text.
//     A row that cannot be mapped (wrong column count, malformed JSON, bad
//     timestamp, missing source id, invalid UTF-8) becomes a Reject whose
//     Origin is "path:line" (the line the row starts on). Rows of fx_rates
//     need no id: it defaults to "<CURRENCY>:<day>"
//     (northstar.Stream.DefaultSourceID).
//   - Files are streamed: memory is bounded by the page size, never by the
//     file size.
package file
