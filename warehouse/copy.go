package warehouse

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/lib/pq"
)

// copyFlushSize is how much encoded COPY data is handed to the driver at
// once (lib/pq sends CopyData messages of up to 64 KiB).
const copyFlushSize = 60 << 10

// copyData is lib/pq's COPY statement accepting lines already in COPY
// text format.
type copyData interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copyIn COPYs n rows into table's columns cols within the loader's
// transaction; row(w, i) writes the i-th row's values to w. Values are
// encoded here, as lib/pq would encode them, and handed to the driver in
// large chunks: per row this saves database/sql's argument conversion, a
// driver call and boxing every value.
func (l *loader) copyIn(ctx context.Context, table string, cols []string, n int, row func(w *copyLine, i int)) error {
	fail := func(err error) error {
		return fmt.Errorf("warehouse: copy %s into %s: %w", l.stream, table, err)
	}
	return l.conn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fail(fmt.Errorf("driver connection %T", dc))
		}
		st, err := conn.Prepare(copyStatement(table, cols))
		if err != nil {
			return fail(err)
		}
		cd, ok := st.(copyData)
		if !ok {
			st.Close()
			return fail(fmt.Errorf("driver statement %T cannot stream COPY data", st))
		}
		w := &copyLine{b: make([]byte, 0, copyFlushSize+4<<10)}
		for i := 0; i < n; i++ {
			if len(w.b) > 0 {
				w.b = append(w.b, '\n') // CopyData ends each chunk with a newline
			}
			w.n = 0
			row(w, i)
			if w.err == nil && w.n != len(cols) {
				w.err = fmt.Errorf("%d values for %d columns", w.n, len(cols))
			}
			if w.err != nil {
				st.Close()
				return fail(fmt.Errorf("row %d: %w", i, w.err))
			}
			if len(w.b) >= copyFlushSize || i == n-1 {
				if _, err := cd.CopyData(ctx, bufferText(w.b)); err != nil {
					st.Close()
					return fail(err)
				}
				w.b = w.b[:0]
			}
		}
		// Exec without values ends the COPY and reports the server's verdict.
		if _, err := st.Exec(nil); err != nil { //nolint:staticcheck // lib/pq's COPY statement implements only Exec
			st.Close()
			return fail(err)
		}
		return st.Close()
	})
}

// bufferText views b as a string without copying it, for CopyData: lib/pq
// appends the line to its own message buffer before CopyData returns and
// keeps no reference to it, so b may be reused afterwards. A string(b)
// conversion here copied every byte of a load once more and was most of
// the loader's garbage (about 1.9 GB at a million orders).
func bufferText(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// copyLine builds one row in COPY text format, value by value.
type copyLine struct {
	b   []byte
	n   int // values written to the row
	err error
}

func (w *copyLine) next() {
	if w.n > 0 {
		w.b = append(w.b, '\t')
	}
	w.n++
}

// text writes s as text.
func (w *copyLine) text(s string) {
	w.next()
	w.b = appendCopyText(w.b, s)
}

// json writes a JSON document held as bytes, as text.
func (w *copyLine) json(b []byte) {
	w.next()
	w.b = appendCopyText(w.b, b)
}

// null writes NULL.
func (w *copyLine) null() {
	w.next()
	w.b = append(w.b, `\N`...)
}

// int writes v.
func (w *copyLine) int(v int64) {
	w.next()
	w.b = strconv.AppendInt(w.b, v, 10)
}

// raw writes s, which needs no escaping (a value formatted once per page).
func (w *copyLine) raw(s string) {
	w.next()
	w.b = append(w.b, s...)
}

// value writes v as lib/pq would encode it (see appendCopyValue).
func (w *copyLine) value(v any) {
	w.next()
	if w.err == nil {
		var err error
		if w.b, err = appendCopyValue(w.b, v); err != nil {
			w.err = fmt.Errorf("column %d: %w", w.n, err)
		}
	}
}

// appendCopyValue appends v in COPY text format, as lib/pq encodes
// statement arguments: NULL as \N, bytes as bytea, driver.Valuers (decimal)
// by their value.
func appendCopyValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case string:
		return appendCopyText(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64), nil
	case time.Time:
		return append(b, pq.FormatTimestamp(x)...), nil
	case []byte:
		return appendCopyText(b, `\x`+hex.EncodeToString(x)), nil
	}
	cv, err := driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return b, err
	}
	switch cv.(type) {
	case nil, string, int64, bool, float64, time.Time, []byte:
		return appendCopyValue(b, cv)
	}
	return b, fmt.Errorf("cannot encode %T", v)
}

// copyEscaped marks the bytes COPY text format escapes.
var copyEscaped = [256]bool{'\\': true, '\n': true, '\r': true, '\t': true}

// appendCopyText appends s escaped for COPY text format.
func appendCopyText[T string | []byte](b []byte, s T) []byte {
	clean := true
	for i := 0; i < len(s); i++ {
		if copyEscaped[s[i]] {
			clean = false
			break
		}
	}
	if clean {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return b
}
