package file

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 and NUL (which
// PostgreSQL's jsonb refuses) become U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case 0:
				dst = append(dst, `\ufffd`...)
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// payloadKeys are a file's column names pre-encoded as `"name":`, and the
// order to write the columns of a payload in: jsonb's own key order
// (shorter names first, equal lengths bytewise). PostgreSQL sorts the keys
// of every object it converts to jsonb; handed them in order, its sort
// only confirms it (about a fifth of the conversion's cost). The stored
// jsonb is the same in any order.
type payloadKeys struct {
	enc   [][]byte
	order []int // indexes into enc
}

// objectKeys pre-encodes column names for payloads.
func objectKeys(names []string) payloadKeys {
	k := payloadKeys{enc: make([][]byte, len(names)), order: make([]int, len(names))}
	for i, n := range names {
		k.enc[i] = append(appendJSONString(nil, n), ':')
		k.order[i] = i
	}
	// Stable: of two equal names jsonb keeps the later value, as it would
	// in column order.
	slices.SortStableFunc(k.order, func(a, b int) int {
		if d := len(names[a]) - len(names[b]); d != 0 {
			return d
		}
		return strings.Compare(names[a], names[b])
	})
	return k
}

// name returns column i's pre-encoded key without the colon.
func (k payloadKeys) name(i int) string { return strings.TrimSuffix(string(k.enc[i]), ":") }

// tabularPayload encodes a row as a JSON object of column name → value, in
// jsonb key order; a row whose width differs from the header's (a reject)
// is written in column order, columns beyond the header named by position.
func tabularPayload(keys payloadKeys, cols []string) json.RawMessage {
	n := 2
	for i, c := range cols {
		n += len(c) + 3
		if i < len(keys.enc) {
			n += len(keys.enc[i])
		} else {
			n += 8
		}
	}
	b := make([]byte, 0, n+n/8)
	b = append(b, '{')
	if len(cols) == len(keys.enc) {
		for j, i := range keys.order {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, keys.enc[i]...)
			b = appendJSONString(b, cols[i])
		}
		return append(b, '}')
	}
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		if i < len(keys.enc) {
			b = append(b, keys.enc[i]...)
		} else {
			b = append(b, '"')
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, '"', ':')
		}
		b = appendJSONString(b, c)
	}
	return append(b, '}')
}

// rawPayload wraps text that is not a JSON object as {"raw": text}.
func rawPayload(text string) json.RawMessage {
	b := append([]byte(`{"raw":`), appendJSONString(nil, text)...)
	return append(b, '}')
}
