package northstar

import (
	"encoding/json"
	"time"
)

// Record is one source record of one stream, already mapped onto unified
// field names but not yet typed: Fields holds each unified field's raw text
// exactly as the source sent it (dates in the source's format, amounts as
// decimal strings). The transform step types and validates it.
type Record struct {
	// SourceID is the record's key in its source system; required.
	SourceID string
	// ModifiedAt is the source's change timestamp (zero if it has none).
	ModifiedAt time.Time
	// Deleted marks a tombstone: the record was deleted upstream.
	Deleted bool
	// DeleteKind says how the delete was learnt: soft, hard or inferred.
	DeleteKind string
	// Fields maps unified field names (Stream.Fields) to raw source values.
	Fields map[string]string
	// Payload is the record as the source sent it, stored in raw.records.
	Payload json.RawMessage
	// Origin locates the record for error messages, e.g. "orders.csv:17".
	Origin string
}

// Reject is a record a connector could not even map (a malformed CSV row,
// an unparsable JSON line). It is quarantined in ops.rejected_records.
type Reject struct {
	SourceID string
	Origin   string
	Reason   string
	Payload  json.RawMessage
}

// Batch is one page of one stream: the unit that is loaded and checkpointed
// atomically. Its Cursor is the high-water mark the stream reaches once the
// page is stored; it is written in the same transaction as the records.
type Batch struct {
	Stream  Stream
	Records []Record
	Rejects []Reject
	// Cursor is the stream's position after this page; a zero Cursor leaves
	// the stored cursor unchanged.
	Cursor Cursor
	// Files lists files fully read by the end of this page (file connector);
	// their manifest entries are stored with the page.
	Files []FileMark
	// Total is the number of records the source says the stream holds, or
	// -1 when unknown; used for progress and ETA only.
	Total int64
}

// FileMark identifies one version of one file: an unchanged file (same path,
// size, modification time and content hash) is not read again.
type FileMark struct {
	Path    string
	Size    int64
	ModTime time.Time
	SHA256  string
}
