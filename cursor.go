package northstar

import (
	"encoding/json"
	"time"
)

// Cursor is a stream's high-water mark. ModifiedAt is the largest change
// timestamp stored; ID breaks ties between records sharing it. State holds
// connector-specific extra position data (e.g. a compound SAP cursor or the
// time of the last formula-field refresh) and is stored verbatim.
type Cursor struct {
	ModifiedAt time.Time       `json:"modified_at"`
	ID         string          `json:"id,omitempty"`
	State      json.RawMessage `json:"state,omitempty"`
}

// IsZero reports whether c carries no position at all (a full read).
func (c Cursor) IsZero() bool {
	return c.ModifiedAt.IsZero() && c.ID == "" && len(c.State) == 0
}

// After reports whether c is strictly later than o in (ModifiedAt, ID) order.
func (c Cursor) After(o Cursor) bool {
	if !c.ModifiedAt.Equal(o.ModifiedAt) {
		return c.ModifiedAt.After(o.ModifiedAt)
	}
	return c.ID > o.ID
}
