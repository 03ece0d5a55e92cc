package generate

import (
	"strconv"

	"github.com/northstar-dev/northstar"
)

// assignIDs numbers the customer's orders, lines and cases from the global
// counters, in time order within the customer.
func (w *world) assignIDs(bd *bundle) {
	for _, o := range bd.orders {
		w.nOrder++
		o.ID = idNum("SO", w.nOrder, 8)
		for k := range o.Lines {
			l := &o.Lines[k]
			l.Item = 10 * (k + 1)
			l.OrderID = o.ID
			l.ID = o.ID + "-" + strconv.Itoa(l.Item)
			l.ModifiedAt = o.ModifiedAt
		}
	}
	for _, o := range bd.orders {
		if o.origin != nil {
			o.RelatedOrderID = o.origin.ID
			o.origin = nil
		}
	}
	for _, c := range bd.cases {
		w.nCase++
		c.ID = idNum("CS", w.nCase, 8)
	}
}

// emit hands the bundle to sink and accounts for it in t.
func (bd *bundle) emit(sink Sink, t *Truth) error {
	if err := sink.Customer(bd.cust); err != nil {
		return err
	}
	t.Counts[northstar.StreamCustomers]++
	if bd.cust.ReferrerID != "" {
		t.Referred++
	}
	for _, c := range bd.contacts {
		if err := sink.Contact(c); err != nil {
			return err
		}
	}
	t.Counts[northstar.StreamContacts] += int64(len(bd.contacts))
	sales := 0
	for _, o := range bd.orders {
		if err := sink.Order(o); err != nil {
			return err
		}
		t.Counts[northstar.StreamOrders]++
		t.Counts[northstar.StreamOrderLines] += int64(len(o.Lines))
		t.OrdersByType[o.Type]++
		t.OrdersByStatus[o.Status]++
		if o.OutOfOrder {
			t.OutOfOrder++
		}
		if o.Status != StatusCanceled {
			t.Revenue[o.Currency] += o.Amount
		}
		if o.Type == OrderNewBusiness || o.Type == OrderRepeat {
			sales++
		}
	}
	if sales == 1 {
		t.OneOrderCustomers++
	}
	for _, k := range bd.contracts {
		if err := sink.Contract(k); err != nil {
			return err
		}
		if k.Seq == 0 {
			if k.GoLiveAt.IsZero() {
				t.NotLive++
			}
			if k.Pilot {
				t.Pilots++
			}
			if !k.AdoptedAt.IsZero() {
				t.Adopted++
			}
		}
	}
	t.Counts[northstar.StreamContracts] += int64(len(bd.contracts))
	for _, s := range bd.surveys {
		if err := sink.SurveyResponse(s); err != nil {
			return err
		}
	}
	t.Counts[northstar.StreamSurveyResponses] += int64(len(bd.surveys))
	for _, c := range bd.cases {
		if err := sink.SupportCase(c); err != nil {
			return err
		}
	}
	t.Counts[northstar.StreamSupportCases] += int64(len(bd.cases))
	return nil
}

// Records adapts a callback to a Sink: every entity is converted to a
// unified northstar.Record of its stream (an order first, then one record
// per line on the order_lines stream).
func Records(emit func(northstar.Stream, northstar.Record) error) Sink { return recordSink{emit} }

type recordSink struct {
	emit func(northstar.Stream, northstar.Record) error
}

func (s recordSink) Customer(c *Customer) error {
	return s.emit(northstar.StreamCustomers, c.Record())
}
func (s recordSink) Contact(c *Contact) error { return s.emit(northstar.StreamContacts, c.Record()) }
func (s recordSink) Order(o *Order) error {
	if err := s.emit(northstar.StreamOrders, o.Record()); err != nil {
		return err
	}
	for k := range o.Lines {
		if err := s.emit(northstar.StreamOrderLines, o.Lines[k].Record()); err != nil {
			return err
		}
	}
	return nil
}
func (s recordSink) Contract(c *Contract) error {
	return s.emit(northstar.StreamContracts, c.Record())
}
func (s recordSink) SurveyResponse(r *SurveyResponse) error {
	return s.emit(northstar.StreamSurveyResponses, r.Record())
}
func (s recordSink) SupportCase(c *SupportCase) error {
	return s.emit(northstar.StreamSupportCases, c.Record())
}
