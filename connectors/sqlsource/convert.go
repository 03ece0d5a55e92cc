package sqlsource

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// column is one result column and how its values become text.
type column struct {
	name   string
	dbType string // upper-case database type name, e.g. NUMERIC, DATETIME
}

// text converts a driver value to the text stored in Record.Fields; ok is
// false for NULL. Decimals arrive as []byte from both drivers and are kept
// verbatim, so no amount ever passes through float64.
func (c column) text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case []byte:
		return string(x), true
	case string:
		return x, true
	case time.Time:
		switch c.dbType {
		case "DATE":
			return x.Format(time.DateOnly), true
		case "TIME", "TIMETZ":
			return strings.TrimSuffix(x.Format("15:04:05.999999999"), "."), true
		}
		return x.UTC().Format(time.RFC3339Nano), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		// A float column is already binary upstream; print its shortest exact form.
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return fmt.Sprint(v), true
}

// timeLayouts are the text forms a cursor value may take when the driver
// hands it over as text (e.g. a VARCHAR change stamp).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	time.DateOnly,
}

// cursorTime converts a cursor value to UTC; ok is false for NULL.
func cursorTime(v any) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x.UTC(), true, nil
	case []byte:
		return parseTime(string(x))
	case string:
		return parseTime(x)
	}
	return time.Time{}, false, fmt.Errorf("cursor value %v of type %T is not a time", v, v)
}

func parseTime(s string) (time.Time, bool, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("cursor value %q is not a time", s)
}

// keyParam returns a key value as it is bound back into the next page's
// query: native integers stay integers so the comparison uses the
// column's own order.
func keyParam(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int64, string, time.Time, float64, bool:
		return x
	}
	return fmt.Sprint(v)
}

// payload encodes a row as a JSON object: column → text, NULL → null.
func payload(cols []column, vals []any) json.RawMessage {
	var b []byte
	b = append(b, '{')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(c.name)
		b = append(b, k...)
		b = append(b, ':')
		if s, ok := c.text(vals[i]); ok {
			v, _ := json.Marshal(s)
			b = append(b, v...)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}
