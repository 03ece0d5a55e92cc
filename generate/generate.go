package generate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/northstar-dev/northstar"
)

// Sink receives the generated company one entity at a time. For each
// customer, Generate calls Customer first, then Contact, Order (with its
// Lines), Contract, SurveyResponse and SupportCase for that customer's facts;
// customers come in ID order (= acquisition order). The entities are fresh
// values the sink may keep. An error stops generation and is returned.
type Sink interface {
	Customer(*Customer) error
	Contact(*Contact) error
	Order(*Order) error
	Contract(*Contract) error
	SurveyResponse(*SurveyResponse) error
	SupportCase(*SupportCase) error
}

// Truth summarises what Generate emitted, for tests that check a load.
type Truth struct {
	// Counts is the number of rows per stream.
	Counts map[northstar.Stream]int64
	// Revenue is Σ order amount per currency over orders that are not
	// canceled (returns and credit notes count negative).
	Revenue map[string]Amount
	// OrdersByType and OrdersByStatus count orders.
	OrdersByType   map[string]int64
	OrdersByStatus map[string]int64
	// OutOfOrder counts orders invoiced before they were fulfilled.
	OutOfOrder int64
	// Referred counts customers with a referrer.
	Referred int64
	// OneOrderCustomers counts customers whose only order is their first.
	OneOrderCustomers int64
	// NotLive counts original contract rows without go-live (right-censored);
	// Pilots those that went live before signature; Adopted those with AdoptedAt.
	NotLive, Pilots, Adopted int64
	// RateScale is the calibrated multiplier of the weekly purchase rate.
	RateScale float64
}

func newTruth() Truth {
	t := Truth{
		Counts:         make(map[northstar.Stream]int64, 7),
		Revenue:        make(map[string]Amount),
		OrdersByType:   make(map[string]int64),
		OrdersByStatus: make(map[string]int64),
	}
	for _, s := range northstar.AllStreams() {
		if s != northstar.StreamFXRates { // not an entity of the company: counted by WriteFiles
			t.Counts[s] = 0
		}
	}
	return t
}

// TotalRevenue returns Σ Revenue converted to EUR at the generator's fixed
// rates (float, for plausibility checks only; exact figures are in Revenue).
func (t Truth) TotalRevenue() float64 {
	var s float64
	for c, a := range t.Revenue {
		s += float64(a) / 100 / fxRate(c)
	}
	return s
}

// Generate produces the company described by opts and hands it to sink,
// customer by customer; memory stays bounded by one customer's facts.
func Generate(ctx context.Context, opts Options, sink Sink) (Truth, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Truth{}, err
	}
	w := newWorld(o)
	truth := newTruth()
	truth.RateScale = w.rateScale
	for i := 0; i < o.Customers; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return truth, fmt.Errorf("generate: %w", err)
			}
		}
		b := w.customer(i)
		if err := b.emit(sink, &truth); err != nil {
			return truth, fmt.Errorf("generate: customer %s: %w", b.cust.ID, err)
		}
	}
	return truth, nil
}

// world holds what is shared across customers: options, the catalog, the
// calibrated rate and the ID counters.
type world struct {
	o         Options
	span      time.Duration
	growth    float64 // acquisition density ∝ exp(growth·x) over x ∈ [0,1)
	rateScale float64
	products  []Product
	byCat     [][]int // product indexes per category
	domains   map[string]struct{}
	acquired  []int64     // acquisition unix seconds per customer index, for referrals
	weekdays  []time.Time // midnight of every weekday in [Start, End)
	nOrder    int64
	nCase     int64
	nSurvey   int64
}

func newWorld(o Options) *world {
	w := &world{
		o:       o,
		span:    o.End.Sub(o.Start),
		growth:  math.Log(2.5),
		domains: make(map[string]struct{}, o.Customers),
	}
	w.products = catalog()
	w.byCat = make([][]int, len(categoryNames))
	for i, p := range w.products {
		w.byCat[p.cat] = append(w.byCat[p.cat], i)
	}
	w.acquired = make([]int64, 0, o.Customers)
	for d := o.Start.Truncate(day); d.Before(o.End.Add(-18 * time.Hour)); d = d.Add(day) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			w.weekdays = append(w.weekdays, d)
		}
	}
	w.rateScale = w.calibrate()
	return w
}

// acquisitionAt places customer i (of n) by stratified sampling of the
// acquisition density over business hours (weekdays 08:00–18:00 UTC):
// strata are disjoint and the mapping is monotone, so times ascend with i.
func (w *world) acquisitionAt(i int, u float64) time.Time {
	q := (float64(i) + u) / float64(w.o.Customers)
	x := math.Log1p(q*math.Expm1(w.growth)) / w.growth
	const window = 10 * 3600 // business seconds per weekday
	pos := int64(x * float64(len(w.weekdays)*window))
	d := min(int(pos/window), len(w.weekdays)-1)
	t := w.weekdays[d].Add(8*time.Hour + time.Duration(pos-int64(d)*window)*time.Second)
	if t.Before(w.o.Start) {
		t = w.o.Start
	}
	return t
}

// rng returns the random source of customer i; stream k separates purposes.
func (w *world) rng(i int, k uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(w.o.Seed), uint64(i)<<8|k))
}

func idNum(prefix string, n int64, width int) string {
	b := make([]byte, 0, len(prefix)+width+2)
	b = append(b, prefix...)
	var d [20]byte
	s := strconv.AppendInt(d[:0], n, 10)
	for k := len(s); k < width; k++ {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

func customerID(i int) string { return idNum("C", int64(i)+1, 6) }
