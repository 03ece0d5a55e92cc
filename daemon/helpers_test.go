package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/warehouse"
)

const testToken = "test-token-0123456789"

// fakeSyncer takes the real advisory lock and records the run through
// warehouse.StartRun/Finish, like pipeline.Engine; body decides what the
// run does in between (it may block, fail or panic).
type fakeSyncer struct {
	db    *warehouse.DB
	mu    sync.Mutex
	calls int
	body  func(ctx context.Context, call int, name string) (status string, err error)
}

func (f *fakeSyncer) Sync(ctx context.Context, _ *config.Config, name, trigger string) (pipeline.Result, error) {
	start := time.Now()
	run, err := f.db.StartRun(ctx, name, warehouse.RunOptions{Trigger: trigger})
	if err != nil {
		return pipeline.Result{Connector: name, Status: statusFailed, Err: err}, err
	}
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	status, runErr := statusSucceeded, error(nil)
	if f.body != nil {
		status, runErr = f.body(ctx, n, name)
	}
	if err := run.Finish(status, runErr); err != nil {
		return pipeline.Result{Connector: name, Status: statusFailed, Err: err}, err
	}
	return pipeline.Result{RunID: run.ID, Connector: name, Status: status, Err: runErr, Duration: time.Since(start)}, nil
}

func (f *fakeSyncer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// testConfig returns a configuration with the given connectors.
func testConfig(conns ...config.Connector) *config.Config {
	return &config.Config{
		Path:       "/etc/northstar/northstar.yaml",
		Server:     config.Server{Listen: "127.0.0.1:0", Token: testToken, ShutdownTimeout: 10 * time.Second},
		Connectors: conns,
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(t *testing.T, w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// served is a daemon running on a loopback listener.
type served struct {
	d    *Daemon
	base string
	stop func() error
}

func serve(t *testing.T, d *Daemon) *served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.Serve(ctx, ln) }()
	var (
		once sync.Once
		res  error
	)
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case res = <-errc:
			case <-time.After(30 * time.Second):
				res = errors.New("Serve did not return within 30s")
			}
		})
		return res
	}
	t.Cleanup(func() { _ = stop() })
	return &served{d: d, base: "http://" + ln.Addr().String(), stop: stop}
}

// do sends a request with an optional Authorization header value.
func do(t *testing.T, method, url, auth string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openReplica opens a second connection pool on the same warehouse, as
// another daemon process would.
func openReplica(t *testing.T, dsn string) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// scrape returns the /metrics exposition.
func scrape(t *testing.T, base string) string {
	t.Helper()
	code, _, body := do(t, "GET", base+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	return body
}

// grep returns the lines of s containing any of subs.
func grep(s string, subs ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(l, sub) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// getJSON GETs an authenticated API URL into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	code, _, body := do(t, "GET", url, "Bearer "+testToken)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

// newTestServer serves h on loopback and returns its URL.
func newTestServer(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// nopDB is a pool that is never used (New does no I/O).
func nopDB() *sqlx.DB {
	db, err := sqlx.Open("postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	if err != nil {
		panic(err)
	}
	return db
}

func warehouseOptions() warehouse.RunOptions { return warehouse.RunOptions{Trigger: "manual"} }
