package generate

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

var (
	segCases   = []float64{1.0, 0.4, 0.15} // cases per month while a customer
	priorities = []weighted{{"low", 40}, {"medium", 35}, {"high", 20}, {"urgent", 5}}
	caseMedian = []time.Duration{5 * day, 60 * time.Hour, day, 12 * time.Hour}
	caseChans  = []weighted{{"email", 45}, {"web", 25}, {"phone", 20}, {"chat", 10}}
)

// lastActive is the end of the customer's relationship: churn or dropout
// (plus grace), else the generation end.
func (bd *bundle) lastActive(end time.Time, grace time.Duration) time.Time {
	t := end
	if bd.dropped {
		if d := bd.deadAt.Add(grace); d.Before(t) {
			t = d
		}
	}
	if !bd.churnedAt.IsZero() && bd.churnedAt.Add(grace).Before(t) {
		t = bd.churnedAt.Add(grace)
	}
	return t
}

// troubled reports whether t falls in the 180 days before the customer's
// dropout or churn, when cases are more frequent and scores worse.
func (bd *bundle) troubled(t time.Time) bool {
	for _, e := range []time.Time{bd.deadAt, bd.churnedAt} {
		if e.IsZero() || (e.Equal(bd.deadAt) && !bd.dropped) {
			continue
		}
		if t.Before(e.Add(30*day)) && t.After(e.Add(-180*day)) {
			return true
		}
	}
	return false
}

func (bd *bundle) contactID(r *rand.Rand) string {
	if len(bd.contacts) == 0 {
		return ""
	}
	return bd.contacts[r.IntN(len(bd.contacts))].ID
}

func (w *world) cases(r *rand.Rand, bd *bundle, seg int) {
	end := w.o.End
	stop := bd.lastActive(end, 60*day)
	rate := segCases[seg] / float64(30*day) // per nanosecond
	t := bd.cust.AcquiredAt
	for len(bd.cases) < 500 {
		f := 1.0
		if bd.troubled(t) {
			f = 2.5
		}
		t = t.Add(time.Duration(r.ExpFloat64() / (rate * f)))
		if !t.Before(stop) {
			break
		}
		opened := sec(businessHours(r, t))
		if !opened.Before(end) {
			break
		}
		p := pick(r, priorities)
		sc := &SupportCase{
			CustomerID: bd.cust.ID,
			ContactID:  bd.contactID(r),
			OpenedAt:   opened,
			Priority:   priorities[p].name,
			Channel:    caseChans[pick(r, caseChans)].name,
			Subject:    oneOf(r, caseSubjects),
		}
		closed := sec(opened.Add(lognormal(r, caseMedian[p], 1.0)))
		if closed.Before(end) {
			sc.ClosedAt, sc.Status = closed, "closed"
		} else if r.Float64() < 0.3 {
			sc.Status = "pending"
		} else {
			sc.Status = "open"
		}
		sc.ModifiedAt = maxTime(sc.OpenedAt, sc.ClosedAt)
		bd.cases = append(bd.cases, sc)
	}
}

// surveys draws survey responses: onboarding CSAT, order CSAT, support CES
// or CSAT, and a relationship NPS roughly yearly. Scores follow the
// customer's health, which drops before dropout or churn.
func (w *world) surveys(r *rand.Rand, bd *bundle) {
	end := w.o.End
	add := func(instr, touch string, at time.Time, caseID, orderID string, penalty float64) {
		at = sec(at)
		if !at.Before(end) {
			return
		}
		h := bd.health
		if bd.troubled(at) {
			h *= 0.45
		}
		h = clamp01(h - penalty)
		s := &SurveyResponse{CustomerID: bd.cust.ID, ContactID: bd.contactID(r), Instrument: instr,
			RespondedAt: at, Touchpoint: touch, CaseID: caseID, OrderID: orderID, ModifiedAt: at}
		switch instr {
		case InstrumentNPS:
			s.ScaleMin, s.ScaleMax = 0, 10
			s.Score = score(r, 2.5+8*h, 1.8, 0, 10)
		case InstrumentCSAT:
			s.ScaleMin, s.ScaleMax = 1, 5
			s.Score = score(r, 1.4+4*h, 0.9, 1, 5)
		case InstrumentCES:
			s.ScaleMin, s.ScaleMax = 1, 7
			s.Score = score(r, 1.8+5.6*h, 1.2, 1, 7)
		}
		if r.Float64() < 0.2 {
			frac := float64(s.Score-s.ScaleMin) / float64(s.ScaleMax-s.ScaleMin)
			switch {
			case frac >= 0.75:
				s.Comment = oneOf(r, commentsGood)
			case frac >= 0.5:
				s.Comment = oneOf(r, commentsNeutral)
			default:
				s.Comment = oneOf(r, commentsBad)
			}
		}
		bd.surveys = append(bd.surveys, s)
	}
	if r.Float64() < 0.35 {
		add(InstrumentCSAT, "onboarding", businessHours(r, bd.cust.AcquiredAt.Add(uniformDur(r, 7*day, 21*day))), "", "", 0)
	}
	for _, o := range bd.orders {
		if o.Type == OrderRepeat && !o.FulfilledAt.IsZero() && r.Float64() < 0.06 {
			add(InstrumentCSAT, "order", o.FulfilledAt.Add(uniformDur(r, day, 10*day)), "", o.ID, 0)
		}
	}
	for _, c := range bd.cases {
		if c.ClosedAt.IsZero() || r.Float64() >= 0.4 {
			continue
		}
		penalty := math.Min(0.3, float64(c.ClosedAt.Sub(c.OpenedAt))/float64(40*day))
		instr := InstrumentCES
		if r.Float64() < 0.4 {
			instr = InstrumentCSAT
		}
		add(instr, "support", c.ClosedAt.Add(uniformDur(r, 10*time.Minute, 3*day)), c.ID, "", penalty)
	}
	stop := bd.lastActive(end, 30*day)
	for t := bd.cust.AcquiredAt.Add(uniformDur(r, 60*day, 200*day)); t.Before(stop); t = t.Add(uniformDur(r, 180*day, 400*day)) {
		if r.Float64() < 0.55 {
			add(InstrumentNPS, "relationship", businessHours(r, t), "", "", 0)
		}
	}
	sort.SliceStable(bd.surveys, func(a, b int) bool { return bd.surveys[a].RespondedAt.Before(bd.surveys[b].RespondedAt) })
}

// score draws a rounded normal score clamped to [lo, hi].
func score(r *rand.Rand, mean, sd float64, lo, hi int) int {
	s := int(math.Round(mean + sd*r.NormFloat64()))
	return max(lo, min(hi, s))
}
