package northstar

import "strings"

// Mapping maps unified field names (Stream.Fields) to source field names.
// A value in single quotes ('USD') is a constant, not a field name. Source
// field names may be dotted paths (Product2.Family) when the connector
// supports nested records.
type Mapping map[string]string

// With returns a copy of m with overrides applied: an override replaces the
// default mapping of its unified field.
func (m Mapping) With(overrides map[string]string) Mapping {
	out := make(Mapping, len(m)+len(overrides))
	for k, v := range m {
		out[k] = v
	}
	for k, v := range overrides {
		out[k] = v
	}
	return out
}

// Constant reports whether a mapping value is a quoted constant and returns
// the constant without its quotes.
func Constant(v string) (string, bool) {
	if len(v) >= 2 && strings.HasPrefix(v, "'") && strings.HasSuffix(v, "'") {
		return v[1 : len(v)-1], true
	}
	return "", false
}

// SourceFields returns the distinct source fields m reads (constants excluded).
func (m Mapping) SourceFields() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range m {
		if _, ok := Constant(v); ok || v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// Apply maps one source record onto unified fields. get returns a source
// field's value as text and whether it is present (a present empty or null
// value is returned as ""). Unmapped or absent fields are left out.
func (m Mapping) Apply(get func(field string) (string, bool)) map[string]string {
	out := make(map[string]string, len(m))
	for unified, src := range m {
		if c, ok := Constant(src); ok {
			out[unified] = c
			continue
		}
		if v, ok := get(src); ok {
			out[unified] = v
		}
	}
	return out
}
