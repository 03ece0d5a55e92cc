package generate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Product is one item of the generated company's catalog.
type Product struct {
	ID        string // "P-SEN-03": category code and number
	Name      string
	Category  string
	ListPrice Amount // in EUR
	cat       int
}

// Catalog returns the product catalog every order line draws from; it is
// the same for every seed (8 categories × 12 products).
func Catalog() []Product { return catalog() }

func catalog() []Product {
	r := rand.New(rand.NewPCG(0x6e6f72, 0x737461))
	var ps []Product
	for c, name := range categoryNames {
		code := []byte(name[:3])
		for k := range code {
			code[k] -= 'a' - 'A'
		}
		lo, hi := categoryPrice[c][0], categoryPrice[c][1]
		for j := 0; j < 12; j++ {
			price := lo * math.Exp(r.Float64()*math.Log(hi/lo))
			variant := []string{"Basic", "Pro"}[j/6]
			ps = append(ps, Product{
				ID:        "P-" + string(code) + "-" + strconv.Itoa(100 + j + 1)[1:],
				Name:      categoryProductWords[c][j%6] + " " + variant,
				Category:  name,
				ListPrice: Amount(math.Round(price/100) * 100), // whole euros
				cat:       c,
			})
		}
	}
	return ps
}

// segRate multiplies the purchase rate per segment; segSpend is the mean
// order value per segment in EUR cents; segTerms the payment terms.
var (
	segRate  = []float64{1.8, 1.2, 0.8}
	segSpend = []float64{1_200_000, 350_000, 90_000}
	segTerms = []time.Duration{45 * day, 30 * day, 14 * day}
)

// buyer is one customer's BG/NBD parameters: weekly purchase rate (before
// the calibrated scale) and dropout probability after each repeat purchase.
type buyer struct {
	seg int
	lam float64
	p   float64
}

func drawBuyer(r *rand.Rand, o Options) buyer {
	seg := pick(r, segments)
	return buyer{seg: seg, lam: gamma(r, o.R) * segRate[seg], p: beta(r, o.A, o.B)}
}

const maxRepeats = 2000

// repeats simulates the BG/NBD process over horizon weeks: it returns the
// repeat purchase times in weeks after acquisition and whether the customer
// dropped out (after the last of them).
func (b buyer) repeats(r *rand.Rand, scale, horizon float64, dst []float64) ([]float64, bool) {
	rate := b.lam * scale
	if rate <= 0 {
		return dst, false
	}
	t := 0.0
	for len(dst) < maxRepeats {
		t += r.ExpFloat64() / rate
		if t >= horizon {
			return dst, false
		}
		dst = append(dst, t)
		if r.Float64() < b.p {
			return dst, true
		}
	}
	return dst, true
}

// calibrate finds the rate scale whose mean repeat count over a fixed
// synthetic sample of customers matches Options.OrdersPerCustomer. The
// sample reuses the same random numbers at every scale, so the mean is
// monotone in the scale and bisection converges.
func (w *world) calibrate() float64 {
	target := w.o.OrdersPerCustomer
	if target <= 0 {
		return 0
	}
	const n = 4000
	type pc struct {
		b       buyer
		horizon float64
	}
	sample := make([]pc, n)
	r := rand.New(rand.NewPCG(uint64(w.o.Seed), 0xca11b))
	for j := range sample {
		q := (float64(j) + r.Float64()) / n
		x := math.Log1p(q*math.Expm1(w.growth)) / w.growth
		sample[j] = pc{b: drawBuyer(r, w.o), horizon: (1 - x) * float64(w.span) / float64(week)}
	}
	buf := make([]float64, 0, 64)
	mean := func(scale float64) float64 {
		total := 0
		for j, s := range sample {
			rr := rand.New(rand.NewPCG(uint64(w.o.Seed), uint64(j)))
			var ts []float64
			ts, _ = s.b.repeats(rr, scale, s.horizon, buf[:0])
			total += len(ts)
		}
		return float64(total) / n
	}
	lo, hi := 1e-4, 1.0
	for mean(hi) < target && hi < 1e4 {
		lo, hi = hi, hi*2
	}
	for k := 0; k < 16; k++ {
		mid := math.Sqrt(lo * hi)
		if mean(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Sqrt(lo * hi)
}

// orderBook builds one customer's orders (without IDs).
type orderBook struct {
	w        *world
	r        *rand.Rand
	c        *Customer
	seg      int
	meanEUR  float64 // customer's mean order value, EUR cents
	discount float64
	fx       float64
	cats     []int   // adopted categories, in adoption order
	ramp     float64 // probability that a repeat order opens a new category
	orders   []*Order
}

func (ob *orderBook) adopted(c int) bool {
	for _, x := range ob.cats {
		if x == c {
			return true
		}
	}
	return false
}

// newCategory adopts one category not bought yet; -1 if all are adopted.
func (ob *orderBook) newCategory() int {
	n := len(categoryNames) - len(ob.cats)
	if n <= 0 {
		return -1
	}
	k := ob.r.IntN(n)
	for c := range categoryNames {
		if ob.adopted(c) {
			continue
		}
		if k == 0 {
			ob.cats = append(ob.cats, c)
			return c
		}
		k--
	}
	return -1
}

// sale creates a new-business or repeat order at t; first forces the
// adoption categories in, newCat (≥0) opens a category with this order.
func (ob *orderBook) sale(t time.Time, typ string, newCat int, cancelable bool) *Order {
	r := ob.r
	o := &Order{CustomerID: ob.c.ID, Type: typ, Currency: ob.c.Currency, OrderedAt: t}
	z := gamma(r, ob.w.o.SpendShape) * ob.meanEUR / ob.w.o.SpendShape
	nl := 1 + poisson(r, 1.6)
	if ob.seg == segEnterprise {
		nl++
	}
	if nl > 8 {
		nl = 8
	}
	if typ == OrderNewBusiness && nl < len(ob.cats) {
		nl = len(ob.cats)
	}
	weights := make([]float64, nl)
	var sum float64
	for k := range weights {
		weights[k] = r.ExpFloat64() + 0.2
		sum += weights[k]
	}
	for k := 0; k < nl; k++ {
		c := ob.cats[r.IntN(len(ob.cats))]
		if k == 0 && newCat >= 0 {
			c = newCat
		}
		if typ == OrderNewBusiness && k < len(ob.cats) {
			c = ob.cats[k]
		}
		p := ob.w.products[ob.w.byCat[c][r.IntN(len(ob.w.byCat[c]))]]
		unit := Amount(math.Round(float64(p.ListPrice) * ob.fx * ob.discount))
		if unit < 1 {
			unit = 1
		}
		q := int64(math.Round(weights[k] / sum * z / float64(unit) * ob.fx))
		if q < 1 {
			q = 1
		}
		if q > 5000 {
			q = 5000
		}
		merged := false
		for j := range o.Lines {
			if o.Lines[j].ProductID == p.ID {
				o.Lines[j].Quantity += q
				o.Lines[j].Amount = Amount(o.Lines[j].Quantity) * unit
				merged = true
				break
			}
		}
		if !merged {
			o.Lines = append(o.Lines, OrderLine{ProductID: p.ID, Category: p.Category, Quantity: q, UnitPrice: unit,
				Amount: Amount(q) * unit, Currency: o.Currency})
		}
	}
	end := ob.w.o.End
	switch {
	case cancelable && r.Float64() < 0.03:
		o.CanceledAt = sec(t.Add(uniformDur(r, time.Hour, 5*day)))
	case r.Float64() < 0.01: // invoiced in advance, fulfilled later
		o.InvoicedAt = sec(t.Add(lognormal(r, 6*time.Hour, 0.5)))
		o.FulfilledAt = sec(o.InvoicedAt.Add(lognormal(r, 3*day, 0.6)))
		o.PaidAt = sec(o.InvoicedAt.Add(payDelay(r, ob.seg)))
	default:
		o.FulfilledAt = sec(t.Add(lognormal(r, 2*day, 0.7)))
		o.InvoicedAt = sec(o.FulfilledAt.Add(lognormal(r, 20*time.Hour, 0.8)))
		o.PaidAt = sec(o.InvoicedAt.Add(payDelay(r, ob.seg)))
	}
	if !o.PaidAt.IsZero() && r.Float64() < 0.005 { // bad debt: never paid
		o.PaidAt = time.Time{}
	}
	finish(o, end)
	return o
}

func payDelay(r *rand.Rand, seg int) time.Duration {
	d := lognormal(r, segTerms[seg], 0.35)
	if r.Float64() < 0.08 { // late payers
		d += lognormal(r, 20*day, 0.6)
	}
	return d
}

// finish censors timestamps at end and derives totals, status and
// modification time.
func finish(o *Order, end time.Time) {
	for _, p := range []*time.Time{&o.FulfilledAt, &o.InvoicedAt, &o.PaidAt, &o.CanceledAt} {
		if !p.Before(end) {
			*p = time.Time{}
		}
	}
	o.Amount, o.Quantity = 0, 0
	for _, l := range o.Lines {
		o.Amount += l.Amount
		o.Quantity += l.Quantity
	}
	o.OutOfOrder = !o.InvoicedAt.IsZero() && !o.FulfilledAt.IsZero() && o.InvoicedAt.Before(o.FulfilledAt)
	switch {
	case !o.CanceledAt.IsZero():
		o.Status = StatusCanceled
	case !o.PaidAt.IsZero():
		o.Status = StatusPaid
	case !o.InvoicedAt.IsZero():
		o.Status = StatusInvoiced
	case !o.FulfilledAt.IsZero():
		o.Status = StatusFulfilled
	default:
		o.Status = StatusOpen
	}
	o.ModifiedAt = maxTime(o.OrderedAt, o.FulfilledAt, o.InvoicedAt, o.PaidAt, o.CanceledAt)
}

// afterSales adds returns (~1.5 %) and credit notes (~0.5 %) of orders.
func (ob *orderBook) afterSales() {
	r, end := ob.r, ob.w.o.End
	n := len(ob.orders)
	for k := 0; k < n; k++ {
		orig := ob.orders[k]
		if orig.Status == StatusCanceled || orig.FulfilledAt.IsZero() || orig.InvoicedAt.IsZero() {
			continue
		}
		u := r.Float64()
		switch {
		case u < 0.015:
			t := businessHours(r, orig.FulfilledAt.Add(uniformDur(r, 5*day, 40*day)))
			if !t.Before(end) {
				continue
			}
			l := orig.Lines[r.IntN(len(orig.Lines))]
			q := 1 + r.Int64N(l.Quantity)
			ret := &Order{CustomerID: orig.CustomerID, Type: OrderReturn, Currency: orig.Currency, OrderedAt: t,
				origin: orig}
			ret.Lines = []OrderLine{{ProductID: l.ProductID, Category: l.Category, Quantity: -q, UnitPrice: l.UnitPrice,
				Amount: -Amount(q) * l.UnitPrice, Currency: l.Currency}}
			ret.FulfilledAt = sec(t.Add(lognormal(r, 4*day, 0.5)))
			ret.InvoicedAt = sec(ret.FulfilledAt.Add(lognormal(r, day, 0.5)))
			ret.PaidAt = sec(ret.InvoicedAt.Add(lognormal(r, 7*day, 0.5)))
			finish(ret, end)
			ob.orders = append(ob.orders, ret)
		case u < 0.02:
			t := businessHours(r, orig.InvoicedAt.Add(uniformDur(r, 3*day, 60*day)))
			if !t.Before(end) {
				continue
			}
			l := orig.Lines[r.IntN(len(orig.Lines))]
			credit := Amount(math.Round(float64(orig.Amount) * (0.05 + 0.15*r.Float64())))
			if credit < 1 {
				credit = 1
			}
			cn := &Order{CustomerID: orig.CustomerID, Type: OrderCreditNote, Currency: orig.Currency, OrderedAt: t,
				origin: orig}
			cn.Lines = []OrderLine{{ProductID: l.ProductID, Category: l.Category, Quantity: 0, Amount: -credit,
				Currency: l.Currency}}
			cn.InvoicedAt = sec(t.Add(uniformDur(r, 0, day)))
			cn.PaidAt = sec(cn.InvoicedAt.Add(lognormal(r, 10*day, 0.5)))
			finish(cn, end)
			ob.orders = append(ob.orders, cn)
		}
	}
}
