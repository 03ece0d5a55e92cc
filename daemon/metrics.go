package daemon

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/pipeline"
)

// Skip reasons of northstar_sync_skipped_total.
const (
	skipOverlap   = "overlap"    // a run of the connector is in flight in this process
	skipBusy      = "busy"       // the advisory lock is held by another replica
	skipSlotTaken = "slot_taken" // another replica claimed this scheduled slot
	skipStopping  = "stopping"   // the daemon is shutting down
)

// metrics holds the daemon's Prometheus collectors, all registered on the
// daemon's own registry (never the global default one).
type metrics struct {
	reg *prometheus.Registry

	runs        *prometheus.CounterVec
	runDuration *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	skipped     *prometheus.CounterVec
	panics      *prometheus.CounterVec
	read        *prometheus.CounterVec
	loaded      *prometheus.CounterVec
	deleted     *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	upstream    *prometheus.CounterVec
	retries     *prometheus.CounterVec
	quota       *prometheus.GaugeVec
	refreshes   *prometheus.CounterVec
	refreshTime prometheus.Histogram
	reloadOK    prometheus.Gauge
	reloadTime  prometheus.Gauge
	reloads     *prometheus.CounterVec
	webhooks    *prometheus.CounterVec
	inflight    *prometheus.GaugeVec
}

// newMetrics registers the daemon's collectors; nextRuns is asked for the
// schedule's next activation times at each scrape.
func newMetrics(nextRuns func() map[string]time.Time) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_sync_runs_total",
		Help: "Sync runs finished, by connector and final status (succeeded, partial, failed).",
	}, []string{"connector", "status"})
	m.runDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "northstar_sync_run_duration_seconds",
		Help:    "Wall time of finished sync runs.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400},
	}, []string{"connector"})
	m.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "northstar_sync_last_success_timestamp_seconds",
		Help: "Unix time at which the connector's last succeeded run finished (in this process).",
	}, []string{"connector"})
	m.skipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_sync_skipped_total",
		Help: "Scheduled or requested syncs not started: overlap (a run is in flight here), busy (lock held by another replica), slot_taken (another replica runs this slot), stopping.",
	}, []string{"connector", "reason"})
	m.panics = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_job_panics_total",
		Help: "Panics recovered in scheduled or requested jobs (the run is marked failed).",
	}, []string{"job"})
	m.read = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_records_read_total",
		Help: "Records read from upstream systems.",
	}, []string{"connector", "stream"})
	m.loaded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_records_loaded_total",
		Help: "Records merged into the warehouse (inserted, updated or unchanged).",
	}, []string{"connector", "stream"})
	m.deleted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_records_deleted_total",
		Help: "Records tombstoned in the warehouse because they were deleted upstream.",
	}, []string{"connector", "stream"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_records_rejected_total",
		Help: "Records quarantined in ops.rejected_records.",
	}, []string{"connector", "stream"})
	m.upstream = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_upstream_requests_total",
		Help: "HTTP calls to upstream systems, by HTTP status code (0 = transport error).",
	}, []string{"connector", "code"})
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_upstream_retries_total",
		Help: "Upstream HTTP calls that were retries of an earlier attempt.",
	}, []string{"connector"})
	m.quota = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "northstar_upstream_quota_remaining_ratio",
		Help: "Fraction (0..1) of the upstream API quota left, as last reported by the upstream.",
	}, []string{"connector"})
	m.refreshes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_metrics_refreshes_total",
		Help: "Metric refreshes finished, by result (succeeded, failed).",
	}, []string{"result"})
	m.refreshTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "northstar_metrics_refresh_duration_seconds",
		Help:    "Wall time of metric refreshes.",
		Buckets: []float64{0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
	})
	m.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "northstar_config_last_reload_successful",
		Help: "Whether the last configuration reload attempt succeeded (1) or was refused (0).",
	})
	m.reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "northstar_config_last_reload_success_timestamp_seconds",
		Help: "Unix time of the last successful configuration load (start or reload).",
	})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_config_reloads_total",
		Help: "Configuration reload attempts, by result (succeeded, failed).",
	}, []string{"result"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "northstar_alert_webhooks_total",
		Help: "Alert webhook deliveries for failed or partial runs, by result (sent, failed).",
	}, []string{"connector", "result"})
	m.inflight = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "northstar_sync_in_flight",
		Help: "Sync runs in flight in this process.",
	}, []string{"connector"})
	m.reg.MustRegister(m.runs, m.runDuration, m.lastSuccess, m.skipped, m.panics, m.read, m.loaded,
		m.deleted, m.rejected, m.upstream, m.retries, m.quota, m.refreshes, m.refreshTime,
		m.reloadOK, m.reloadTime, m.reloads, m.webhooks, m.inflight, nextRunCollector{nextRuns},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// run records a finished run.
func (m *metrics) run(res pipeline.Result, now time.Time) {
	m.runs.WithLabelValues(res.Connector, res.Status).Inc()
	m.runDuration.WithLabelValues(res.Connector).Observe(res.Duration.Seconds())
	if res.Status == "succeeded" {
		m.lastSuccess.WithLabelValues(res.Connector).Set(float64(now.Unix()))
	}
}

// page records one stored page.
func (m *metrics) page(ev pipeline.PageEvent) {
	c, s := ev.Connector, string(ev.Stream)
	m.read.WithLabelValues(c, s).Add(float64(ev.Page.Read))
	m.loaded.WithLabelValues(c, s).Add(float64(ev.Page.Inserted + ev.Page.Updated + ev.Page.Unchanged))
	m.deleted.WithLabelValues(c, s).Add(float64(ev.Page.Deleted))
	m.rejected.WithLabelValues(c, s).Add(float64(ev.Page.Rejected))
}

var nextRunDesc = prometheus.NewDesc("northstar_schedule_next_run_timestamp_seconds",
	"Unix time of the next scheduled activation of each job (sync:CONNECTOR, or refresh).", []string{"job"}, nil)

// nextRunCollector exports the scheduler's next activation times, read at
// scrape time so they are never stale.
type nextRunCollector struct{ next func() map[string]time.Time }

// Describe sends the collector's single descriptor.
func (c nextRunCollector) Describe(ch chan<- *prometheus.Desc) { ch <- nextRunDesc }

// Collect sends one gauge per scheduled job.
func (c nextRunCollector) Collect(ch chan<- prometheus.Metric) {
	for job, t := range c.next() {
		if !t.IsZero() {
			ch <- prometheus.MustNewConstMetric(nextRunDesc, prometheus.GaugeValue, float64(t.Unix()), job)
		}
	}
}

// observer implements connectors.Observer with the daemon's metrics.
type observer struct{ m *metrics }

var _ connectors.Observer = observer{}

// UpstreamCall counts one upstream HTTP call and, if it was one, a retry.
func (o observer) UpstreamCall(connector string, status int, retry bool) {
	o.m.upstream.WithLabelValues(connector, strconv.Itoa(status)).Inc()
	if retry {
		o.m.retries.WithLabelValues(connector).Inc()
	}
}

// QuotaRemaining sets the connector's quota gauge.
func (o observer) QuotaRemaining(connector string, fraction float64) {
	o.m.quota.WithLabelValues(connector).Set(fraction)
}
