package config_test

import (
	"slices"
	"time"

	"github.com/northstar-dev/northstar/config"
)

// Fake connector kinds, so these tests do not depend on connector packages.
// They use config the way real connectors do: DecodeOptions, StreamSpec.Decode,
// Lookup and Errorf.

type salesforceOptions struct {
	LoginURL       string `yaml:"login_url" ns:"required"`
	Auth           string `yaml:"auth" ns:"required"`
	ClientID       string `yaml:"client_id"`
	ClientSecret   string `yaml:"client_secret"`
	Username       string `yaml:"username"`
	Password       string `yaml:"password"`
	SecurityToken  string `yaml:"security_token"`
	PrivateKeyFile string `yaml:"private_key_file"`
	InstanceURL    string `yaml:"instance_url"`
	AccessToken    string `yaml:"access_token"`
	APIVersion     string `yaml:"api_version"`
	MaxAPIPercent  int    `yaml:"max_api_percent"`
}

type salesforceStream struct {
	Object string `yaml:"object" ns:"required"`
	Where  string `yaml:"where"`
}

type odataOptions struct {
	BaseURL  string        `yaml:"base_url" ns:"required"`
	Username string        `yaml:"username"`
	Password string        `yaml:"password"`
	Timeout  time.Duration `yaml:"max_retry_after"`
	PageSize uint16        `yaml:"page_size"`
}

type odataStream struct {
	EntitySet string `yaml:"entity_set" ns:"required"`
	Expand    string `yaml:"expand"`
}

type fileOptions struct {
	Format    string `yaml:"format"`
	Delimiter string `yaml:"delimiter"`
	Header    *bool  `yaml:"header"`
}

type fileStream struct {
	Path   string            `yaml:"path" ns:"required"`
	Fields map[string]string `yaml:"fields"` // allowed, though StreamSpec.Decode skips it
}

func validateSalesforce(c *config.Connector) []error {
	var o salesforceOptions
	errs := c.DecodeOptions(&o)
	auths := []string{"jwt", "client_credentials", "password", "access_token"}
	if n := config.Lookup(c.Options, "auth"); n != nil && o.Auth != "" && !slices.Contains(auths, o.Auth) {
		errs = append(errs, config.Errorf(c.Pos.File, n, c.Path+".salesforce.auth",
			"want jwt, client_credentials, password or access_token, got %q", o.Auth))
	}
	for _, s := range c.Streams {
		var so salesforceStream
		errs = append(errs, s.Decode(&so)...)
	}
	return errs
}

func validateOData(c *config.Connector) []error {
	var o odataOptions
	errs := c.DecodeOptions(&o)
	for _, s := range c.Streams {
		var so odataStream
		errs = append(errs, s.Decode(&so)...)
	}
	return errs
}

func validateFile(c *config.Connector) []error {
	o := fileOptions{Format: "csv"}
	errs := c.DecodeOptions(&o)
	if n := config.Lookup(c.Options, "format"); n != nil && o.Format != "csv" && o.Format != "jsonl" {
		errs = append(errs, config.Errorf(c.Pos.File, n, c.Path+".file.format", "want csv or jsonl, got %q", o.Format))
	}
	for _, s := range c.Streams {
		var so fileStream
		errs = append(errs, config.Decode(c.Pos.File, s.Node, s.Path, &so)...)
	}
	return errs
}

var testKinds = map[string]config.Kind{
	"salesforce": config.KindFunc(validateSalesforce),
	"sap_odata":  config.KindFunc(validateOData),
	"file":       config.KindFunc(validateFile),
}

var testEnv = map[string]string{
	"DATABASE_URL":     "postgres://postgres@127.0.0.1:5432/northstar?sslmode=disable",
	"NORTHSTAR_TOKEN":  "s3cret-token",
	"SF_CLIENT_ID":     "3MVG9-client-id",
	"SF_CLIENT_SECRET": "sf-secret",
	"SF_USERNAME":      "integration@example.com",
	"SAP_USER":         "NORTHSTAR",
	"SAP_PASSWORD":     "sap-pass",
	"HORIZON":          "26",
	"NOT_A_NUMBER":     "lots",
	"EMPTY":            "",
	"SHOP_DIR":         "/data/shop",
}

func lookupEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}
