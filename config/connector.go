package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
)

var connectorName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// connectorKeys are the keys every connector may have, besides the section
// named after its type.
var connectorKeys = []string{"name", "type", "schedule", "webhook", "streams"}

func (p *parser) connectors(nodes []*yaml.Node, cfg *Config) {
	names := map[string]int{} // name → line of first use
	for i, n := range nodes {
		path := fmt.Sprintf("connectors[%d]", i)
		c, ok := p.connector(n, path)
		if !ok {
			continue
		}
		if line, dup := names[c.Name]; dup && c.Name != "" {
			p.add(Lookup(n, "name"), path+".name", "duplicate connector name %q (first at line %d)", c.Name, line)
		} else if c.Name != "" {
			names[c.Name] = Lookup(n, "name").Line
		}
		cfg.Connectors = append(cfg.Connectors, c)
	}
}

// connector parses one entry of `connectors`, then has its Kind validate
// it. ok is false if the entry is not a mapping.
func (p *parser) connector(n *yaml.Node, path string) (c Connector, ok bool) {
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "want a mapping, got %s", describe(n))
		return c, false
	}
	c = Connector{Pos: Pos{File: p.file, Line: n.Line, Col: n.Column}, Path: path}
	var fixed struct {
		Name     string     `yaml:"name" ns:"required"`
		Type     string     `yaml:"type" ns:"required"`
		Schedule string     `yaml:"schedule"`
		Webhook  string     `yaml:"webhook"`
		Streams  *yaml.Node `yaml:"streams" ns:"required"`
	}
	typeNode := Lookup(n, "type")
	// Decode the fixed keys from a copy of n without the type sections, so
	// that Decode's unknown-key errors do not list them; check those here.
	fixedOnly := *n
	fixedOnly.Content = nil
	var sections []*yaml.Node // key, value pairs
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if slices.Contains(connectorKeys, k.Value) {
			fixedOnly.Content = append(fixedOnly.Content, k, n.Content[i+1])
		} else {
			sections = append(sections, k, n.Content[i+1])
		}
	}
	p.addAll(Decode(p.file, &fixedOnly, path, &fixed), c.Pos, path)
	c.Name, c.Type, c.Schedule, c.Webhook = fixed.Name, fixed.Type, fixed.Schedule, fixed.Webhook

	kind, known := p.kinds[c.Type]
	if typeNode != nil && !isEmpty(typeNode) && typeNode.Kind == yaml.ScalarNode && !known {
		if len(p.kinds) == 0 {
			p.add(typeNode, path+".type", "unknown connector type %s (no connector types are known)", quote(c.Type))
		} else {
			p.add(typeNode, path+".type", "unknown connector type %s (known: %s)", quote(c.Type), p.knownKinds())
		}
	}
	if v := Lookup(n, "name"); v != nil && !isEmpty(v) && v.Kind == yaml.ScalarNode && !connectorName.MatchString(c.Name) {
		p.add(v, path+".name", "bad connector name %s: use only a-z, 0-9, _ and -", quote(c.Name))
	}
	if v := Lookup(n, "schedule"); v != nil && v.Kind == yaml.ScalarNode && !isNull(v) {
		p.schedule(v, path+".schedule", c.Schedule)
	}
	if v := Lookup(n, "webhook"); v != nil && v.Kind == yaml.ScalarNode && !isNull(v) {
		if u, err := url.Parse(c.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add(v, path+".webhook", "want an http or https URL, got %s", quote(c.Webhook))
		}
	}

	c.Options = p.section(sections, path, c.Type, known, emptyMapping(n))
	if fixed.Streams != nil && !isNull(fixed.Streams) {
		c.Streams = p.streams(fixed.Streams, path+".streams")
	}
	if known && kind != nil && c.Options.Kind == yaml.MappingNode {
		p.addAll(kind.Validate(&c), c.Pos, path)
	}
	return c, true
}

// section checks the keys of a connector that are not connectorKeys: only
// one named after the connector's type is allowed. It returns that
// section's mapping (or empty, if absent or null).
func (p *parser) section(pairs []*yaml.Node, path, typ string, known bool, empty *yaml.Node) *yaml.Node {
	opts := empty
	for i := 0; i+1 < len(pairs); i += 2 {
		k, v := pairs[i], pairs[i+1]
		if k.Kind != yaml.ScalarNode {
			continue // reported by prepare
		}
		kp := join(path, k.Value)
		_, isKind := p.kinds[k.Value]
		switch {
		case known && k.Value == typ:
			if opts != empty {
				continue // duplicate key, reported by prepare
			}
			switch {
			case isNull(v):
				opts = emptyMapping(v)
			case v.Kind != yaml.MappingNode:
				p.add(v, kp, "want a mapping, got %s", describe(v))
				opts = v
			default:
				opts = v
			}
		case k.Value == typ:
			// the connector's type is unknown, which is reported
		case isKind && known:
			p.add(k, kp, "section %q does not match the connector's type %q", k.Value, typ)
		case isKind:
			// the connector's type is missing or unknown, which is reported
		default:
			allowed := strings.Join(connectorKeys, ", ")
			if known {
				allowed += ", " + typ
			} else {
				allowed += " and a section named after the type"
			}
			p.add(k, kp, "unknown key %q (allowed: %s)", k.Value, allowed)
		}
	}
	return opts
}

func (p *parser) knownKinds() string {
	names := make([]string, 0, len(p.kinds))
	for k := range p.kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// streams parses a connector's `streams` mapping: stream name → entry.
func (p *parser) streams(n *yaml.Node, path string) []StreamSpec {
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "want a mapping of stream names, got %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		p.add(n, path, "must configure at least one stream")
	}
	var specs []StreamSpec
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join(path, k.Value)
		if seen[k.Value] || k.Kind != yaml.ScalarNode {
			continue // reported by prepare
		}
		seen[k.Value] = true
		st, err := northstar.ParseStream(k.Value)
		if err != nil {
			p.add(k, kp, "%v", err)
			continue
		}
		if isNull(v) {
			v = emptyMapping(v)
		}
		if v.Kind != yaml.MappingNode {
			p.add(v, kp, "want a mapping, got %s", describe(v))
			continue
		}
		specs = append(specs, StreamSpec{
			Stream: st,
			Node:   v,
			Fields: p.fields(st, Lookup(v, "fields"), kp+".fields"),
			Pos:    Pos{File: p.file, Line: k.Line, Col: k.Column},
			Path:   kp,
		})
	}
	return specs
}

// fields parses a stream's `fields` mapping: unified field → source field.
func (p *parser) fields(st northstar.Stream, n *yaml.Node, path string) map[string]string {
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "want a mapping, got %s", describe(n))
		return nil
	}
	fields := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join(path, k.Value)
		if _, dup := fields[k.Value]; dup || k.Kind != yaml.ScalarNode {
			continue // reported by prepare
		}
		if !st.HasField(k.Value) {
			p.add(k, kp, "unknown field %q of stream %s (allowed: %s)", k.Value, st, strings.Join(st.Fields(), ", "))
			continue
		}
		switch {
		case v.Kind != yaml.ScalarNode:
			p.add(v, kp, "want a string, got %s", describe(v))
		case isEmpty(v):
			p.add(v, kp, "must not be empty")
		default:
			fields[k.Value] = v.Value
		}
	}
	return fields
}
