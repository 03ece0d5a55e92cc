package generate

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// bundle is one customer with all its facts, built before it is emitted.
type bundle struct {
	cust      *Customer
	contacts  []*Contact
	orders    []*Order
	contracts []*Contract
	surveys   []*SurveyResponse
	cases     []*SupportCase
	// behaviour the voice-of-customer facts correlate with
	dropped   bool
	deadAt    time.Time // last purchase before dropout (if dropped)
	churnedAt time.Time // subscription end (if ended)
	health    float64   // 0..1, drives survey scores
}

// customer builds customer i with all its facts.
func (w *world) customer(i int) *bundle {
	r := w.rng(i, 0)
	o := w.o
	acq := sec(w.acquisitionAt(i, r.Float64()))
	if n := len(w.acquired); n > 0 && acq.Unix() <= w.acquired[n-1] {
		acq = time.Unix(w.acquired[n-1]+1, 0).UTC()
	}
	w.acquired = append(w.acquired, acq.Unix())

	ci := pickCountry(r)
	ct := countries[ci]
	b := drawBuyer(r, o)
	c := &Customer{
		ID:         customerID(i),
		Country:    ct.code,
		Currency:   ct.currency,
		Segment:    segments[b.seg].name,
		AcquiredAt: acq,
		Owner:      oneOf(r, owners),
	}
	ind := r.IntN(len(industries))
	c.Industry = industries[ind]
	w.name(r, i, c, ct, ind)
	c.Website = "https://www." + c.Domain
	c.Email = []string{"info@", "office@", "sales@", "contact@"}[r.IntN(4)] + c.Domain
	c.TaxID = taxID(ct, i)
	if r.Float64() < 0.03 {
		c.Industry = ""
	}
	if b.seg == segSMB && r.Float64() < 0.06 {
		c.TaxID = ""
	}
	c.CreatedAt = sec(acq.Add(-lognormal(r, 20*day, 1.0)))
	ch := pick(r, channels)
	if b.seg == segEnterprise && r.Float64() < 0.3 {
		ch = 4 // outbound
	}
	c.AcquisitionChannel = channels[ch].name
	if c.AcquisitionChannel == "referral" {
		if j := w.referrer(r, i); j >= 0 {
			c.ReferrerID = customerID(j)
		} else {
			c.AcquisitionChannel = "organic"
		}
	}

	bd := &bundle{cust: c, health: beta(r, 5, 2)}
	bd.contacts = w.contacts(w.rng(i, 1), c, b.seg, ct)
	w.buy(w.rng(i, 2), bd, b, ind)
	if w.rng(i, 3).Float64() < o.ContractShare*[]float64{1.9, 1.25, 0.75}[b.seg] {
		w.contract(w.rng(i, 4), bd, b.seg)
	}
	w.cases(w.rng(i, 5), bd, b.seg)
	w.assignIDs(bd)
	w.surveys(w.rng(i, 6), bd)
	for _, s := range bd.surveys {
		w.nSurvey++
		s.ID = idNum("SR", w.nSurvey, 8)
	}
	w.finishCustomer(bd)
	return bd
}

func pickCountry(r *rand.Rand) int {
	total := 0
	for _, c := range countries {
		total += c.weight
	}
	n := r.IntN(total)
	for i, c := range countries {
		if n < c.weight {
			return i
		}
		n -= c.weight
	}
	return 0
}

// referrer picks an earlier customer acquired strictly before customer i.
func (w *world) referrer(r *rand.Rand, i int) int {
	if i == 0 {
		return -1
	}
	// favour long-standing customers a little: min of two uniform draws
	j := min(r.IntN(i), r.IntN(i))
	if w.acquired[j] >= w.acquired[i] {
		return -1
	}
	return j
}

// name gives c a unique legal name and domain.
func (w *world) name(r *rand.Rand, i int, c *Customer, ct country, ind int) {
	for attempt := 0; ; attempt++ {
		var base, slug string
		trade := oneOf(r, industryWords[ind])
		switch r.IntN(5) {
		case 0, 1:
			core := oneOf(r, namePrefixes) + oneOf(r, nameRoots)
			base, slug = core+" "+trade, slugify(core)
			if r.IntN(2) == 0 {
				slug += "-" + slugify(trade)
			}
		case 2:
			ln := oneOf(r, lastNames[ct.locale])
			base, slug = ln+" "+trade, slugify(ln)+"-"+slugify(trade)
		case 3:
			a, b := oneOf(r, lastNames[ct.locale]), oneOf(r, lastNames[ct.locale])
			if a == b {
				continue
			}
			base, slug = a+" & "+b, slugify(a)+"-"+slugify(b)
		default:
			core := oneOf(r, namePrefixes) + oneOf(r, nameRoots)
			base, slug = core, slugify(core)
		}
		if attempt >= 8 {
			slug += strconv.Itoa(i + 1)
		}
		domain := slug + "." + ct.tld
		if _, dup := w.domains[domain]; dup {
			continue
		}
		w.domains[domain] = struct{}{}
		c.Name = base + " " + oneOf(r, ct.suffixes)
		c.Domain = domain
		return
	}
}

var slugReplacer = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "ê", "e", "á", "a", "à", "a", "í", "i",
	"ó", "o", "ñ", "n", "ł", "l", "ś", "s", "ź", "z", "ż", "z", "ń", "n", "ć", "c", "ą", "a", "ę", "e",
	"ç", "c", "'", "", " ", "", "&", "", "-", "", ".", "",
)

func slugify(s string) string { return slugReplacer.Replace(strings.ToLower(s)) }

// taxID derives a VAT-style id unique per customer index: the digits are
// an affine bijection of i modulo 10^digits.
func taxID(ct country, i int) string {
	mod := uint64(1)
	for k := 0; k < ct.taxDigits; k++ {
		mod *= 10
	}
	n := (uint64(i)*2654435761 + 982451653) % mod
	d := strconv.FormatUint(n, 10)
	return ct.taxPrefix + strings.Repeat("0", ct.taxDigits-len(d)) + d + ct.taxTrailer
}

func (w *world) contacts(r *rand.Rand, c *Customer, seg int, ct country) []*Contact {
	n := []int{2 + r.IntN(4), 1 + r.IntN(3), 1 + r.IntN(2)}[seg]
	out := make([]*Contact, 0, n)
	seen := make([]string, 0, n)
	for k := 0; k < n; k++ {
		p := &Contact{
			ID:         "CT" + c.ID[1:] + "-" + strconv.Itoa(k+1),
			CustomerID: c.ID,
			FirstName:  oneOf(r, firstNames[ct.locale]),
			LastName:   oneOf(r, lastNames[ct.locale]),
			Title:      oneOf(r, titles),
		}
		local := slugify(p.FirstName) + "." + slugify(p.LastName)
		domain := c.Domain
		if r.Float64() < 0.12 {
			domain = oneOf(r, freeMail)
			local += strconv.Itoa(10 + r.IntN(90))
		}
		email := local + "@" + domain
		for _, s := range seen {
			if s == email {
				email = local + strconv.Itoa(k+1) + "@" + domain
			}
		}
		seen = append(seen, email)
		p.Email = email
		p.Phone = ct.phone + " " + strconv.Itoa(20+r.IntN(80)) + " " + strconv.Itoa(1000000+r.IntN(9000000))
		if k == 0 {
			p.CreatedAt = c.CreatedAt
		} else {
			p.CreatedAt = sec(c.CreatedAt.Add(uniformDur(r, 0, 540*day)))
		}
		if !p.CreatedAt.Before(w.o.End) {
			continue
		}
		p.ModifiedAt = p.CreatedAt
		if r.Float64() < 0.3 { // some contacts were edited later
			if m := sec(p.CreatedAt.Add(uniformDur(r, day, 365*day))); m.Before(w.o.End) {
				p.ModifiedAt = m
			}
		}
		out = append(out, p)
	}
	return out
}

// buy runs the BG/NBD process for one customer and builds its orders.
func (w *world) buy(r *rand.Rand, bd *bundle, b buyer, ind int) {
	c, o := bd.cust, w.o
	ob := &orderBook{w: w, r: r, c: c, seg: b.seg, fx: fxRate(c.Currency)}
	ob.meanEUR = segSpend[b.seg] * (o.SpendHetero - 1) / gamma(r, o.SpendHetero)
	ob.discount = 1 - []float64{0.25, 0.12, 0.03}[b.seg]*r.Float64()
	ob.ramp = beta(r, 1.5, 18)
	first := industryCategories[ind][r.IntN(2)]
	ob.cats = append(ob.cats, first)
	if r.Float64() < 0.4 {
		ob.newCategory()
	}
	ob.orders = append(ob.orders, ob.sale(c.AcquiredAt, OrderNewBusiness, -1, false))

	horizon := float64(o.End.Sub(c.AcquiredAt)) / float64(week)
	ts, dropped := b.repeats(r, w.rateScale, horizon, make([]float64, 0, 32))
	prev := c.AcquiredAt
	for _, wk := range ts {
		t := businessHours(r, c.AcquiredAt.Add(time.Duration(wk*float64(week))))
		if !t.After(prev) {
			t = prev.Add(time.Minute)
		}
		t = sec(t)
		if !t.Before(o.End) {
			break
		}
		prev = t
		nc := -1
		if r.Float64() < ob.ramp {
			nc = ob.newCategory()
		}
		ob.orders = append(ob.orders, ob.sale(t, OrderRepeat, nc, true))
	}
	bd.dropped = dropped
	bd.deadAt = prev
	ob.afterSales()
	sort.SliceStable(ob.orders, func(a, b int) bool { return ob.orders[a].OrderedAt.Before(ob.orders[b].OrderedAt) })
	bd.orders = ob.orders
}

// finishCustomer derives the customer's status and modification time.
func (w *world) finishCustomer(bd *bundle) {
	c, end := bd.cust, w.o.End
	var last time.Time
	for _, o := range bd.orders {
		if o.Status != StatusCanceled && o.OrderedAt.After(last) {
			last = o.OrderedAt
		}
	}
	live := false
	for _, k := range bd.contracts {
		if k.Status == ContractActive || k.Status == ContractPending {
			live = true
		}
	}
	switch {
	case len(bd.contracts) > 0 && !live:
		c.Status = "churned"
	case live || end.Sub(last) < 180*day:
		c.Status = "active"
	default:
		c.Status = "inactive"
	}
	c.ModifiedAt = maxTime(c.CreatedAt, last, bd.churnedAt)
	if c.Status == "inactive" {
		if t := last.Add(180 * day).Truncate(day); t.Before(end) {
			c.ModifiedAt = maxTime(c.ModifiedAt, t)
		}
	}
}

// clamp01 limits x to [0, 1].
func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }
