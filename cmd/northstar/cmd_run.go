package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/daemon"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/report"
	"github.com/northstar-dev/northstar/warehouse"
)

// runDaemon is `northstar run`: scheduled syncs and metric refreshes, the
// HTTP API, clean stop on SIGINT/SIGTERM, reload on SIGHUP.
func runDaemon(ctx context.Context, a *app, _ *flag.FlagSet) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	return a.serve(ctx, nil)
}

// serve runs the daemon on the loaded configuration and open warehouse
// until ctx ends or SIGINT/SIGTERM; started, when set, is told the
// daemon's address once it listens.
func (a *app) serve(ctx context.Context, started func(addr string)) error {
	var d *daemon.Daemon
	syncer := daemon.SyncFunc(func(ctx context.Context, cfg *config.Config, name, trigger string) (pipeline.Result, error) {
		fail := func(err error) (pipeline.Result, error) {
			return pipeline.Result{Connector: name, Status: warehouse.StatusFailed, Err: err}, err
		}
		c := findConnector(cfg, name)
		if c == nil {
			return fail(fmt.Errorf("no connector %s", name))
		}
		eng, err := a.engine(cfg)
		if err != nil {
			return fail(err)
		}
		eng.OnPage = d.OnPage
		src, err := a.source(c, false, d.Observer())
		if err != nil {
			return fail(err)
		}
		if cl, ok := src.(io.Closer); ok {
			defer cl.Close()
		}
		return eng.Sync(ctx, name, src, pipeline.Options{Trigger: trigger})
	})
	deps := daemon.Deps{
		DB:     a.db.DB,
		Syncer: syncer,
		Reload: func() (*config.Config, error) { return config.Load(a.configPath, configKinds()) },
		Ready: func(ctx context.Context) error {
			_, pending, err := a.db.MigrationStatus(ctx)
			if err == nil && pending > 0 {
				err = fmt.Errorf("%d migrations pending", pending)
			}
			return err
		},
		Report: report.Handler(func(ctx context.Context) (*report.Data, error) {
			return report.Build(ctx, a.db.DB, report.Options{Currency: d.Config().Warehouse.ReportingCurrency, Flow: d.Config().Metrics.Flow.Stages})
		}),
		Logger: a.log,
	}
	a.wireMetrics(&deps)
	var err error
	d, err = daemon.New(a.cfg, deps)
	if err != nil {
		return err
	}
	a.log.Info("northstar daemon starting", "listen", a.cfg.Server.Listen, "connectors", len(a.cfg.Connectors))
	if started != nil {
		started(a.cfg.Server.Listen)
	}
	if err := d.RunSignals(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.log.Info("northstar daemon stopped")
	return nil
}

func findConnector(cfg *config.Config, name string) *config.Connector {
	for i := range cfg.Connectors {
		if cfg.Connectors[i].Name == name {
			return &cfg.Connectors[i]
		}
	}
	return nil
}
