package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/warehouse"
)

type syncOpts struct {
	full      bool
	noMetrics bool
}

func syncFlags(fs *flag.FlagSet, a *app) {
	o := &syncOpts{}
	fs.BoolVar(&o.full, "full", false, "ignore cursors and file manifests: re-read everything (idempotent) and infer deletes")
	fs.BoolVar(&o.noMetrics, "no-metrics", false, "do not refresh metrics after a successful sync that changed data")
	a.sync = o
}

func runSync(ctx context.Context, a *app, fs *flag.FlagSet) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	selected, err := selectConnectors(a.cfg, fs.Args())
	if err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	results, err := a.syncAll(ctx, selected, pipeline.Options{Full: a.sync.full, Trigger: "manual"})
	if err != nil {
		return err
	}
	printResults(a.stdout, results)
	changed := false
	for _, r := range results {
		if r.Status != warehouse.StatusSucceeded {
			return errFailedRuns
		}
		changed = changed || r.Total.Inserted+r.Total.Updated+r.Total.Deleted+r.Repriced > 0
	}
	if changed && !a.sync.noMetrics {
		// Metrics follow every successful sync that changed data.
		sum, err := a.refreshMetrics(ctx, a.cfg, time.Time{})
		if err != nil {
			return fmt.Errorf("sync succeeded, metric refresh failed: %w", err)
		}
		fmt.Fprintf(a.stdout, "metrics refreshed as of %s (%d values) in %s\n", sum.AsOf.Format("2006-01-02"), sum.Values, sum.Duration.Round(time.Millisecond))
	}
	return nil
}

func selectConnectors(cfg *config.Config, names []string) ([]*config.Connector, error) {
	if len(names) == 0 {
		out := make([]*config.Connector, len(cfg.Connectors))
		for i := range cfg.Connectors {
			out[i] = &cfg.Connectors[i]
		}
		return out, nil
	}
	var out []*config.Connector
	for _, n := range names {
		found := false
		for i := range cfg.Connectors {
			if cfg.Connectors[i].Name == n {
				out = append(out, &cfg.Connectors[i])
				found = true
			}
		}
		if !found {
			var known []string
			for _, c := range cfg.Connectors {
				known = append(known, c.Name)
			}
			return nil, fmt.Errorf("%w: no connector named %q in %s (have: %s)", errUsage, n, cfg.Path, strings.Join(known, ", "))
		}
	}
	return out, nil
}

// syncAll runs the connectors one after another with a progress display.
func (a *app) syncAll(ctx context.Context, conns []*config.Connector, opt pipeline.Options) ([]pipeline.Result, error) {
	eng, err := a.engine(a.cfg)
	if err != nil {
		return nil, err
	}
	prog := newProgress(a.stderr, isTerminal(a.stderr))
	eng.OnPage = prog.page
	var results []pipeline.Result
	for _, c := range conns {
		src, err := a.source(c, opt.Full, nil)
		if err != nil {
			return nil, err
		}
		res, err := eng.Sync(ctx, c.Name, src, opt)
		if cl, ok := src.(io.Closer); ok {
			_ = cl.Close()
		}
		prog.done()
		if err != nil {
			res.Connector, res.Status, res.Err = c.Name, warehouse.StatusFailed, err
		}
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	return results, nil
}

func printResults(w io.Writer, results []pipeline.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "connector\tstream\tread\tinserted\tupdated\tunchanged\tdeleted\trejected\t")
	for _, r := range results {
		for _, s := range sortedCountKeys(r) {
			c := r.Counts[s]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Connector, s, c.Read, c.Inserted, c.Updated, c.Unchanged, c.Deleted, c.Rejected)
		}
	}
	tw.Flush()
	for _, r := range results {
		line := fmt.Sprintf("%s: run %d %s in %s", r.Connector, r.RunID, r.Status, r.Duration.Round(time.Millisecond))
		if r.Repriced > 0 {
			line += fmt.Sprintf(" (%d facts re-priced at new FX rates)", r.Repriced)
		}
		if r.Err != nil {
			line += ": " + r.Err.Error()
		}
		fmt.Fprintln(w, line)
	}
}

// progress draws one live line per stream on a terminal; elsewhere the
// pipeline's log lines are the progress.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	start time.Time
	last  time.Time
	key   string
}

func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, tty: tty} }

func (p *progress) page(ev pipeline.PageEvent) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := ev.Connector + "/" + string(ev.Stream)
	now := time.Now()
	if key != p.key {
		if p.key != "" {
			fmt.Fprintln(p.w)
		}
		p.key, p.start = key, now
	} else if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(ev.Sofar.Read) / max(now.Sub(p.start).Seconds(), 0.001)
	line := fmt.Sprintf("%-28s %10d read %6d pages %9.0f rec/s %6d rejected", key, ev.Sofar.Read, ev.Sofar.Pages, rate, ev.Sofar.Rejected)
	if ev.Total > 0 && rate > 0 {
		left := float64(ev.Total-ev.Sofar.Read) / rate
		line += fmt.Sprintf("  %3.0f%% ETA %s", 100*float64(ev.Sofar.Read)/float64(ev.Total), (time.Duration(left) * time.Second).Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.key != "" {
		fmt.Fprintln(p.w)
	}
	p.key = ""
}
