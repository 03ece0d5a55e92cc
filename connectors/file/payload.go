package file

import (
	"encoding/json"
	"strconv"
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

// objectKeys pre-encodes column names as `"name":` for payloads.
func objectKeys(names []string) [][]byte {
	keys := make([][]byte, len(names))
	for i, n := range names {
		keys[i] = append(appendJSONString(nil, n), ':')
	}
	return keys
}

// tabularPayload encodes a row as a JSON object of column name → value;
// columns beyond keys are named by position.
func tabularPayload(keys [][]byte, cols []string) json.RawMessage {
	n := 2
	for i, c := range cols {
		n += len(c) + 3
		if i < len(keys) {
			n += len(keys[i])
		} else {
			n += 8
		}
	}
	b := make([]byte, 0, n+n/8)
	b = append(b, '{')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		if i < len(keys) {
			b = append(b, keys[i]...)
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
