package salesforce

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

// Auth flows accepted in the `auth` key.
const (
	AuthJWT               = "jwt"
	AuthClientCredentials = "client_credentials"
	AuthPassword          = "password"
	AuthAccessToken       = "access_token"
)

// Options is the `salesforce:` section of a connector.
type Options struct {
	// LoginURL is where tokens are requested: https://login.salesforce.com,
	// https://test.salesforce.com or a My Domain URL.
	LoginURL string `yaml:"login_url"`
	// Auth selects the OAuth flow: jwt, client_credentials, password or
	// access_token.
	Auth string `yaml:"auth" ns:"required"`
	// ClientID is the connected app's consumer key (all flows but
	// access_token); ClientSecret its consumer secret (client_credentials,
	// password).
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// Username is the integration user (jwt, password).
	Username string `yaml:"username"`
	// Password and SecurityToken are the user's password and security
	// token (password flow; the token may be empty with trusted IP ranges).
	Password      string `yaml:"password"`
	SecurityToken string `yaml:"security_token"`
	// PrivateKeyFile is the PEM RSA key whose certificate is uploaded to
	// the connected app (jwt).
	PrivateKeyFile string `yaml:"private_key_file"`
	// InstanceURL and AccessToken are a ready session (auth: access_token).
	InstanceURL string `yaml:"instance_url"`
	AccessToken string `yaml:"access_token"`
	// APIVersion is the REST API version without "v" (default "63.0").
	APIVersion string `yaml:"api_version"`
	// MaxAPIPercent stops a run (partial) before the org's daily API usage
	// reaches this percentage (default 50).
	MaxAPIPercent float64 `yaml:"max_api_percent"`
	// PageSize asks for this many records per query page (200–2000,
	// default 2000; Salesforce may send fewer).
	PageSize int `yaml:"page_size"`
	// Overlap is subtracted from the stored cursor on incremental reads so
	// rows that commit late are still seen (default 5m).
	Overlap time.Duration `yaml:"overlap"`
	// BulkThreshold: a full read of an object with more rows than this
	// uses Bulk API 2.0 (default 100000; 0 keeps the default, -1 disables).
	BulkThreshold int64 `yaml:"bulk_threshold"`
	// FormulaRefresh re-reads a stream that maps formula (calculated)
	// fields in full once per this period (default 24h; "0s" disables).
	FormulaRefresh *time.Duration `yaml:"formula_refresh"`
	// TaxIDField and ExternalIDField name Account fields mapped to the
	// customers stream's tax_id and external_id (e.g. VAT_Number__c,
	// ERP_Customer_Number__c).
	TaxIDField      string `yaml:"tax_id_field"`
	ExternalIDField string `yaml:"external_id_field"`
	// MaxRetryAfter caps how long a Retry-After header may make a retry
	// wait (default 60s).
	MaxRetryAfter time.Duration `yaml:"max_retry_after"`
	// MaxRetries is how often one HTTP call is retried (default 6).
	MaxRetries int `yaml:"max_retries"`
	// Timeout bounds one HTTP call, body included (default 120s).
	Timeout time.Duration `yaml:"timeout"`
}

// StreamOptions is one entry under a Salesforce connector's `streams:`.
type StreamOptions struct {
	// Object is the sObject read (default per stream: Account, Contact,
	// Opportunity, OpportunityLineItem, Contract, Case; required for
	// survey_responses).
	Object string `yaml:"object"`
	// Where is an extra SOQL condition, ANDed to the connector's own.
	Where string `yaml:"where"`
	// Fields overrides default mappings: unified field → Salesforce field
	// (dotted relationship paths such as Product2.Family allowed).
	Fields map[string]string `yaml:"fields"`
	// CursorField is the change timestamp (default SystemModstamp, then
	// LastModifiedDate, then CreatedDate, whichever the object has).
	CursorField string `yaml:"cursor_field"`
}

// StreamConfig binds a stream to its options.
type StreamConfig struct {
	Stream  northstar.Stream
	Options StreamOptions
}

var (
	versionRe = regexp.MustCompile(`^\d{2,3}\.\d$`)
	soqlName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)
)

func (o *Options) defaults() {
	if o.APIVersion == "" {
		o.APIVersion = "63.0"
	}
	if o.MaxAPIPercent == 0 {
		o.MaxAPIPercent = 50
	}
	if o.PageSize == 0 {
		o.PageSize = 2000
	}
	if o.Overlap == 0 {
		o.Overlap = 5 * time.Minute
	}
	if o.BulkThreshold == 0 {
		o.BulkThreshold = 100000
	}
	if o.FormulaRefresh == nil {
		d := 24 * time.Hour
		o.FormulaRefresh = &d
	}
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = time.Minute
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 6
	}
	if o.Timeout == 0 {
		o.Timeout = 120 * time.Second
	}
	if o.LoginURL == "" && o.Auth != AuthAccessToken {
		o.LoginURL = "https://login.salesforce.com"
	}
}

// problem is one option error: the key it concerns and what is wrong.
type problem struct{ key, msg string }

// check returns every problem of o (after defaults).
func (o *Options) check() []problem {
	var ps []problem
	add := func(key, format string, args ...any) { ps = append(ps, problem{key, fmt.Sprintf(format, args...)}) }
	need := func(key, val string) {
		if val == "" {
			add(key, "required for auth: %s", o.Auth)
		}
	}
	switch o.Auth {
	case AuthJWT:
		need("client_id", o.ClientID)
		need("username", o.Username)
		need("private_key_file", o.PrivateKeyFile)
	case AuthClientCredentials:
		need("client_id", o.ClientID)
		need("client_secret", o.ClientSecret)
	case AuthPassword:
		need("client_id", o.ClientID)
		need("client_secret", o.ClientSecret)
		need("username", o.Username)
		need("password", o.Password)
	case AuthAccessToken:
		need("instance_url", o.InstanceURL)
		need("access_token", o.AccessToken)
	case "":
	default:
		add("auth", "unknown auth %q (want jwt, client_credentials, password or access_token)", o.Auth)
	}
	for key, v := range map[string]string{"login_url": o.LoginURL, "instance_url": o.InstanceURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(key, "want an https URL, got %q", v)
		}
	}
	if !versionRe.MatchString(o.APIVersion) {
		add("api_version", "want a version such as \"63.0\", got %q", o.APIVersion)
	}
	if o.MaxAPIPercent <= 0 || o.MaxAPIPercent > 100 {
		add("max_api_percent", "want a percentage in (0, 100], got %v", o.MaxAPIPercent)
	}
	if o.PageSize < 200 || o.PageSize > 2000 {
		add("page_size", "want 200 to 2000, got %d", o.PageSize)
	}
	if o.Overlap < 0 {
		add("overlap", "must not be negative")
	}
	if o.BulkThreshold < -1 {
		add("bulk_threshold", "want a row count, or -1 to disable Bulk API 2.0")
	}
	if *o.FormulaRefresh < 0 {
		add("formula_refresh", "must not be negative")
	}
	if o.MaxRetryAfter < 0 || o.MaxRetries < 0 || o.Timeout < 0 {
		add("max_retry_after", "durations and counts must not be negative")
	}
	for key, v := range map[string]string{"tax_id_field": o.TaxIDField, "external_id_field": o.ExternalIDField} {
		if v != "" && !soqlName.MatchString(v) {
			add(key, "not a Salesforce field name: %q", v)
		}
	}
	return ps
}

// defaultObject is the sObject a stream reads when `object` is not set.
var defaultObject = map[northstar.Stream]string{
	northstar.StreamCustomers:    "Account",
	northstar.StreamContacts:     "Contact",
	northstar.StreamOrders:       "Opportunity",
	northstar.StreamOrderLines:   "OpportunityLineItem",
	northstar.StreamContracts:    "Contract",
	northstar.StreamSupportCases: "Case",
}

func (s *StreamOptions) check(st northstar.Stream) []problem {
	var ps []problem
	if s.Object == "" {
		if _, ok := defaultObject[st]; !ok {
			ps = append(ps, problem{"object", fmt.Sprintf("required for stream %s (the custom object to read, e.g. Survey_Response__c)", st)})
		}
	} else if !soqlName.MatchString(s.Object) || len(s.Object) > 80 {
		ps = append(ps, problem{"object", fmt.Sprintf("not a Salesforce object name: %q", s.Object)})
	}
	if s.CursorField != "" && !soqlName.MatchString(s.CursorField) {
		ps = append(ps, problem{"cursor_field", fmt.Sprintf("not a Salesforce field name: %q", s.CursorField)})
	}
	for k, v := range s.Fields {
		if !st.HasField(k) {
			ps = append(ps, problem{"fields." + k, fmt.Sprintf("unknown field %q of stream %s", k, st)})
		}
		if _, isConst := northstar.Constant(v); !isConst && v != "" && !soqlName.MatchString(v) {
			ps = append(ps, problem{"fields." + k, fmt.Sprintf("not a Salesforce field name: %q", v)})
		}
	}
	return ps
}

// Validate checks a Salesforce connector's configuration without touching
// any system; every error carries file:line:col and key path and wraps
// northstar.ErrInvalidConfig.
func Validate(c *config.Connector) []error {
	_, _, errs := decode(c)
	return errs
}

func decode(c *config.Connector) (Options, []StreamConfig, []error) {
	var opts Options
	errs := c.DecodeOptions(&opts)
	opts.defaults()
	base := c.Path + "." + c.Type
	for _, p := range opts.check() {
		node := config.Lookup(c.Options, p.key)
		if node == nil {
			node = c.Options
		}
		errs = append(errs, config.Errorf(c.Pos.File, node, base+"."+p.key, "%s", p.msg))
	}
	var streams []StreamConfig
	for i := range c.Streams {
		spec := &c.Streams[i]
		if spec.Stream == northstar.StreamFXRates {
			errs = append(errs, config.Errorf(spec.Pos.File, spec.Node, spec.Path,
				"stream fx_rates is not supported by salesforce (load daily FX rates through a file or sql connector)"))
			continue
		}
		var so StreamOptions
		errs = append(errs, spec.Decode(&so)...)
		so.Fields = spec.Fields
		for _, p := range so.check(spec.Stream) {
			node := spec.Node
			key, sub, nested := strings.Cut(p.key, ".")
			if n := config.Lookup(spec.Node, key); n != nil {
				node = n
				if nested {
					if m := config.Lookup(n, sub); m != nil {
						node = m
					}
				}
			}
			errs = append(errs, config.Errorf(spec.Pos.File, node, spec.Path+"."+p.key, "%s", p.msg))
		}
		streams = append(streams, StreamConfig{Stream: spec.Stream, Options: so})
	}
	return opts, streams, errs
}

// redacted returns a copy of o with its secrets replaced by "[redacted]".
func (o Options) redacted() Options {
	for _, s := range []*string{&o.ClientSecret, &o.Password, &o.SecurityToken, &o.AccessToken} {
		if *s != "" {
			*s = "[redacted]"
		}
	}
	return o
}

// String formats o with its secrets redacted, so that printing options
// (%v, %+v) never leaks them.
func (o Options) String() string {
	type plain Options // no String method: no recursion
	return fmt.Sprintf("%+v", plain(o.redacted()))
}

// LogValue makes slog print o with its secrets redacted.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }
