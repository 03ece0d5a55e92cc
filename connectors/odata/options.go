package odata

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

// SAPOptions is the `sap_odata:` section of a connector.
//
//	sap_odata:
//	  base_url: https://erp.example.com/sap/opu/odata/sap   # required; services are appended
//	  username: ${SAP_USER}          # basic auth, or …
//	  password: ${SAP_PASSWORD}
//	  client_id: ${SAP_CLIENT_ID}    # … OAuth2 client credentials (with token_url)
//	  client_secret: ${SAP_SECRET}
//	  token_url: https://…/oauth/token
//	  sap_client: "100"              # sent as ?sap-client=100 on every request
//	  page_size: 1000                # rows per request ($top), 1..5000
//	  overlap: 10m                   # re-read window before the cursor
//	  reconcile: 24h                 # key-set reconciliation interval (0 = off)
//	  max_retry_after: 60s           # cap on a server's Retry-After
//	  max_retries: 5                 # retries of one request (429, 5xx, cut bodies)
//	  time_zone: Europe/Berlin       # zone of business partner date+time pairs (default UTC)
type SAPOptions struct {
	BaseURL       string `yaml:"base_url"`
	Username      string `yaml:"username"`
	Password      string `yaml:"password"`
	ClientID      string `yaml:"client_id"`
	ClientSecret  string `yaml:"client_secret"`
	TokenURL      string `yaml:"token_url"`
	Scope         string `yaml:"scope"`
	SAPClient     string `yaml:"sap_client"`
	PageSize      int    `yaml:"page_size"`
	Overlap       string `yaml:"overlap"`
	Reconcile     string `yaml:"reconcile"`
	MaxRetryAfter string `yaml:"max_retry_after"`
	MaxRetries    *int   `yaml:"max_retries"`
	// TimeZone is the zone of A_BusinessPartner's date+time pairs
	// (CreationDate/Time, LastChangeDate/Time), which SAP stores as wall
	// time of the system; default UTC. Edm.DateTimeOffset values are UTC.
	TimeZone string `yaml:"time_zone"`
}

// SAPStreamOptions is one stream entry of a sap_odata connector.
//
//	streams:
//	  customers:   { entity_set: A_BusinessPartner }
//	  orders:      { entity_set: A_SalesOrder, expand: to_Item, billing: A_BillingDocument }
//	  order_lines: { entity_set: A_SalesOrder }      # lines from to_Item; or A_SalesOrderItem
type SAPStreamOptions struct {
	EntitySet string            `yaml:"entity_set"`
	Expand    string            `yaml:"expand"`
	Fields    map[string]string `yaml:"fields"`
	// Cursor is the change-timestamp property (orders, order_lines: an
	// Edm.DateTimeOffset, default LastChangeDateTime). Business partners
	// always use the compound LastChangeDate,LastChangeTime.
	Cursor string `yaml:"cursor"`
	// Billing (orders only): A_BillingDocument (default) enriches orders
	// with invoiced_at/paid_at; "off" disables it.
	Billing string `yaml:"billing"`
}

// BCOptions is the `odata4:` section (Dynamics 365 Business Central API v2.0).
//
//	odata4:
//	  base_url: https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0  # required
//	  company_id: 00000000-0000-0000-0000-000000000000   # required
//	  tenant: <tenant>               # default token_url: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
//	  token_url: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
//	  client_id: ${BC_CLIENT_ID}
//	  client_secret: ${BC_CLIENT_SECRET}
//	  scope: https://api.businesscentral.dynamics.com/.default
//	  page_size: 1000                # Prefer: odata.maxpagesize, 1..20000
//	  overlap, reconcile, max_retry_after, max_retries: as for sap_odata
type BCOptions struct {
	BaseURL       string `yaml:"base_url"`
	Tenant        string `yaml:"tenant"`
	CompanyID     string `yaml:"company_id"`
	TokenURL      string `yaml:"token_url"`
	ClientID      string `yaml:"client_id"`
	ClientSecret  string `yaml:"client_secret"`
	Scope         string `yaml:"scope"`
	PageSize      int    `yaml:"page_size"`
	Overlap       string `yaml:"overlap"`
	Reconcile     string `yaml:"reconcile"`
	MaxRetryAfter string `yaml:"max_retry_after"`
	MaxRetries    *int   `yaml:"max_retries"`
}

// BCStreamOptions is one stream entry of an odata4 connector.
//
//	streams:
//	  customers:   { entity_set: customers }
//	  orders:      { entity_set: salesOrders }       # or salesInvoices
//	  order_lines: { entity_set: salesOrderLines }   # or salesInvoiceLines
type BCStreamOptions struct {
	EntitySet string            `yaml:"entity_set"`
	Fields    map[string]string `yaml:"fields"`
}

// sapSetsFor lists the entity sets a sap_odata stream may read; the first is the default.
var sapSetsFor = map[northstar.Stream][]string{
	northstar.StreamCustomers:  {"A_BusinessPartner"},
	northstar.StreamOrders:     {"A_SalesOrder"},
	northstar.StreamOrderLines: {"A_SalesOrder", "A_SalesOrderItem"},
}

// bcSetsFor lists the entity sets an odata4 stream may read; the first is the default.
var bcSetsFor = map[northstar.Stream][]string{
	northstar.StreamCustomers:  {"customers"},
	northstar.StreamOrders:     {"salesOrders", "salesInvoices"},
	northstar.StreamOrderLines: {"salesOrderLines", "salesInvoiceLines"},
}

// common holds the options both connectors share, parsed.
type common struct {
	pageSize      int
	overlap       time.Duration
	reconcile     time.Duration
	maxRetryAfter time.Duration
	maxRetries    int
}

type problems struct {
	file string
	errs []error
}

func (p *problems) add(node *yaml.Node, path, format string, args ...any) {
	p.errs = append(p.errs, config.Errorf(p.file, node, path, format, args...))
}

// keyNode returns the value node of key in mapping node m, or m itself.
func keyNode(m *yaml.Node, key string) *yaml.Node {
	if m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i+1]
			}
		}
	}
	return m
}

func posNode(c *config.Connector) *yaml.Node {
	if c.Options != nil {
		return c.Options
	}
	return &yaml.Node{Line: c.Pos.Line, Column: c.Pos.Col}
}

// connPath is the connector's key path: config's own (connectors[1]) when
// the connector came from config.Parse, else connectors[NAME].
func connPath(c *config.Connector) string {
	if c.Path != "" {
		return c.Path
	}
	return "connectors[" + c.Name + "]"
}

func (p *problems) duration(node *yaml.Node, path, key, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.add(keyNode(node, key), path+"."+key, "invalid duration %q (want e.g. 10m, 24h)", s)
		return def
	}
	return d
}

func (p *problems) url(node *yaml.Node, path, key, s string, required bool) {
	if s == "" {
		if required {
			p.add(node, path+"."+key, "%s is required", key)
		}
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(keyNode(node, key), path+"."+key, "invalid URL %q (want http(s)://host/…)", s)
	}
}

func (p *problems) common(node *yaml.Node, path string, pageSize, maxPage int, overlap, reconcile, maxRetryAfter string, maxRetries *int) common {
	c := common{pageSize: pageSize, maxRetries: 5}
	if c.pageSize == 0 {
		c.pageSize = 1000
	}
	if c.pageSize < 1 || c.pageSize > maxPage {
		p.add(keyNode(node, "page_size"), path+".page_size", "page_size %d out of range (want 1..%d)", pageSize, maxPage)
		c.pageSize = 1000
	}
	c.overlap = p.duration(node, path, "overlap", overlap, 10*time.Minute)
	c.reconcile = p.duration(node, path, "reconcile", reconcile, 24*time.Hour)
	c.maxRetryAfter = p.duration(node, path, "max_retry_after", maxRetryAfter, time.Minute)
	if maxRetries != nil {
		c.maxRetries = *maxRetries
		if c.maxRetries < 0 || c.maxRetries > 50 {
			p.add(keyNode(node, "max_retries"), path+".max_retries", "max_retries %d out of range (want 0..50)", *maxRetries)
			c.maxRetries = 5
		}
	}
	return c
}

func (p *problems) oauth(node *yaml.Node, path, id, secret, tokenURL string) {
	if id == "" && secret == "" && tokenURL == "" {
		return
	}
	for k, v := range map[string]string{"client_id": id, "client_secret": secret, "token_url": tokenURL} {
		if v == "" {
			p.add(node, path+"."+k, "%s is required with OAuth2 client credentials (client_id, client_secret, token_url)", k)
		}
	}
	p.url(node, path, "token_url", tokenURL, false)
}

// stream decodes a stream entry's options and checks its entity set and fields.
func (p *problems) stream(c *config.Connector, kind string, sets map[northstar.Stream][]string, st config.StreamSpec, v any, set *string, fieldsP *map[string]string) {
	path := streamPath(c, st)
	// A spec built by config.Parse has its `fields` parsed and checked
	// already; decode the rest. A hand-built spec is decoded whole.
	coreParsed := st.Path != ""
	if coreParsed {
		p.errs = append(p.errs, st.Decode(v)...)
	} else {
		p.errs = append(p.errs, config.Decode(p.file, st.Node, path, v)...)
	}
	fields := mergeFields(st.Fields, *fieldsP)
	want, ok := sets[st.Stream]
	if !ok {
		var names []string
		for _, s := range northstar.AllStreams() {
			if _, ok := sets[s]; ok {
				names = append(names, string(s))
			}
		}
		p.add(nodeOr(st.Node, st.Pos), path, "stream %s is not supported by %s (want %s)", st.Stream, kind, strings.Join(names, ", "))
		return
	}
	if *set == "" {
		*set = want[0]
	} else if !slices.Contains(want, *set) {
		p.add(keyNode(nodeOr(st.Node, st.Pos), "entity_set"), path+".entity_set", "unknown entity set %s (want %s)", *set, strings.Join(want, " or "))
	}
	for k, v := range fields {
		if coreParsed {
			break
		}
		if !st.Stream.HasField(k) {
			p.add(keyNode(keyNode(st.Node, "fields"), k), path+".fields."+k, "unknown field %s of stream %s (want one of %s)", k, st.Stream, strings.Join(st.Stream.Fields(), ", "))
		}
		if v == "" {
			p.add(keyNode(keyNode(st.Node, "fields"), k), path+".fields."+k, "empty source field")
		}
	}
}

func streamPath(c *config.Connector, st config.StreamSpec) string {
	if st.Path != "" {
		return st.Path
	}
	return connPath(c) + ".streams." + string(st.Stream)
}

func nodeOr(n *yaml.Node, pos config.Pos) *yaml.Node {
	if n != nil {
		return n
	}
	return &yaml.Node{Line: pos.Line, Column: pos.Col}
}

func isIdentifier(s string) bool {
	if s == "" || !isIdent(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdent(s[i]) && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// sapConfig is a validated sap_odata configuration.
type sapConfig struct {
	loc     *time.Location
	opts    SAPOptions
	common  common
	streams []sapStreamConfig
}

type sapStreamConfig struct {
	stream northstar.Stream
	opts   SAPStreamOptions
}

func parseSAP(c *config.Connector) (*sapConfig, []error) {
	p := &problems{file: c.Pos.File}
	path := connPath(c) + ".sap_odata"
	node := posNode(c)
	out := &sapConfig{}
	if c.Options != nil {
		p.errs = append(p.errs, config.Decode(p.file, c.Options, path, &out.opts)...)
	}
	o := &out.opts
	p.url(node, path, "base_url", o.BaseURL, true)
	if (o.Username == "") != (o.Password == "") {
		p.add(node, path, "username and password go together (basic auth)")
	}
	p.oauth(node, path, o.ClientID, o.ClientSecret, o.TokenURL)
	if o.Username != "" && o.ClientID != "" {
		p.add(node, path, "choose basic auth (username/password) or OAuth2 (client_id/client_secret/token_url), not both")
	}
	if o.SAPClient != "" && (len(o.SAPClient) != 3 || !allDigits(o.SAPClient)) {
		p.add(keyNode(node, "sap_client"), path+".sap_client", "invalid sap_client %q (want three digits, e.g. \"100\")", o.SAPClient)
	}
	out.common = p.common(node, path, o.PageSize, 5000, o.Overlap, o.Reconcile, o.MaxRetryAfter, o.MaxRetries)
	out.loc = time.UTC
	if o.TimeZone != "" {
		loc, err := time.LoadLocation(o.TimeZone)
		if err != nil {
			p.add(keyNode(node, "time_zone"), path+".time_zone", "unknown time zone %q (want an IANA name such as Europe/Berlin)", o.TimeZone)
		} else {
			out.loc = loc
		}
	}
	for _, st := range c.Streams {
		var so SAPStreamOptions
		spath := streamPath(c, st)
		p.stream(c, "sap_odata", sapSetsFor, st, &so, &so.EntitySet, &so.Fields)
		if so.EntitySet == "" {
			continue
		}
		if so.Cursor != "" {
			switch {
			case st.Stream == northstar.StreamCustomers:
				if so.Cursor != "LastChangeDate,LastChangeTime" {
					p.add(keyNode(st.Node, "cursor"), spath+".cursor", "business partners use the compound cursor LastChangeDate,LastChangeTime, not %q", so.Cursor)
				}
			case so.EntitySet == "A_SalesOrderItem":
				p.add(keyNode(st.Node, "cursor"), spath+".cursor", "A_SalesOrderItem has no change timestamp; it is read in full (use entity_set A_SalesOrder for incremental lines)")
			case !isIdentifier(so.Cursor):
				p.add(keyNode(st.Node, "cursor"), spath+".cursor", "invalid cursor property %q", so.Cursor)
			}
		}
		switch so.Billing {
		case "", "A_BillingDocument", "off":
			if so.Billing != "" && st.Stream != northstar.StreamOrders {
				p.add(keyNode(st.Node, "billing"), spath+".billing", "billing applies to the orders stream only")
			}
		default:
			p.add(keyNode(st.Node, "billing"), spath+".billing", "unknown billing entity set %s (want A_BillingDocument or off)", so.Billing)
		}
		for _, x := range splitList(so.Expand) {
			if !isIdentifier(x) {
				p.add(keyNode(st.Node, "expand"), spath+".expand", "invalid navigation property %q", x)
			}
		}
		so.Fields = mergeFields(st.Fields, so.Fields)
		out.streams = append(out.streams, sapStreamConfig{stream: st.Stream, opts: so})
	}
	return out, p.errs
}

func mergeFields(a, b map[string]string) map[string]string {
	if len(a) == 0 {
		return b
	}
	out := map[string]string{}
	for k, v := range b {
		out[k] = v
	}
	for k, v := range a {
		out[k] = v
	}
	return out
}

// ValidateSAP validates a sap_odata connector's options and streams; it is
// the connector type's config.Kind (config.KindFunc(odata.ValidateSAP)).
func ValidateSAP(c *config.Connector) []error {
	_, errs := parseSAP(c)
	return errs
}

// bcConfig is a validated odata4 configuration.
type bcConfig struct {
	opts    BCOptions
	common  common
	streams []bcStreamConfig
}

type bcStreamConfig struct {
	stream northstar.Stream
	opts   BCStreamOptions
}

func parseBC(c *config.Connector) (*bcConfig, []error) {
	p := &problems{file: c.Pos.File}
	path := connPath(c) + ".odata4"
	node := posNode(c)
	out := &bcConfig{}
	if c.Options != nil {
		p.errs = append(p.errs, config.Decode(p.file, c.Options, path, &out.opts)...)
	}
	o := &out.opts
	p.url(node, path, "base_url", o.BaseURL, true)
	if o.CompanyID == "" {
		p.add(node, path+".company_id", "company_id is required")
	} else if !isGUID(o.CompanyID) {
		p.add(keyNode(node, "company_id"), path+".company_id", "invalid company_id %q (want a GUID)", o.CompanyID)
	}
	if o.TokenURL == "" && o.Tenant != "" && o.ClientID != "" {
		// Microsoft Entra ID's endpoint for the tenant.
		o.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(o.Tenant) + "/oauth2/v2.0/token"
	}
	if o.Scope == "" && o.TokenURL != "" {
		o.Scope = "https://api.businesscentral.dynamics.com/.default"
	}
	p.oauth(node, path, o.ClientID, o.ClientSecret, o.TokenURL)
	out.common = p.common(node, path, o.PageSize, 20000, o.Overlap, o.Reconcile, o.MaxRetryAfter, o.MaxRetries)
	for _, st := range c.Streams {
		var so BCStreamOptions
		p.stream(c, "odata4", bcSetsFor, st, &so, &so.EntitySet, &so.Fields)
		if so.EntitySet == "" {
			continue
		}
		so.Fields = mergeFields(st.Fields, so.Fields)
		out.streams = append(out.streams, bcStreamConfig{stream: st.Stream, opts: so})
	}
	return out, p.errs
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidateBC validates an odata4 (Business Central) connector's options and
// streams; it is the connector type's config.Kind.
func ValidateBC(c *config.Connector) []error {
	_, errs := parseBC(c)
	return errs
}

func configError(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w", config.Errors(errs))
}
