package salesforce

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// sfTimeLayout is Salesforce's REST datetime format (no colon in the offset).
const sfTimeLayout = "2006-01-02T15:04:05.000-0700"

func (e *Emulator) checkJWT(assertion, base string) error {
	if e.opts.PublicKey == nil {
		return errors.New("no certificate configured for the connected app")
	}
	tok, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return e.opts.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(),
		jwt.WithIssuer(e.opts.ClientID), jwt.WithSubject(e.opts.Username), jwt.WithTimeFunc(e.opts.Now))
	if err != nil || !tok.Valid {
		return errors.New("invalid assertion")
	}
	aud, _ := tok.Claims.GetAudience()
	for _, a := range aud {
		if a == base || a == "https://login.salesforce.com" || a == "https://test.salesforce.com" {
			return nil
		}
	}
	return errors.New("audience is invalid")
}

func (e *Emulator) serveQuery(w http.ResponseWriter, r *http.Request, version string, all bool) error {
	q, err := parseSOQL(r.URL.Query().Get("q"))
	if err != nil {
		return &sfError{400, "MALFORMED_QUERY", err.Error()}
	}
	t, fields, rows, err := e.runQuery(q, all)
	if err != nil {
		return err
	}
	if n := e.chaos.QueryTimeoutAbove; n > 0 && len(rows) > n {
		return &sfError{400, "QUERY_TIMEOUT", "Your query request was running for too long."}
	}
	if q.Count {
		return writeJSON(w, 200, map[string]any{"totalSize": len(rows), "done": true, "records": []any{}})
	}
	size := e.opts.PageSize
	if opt := r.Header.Get("Sforce-Query-Options"); opt != "" {
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(opt), "batchSize=")); err == nil && n >= 200 && n < size {
			size = n
		}
	}
	e.seq++
	id := fmt.Sprintf("01g5g%010d", e.seq)
	loc := &locator{t: t, fields: fields, rows: rows, size: size}
	e.locators[id] = loc
	e.locOrder = append(e.locOrder, id)
	if len(e.locOrder) > 200 { // Salesforce keeps a bounded number of open cursors
		delete(e.locators, e.locOrder[0])
		e.locOrder = e.locOrder[1:]
	}
	return e.writePage(w, version, id, loc, 0, size)
}

func (e *Emulator) serveMore(w http.ResponseWriter, version, ref string) error {
	id, off, ok := strings.Cut(ref, "-")
	loc := e.locators[id]
	n, err := strconv.Atoi(off)
	if !ok || loc == nil || err != nil || n < 0 || n > len(loc.rows) {
		return &sfError{400, "INVALID_QUERY_LOCATOR", "invalid query locator"}
	}
	if c := e.chaos.ExpireSessionEvery; c > 0 {
		if e.counts.expire++; e.counts.expire%c == 0 {
			clear(e.tokens)
			return &sfError{401, "INVALID_SESSION_ID", "Session expired or invalid"}
		}
	}
	return e.writePage(w, version, id, loc, n, loc.size)
}

func (e *Emulator) writePage(w http.ResponseWriter, version, id string, loc *locator, off, size int) error {
	end := min(off+size, len(loc.rows))
	var buf bytes.Buffer
	buf.WriteString(`{"totalSize":`)
	buf.WriteString(strconv.Itoa(len(loc.rows)))
	done := end >= len(loc.rows)
	buf.WriteString(`,"done":`)
	buf.WriteString(strconv.FormatBool(done))
	if !done {
		fmt.Fprintf(&buf, `,"nextRecordsUrl":"/services/data/v%s/query/%s-%d"`, version, id, end)
	}
	buf.WriteString(`,"records":[`)
	for i, rec := range loc.rows[off:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		e.writeRecord(&buf, version, loc.t, rec, loc.fields)
	}
	buf.WriteString("]}")
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if c := e.chaos.TruncateEvery; c > 0 {
		if e.counts.trunc++; e.counts.trunc%c == 0 {
			w.WriteHeader(200)
			_, _ = w.Write(buf.Bytes()[:buf.Len()/2])
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			panic(http.ErrAbortHandler)
		}
	}
	if done {
		delete(e.locators, id)
	}
	w.WriteHeader(200)
	_, err := w.Write(buf.Bytes())
	return err
}

// writeRecord writes one record as Salesforce does: an "attributes" object,
// then the selected fields in order, relationship fields nested.
func (e *Emulator) writeRecord(buf *bytes.Buffer, version string, t *table, rec map[string]any, fields []string) {
	id, _ := rec["Id"].(string)
	fmt.Fprintf(buf, `{"attributes":{"type":%q,"url":"/services/data/v%s/sobjects/%s/%s"}`, t.obj.Name, version, t.obj.Name, id)
	done := map[string]bool{}
	for _, f := range fields {
		head, _, dotted := strings.Cut(f, ".")
		if done[head] {
			continue
		}
		done[head] = true
		buf.WriteByte(',')
		writeJSONString(buf, head)
		buf.WriteByte(':')
		if !dotted {
			fd := t.fields[strings.ToLower(f)]
			writeValue(buf, fd, rec[fd.Name])
			continue
		}
		var sub []string
		for _, g := range fields {
			if h, rest, ok := strings.Cut(g, "."); ok && h == head {
				sub = append(sub, rest)
			}
		}
		lf := t.rels[strings.ToLower(head)]
		target := e.tables[strings.ToLower(lf.ReferenceTo)]
		pid, _ := rec[lf.Name].(string)
		var parent map[string]any
		if target != nil && pid != "" {
			parent = target.recs[pid]
		}
		if parent == nil {
			buf.WriteString("null")
			continue
		}
		e.writeRecord(buf, version, target, parent, sub)
	}
	buf.WriteByte('}')
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

func writeValue(buf *bytes.Buffer, f *Field, v any) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case jsonNumber:
		buf.WriteString(string(x))
	case time.Time:
		if f != nil && f.Type == "date" {
			writeJSONString(buf, x.Format(time.DateOnly))
		} else {
			writeJSONString(buf, x.Format(sfTimeLayout))
		}
	case string:
		writeJSONString(buf, x)
	default:
		writeJSONString(buf, fmt.Sprint(x))
	}
}

// csvValue formats a value as Bulk API 2.0 CSV does (datetimes in UTC with Z).
func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case jsonNumber:
		return string(x)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// --- Bulk API 2.0 -----------------------------------------------------------

type bulkJob struct {
	id, object, operation, state string
	t                            *table
	fields                       []string
	rows                         []map[string]any
	polls                        int
}

func (e *Emulator) serveBulk(w http.ResponseWriter, r *http.Request, version, rest string) error {
	if rest == "" {
		if r.Method != http.MethodPost {
			return &sfError{405, "METHOD_NOT_ALLOWED", "use POST"}
		}
		var req struct {
			Operation string `json:"operation"`
			Query     string `json:"query"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil || (req.Operation != "query" && req.Operation != "queryAll") {
			return &sfError{400, "INVALIDJOB", "operation must be query or queryAll"}
		}
		q, err := parseSOQL(req.Query)
		if err != nil {
			return &sfError{400, "INVALIDJOB", "malformed query: " + err.Error()}
		}
		t, fields, rows, err := e.runQuery(q, req.Operation == "queryAll")
		if err != nil {
			return err
		}
		e.seq++
		e.created++
		j := &bulkJob{id: fmt.Sprintf("7505g%013d", e.seq), object: t.obj.Name, operation: req.Operation,
			state: "UploadComplete", t: t, fields: fields, rows: rows}
		e.jobs[j.id] = j
		return writeJSON(w, 200, e.jobInfo(j, version))
	}
	id, sub, _ := strings.Cut(rest, "/")
	j := e.jobs[id]
	if j == nil {
		return &sfError{404, "NOT_FOUND", "job not found"}
	}
	switch {
	case sub == "" && r.Method == http.MethodGet:
		j.polls++
		if j.state == "UploadComplete" || j.state == "InProgress" {
			j.state = "InProgress"
			if e.chaos.BulkFail {
				j.state = "Failed"
			} else if j.polls >= e.opts.BulkPolls {
				j.state = "JobComplete"
			}
		}
		return writeJSON(w, 200, e.jobInfo(j, version))
	case sub == "" && r.Method == http.MethodDelete:
		delete(e.jobs, id)
		w.WriteHeader(http.StatusNoContent)
		return nil
	case sub == "" && r.Method == http.MethodPatch:
		j.state = "Aborted"
		return writeJSON(w, 200, e.jobInfo(j, version))
	case sub == "results" && r.Method == http.MethodGet:
		if j.state != "JobComplete" {
			return &sfError{400, "INVALIDJOBSTATE", "job is not complete"}
		}
		return e.serveResults(w, r, j)
	}
	return &sfError{404, "NOT_FOUND", "The requested resource does not exist"}
}

func (e *Emulator) jobInfo(j *bulkJob, version string) map[string]any {
	info := map[string]any{"id": j.id, "operation": j.operation, "object": j.object, "state": j.state,
		"contentType": "CSV", "apiVersion": version, "lineEnding": "LF", "columnDelimiter": "COMMA",
		"concurrencyMode": "Parallel"}
	if j.state == "JobComplete" {
		info["numberRecordsProcessed"] = len(j.rows)
	}
	if j.state == "Failed" {
		info["errorMessage"] = "InternalServerError: the job failed"
	}
	return info
}

func (e *Emulator) serveResults(w http.ResponseWriter, r *http.Request, j *bulkJob) error {
	off := 0
	if l := r.URL.Query().Get("locator"); l != "" {
		b, err := base64.RawURLEncoding.DecodeString(l)
		if err == nil {
			off, err = strconv.Atoi(string(b))
		}
		if err != nil || off < 0 || off > len(j.rows) {
			return &sfError{400, "INVALID_LOCATOR", "invalid locator"}
		}
	}
	size := e.opts.BulkPageSize
	if n, err := strconv.Atoi(r.URL.Query().Get("maxRecords")); err == nil && n > 0 {
		size = n
	}
	end := min(off+size, len(j.rows))
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(j.fields)
	row := make([]string, len(j.fields))
	for _, rec := range j.rows[off:end] {
		for i, f := range j.fields {
			row[i] = csvValue(e.get(j.t, rec, f))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	next := "null"
	if end < len(j.rows) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Sforce-Locator", next)
	w.Header().Set("Sforce-NumberOfRecords", strconv.Itoa(end-off))
	w.WriteHeader(200)
	_, err := w.Write(buf.Bytes())
	return err
}
