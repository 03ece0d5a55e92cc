package salesforce

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// Source extracts the configured streams of one Salesforce org.
type Source struct {
	name    string
	opts    Options
	streams []StreamConfig
	env     connectors.Env
	log     *slog.Logger
	c       *client

	// pollMin and pollMax bound the Bulk 2.0 job status polling interval.
	pollMin, pollMax time.Duration
	// bulkPageSize is maxRecords of a Bulk 2.0 result page.
	bulkPageSize int
}

var (
	_ northstar.Source     = (*Source)(nil)
	_ northstar.FullSyncer = (*Source)(nil)
	_ northstar.Checker    = (*Source)(nil)
)

// New builds a Source from a validated connector configuration. It reads
// the JWT private key file but never dials.
func New(c *config.Connector, env connectors.Env) (*Source, error) {
	opts, streams, errs := decode(c)
	if len(errs) > 0 {
		return nil, fmt.Errorf("salesforce: %w", config.Errors(errs))
	}
	return NewSource(c.Name, opts, streams, env)
}

// NewSource builds a Source from options given in code (tests, the demo).
// Zero options get the documented defaults.
func NewSource(name string, opts Options, streams []StreamConfig, env connectors.Env) (*Source, error) {
	opts.defaults()
	var msgs []string
	for _, p := range opts.check() {
		msgs = append(msgs, p.key+": "+p.msg)
	}
	if opts.Auth == "" {
		msgs = append(msgs, "auth: required")
	}
	seen := map[northstar.Stream]bool{}
	for i := range streams {
		sc := &streams[i]
		if seen[sc.Stream] {
			msgs = append(msgs, fmt.Sprintf("streams.%s: configured twice", sc.Stream))
		}
		seen[sc.Stream] = true
		if sc.Stream == northstar.StreamFXRates {
			msgs = append(msgs, "streams.fx_rates: not supported by salesforce (load daily FX rates through a file or sql connector)")
			continue
		}
		for _, p := range sc.Options.check(sc.Stream) {
			msgs = append(msgs, fmt.Sprintf("streams.%s.%s: %s", sc.Stream, p.key, p.msg))
		}
		if sc.Options.Object == "" {
			sc.Options.Object = defaultObject[sc.Stream]
			if sc.Options.Where == "" {
				sc.Options.Where = defaultWhere[sc.Options.Object]
			}
		}
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("salesforce: %s: %w", strings.Join(msgs, "; "), northstar.ErrInvalidConfig)
	}
	var key *rsa.PrivateKey
	if opts.Auth == AuthJWT {
		pem, err := os.ReadFile(opts.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("salesforce: private_key_file: %w: %w", err, northstar.ErrInvalidConfig)
		}
		if key, err = jwt.ParseRSAPrivateKeyFromPEM(pem); err != nil {
			return nil, fmt.Errorf("salesforce: private_key_file %s: not an RSA private key in PEM: %w", opts.PrivateKeyFile, northstar.ErrInvalidConfig)
		}
	}
	env = env.Defaults()
	log := env.Logger
	s := &Source{name: name, opts: opts, streams: streams, env: env, log: log,
		pollMin: time.Second, pollMax: 10 * time.Second, bulkPageSize: max(10000, opts.PageSize)}
	s.c = newClient(name, opts, key, env)
	return s, nil
}

// String names the source; it never prints options (secrets).
func (s *Source) String() string { return "salesforce connector " + s.name }

// Streams lists the configured streams in configuration order.
func (s *Source) Streams() []northstar.Stream {
	out := make([]northstar.Stream, len(s.streams))
	for i, sc := range s.streams {
		out[i] = sc.Stream
	}
	return out
}

func (s *Source) stream(st northstar.Stream) (StreamOptions, error) {
	for _, sc := range s.streams {
		if sc.Stream == st {
			return sc.Options, nil
		}
	}
	return StreamOptions{}, fmt.Errorf("salesforce: stream %s is not configured: %w", st, northstar.ErrUnknownStream)
}

// Check logs in and reads /limits.
func (s *Source) Check(ctx context.Context) error {
	var lim map[string]struct{ Max, Remaining int64 }
	if err := s.c.getJSON(ctx, "limits", nil, &lim); err != nil {
		return fmt.Errorf("salesforce: check: %w", err)
	}
	return nil
}

// cursorState is what a Salesforce stream keeps in Cursor.State.
type cursorState struct {
	// FormulaAt is when formula fields were last re-read in full.
	FormulaAt time.Time `json:"formula_refreshed_at,omitzero"`
}

// Extract reads one stream. See the package documentation for the order
// of work: describe, hard deletes, then query pages (or Bulk 2.0).
func (s *Source) Extract(ctx context.Context, st northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	so, err := s.stream(st)
	if err != nil {
		return err
	}
	s.c.resetUsage()
	p, err := s.plan(ctx, st, so)
	if err != nil {
		return err
	}
	log := s.log.With("stream", string(st), "object", p.object)
	now := s.env.Now().UTC()
	var state cursorState
	if len(since.State) > 0 {
		_ = json.Unmarshal(since.State, &state)
	}
	full := s.env.Full || since.ModifiedAt.IsZero()
	refresh := !full && p.formula && *s.opts.FormulaRefresh > 0 && now.Sub(state.FormulaAt) >= *s.opts.FormulaRefresh
	// A full read (first, --full or formula refresh) stamps its pages with
	// the refresh time from the start: a read interrupted half-way resumes
	// incrementally instead of starting over (which could never finish under
	// a tight quota); the unread rest gets fresh formula values at the next
	// refresh.
	if p.formula && (full || refresh) {
		state.FormulaAt = now
	}
	r := &reader{s: s, p: p, log: log, emit: emit, total: -1}
	r.state, _ = json.Marshal(state)
	if !p.formula {
		r.state = since.State // keep what we do not use
	}
	r.high = northstar.Cursor{ModifiedAt: since.ModifiedAt, ID: since.ID}
	r.floor = r.high

	if !since.ModifiedAt.IsZero() {
		if err := s.hardDeletes(ctx, p, log, since.ModifiedAt.Add(-s.opts.Overlap), now, emit); err != nil {
			return err
		}
	}
	switch {
	case full || refresh:
		log.Debug("salesforce: full read", "formula_refresh", refresh)
		err = r.readAll(ctx)
	default:
		err = r.readFrom(ctx, since.ModifiedAt.Add(-s.opts.Overlap))
	}
	if err != nil {
		return err
	}
	if r.holdCursor || (p.formula && refresh) {
		// Bulk pages left the cursor unchanged, and a refresh that found
		// nothing newer must still store its time.
		c := r.high
		c.State = r.state
		return emit(ctx, northstar.Batch{Stream: st, Cursor: c, Total: r.total})
	}
	return nil
}

// ListKeys lists the Ids of the stream's live records (the `where`
// condition applies), for inferring deletes after a full sync.
func (s *Source) ListKeys(ctx context.Context, st northstar.Stream, emit func(context.Context, []string) error) error {
	so, err := s.stream(st)
	if err != nil {
		return err
	}
	s.c.resetUsage()
	p, err := s.plan(ctx, st, so)
	if err != nil {
		return err
	}
	q := "SELECT Id FROM " + p.object
	if p.where != "" {
		q += " WHERE " + p.where
	}
	q += " ORDER BY Id ASC"
	path := "query?q=" + url.QueryEscape(q)
	for {
		var page queryPage
		if err := s.c.getJSON(ctx, path, s.queryHeader(), &page); err != nil {
			return fmt.Errorf("salesforce: list %s ids: %w", p.object, err)
		}
		keys := make([]string, 0, len(page.Records))
		for _, raw := range page.Records {
			var rec struct{ Id string }
			if json.Unmarshal(raw, &rec) == nil && rec.Id != "" {
				keys = append(keys, rec.Id)
			}
		}
		if len(keys) > 0 {
			if err := emit(ctx, keys); err != nil {
				return err
			}
		}
		if page.Done || page.NextRecordsURL == "" {
			return nil
		}
		path = page.NextRecordsURL
	}
}

func (s *Source) queryHeader() http.Header {
	return http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(s.opts.PageSize)}}
}

// hardDeletes emits tombstones for records deleted in [from, now] as the
// /deleted resource reports them (it covers only the last 15 days).
func (s *Source) hardDeletes(ctx context.Context, p *plan, log *slog.Logger, from, now time.Time, emit func(context.Context, northstar.Batch) error) error {
	if !p.replicateable {
		return nil
	}
	earliest := now.Add(-15*24*time.Hour + 5*time.Minute)
	if from.Before(earliest) {
		log.Warn("salesforce: deletes older than 15 days cannot be read; a full sync reconciles them",
			"since", from.Format(time.RFC3339))
		from = earliest
	}
	if !from.Before(now) {
		return nil
	}
	dels, err := s.deleted(ctx, p, from.Truncate(time.Second), now.Truncate(time.Second).Add(time.Second))
	if err != nil {
		return fmt.Errorf("salesforce: %s deleted records: %w", p.object, err)
	}
	if len(dels) > 0 {
		// /deleted also lists records still in the recycle bin; queryAll
		// reports those as soft deletes in this run (their SystemModstamp is
		// their deletion time, inside the window), so only the purged ones
		// are emitted here: each tombstone once, with its true kind.
		binned, err := s.recycleBin(ctx, p, from)
		if err != nil {
			return fmt.Errorf("salesforce: %s recycle bin: %w", p.object, err)
		}
		kept := dels[:0]
		for _, d := range dels {
			if !binned[d.SourceID] {
				kept = append(kept, d)
			}
		}
		dels = kept
	}
	for len(dels) > 0 {
		n := min(len(dels), s.opts.PageSize)
		if err := emit(ctx, northstar.Batch{Stream: p.stream, Records: dels[:n], Total: -1}); err != nil {
			return err
		}
		dels = dels[n:]
	}
	return nil
}

// recycleBin returns the Ids of soft-deleted records changed since from.
func (s *Source) recycleBin(ctx context.Context, p *plan, from time.Time) (map[string]bool, error) {
	q := "SELECT Id FROM " + p.object + " WHERE IsDeleted = true AND " + p.cursor + " >= " + soqlTime(from)
	out := map[string]bool{}
	path := "queryAll?q=" + url.QueryEscape(q)
	for {
		var page queryPage
		if err := s.c.getJSON(ctx, path, s.queryHeader(), &page); err != nil {
			return nil, err
		}
		for _, raw := range page.Records {
			var rec struct{ Id string }
			if json.Unmarshal(raw, &rec) == nil && rec.Id != "" {
				out[rec.Id] = true
			}
		}
		if page.Done || page.NextRecordsURL == "" {
			return out, nil
		}
		path = page.NextRecordsURL
	}
}

func (s *Source) deleted(ctx context.Context, p *plan, from, to time.Time) ([]northstar.Record, error) {
	q := url.Values{"start": {from.UTC().Format(time.RFC3339)}, "end": {to.UTC().Format(time.RFC3339)}}
	var ans struct {
		DeletedRecords []struct {
			ID          string `json:"id"`
			DeletedDate string `json:"deletedDate"`
		} `json:"deletedRecords"`
	}
	err := s.c.getJSON(ctx, "sobjects/"+p.object+"/deleted/?"+q.Encode(), nil, &ans)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == "EXCEEDED_ID_LIMIT" && to.Sub(from) > 2*time.Minute {
		mid := from.Add(to.Sub(from) / 2).Truncate(time.Second)
		a, err := s.deleted(ctx, p, from, mid)
		if err != nil {
			return nil, err
		}
		b, err := s.deleted(ctx, p, mid, to)
		return append(a, b...), err
	}
	if err != nil {
		return nil, err
	}
	out := make([]northstar.Record, 0, len(ans.DeletedRecords))
	for _, d := range ans.DeletedRecords {
		at, err := parseSFTime(d.DeletedDate)
		if err != nil || d.ID == "" {
			continue
		}
		payload, _ := json.Marshal(d)
		out = append(out, northstar.Record{
			SourceID: d.ID, ModifiedAt: at, Deleted: true, DeleteKind: "hard",
			Fields:  map[string]string{"source_id": d.ID, "deleted": "true", "modified_at": d.DeletedDate},
			Payload: payload, Origin: p.object + "/" + d.ID,
		})
	}
	return out, nil
}
