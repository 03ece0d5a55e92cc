package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/daemon"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/warehouse"
)

// Example shows how cmd/northstar wires `northstar run`. The Syncer builds
// the connector's source from the configuration it is handed, so a reload
// takes effect at the next run.
func Example() {
	var (
		ctx   = context.Background()
		path  = "/etc/northstar/northstar.yaml"
		kinds map[string]config.Kind // the connector kinds, as in cmd
		log   = slog.New(slog.NewJSONHandler(os.Stderr, nil))
		wdb   *warehouse.DB // warehouse.Open + Migrate
		// engine returns a pipeline.Engine (transformer from cfg.FX, …);
		// build returns a connector's Source with env.Observer set.
		engine func(cfg *config.Config) (*pipeline.Engine, error)
		build  func(c *config.Connector, env connectors.Env) (northstar.Source, error)
	)
	cfg, err := config.Load(path, kinds)
	if err != nil {
		log.Error("config", "err", err)
		return
	}
	var d *daemon.Daemon
	syncer := daemon.SyncFunc(func(ctx context.Context, cfg *config.Config, name, trigger string) (pipeline.Result, error) {
		fail := func(err error) (pipeline.Result, error) {
			return pipeline.Result{Connector: name, Status: warehouse.StatusFailed, Err: err}, err
		}
		for i := range cfg.Connectors {
			c := &cfg.Connectors[i]
			if c.Name != name {
				continue
			}
			eng, err := engine(cfg)
			if err != nil {
				return fail(err)
			}
			eng.OnPage = d.OnPage // records read/loaded/rejected in /metrics
			src, err := build(c, connectors.Env{Logger: log.With("connector", name), Observer: d.Observer()})
			if err != nil {
				return fail(err)
			}
			return eng.Sync(ctx, name, src, pipeline.Options{Trigger: trigger})
		}
		return fail(fmt.Errorf("no connector %s", name))
	})
	d, err = daemon.New(cfg, daemon.Deps{
		DB:     wdb.DB,
		Syncer: syncer,
		Reload: func() (*config.Config, error) { return config.Load(path, kinds) },
		Ready: func(ctx context.Context) error {
			_, pending, err := wdb.MigrationStatus(ctx)
			if err == nil && pending > 0 {
				err = errors.New("migrations pending")
			}
			return err
		},
		Logger: log,
	})
	if err != nil {
		log.Error("daemon", "err", err)
		return
	}
	// SIGINT/SIGTERM stop it (exit 0 after a clean stop), SIGHUP reloads.
	if err := d.RunSignals(ctx); err != nil {
		log.Error("daemon", "err", err)
		os.Exit(1)
	}
}
