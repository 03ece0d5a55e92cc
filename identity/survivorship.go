package identity

import (
	"strings"
	"time"
)

// Survivorship names, per golden attribute, the sources authoritative for
// it, best first, e.g. {"name": ["erp", "crm"], "segment": ["crm"]}. The
// key "*" applies to attributes without an entry of their own. An
// attribute no authoritative source supplies comes from the member
// record modified most recently.
type Survivorship map[string][]string

// Attributes are the golden customer attributes chosen by survivorship,
// in core.customers column order.
var Attributes = []string{"name", "domain", "country", "segment", "industry", "tax_id", "owner", "status", "acquisition_channel", "created_at"}

// Survivorship rules recorded in core.customers.attribute_sources.
const (
	ByAuthority = "authority" // the first configured source that has a value
	ByRecent    = "recent"    // the most recently modified record with a value
)

// member is what survivorship needs of one source customer.
type member struct {
	Source, SourceID string
	Values           [10]string // in Attributes order; created_at as RFC 3339
	Modified         time.Time  // modified_at, else synced_at
	Deleted          bool
}

// Lineage says where one golden attribute value came from.
type Lineage struct {
	Source   string `json:"source"`
	SourceID string `json:"source_id"`
	Rule     string `json:"rule"`
}

// choose returns, for each attribute, the index into ms of the member
// that supplies it (or -1) and the rule that chose it. Live records beat
// deleted ones; ties break on (source, source_id) so the choice is stable.
func (s Survivorship) choose(ms []member) (pick [10]int, rule [10]string) {
	for a, attr := range Attributes {
		auth, ok := s[attr]
		if !ok {
			auth = s["*"]
		}
		best, bestRank := -1, 0
		for i := range ms {
			if ms[i].Values[a] == "" {
				continue
			}
			rank := len(auth)
			for k, src := range auth {
				if strings.EqualFold(src, ms[i].Source) {
					rank = k
					break
				}
			}
			if best < 0 || better(&ms[i], rank, &ms[best], bestRank) {
				best, bestRank = i, rank
			}
		}
		pick[a] = best
		switch {
		case best < 0:
		case bestRank < len(auth):
			rule[a] = ByAuthority
		default:
			rule[a] = ByRecent
		}
	}
	return pick, rule
}

func better(x *member, rx int, y *member, ry int) bool {
	if x.Deleted != y.Deleted {
		return !x.Deleted
	}
	if rx != ry {
		return rx < ry
	}
	if !x.Modified.Equal(y.Modified) {
		return x.Modified.After(y.Modified)
	}
	if x.Source != y.Source {
		return x.Source < y.Source
	}
	return x.SourceID < y.SourceID
}
