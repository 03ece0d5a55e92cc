package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Decode strictly decodes node into v, a pointer, and returns every problem
// found, each an *Error carrying file:line:col and the key path prefixed by
// path (e.g. "connectors[0].salesforce.auth").
//
// Struct fields are matched by their `yaml:"name"` tag (the lower-cased field
// name without one; `yaml:"-"` and unexported fields are ignored). A key with
// no matching field is an error listing the allowed keys; so are duplicate
// keys and values of the wrong shape ("want a mapping, got a list").
// A field tagged `ns:"required"` must be present and neither null nor "".
//
// Supported field types: string (any scalar, as written), bool, signed and
// unsigned integers, float32/64, time.Duration (a Go duration string such as
// "30s"), types implementing encoding.TextUnmarshaler (e.g. decimal.Decimal,
// time.Time), []T, map[string]T, *T, nested structs, and yaml.Node or
// *yaml.Node, which receive the raw node unchecked (use this for keys that
// are validated elsewhere, such as a stream's `fields`).
//
// A null value (an empty value, ~, or a ${VAR:-} that expanded to nothing)
// leaves the field unchanged, so fields set before Decode act as defaults.
// A nil node decodes like an empty mapping, so required keys are reported.
func Decode(file string, node *yaml.Node, path string, v any) []error {
	return decodeSkipping(file, node, path, v, nil)
}

// decodeSkipping is Decode ignoring the top-level keys in skip.
func decodeSkipping(file string, node *yaml.Node, path string, v any, skip map[string]bool) []error {
	d := &decoder{file: file}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		d.errorf(node, path, "cannot decode into %T: want a non-nil pointer", v)
		return d.errs
	}
	if node == nil {
		node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	node = deref(node)
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: node.Line, Column: node.Column}
		} else {
			node = deref(node.Content[0])
		}
	}
	target := rv.Elem()
	if target.Kind() == reflect.Struct {
		if isNull(node) {
			node = emptyMapping(node)
		}
		d.decodeStruct(node, path, target, skip)
	} else {
		d.decode(node, path, target)
	}
	return d.errs
}

type decoder struct {
	file string
	errs []error
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, Errorf(d.file, n, path, format, args...))
}

// want reports that n does not have the shape what ("a mapping", "an integer").
func (d *decoder) want(n *yaml.Node, path, what string) {
	d.errorf(n, path, "want %s, got %s", what, describe(n))
}

var (
	nodeType        = reflect.TypeFor[yaml.Node]()
	nodePtrType     = reflect.TypeFor[*yaml.Node]()
	durationType    = reflect.TypeFor[time.Duration]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	n = deref(n)
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	case nodePtrType:
		v.Set(reflect.ValueOf(n))
		return
	}
	isText := v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler)
	if isNull(n) {
		if v.Kind() == reflect.Struct && !isText {
			d.decodeStruct(emptyMapping(n), path, v, nil) // report missing required keys
		}
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem())
		return
	}
	if v.Type() == durationType {
		d.duration(n, path, v)
		return
	}
	if isText {
		if n.Kind != yaml.ScalarNode {
			d.want(n, path, "a string")
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.errorf(n, path, "bad value %s: %v", quote(n.Value), err)
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.want(n, path, "a string")
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.want(n, path, "a boolean")
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.want(n, path, "an integer")
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&u) != nil || v.OverflowUint(u) {
			d.want(n, path, "a non-negative integer")
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		tag := n.ShortTag()
		if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil || v.OverflowFloat(f) {
			d.want(n, path, "a number")
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		d.slice(n, path, v)
	case reflect.Map:
		d.mapping(n, path, v)
	case reflect.Struct:
		d.decodeStruct(n, path, v, nil)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.errorf(n, path, "cannot decode into Go type %s", v.Type())
	}
}

func (d *decoder) duration(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.want(n, path, `a duration such as "30s"`)
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.want(n, path, `a duration such as "30s" or "1m30s"`)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) slice(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.want(n, path, "a list")
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if v.Type().Key().Kind() != reflect.String {
		d.errorf(n, path, "cannot decode into Go type %s: want string keys", v.Type())
		return
	}
	if n.Kind != yaml.MappingNode {
		d.want(n, path, "a mapping")
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	d.pairs(n, path, func(k, val *yaml.Node) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, join(path, k.Value), elem)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	})
	v.Set(m)
}

// pairs calls f for each key of mapping n in file order, reporting (and
// skipping) keys that are not scalars and repeated keys.
func (d *decoder) pairs(n *yaml.Node, path string, f func(k, v *yaml.Node)) {
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "want a string key, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		f(k, val)
	}
}

type field struct {
	name     string
	index    []int
	required bool
}

func fieldsOf(t reflect.Type) []field {
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		fs = append(fs, field{name: name, index: sf.Index, required: hasOption(sf.Tag.Get("ns"), "required")})
	}
	return fs
}

func hasOption(tag, opt string) bool {
	for _, o := range strings.Split(tag, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value, skip map[string]bool) {
	if n.Kind != yaml.MappingNode {
		d.want(n, path, "a mapping")
		return
	}
	fs := fieldsOf(v.Type())
	byName := make(map[string]field, len(fs))
	names := make([]string, len(fs))
	for i, f := range fs {
		byName[f.name] = f
		names[i] = f.name
	}
	present := map[string]bool{}
	d.pairs(n, path, func(k, val *yaml.Node) {
		if skip[k.Value] {
			return
		}
		f, ok := byName[k.Value]
		if !ok {
			d.errorf(k, join(path, k.Value), "unknown key %q (allowed: %s)", k.Value, strings.Join(names, ", "))
			return
		}
		present[f.name] = true
		kp := join(path, k.Value)
		d.decode(val, kp, v.FieldByIndex(f.index))
		if f.required && isEmpty(val) {
			d.errorf(deref(val), kp, "must not be empty")
		}
	})
	for _, f := range fs {
		if f.required && !present[f.name] {
			d.errorf(n, path, "missing required key %q", f.name)
		}
	}
}

// deref follows alias nodes (trees from Parse have none).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func isEmpty(n *yaml.Node) bool {
	n = deref(n)
	return isNull(n) || (n.Kind == yaml.ScalarNode && n.Value == "")
}

// emptyMapping returns an empty mapping node positioned at n.
func emptyMapping(n *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
}

// describe names what n is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch deref(n).Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return quote(n.Value)
	}
	return "an alias"
}

// quote quotes s for a message, shortened so that long values (possibly
// secrets from the environment) are not echoed in full.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:37]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// join appends key to a dotted key path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Lookup returns the value node of key in mapping node (or in the mapping
// of a document node), the first one if the key is repeated, or nil if node
// is not a mapping or lacks the key.
// Validators use it to position semantic errors made with Errorf.
func Lookup(node *yaml.Node, key string) *yaml.Node {
	if node == nil {
		return nil
	}
	node = deref(node)
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = deref(node.Content[0])
	}
	if node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if k := deref(node.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return deref(node.Content[i+1])
		}
	}
	return nil
}
