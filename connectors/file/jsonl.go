package file

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/northstar-dev/northstar"
)

// jsonRow addresses a JSON object by (dotted) path.
type jsonRow struct{ obj map[string]any }

func (r *jsonRow) get(path string, _ int) (string, bool) {
	v, ok := lookup(r.obj, path)
	if !ok {
		return "", false
	}
	return jsonText(v), true
}

// lookup finds path in obj: a literal key first, then a dotted path
// through nested objects (and array indexes).
func lookup(obj map[string]any, path string) (any, bool) {
	if v, ok := obj[path]; ok {
		return v, true
	}
	var cur any = obj
	for part := range strings.SplitSeq(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jsonText renders a JSON value as raw text: strings unquoted, numbers
// exactly as written, null as "", objects and arrays as compact JSON.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// readJSONL reads a JSON Lines file into pg: one object per line, blank
// lines ignored.
func readJSONL(st *settings, path string, mtime time.Time, br *bufio.Reader, pg *pager) error {
	m := newMapper(st, path, mtime, nil)
	var (
		buf  []byte
		line int
		r    jsonRow
	)
	for {
		b, err := readLine(br, &buf)
		if err != nil && err != io.EOF {
			return fmt.Errorf("line %d: %w", line+1, err)
		}
		if len(b) == 0 && err == io.EOF {
			return nil
		}
		line++
		b = bytes.TrimSpace(b)
		if len(b) > 0 {
			if err := pg.room(); err != nil {
				return err
			}
			if rec, why, payload := jsonRecord(m, &r, b, line); why != "" {
				pg.addReject(rec.SourceID, m.origin(line), why, payload)
			} else {
				pg.addRecord(rec)
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// jsonRecord maps one JSON line; on failure it returns the reason and the
// payload to quarantine.
func jsonRecord(m *mapper, r *jsonRow, b []byte, line int) (rec northstar.Record, why string, payload json.RawMessage) {
	if !utf8.Valid(b) {
		return rec, "invalid UTF-8 (encoding must be utf-8)", rawPayload(string(b))
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return rec, "NUL character (\\u0000)", rawPayload(string(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return rec, "malformed JSON: " + err.Error(), rawPayload(string(b))
	}
	if dec.InputOffset() != int64(len(b)) {
		return rec, "malformed JSON: data after the object", rawPayload(string(b))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return rec, "not a JSON object", rawPayload(string(b))
	}
	var out bytes.Buffer
	out.Grow(len(b))
	if err := json.Compact(&out, b); err != nil {
		return rec, "malformed JSON: " + err.Error(), rawPayload(string(b))
	}
	payload = out.Bytes()
	r.obj = obj
	rec, why = m.record(r, line, payload)
	return rec, why, payload
}
