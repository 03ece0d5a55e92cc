package identity

import (
	"context"
	"testing"
)

func TestMatchQuality(t *testing.T) {
	nz, err := GenerateNoise(context.Background(), NoiseOptions{Seed: 1, Companies: 3000})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Match(nz.Records, DefaultRules(), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := PairwiseQuality(res.Cluster, nz.Truth)
	t.Logf("records %d companies %d clusters %d precision %.4f recall %.4f (pred %d true %d correct %d)",
		len(nz.Records), nz.Companies, res.Clusters, q.Precision, q.Recall, q.PredictedPairs, q.TruePairs, q.Correct)
	if testing.Verbose() || q.Precision < 0.99 || q.Recall < 0.97 {
		reportErrors(t, nz, res)
	}
	if q.Precision < 0.99 || q.Recall < 0.97 {
		t.Errorf("precision %.4f (want ≥ 0.99), recall %.4f (want ≥ 0.97)", q.Precision, q.Recall)
	}
}

// reportErrors logs a few false merges and missed pairs.
func reportErrors(t *testing.T, nz *Noise, res Result) {
	t.Helper()
	byCluster := map[int32][]int{}
	byTruth := map[int32][]int{}
	for i := range nz.Records {
		byCluster[res.Cluster[i]] = append(byCluster[res.Cluster[i]], i)
		byTruth[nz.Truth[i]] = append(byTruth[nz.Truth[i]], i)
	}
	fp, fn := 0, 0
	for _, m := range byCluster {
		for _, i := range m[1:] {
			if nz.Truth[i] != nz.Truth[m[0]] && fp < 8 {
				fp++
				t.Logf("false merge: %+v [%s %.3f] WITH %+v", nz.Records[m[0]], res.Rule[i], res.Score[i], nz.Records[i])
			}
		}
	}
	for _, m := range byTruth {
		for _, i := range m[1:] {
			if res.Cluster[i] != res.Cluster[m[0]] && fn < 8 {
				fn++
				t.Logf("missed: %+v  /  %+v", nz.Records[m[0]], nz.Records[i])
			}
		}
	}
}
