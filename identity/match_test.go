package identity

import (
	"testing"

	"github.com/northstar-dev/northstar/config"
)

func TestMatchRules(t *testing.T) {
	recs := []Record{
		0: {Source: "erp", SourceID: "1000", Name: "Alpha Werke GmbH", Country: "DE", TaxID: "DE111111111"},
		1: {Source: "crm", SourceID: "a1", Name: "Alpha", Country: "DE", ExternalID: "1000"},                       // cross-reference
		2: {Source: "shop", SourceID: "s1", Name: "Alpha Werke", Country: "DE", Email: "x@alpha-werke.de"},         // name to 0
		3: {Source: "crm", SourceID: "a2", Name: "Beta Systems Inc.", Country: "US", Website: "beta.io"},           //
		4: {Source: "erp", SourceID: "2000", Name: "BETA SYSTEMS", Country: "US", Email: "ap@beta.io"},             // domain
		5: {Source: "shop", SourceID: "s2", Name: "Beta Systems", Country: "GB"},                                   // other country
		6: {Source: "crm", SourceID: "a3", Name: "Gamma Foods", Country: "FR", Email: "office.team@gmail.com"},     // free mail
		7: {Source: "crm", SourceID: "a4", Name: "Delta Foods", Country: "FR", Email: "office.team@gmail.com"},     // free mail
		8: {Source: "erp", SourceID: "3000", Name: "Beta Systms", Country: "US", TaxID: "US999", Website: "b2.io"}, // typo, but other domain
		9: {Source: "crm", SourceID: "1000", Name: "Zeta", Country: "IT"},                                          // same id as erp/1000, other source
	}
	res, err := Match(recs, DefaultRules(), nil)
	must(t, err)
	same := func(i, j int) bool { return res.Cluster[i] == res.Cluster[j] }
	for _, tc := range []struct {
		i, j int
		want bool
	}{
		{0, 1, true}, {0, 2, true}, {3, 4, true}, {3, 5, false}, {6, 7, false}, {3, 8, false}, {4, 8, false}, {9, 0, false}, {9, 1, false},
	} {
		if same(tc.i, tc.j) != tc.want {
			t.Errorf("records %d and %d together = %v, want %v (rules %v)", tc.i, tc.j, !tc.want, tc.want, res.Rule)
		}
	}
	eq(t, "external_id", res.Rule[1])
	eq(t, "name+country", res.Rule[2])
	eq(t, "domain", res.Rule[4])
	eq(t, RuleOnly, res.Rule[6])
	eq(t, int32(0), res.Cluster[2], "cluster label is the smallest member")
	eq(t, 7, res.Clusters)

	// Overrides: 6 and 7 forced together; 0 and 1 kept apart (1 then stays alone).
	res, err = Match(recs, DefaultRules(), []Pair{{A: 6, B: 7, Link: true}, {A: 1, B: 0}})
	must(t, err)
	isTrue(t, same(6, 7), "link override")
	isTrue(t, !same(0, 1), "unlink override")
	eq(t, RuleOverride, res.Rule[6])
	eq(t, RuleOverride, res.Rule[1])

	for _, bad := range [][]config.IdentityRule{
		{{Match: []string{"colour"}}},
		{{Match: []string{"country"}, Fuzzy: 0.9}},
		{{Match: []string{"external_id", "country"}}},
		{{Match: nil}},
	} {
		if _, err := Match(recs, bad, nil); err == nil {
			t.Errorf("rules %v accepted", bad)
		}
	}
	if _, err := Match(recs, nil, []Pair{{A: 0, B: 99}}); err == nil {
		t.Error("override out of range accepted")
	}
}

func TestMatchDeterministic(t *testing.T) {
	recs := []Record{
		{Source: "crm", SourceID: "1", Name: "Nordwind Logistik", Country: "DE"},
		{Source: "crm", SourceID: "2", Name: "Nordwind Logistics", Country: "DE"},
		{Source: "erp", SourceID: "3", Name: "Nordwnd Logistik", Country: "DE"},
		{Source: "erp", SourceID: "4", Name: "Nordwind Cargo", Country: "DE"},
	}
	a, err := Match(recs, nil, nil)
	must(t, err)
	b, err := Match(recs, nil, nil)
	must(t, err)
	eq(t, a.Cluster, b.Cluster)
	isTrue(t, a.Cluster[0] == a.Cluster[1] && a.Cluster[0] == a.Cluster[2], "typos match")
	isTrue(t, a.Cluster[3] != a.Cluster[0], "other trade word does not")
}
