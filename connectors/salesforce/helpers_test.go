package salesforce

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

const (
	testClientID     = "3MVG9-test-consumer-key"
	testClientSecret = "S3CR3T-client-secret-value"
	testUser         = "integration@northstar.example"
	testPassword     = "Pa55word-very-secret"
	testSecToken     = "TOKEN-sec-xyz123"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func rsaKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// clock is a settable clock shared by emulator and connector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	e       *Emulator
	url     string
	keyFile string
	clock   *clock
}

func newFixture(t testing.TB, mods ...func(*EmulatorOptions)) *fixture {
	t.Helper()
	k := rsaKey(t)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	o := EmulatorOptions{
		ClientID: testClientID, ClientSecret: testClientSecret,
		Username: testUser, Password: testPassword, SecurityToken: testSecToken,
		PublicKey: &k.PublicKey, Now: clk.Now,
	}
	for _, m := range mods {
		m(&o)
	}
	e := NewEmulator(o)
	u := e.Start()
	t.Cleanup(e.Close)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "sf.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	if err := os.WriteFile(keyFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, url: u, keyFile: keyFile, clock: clk}
}

func (f *fixture) options(auth string) Options {
	o := Options{LoginURL: f.url, Auth: auth, ClientID: testClientID, PageSize: 2000}
	switch auth {
	case AuthJWT:
		o.Username, o.PrivateKeyFile = testUser, f.keyFile
	case AuthClientCredentials:
		o.ClientSecret = testClientSecret
	case AuthPassword:
		o.ClientSecret, o.Username, o.Password, o.SecurityToken = testClientSecret, testUser, testPassword, testSecToken
	case AuthAccessToken:
		o.LoginURL, o.InstanceURL, o.AccessToken = "", f.url, f.e.IssueToken()
	}
	return o
}

// source builds a Source with fast retry waits for tests.
func (f *fixture) source(t testing.TB, o Options, env connectors.Env, streams ...StreamConfig) *Source {
	t.Helper()
	if env.Now == nil {
		env.Now = f.clock.Now
	}
	if len(streams) == 0 {
		streams = []StreamConfig{{Stream: northstar.StreamCustomers}}
	}
	s, err := NewSource("crm", o, streams, env)
	if err != nil {
		t.Fatal(err)
	}
	s.c.http.RetryWaitMin, s.c.http.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	s.pollMin, s.pollMax = time.Millisecond, 5*time.Millisecond
	return s
}

// sink applies pages in order like the sync engine: upserts keyed by
// source id, tombstones remove the live row, the cursor advances per page.
type sink struct {
	cursor  northstar.Cursor
	live    map[string]northstar.Record
	tombs   map[string]string // id → delete kind
	pages   int
	records int
	// failAfter makes emit fail after that many pages (a killed run).
	failAfter int
	// seen and dups count live records emitted more than once in one run.
	seen map[string]bool
	dups int
}

var errKilled = fmt.Errorf("killed")

func newSink() *sink {
	return &sink{live: map[string]northstar.Record{}, tombs: map[string]string{}}
}

func (k *sink) emit(_ context.Context, b northstar.Batch) error {
	if k.failAfter > 0 && k.pages >= k.failAfter {
		return errKilled
	}
	k.pages++
	for _, r := range b.Records {
		k.records++
		if r.Deleted {
			delete(k.live, r.SourceID)
			k.tombs[r.SourceID] = r.DeleteKind
			continue
		}
		delete(k.tombs, r.SourceID)
		k.live[r.SourceID] = r
		if k.seen[r.SourceID] {
			k.dups++
		}
		k.seen[r.SourceID] = true
	}
	if !b.Cursor.IsZero() {
		if k.cursor.After(b.Cursor) {
			return fmt.Errorf("cursor moved back from %v to %v", k.cursor, b.Cursor)
		}
		k.cursor = b.Cursor
	}
	return nil
}

func (k *sink) run(ctx context.Context, s *Source, st northstar.Stream) error {
	k.seen, k.dups = map[string]bool{}, 0
	return s.Extract(ctx, st, k.cursor, k.emit)
}

// sameAs fails unless the sink's live set equals the emulator's live ids.
func (k *sink) sameAs(t testing.TB, e *Emulator, object string) {
	t.Helper()
	want := e.IDs(object, false)
	if len(want) != len(k.live) {
		t.Fatalf("live records: got %d, want %d", len(k.live), len(want))
	}
	for _, id := range want {
		if _, ok := k.live[id]; !ok {
			t.Fatalf("record %s missing", id)
		}
	}
}

func loadAccounts(t testing.TB, e *Emulator, n int, stamp time.Time) []string {
	t.Helper()
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{
			"Name": fmt.Sprintf("Account %05d", i), "Website": fmt.Sprintf("https://acct%d.example", i),
			"BillingCountry": "DE", "Industry": "Manufacturing", "Type": "Customer", "CurrencyIsoCode": "EUR",
			"SystemModstamp": stamp.Add(-time.Duration(i%97) * time.Minute), "CreatedDate": stamp.Add(-100 * time.Minute),
		}
	}
	ids, err := e.Load("Account", recs)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// countingObserver counts upstream calls.
type countingObserver struct {
	mu      sync.Mutex
	calls   int
	retries int
	status  map[int]int
	quota   float64
}

func (o *countingObserver) UpstreamCall(_ string, status int, retry bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.status == nil {
		o.status = map[int]int{}
	}
	o.calls++
	o.status[status]++
	if retry {
		o.retries++
	}
}

func (o *countingObserver) QuotaRemaining(_ string, f float64) {
	o.mu.Lock()
	o.quota = f
	o.mu.Unlock()
}

var _ connectors.Observer = (*countingObserver)(nil)

// countingTransport counts requests reaching the network.
type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func debugLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}
