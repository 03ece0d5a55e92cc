package main

import "github.com/northstar-dev/northstar/daemon"

// wireMetrics plugs metric refresh and KPIs into the daemon (none yet).
func (a *app) wireMetrics(deps *daemon.Deps) {}
