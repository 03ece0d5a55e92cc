package odata

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DateTime is an Edm.DateTime (V2) or Edm.Date (V4) value in emulator
// records: milliseconds since the Unix epoch, UTC. Zero is null.
type DateTime int64

// DateTimeOffset is an Edm.DateTimeOffset value in emulator records:
// milliseconds since the Unix epoch, UTC. Zero is null.
type DateTimeOffset int64

// TimeOfDay is an Edm.Time value (V2, "PT14H04M56S") in emulator records:
// seconds since midnight.
type TimeOfDay int32

// Decimal is an Edm.Decimal value as decimal text. V2 sends it as a JSON
// string, V4 as a JSON number.
type Decimal string

// Date returns t's calendar day (UTC) as a DateTime.
func Date(t time.Time) DateTime {
	t = t.UTC()
	return DateTime(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).UnixMilli())
}

// Stamp returns t as a DateTimeOffset (millisecond precision).
func Stamp(t time.Time) DateTimeOffset { return DateTimeOffset(t.UnixMilli()) }

// ClockTime returns t's time of day (UTC) as a TimeOfDay.
func ClockTime(t time.Time) TimeOfDay {
	t = t.UTC()
	return TimeOfDay(t.Hour()*3600 + t.Minute()*60 + t.Second())
}

// Time returns d as a UTC time (zero time for null).
func (d DateTime) Time() time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(d)).UTC()
}

// Time returns s as a UTC time (zero time for null).
func (s DateTimeOffset) Time() time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(s)).UTC()
}

// Overrides replaces the wire text of single properties of one emulator
// record: property name → raw JSON text sent instead of the real value
// (chaos: malformed dates, non-numeric amounts). Filters and ordering still
// see the real value.
type Overrides map[string]string

// entity is implemented by every emulator record type.
type entity interface {
	// keyPredicate is the key part of the entity's URI: "'4000043'" or
	// "SalesOrder='1',SalesOrderItem='10'".
	keyPredicate() string
	// key is the entity's single-string identity in its set.
	key() string
	overrides() Overrides
}

type propKind uint8

const (
	pString propKind = iota
	pBool
	pDecimal
	pDateTime
	pDateTimeOffset
	pTime
	pNavMany
	pNavOne
)

type propMeta struct {
	name string
	idx  int
	kind propKind
	set  string // entity set of a navigation target
}

type typeMeta struct {
	props  []propMeta
	byName map[string]*propMeta
}

var metaCache sync.Map // reflect.Type → *typeMeta

// metaOf describes a struct type from its `odata:"Name"` tags; navigation
// properties are tagged `odata:"to_Item,nav=A_SalesOrderItem"`.
func metaOf(t reflect.Type) *typeMeta {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if m, ok := metaCache.Load(t); ok {
		return m.(*typeMeta)
	}
	m := &typeMeta{byName: map[string]*propMeta{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("odata")
		if tag == "" || tag == "-" {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		p := propMeta{name: name, idx: i}
		switch {
		case strings.HasPrefix(opt, "nav="):
			p.set = strings.TrimPrefix(opt, "nav=")
			p.kind = pNavMany
			if f.Type.Kind() == reflect.Pointer {
				p.kind = pNavOne
			}
		case f.Type == reflect.TypeFor[DateTime]():
			p.kind = pDateTime
		case f.Type == reflect.TypeFor[DateTimeOffset]():
			p.kind = pDateTimeOffset
		case f.Type == reflect.TypeFor[TimeOfDay]():
			p.kind = pTime
		case f.Type == reflect.TypeFor[Decimal]():
			p.kind = pDecimal
		case f.Type.Kind() == reflect.Bool:
			p.kind = pBool
		default:
			p.kind = pString
		}
		m.props = append(m.props, p)
	}
	for i := range m.props {
		m.byName[m.props[i].name] = &m.props[i]
	}
	metaCache.Store(t, m)
	return m
}

// fieldVal returns a property's filter value; ok is false for unknown names.
func fieldVal(e entity, name string) (val, bool) {
	rv := reflect.ValueOf(e).Elem()
	p, ok := metaOf(rv.Type()).byName[name]
	if !ok || p.kind == pNavMany || p.kind == pNavOne {
		return val{}, false
	}
	return propVal(rv, p), true
}

// propVal returns the filter value of property p of struct value rv.
func propVal(rv reflect.Value, p *propMeta) val {
	f := rv.Field(p.idx)
	switch p.kind {
	case pBool:
		if f.Bool() {
			return val{k: kBool, n: 1}
		}
		return val{k: kBool}
	case pDateTime, pDateTimeOffset:
		if f.Int() == 0 {
			return val{k: kNull}
		}
		return val{k: kInt, n: f.Int()}
	case pTime:
		return val{k: kInt, n: f.Int()}
	}
	return val{k: kStr, s: f.String()}
}

// accessor reads properties of one entity type by name, resolving each
// name once (all rows of one query share a type).
type accessor struct {
	t     reflect.Type
	props map[string]*propMeta
}

func (a *accessor) get(e entity, name string) (val, bool) {
	rv := reflect.ValueOf(e).Elem()
	if a.t != rv.Type() {
		a.t, a.props = rv.Type(), map[string]*propMeta{}
	}
	p, ok := a.props[name]
	if !ok {
		p = metaOf(a.t).byName[name]
		if p != nil && (p.kind == pNavMany || p.kind == pNavOne) {
			p = nil
		}
		a.props[name] = p
	}
	if p == nil {
		return val{}, false
	}
	return propVal(rv, p), true
}

// dialect selects the wire format an entity is written in.
type dialect struct {
	v4      bool
	service string // base URL of the service, for V2 __metadata and deferred links
	ns      string // V2 type namespace, e.g. API_SALES_ORDER_SRV
}

// selection is a parsed $select/$expand for one level.
type selection struct {
	all    bool
	props  map[string]bool
	expand map[string]*selection
}

func parseSelection(sel, exp string) *selection {
	s := &selection{all: sel == "", props: map[string]bool{}, expand: map[string]*selection{}}
	for _, e := range splitList(exp) {
		s.expand[e] = &selection{all: true, props: map[string]bool{}}
	}
	for _, p := range splitList(sel) {
		nav, sub, ok := strings.Cut(p, "/")
		if !ok {
			s.props[p] = true
			continue
		}
		x := s.expand[nav]
		if x == nil {
			continue // selecting into an unexpanded navigation: ignored
		}
		s.props[nav] = true
		if sub == "*" {
			continue
		}
		x.all = false
		x.props[sub] = true
	}
	for nav := range s.expand {
		if !s.all && !s.props[nav] {
			// An expanded navigation is written even when not selected.
			s.props[nav] = true
		}
	}
	return s
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// writeEntity appends e's JSON to b.
func writeEntity(b []byte, e entity, set string, sel *selection, d dialect) []byte {
	rv := reflect.ValueOf(e).Elem()
	m := metaOf(rv.Type())
	ov := e.overrides()
	b = append(b, '{')
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	uri := d.service + "/" + set + "(" + e.keyPredicate() + ")"
	if d.v4 {
		sep()
		b = append(b, `"@odata.etag":"W/\"`...)
		b = strconv.AppendUint(b, uint64(etag(rv, m)), 16)
		b = append(b, `\""`...)
	} else {
		sep()
		b = append(b, `"__metadata":{"id":`...)
		b = appendJSONString(b, uri)
		b = append(b, `,"uri":`...)
		b = appendJSONString(b, uri)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, d.ns+"."+set+"Type")
		b = append(b, '}')
	}
	for i := range m.props {
		p := &m.props[i]
		if !sel.all && !sel.props[p.name] {
			continue
		}
		f := rv.Field(p.idx)
		if p.kind == pNavMany || p.kind == pNavOne {
			sub := sel.expand[p.name]
			if sub == nil {
				if d.v4 || !sel.all {
					continue
				}
				sep()
				b = appendJSONString(b, p.name)
				b = append(b, `:{"__deferred":{"uri":`...)
				b = appendJSONString(b, uri+"/"+p.name)
				b = append(b, `}}`...)
				continue
			}
			sep()
			b = appendJSONString(b, p.name)
			b = append(b, ':')
			if p.kind == pNavOne {
				if f.IsNil() {
					b = append(b, "null"...)
				} else {
					b = writeEntity(b, f.Interface().(entity), p.set, sub, d)
				}
				continue
			}
			if !d.v4 {
				b = append(b, `{"results":`...)
			}
			b = append(b, '[')
			for j := 0; j < f.Len(); j++ {
				if j > 0 {
					b = append(b, ',')
				}
				b = writeEntity(b, f.Index(j).Addr().Interface().(entity), p.set, sub, d)
			}
			b = append(b, ']')
			if !d.v4 {
				b = append(b, '}')
			}
			continue
		}
		sep()
		b = appendJSONString(b, p.name)
		b = append(b, ':')
		if raw, ok := ov[p.name]; ok {
			b = append(b, raw...)
			continue
		}
		b = appendProp(b, p.kind, f, d)
	}
	return append(b, '}')
}

func appendProp(b []byte, k propKind, f reflect.Value, d dialect) []byte {
	switch k {
	case pBool:
		return strconv.AppendBool(b, f.Bool())
	case pDecimal:
		if d.v4 {
			if f.String() == "" {
				return append(b, '0')
			}
			return append(b, f.String()...)
		}
		return appendJSONString(b, f.String())
	case pDateTime:
		ms := f.Int()
		if ms == 0 {
			return append(b, "null"...)
		}
		if d.v4 {
			return appendJSONString(b, time.UnixMilli(ms).UTC().Format("2006-01-02"))
		}
		b = append(b, `"/Date(`...)
		b = strconv.AppendInt(b, ms, 10)
		return append(b, `)/"`...)
	case pDateTimeOffset:
		ms := f.Int()
		if ms == 0 {
			return append(b, "null"...)
		}
		if d.v4 {
			return appendJSONString(b, time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		b = append(b, `"/Date(`...)
		b = strconv.AppendInt(b, ms, 10)
		return append(b, `+0000)/"`...)
	case pTime:
		return appendJSONString(b, FormatTime(time.Duration(f.Int())*time.Second))
	}
	return appendJSONString(b, f.String())
}

// etag is a cheap hash of an entity's scalar properties.
func etag(rv reflect.Value, m *typeMeta) uint32 {
	h := uint32(2166136261)
	for _, p := range m.props {
		if p.kind == pNavMany || p.kind == pNavOne {
			continue
		}
		f := rv.Field(p.idx)
		var s string
		switch p.kind {
		case pBool:
			s = strconv.FormatBool(f.Bool())
		case pDateTime, pDateTimeOffset, pTime:
			s = strconv.FormatInt(f.Int(), 10)
		default:
			s = f.String()
		}
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	return h
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"
