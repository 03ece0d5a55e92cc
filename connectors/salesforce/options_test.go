package salesforce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

const goodYAML = `
connectors:
  - name: crm
    type: salesforce
    salesforce:
      login_url: https://login.salesforce.com
      auth: jwt
      client_id: ${SF_CLIENT_ID}
      username: ${SF_USERNAME}
      private_key_file: /etc/northstar/sf.pem
      api_version: "62.0"
      max_api_percent: 40
      overlap: 10m
      formula_refresh: 12h
      tax_id_field: VAT_Number__c
      external_id_field: ERP_Customer_Number__c
    streams:
      customers:  { object: Account }
      contacts:   { object: Contact }
      orders:     { object: Opportunity, where: "IsWon = true" }
      support_cases: { object: Case }
      survey_responses:
        object: Survey_Response__c
        fields: { customer: Account__c, score: Score__c, instrument: Type__c, responded_at: CreatedDate }
`

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

var kinds = map[string]config.Kind{"salesforce": config.KindFunc(Validate)}

func TestValidateGood(t *testing.T) {
	cfg, err := config.Parse("northstar.yaml", []byte(goodYAML),
		env(map[string]string{"SF_CLIENT_ID": "abc", "SF_USERNAME": "u@x"}), kinds)
	if err != nil {
		t.Fatal(err)
	}
	opts, streams, errs := decode(&cfg.Connectors[0])
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if opts.APIVersion != "62.0" || opts.MaxAPIPercent != 40 || opts.Overlap != 10*time.Minute ||
		*opts.FormulaRefresh != 12*time.Hour || opts.PageSize != 2000 || opts.BulkThreshold != 100000 {
		t.Fatalf("options %+v", opts)
	}
	if len(streams) != 5 || streams[4].Options.Fields["score"] != "Score__c" || streams[2].Options.Where != "IsWon = true" {
		t.Fatalf("streams %+v", streams)
	}
	// New reads the key file, which does not exist here.
	if _, err := New(&cfg.Connectors[0], connectors.Env{}); !errors.Is(err, northstar.ErrInvalidConfig) {
		t.Fatalf("New without key file: %v", err)
	}
}

func TestValidateBad(t *testing.T) {
	tests := []struct {
		name    string
		section string
		streams string
		want    []string
	}{
		{"unknown key", "auth: password\n      client_id: a\n      client_secret: b\n      username: u\n      password: p\n      colour: red",
			"customers: {}", []string{"colour"}},
		{"missing auth", "client_id: a", "customers: {}", []string{"auth"}},
		{"bad auth", "auth: magic", "customers: {}", []string{"magic"}},
		{"jwt needs key", "auth: jwt\n      client_id: a\n      username: u", "customers: {}",
			[]string{"salesforce.private_key_file: required for auth: jwt"}},
		{"access token needs instance", "auth: access_token\n      access_token: x", "customers: {}",
			[]string{"instance_url"}},
		{"bad numbers", "auth: client_credentials\n      client_id: a\n      client_secret: b\n      max_api_percent: 150\n      page_size: 5000\n      api_version: v63",
			"customers: {}", []string{"max_api_percent", "page_size", "api_version"}},
		{"bad duration", "auth: client_credentials\n      client_id: a\n      client_secret: b\n      overlap: soon",
			"customers: {}", []string{"overlap"}},
		{"survey needs object", "auth: client_credentials\n      client_id: a\n      client_secret: b",
			"survey_responses: { fields: { score: Score__c } }", []string{"survey_responses.object"}},
		{"bad field name", "auth: client_credentials\n      client_id: a\n      client_secret: b",
			"customers: { fields: { name: \"Name; DROP\" } }", []string{"fields.name"}},
		{"unknown stream key", "auth: client_credentials\n      client_id: a\n      client_secret: b",
			"customers: { table: Account }", []string{"table"}},
		{"fx rates unsupported", "auth: client_credentials\n      client_id: a\n      client_secret: b",
			"fx_rates: { object: DatedConversionRate }", []string{"n.yaml:9:17: connectors[0].streams.fx_rates: stream fx_rates is not supported by salesforce (load daily FX rates through a file or sql connector)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := "connectors:\n  - name: crm\n    type: salesforce\n    salesforce:\n      " + tt.section +
				"\n    streams:\n      " + tt.streams + "\n"
			_, err := config.Parse("n.yaml", []byte(y), nil, kinds)
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, northstar.ErrInvalidConfig) {
				t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "n.yaml:") {
				t.Fatalf("error has no position: %v", err)
			}
		})
	}
}

func TestNewFromConfig(t *testing.T) {
	f := newFixture(t)
	loadAccounts(t, f.e, 10, f.clock.Now())
	y := "connectors:\n  - name: crm\n    type: salesforce\n    salesforce:\n" +
		"      login_url: ${SF_URL}\n      auth: jwt\n      client_id: " + testClientID + "\n" +
		"      username: " + testUser + "\n      private_key_file: " + f.keyFile + "\n" +
		"    streams:\n      customers: {}\n"
	cfg, err := config.Parse("n.yaml", []byte(y), env(map[string]string{"SF_URL": f.url}), kinds)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&cfg.Connectors[0], connectors.Env{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	k := newSink()
	if err := k.run(context.Background(), s, northstar.StreamCustomers); err != nil {
		t.Fatal(err)
	}
	k.sameAs(t, f.e, "Account")
}

func TestOptionsRedacted(t *testing.T) {
	o := Options{Auth: AuthPassword, ClientID: "id", ClientSecret: "sekrit-1", Password: "sekrit-2",
		SecurityToken: "sekrit-3", AccessToken: "sekrit-4"}
	var buf syncBuffer
	debugLogger(&buf).Info("options", "opts", o)
	for _, out := range []string{fmt.Sprintf("%v %+v %s", o, o, o), buf.String()} {
		if strings.Contains(out, "sekrit") || !strings.Contains(out, "id") {
			t.Fatalf("secrets printed: %s", out)
		}
	}
}

// TestNewSourceRefusesFXRates: Salesforce does not serve daily FX rates,
// also when the source is built in code.
func TestNewSourceRefusesFXRates(t *testing.T) {
	_, err := NewSource("crm", Options{Auth: AuthClientCredentials, ClientID: "a", ClientSecret: "b"},
		[]StreamConfig{{Stream: northstar.StreamFXRates, Options: StreamOptions{Object: "DatedConversionRate"}}}, connectors.Env{})
	if !errors.Is(err, northstar.ErrInvalidConfig) || !strings.Contains(err.Error(), "streams.fx_rates: not supported by salesforce") {
		t.Fatalf("got %v", err)
	}
}
