package config

import (
	"fmt"
	"strings"

	"github.com/northstar-dev/northstar"
)

// Error is one configuration problem at a position in the file.
type Error struct {
	File string
	Line int
	Col  int
	Path string // key path, e.g. connectors[1].streams.orders.fields.amount
	Msg  string
}

// Error formats e as "file:line:col: key.path: problem".
func (e *Error) Error() string {
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

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
