package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
)

// Error is one configuration problem at a position in the file.
type Error struct {
	File string
	Line int
	Col  int
	Path string // key path, e.g. connectors[1].streams.orders.fields.amount
	Msg  string

	envProblem bool // a ${VAR} expansion problem: hides other errors at its position
}

// Error formats e as "file:line:col: key.path: problem"; the key path is
// left out for problems of the whole document (e.g. YAML syntax errors).
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Path, e.Msg)
}

// Unwrap makes every Error match northstar.ErrInvalidConfig.
func (e *Error) Unwrap() error { return northstar.ErrInvalidConfig }

// Errors is every problem found in one file, in file order.
type Errors []error

// Error joins the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual problems to errors.Is/As.
func (es Errors) Unwrap() []error { return es }

// Errorf builds a positioned configuration error for node at key path.
// Connector validators use it for semantic problems (Lookup finds the node
// of a key); a nil node yields position 0:0.
func Errorf(file string, node *yaml.Node, path string, format string, args ...any) error {
	e := &Error{File: file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if node != nil {
		e.Line, e.Col = node.Line, node.Column
	}
	return e
}

// positioned returns err as an *Error; a plain error (e.g. from a Kind that
// did not use Errorf) is placed at pos and path.
func positioned(err error, pos Pos, path string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{File: pos.File, Line: pos.Line, Col: pos.Col, Path: path, Msg: err.Error()}
}

// finish sorts problems by position (stable, so problems at one position
// keep the order they were found in) and drops exact duplicates, and the
// errors at a value whose ${VAR} expansion failed, which only follow from
// that failure.
func finish(errs []*Error) Errors {
	type pos struct{ line, col int }
	env := map[pos]bool{}
	for _, e := range errs {
		if e.envProblem {
			env[pos{e.Line, e.Col}] = true
		}
	}
	out := make([]*Error, 0, len(errs))
	for _, e := range errs {
		if e.envProblem || !env[pos{e.Line, e.Col}] {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Col < out[j].Col
	})
	seen := make(map[string]bool, len(out))
	var es Errors
	for _, e := range out {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			es = append(es, e)
		}
	}
	return es
}
