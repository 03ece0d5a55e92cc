package daemon

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// RunSignals reloads on a real SIGHUP and stops with exit status nil on a
// real SIGTERM.
func TestRunSignals(t *testing.T) {
	db, _ := whtest.New(t)
	cfg := testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "@hourly"})
	reloaded := make(chan struct{}, 1)
	d, err := New(cfg, Deps{DB: db.DB, Syncer: &fakeSyncer{db: db}, Logger: testLogger(t, nil),
		Reload: func() (*config.Config, error) {
			select {
			case reloaded <- struct{}{}:
			default:
			}
			return cfg, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- d.RunSignals(context.Background()) }()
	// Serve sets Addr after the handlers are registered: only then is it
	// safe to signal ourselves.
	waitFor(t, 10*time.Second, "the daemon to listen", func() bool { return d.Addr() != nil })
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reloaded:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not reload")
	}
	waitFor(t, 5*time.Second, "the reload to be counted", func() bool {
		return testutil.ToFloat64(d.m.reloads.WithLabelValues("succeeded")) == 1
	})
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("RunSignals after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("SIGTERM did not stop the daemon")
	}
}
