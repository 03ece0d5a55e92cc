package odata

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file holds the emulators' $filter and $orderby subset: comparison
// (eq ne gt ge lt le), and/or/not, parentheses, null, true/false, integers,
// 'strings', V2 typed literals (datetime'…', datetimeoffset'…', time'PT…',
// guid'…') and V4 bare literals (2024-01-02T03:04:05Z, 2015-12-31).

type valKind uint8

const (
	kNull valKind = iota
	kStr
	kInt // milliseconds for dates and timestamps, seconds for Edm.Time, plain integers
	kBool
)

// val is one comparable value of the filter language.
type val struct {
	k valKind
	s string
	n int64
}

func cmpVal(a, b val) (int, bool) {
	if a.k == kNull || b.k == kNull {
		if a.k == b.k {
			return 0, true
		}
		if a.k == kNull {
			return -1, true
		}
		return 1, true
	}
	if a.k != b.k {
		return 0, false
	}
	switch a.k {
	case kStr:
		return strings.Compare(a.s, b.s), true
	case kBool:
		return int(a.n - b.n), true
	}
	switch {
	case a.n < b.n:
		return -1, true
	case a.n > b.n:
		return 1, true
	}
	return 0, true
}

type node struct {
	op    string // or, and, not, eq, ne, gt, ge, lt, le, field, lit
	l, r  *node
	field string
	lit   val
}

type getter func(field string) (val, bool)

func (n *node) eval(get getter) (bool, error) {
	switch n.op {
	case "or", "and":
		a, err := n.l.eval(get)
		if err != nil {
			return false, err
		}
		if n.op == "or" && a {
			return true, nil
		}
		if n.op == "and" && !a {
			return false, nil
		}
		return n.r.eval(get)
	case "not":
		a, err := n.l.eval(get)
		return !a, err
	}
	a, err := n.l.value(get)
	if err != nil {
		return false, err
	}
	b, err := n.r.value(get)
	if err != nil {
		return false, err
	}
	c, ok := cmpVal(a, b)
	if !ok {
		return false, fmt.Errorf("incompatible operand types for %s", n.op)
	}
	if (a.k == kNull || b.k == kNull) && n.op != "eq" && n.op != "ne" {
		return false, nil // null compares false except for eq/ne null
	}
	switch n.op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	}
	return false, fmt.Errorf("bad operator %q", n.op)
}

func (n *node) value(get getter) (val, error) {
	switch n.op {
	case "lit":
		return n.lit, nil
	case "field":
		v, ok := get(n.field)
		if !ok {
			return val{}, fmt.Errorf("property %s not found", n.field)
		}
		return v, nil
	}
	return val{}, fmt.Errorf("expected a property or literal")
}

// keyDisjunction reports whether n is "F eq 'a' or F eq 'b' …" over one
// field F, returning F and the values (the emulators answer it by index).
func (n *node) keyDisjunction() (string, []string, bool) {
	switch n.op {
	case "or":
		f1, v1, ok1 := n.l.keyDisjunction()
		f2, v2, ok2 := n.r.keyDisjunction()
		if ok1 && ok2 && f1 == f2 {
			return f1, append(v1, v2...), true
		}
	case "eq":
		if n.l.op == "field" && n.r.op == "lit" && n.r.lit.k == kStr {
			return n.l.field, []string{n.r.lit.s}, true
		}
	}
	return "", nil, false
}

type token struct {
	kind string // "(", ")", "id", "lit", "op"
	text string
	lit  val
}

func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			out = append(out, token{kind: string(c)})
			i++
		case c == '\'':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: "lit", lit: val{k: kStr, s: str}})
			i += n
		case c >= '0' && c <= '9' || c == '-':
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789TZ:.+-", s[j]) >= 0 {
				j++
			}
			v, err := bareLiteral(s[i:j])
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: "lit", lit: v})
			i = j
		case isIdent(c):
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '/') {
				j++
			}
			word := s[i:j]
			if j < len(s) && s[j] == '\'' {
				str, n, err := lexString(s[j:])
				if err != nil {
					return nil, err
				}
				v, err := typedLiteral(word, str)
				if err != nil {
					return nil, err
				}
				out = append(out, token{kind: "lit", lit: v})
				i = j + n
				continue
			}
			switch word {
			case "eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not":
				out = append(out, token{kind: "op", text: word})
			case "null":
				out = append(out, token{kind: "lit", lit: val{k: kNull}})
			case "true", "false":
				b := int64(0)
				if word == "true" {
					b = 1
				}
				out = append(out, token{kind: "lit", lit: val{k: kBool, n: b}})
			default:
				out = append(out, token{kind: "id", text: word})
			}
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return out, nil
}

func isIdent(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(s[i])
	}
	return "", 0, fmt.Errorf("unterminated string")
}

func typedLiteral(typ, s string) (val, error) {
	switch typ {
	case "datetime":
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
			if t, err := time.Parse(layout, s); err == nil {
				return val{k: kInt, n: t.UnixMilli()}, nil
			}
		}
		return val{}, fmt.Errorf("bad datetime literal %q", s)
	case "datetimeoffset":
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return val{}, fmt.Errorf("bad datetimeoffset literal %q", s)
		}
		return val{k: kInt, n: t.UnixMilli()}, nil
	case "time":
		d, err := ParseTime(s)
		if err != nil {
			return val{}, fmt.Errorf("bad time literal: %w", err)
		}
		return val{k: kInt, n: int64(d / time.Second)}, nil
	case "guid":
		return val{k: kStr, s: s}, nil
	}
	return val{}, fmt.Errorf("unknown literal type %s", typ)
}

func bareLiteral(s string) (val, error) {
	if strings.Contains(s, "T") {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return val{}, fmt.Errorf("bad datetime literal %q", s)
		}
		return val{k: kInt, n: t.UnixMilli()}, nil
	}
	if len(s) == 10 && strings.Count(s, "-") == 2 {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return val{}, fmt.Errorf("bad date literal %q", s)
		}
		return val{k: kInt, n: t.UnixMilli()}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return val{}, fmt.Errorf("bad number %q", s)
	}
	return val{k: kInt, n: n}, nil
}

type parser struct {
	toks []token
	pos  int
}

// parseFilter parses a $filter expression of the supported subset.
func parseFilter(s string) (*node, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected trailing tokens")
	}
	return n, nil
}

func (p *parser) peekOp(op string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == "op" && p.toks[p.pos].text == op
}

func (p *parser) or() (*node, error) {
	l, err := p.and()
	for err == nil && p.peekOp("or") {
		p.pos++
		var r *node
		if r, err = p.and(); err == nil {
			l = &node{op: "or", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) and() (*node, error) {
	l, err := p.unary()
	for err == nil && p.peekOp("and") {
		p.pos++
		var r *node
		if r, err = p.unary(); err == nil {
			l = &node{op: "and", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) unary() (*node, error) {
	if p.peekOp("not") {
		p.pos++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{op: "not", l: n}, nil
	}
	if p.pos < len(p.toks) && p.toks[p.pos].kind == "(" {
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return n, nil
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != "op" {
		return nil, fmt.Errorf("expected comparison operator")
	}
	op := p.toks[p.pos].text
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("expected comparison operator, got %s", op)
	}
	p.pos++
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	return &node{op: op, l: l, r: r}, nil
}

func (p *parser) operand() (*node, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of filter")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case "id":
		return &node{op: "field", field: t.text}, nil
	case "lit":
		return &node{op: "lit", lit: t.lit}, nil
	}
	return nil, fmt.Errorf("unexpected token %q", t.kind+t.text)
}

type orderKey struct {
	field string
	desc  bool
}

func parseOrderBy(s string) ([]orderKey, error) {
	var out []orderKey
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 {
			return nil, fmt.Errorf("bad $orderby %q", s)
		}
		k := orderKey{field: f[0]}
		if len(f) == 2 {
			switch f[1] {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fmt.Errorf("bad $orderby direction %q", f[1])
			}
		}
		out = append(out, k)
	}
	return out, nil
}
