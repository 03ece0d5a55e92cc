package odata

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func getBody(t *testing.T, u string, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestSAPEmulatorWireFormat(t *testing.T) {
	f := newSAPFixture(t, SeedOptions{Partners: 1200, Orders: 30, Seed: 11})
	bp := BusinessPartner{BusinessPartner: "1", BusinessPartnerFullName: "O'Neil \"Quotes\"\n", CreationDate: Date(time.Date(2005, 10, 24, 0, 0, 0, 0, time.UTC)), CreationTime: TimeOfDay(14*3600 + 4*60 + 56)}
	f.emu.PutBusinessPartner(bp)
	so := SalesOrder{SalesOrder: "4000043", TotalNetAmount: "2656.24", TransactionCurrency: "EUR", SalesOrderDate: Date(time.UnixMilli(1130112000000)), LastChangeDateTime: DateTimeOffset(1130168212000), Items: []SalesOrderItem{{SalesOrderItem: "10", NetAmount: "1.50"}}}
	f.emu.PutSalesOrder(so)

	tests := []struct {
		name, path string
		status     int
		contains   []string
		absent     []string
	}{
		{"order with items", "/API_SALES_ORDER_SRV/A_SalesOrder?$filter=SalesOrder%20eq%20'4000043'&$expand=to_Item&$inlinecount=allpages&$format=json", 200,
			[]string{`{"d":{"results":[{"__metadata":{"id":"`, `/API_SALES_ORDER_SRV/A_SalesOrder('4000043')","uri":"`, `"type":"API_SALES_ORDER_SRV.A_SalesOrderType"}`,
				`"SalesOrderDate":"/Date(1130112000000)/"`, `"LastChangeDateTime":"/Date(1130168212000+0000)/"`, `"TotalNetAmount":"2656.24"`,
				`"to_Item":{"results":[{"__metadata":`, `"NetAmount":"1.50"`, `"ActualDeliveryDate":null`, `"__count":"1"`},
			[]string{`"__next"`}},
		{"deferred navigation", "/API_SALES_ORDER_SRV/A_SalesOrder?$filter=SalesOrder%20eq%20'4000043'", 200,
			[]string{`"to_Item":{"__deferred":{"uri":"`, `A_SalesOrder('4000043')/to_Item"}}`}, []string{`"__count"`}},
		{"select", "/API_SALES_ORDER_SRV/A_SalesOrder?$filter=SalesOrder%20eq%20'4000043'&$select=SalesOrder,to_Item/NetAmount&$expand=to_Item", 200,
			[]string{`"SalesOrder":"4000043","to_Item":{"results":[{"__metadata"`, `"NetAmount":"1.50"}]}`}, []string{`"TotalNetAmount"`, `"Material"`}},
		{"edm.time and escaping", "/API_BUSINESS_PARTNER/A_BusinessPartner?$filter=BusinessPartner%20eq%20'1'", 200,
			[]string{`"CreationTime":"PT14H04M56S"`, `"CreationDate":"/Date(1130112000000)/"`, `"LastChangeDate":null`, `"BusinessPartnerFullName":"O'Neil \"Quotes\"\n"`}, nil},
		{"default server page", "/API_BUSINESS_PARTNER/A_BusinessPartner?$select=BusinessPartner", 200,
			[]string{`"__next":"`, `$skiptoken=1000`}, nil},
		{"bad filter", "/API_SALES_ORDER_SRV/A_SalesOrder?$filter=Foo%20eq%201", 400,
			[]string{`{"error":{"code":"/IWBEP/CM_MGW_RT/022","message":{"lang":"en","value":"property Foo not found"}`}, nil},
		{"unknown set", "/API_SALES_ORDER_SRV/A_Nope", 404, []string{`"code":"/IWFND/MED/170"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body, _ := getBody(t, f.url+tt.path, nil)
			if st != tt.status {
				t.Fatalf("status %d: %s", st, body)
			}
			if st == 200 && !json.Valid([]byte(body)) {
				t.Fatalf("invalid JSON: %s", body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %s\n%.600s", c, body)
				}
			}
			for _, c := range tt.absent {
				if strings.Contains(body, c) {
					t.Errorf("body has %s", c)
				}
			}
		})
	}
	// Server paging: 1000 rows without $top, up to 5000 with it; __next
	// continues where the page ended.
	var page struct {
		D struct {
			Results []map[string]any `json:"results"`
			Next    string           `json:"__next"`
		} `json:"d"`
	}
	_, body, _ := getBody(t, f.url+"/API_BUSINESS_PARTNER/A_BusinessPartner?$select=BusinessPartner&$orderby=BusinessPartner", nil)
	_ = json.Unmarshal([]byte(body), &page)
	if len(page.D.Results) != 1000 || page.D.Next == "" {
		t.Fatalf("page of %d, next %q", len(page.D.Results), page.D.Next)
	}
	_, body, _ = getBody(t, page.D.Next, nil)
	page.D.Results, page.D.Next = nil, ""
	_ = json.Unmarshal([]byte(body), &page)
	if len(page.D.Results) != 201 || page.D.Next != "" {
		t.Fatalf("second page of %d, next %q", len(page.D.Results), page.D.Next)
	}
	_, body, _ = getBody(t, f.url+"/API_BUSINESS_PARTNER/A_BusinessPartner?$select=BusinessPartner&$top=1500", nil)
	page.D.Results, page.D.Next = nil, ""
	_ = json.Unmarshal([]byte(body), &page)
	if len(page.D.Results) != 1201 || page.D.Next != "" {
		t.Fatalf("$top page of %d, next %q", len(page.D.Results), page.D.Next)
	}
}

func TestEmulatorFilter(t *testing.T) {
	bp := &BusinessPartner{BusinessPartner: "1000123", BusinessPartnerFullName: "O'Neil", CreationDate: Date(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)),
		CreationTime: TimeOfDay(14*3600 + 4*60 + 56), BusinessPartnerIsBlocked: true}
	tests := []struct {
		filter string
		want   bool
		err    bool
	}{
		{"BusinessPartner eq '1000123'", true, false},
		{"BusinessPartner gt '1000122' and BusinessPartner lt '1000124'", true, false},
		{"BusinessPartnerFullName eq 'O''Neil'", true, false},
		{"LastChangeDate eq null", true, false},
		{"LastChangeDate ne null", false, false},
		{"LastChangeDate gt datetime'2000-01-01T00:00:00'", false, false}, // null compares false
		{"CreationDate eq datetime'2024-01-02T00:00:00'", true, false},
		{"(CreationDate gt datetime'2024-01-02T00:00:00') or (CreationDate eq datetime'2024-01-02T00:00:00' and CreationTime ge time'PT14H04M56S')", true, false},
		{"(CreationDate gt datetime'2024-01-02T00:00:00') or (CreationDate eq datetime'2024-01-02T00:00:00' and CreationTime ge time'PT14H04M57S')", false, false},
		{"CreationDate ge 2024-01-02", true, false},
		{"CreationDate lt 2024-01-01T23:59:59Z", false, false},
		{"BusinessPartnerIsBlocked eq true and not (BusinessPartnerIsBlocked eq false)", true, false},
		{"NoSuchField eq 1", false, true},
		{"BusinessPartner eq", false, true},
		{"BusinessPartner eq 1", false, true}, // string vs number
		{"(BusinessPartner eq '1'", false, true},
		{"CreationDate eq datetime'yesterday'", false, true},
	}
	for _, tt := range tests {
		n, err := parseFilter(tt.filter)
		var got bool
		if err == nil {
			got, err = n.eval(func(f string) (val, bool) { return fieldVal(bp, f) })
		}
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s = %v, %v; want %v (err %v)", tt.filter, got, err, tt.want, tt.err)
		}
	}
}

func TestBCEmulatorWireFormat(t *testing.T) {
	f := newBCFixture(t, SeedOptions{Partners: 3, Orders: 25, Seed: 12})
	f.emu.ClientID = "" // no auth for raw requests
	base := f.srv.URL + BCAPIPath + "/companies(" + bcCompany + ")/salesOrders"
	q := url.Values{"$orderby": {"lastModifiedDateTime,id"}, "$count": {"true"}, "$expand": {"salesOrderLines"}}
	st, body, hdr := getBody(t, base+"?"+encodeQuery(q), map[string]string{"Prefer": "odata.maxpagesize=10"})
	if st != 200 || hdr.Get("Preference-Applied") != "odata.maxpagesize=10" {
		t.Fatalf("status %d, Preference-Applied %q", st, hdr.Get("Preference-Applied"))
	}
	for _, c := range []string{`{"@odata.context":"`, `"@odata.count":25`, `"value":[{"@odata.etag":"W/\"`, `"orderDate":"20`, `"lastModifiedDateTime":"20`, `Z"`, `"salesOrderLines":[{`, `"@odata.nextLink":"`} {
		if !strings.Contains(body, c) {
			t.Errorf("body lacks %s", c)
		}
	}
	var p struct {
		Value []map[string]json.RawMessage `json:"value"`
		Next  string                       `json:"@odata.nextLink"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil || len(p.Value) != 10 {
		t.Fatalf("page: %v, %d rows", err, len(p.Value))
	}
	if amt := string(p.Value[0]["totalAmountExcludingTax"]); strings.HasPrefix(amt, `"`) {
		t.Errorf("amount is a string %s; BC sends numbers", amt)
	}
	// Keyset skiptoken: a row changed after page 1 moves to the end, and
	// the next page still starts right after page 1's last row.
	orders := f.emu.SalesOrders()
	var seen []string
	for _, r := range p.Value {
		var id string
		_ = json.Unmarshal(r["id"], &id)
		seen = append(seen, id)
	}
	for _, o := range orders {
		if o.ID == seen[0] {
			o.LastModifiedDateTime = Stamp(t0)
			f.emu.PutSalesOrder(o)
		}
	}
	total := len(seen)
	next := p.Next
	for next != "" {
		_, body, _ = getBody(t, next, map[string]string{"Prefer": "odata.maxpagesize=10"})
		p.Value, p.Next = nil, ""
		_ = json.Unmarshal([]byte(body), &p)
		total += len(p.Value)
		next = p.Next
	}
	if total != 26 { // 25 + the moved row read again at the end
		t.Fatalf("read %d rows, want 26", total)
	}
	// Rate limit window.
	f.emu.RateLimit, f.emu.RateWindow = 1, time.Minute
	getBody(t, base, nil)
	st, body, hdr = getBody(t, base, nil)
	if st != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(body, `"code":"Application_TooManyRequests"`) {
		t.Fatalf("rate limit: %d %s %q", st, body, hdr.Get("Retry-After"))
	}
}
