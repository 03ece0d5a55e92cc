package config

import (
	"fmt"
	"strings"
)

// expand replaces ${NAME} with the value of environment variable NAME,
// ${NAME:-default} with default when NAME is unset or empty, and $$ with a
// single $. Any other $ is kept as written. It returns the expanded text and
// one message per problem (unset variable, bad name, missing "}").
func expand(s string, env func(string) (string, bool)) (string, []string) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var (
		b        strings.Builder
		problems []string
	)
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
			continue
		case '{':
		default:
			b.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			problems = append(problems, fmt.Sprintf("missing } after %s (write $$ for a literal $)", quote(s[i:])))
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+2+end]
		i += end + 3
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validVarName(name) {
			problems = append(problems, fmt.Sprintf("bad environment variable name %q in ${%s}", name, expr))
			continue
		}
		val, ok := "", false
		if env != nil {
			val, ok = env(name)
		}
		switch {
		case hasDef && val == "":
			val = def
		case !ok:
			problems = append(problems, fmt.Sprintf("environment variable %s is not set", name))
		}
		b.WriteString(val)
	}
	return b.String(), problems
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
