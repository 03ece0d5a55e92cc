package transform

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000-0700", // Salesforce
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTime parses the timestamp forms connectors hand over (RFC 3339,
// Salesforce's +0000 offsets, naive date-times, dates) and returns UTC.
// A timestamp without an offset is taken as UTC: connectors that know a
// source time zone convert before handing records over.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised timestamp %q", s)
}

// TimeText writes t as the warehouse receives timestamps: RFC 3339 in UTC
// with a fraction only when there is one (time.RFC3339Nano). When in is
// already exactly that text — the common case — it is returned as is,
// which spares a formatting and an allocation per timestamp.
func TimeText(t time.Time, in string) string {
	t = t.UTC()
	y, mo, d := t.Date()
	if t.Nanosecond() != 0 || y < 0 || y > 9999 {
		return t.Format(time.RFC3339Nano)
	}
	h, mi, s := t.Clock()
	var b [len("2006-01-02T15:04:05Z")]byte
	put := func(at, v, width int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, s, 2)
	b[19] = 'Z'
	if string(b[:]) == in {
		return in
	}
	return string(b[:])
}

// OrderStatus normalises a source order status to one of open, fulfilled,
// invoiced, paid, canceled, returned; an empty status is derived from the
// stage timestamps; an unknown status is kept in lower case.
func OrderStatus(status string, canceled, paid, invoiced, fulfilled bool) string {
	s := strings.ToLower(strings.TrimSpace(status))
	switch s {
	case "canceled", "cancelled", "cancel", "storno", "void", "voided", "rejected", "closed lost":
		return "canceled"
	case "paid", "settled", "cleared", "complete", "completed", "closed", "closed won", "won":
		return "paid"
	case "invoiced", "billed", "open invoice":
		return "invoiced"
	case "fulfilled", "shipped", "delivered", "c":
		return "fulfilled"
	case "returned", "refunded", "return":
		return "returned"
	case "open", "new", "draft", "pending", "in process", "in progress", "released", "a", "b", "activated":
		if !canceled && !paid && !invoiced && !fulfilled {
			return "open"
		}
		s = ""
	}
	if s != "" {
		return s
	}
	switch {
	case canceled:
		return "canceled"
	case paid:
		return "paid"
	case invoiced:
		return "invoiced"
	case fulfilled:
		return "fulfilled"
	}
	return "open"
}

// Instrument normalises a survey instrument name to nps, csat or ces.
func Instrument(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "nps", "net promoter", "net promoter score", "promoter":
		return "nps", nil
	case "csat", "satisfaction", "customer satisfaction":
		return "csat", nil
	case "ces", "effort", "customer effort", "customer effort score":
		return "ces", nil
	}
	return "", fmt.Errorf("unknown instrument %q (want nps, csat or ces)", s)
}

func defaultScale(instrument string) (lo, hi int) {
	switch instrument {
	case "nps":
		return 0, 10
	case "ces":
		return 1, 7
	}
	return 1, 5
}

// DomainOf extracts a lower-case host name without "www." from a website
// URL, a bare domain or an e-mail address.
func DomainOf(s string) string {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}
