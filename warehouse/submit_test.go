package warehouse

import (
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
)

func TestMayBeNew(t *testing.T) {
	rows := func(ids ...string) []transform.Row {
		out := make([]transform.Row, len(ids))
		for i, id := range ids {
			out[i] = transform.Row{SourceID: id}
		}
		return out
	}
	keys := func(p Page) map[string]struct{} {
		m := map[string]struct{}{}
		for _, r := range p.Rows {
			m[r.SourceID] = struct{}{}
		}
		return m
	}
	prevOrders := &inflight{stream: northstar.StreamOrders, keys: map[string]struct{}{"a": {}, "b": {}}}
	prevLines := &inflight{stream: northstar.StreamOrderLines, keys: map[string]struct{}{"c": {}}}
	tomb := rows("c", "d")
	tomb[1].Deleted = true
	cases := []struct {
		name string
		prev *inflight
		page Page
		want bool
	}{
		{"first page", nil, Page{Stream: northstar.StreamOrders, Rows: rows("a", "b")}, true},
		{"keys new to the page in flight", prevOrders, Page{Stream: northstar.StreamOrders, Rows: rows("c", "d")}, true},
		{"key of the page in flight", prevOrders, Page{Stream: northstar.StreamOrders, Rows: rows("c", "b")}, false},
		{"same key, other stream in flight", prevLines, Page{Stream: northstar.StreamOrders, Rows: rows("c")}, true},
		{"tombstone", nil, Page{Stream: northstar.StreamOrders, Rows: tomb}, false},
		{"id twice", nil, Page{Stream: northstar.StreamOrders, Rows: rows("a", "a")}, false},
		{"customers", nil, Page{Stream: northstar.StreamCustomers, Rows: rows("a")}, false},
		{"no rows", nil, Page{Stream: northstar.StreamOrders}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mayBeNew(c.prev, c.page, keys(c.page)); got != c.want {
				t.Fatalf("mayBeNew = %v, want %v", got, c.want)
			}
		})
	}
}
