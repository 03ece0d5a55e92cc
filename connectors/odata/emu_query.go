package odata

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// table is an emulator entity set: rows in insertion order plus a key index.
type table struct {
	rows []entity
	pos  map[string]int
}

func newTable() *table { return &table{pos: map[string]int{}} }

// copies returns a copy of every row of t as a T (the emulator's stored
// entity type is *T); the caller holds the emulator's read lock.
func copies[T any](t *table) []T {
	out := make([]T, 0, len(t.rows))
	for _, x := range t.rows {
		out = append(out, *any(x).(*T))
	}
	return out
}

func (t *table) put(e entity) {
	if i, ok := t.pos[e.key()]; ok {
		t.rows[i] = e
		return
	}
	t.pos[e.key()] = len(t.rows)
	t.rows = append(t.rows, e)
}

func (t *table) get(k string) entity {
	if i, ok := t.pos[k]; ok {
		return t.rows[i]
	}
	return nil
}

func (t *table) del(k string) entity {
	i, ok := t.pos[k]
	if !ok {
		return nil
	}
	old := t.rows[i]
	last := len(t.rows) - 1
	t.rows[i] = t.rows[last]
	t.pos[t.rows[i].key()] = i
	t.rows[last] = nil
	t.rows = t.rows[:last]
	delete(t.pos, k)
	return old
}

// query is a parsed collection request.
type query struct {
	filter    *node
	order     []orderKey
	top       int // -1: absent
	skip      int
	skiptoken int
	sel       *selection
	count     bool
	after     *keysetToken // V4: keyset skiptoken
}

// keysetToken is a V4 emulator skiptoken: the ordering values and key of
// the last row served.
type keysetToken struct {
	Vals []val
	Key  string
}

func (t *keysetToken) encode() string {
	var b strings.Builder
	for _, v := range t.Vals {
		fmt.Fprintf(&b, "%d:%d:%s\x1f", v.k, v.n, v.s)
	}
	b.WriteString(t.Key)
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

func decodeKeyset(s string) (*keysetToken, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid $skiptoken")
	}
	parts := strings.Split(string(raw), "\x1f")
	t := &keysetToken{Key: parts[len(parts)-1]}
	for _, p := range parts[:len(parts)-1] {
		f := strings.SplitN(p, ":", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("invalid $skiptoken")
		}
		k, err1 := strconv.Atoi(f[0])
		n, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("invalid $skiptoken")
		}
		t.Vals = append(t.Vals, val{k: valKind(k), n: n, s: f[2]})
	}
	return t, nil
}

func parseQuery(q url.Values, v4 bool) (*query, error) {
	out := &query{top: -1}
	var err error
	if f := q.Get("$filter"); f != "" {
		if out.filter, err = parseFilter(f); err != nil {
			return nil, fmt.Errorf("invalid $filter: %w", err)
		}
	}
	if o := q.Get("$orderby"); o != "" {
		if out.order, err = parseOrderBy(o); err != nil {
			return nil, err
		}
	}
	ints := map[string]*int{"$top": &out.top, "$skip": &out.skip, "$skiptoken": &out.skiptoken}
	if v4 {
		delete(ints, "$skiptoken")
		if s := q.Get("$skiptoken"); s != "" {
			if out.after, err = decodeKeyset(s); err != nil {
				return nil, err
			}
		}
	}
	for name, dst := range ints {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid %s %q", name, s)
			}
			*dst = n
		}
	}
	out.sel = parseSelection(q.Get("$select"), q.Get("$expand"))
	if v4 {
		out.count = q.Get("$count") == "true"
	} else {
		switch q.Get("$inlinecount") {
		case "", "none":
		case "allpages":
			out.count = true
		default:
			return nil, fmt.Errorf("invalid $inlinecount %q", q.Get("$inlinecount"))
		}
	}
	return out, nil
}

// run filters and orders cands and cuts the page starting at the
// skiptoken: limit is the server page size. It returns the page, the
// number of matching rows, and the offset of the next page (-1: none).
func (q *query) run(cands []entity, limit int) ([]entity, int, int, error) {
	var acc accessor
	var matched []entity
	if q.filter == nil {
		matched = slices.Clone(cands)
	} else {
		for _, e := range cands {
			ok, err := q.filter.eval(func(f string) (val, bool) { return acc.get(e, f) })
			if err != nil {
				return nil, 0, -1, err
			}
			if ok {
				matched = append(matched, e)
			}
		}
	}
	// Sort on precomputed ordering values (one reflection pass per row).
	type sortRow struct {
		e    entity
		vals []val
		key  string
	}
	rows := make([]sortRow, len(matched))
	flat := make([]val, len(matched)*len(q.order))
	for i, e := range matched {
		vs := flat[i*len(q.order) : (i+1)*len(q.order)]
		for j, k := range q.order {
			v, ok := acc.get(e, k.field)
			if !ok {
				return nil, 0, -1, fmt.Errorf("property %s not found", k.field)
			}
			vs[j] = v
		}
		rows[i] = sortRow{e, vs, e.key()}
	}
	cmpRow := func(va []val, ka string, vb []val, kb string) int {
		for i, k := range q.order {
			if c, _ := cmpVal(va[i], vb[i]); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return strings.Compare(ka, kb)
	}
	slices.SortFunc(rows, func(a, b sortRow) int { return cmpRow(a.vals, a.key, b.vals, b.key) })
	for i := range rows {
		matched[i] = rows[i].e
	}
	total := len(matched)
	end := total
	if q.top >= 0 && q.skip+q.top < end {
		end = q.skip + q.top
	}
	start := q.skip + q.skiptoken
	if q.after != nil {
		// Keyset: the first row after the token, wherever rows moved since.
		start = sort.Search(len(rows), func(i int) bool {
			return cmpRow(rows[i].vals, rows[i].key, q.after.Vals, q.after.Key) > 0
		})
		if q.top >= 0 {
			end = min(total, start+q.top)
		}
	}
	if start > end {
		start = end
	}
	next := -1
	if end-start > limit {
		next = q.skiptoken + limit
		end = start + limit
	}
	return matched[start:end], total, next, nil
}

// vals returns e's ordering values.
func (q *query) vals(e entity) []val {
	out := make([]val, len(q.order))
	for i, k := range q.order {
		out[i], _ = fieldVal(e, k.field)
	}
	return out
}

// nextLink is the request URL with $skiptoken replaced.
func nextLink(base string, q url.Values, skiptoken int) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	q2.Set("$skiptoken", strconv.Itoa(skiptoken))
	return base + "?" + encodeQuery(q2)
}

// tokens is the emulators' OAuth2 client-credentials token endpoint.
type tokens struct {
	mu     sync.Mutex
	issued map[string]time.Time
	now    func() time.Time
}

func (t *tokens) issue(w http.ResponseWriter, r *http.Request, clientID, secret string, ttl time.Duration) {
	id, sec, ok := r.BasicAuth()
	if !ok {
		_ = r.ParseForm()
		id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		sec, _ = url.QueryUnescape(sec)
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.PostFormValue("grant_type") != "client_credentials" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"unsupported_grant_type","error_description":"grant_type must be client_credentials"}`))
		return
	}
	if id != clientID || sec != secret {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"Bad credentials"}`))
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	t.mu.Lock()
	if t.issued == nil {
		t.issued = map[string]time.Time{}
	}
	t.issued[tok] = t.now().Add(ttl)
	t.mu.Unlock()
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":%d}`, tok, int(ttl/time.Second))
}

func (t *tokens) valid(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.issued[tok]
	return ok && t.now().Before(exp)
}

// chaosCounter decides which requests misbehave: every n-th data request.
type chaosCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *chaosCounter) hit(kind string, every int) bool {
	if every <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[kind]++
	return c.n[kind]%every == 0
}

// writeBody writes b as JSON; truncate sends only its first half while
// announcing the full length, so the client sees the connection end early.
func writeBody(w http.ResponseWriter, b []byte, truncate bool) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if truncate {
		b = b[:len(b)/2]
	}
	_, _ = w.Write(b)
}
