package odata

import (
	"errors"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

func TestValidateSAP(t *testing.T) {
	tests := []struct {
		name, opts, streams string
		want                []string // substrings, one per expected error
	}{
		{"ok", "base_url: https://erp.example.com/sap/opu/odata/sap\nusername: u\npassword: p\nsap_client: \"100\"\noverlap: 5m\nreconcile: 24h", allSAPStreams, nil},
		{"ok oauth", "base_url: https://erp.example.com/sap/opu/odata/sap\nclient_id: a\nclient_secret: b\ntoken_url: https://erp.example.com/oauth/token", "customers: {}", nil},
		{"missing base_url", "username: u\npassword: p", "customers: {}", []string{"northstar.yaml:1:1: connectors[erp].sap_odata.base_url: base_url is required"}},
		{"no options at all", "", "customers: {}", []string{"base_url is required"}},
		{"bad url", "base_url: erp.example.com", "", []string{"connectors[erp].sap_odata.base_url: invalid URL \"erp.example.com\""}},
		{"unknown entity set", "base_url: https://x", "orders: { entity_set: A_SalesOrders }", []string{"northstar.yaml:1:23: connectors[erp].streams.orders.entity_set: unknown entity set A_SalesOrders (want A_SalesOrder)"}},
		{"unknown line set", "base_url: https://x", "order_lines: { entity_set: A_Item }", []string{"unknown entity set A_Item (want A_SalesOrder or A_SalesOrderItem)"}},
		{"unsupported stream", "base_url: https://x", "contacts: { entity_set: A_BusinessPartner }", []string{"stream contacts is not supported by sap_odata (want customers, orders, order_lines)"}},
		{"fx rates unsupported", "base_url: https://x", "fx_rates: {}", []string{"stream fx_rates is not supported by sap_odata (want customers, orders, order_lines)"}},
		{"basic half", "base_url: https://x\nusername: u", "", []string{"username and password go together"}},
		{"oauth half", "base_url: https://x\nclient_id: a", "", []string{"client_secret is required", "token_url is required"}},
		{"both auths", "base_url: https://x\nusername: u\npassword: p\nclient_id: a\nclient_secret: b\ntoken_url: https://t", "", []string{"choose basic auth"}},
		{"bad numbers", "base_url: https://x\npage_size: 9000\noverlap: soon\nreconcile: -1h\nmax_retry_after: x\nsap_client: \"1000\"\nmax_retries: 99", "", []string{
			"sap_odata.page_size: page_size 9000 out of range (want 1..5000)", "sap_odata.overlap: invalid duration \"soon\"",
			"reconcile: invalid duration \"-1h\"", "max_retry_after: invalid duration", "invalid sap_client \"1000\"", "max_retries 99 out of range"}},
		{"bad cursor", "base_url: https://x", "customers: { cursor: LastChangeDate }\norder_lines: { entity_set: A_SalesOrderItem, cursor: X }\norders: { cursor: \"a b\" }", []string{
			"business partners use the compound cursor", "A_SalesOrderItem has no change timestamp", "invalid cursor property \"a b\""}},
		{"bad billing", "base_url: https://x", "orders: { billing: A_Invoice }\ncustomers: { billing: off }", []string{"unknown billing entity set A_Invoice", "billing applies to the orders stream only"}},
		{"bad fields", "base_url: https://x", "orders: { fields: { amount: TotalNetAmount, colour: Color, customer: \"\" } }", []string{"unknown field colour of stream orders", "fields.customer: empty source field"}},
		{"bad expand", "base_url: https://x", "orders: { expand: \"to_Item,to Partner\" }", []string{"invalid navigation property \"to Partner\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connector(t, "sap_odata", tt.opts, tt.streams)
			errs := ValidateSAP(c)
			checkErrs(t, errs, tt.want)
			_, err := NewSAP(c, connectors.Env{})
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("NewSAP err = %v", err)
			}
			if err != nil && !errors.Is(err, northstar.ErrInvalidConfig) {
				t.Fatalf("NewSAP error does not wrap ErrInvalidConfig: %v", err)
			}
		})
	}
}

func checkErrs(t *testing.T, errs []error, want []string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), joinErrs(errs))
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			if strings.Contains(e.Error(), w) {
				found = true
			}
			if !errors.Is(e, northstar.ErrInvalidConfig) {
				t.Errorf("error %q does not wrap ErrInvalidConfig", e)
			}
		}
		if !found {
			t.Errorf("no error contains %q; got:\n%s", w, joinErrs(errs))
		}
	}
}

func joinErrs(errs []error) string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}
