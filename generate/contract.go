package generate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// segMRR is the median MRR per segment in EUR cents; segChurn the monthly
// churn hazard; segTTL the median time from signature to go-live.
var (
	segMRR   = []float64{800_000, 200_000, 40_000}
	segChurn = []float64{0.004, 0.008, 0.013}
	segTTL   = []time.Duration{75 * day, 35 * day, 14 * day}
)

// adoptionThreshold is the adoption ratio whose first crossing is AdoptedAt.
const adoptionThreshold = 0.8

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// contract builds the customer's subscription: an original row and one
// amendment row per MRR change, each on [StartAt, EndAt).
func (w *world) contract(r *rand.Rand, bd *bundle, seg int) {
	c, end := bd.cust, w.o.End
	signed := sec(businessHours(r, c.AcquiredAt.Add(uniformDur(r, -30*day, 120*day))))
	if !signed.Before(end) {
		return
	}
	sub := "K" + c.ID[1:]
	fx := fxRate(c.Currency)
	mrr := func(eur float64) Amount { // whole currency units
		return Amount(math.Max(1, math.Round(eur*fx/100)) * 100)
	}
	k := &Contract{
		SubscriptionID: sub, CustomerID: c.ID, SignedAt: signed, Currency: c.Currency,
		StartAt: signed.Add(uniformDur(r, 0, 14*day)).Truncate(day).Add(day),
		MRR:     mrr(segMRR[seg] * math.Exp(0.5*r.NormFloat64())),
	}
	// go-live: pilots went live before signature; some are not live yet
	var goLive time.Time
	if r.Float64() < 0.03 {
		k.Pilot = true
		goLive = signed.Add(-uniformDur(r, 7*day, 60*day))
	} else {
		goLive = signed.Add(lognormal(r, segTTL[seg], 0.6))
	}
	goLive = sec(goLive)
	if goLive.Before(end) {
		k.GoLiveAt = goLive
	}
	rows := []*Contract{k}
	cur := k
	// monthly lifecycle: churn, expansion, contraction (after go-live)
	for m := monthStart(k.StartAt).AddDate(0, 1, 0); m.Before(end); m = m.AddDate(0, 1, 0) {
		h := segChurn[seg]
		if bd.dropped && m.After(bd.deadAt) {
			h += 0.008 // a customer who stopped ordering is likelier to cancel
		}
		if m.Sub(k.StartAt) > 90*day && r.Float64() < h {
			cur.EndAt = m
			bd.churnedAt = m
			break
		}
		if k.GoLiveAt.IsZero() || m.Before(k.GoLiveAt) {
			continue
		}
		u := r.Float64()
		var f float64
		switch {
		case u < 0.04:
			f = 1.1 + 0.5*r.Float64()
		case u < 0.052:
			f = 0.6 + 0.3*r.Float64()
		default:
			continue
		}
		next := &Contract{
			SubscriptionID: sub, Seq: len(rows), CustomerID: c.ID, Currency: c.Currency,
			SignedAt: sec(businessHours(r, m.Add(-uniformDur(r, 3*day, 20*day)))),
			StartAt:  m,
			MRR:      mrr(float64(cur.MRR) * f / fx),
		}
		if next.SignedAt.Before(cur.StartAt) {
			next.SignedAt = cur.StartAt
		}
		if next.MRR == cur.MRR {
			continue
		}
		cur.EndAt = m
		cur.Status = ContractSuperseded
		rows = append(rows, next)
		cur = next
	}
	if !cur.EndAt.IsZero() && cur.Status == "" {
		cur.Status = ContractEnded
	}
	if cur.Status == "" {
		cur.Status = ContractActive
		if !cur.StartAt.Before(end) {
			cur.Status = ContractPending
		}
	}
	w.adoption(r, k, end)
	for _, row := range rows {
		row.ID = sub + "-" + strconv.Itoa(100 + row.Seq)[1:]
		row.ModifiedAt = maxTime(row.SignedAt, row.StartAt, row.EndAt, row.GoLiveAt, row.AdoptedAt, row.ModifiedAt)
		if !row.ModifiedAt.Before(end) {
			row.ModifiedAt = end.Add(-time.Second)
		}
	}
	bd.contracts = rows
}

// adoption sets the original row's adoption ratio (as of the last daily
// snapshot) and the day it first reached the threshold: the ratio follows
// plateau·(1 − e^{−t/τ}) after go-live, and sometimes dips afterwards.
func (w *world) adoption(r *rand.Rand, k *Contract, end time.Time) {
	if k.GoLiveAt.IsZero() {
		return
	}
	plateau := 0.55 + 0.45*r.Float64()
	tau := lognormal(r, 35*day, 0.7)
	asOf := end.Add(-time.Second).Truncate(day)
	if !k.EndAt.IsZero() && k.EndAt.Before(asOf) {
		asOf = k.EndAt.Truncate(day)
	}
	ratio := func(t time.Time) float64 {
		d := t.Sub(k.GoLiveAt)
		if d <= 0 {
			return 0
		}
		return plateau * (1 - math.Exp(-float64(d)/float64(tau)))
	}
	x := ratio(asOf)
	if plateau > adoptionThreshold {
		cross := time.Duration(float64(tau) * math.Log(plateau/(plateau-adoptionThreshold)))
		day1 := k.GoLiveAt.Add(cross).Truncate(day).Add(day) // first daily snapshot at or above
		if !day1.After(asOf) {
			k.AdoptedAt = day1
			if r.Float64() < 0.12 { // adoption dipped below the threshold again
				x -= 0.05 + 0.2*r.Float64()
			}
		}
	}
	if k.AdoptedAt.IsZero() && x >= adoptionThreshold {
		x = adoptionThreshold - 0.01
	}
	k.AdoptionRatio = math.Floor(clamp01(x)*100) / 100
	k.ModifiedAt = asOf
}
