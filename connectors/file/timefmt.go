package file

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeParser parses the timestamps of one stream: a named format or a Go
// layout, in a zone for values without an offset.
type timeParser struct {
	name    string   // configured time_format ("" for the default set)
	layouts []string // tried in order; empty for unix and unix_ms
	unit    int64    // nanoseconds per unit for unix (1e9) and unix_ms (1e6)
	loc     *time.Location
}

// defaultLayouts are tried without a time_format; dateFirst serves values
// as long as a date.
var (
	defaultLayouts = []string{time.RFC3339Nano, "2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05"}
	dateFirst      = []string{"2006-01-02", time.RFC3339Nano}
)

var namedLayouts = map[string]string{
	"rfc3339":  time.RFC3339Nano,
	"date":     "2006-01-02",
	"yyyymmdd": "20060102",
}

// newTimeParser builds a parser for time_format format in zone tz.
func newTimeParser(format, tz string) (*timeParser, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	p := &timeParser{name: format, loc: loc}
	switch format {
	case "":
		p.layouts = defaultLayouts
	case "unix":
		p.unit = int64(time.Second)
	case "unix_ms":
		p.unit = int64(time.Millisecond)
	default:
		if l, ok := namedLayouts[format]; ok {
			p.layouts = []string{l}
			break
		}
		if !isLayout(format) {
			return nil, fmt.Errorf("unknown time_format %q (want rfc3339, date, yyyymmdd, unix, unix_ms or a Go layout such as \"02.01.2006 15:04\")", format)
		}
		p.layouts = []string{format}
	}
	return p, nil
}

// isLayout reports whether s looks like a Go time layout: it names a year
// and a timestamp formatted with it parses back.
func isLayout(s string) bool {
	if !strings.Contains(s, "2006") && !strings.Contains(s, "06") {
		return false
	}
	ref := time.Date(2021, 11, 23, 19, 47, 38, 0, time.UTC)
	out := ref.Format(s)
	if out == s {
		return false
	}
	_, err := time.Parse(s, out)
	return err == nil
}

// describe names the expected format for reject reasons.
func (p *timeParser) describe() string {
	switch p.name {
	case "":
		return "RFC 3339, 2006-01-02 or 2006-01-02 15:04:05"
	case "unix", "unix_ms", "rfc3339":
		return p.name
	}
	if l, ok := namedLayouts[p.name]; ok {
		return p.name + " (" + l + ")"
	}
	return p.name
}

// parse parses v (trimmed of spaces) and returns it in UTC.
func (p *timeParser) parse(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if p.unit != 0 {
		return parseUnix(v, p.unit)
	}
	layouts := p.layouts
	if p.name == "" && len(v) == len("2006-01-02") {
		layouts = dateFirst // skip a failed (allocating) RFC 3339 attempt
	}
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.ParseInLocation(l, v, p.loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// parseUnix parses an integer (optionally with a decimal fraction) count of
// units since the Unix epoch without going through float64.
func parseUnix(v string, unit int64) (time.Time, error) {
	intPart, frac, hasFrac := strings.Cut(v, ".")
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || (hasFrac && frac == "") {
		return time.Time{}, fmt.Errorf("not a number")
	}
	if n > (1<<63-1)/unit || n < -(1<<63-1)/unit {
		return time.Time{}, fmt.Errorf("out of range")
	}
	ns := n * unit
	if hasFrac {
		var f int64
		scale := unit
		for _, c := range frac {
			if c < '0' || c > '9' {
				return time.Time{}, fmt.Errorf("not a number")
			}
			if scale >= 10 {
				scale /= 10
				f += int64(c-'0') * scale
			}
		}
		if n < 0 || strings.HasPrefix(intPart, "-") {
			f = -f
		}
		ns += f
	}
	return time.Unix(0, ns).UTC(), nil
}
