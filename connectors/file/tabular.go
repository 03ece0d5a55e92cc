package file

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// tabReader yields the rows of a CSV or whitespace-separated file. A row
// error (*csv.ParseError) is returned with the row's start line and the
// fields read so far; any other error ends the file.
type tabReader interface {
	read() (cols []string, line int, err error)
}

// csvReader reads delimited rows with encoding/csv (RFC 4180 quoting,
// quoted newlines, CRLF).
type csvReader struct{ r *csv.Reader }

func newCSVReader(r io.Reader, delim rune) *csvReader {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvReader{r: cr}
}

func (c *csvReader) read() ([]string, int, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return rec, pe.StartLine, err
		}
		return nil, 0, err
	}
	line, _ := c.r.FieldPos(0)
	return rec, line, nil
}

// wsReader splits lines on runs of spaces and tabs; there is no quoting.
type wsReader struct {
	br   *bufio.Reader
	line int
	buf  []byte
	cols []string
}

func newWSReader(br *bufio.Reader) *wsReader { return &wsReader{br: br} }

func (w *wsReader) read() ([]string, int, error) {
	for {
		b, err := readLine(w.br, &w.buf)
		if len(b) == 0 && err != nil {
			return nil, 0, err
		}
		w.line++
		w.cols = splitWhitespace(string(b), w.cols[:0])
		if len(w.cols) > 0 {
			return w.cols, w.line, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// readLine returns the next line without its line ending ("\n" or "\r\n").
// The slice is valid until the next call. At the end it returns io.EOF,
// possibly together with a last unterminated line.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*buf = append((*buf)[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = br.ReadSlice('\n')
			*buf = append(*buf, b...)
		}
		b = *buf
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b, err
}

// splitWhitespace appends the fields of s separated by runs of spaces and
// tabs (a trailing \r included) to dst.
func splitWhitespace(s string, dst []string) []string {
	start := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r':
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// tabRow addresses a tabular row by column index.
type tabRow struct{ cols []string }

func (r *tabRow) get(_ string, col int) (string, bool) {
	if col < 0 || col >= len(r.cols) {
		return "", false
	}
	return r.cols[col], true
}

// readTabular reads a CSV or whitespace file into pg.
func readTabular(st *settings, path string, mtime time.Time, br *bufio.Reader, pg *pager) error {
	var tr tabReader
	if st.whitespace {
		tr = newWSReader(br)
	} else {
		tr = newCSVReader(br, st.delim)
	}
	var (
		m     *mapper
		keys  payloadKeys
		ncols int
		r     tabRow
	)
	for {
		cols, line, err := tr.read()
		if err == io.EOF {
			return nil
		}
		pe, _ := err.(*csv.ParseError)
		if err != nil && pe == nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if m == nil { // first row: header or first data row
			if pe != nil {
				if err := pg.room(); err != nil {
					return err
				}
				pg.addReject("", origin(path, line), pe.Error(), tabularPayload(payloadKeys{}, cols))
				continue
			}
			names := positionalNames(len(cols))
			if st.header {
				names = headerNames(cols)
			}
			ncols = len(names)
			index := make(map[string]int, ncols)
			for i, n := range names {
				if _, dup := index[n]; !dup {
					index[n] = i
				}
			}
			keys = objectKeys(names)
			m = newMapper(st, path, mtime, index)
			if st.header {
				continue
			}
		}
		if err := pg.room(); err != nil {
			return err
		}
		if pe != nil {
			pg.addReject("", m.origin(line), pe.Error(), tabularPayload(keys, cols))
			continue
		}
		if len(cols) != ncols {
			if len(cols) == 1 && ncols > 1 && strings.TrimSpace(cols[0]) == "" {
				continue // a blank-looking line
			}
			pg.addReject("", m.origin(line), fmt.Sprintf("expected %d columns, got %d", ncols, len(cols)), tabularPayload(keys, cols))
			continue
		}
		if reason := checkRow(cols, keys); reason != "" {
			pg.addReject("", m.origin(line), reason, tabularPayload(keys, cols))
			continue
		}
		payload := tabularPayload(keys, cols)
		r.cols = cols
		rec, reason := m.record(&r, line, payload)
		if reason != "" {
			pg.addReject(rec.SourceID, m.origin(line), reason, payload)
			continue
		}
		pg.addRecord(rec)
	}
}

// checkRow reports a column that cannot be stored as text, or "".
func checkRow(cols []string, keys payloadKeys) string {
	for i, c := range cols {
		if why := checkText(c); why != "" {
			return fmt.Sprintf("column %s: %s", keys.name(i), why)
		}
	}
	return ""
}

// positionalNames names n columns "1", "2", ….
func positionalNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = strconv.Itoa(i + 1)
	}
	return names
}

// headerNames copies a header row (the reader reuses its slice), trimming
// spaces; an empty name is replaced by the column's position.
func headerNames(cols []string) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = strings.TrimSpace(c)
		if names[i] == "" {
			names[i] = strconv.Itoa(i + 1)
		}
	}
	return names
}
