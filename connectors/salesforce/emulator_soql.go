package salesforce

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// soqlQuery is the emulator's parse of the SOQL subset the connector and
// users' `where` clauses need: SELECT (fields or COUNT()), FROM, WHERE with
// comparisons, IN, AND, OR, NOT and parentheses, ORDER BY, LIMIT.
type soqlQuery struct {
	Fields  []string
	Count   bool
	From    string
	Where   soqlExpr
	OrderBy []soqlOrder
	Limit   int // -1: none
}

type soqlOrder struct {
	Field      string
	Desc       bool
	NullsFirst bool
}

// soqlExpr is a boolean condition over one record.
type soqlExpr interface {
	eval(get func(field string) any) bool
}

type soqlAnd struct{ l, r soqlExpr }
type soqlOr struct{ l, r soqlExpr }
type soqlNot struct{ e soqlExpr }
type soqlCmp struct {
	field string
	op    string
	val   any   // nil, bool, string, soqlDate, time.Time, *big.Rat
	vals  []any // IN
}

// soqlDate is a date literal (YYYY-MM-DD); date fields hold the same text.
type soqlDate string

func (e soqlAnd) eval(g func(string) any) bool { return e.l.eval(g) && e.r.eval(g) }
func (e soqlOr) eval(g func(string) any) bool  { return e.l.eval(g) || e.r.eval(g) }
func (e soqlNot) eval(g func(string) any) bool { return !e.e.eval(g) }

func (e soqlCmp) eval(g func(string) any) bool {
	v := g(e.field)
	switch e.op {
	case "IN", "NOT IN":
		in := false
		for _, x := range e.vals {
			if c, ok := compareValues(v, x); ok && c == 0 {
				in = true
				break
			}
		}
		return in == (e.op == "IN")
	}
	if e.val == nil {
		switch e.op {
		case "=":
			return v == nil
		case "!=":
			return v != nil
		}
		return false
	}
	if v == nil {
		return e.op == "!="
	}
	c, ok := compareValues(v, e.val)
	if !ok {
		return false
	}
	switch e.op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// compareValues orders two values of compatible kinds; ok is false when
// they cannot be compared. nil sorts before everything.
func compareValues(a, b any) (int, bool) {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0, true
		case a == nil:
			return -1, true
		default:
			return 1, true
		}
	}
	switch x := a.(type) {
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			return x.Compare(y), true
		case soqlDate:
			return strings.Compare(x.UTC().Format(time.DateOnly), string(y)), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, true
			case !x:
				return -1, true
			default:
				return 1, true
			}
		}
	case soqlDate:
		switch y := b.(type) {
		case soqlDate:
			return strings.Compare(string(x), string(y)), true
		case string:
			return strings.Compare(string(x), y), true
		case time.Time:
			return strings.Compare(string(x), y.UTC().Format(time.DateOnly)), true
		}
	}
	if ra, ok := toRat(a); ok {
		if rb, ok := toRat(b); ok {
			return ra.Cmp(rb), true
		}
	}
	sa, oka := a.(string)
	if !oka {
		if n, ok := a.(interface{ String() string }); ok {
			sa, oka = n.String(), true
		}
	}
	switch y := b.(type) {
	case string:
		if oka {
			return strings.Compare(sa, y), true
		}
	case soqlDate:
		if oka {
			return strings.Compare(sa, string(y)), true
		}
	}
	return 0, false
}

// toRat converts numeric values (numbers are stored as decimal text of kind
// jsonNumber or as *big.Rat literals) to exact rationals.
func toRat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case *big.Rat:
		return x, true
	case jsonNumber:
		r, ok := new(big.Rat).SetString(string(x))
		return r, ok
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case int64:
		return new(big.Rat).SetInt64(x), true
	}
	return nil, false
}

// jsonNumber is how the emulator stores numeric field values: exact
// decimal text, written to JSON as a number literal.
type jsonNumber string

// --- tokenizer -----------------------------------------------------------

type soqlTok struct {
	kind string // ident, str, num, op, punct, eof
	text string
}

var soqlDateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func soqlTokens(q string) ([]soqlTok, error) {
	var out []soqlTok
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '\'':
			var sb strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != '\''; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				sb.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, soqlTok{"str", sb.String()})
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			out = append(out, soqlTok{"punct", string(c)})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			j := i + 1
			if j < len(q) && (q[j] == '=' || (c == '<' && q[j] == '>')) {
				j++
			}
			op := q[i:j]
			if op == "<>" {
				op = "!="
			}
			if op == "!" {
				return nil, fmt.Errorf("unexpected '!'")
			}
			out = append(out, soqlTok{"op", op})
			i = j
		case c >= '0' && c <= '9' || c == '-' || c == '+':
			j := i + 1
			for j < len(q) && !unicode.IsSpace(rune(q[j])) && q[j] != ')' && q[j] != ',' {
				j++
			}
			out = append(out, soqlTok{"num", q[i:j]})
			i = j
		case c == '_' || c == '.' || unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(q) && (q[j] == '_' || q[j] == '.' || unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j]))) {
				j++
			}
			out = append(out, soqlTok{"ident", q[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return append(out, soqlTok{kind: "eof"}), nil
}

// --- parser ---------------------------------------------------------------

type soqlParser struct {
	toks []soqlTok
	pos  int
}

func (p *soqlParser) peek() soqlTok { return p.toks[p.pos] }
func (p *soqlParser) next() soqlTok {
	t := p.toks[p.pos]
	if t.kind != "eof" {
		p.pos++
	}
	return t
}
func (p *soqlParser) keyword(k string) bool {
	t := p.peek()
	if t.kind == "ident" && strings.EqualFold(t.text, k) {
		p.pos++
		return true
	}
	return false
}

// parseSOQL parses q; errors read like Salesforce's MALFORMED_QUERY text.
func parseSOQL(q string) (*soqlQuery, error) {
	toks, err := soqlTokens(q)
	if err != nil {
		return nil, err
	}
	p := &soqlParser{toks: toks}
	out := &soqlQuery{Limit: -1}
	if !p.keyword("SELECT") {
		return nil, fmt.Errorf("expected SELECT")
	}
	for {
		t := p.next()
		if t.kind != "ident" {
			return nil, fmt.Errorf("expected field name, found %q", t.text)
		}
		if strings.EqualFold(t.text, "COUNT") && p.peek().text == "(" {
			p.next()
			if p.next().text != ")" {
				return nil, fmt.Errorf("only COUNT() is supported")
			}
			out.Count = true
		} else {
			out.Fields = append(out.Fields, t.text)
		}
		if p.peek().text != "," {
			break
		}
		p.next()
	}
	if !p.keyword("FROM") {
		return nil, fmt.Errorf("expected FROM")
	}
	t := p.next()
	if t.kind != "ident" {
		return nil, fmt.Errorf("expected object name")
	}
	out.From = t.text
	if p.keyword("WHERE") {
		if out.Where, err = p.parseOr(); err != nil {
			return nil, err
		}
	}
	if p.keyword("ORDER") {
		if !p.keyword("BY") {
			return nil, fmt.Errorf("expected BY after ORDER")
		}
		for {
			f := p.next()
			if f.kind != "ident" {
				return nil, fmt.Errorf("expected ORDER BY field")
			}
			o := soqlOrder{Field: f.text}
			if p.keyword("DESC") {
				o.Desc = true
			} else {
				p.keyword("ASC")
			}
			o.NullsFirst = !o.Desc
			if p.keyword("NULLS") {
				switch {
				case p.keyword("FIRST"):
					o.NullsFirst = true
				case p.keyword("LAST"):
					o.NullsFirst = false
				default:
					return nil, fmt.Errorf("expected FIRST or LAST after NULLS")
				}
			}
			out.OrderBy = append(out.OrderBy, o)
			if p.peek().text != "," {
				break
			}
			p.next()
		}
	}
	if p.keyword("LIMIT") {
		n, err := strconv.Atoi(p.next().text)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad LIMIT")
		}
		out.Limit = n
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, fmt.Errorf("unexpected token %q", t.text)
	}
	return out, nil
}

func (p *soqlParser) parseOr() (soqlExpr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = soqlOr{l, r}
	}
	return l, nil
}

func (p *soqlParser) parseAnd() (soqlExpr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = soqlAnd{l, r}
	}
	return l, nil
}

func (p *soqlParser) parseUnary() (soqlExpr, error) {
	if p.keyword("NOT") {
		e, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return soqlNot{e}, nil
	}
	if p.peek().text == "(" {
		p.next()
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.next().text != ")" {
			return nil, fmt.Errorf("expected )")
		}
		return e, nil
	}
	f := p.next()
	if f.kind != "ident" {
		return nil, fmt.Errorf("expected field name, found %q", f.text)
	}
	if p.keyword("NOT") {
		if !p.keyword("IN") {
			return nil, fmt.Errorf("expected IN after NOT")
		}
		vals, err := p.parseList()
		return soqlCmp{field: f.text, op: "NOT IN", vals: vals}, err
	}
	if p.keyword("IN") {
		vals, err := p.parseList()
		return soqlCmp{field: f.text, op: "IN", vals: vals}, err
	}
	op := p.next()
	if op.kind != "op" {
		return nil, fmt.Errorf("expected operator after %s", f.text)
	}
	v, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	return soqlCmp{field: f.text, op: op.text, val: v}, nil
}

func (p *soqlParser) parseList() ([]any, error) {
	if p.next().text != "(" {
		return nil, fmt.Errorf("expected ( after IN")
	}
	var vals []any
	for {
		v, err := p.parseLiteral()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t := p.next()
		if t.text == ")" {
			return vals, nil
		}
		if t.text != "," {
			return nil, fmt.Errorf("expected , or ) in IN list")
		}
	}
}

func (p *soqlParser) parseLiteral() (any, error) {
	t := p.next()
	switch t.kind {
	case "str":
		return t.text, nil
	case "ident":
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, fmt.Errorf("unsupported literal %q", t.text)
	case "num":
		return parseSOQLScalar(t.text)
	}
	return nil, fmt.Errorf("expected literal, found %q", t.text)
}

// parseSOQLScalar reads an unquoted datetime, date or number literal.
func parseSOQLScalar(s string) (any, error) {
	if strings.Contains(s, "T") {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		return nil, fmt.Errorf("invalid datetime literal %q", s)
	}
	if soqlDateRe.MatchString(s) {
		return soqlDate(s), nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("invalid number %q", s)
	}
	return r, nil
}
