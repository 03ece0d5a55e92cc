package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/connectors/file"
	"github.com/northstar-dev/northstar/connectors/odata"
	"github.com/northstar-dev/northstar/connectors/salesforce"
	"github.com/northstar-dev/northstar/connectors/sqlsource"
	"github.com/northstar-dev/northstar/identity"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/localpg"
)

// app carries what a command needs: flags, output, logger and, once
// opened, the configuration and the warehouse.
type app struct {
	configPath string
	logLevel   string
	logFormat  string

	stdout, stderr io.Writer
	log            *slog.Logger
	cfg            *config.Config
	db             *warehouse.DB

	sync      *syncOpts
	validate  *validateOpts
	demo      *demoOpts
	report    *reportOpts
	identity  *identityOpts
	reconcile *reconcileOpts
	metrics   *metricsOpts
}

func (a *app) setupLog() error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(a.logLevel)); err != nil {
		return fmt.Errorf("%w: -log-level %q (want debug, info, warn or error)", errUsage, a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: redactAttr}
	switch a.logFormat {
	case "json":
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	case "text":
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "auto":
		if isTerminal(a.stderr) {
			a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
		} else {
			a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
		}
	default:
		return fmt.Errorf("%w: -log-format %q (want json, text or auto)", errUsage, a.logFormat)
	}
	return nil
}

// redactAttr hides values of attributes whose key names a secret.
func redactAttr(_ []string, at slog.Attr) slog.Attr {
	k := strings.ToLower(at.Key)
	for _, s := range []string{"password", "secret", "token", "authorization", "private_key", "dsn"} {
		if strings.Contains(k, s) {
			if k == "dsn" {
				return slog.String(at.Key, warehouse.RedactDSN(at.Value.String()))
			}
			return slog.String(at.Key, "[redacted]")
		}
	}
	return at
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (a *app) close() {
	if a.db != nil {
		a.db.Close()
	}
}

// connectorKind is one connector type: how to validate and build it.
type connectorKind struct {
	validate func(c *config.Connector) []error
	build    func(c *config.Connector, env connectors.Env) (northstar.Source, error)
}

// connectorKinds is the closed set of connector types northstar ships.
func connectorKinds() map[string]connectorKind {
	return map[string]connectorKind{
		"file": {validate: file.Validate, build: func(c *config.Connector, env connectors.Env) (northstar.Source, error) {
			return file.New(c, env)
		}},
		"salesforce": {validate: salesforce.Validate, build: func(c *config.Connector, env connectors.Env) (northstar.Source, error) {
			return salesforce.New(c, env)
		}},
		"sap_odata": {validate: odata.ValidateSAP, build: func(c *config.Connector, env connectors.Env) (northstar.Source, error) {
			return odata.NewSAP(c, env)
		}},
		"odata4": {validate: odata.ValidateBC, build: func(c *config.Connector, env connectors.Env) (northstar.Source, error) {
			return odata.NewBC(c, env)
		}},
		"sql": {validate: sqlsource.Validate, build: func(c *config.Connector, env connectors.Env) (northstar.Source, error) {
			return sqlsource.New(c, env)
		}},
	}
}

func configKinds() map[string]config.Kind {
	out := map[string]config.Kind{}
	for name, k := range connectorKinds() {
		out[name] = config.KindFunc(k.validate)
	}
	return out
}

// loadConfig reads and validates the -c file.
func (a *app) loadConfig() error {
	cfg, err := config.Load(a.configPath, configKinds())
	if err != nil {
		return err
	}
	a.cfg = cfg
	return nil
}

// openWarehouse connects to the configured warehouse, DATABASE_URL, or a
// managed local PostgreSQL under state_dir, and applies migrations.
func (a *app) openWarehouse(ctx context.Context) error {
	dsn := a.cfg.Warehouse.DSN
	if dsn == "" {
		dsn = os.Getenv("DATABASE_URL")
	}
	if dsn == "" {
		var err error
		dsn, err = localpg.Ensure(ctx, a.cfg.StateDir, a.log)
		if err != nil {
			return fmt.Errorf("managed PostgreSQL: %w", err)
		}
	}
	db, err := warehouse.Open(ctx, dsn, a.log)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	a.db = db
	return nil
}

// transformer builds the transform step from a configuration.
func transformer(cfg *config.Config) (*transform.Transformer, error) {
	rates := map[string]decimal.Decimal{}
	for cur, r := range cfg.FX {
		d, err := decimal.NewFromString(r)
		if err != nil {
			return nil, fmt.Errorf("fx.%s: %w", cur, err)
		}
		rates[cur] = d
	}
	rc := cfg.Warehouse.ReportingCurrency
	loc, err := time.LoadLocation(cfg.Warehouse.Timezone)
	if err != nil {
		return nil, fmt.Errorf("warehouse.timezone: %w", err)
	}
	// Daily rates (ops.fx_rates) are loaded into it by the pipeline at the
	// start of each run; the config rates are the fallback.
	fx := transform.NewDailyFX(transform.StaticFX{Reporting: rc, Rates: rates}, loc)
	return &transform.Transformer{ReportingCurrency: rc, FX: fx}, nil
}

// engine builds the sync pipeline for a configuration.
func (a *app) engine(cfg *config.Config) (*pipeline.Engine, error) {
	tr, err := transformer(cfg)
	if err != nil {
		return nil, err
	}
	resolve := func(ctx context.Context, runID int64) error {
		_, err := identity.Resolve(ctx, a.db.DB, identity.Options{Rules: cfg.Identity.Rules,
			Survivorship: identity.Survivorship(cfg.Identity.Survivorship), RunID: runID, Logger: a.log})
		return err
	}
	return &pipeline.Engine{DB: a.db, Transform: tr, Log: a.log, CommitTimeout: cfg.Server.ShutdownTimeout, Resolve: resolve}, nil
}

// source builds the Source of connector c; obs may be nil.
func (a *app) source(c *config.Connector, full bool, obs connectors.Observer) (northstar.Source, error) {
	k, ok := connectorKinds()[c.Type]
	if !ok {
		return nil, fmt.Errorf("connector %s: unknown type %q", c.Name, c.Type)
	}
	name := c.Name
	env := connectors.Env{
		Logger:   a.log.With("connector", name),
		Full:     full,
		Observer: obs,
		Manifest: func(ctx context.Context, s northstar.Stream) (map[string]northstar.FileMark, error) {
			return a.db.Manifest(ctx, name, s)
		},
	}
	return k.build(c, env.Defaults())
}
