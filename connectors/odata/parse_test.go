package odata

import (
	"errors"
	"strings"
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

var kinds = map[string]config.Kind{
	"sap_odata": config.KindFunc(ValidateSAP),
	"odata4":    config.KindFunc(ValidateBC),
}

func env(k string) (string, bool) {
	v, ok := map[string]string{"SAP_USER": "ALICE", "SAP_PASSWORD": "pw", "BC_SECRET": "s"}[k]
	return v, ok
}

func TestConfigParseGood(t *testing.T) {
	const file = `connectors:
  - name: erp
    type: sap_odata
    schedule: "@hourly"
    sap_odata:
      base_url: https://erp.example.com/sap/opu/odata/sap
      username: ${SAP_USER}
      password: ${SAP_PASSWORD}
      sap_client: "100"
      reconcile: 12h
    streams:
      customers: { entity_set: A_BusinessPartner, fields: { segment: BusinessPartnerGrouping } }
      orders:    { entity_set: A_SalesOrder, expand: to_Item }
      order_lines: { entity_set: A_SalesOrder }
  - name: bc
    type: odata4
    odata4:
      base_url: https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0
      company_id: 6f2c1a4e-1b2c-4d5e-8f90-0123456789ab
      tenant: t
      client_id: app
      client_secret: ${BC_SECRET}
    streams:
      orders: { entity_set: salesInvoices }
`
	cfg, err := config.Parse("northstar.yaml", []byte(file), env, kinds)
	if err != nil {
		t.Fatal(err)
	}
	sap, err := NewSAP(&cfg.Connectors[0], connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if sap.ReconcileEvery().String() != "12h0m0s" || len(sap.Streams()) != 3 {
		t.Fatalf("sap: %v %v", sap.ReconcileEvery(), sap.Streams())
	}
	if got := sap.streams[0].mapping["segment"]; got != "BusinessPartnerGrouping" {
		t.Fatalf("fields override not applied: %q", got)
	}
	bc, err := NewBC(&cfg.Connectors[1], connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if bc.c.opts.tokenURL != "https://login.microsoftonline.com/t/oauth2/v2.0/token" || bc.streams[0].set != "salesInvoices" {
		t.Fatalf("bc defaults: %q %q", bc.c.opts.tokenURL, bc.streams[0].set)
	}
	if bc.Streams()[0] != northstar.StreamOrders {
		t.Fatal(bc.Streams())
	}
}

func TestConfigParseBad(t *testing.T) {
	const file = `connectors:
  - name: erp
    type: sap_odata
    sap_odata:
      username: ${SAP_USER}
      password: ${SAP_PASSWORD}
      colour: blue
    streams:
      orders: { entity_set: A_SalesOrders, fields: { amount: TotalNetAmount } }
      contacts: { entity_set: A_BusinessPartner }
  - name: bc
    type: odata4
    odata4:
      base_url: https://bc.example.com/api/v2.0
    streams:
      orders: { entity_set: salesOrder, colour: red }
`
	_, err := config.Parse("northstar.yaml", []byte(file), env, kinds)
	if err == nil || !errors.Is(err, northstar.ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{
		"northstar.yaml:5:7: connectors[0].sap_odata.base_url: base_url is required",
		"northstar.yaml:7:7: connectors[0].sap_odata.colour: unknown key",
		"northstar.yaml:9:29: connectors[0].streams.orders.entity_set: unknown entity set A_SalesOrders (want A_SalesOrder)",
		"connectors[0].streams.contacts: stream contacts is not supported by sap_odata (want customers, orders, order_lines)",
		"connectors[1].odata4.company_id: company_id is required",
		"northstar.yaml:16:29: connectors[1].streams.orders.entity_set: unknown entity set salesOrder (want salesOrders or salesInvoices)",
		"connectors[1].streams.orders.colour: unknown key",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing error %q in:\n%v", want, err)
		}
	}
}
