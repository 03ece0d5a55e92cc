package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

// Load reads and parses the configuration file at path, expanding ${VAR}
// from the process environment. See Parse.
func Load(path string, kinds map[string]Kind) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, os.LookupEnv, kinds)
}

// Parse parses and validates data, the contents of file. env looks up
// environment variables for ${VAR} expansion (nil means none is set).
// kinds maps each connector type to the Kind that validates its section
// and streams. On any problem Parse returns a nil Config and an Errors
// holding every problem, sorted by position; each is an *Error that
// unwraps to northstar.ErrInvalidConfig. Unset keys get their defaults
// (see Defaults); StateDir is made absolute relative to file's directory.
func Parse(file string, data []byte, env func(string) (string, bool), kinds map[string]Kind) (*Config, error) {
	p := &parser{file: file, kinds: kinds,
		cron: cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)}
	cfg := Defaults()
	cfg.Path = file
	root, errs := readYAML(file, data)
	p.errs = errs
	if root != nil {
		prepare(file, root, "", env, &p.errs)
		root, errs = flatten(file, root)
		p.errs = append(p.errs, errs...)
		p.config(root, cfg)
	}
	if filepath.IsAbs(cfg.StateDir) {
		cfg.StateDir = filepath.Clean(cfg.StateDir)
	} else if cfg.StateDir != "" {
		dir, err := filepath.Abs(filepath.Join(filepath.Dir(file), cfg.StateDir))
		if err != nil {
			p.add(Lookup(root, "state_dir"), "state_dir", "cannot make absolute: %v", err)
		}
		cfg.StateDir = dir
	}
	if len(p.errs) > 0 {
		return nil, finish(p.errs)
	}
	return cfg, nil
}

// Defaults returns the configuration of an empty file (StateDir still
// relative): USD, UTC, .northstar, 127.0.0.1:8470, 30s shutdown, metrics at
// minute 15 of every hour, CLV in weeks over 52 weeks at 1 %/month discount
// and margin 1.0, CSAT top-2-box {4, 5}, TTV at 80 % adoption, and the
// identity rules external_id, tax_id, domain, then fuzzy name+country 0.92.
func Defaults() *Config {
	return &Config{
		Warehouse: Warehouse{ReportingCurrency: "USD", Timezone: "UTC"},
		StateDir:  ".northstar",
		Server:    Server{Listen: "127.0.0.1:8470", ShutdownTimeout: 30 * time.Second},
		Metrics: Metrics{
			Schedule:             "15 * * * *",
			CLV:                  CLV{TimeUnit: "week", Horizon: 52, DiscountRate: 0.01, Margin: 1.0},
			CSATSatisfied:        []int{4, 5},
			TTVAdoptionThreshold: 0.8,
			Flow:                 Flow{Stages: DefaultFlow()},
			RetentionFX:          RetentionFXBasePeriod,
		},
		Identity: Identity{Rules: []IdentityRule{
			{Match: []string{"external_id"}},
			{Match: []string{"tax_id"}},
			{Match: []string{"domain"}},
			{Match: []string{"name", "country"}, Fuzzy: 0.92},
		}},
		FX: map[string]string{},
	}
}

type parser struct {
	file  string
	kinds map[string]Kind
	cron  cron.Parser
	errs  []*Error
}

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	p.errs = append(p.errs, Errorf(p.file, n, path, format, args...).(*Error))
}

func (p *parser) addAll(errs []error, pos Pos, path string) {
	for _, err := range errs {
		p.errs = append(p.errs, positioned(err, pos, path))
	}
}

func (p *parser) config(root *yaml.Node, cfg *Config) {
	var connectors []*yaml.Node
	top := struct {
		Warehouse  *Warehouse         `yaml:"warehouse"`
		StateDir   *string            `yaml:"state_dir"`
		Server     *Server            `yaml:"server"`
		Metrics    *Metrics           `yaml:"metrics"`
		Identity   *Identity          `yaml:"identity"`
		FX         *map[string]string `yaml:"fx"`
		Connectors *[]*yaml.Node      `yaml:"connectors"`
	}{&cfg.Warehouse, &cfg.StateDir, &cfg.Server, &cfg.Metrics, &cfg.Identity, &cfg.FX, &connectors}
	rootPos := Pos{File: p.file, Line: root.Line, Col: root.Column}
	p.addAll(Decode(p.file, root, "", &top), rootPos, "")
	if root.Kind != yaml.MappingNode {
		return
	}
	p.warehouse(Lookup(root, "warehouse"), &cfg.Warehouse)
	p.server(Lookup(root, "server"), &cfg.Server)
	p.metrics(Lookup(root, "metrics"), &cfg.Metrics)
	p.identity(Lookup(root, "identity"), cfg.Identity)
	p.fx(Lookup(root, "fx"))
	if sd := Lookup(root, "state_dir"); sd != nil && cfg.StateDir == "" && !isNull(sd) {
		p.add(sd, "state_dir", "must not be empty")
	}
	p.connectors(connectors, cfg)
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

func (p *parser) warehouse(n *yaml.Node, w *Warehouse) {
	if v := Lookup(n, "reporting_currency"); v != nil && !currencyCode.MatchString(w.ReportingCurrency) {
		p.add(v, "warehouse.reporting_currency", "want a 3-letter ISO 4217 currency code such as USD, got %s", quote(w.ReportingCurrency))
	}
	if v := Lookup(n, "timezone"); v != nil {
		if _, err := time.LoadLocation(w.Timezone); err != nil || w.Timezone == "Local" || w.Timezone == "" {
			p.add(v, "warehouse.timezone", "unknown time zone %s (want an IANA name such as UTC or Europe/Berlin)", quote(w.Timezone))
		}
	}
}

func (p *parser) server(n *yaml.Node, s *Server) {
	if v := Lookup(n, "listen"); v != nil {
		host, port, err := net.SplitHostPort(s.Listen)
		if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || strings.ContainsAny(host, " /") {
			p.add(v, "server.listen", "want host:port such as 127.0.0.1:8470, got %s", quote(s.Listen))
		}
	}
	if v := Lookup(n, "shutdown_timeout"); v != nil && s.ShutdownTimeout <= 0 && !isNull(v) {
		p.add(v, "server.shutdown_timeout", "must be positive, got %s", s.ShutdownTimeout)
	}
}

func (p *parser) schedule(n *yaml.Node, path, spec string) {
	if _, err := p.cron.Parse(spec); err != nil {
		p.add(n, path, "bad cron schedule %s: %v", quote(spec), err)
	}
}

// isNumber reports whether n is an integer or floating-point scalar.
func isNumber(n *yaml.Node) bool {
	t := n.ShortTag()
	return n.Kind == yaml.ScalarNode && (t == "!!int" || t == "!!float")
}

// inUnit reports whether 0 < x <= 1.
func inUnit(x float64) bool { return x > 0 && x <= 1 }

func (p *parser) metrics(n *yaml.Node, m *Metrics) {
	if v := Lookup(n, "schedule"); v != nil && !isNull(v) {
		p.schedule(v, "metrics.schedule", m.Schedule)
	}
	clv := Lookup(n, "clv")
	if v := Lookup(clv, "time_unit"); v != nil && !slices.Contains([]string{"day", "week", "month"}, m.CLV.TimeUnit) {
		p.add(v, "metrics.clv.time_unit", "want day, week or month, got %s", quote(m.CLV.TimeUnit))
	}
	if v := Lookup(clv, "horizon"); v != nil && m.CLV.Horizon <= 0 {
		p.add(v, "metrics.clv.horizon", "must be a positive number of time units, got %d", m.CLV.Horizon)
	}
	if v := Lookup(clv, "discount_rate"); v != nil && (m.CLV.DiscountRate < 0 || m.CLV.DiscountRate >= 1) {
		p.add(v, "metrics.clv.discount_rate", "want a monthly rate in [0, 1), got %v", m.CLV.DiscountRate)
	}
	if v := Lookup(clv, "margin"); v != nil && !inUnit(m.CLV.Margin) {
		p.add(v, "metrics.clv.margin", "want a number in (0, 1], got %v", m.CLV.Margin)
	}
	if v := Lookup(n, "csat_satisfied"); v != nil && v.Kind == yaml.SequenceNode {
		if len(v.Content) == 0 {
			p.add(v, "metrics.csat_satisfied", "must list at least one score")
		}
		seen := map[int]bool{}
		for i, s := range m.CSATSatisfied {
			path := fmt.Sprintf("metrics.csat_satisfied[%d]", i)
			switch {
			case isNull(v.Content[i]):
				p.add(v.Content[i], path, "want an integer, got nothing")
			case v.Content[i].ShortTag() != "!!int":
				// reported by Decode
			case s < 1 || s > 10:
				p.add(v.Content[i], path, "want a score from 1 to 10, got %d", s)
			case seen[s]:
				p.add(v.Content[i], path, "score %d is listed twice", s)
			}
			seen[s] = true
		}
	}
	if v := Lookup(n, "ttv_adoption_threshold"); v != nil && !inUnit(m.TTVAdoptionThreshold) {
		p.add(v, "metrics.ttv_adoption_threshold", "want a number in (0, 1], got %v", m.TTVAdoptionThreshold)
	}
	if v := Lookup(n, "retention_fx"); v != nil && m.RetentionFX != RetentionFXBasePeriod && m.RetentionFX != RetentionFXContract {
		p.add(v, "metrics.retention_fx", "want %s or %s, got %s", RetentionFXBasePeriod, RetentionFXContract, quote(m.RetentionFX))
	}
	p.flow(Lookup(Lookup(n, "flow"), "stages"), m.Flow.Stages)
}

// flow validates metrics.flow.stages (n is the sequence node, if any).
func (p *parser) flow(n *yaml.Node, stages []FlowStage) {
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) != len(stages) {
		return // absent (defaults) or a shape error Decode reported
	}
	for _, s := range stages {
		if s.At == "" || s.State == "" {
			return // a missing required key, reported by Decode
		}
	}
	i, err := ValidateFlow(stages)
	if err == nil {
		return
	}
	if i < 0 {
		p.add(n, "metrics.flow.stages", "%s", err)
		return
	}
	p.add(n.Content[i], fmt.Sprintf("metrics.flow.stages[%d]", i), "%s", err)
}

var matchFields = []string{"external_id", "tax_id", "domain", "email", "name", "country"}

// survivorshipAttributes are the golden attributes survivorship may name.
var survivorshipAttributes = []string{"*", "name", "domain", "country", "segment", "industry", "tax_id", "owner", "status", "acquisition_channel", "created_at"}

func (p *parser) identity(n *yaml.Node, id Identity) {
	if sv := Lookup(n, "survivorship"); sv != nil && sv.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(sv.Content); i += 2 {
			if k := sv.Content[i]; !slices.Contains(survivorshipAttributes, k.Value) {
				p.add(k, "identity.survivorship."+k.Value, "unknown attribute %s (allowed: %s)", quote(k.Value), strings.Join(survivorshipAttributes, ", "))
			}
		}
	}
	rules := Lookup(n, "rules")
	if rules == nil || rules.Kind != yaml.SequenceNode {
		return
	}
	for i, r := range id.Rules {
		path := fmt.Sprintf("identity.rules[%d]", i)
		rn := rules.Content[i]
		if m := Lookup(rn, "match"); m != nil && m.Kind == yaml.SequenceNode {
			if len(m.Content) == 0 {
				p.add(m, path+".match", "must list at least one field")
			}
			for j, f := range r.Match {
				if !slices.Contains(matchFields, f) && m.Content[j].Kind == yaml.ScalarNode && !isNull(m.Content[j]) {
					p.add(m.Content[j], fmt.Sprintf("%s.match[%d]", path, j), "unknown match field %s (allowed: %s)",
						quote(f), strings.Join(matchFields, ", "))
				}
			}
		}
		if slices.Contains(r.Match, "external_id") && len(r.Match) > 1 {
			p.add(Lookup(rn, "match"), path+".match", "external_id must stand alone in its rule")
		}
		if f := Lookup(rn, "fuzzy"); f != nil && isNumber(f) {
			switch {
			case !inUnit(r.Fuzzy):
				p.add(f, path+".fuzzy", "want a similarity in (0, 1], got %v", r.Fuzzy)
			case Lookup(rn, "match") != nil && !slices.Contains(r.Match, "name"):
				p.add(f, path+".fuzzy", "fuzzy matching compares names: add name to match")
			}
		}
	}
}

func (p *parser) fx(n *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := join("fx", k.Value)
		if !currencyCode.MatchString(k.Value) {
			p.add(k, path, "want a 3-letter ISO 4217 currency code such as EUR, got %s", quote(k.Value))
		}
		if v.Kind != yaml.ScalarNode {
			continue // reported by Decode
		}
		if d, err := decimal.NewFromString(v.Value); err != nil || !d.IsPositive() {
			p.add(v, path, "want a positive decimal rate such as 1.08, got %s", describe(v))
		}
	}
}
