package file

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

// DefaultPageSize is the number of rows per Batch when page_size is unset.
const DefaultPageSize = 10000

// Options is the connector-level `file:` section: defaults for every stream.
type Options struct {
	// Format is csv or jsonl; empty means by file extension (.jsonl,
	// .ndjson and .json are JSON Lines, anything else CSV).
	Format string `yaml:"format"`
	// Delimiter is a single character (default ",") or "whitespace" (runs
	// of spaces and tabs separate columns; no quoting) or "tab".
	Delimiter string `yaml:"delimiter"`
	// Header says whether the first row names the columns (default true);
	// without one, columns are named by position "1", "2", ….
	Header *bool `yaml:"header"`
	// TimeFormat is a Go layout or one of rfc3339, date, yyyymmdd, unix,
	// unix_ms; empty accepts RFC 3339, 2006-01-02 and 2006-01-02 15:04:05.
	TimeFormat string `yaml:"time_format"`
	// TimeZone is the IANA zone of timestamps without an offset (default UTC).
	TimeZone string `yaml:"time_zone"`
	// Encoding must be utf-8 (the default); a UTF-8 BOM is stripped.
	Encoding string `yaml:"encoding"`
	// PageSize is the number of rows per Batch (default DefaultPageSize).
	PageSize int `yaml:"page_size"`
	// ID makes source ids for rows that carry none: "line" gives
	// "<file base name>:<line>", a column or a list of columns joins their
	// values with "|". Absent means the `source_id` mapping.
	ID *yaml.Node `yaml:"id"`
}

// StreamOptions is one entry under `streams:` of a file connector. Its
// options, when set, override the connector-level ones.
type StreamOptions struct {
	// Path is a glob of the files to read; a relative path is relative to
	// the configuration file's directory.
	Path string `yaml:"path" ns:"required"`
	// Fields maps unified fields to column names, positions ("1", "2", …
	// without a header), dotted JSON paths, or 'constants'. The config
	// package parses it into StreamSpec.Fields.
	Fields map[string]string `yaml:"fields"`

	Format     string     `yaml:"format"`
	Delimiter  string     `yaml:"delimiter"`
	Header     *bool      `yaml:"header"`
	TimeFormat string     `yaml:"time_format"`
	TimeZone   string     `yaml:"time_zone"`
	ID         *yaml.Node `yaml:"id"`
}

// idSpec is the parsed `id` option: ["line"], or column names.
type idSpec []string

// parseID reads an `id` node: a scalar or a list of scalars. A nil or null
// node gives nil.
func parseID(n *yaml.Node) (idSpec, bool) {
	if n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return nil, true
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			return nil, false
		}
		return idSpec{n.Value}, true
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, false
		}
		id := make(idSpec, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode || c.Value == "" {
				return nil, false
			}
			id = append(id, c.Value)
		}
		return id, true
	}
	return nil, false
}

func (s idSpec) isLine() bool { return len(s) == 1 && s[0] == "line" }

// settings is one stream's effective configuration.
type settings struct {
	stream     northstar.Stream
	path       string
	format     string // csv, jsonl or "" (by extension)
	delim      rune
	whitespace bool
	header     bool
	times      *timeParser
	id         idSpec // nil: source_id mapping
	fields     map[string]string
	pageSize   int
}

const (
	formatCSV   = "csv"
	formatJSONL = "jsonl"
)

// formatOf returns the format of a file: the configured one, or by extension.
func (st *settings) formatOf(path string) string {
	if st.format != "" {
		return st.format
	}
	return formatByExt(path)
}

func formatByExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL
	}
	return formatCSV
}

// Validate checks a file connector's `file:` section and streams; every
// error is a *config.Error. Register it with config.KindFunc(Validate).
func Validate(c *config.Connector) []error {
	_, errs := parse(c)
	return errs
}

// parse decodes and validates c, returning each stream's settings.
func parse(c *config.Connector) ([]*settings, []error) {
	file := c.Pos.File
	var opts Options
	errs := c.DecodeOptions(&opts)
	errAt := func(n *yaml.Node, key, path, format string, args ...any) {
		if v := config.Lookup(n, key); v != nil {
			n = v
		}
		errs = append(errs, config.Errorf(file, n, path+"."+key, format, args...))
	}
	optPath := c.Path + "." + c.Type
	if e := strings.ToLower(opts.Encoding); e != "" && e != "utf-8" && e != "utf8" {
		errAt(c.Options, "encoding", optPath, "unsupported encoding %q (only utf-8)", opts.Encoding)
	}
	if opts.PageSize < 0 {
		errAt(c.Options, "page_size", optPath, "must be positive, got %d", opts.PageSize)
	}
	pageSize := opts.PageSize
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	// check validates the options a stream may override.
	check := func(n *yaml.Node, path, format, delim, timeFormat, timeZone string) {
		if format != "" && format != formatCSV && format != formatJSONL {
			errAt(n, "format", path, "unknown format %q (want csv or jsonl)", format)
		}
		if _, _, ok := parseDelimiter(delim); !ok {
			errAt(n, "delimiter", path, "bad delimiter %q (want one character, \"tab\" or \"whitespace\")", delim)
		}
		if timeFormat != "" {
			if _, err := newTimeParser(timeFormat, "UTC"); err != nil {
				errAt(n, "time_format", path, "%v", err)
			}
		}
		if _, err := time.LoadLocation(timeZone); err != nil {
			errAt(n, "time_zone", path, "unknown time zone %q (want an IANA name such as Europe/Berlin)", timeZone)
		}
	}
	check(c.Options, optPath, opts.Format, opts.Delimiter, opts.TimeFormat, opts.TimeZone)
	connID, ok := parseID(opts.ID)
	if !ok {
		errAt(c.Options, "id", optPath, `want "line", a column name or a list of column names`)
	}

	var out []*settings
	for i := range c.Streams {
		ss := &c.Streams[i]
		n, sp := ss.Node, ss.Path
		var so StreamOptions
		errs = append(errs, ss.Decode(&so)...)
		check(n, sp, so.Format, so.Delimiter, so.TimeFormat, so.TimeZone)
		if so.Path != "" {
			if _, err := filepath.Match(so.Path, ""); err != nil {
				errAt(n, "path", sp, "bad glob %q: %v", so.Path, err)
			}
		}
		if so.Path != "" && !filepath.IsAbs(so.Path) {
			so.Path = filepath.Join(filepath.Dir(file), so.Path)
		}
		st := &settings{
			stream:   ss.Stream,
			path:     so.Path,
			format:   pick(so.Format, opts.Format),
			fields:   ss.Fields,
			header:   true,
			pageSize: pageSize,
		}
		st.delim, st.whitespace, _ = parseDelimiter(pick(so.Delimiter, opts.Delimiter))
		if opts.Header != nil {
			st.header = *opts.Header
		}
		if so.Header != nil {
			st.header = *so.Header
		}
		st.times, _ = newTimeParser(pick(so.TimeFormat, opts.TimeFormat), pick(so.TimeZone, opts.TimeZone))
		// The stream's own id, then its fields.source_id, then the
		// connector-level id.
		streamID, ok := parseID(so.ID)
		_, hasSourceID := ss.Fields["source_id"]
		switch {
		case !ok:
			errAt(n, "id", sp, `want "line", a column name or a list of column names`)
		case streamID != nil && hasSourceID:
			errAt(n, "id", sp, "set either id or fields.source_id, not both")
		case streamID != nil:
			st.id = streamID
		case !hasSourceID:
			st.id = connID
		}
		if !st.header && st.formatOf(so.Path) == formatCSV {
			for _, unified := range slices.Sorted(maps.Keys(ss.Fields)) {
				src := ss.Fields[unified]
				if _, isConst := northstar.Constant(src); isConst {
					continue
				}
				if p, err := strconv.Atoi(src); err != nil || p < 1 {
					errAt(config.Lookup(n, "fields"), unified, sp+".fields",
						"%q is not a column position: with header: false, columns are named \"1\", \"2\", …", src)
				}
			}
		}
		out = append(out, st)
	}
	return out, errs
}

func pick(override, def string) string {
	if override != "" {
		return override
	}
	return def
}

// parseDelimiter reads a delimiter option: "" is ",".
func parseDelimiter(s string) (r rune, whitespace, ok bool) {
	switch s {
	case "":
		return ',', false, true
	case "whitespace":
		return 0, true, true
	case "tab":
		return '\t', false, true
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0xFFFE {
		return 0, false, false
	}
	return r, false, true
}
