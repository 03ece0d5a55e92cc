package connectors

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/northstar-dev/northstar"
)

// Env is what the command line hands a connector's New: shared services a
// connector may use. Zero fields get sensible defaults from Defaults.
type Env struct {
	// Logger is the connector's logger (already carrying connector=NAME).
	Logger *slog.Logger
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// Transport, when set, is the base RoundTripper for upstream HTTP calls
	// (tests use it to count calls); connectors wrap it with retries.
	Transport http.RoundTripper
	// Manifest returns the files already loaded for a stream (file
	// connectors skip an unchanged file). Nil means none were loaded.
	Manifest func(ctx context.Context, s northstar.Stream) (map[string]northstar.FileMark, error)
	// Full is true for `sync --full`: ignore cursors and manifests, re-read
	// everything (the load stays idempotent).
	Full bool
	// Observer, when set, is told about upstream calls for metrics.
	Observer Observer
}

// Observer receives upstream call events (for Prometheus metrics).
type Observer interface {
	// UpstreamCall records one HTTP call: its status code (0 on transport
	// error) and whether it was a retry.
	UpstreamCall(connector string, status int, retry bool)
	// QuotaRemaining records the API quota left, as a fraction 0..1.
	QuotaRemaining(connector string, fraction float64)
}

// Defaults returns e with nil fields filled in.
func (e Env) Defaults() Env {
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
	if e.Now == nil {
		e.Now = func() time.Time { return time.Now().UTC() }
	}
	if e.Transport == nil {
		e.Transport = http.DefaultTransport
	}
	return e
}
