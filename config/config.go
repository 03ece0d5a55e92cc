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
	DSN               string
	ReportingCurrency string // default USD
	Timezone          string // default UTC
}

// Server configures the daemon's HTTP API.
type Server struct {
	Listen          string        // default 127.0.0.1:8470
	Token           string        // bearer token
	ShutdownTimeout time.Duration // default 30s
}

// Metrics configures metric refresh.
type Metrics struct {
	Schedule             string // cron; default "15 * * * *"
	CLV                  CLV
	CSATSatisfied        []int   // default [4, 5]
	TTVAdoptionThreshold float64 // default 0.8
}

// CLV configures the BTYD models.
type CLV struct {
	TimeUnit     string  // day | week | month; default week
	Horizon      int     // in time units; default 52
	DiscountRate float64 // per month; default 0.01
	Margin       float64 // default 1.0
}

// Identity holds the ordered identity-resolution rules.
type Identity struct {
	Rules []IdentityRule
}

// IdentityRule matches source customers on equal values of Match fields,
// or, with Fuzzy > 0, on Jaro-Winkler similarity of normalised names.
type IdentityRule struct {
	Match []string
	Fuzzy float64
}

// Connector is one configured upstream system. Options holds the section
// named after Type (e.g. the `salesforce:` mapping); the connector package
// decodes and validates it with Decode.
type Connector struct {
	Name     string
	Type     string
	Schedule string
	Webhook  string // optional URL notified on failed/partial runs
	Options  *yaml.Node
	Streams  []StreamSpec
	Pos      Pos // position of the connector's mapping in the file
}

// StreamSpec is one entry under a connector's `streams:`. Node is the whole
// stream mapping (connector-specific keys such as object, entity_set, path);
// Fields is its parsed `fields` mapping (unified field → source field; a
// value in single quotes is a constant).
type StreamSpec struct {
	Stream northstar.Stream
	Node   *yaml.Node
	Fields map[string]string
	Pos    Pos
}

// Pos is a position in the configuration file.
type Pos struct {
	File string
	Line int
	Col  int
}

// Kind validates the connector-specific parts of one connector type.
// Validate returns every problem it finds, each built with Errorf or
// returned by Decode, so all errors carry file:line:col and key path.
type Kind interface {
	Validate(c *Connector) []error
}

// KindFunc adapts a function to Kind.
type KindFunc func(c *Connector) []error

// Validate calls f(c).
func (f KindFunc) Validate(c *Connector) []error { return f(c) }
