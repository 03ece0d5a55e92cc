package config

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
)

// Config is a whole northstar.yaml after ${VAR} expansion and validation.
type Config struct {
	// Path is the file the configuration was read from.
	Path       string
	Warehouse  Warehouse
	StateDir   string // absolute; relative paths are resolved against the file's directory
	Server     Server
	Metrics    Metrics
	Identity   Identity
	FX         map[string]string // currency → rate to the reporting currency, decimal text
	Connectors []Connector
}

// Warehouse says where the warehouse lives. An empty DSN (and no
// DATABASE_URL) means a managed local PostgreSQL under StateDir.
type Warehouse struct {
	DSN               string `yaml:"dsn"`
	ReportingCurrency string `yaml:"reporting_currency"` // default USD
	Timezone          string `yaml:"timezone"`           // default UTC
}

// Server configures the daemon's HTTP API.
type Server struct {
	Listen          string        `yaml:"listen"`           // default 127.0.0.1:8470
	Token           string        `yaml:"token"`            // bearer token
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"` // default 30s
}

// Metrics configures metric refresh.
type Metrics struct {
	Schedule             string  `yaml:"schedule"` // cron; default "15 * * * *"
	CLV                  CLV     `yaml:"clv"`
	CSATSatisfied        []int   `yaml:"csat_satisfied"`         // default [4, 5]
	TTVAdoptionThreshold float64 `yaml:"ttv_adoption_threshold"` // default 0.8
	Flow                 Flow    `yaml:"flow"`
	// RetentionFX: how NDR/GRR hold FX constant between the months they
	// compare: base_period (default) or contract.
	RetentionFX string `yaml:"retention_fx"`
}

// Ways NDR/GRR hold FX constant (Metrics.RetentionFX): both months at the
// base month's daily rate, or each contract row at its own rate.
const (
	RetentionFXBasePeriod = "base_period"
	RetentionFXContract   = "contract"
)

// Flow maps order stages to value-stream flow states (metrics.md §7).
type Flow struct {
	// Stages lists order timestamps in process order, each with the state
	// that starts at it; default ordered_at active, fulfilled_at waiting,
	// invoiced_at waiting, paid_at done.
	Stages []FlowStage `yaml:"stages"`
}

// CLV configures the BTYD models.
type CLV struct {
	TimeUnit     string  `yaml:"time_unit"`     // day | week | month; default week
	Horizon      int     `yaml:"horizon"`       // in time units; default 52
	DiscountRate float64 `yaml:"discount_rate"` // per month; default 0.01
	Margin       float64 `yaml:"margin"`        // default 1.0
}

// Identity holds the ordered identity-resolution rules and survivorship.
type Identity struct {
	Rules []IdentityRule `yaml:"rules"`
	// Survivorship names, per golden attribute, the connectors whose value
	// wins, best first ("*" sets a default); otherwise the most recently
	// updated source record wins.
	Survivorship map[string][]string `yaml:"survivorship"`
}

// IdentityRule matches source customers on equal values of Match fields,
// or, with Fuzzy > 0, on Jaro-Winkler similarity of normalised names.
type IdentityRule struct {
	Match []string `yaml:"match" ns:"required"`
	Fuzzy float64  `yaml:"fuzzy"`
}

// Connector is one configured upstream system. Options holds the section
// named after Type (e.g. the `salesforce:` mapping), already ${VAR}-expanded;
// it is never nil: an absent section is an empty mapping positioned at the
// connector. The connector's Kind decodes it with DecodeOptions.
type Connector struct {
	Name     string
	Type     string
	Schedule string // cron; empty means the connector only runs on demand
	Webhook  string // optional URL notified on failed/partial runs
	Options  *yaml.Node
	Streams  []StreamSpec
	Pos      Pos    // position of the connector's mapping in the file
	Path     string // key path of the connector, e.g. connectors[1]
}

// DecodeOptions decodes c.Options into v with Decode, with key paths
// such as connectors[1].salesforce.auth.
func (c *Connector) DecodeOptions(v any) []error {
	return Decode(c.Pos.File, c.Options, join(c.Path, c.Type), v)
}

// StreamSpec is one entry under a connector's `streams:`. Node is the whole
// stream mapping (connector-specific keys such as object, entity_set, path);
// Fields is its parsed `fields` mapping (unified field → source field; a
// value in single quotes is a constant).
type StreamSpec struct {
	Stream northstar.Stream
	Node   *yaml.Node // never nil; an empty stream entry is an empty mapping
	Fields map[string]string
	Pos    Pos    // position of the stream's key
	Path   string // key path, e.g. connectors[1].streams.orders
}

// Decode decodes the stream's connector-specific keys into v with Decode.
// The `fields` key, already parsed into Fields, is skipped, so v needs no
// field for it.
func (s *StreamSpec) Decode(v any) []error {
	return decodeSkipping(s.Pos.File, s.Node, s.Path, v, map[string]bool{"fields": true})
}

// Pos is a position in the configuration file.
type Pos struct {
	File string
	Line int
	Col  int
}

// Kind validates the connector-specific parts of one connector type.
// Validate returns every problem it finds, each built with Errorf or
// returned by Decode (typically via c.DecodeOptions and StreamSpec.Decode;
// Lookup finds the node of a key to position an Errorf), so all errors carry
// file:line:col and key path; a plain error is placed at the connector.
// Parse calls Validate once per connector of the type, after checking the
// common keys, with c.Options a mapping; Validate may fill in defaults in c.
type Kind interface {
	Validate(c *Connector) []error
}

// KindFunc adapts a function to Kind.
type KindFunc func(c *Connector) []error

// Validate calls f(c).
func (f KindFunc) Validate(c *Connector) []error { return f(c) }
