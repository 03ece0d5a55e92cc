package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the YAML tree after alias expansion, so that a small
// file of nested aliases ("billion laughs") cannot exhaust memory.
const maxNodes = 200_000

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readYAML parses data into the root node of its single document; nil
// with no problems means an empty file.
func readYAML(file string, data []byte) (root *yaml.Node, errs []*Error) {
	defer func() { // the parser sees untrusted input; never let it crash us
		if r := recover(); r != nil {
			root, errs = nil, []*Error{{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("bad YAML: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, []*Error{syntaxError(file, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, []*Error{syntaxError(file, data, err)}
	default:
		return nil, []*Error{{File: file, Line: next.Line, Col: next.Column, Msg: "want a single YAML document, found a second one"}}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxError positions a YAML parser error. The parser gives a line at
// best, so the column is 1 (and the line 1 when it gives none).
func syntaxError(file string, data []byte, err error) *Error {
	e := &Error{File: file, Line: 1, Col: 1, Msg: "bad YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "bad YAML: " + m[2]
	}
	if strings.Contains(e.Msg, "expected ',' or") && bytes.Contains(data, []byte("${")) {
		e.Msg += ` (inside { } or [ ], quote values that use ${VAR}: "${VAR}")`
	}
	return e
}

// prepare walks the tree as written (aliases not followed, so each node is
// seen once), reports keys that are not scalars and repeated keys, and
// expands ${VAR} in every scalar value (never in keys). An expanded value
// without an explicit !!tag is typed by its result, quoted or not, so
// `horizon: ${H}` and `{horizon: "${H}"}` with H=52 are integers (a string
// field takes any scalar as written). Only an empty result becomes null; a
// variable holding "null" or "~" stays text.
func prepare(file string, n *yaml.Node, path string, env func(string) (string, bool), errs *[]*Error) {
	// Expansion problems are marked envProblem so that Parse can drop the
	// follow-on errors at the same value ("must not be empty").
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Col: k.Column, Path: path,
					Msg: "want a string key, got " + describe(k)})
				continue
			}
			if line, dup := seen[k.Value]; dup {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Col: k.Column, Path: join(path, k.Value),
					Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, line)})
			} else {
				seen[k.Value] = k.Line
			}
			prepare(file, v, join(path, k.Value), env, errs)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			prepare(file, item, fmt.Sprintf("%s[%d]", path, i), env, errs)
		}
	case yaml.ScalarNode:
		v, problems := expand(n.Value, env)
		for _, p := range problems {
			*errs = append(*errs, &Error{File: file, Line: n.Line, Col: n.Column, Path: path, Msg: p, envProblem: true})
		}
		if v != n.Value {
			n.Value = v
			if n.Style&yaml.TaggedStyle == 0 { // no explicit !!tag: type the result
				plain := yaml.Node{Kind: yaml.ScalarNode, Value: v}
				n.Tag = plain.ShortTag()
				if n.Tag == "!!null" && v != "" {
					n.Tag = "!!str" // a variable set to "null" or "~" is text, not "unset"
				}
			}
		}
	}
}

// flatten returns a copy of the tree with every alias replaced by a copy
// of its anchor, so that later walks need no alias handling and cannot be
// made to loop or explode.
type flattener struct {
	file   string
	left   int
	active map[*yaml.Node]bool
	errs   []*Error
}

func flatten(file string, root *yaml.Node) (*yaml.Node, []*Error) {
	f := &flattener{file: file, left: maxNodes, active: map[*yaml.Node]bool{}}
	return f.copy(root), f.errs
}

func (f *flattener) copy(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || f.active[n.Alias] {
			f.errs = append(f.errs, &Error{File: f.file, Line: n.Line, Col: n.Column, Msg: "alias *" + n.Value + " refers to itself"})
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
		}
		return f.copy(n.Alias)
	}
	if f.left--; f.left < 0 {
		if f.left == -1 {
			f.errs = append(f.errs, &Error{File: f.file, Line: n.Line, Col: n.Column,
				Msg: fmt.Sprintf("document too large: more than %d YAML nodes after expanding aliases", maxNodes)})
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	c := *n
	c.Alias = nil
	if len(n.Content) > 0 {
		f.active[n] = true
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = f.copy(ch)
		}
		delete(f.active, n)
	}
	return &c
}
