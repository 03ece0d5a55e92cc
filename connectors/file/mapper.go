package file

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
)

// fieldPlan says where one unified field comes from in one file.
type fieldPlan struct {
	unified  string
	src      string // column name, position or dotted JSON path
	col      int    // column index in tabular files; -1 when absent
	constant string
	isConst  bool
	isTime   bool // unified name ends in _at: parsed and handed over as RFC 3339 UTC
}

// row is one parsed row of a file, addressed by source field.
type row interface {
	// get returns the value of source field src (column index col in
	// tabular files) and whether it is present.
	get(src string, col int) (string, bool)
}

// mapper turns the rows of one file into records.
type mapper struct {
	st      *settings
	path    string // as globbed; used in Origin
	base    string // file base name, for id: line
	mtime   time.Time
	plans   []fieldPlan
	idLine  bool
	idPlans []fieldPlan // id columns; empty with idLine or the source_id mapping
}

// newMapper plans the mapping of one file. index maps column names to
// their position (nil for JSON Lines, where sources are paths).
func newMapper(st *settings, path string, mtime time.Time, index map[string]int) *mapper {
	m := &mapper{st: st, path: path, base: filepath.Base(path), mtime: mtime}
	col := func(src string) int {
		if index == nil {
			return -1
		}
		if i, ok := index[src]; ok {
			return i
		}
		return -2 // absent column
	}
	for _, f := range unifiedFields(st) {
		src, ok := st.fields[f]
		if !ok {
			src = f // identity: a column named like the unified field
		}
		p := fieldPlan{unified: f, src: src, isTime: strings.HasSuffix(f, "_at")}
		if c, ok := northstar.Constant(src); ok {
			p.constant, p.isConst = c, true
		} else if p.col = col(src); p.col == -2 {
			continue
		}
		m.plans = append(m.plans, p)
	}
	switch {
	case st.id.isLine():
		m.idLine = true
	case st.id != nil:
		for _, src := range st.id {
			m.idPlans = append(m.idPlans, fieldPlan{src: src, col: col(src)})
		}
	}
	return m
}

// unifiedFields lists the stream's unified fields plus any extra mapped ones.
func unifiedFields(st *settings) []string {
	fs := append([]string(nil), st.stream.Fields()...)
	var extra []string
	for f := range st.fields {
		if !st.stream.HasField(f) {
			extra = append(extra, f)
		}
	}
	sort.Strings(extra)
	return append(fs, extra...)
}

// origin formats "path:line".
func (m *mapper) origin(line int) string { return origin(m.path, line) }

// origin formats "path:line" with a single allocation.
func origin(path string, line int) string {
	var buf [128]byte
	b := append(buf[:0], path...)
	b = append(b, ':')
	return string(strconv.AppendInt(b, int64(line), 10))
}

// record maps r (starting at line) to a record, or returns the reason it
// cannot be mapped (with the record's SourceID set when it is known).
func (m *mapper) record(r row, line int, payload json.RawMessage) (northstar.Record, string) {
	fields := make(map[string]string, len(m.plans)+1)
	modAt := m.mtime
	for i := range m.plans {
		p := &m.plans[i]
		v := p.constant
		if !p.isConst {
			var ok bool
			if v, ok = r.get(p.src, p.col); !ok {
				continue
			}
		}
		if p.isTime && strings.TrimSpace(v) != "" {
			t, err := m.st.times.parse(v)
			if err != nil {
				id, _ := m.sourceID(r, line, fields) // source_id comes first: known if mapped
				return northstar.Record{SourceID: id}, fmt.Sprintf("column %q (%s): cannot parse %q as %s", p.src, p.unified, v, m.st.times.describe())
			}
			v = transform.TimeText(t, strings.TrimSpace(v))
			if p.unified == "modified_at" {
				modAt = t
			}
		}
		fields[p.unified] = v
	}
	id, reason := m.sourceID(r, line, fields)
	if reason != "" {
		return northstar.Record{}, reason
	}
	fields["source_id"] = id
	return northstar.Record{
		SourceID:   id,
		ModifiedAt: modAt,
		Fields:     fields,
		Payload:    payload,
		Origin:     m.origin(line),
	}, ""
}

func (m *mapper) sourceID(r row, line int, fields map[string]string) (string, string) {
	switch {
	case m.idLine:
		return m.base + ":" + strconv.Itoa(line), ""
	case len(m.idPlans) > 0:
		parts := make([]string, len(m.idPlans))
		empty := true
		for i, p := range m.idPlans {
			v, ok := r.get(p.src, p.col)
			if !ok {
				return "", fmt.Sprintf("missing source_id: no id column %q", p.src)
			}
			if strings.TrimSpace(v) != "" {
				empty = false
			}
			parts[i] = v
		}
		if empty {
			return "", "missing source_id: id columns " + strings.Join(m.st.id, ", ") + " are empty"
		}
		return strings.Join(parts, "|"), ""
	}
	id := fields["source_id"]
	if strings.TrimSpace(id) == "" {
		// fx_rates rows need no id column: "<CURRENCY>:<day>".
		if def := m.st.stream.DefaultSourceID(fields); def != "" {
			return def, ""
		}
		return "", "missing source_id"
	}
	return id, ""
}

// checkText reports why a value cannot be stored as PostgreSQL text, or "".
func checkText(v string) string {
	if !utf8.ValidString(v) {
		return "invalid UTF-8 (encoding must be utf-8)"
	}
	if strings.IndexByte(v, 0) >= 0 {
		return "NUL character"
	}
	return ""
}
