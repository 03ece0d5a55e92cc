package sqlsource

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

// Defaults of the `sql:` section.
const (
	DefaultPageSize = 5000
	DefaultOverlap  = 5 * time.Minute
	maxPageSize     = 1_000_000
)

// options is the `sql:` section of a connector.
type options struct {
	Driver    string `yaml:"driver"`
	DSN       string `yaml:"dsn"`
	PageSize  int    `yaml:"page_size"`
	Overlap   string `yaml:"overlap"`
	Reconcile string `yaml:"reconcile"`
}

// streamOptions is one entry under a sql connector's `streams:`.
type streamOptions struct {
	Table          string   `yaml:"table"`
	Query          string   `yaml:"query"`
	Key            string   `yaml:"key"`
	Cursor         []string `yaml:"cursor"`
	TombstoneQuery string   `yaml:"tombstone_query"`
}

// settings is a validated connector configuration.
type settings struct {
	driver    string
	dsn       string
	pageSize  int
	overlap   time.Duration
	reconcile string
	streams   []*streamConf
}

// streamConf is a validated stream configuration.
type streamConf struct {
	stream    northstar.Stream
	table     string // either table
	query     string // or query
	key       string
	cursor    []string // one column, or [date column, time column]
	fields    northstar.Mapping
	tombstone string
}

var (
	identRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)
	tableRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$`)
	selectRE = regexp.MustCompile(`(?is)^\s*(select|with)\s`)
)

// Validate checks the `sql:` section and the streams of a connector of type
// sql. It is the config.Kind of the connector and reports every problem,
// each positioned at its key; it never dials.
func Validate(c *config.Connector) []error {
	_, errs := parse(c)
	return errs
}

// parse validates c and returns its settings.
func parse(c *config.Connector) (*settings, []error) {
	file := c.Pos.File
	base := c.Path
	if base == "" {
		base = "connectors[" + c.Name + "]"
	}
	path := base + ".sql"
	opts := c.Options
	if opts == nil {
		opts = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: c.Pos.Line, Column: c.Pos.Col}
	}
	var o options
	errs := config.Decode(file, opts, path, &o)
	s := &settings{driver: o.Driver, dsn: o.DSN, pageSize: o.PageSize, overlap: DefaultOverlap, reconcile: o.Reconcile}
	switch o.Driver {
	case "postgres", "mysql":
	case "":
		errs = append(errs, config.Errorf(file, at(opts, "driver"), path+".driver", "required (postgres or mysql)"))
	default:
		// The driver name is not secret; the dsn is never echoed.
		errs = append(errs, config.Errorf(file, at(opts, "driver"), path+".driver", "unknown driver %q (want postgres or mysql)", o.Driver))
	}
	if strings.TrimSpace(o.DSN) == "" {
		errs = append(errs, config.Errorf(file, at(opts, "dsn"), path+".dsn", "required"))
	}
	switch {
	case s.pageSize == 0:
		s.pageSize = DefaultPageSize
	case s.pageSize < 0 || s.pageSize > maxPageSize:
		errs = append(errs, config.Errorf(file, at(opts, "page_size"), path+".page_size", "must be between 1 and %d", maxPageSize))
	}
	if o.Overlap != "" {
		d, err := time.ParseDuration(o.Overlap)
		if err != nil || d < 0 {
			errs = append(errs, config.Errorf(file, at(opts, "overlap"), path+".overlap", "invalid duration %q (e.g. 5m)", o.Overlap))
		}
		s.overlap = d
	}
	if o.Reconcile != "" {
		if _, err := cron.ParseStandard(o.Reconcile); err != nil {
			errs = append(errs, config.Errorf(file, at(opts, "reconcile"), path+".reconcile", "invalid schedule %q: %v", o.Reconcile, err))
		}
	}
	for i := range c.Streams {
		sc, es := parseStream(file, base, &c.Streams[i])
		errs = append(errs, es...)
		if sc != nil {
			s.streams = append(s.streams, sc)
		}
	}
	return s, errs
}

// parseStream validates one stream entry.
func parseStream(file, base string, spec *config.StreamSpec) (*streamConf, []error) {
	path := spec.Path
	if path == "" {
		path = base + ".streams." + string(spec.Stream)
	}
	node := spec.Node
	if node == nil {
		node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: spec.Pos.Line, Column: spec.Pos.Col}
	}
	// Errors about a missing key point at the stream's name.
	here := node
	if spec.Pos.Line > 0 {
		here = &yaml.Node{Line: spec.Pos.Line, Column: spec.Pos.Col}
	}
	var o streamOptions
	cp := *spec
	cp.Node, cp.Path = cursorAsList(node), path
	errs := cp.Decode(&o)
	sc := &streamConf{stream: spec.Stream, table: strings.TrimSpace(o.Table), query: trimQuery(o.Query),
		key: o.Key, cursor: o.Cursor, tombstone: trimQuery(o.TombstoneQuery)}
	switch {
	case sc.table == "" && sc.query == "":
		errs = append(errs, config.Errorf(file, here, path, "table or query required"))
	case sc.table != "" && sc.query != "":
		errs = append(errs, config.Errorf(file, at(node, "query"), path+".query", "table and query are exclusive; set one"))
	case sc.table != "" && !tableRE.MatchString(sc.table):
		errs = append(errs, config.Errorf(file, at(node, "table"), path+".table", "%q is not an SQL table name (use query for anything else)", sc.table))
	case sc.query != "" && !selectRE.MatchString(sc.query):
		errs = append(errs, config.Errorf(file, at(node, "query"), path+".query", "must be a SELECT"))
	}
	switch {
	case o.Key == "":
		errs = append(errs, config.Errorf(file, here, path+".key", "required (the key column)"))
	case !identRE.MatchString(o.Key):
		errs = append(errs, config.Errorf(file, at(node, "key"), path+".key", "%q is not an SQL column name", o.Key))
	}
	switch {
	case len(o.Cursor) == 0:
		errs = append(errs, config.Errorf(file, here, path+".cursor", "required (a change timestamp column, or [date column, time column])"))
	case len(o.Cursor) > 2:
		errs = append(errs, config.Errorf(file, at(node, "cursor"), path+".cursor", "a compound cursor is [date column, time column]; got %d columns", len(o.Cursor)))
	}
	for _, col := range o.Cursor {
		if !identRE.MatchString(col) {
			errs = append(errs, config.Errorf(file, at(node, "cursor"), path+".cursor", "%q is not an SQL column name", col))
		}
	}
	fields := spec.Fields
	for unified, src := range fields {
		if _, ok := northstar.Constant(src); ok || identRE.MatchString(src) {
			continue
		}
		errs = append(errs, config.Errorf(file, at(at(node, "fields"), unified), path+".fields."+unified,
			"%q is neither a column name nor a 'constant'", src))
	}
	sc.fields = northstar.Mapping(fields)
	if o.TombstoneQuery != "" {
		switch {
		case !selectRE.MatchString(sc.tombstone):
			errs = append(errs, config.Errorf(file, at(node, "tombstone_query"), path+".tombstone_query", "must be a SELECT of key, deleted_at"))
		case !strings.Contains(sc.tombstone, "$since"):
			errs = append(errs, config.Errorf(file, at(node, "tombstone_query"), path+".tombstone_query", "must filter on $since (… WHERE deleted_at >= $since)"))
		}
	}
	return sc, errs
}

// cursorAsList returns node with a scalar `cursor: col` rewritten as the
// sequence `cursor: [col]`, so that cursor decodes into a []string whatever
// decoder config.Decode uses. node itself is not modified.
func cursorAsList(node *yaml.Node) *yaml.Node {
	if node == nil || node.Kind != yaml.MappingNode {
		return node
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		v := node.Content[i+1]
		if node.Content[i].Value != "cursor" || v.Kind != yaml.ScalarNode {
			continue
		}
		cp := *node
		cp.Content = append([]*yaml.Node(nil), node.Content...)
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: v.Line, Column: v.Column, Content: []*yaml.Node{v}}
		if v.Value == "" {
			seq.Content = nil
		}
		cp.Content[i+1] = seq
		return &cp
	}
	return node
}

// at returns the value node of key in mapping m, or m when it is absent,
// so that an error about a missing or bad key points at the closest node.
func at(m *yaml.Node, key string) *yaml.Node {
	if v := config.Lookup(m, key); v != nil {
		return v
	}
	return m
}

// trimQuery strips surrounding space and trailing semicolons so a query
// can be used as a subquery.
func trimQuery(q string) string {
	q = strings.TrimSpace(q)
	for strings.HasSuffix(q, ";") {
		q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	}
	return q
}

// stream returns the configuration of stream st.
func (s *settings) stream(st northstar.Stream) (*streamConf, error) {
	for _, sc := range s.streams {
		if sc.stream == st {
			return sc, nil
		}
	}
	return nil, fmt.Errorf("sqlsource: stream %q is not configured: %w", st, northstar.ErrUnknownStream)
}
