package odata

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
)

// row is one decoded OData entity (numbers as json.Number).
type row map[string]any

// text renders a JSON value as the raw text Record.Fields carries: strings
// as is, numbers in their exact decimal spelling, booleans as true/false,
// null as "", objects and arrays as JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// lookup resolves a field name or dotted path in r. A navigation segment
// resolves to its first entity: V2 {"results":[…]}, V4 […], or an object.
func (r row) lookup(path string) (any, bool) {
	var cur any = map[string]any(r)
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[seg]
		if !ok {
			return nil, false
		}
		cur = first(v)
	}
	return cur, true
}

// first unwraps a navigation value to its first entity.
func first(v any) any {
	if m, ok := v.(map[string]any); ok {
		if res, ok := m["results"].([]any); ok {
			if len(res) == 0 {
				return nil
			}
			return res[0]
		}
	}
	if a, ok := v.([]any); ok {
		if len(a) == 0 {
			return nil
		}
		return a[0]
	}
	return v
}

// many returns the entities of a navigation value (V2 or V4 shape).
func many(v any) []any {
	if m, ok := v.(map[string]any); ok {
		if res, ok := m["results"].([]any); ok {
			return res
		}
		return nil
	}
	a, _ := v.([]any)
	return a
}

// dateFields are the unified fields holding dates/timestamps; amountFields
// hold decimals. The connectors convert OData dates to RFC 3339 and check
// decimals; a value they cannot convert rejects the record.
var dateFields = map[string]bool{
	"created_at": true, "modified_at": true, "ordered_at": true, "fulfilled_at": true,
	"invoiced_at": true, "paid_at": true, "canceled_at": true,
}

var amountFields = map[string]bool{"amount": true, "quantity": true}

// rfc3339 formats a UTC time the way Record.Fields carries converted dates.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// mapFields applies m to a record through get and converts/validates typed
// fields; it returns the reason when a mapped value cannot be converted.
func mapFields(m northstar.Mapping, get func(string) (string, bool), convDate func(string) (string, error)) (map[string]string, string) {
	out := m.Apply(get)
	for k, v := range out {
		if v == "" {
			continue
		}
		if dateFields[k] {
			c, err := convDate(v)
			if err != nil {
				return nil, fmt.Sprintf("field %s (%s): %v", k, m[k], err)
			}
			out[k] = c
		}
		if amountFields[k] {
			if _, err := decimal.NewFromString(v); err != nil {
				return nil, fmt.Sprintf("field %s (%s): non-numeric amount %q", k, m[k], v)
			}
		}
	}
	return out, ""
}

// convV2Date converts "/Date(…)/" to RFC 3339; RFC 3339 text (from virtual
// fields) passes unchanged; anything else is malformed.
func convV2Date(s string) (string, error) {
	if strings.HasPrefix(s, "/Date(") {
		t, err := ParseDate(s)
		if err != nil {
			return "", err
		}
		return rfc3339(t), nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return s, nil
	}
	return "", fmt.Errorf("malformed date %q", s)
}

// convV4Date checks an Edm.Date or Edm.DateTimeOffset and normalises it to
// RFC 3339 UTC ("2015-12-31" stays a plain date).
func convV4Date(s string) (string, error) {
	t, err := ParseV4Time(s)
	if err != nil {
		return "", err
	}
	if len(s) == len("2006-01-02") {
		return s, nil
	}
	return rfc3339(t), nil
}

// reject builds a Reject for a record that cannot be mapped.
func reject(id, origin, reason string, payload json.RawMessage) northstar.Reject {
	if !json.Valid(payload) {
		b, _ := json.Marshal(string(payload))
		payload = b
	}
	return northstar.Reject{SourceID: id, Origin: origin, Reason: reason, Payload: payload}
}
