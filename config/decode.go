package config

import "gopkg.in/yaml.v3"

// Decode strictly decodes node into v (a pointer to a struct with `yaml`
// tags): unknown keys, wrong types and missing required values are returned
// as errors carrying file:line:col and the key path prefixed by path
// (e.g. "connectors[0].salesforce"). It returns every problem found.
//
// TEMPORARY stub: replaced by the full implementation.
func Decode(file string, node *yaml.Node, path string, v any) []error {
	if node == nil {
		return nil
	}
	if err := node.Decode(v); err != nil {
		return []error{err}
	}
	return nil
}

// Errorf builds a positioned configuration error for node at key path.
//
// TEMPORARY stub: replaced by the full implementation.
func Errorf(file string, node *yaml.Node, path string, format string, args ...any) error {
	return &Error{File: file, Line: node.Line, Col: node.Column, Path: path, Msg: sprintf(format, args...)}
}
