package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/northstar-dev/northstar/config"
)

// Rule labels stored in core.customer_sources.matched_by besides the
// configured rules (whose label is their fields joined by "+", e.g.
// "tax_id" or "name+country").
const (
	RuleOnly     = "only"     // the record is alone in its cluster
	RuleOverride = "override" // an ops.identity_overrides row decided
)

// DefaultRules are the identity rules used when the configuration gives none.
func DefaultRules() []config.IdentityRule {
	return []config.IdentityRule{
		{Match: []string{"external_id"}},
		{Match: []string{"tax_id"}},
		{Match: []string{"domain"}},
		{Match: []string{"name", "country"}, Fuzzy: 0.92},
	}
}

// Record is one source customer as the matcher sees it: the raw values
// of the matching fields; the matcher normalises them itself.
type Record struct {
	Source, SourceID string
	Name, Country    string
	TaxID            string
	// ExternalID is an explicit cross-reference to another system's id
	// (e.g. the SAP customer number on a Salesforce account). It matches
	// another record's SourceID or ExternalID; "source:id" restricts the
	// SourceID match to that source.
	ExternalID             string
	Domain, Website, Email string
}

// Key returns the record's (source, source_id).
func (r *Record) Key() SourceKey { return SourceKey{r.Source, r.SourceID} }

// SourceKey identifies one source customer.
type SourceKey struct {
	Source   string `json:"source"`
	SourceID string `json:"source_id"`
}

// String formats k as "source/source_id".
func (k SourceKey) String() string { return k.Source + "/" + k.SourceID }

// Pair is an override between two records, given as indexes into the
// records passed to Match. Link forces them together, otherwise they are
// kept apart (no rule may put them in one cluster).
type Pair struct {
	A, B int32
	Link bool
}

// Result is a clustering of the records passed to Match.
type Result struct {
	// Cluster holds for each record the smallest record index of its
	// cluster, so records i and j are one customer iff Cluster[i] == Cluster[j].
	Cluster []int32
	// Rule holds for each record the label of the rule that first linked
	// it to another record, RuleOnly when it is alone, RuleOverride when
	// an override linked it or keeps it apart.
	Rule []string
	// Score holds the match score of that link (1 for exact rules, the
	// Jaro-Winkler similarity for fuzzy ones).
	Score []float32
	// Clusters is the number of distinct clusters.
	Clusters int
}

// fuzzyWindow is how many neighbours each distinct name is compared with
// in each sort order of the sorted-neighbourhood blocking.
const fuzzyWindow = 6

// exactTries bounds how many earlier records with the same key a record
// tries to join when the first ones conflict.
const exactTries = 8

// Match clusters recs with rules (tried in order; a later rule never
// undoes an earlier link) and overrides (applied first; unlink pairs are
// never joined by any rule). Weaker rules refuse to join clusters whose
// stronger evidence disagrees: domain refuses different tax ids; name
// rules refuse different tax ids or different web domains. Memory and
// time are O(n log n); no pairwise comparison of all records happens.
func Match(recs []Record, rules []config.IdentityRule, overrides []Pair) (Result, error) {
	if len(rules) == 0 {
		rules = DefaultRules()
	}
	n := len(recs)
	m := newMatcher(recs)
	for _, p := range overrides {
		if p.A < 0 || p.B < 0 || int(p.A) >= n || int(p.B) >= n {
			return Result{}, fmt.Errorf("identity: override pair %d/%d out of range", p.A, p.B)
		}
		if !p.Link {
			m.forbid(p.A, p.B)
		}
	}
	m.labels = append(m.labels, RuleOverride)
	for _, p := range overrides {
		if p.Link {
			m.union(p.A, p.B, 1, 1, false, false, true)
		}
	}
	for _, r := range rules {
		if err := m.applyRule(r); err != nil {
			return Result{}, err
		}
	}
	return m.result(overrides), nil
}

type matcher struct {
	recs   []Record
	name   []string // NormalizeName
	cc     []string // upper-case country
	tax    []string // NormalizeTaxID
	dom    []string // domainOf
	parent []int32
	size   []int32
	taxRep []int32 // per root: a member whose tax id stands for the cluster, or -1
	domRep []int32 // per root: a member whose domain stands for the cluster, or -1
	label  []uint8 // per record: index+1 into labels of its first link
	score  []float32
	labels []string
	// cannot-link constraints (unlink overrides): per record the records
	// it must stay apart from, and per root its constrained members.
	forbidden map[int32][]int32
	cons      map[int32][]int32
}

func newMatcher(recs []Record) *matcher {
	n := len(recs)
	m := &matcher{
		recs: recs, name: make([]string, n), cc: make([]string, n), tax: make([]string, n), dom: make([]string, n),
		parent: make([]int32, n), size: make([]int32, n), taxRep: make([]int32, n), domRep: make([]int32, n),
		label: make([]uint8, n), score: make([]float32, n),
		forbidden: map[int32][]int32{}, cons: map[int32][]int32{},
	}
	for i := range recs {
		r := &recs[i]
		m.name[i] = NormalizeName(r.Name)
		m.cc[i] = strings.ToUpper(strings.TrimSpace(r.Country))
		m.tax[i] = NormalizeTaxID(r.TaxID, r.Country)
		m.dom[i] = domainOf(r.Domain, r.Website, r.Email)
		m.parent[i], m.size[i] = int32(i), 1
		m.taxRep[i], m.domRep[i] = -1, -1
		if m.tax[i] != "" {
			m.taxRep[i] = int32(i)
		}
		if m.dom[i] != "" {
			m.domRep[i] = int32(i)
		}
	}
	return m
}

func (m *matcher) find(x int32) int32 {
	for m.parent[x] != x {
		m.parent[x] = m.parent[m.parent[x]]
		x = m.parent[x]
	}
	return x
}

func (m *matcher) forbid(a, b int32) {
	m.forbidden[a] = append(m.forbidden[a], b)
	m.forbidden[b] = append(m.forbidden[b], a)
	for _, x := range [2]int32{a, b} {
		r := m.find(x)
		if !slices.Contains(m.cons[r], x) {
			m.cons[r] = append(m.cons[r], x)
		}
	}
}

// union joins the clusters of a and b unless a check refuses it; it
// reports whether a and b are together afterwards. label is an index+1
// into m.labels.
func (m *matcher) union(a, b int32, label uint8, score float32, checkTax, checkDom, force bool) bool {
	ra, rb := m.find(a), m.find(b)
	if ra == rb {
		return true
	}
	if !force {
		if checkTax && m.taxRep[ra] >= 0 && m.taxRep[rb] >= 0 && m.tax[m.taxRep[ra]] != m.tax[m.taxRep[rb]] {
			return false
		}
		if checkDom && m.domRep[ra] >= 0 && m.domRep[rb] >= 0 && m.dom[m.domRep[ra]] != m.dom[m.domRep[rb]] {
			return false
		}
	}
	if len(m.cons) > 0 && (m.apart(ra, rb) || m.apart(rb, ra)) {
		return false
	}
	if m.size[ra] < m.size[rb] {
		ra, rb = rb, ra
	}
	m.parent[rb] = ra
	m.size[ra] += m.size[rb]
	if m.taxRep[ra] < 0 {
		m.taxRep[ra] = m.taxRep[rb]
	}
	if m.domRep[ra] < 0 {
		m.domRep[ra] = m.domRep[rb]
	}
	if c, ok := m.cons[rb]; ok {
		m.cons[ra] = append(m.cons[ra], c...)
		delete(m.cons, rb)
	}
	for _, x := range [2]int32{a, b} {
		if m.label[x] == 0 {
			m.label[x], m.score[x] = label, score
		}
	}
	return true
}

// apart reports whether a constrained member of root ra must stay apart
// from a member of root rb.
func (m *matcher) apart(ra, rb int32) bool {
	for _, x := range m.cons[ra] {
		for _, y := range m.forbidden[x] {
			if m.find(y) == rb {
				return true
			}
		}
	}
	return false
}

var knownFields = map[string]bool{"external_id": true, "tax_id": true, "domain": true, "website": true, "email": true, "name": true, "country": true}

func (m *matcher) applyRule(r config.IdentityRule) error {
	if len(r.Match) == 0 {
		return errors.New("identity: rule without match fields")
	}
	for _, f := range r.Match {
		if !knownFields[f] {
			return fmt.Errorf("identity: rule %v: unknown field %q", r.Match, f)
		}
	}
	if len(m.labels) >= 250 {
		return errors.New("identity: too many rules")
	}
	m.labels = append(m.labels, strings.Join(r.Match, "+"))
	label := uint8(len(m.labels))
	strength := 3 // name-like: check tax and domain
	switch {
	case slices.Contains(r.Match, "external_id"), slices.Contains(r.Match, "tax_id"):
		strength = 0
	case slices.Contains(r.Match, "domain"), slices.Contains(r.Match, "website"), slices.Contains(r.Match, "email"):
		strength = 1 // check tax only
	}
	checkTax, checkDom := strength >= 1, strength >= 3
	if r.Fuzzy > 0 {
		if !slices.Contains(r.Match, "name") {
			return fmt.Errorf("identity: rule %v: fuzzy needs the name field", r.Match)
		}
		m.fuzzy(r, label, checkTax, checkDom)
		return nil
	}
	if slices.Contains(r.Match, "external_id") {
		if len(r.Match) > 1 {
			return fmt.Errorf("identity: rule %v: external_id must stand alone", r.Match)
		}
		m.crossRef(label)
		return nil
	}
	m.exact(r.Match, nil, label, checkTax, checkDom)
	return nil
}

// field returns the normalised value of field f of record i.
func (m *matcher) field(i int, f string) string {
	switch f {
	case "name":
		return m.name[i]
	case "country":
		return m.cc[i]
	case "tax_id":
		return m.tax[i]
	case "domain":
		return m.dom[i]
	case "website":
		return NormalizeDomain(m.recs[i].Website)
	case "email":
		e := strings.ToLower(strings.TrimSpace(m.recs[i].Email))
		if NormalizeDomain(e) == "" {
			return ""
		}
		return e
	}
	return ""
}

// key joins the values of fields of record i; "" when one is missing.
func (m *matcher) key(i int, fields []string) string {
	if len(fields) == 1 {
		return m.field(i, fields[0])
	}
	var b strings.Builder
	for k, f := range fields {
		v := m.field(i, f)
		if v == "" {
			return ""
		}
		if k > 0 {
			b.WriteByte(0)
		}
		b.WriteString(v)
	}
	return b.String()
}

// exact joins records with equal keys. Each record tries the earlier
// records of its key (latest first) until a join is allowed. When leaders
// is not nil, it receives the first record of each distinct key.
func (m *matcher) exact(fields []string, leaders *[]int32, label uint8, checkTax, checkDom bool) {
	head := make(map[string]int32, len(m.recs)/2)
	next := make([]int32, len(m.recs))
	for i := range m.recs {
		k := m.key(i, fields)
		if k == "" {
			continue
		}
		j, ok := head[k]
		if !ok {
			j = -1
			if leaders != nil {
				*leaders = append(*leaders, int32(i))
			}
		}
		for t := 0; j >= 0 && t < exactTries; t++ {
			if m.union(int32(i), j, label, 1, checkTax, checkDom, false) {
				break
			}
			j = next[j]
		}
		next[i] = -1
		if ok {
			next[i] = head[k]
		}
		head[k] = int32(i)
	}
}

// crossRef joins a record whose external id names another record: equal
// external ids, or an external id equal to another source's source_id.
func (m *matcher) crossRef(label uint8) {
	bySourceID := make(map[string]int32, len(m.recs))
	next := make([]int32, len(m.recs))
	for i := range m.recs {
		id := m.recs[i].SourceID
		next[i] = -1
		if j, ok := bySourceID[id]; ok {
			next[i] = j
		}
		bySourceID[id] = int32(i)
	}
	byExt := make(map[string]int32)
	for i := range m.recs {
		r := &m.recs[i]
		ext := strings.TrimSpace(r.ExternalID)
		if ext == "" {
			continue
		}
		if j, ok := byExt[ext]; ok {
			m.union(int32(i), j, label, 1, false, false, false)
		} else {
			byExt[ext] = int32(i)
		}
		src, id := "", ext
		if k := strings.IndexByte(ext, ':'); k > 0 {
			src, id = ext[:k], ext[k+1:]
		}
		for j, ok := bySourceID[id]; ok && j >= 0; j = next[j] {
			o := &m.recs[j]
			if o.Source != r.Source && (src == "" || src == o.Source) {
				m.union(int32(i), j, label, 1, false, false, false)
			}
		}
		if src != "" {
			for j, ok := bySourceID[ext]; ok && j >= 0; j = next[j] {
				if m.recs[j].Source != r.Source {
					m.union(int32(i), j, label, 1, false, false, false)
				}
			}
		}
	}
}

// entry is one distinct (block, name) of the fuzzy rule.
type entry struct {
	block, name, sortKey string
	rep                  int32
}

// fuzzy joins records whose blocking fields (all but name) are equal and
// whose normalised names are similar. Equal names join first; then the
// distinct names of each block are sorted three ways (the name, the name
// reversed, its tokens sorted) and each is compared with its
// fuzzyWindow successors (sorted-neighbourhood blocking), so typos at the
// start, at the end and in the middle of a word all land next to their
// original. Word order counts: "Wagner & Neumann" and "Neumann & Wagner"
// are different partnerships.
func (m *matcher) fuzzy(r config.IdentityRule, label uint8, checkTax, checkDom bool) {
	var blockFields []string
	for _, f := range r.Match {
		if f != "name" {
			blockFields = append(blockFields, f)
		}
	}
	var leaders []int32
	m.exact(r.Match, &leaders, label, checkTax, checkDom)
	ents := make([]entry, 0, len(leaders))
	for _, i := range leaders {
		b := ""
		if len(blockFields) > 0 {
			b = m.key(int(i), blockFields)
		}
		ents = append(ents, entry{block: b, name: m.name[i], rep: i})
	}
	thr := r.Fuzzy
	for pass := 0; pass < 3; pass++ {
		for k := range ents {
			e := &ents[k]
			switch pass {
			case 0:
				e.sortKey = e.name
			case 1:
				e.sortKey = reverse(e.name)
			case 2:
				e.sortKey = sortedTokens(e.name)
			}
		}
		slices.SortFunc(ents, func(a, b entry) int {
			if c := strings.Compare(a.block, b.block); c != 0 {
				return c
			}
			if c := strings.Compare(a.sortKey, b.sortKey); c != 0 {
				return c
			}
			return int(a.rep - b.rep)
		})
		for i := range ents {
			a := &ents[i]
			for j := i + 1; j < len(ents) && j <= i+fuzzyWindow; j++ {
				b := &ents[j]
				if b.block != a.block {
					break
				}
				if m.find(a.rep) == m.find(b.rep) {
					continue
				}
				if !lengthsAllow(len(a.name), len(b.name), thr) {
					continue
				}
				s := JaroWinkler(a.name, b.name)
				if s >= thr && tokensAgree(a.name, b.name) {
					m.union(a.rep, b.rep, label, float32(s), checkTax, checkDom, false)
				}
			}
		}
	}
}

// lengthsAllow reports whether two strings of lengths la and lb can
// reach Jaro-Winkler similarity thr at all: at best every byte of the
// shorter one matches, with a full 4-byte prefix.
func lengthsAllow(la, lb int, thr float64) bool {
	if la > lb {
		la, lb = lb, la
	}
	if lb == 0 {
		return false
	}
	j := (2 + float64(la)/float64(lb)) / 3
	return j+0.4*(1-j) >= thr
}

// tokenFloor is the similarity each word of the shorter name needs with
// some word of the other name.
const tokenFloor = 0.85

// tokensAgree reports whether every word of the name with fewer words
// has a similar word in the other name. Jaro-Winkler on whole strings
// rewards a shared first word ("Miller & Green" / "Miller & O'Brien"
// score 0.92); this check refuses such pairs while keeping typos,
// truncations and swapped words.
func tokensAgree(a, b string) bool {
	ta, tb := strings.Fields(a), strings.Fields(b)
	if len(ta) > len(tb) {
		ta, tb = tb, ta
	}
	for _, x := range ta {
		best := 0.0
		for _, y := range tb {
			if best = max(best, JaroWinkler(x, y)); best >= tokenFloor {
				break
			}
		}
		if best < tokenFloor {
			return false
		}
	}
	return true
}

func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

func sortedTokens(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	t := strings.Fields(s)
	slices.Sort(t)
	return strings.Join(t, " ")
}

func (m *matcher) result(overrides []Pair) Result {
	n := len(m.recs)
	res := Result{Cluster: make([]int32, n), Rule: make([]string, n), Score: m.score}
	minOf := make(map[int32]int32, n/2)
	for i := 0; i < n; i++ {
		r := m.find(int32(i))
		if _, ok := minOf[r]; !ok {
			minOf[r] = int32(i) // i ascends, so the first member is the smallest
			res.Clusters++
		}
		res.Cluster[i] = minOf[r]
	}
	for i := 0; i < n; i++ {
		if m.label[i] > 0 {
			res.Rule[i] = m.labels[m.label[i]-1]
		} else {
			res.Rule[i], res.Score[i] = RuleOnly, 1
		}
	}
	for _, p := range overrides {
		for _, x := range [2]int32{p.A, p.B} {
			if !p.Link && res.Rule[x] == RuleOnly {
				res.Rule[x] = RuleOverride
			}
		}
	}
	return res
}
