package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
)

// describe is the part of an sObject describe the connector uses.
type describe struct {
	Name          string `json:"name"`
	Replicateable bool   `json:"replicateable"`
	Fields        []struct {
		Name             string   `json:"name"`
		Type             string   `json:"type"`
		Calculated       bool     `json:"calculated"`
		RelationshipName *string  `json:"relationshipName"`
		ReferenceTo      []string `json:"referenceTo"`
	} `json:"fields"`
}

// plan is how one stream is read: the SOQL pieces and the final mapping
// onto canonical Salesforce field names.
type plan struct {
	stream        northstar.Stream
	object        string
	where         string
	cursor        string
	mapping       northstar.Mapping
	selects       []string
	types         map[string]string // canonical path → Salesforce type
	formula       bool              // a mapped field is calculated
	replicateable bool
}

func schemaErr(st northstar.Stream, format string, args ...any) error {
	return &northstar.HintError{
		Err: fmt.Errorf("salesforce: stream %s: %s: %w", st, fmt.Sprintf(format, args...), northstar.ErrSchema),
		Hint: "fix the stream's fields/object/cursor_field in the configuration, or grant the integration user " +
			"access to the field (field-level security)",
	}
}

func (s *Source) describe(ctx context.Context, st northstar.Stream, object string) (*describe, error) {
	var d describe
	err := s.c.getJSON(ctx, "sobjects/"+object+"/describe", nil, &d)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Code == "NOT_FOUND" || apiErr.Code == "INVALID_TYPE") {
		return nil, schemaErr(st, "object %s does not exist or is not visible", object)
	}
	if err != nil {
		return nil, fmt.Errorf("salesforce: describe %s: %w", object, err)
	}
	return &d, nil
}

// plan describes the stream's object (and the objects its relationship
// paths reach) and checks every configured field against them.
func (s *Source) plan(ctx context.Context, st northstar.Stream, so StreamOptions) (*plan, error) {
	cache := map[string]*describe{}
	get := func(object string) (*describe, error) {
		if d, ok := cache[strings.ToLower(object)]; ok {
			return d, nil
		}
		d, err := s.describe(ctx, st, object)
		if err != nil {
			return nil, err
		}
		cache[strings.ToLower(object)] = d
		return d, nil
	}
	d, err := get(so.Object)
	if err != nil {
		return nil, err
	}
	p := &plan{stream: st, object: d.Name, where: so.Where, mapping: northstar.Mapping{},
		types: map[string]string{}, replicateable: d.Replicateable}
	if p.object == "" {
		p.object = so.Object
	}
	// resolve returns the canonical spelling of a (dotted) field path.
	var resolve func(d *describe, path string) (string, string, bool, error)
	resolve = func(d *describe, path string) (string, string, bool, error) {
		head, rest, dotted := strings.Cut(path, ".")
		for _, f := range d.Fields {
			if !dotted && strings.EqualFold(f.Name, path) {
				return f.Name, f.Type, f.Calculated, nil
			}
			if dotted && f.RelationshipName != nil && strings.EqualFold(*f.RelationshipName, head) && len(f.ReferenceTo) > 0 {
				td, err := get(f.ReferenceTo[0])
				if err != nil {
					return "", "", false, err
				}
				name, typ, calc, err := resolve(td, rest)
				if err != nil {
					return "", "", false, err
				}
				return *f.RelationshipName + "." + name, typ, calc, nil
			}
		}
		return "", "", false, schemaErr(st, "object %s has no field %s", d.Name, path)
	}
	add := func(unified, field string) error {
		if _, isConst := northstar.Constant(field); isConst || field == "" {
			p.mapping[unified] = field
			return nil
		}
		name, typ, calc, err := resolve(d, field)
		if err != nil {
			return err
		}
		p.mapping[unified] = name
		p.types[name] = typ
		p.formula = p.formula || calc
		return nil
	}
	// Cursor field: configured (strict) or the first the object has.
	if so.CursorField != "" {
		if err := add("modified_at", so.CursorField); err != nil {
			return nil, err
		}
	} else {
		for _, f := range []string{"SystemModstamp", "LastModifiedDate", "CreatedDate"} {
			if err := add("modified_at", f); err == nil {
				break
			}
		}
		if p.mapping["modified_at"] == "" {
			return nil, schemaErr(st, "object %s has none of SystemModstamp, LastModifiedDate, CreatedDate; set cursor_field", d.Name)
		}
	}
	p.cursor = p.mapping["modified_at"]
	if t := p.types[p.cursor]; t != "datetime" && t != "date" {
		return nil, schemaErr(st, "cursor field %s.%s has type %s, want datetime", d.Name, p.cursor, t)
	}
	defaults, strict := s.mappings(st, so)
	for _, unified := range sortedKeys(strict) {
		if err := add(unified, strict[unified]); err != nil {
			return nil, err
		}
	}
	for _, unified := range sortedKeys(defaults) {
		if _, ok := p.mapping[unified]; ok {
			continue
		}
		if err := add(unified, defaults[unified]); err != nil {
			s.log.Debug("salesforce: default field not in org, not read", "stream", string(st), "field", defaults[unified])
		}
	}
	if _, _, _, err := resolve(d, "Id"); err != nil {
		return nil, err
	}
	p.selects = []string{"Id", p.cursor}
	if _, ok := p.mapping["deleted"]; ok {
		p.selects = append(p.selects, p.mapping["deleted"])
	}
	for _, f := range p.mapping.SourceFields() {
		if !slices.Contains(p.selects, f) {
			p.selects = append(p.selects, f)
		}
	}
	sort.Strings(p.selects[min(len(p.selects), 3):])
	return p, nil
}

func sortedKeys(m northstar.Mapping) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// soqlTime formats a datetime literal, floored to the second (Salesforce
// stores whole seconds; flooring keeps `>=` from skipping anything).
func soqlTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// soql builds the stream's query for the window [lo, hi) (zero = open).
func (p *plan) soql(lo, hi time.Time) string {
	var conds []string
	if p.where != "" {
		conds = append(conds, "("+p.where+")")
	}
	if !lo.IsZero() {
		conds = append(conds, p.cursor+" >= "+soqlTime(lo))
	}
	if !hi.IsZero() {
		conds = append(conds, p.cursor+" < "+soqlTime(hi))
	}
	q := "SELECT " + strings.Join(p.selects, ", ") + " FROM " + p.object
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	return q + " ORDER BY " + p.cursor + " ASC, Id ASC"
}
