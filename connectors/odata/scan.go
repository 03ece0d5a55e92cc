package odata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// keyKind says how a keyset column's value is written as a V2 literal.
type keyKind uint8

const (
	keyString keyKind = iota
	keyDateTime
	keyDateTimeOffset
	keyTime
)

// keyCol is one column of a keyset ordering.
type keyCol struct {
	field string
	kind  keyKind
}

func (k keyCol) literal(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: not a string", k.field)
	}
	switch k.kind {
	case keyDateTime:
		t, err := ParseDate(s)
		if err != nil {
			return "", err
		}
		return datetimeLiteral(t), nil
	case keyDateTimeOffset:
		t, err := ParseDate(s)
		if err != nil {
			return "", err
		}
		return datetimeoffsetLiteral(t), nil
	case keyTime:
		d, err := ParseTime(s)
		if err != nil {
			return "", err
		}
		return timeLiteral(d.Truncate(time.Second)), nil
	}
	if s == "" {
		return "", fmt.Errorf("%s: empty", k.field)
	}
	return stringLiteral(s), nil
}

// after builds the keyset continuation "(c1 gt v1) or (c1 eq v1 and c2 gt v2) …".
func after(keys []keyCol, lits []string) string {
	var ors []string
	for i := range keys {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, keys[j].field+" eq "+lits[j])
		}
		ands = append(ands, keys[i].field+" gt "+lits[i])
		ors = append(ors, "("+strings.Join(ands, " and ")+")")
	}
	return strings.Join(ors, " or ")
}

func and(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") and (" + b + ")"
}

// v2Page is one verbose-JSON collection response.
type v2Page struct {
	D struct {
		Results []json.RawMessage `json:"results"`
		Count   string            `json:"__count"`
		Next    string            `json:"__next"`
	} `json:"d"`
}

// v2Scan describes one ordered read of an entity set.
type v2Scan struct {
	service  string     // service URL, e.g. base + "/API_SALES_ORDER_SRV"
	set      string     // entity set
	filter   string     // base filter, "" for none
	keys     []keyCol   // keyset order: change timestamp(s) then entity key
	params   url.Values // $select, $expand
	pageSize int
}

// scanPage is one server page of a scan.
type scanPage struct {
	raws  []json.RawMessage
	rows  []row
	total int64 // from $inlinecount, -1 if unknown
}

// scanV2 reads every row matching sc.filter in keyset order: each request
// asks for $top=pageSize rows after the last row seen, and follows __next
// when the server pages below $top. Unlike offset-based $skiptoken paging
// alone, a row changed during the read moves to the end instead of
// shifting the rows behind it into a page already read.
func (c *client) scanV2(ctx context.Context, sc v2Scan, fn func(scanPage) error) error {
	total := int64(-1)
	seen := int64(0)
	cont := ""
	for window := 0; ; window++ {
		q := url.Values{}
		for k, v := range sc.params {
			q[k] = v
		}
		q.Set("$format", "json")
		if f := and(sc.filter, cont); f != "" {
			q.Set("$filter", f)
		}
		order := make([]string, len(sc.keys))
		for i, k := range sc.keys {
			order[i] = k.field
		}
		q.Set("$orderby", strings.Join(order, ","))
		q.Set("$top", strconv.Itoa(sc.pageSize))
		if window == 0 {
			q.Set("$inlinecount", "allpages")
		}
		u := sc.service + "/" + sc.set + "?" + encodeQuery(q)
		n := int64(0)
		var last row
		for u != "" {
			p, err := c.getCollection(ctx, u, false)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.set, err)
			}
			if window == 0 && p.count >= 0 {
				total = p.count
			}
			rows := p.rows
			n += int64(len(rows))
			for i := len(rows) - 1; i >= 0; i-- {
				if _, err := keyLits(sc.keys, rows[i]); err == nil {
					last = rows[i]
					break
				}
			}
			if err := fn(scanPage{raws: p.raws, rows: rows, total: total}); err != nil {
				return err
			}
			u = p.next
		}
		seen += n
		// A short window ends the scan, unless the server's count says rows
		// remain (a server that caps pages below $top without __next).
		if n == 0 || (n < int64(sc.pageSize) && (total < 0 || seen >= total)) {
			return nil
		}
		if last == nil {
			return fmt.Errorf("%s: cannot page on: no row of a full page has valid key values", sc.set)
		}
		lits, _ := keyLits(sc.keys, last)
		cont = after(sc.keys, lits)
	}
}

func keyLits(keys []keyCol, r row) ([]string, error) {
	out := make([]string, len(keys))
	for i, k := range keys {
		l, err := k.literal(r[k.field])
		if err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

// decodeRow decodes one entity with numbers kept as json.Number; an entity
// that is not a JSON object yields an empty row.
func decodeRow(raw json.RawMessage) row {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var r map[string]any
	if dec.Decode(&r) != nil || r == nil {
		return row{}
	}
	return r
}
