package northstar

import "context"

// Source extracts records of one upstream system. Constructors validate
// options but never dial; the first network call happens in Extract.
type Source interface {
	// Streams lists the streams this source is configured to extract.
	Streams() []Stream
	// Extract calls emit once per page with the stream's records changed at
	// or after since (minus the source's overlap), in ascending (ModifiedAt,
	// ID) order, and returns emit's error unchanged. A zero since means a
	// full read. Extract stops early with an error wrapping ErrPartial when
	// it must stop before the end (API quota): pages already emitted stay
	// valid and the next run resumes from the last stored cursor.
	Extract(ctx context.Context, s Stream, since Cursor, emit func(context.Context, Batch) error) error
}

// Checker is an optional Source capability: Check verifies connectivity
// and credentials without reading data (`northstar validate --check`).
type Checker interface {
	Check(ctx context.Context) error
}

// FullSyncer is an optional Source capability: on a full sync it lists the
// keys currently present upstream so that rows missing from the list can be
// tombstoned ("inferred" deletes). emit receives keys in pages.
type FullSyncer interface {
	ListKeys(ctx context.Context, s Stream, emit func(ctx context.Context, keys []string) error) error
}

// Loader stores pages in the warehouse. Load stores the page's records,
// rejects and cursor in one transaction and returns what it did.
type Loader interface {
	Load(ctx context.Context, b Batch) (Counts, error)
}

// Counts tallies what happened to the records of a page or a run.
// Read = Inserted + Updated + Unchanged + Rejected; Deleted counts the
// tombstones among Inserted and Updated.
type Counts struct {
	Read      int64 `json:"read"`
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	Deleted   int64 `json:"deleted"`
	Rejected  int64 `json:"rejected"`
	Pages     int64 `json:"pages"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Read += o.Read
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
	c.Deleted += o.Deleted
	c.Rejected += o.Rejected
	c.Pages += o.Pages
}
