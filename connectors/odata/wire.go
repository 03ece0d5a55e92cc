package odata

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDate parses an OData V2 verbose-JSON date: "/Date(1130112000000)/"
// (Edm.DateTime) or "/Date(1130168212000+0000)/" (Edm.DateTimeOffset; the
// milliseconds are UTC and the signed offset, in minutes, is informational).
// The result is UTC.
func ParseDate(s string) (time.Time, error) {
	if !strings.HasPrefix(s, "/Date(") || !strings.HasSuffix(s, ")/") {
		return time.Time{}, fmt.Errorf("malformed date %q: want /Date(ms)/", s)
	}
	body := s[len("/Date(") : len(s)-len(")/")]
	// An offset is a sign after the first character followed by 4 digits.
	if i := strings.LastIndexAny(body, "+-"); i > 0 {
		if off := body[i+1:]; len(off) != 4 || !allDigits(off) {
			return time.Time{}, fmt.Errorf("malformed date %q: bad offset", s)
		}
		body = body[:i]
	}
	num := body
	if num == "" || num == "-" || !allDigits(strings.TrimPrefix(num, "-")) {
		return time.Time{}, fmt.Errorf("malformed date %q: bad milliseconds", s)
	}
	ms, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed date %q: %w", s, err)
	}
	// Bound to years 0001..9999 so later formatting cannot overflow.
	if ms < -62135596800000 || ms > 253402300799999 {
		return time.Time{}, fmt.Errorf("malformed date %q: out of range", s)
	}
	return time.UnixMilli(ms).UTC(), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatDate formats t as an Edm.DateTime JSON value "/Date(ms)/".
func FormatDate(t time.Time) string {
	return "/Date(" + strconv.FormatInt(t.UnixMilli(), 10) + ")/"
}

// FormatDateTimeOffset formats t as an Edm.DateTimeOffset JSON value
// "/Date(ms+0000)/".
func FormatDateTimeOffset(t time.Time) string {
	return "/Date(" + strconv.FormatInt(t.UnixMilli(), 10) + "+0000)/"
}

// ParseTime parses an Edm.Time value, an ISO 8601 duration of the form
// "PT14H04M56S" (hours, minutes and seconds each optional, seconds may have
// a fraction, at least one present).
func ParseTime(s string) (time.Duration, error) {
	if !strings.HasPrefix(s, "PT") || len(s) < 4 {
		return 0, fmt.Errorf("malformed time %q: want PTnnHnnMnnS", s)
	}
	rest := s[2:]
	var d time.Duration
	last := 0 // order: H=1, M=2, S=3
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("malformed time %q", s)
		}
		num, unit := rest[:i], rest[i]
		rest = rest[i+1:]
		var rank int
		var scale time.Duration
		switch unit {
		case 'H':
			rank, scale = 1, time.Hour
		case 'M':
			rank, scale = 2, time.Minute
		case 'S':
			rank, scale = 3, time.Second
		default:
			return 0, fmt.Errorf("malformed time %q: unit %q", s, unit)
		}
		if rank <= last {
			return 0, fmt.Errorf("malformed time %q: units out of order", s)
		}
		last = rank
		if strings.Contains(num, ".") {
			if unit != 'S' {
				return 0, fmt.Errorf("malformed time %q: fraction only in seconds", s)
			}
			whole, frac, _ := strings.Cut(num, ".")
			if whole == "" || !allDigits(whole) || (frac != "" && !allDigits(frac)) || len(whole) > 6 {
				return 0, fmt.Errorf("malformed time %q", s)
			}
			if len(frac) > 9 {
				frac = frac[:9]
			}
			w, _ := strconv.ParseInt(whole, 10, 64)
			ns := int64(0)
			if frac != "" {
				ns, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
			}
			d += time.Duration(w)*time.Second + time.Duration(ns)
			continue
		}
		if len(num) > 6 {
			return 0, fmt.Errorf("malformed time %q: too large", s)
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed time %q: %w", s, err)
		}
		d += time.Duration(n) * scale
	}
	return d, nil
}

// FormatTime formats d as an Edm.Time value "PT14H04M56S" (whole seconds).
func FormatTime(d time.Duration) string {
	sec := int64(d / time.Second)
	return fmt.Sprintf("PT%02dH%02dM%02dS", sec/3600, sec/60%60, sec%60)
}

// The OData V2 literal forms used in $filter.
func datetimeLiteral(t time.Time) string {
	return "datetime'" + t.UTC().Format("2006-01-02T15:04:05") + "'"
}

func datetimeoffsetLiteral(t time.Time) string {
	return "datetimeoffset'" + t.UTC().Format("2006-01-02T15:04:05.000Z") + "'"
}

func timeLiteral(d time.Duration) string { return "time'" + FormatTime(d) + "'" }

func stringLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ParseV4Time parses an OData v4 Edm.DateTimeOffset ("2024-01-02T03:04:05.123Z",
// any RFC 3339 offset) or Edm.Date ("2015-12-31") value as UTC.
func ParseV4Time(s string) (time.Time, error) {
	if len(s) == len("2006-01-02") {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("malformed date %q", s)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed timestamp %q", s)
	}
	return t.UTC(), nil
}

// UpstreamError is an error response of an OData service: the HTTP status
// and, when the body was an OData error document, its code and message.
type UpstreamError struct {
	Status  int
	Code    string
	Message string
	URL     string // without query secrets; for context only
}

// Error formats e as "http 400: CODE: message".
func (e *UpstreamError) Error() string {
	s := "http " + strconv.Itoa(e.Status)
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// parseErrorBody extracts code and message from an SAP Gateway V2 error
// ({"error":{"code":…,"message":{"lang":"en","value":…}}}) or an OData v4
// error ({"error":{"code":…,"message":"…"}}). Other bodies yield a short
// excerpt as the message.
func parseErrorBody(status int, body []byte) *UpstreamError {
	e := &UpstreamError{Status: status}
	var doc struct {
		Error struct {
			Code    string          `json:"code"`
			Message json.RawMessage `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &doc) == nil && (doc.Error.Code != "" || len(doc.Error.Message) > 0) {
		e.Code = doc.Error.Code
		var v2 struct {
			Value string `json:"value"`
		}
		var v4 string
		switch {
		case json.Unmarshal(doc.Error.Message, &v4) == nil:
			e.Message = v4
		case json.Unmarshal(doc.Error.Message, &v2) == nil:
			e.Message = v2.Value
		}
		return e
	}
	ex := strings.TrimSpace(string(body))
	if len(ex) > 200 {
		ex = ex[:200] + "…"
	}
	e.Message = ex
	return e
}

var errTruncated = errors.New("truncated response body")

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }
