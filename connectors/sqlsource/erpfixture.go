package sqlsource

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

// erpBase is the earliest timestamp of the ERP fixture's data.
var erpBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// ERPSchema returns the DDL of the ERP fixture for driver (postgres or
// mysql), one statement per element: customers, sales_orders, order_lines,
// invoices, payments (each with a change timestamp) and deletions (the
// ERP's delete log, read by tombstone_query). The MySQL/MariaDB version
// uses DATETIME and DECIMAL, and its customers carry their change stamp in
// a DATE and a TIME column (a compound cursor, as SAP does).
func ERPSchema(driver string) []string {
	if driver == "mysql" {
		return []string{
			`CREATE TABLE customers (customer_no VARCHAR(20) PRIMARY KEY, name VARCHAR(200) NOT NULL,
				email VARCHAR(200), website VARCHAR(200), country CHAR(2), vat_id VARCHAR(40), segment VARCHAR(40),
				industry VARCHAR(80), currency CHAR(3), created_at DATETIME(6) NOT NULL,
				change_date DATE, change_time TIME, INDEX customers_change (change_date, change_time, customer_no))`,
			`CREATE TABLE sales_orders (id BIGINT PRIMARY KEY, order_no VARCHAR(20) NOT NULL, customer_no VARCHAR(20) NOT NULL,
				order_date DATE NOT NULL, delivery_date DATE, status VARCHAR(20) NOT NULL, order_type VARCHAR(20),
				currency CHAR(3) NOT NULL, net_amount DECIMAL(14,2) NOT NULL, canceled_at DATETIME(6),
				changed_at DATETIME(6) NOT NULL, INDEX sales_orders_changed (changed_at, id))`,
			`CREATE TABLE order_lines (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, line_no INT NOT NULL,
				product_id VARCHAR(40) NOT NULL, product_category VARCHAR(40), quantity DECIMAL(12,3) NOT NULL,
				net_amount DECIMAL(14,2) NOT NULL, currency CHAR(3) NOT NULL, changed_at DATETIME(6) NOT NULL,
				INDEX order_lines_changed (changed_at, id))`,
			`CREATE TABLE invoices (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL UNIQUE, invoice_no VARCHAR(20) NOT NULL,
				invoice_date DATE NOT NULL, amount DECIMAL(14,2) NOT NULL, currency CHAR(3) NOT NULL, changed_at DATETIME(6) NOT NULL)`,
			`CREATE TABLE payments (id BIGINT PRIMARY KEY, invoice_id BIGINT NOT NULL, paid_at DATETIME(6) NOT NULL,
				amount DECIMAL(14,2) NOT NULL, changed_at DATETIME(6) NOT NULL, INDEX payments_invoice (invoice_id))`,
			`CREATE TABLE deletions (table_name VARCHAR(40) NOT NULL, record_id VARCHAR(40) NOT NULL,
				deleted_at DATETIME(6) NOT NULL, PRIMARY KEY (table_name, record_id))`,
		}
	}
	return []string{
		`CREATE TABLE customers (customer_no text PRIMARY KEY, name text NOT NULL, email text, website text,
			country char(2), vat_id text, segment text, industry text, currency char(3),
			created_at timestamptz NOT NULL, changed_at timestamptz NOT NULL)`,
		`CREATE INDEX customers_changed ON customers (changed_at, customer_no)`,
		`CREATE TABLE sales_orders (id bigint PRIMARY KEY, order_no text NOT NULL, customer_no text NOT NULL,
			order_date date NOT NULL, delivery_date date, status text NOT NULL, order_type text,
			currency char(3) NOT NULL, net_amount numeric(14,2) NOT NULL, canceled_at timestamptz,
			changed_at timestamptz NOT NULL)`,
		`CREATE INDEX sales_orders_changed ON sales_orders (changed_at, id)`,
		`CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL, line_no int NOT NULL,
			product_id text NOT NULL, product_category text, quantity numeric(12,3) NOT NULL,
			net_amount numeric(14,2) NOT NULL, currency char(3) NOT NULL, changed_at timestamptz NOT NULL)`,
		`CREATE INDEX order_lines_changed ON order_lines (changed_at, id)`,
		`CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint NOT NULL UNIQUE, invoice_no text NOT NULL,
			invoice_date date NOT NULL, amount numeric(14,2) NOT NULL, currency char(3) NOT NULL, changed_at timestamptz NOT NULL)`,
		`CREATE TABLE payments (id bigint PRIMARY KEY, invoice_id bigint NOT NULL, paid_at timestamptz NOT NULL,
			amount numeric(14,2) NOT NULL, changed_at timestamptz NOT NULL)`,
		`CREATE INDEX payments_invoice ON payments (invoice_id)`,
		`CREATE TABLE deletions (table_name text NOT NULL, record_id text NOT NULL,
			deleted_at timestamptz NOT NULL, PRIMARY KEY (table_name, record_id))`,
	}
}

// ERPOrdersQuery is the fixture's orders stream: sales orders joined with
// their invoice and payments, changed when any of the three changes.
const ERPOrdersQuery = `SELECT o.id, o.order_no, o.customer_no, o.order_date, o.delivery_date, o.status, o.order_type,
  o.currency, o.net_amount, o.canceled_at, i.invoice_date, p.paid_at,
  GREATEST(o.changed_at, COALESCE(i.changed_at, o.changed_at), COALESCE(p.changed_at, o.changed_at)) AS changed_at
FROM sales_orders o
LEFT JOIN invoices i ON i.order_id = o.id
LEFT JOIN (SELECT invoice_id, MAX(paid_at) AS paid_at, MAX(changed_at) AS changed_at FROM payments GROUP BY invoice_id) p
  ON p.invoice_id = i.id`

// ERPConnectorYAML returns the configuration of a sql connector reading
// the ERP fixture (one element of `connectors:`). The DSN is written as
// given: pass "${ERP_DSN}" to keep a secret out of the file.
func ERPConnectorYAML(name, driver, dsn string) string {
	cursor := "changed_at"
	if driver == "mysql" {
		cursor = "[change_date, change_time]"
	}
	tomb := func(table string) string {
		return fmt.Sprintf(`"SELECT record_id, deleted_at FROM deletions WHERE table_name = '%s' AND deleted_at >= $since"`, table)
	}
	q := strings.Join(strings.Fields(ERPOrdersQuery), " ")
	return fmt.Sprintf(`name: %s
type: sql
schedule: "@hourly"
sql:
  driver: %s
  dsn: %q
  overlap: 5m
  reconcile: "@daily"
streams:
  customers:
    table: customers
    key: customer_no
    cursor: %s
    fields: { name: name, email: email, website: website, country: country, tax_id: vat_id,
              segment: segment, industry: industry, currency: currency, created_at: created_at }
    tombstone_query: %s
  orders:
    query: %q
    key: id
    cursor: changed_at
    fields: { customer: customer_no, ordered_at: order_date, fulfilled_at: delivery_date,
              invoiced_at: invoice_date, paid_at: paid_at, canceled_at: canceled_at, status: status, order_type: order_type,
              currency: currency, amount: net_amount, modified_at: changed_at }
    tombstone_query: %s
  order_lines:
    table: order_lines
    key: id
    cursor: changed_at
    fields: { order: order_id, product_id: product_id, product_category: product_category,
              quantity: quantity, amount: net_amount, currency: currency, modified_at: changed_at }
    tombstone_query: %s
`, name, driver, dsn, cursor, tomb("customers"), q, tomb("sales_orders"), tomb("order_lines"))
}

// ERPConnector returns ERPConnectorYAML as a parsed config.Connector, as
// the config package would hand it to New.
func ERPConnector(name, driver, dsn string) (*config.Connector, error) {
	return ConnectorFromYAML("erp.yaml", ERPConnectorYAML(name, driver, dsn))
}

// ConnectorFromYAML parses one connector mapping (name, type, schedule,
// sql, streams) into a config.Connector without the config package's
// file-level checks; for tests and the demo.
func ConnectorFromYAML(file, text string) (*config.Connector, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("sqlsource: parse connector: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("sqlsource: parse connector: not a mapping")
	}
	m := doc.Content[0]
	c := &config.Connector{Pos: config.Pos{File: file, Line: m.Line, Col: m.Column}, Path: "connectors[0]"}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i].Value, m.Content[i+1]
		switch k {
		case "name":
			c.Name = v.Value
		case "type":
			c.Type = v.Value
		case "schedule":
			c.Schedule = v.Value
		case "sql":
			c.Options = v
		case "streams":
			for j := 0; j+1 < len(v.Content); j += 2 {
				st, err := northstar.ParseStream(v.Content[j].Value)
				if err != nil {
					return nil, fmt.Errorf("sqlsource: parse connector: %w", err)
				}
				sk, sn := v.Content[j], v.Content[j+1]
				spec := config.StreamSpec{Stream: st, Node: sn, Pos: config.Pos{File: file, Line: sk.Line, Col: sk.Column},
					Path: "connectors[0].streams." + sk.Value}
				if f := config.Lookup(sn, "fields"); f != nil {
					if err := f.Decode(&spec.Fields); err != nil {
						return nil, fmt.Errorf("sqlsource: parse connector: %s fields: %w", st, err)
					}
				}
				c.Streams = append(c.Streams, spec)
			}
		}
	}
	return c, nil
}

// SeedERP creates the ERP schema in db (an empty database) and fills it
// with n customers and their orders, order lines, invoices and payments.
// The data depends only on n: the same n gives the same rows.
func SeedERP(ctx context.Context, db *sql.DB, driver string, n int) error {
	for _, stmt := range ERPSchema(driver) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlsource: erp schema: %w", err)
		}
	}
	g := &erpGen{rng: rand.New(rand.NewPCG(uint64(n), 42)), driver: driver}
	for i := 1; i <= n; i++ {
		created := erpBase.Add(time.Duration(g.rng.IntN(540*24)) * time.Hour).Add(time.Duration(g.rng.IntN(3600)) * time.Second)
		changed := created.Add(time.Duration(g.rng.IntN(30*24*3600)) * time.Second)
		g.customer(i, created, changed)
		for range g.rng.IntN(6) {
			g.order(g.customerNo(i), created.Add(time.Duration(1+g.rng.IntN(200*24))*time.Hour))
		}
	}
	return g.flush(ctx, db)
}

// MutateERP changes the fixture the way an ERP's day does, deterministically
// for a given round (1, 2, …): it updates a few customers and orders
// (moving their change stamps past every existing one), adds customers
// and orders, and deletes an order with its lines and a customer, logging
// both in deletions.
func MutateERP(ctx context.Context, db *sql.DB, driver string, round int) error {
	d := dialect{name: driver}
	now, err := erpLatest(ctx, db, driver)
	if err != nil {
		return err
	}
	now = now.Add(time.Hour).Truncate(time.Second)
	var maxOrder, maxLine int64
	var nCust int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM sales_orders`).Scan(&maxOrder); err != nil {
		return fmt.Errorf("sqlsource: mutate: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM order_lines`).Scan(&maxLine); err != nil {
		return fmt.Errorf("sqlsource: mutate: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&nCust); err != nil {
		return fmt.Errorf("sqlsource: mutate: %w", err)
	}
	g := &erpGen{rng: rand.New(rand.NewPCG(uint64(round), 7)), driver: driver, nextOrder: maxOrder, nextLine: maxLine}
	stamp := func(a *args) string {
		if driver == "mysql" {
			return "change_date = " + a.add(now.Format(time.DateOnly)) + ", change_time = " + a.add(now.Format(time.TimeOnly))
		}
		return "changed_at = " + a.add(now)
	}
	var stmts []func() (string, []any)
	// Update the three first live customers and orders (by key).
	stmts = append(stmts, func() (string, []any) {
		a := &args{d: d}
		seg := a.add(fmt.Sprintf("tier-%d", round))
		return fmt.Sprintf(`UPDATE customers SET segment = %s, %s WHERE customer_no IN (SELECT customer_no FROM (SELECT customer_no FROM customers ORDER BY customer_no LIMIT 3) x)`,
			seg, stamp(a)), a.vals
	}, func() (string, []any) {
		a := &args{d: d}
		return fmt.Sprintf(`UPDATE sales_orders SET net_amount = net_amount + %s, status = 'changed', changed_at = %s WHERE id IN (SELECT id FROM (SELECT id FROM sales_orders ORDER BY id LIMIT 3) x)`,
			a.add("10.05"), a.add(now)), a.vals
	}, func() (string, []any) {
		a := &args{d: d}
		return fmt.Sprintf(`UPDATE order_lines SET net_amount = net_amount + 10.05, changed_at = %s WHERE order_id IN (SELECT id FROM (SELECT id FROM sales_orders ORDER BY id LIMIT 3) x) AND line_no = 1`,
			a.add(now)), a.vals
	}, func() (string, []any) {
		// Delete the last order and its lines; log them.
		a := &args{d: d}
		return fmt.Sprintf(`INSERT INTO deletions (table_name, record_id, deleted_at)
			SELECT 'order_lines', CAST(id AS CHAR(40)), %s FROM order_lines WHERE order_id = (SELECT MAX(id) FROM sales_orders)`, a.add(now)), a.vals
	}, func() (string, []any) {
		a := &args{d: d}
		return fmt.Sprintf(`INSERT INTO deletions (table_name, record_id, deleted_at)
			SELECT 'sales_orders', CAST(id AS CHAR(40)), %s FROM sales_orders WHERE id = (SELECT x.m FROM (SELECT MAX(id) AS m FROM sales_orders) x)`, a.add(now)), a.vals
	}, func() (string, []any) {
		return `DELETE FROM order_lines WHERE order_id = (SELECT x.m FROM (SELECT MAX(id) AS m FROM sales_orders) x)`, nil
	}, func() (string, []any) {
		return `DELETE FROM sales_orders WHERE id = (SELECT x.m FROM (SELECT MAX(id) AS m FROM sales_orders) x)`, nil
	}, func() (string, []any) {
		// Delete the last customer (its orders stay: an ERP archives, we only read).
		a := &args{d: d}
		return fmt.Sprintf(`INSERT INTO deletions (table_name, record_id, deleted_at)
			SELECT 'customers', customer_no, %s FROM customers WHERE customer_no = (SELECT x.m FROM (SELECT MAX(customer_no) AS m FROM customers) x)`, a.add(now)), a.vals
	}, func() (string, []any) {
		return `DELETE FROM customers WHERE customer_no = (SELECT x.m FROM (SELECT MAX(customer_no) AS m FROM customers) x)`, nil
	})
	for _, st := range stmts {
		q, vals := st()
		if driver == "postgres" {
			q = strings.ReplaceAll(q, "CHAR(40)", "text")
		}
		if _, err := db.ExecContext(ctx, q, vals...); err != nil {
			return fmt.Errorf("sqlsource: mutate: %w", err)
		}
	}
	// New customers (keys after every existing one) with an order each.
	for i := range 2 {
		no := fmt.Sprintf("C%06d", 900000+round*10+i)
		g.customer(0, now, now, no)
		g.order(no, now)
	}
	return g.flush(ctx, db)
}

// SnapshotERP returns the fixture's live records per stream, as the
// conformance suite wants them: source_id → amount (decimal text) for
// orders and order_lines, "" for customers.
func SnapshotERP(ctx context.Context, db *sql.DB) (map[northstar.Stream]map[string]string, error) {
	out := map[northstar.Stream]map[string]string{}
	for st, q := range map[northstar.Stream]string{
		northstar.StreamCustomers:  `SELECT customer_no, '' FROM customers`,
		northstar.StreamOrders:     `SELECT CAST(id AS CHAR(40)), CAST(net_amount AS CHAR(40)) FROM sales_orders`,
		northstar.StreamOrderLines: `SELECT CAST(id AS CHAR(40)), CAST(net_amount AS CHAR(40)) FROM order_lines`,
	} {
		m := map[string]string{}
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("sqlsource: snapshot %s: %w", st, err)
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlsource: snapshot %s: %w", st, err)
			}
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlsource: snapshot %s: %w", st, err)
		}
		out[st] = m
	}
	return out, nil
}

// erpLatest returns the latest change stamp of the fixture.
func erpLatest(ctx context.Context, db *sql.DB, driver string) (time.Time, error) {
	cust := `SELECT MAX(changed_at) FROM customers`
	if driver == "mysql" {
		cust = `SELECT CAST(MAX(TIMESTAMP(change_date, change_time)) AS CHAR)`
		cust += ` FROM customers`
	}
	latest := erpBase
	for _, q := range []string{cust, `SELECT MAX(changed_at) FROM sales_orders`, `SELECT MAX(changed_at) FROM order_lines`,
		`SELECT MAX(changed_at) FROM invoices`, `SELECT MAX(changed_at) FROM payments`} {
		var v any
		if err := db.QueryRowContext(ctx, q).Scan(&v); err != nil {
			return latest, fmt.Errorf("sqlsource: latest change: %w", err)
		}
		t, ok, err := cursorTime(v)
		if err != nil {
			return latest, fmt.Errorf("sqlsource: latest change: %w", err)
		}
		if ok && t.After(latest) {
			latest = t
		}
	}
	return latest, nil
}

// erpGen generates fixture rows and inserts them in batches.
type erpGen struct {
	rng       *rand.Rand
	driver    string
	nextOrder int64
	nextLine  int64
	tables    []string
	rows      map[string][][]any
	cols      map[string][]string
}

var (
	erpCountries  = []string{"DE", "FR", "GB", "US", "NL", "AT", "CH", "ES"}
	erpSegments   = []string{"smb", "mid-market", "enterprise"}
	erpIndustries = []string{"manufacturing", "retail", "software", "logistics", "healthcare"}
	erpCategories = []string{"hardware", "licenses", "services", "support"}
	erpNames      = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne"}
	erpSuffixes   = []string{"GmbH", "SAS", "Ltd", "Inc", "BV", "AG"}
)

func (g *erpGen) customerNo(i int) string { return fmt.Sprintf("C%06d", i) }

func (g *erpGen) currency(country string) string {
	switch country {
	case "GB":
		return "GBP"
	case "US":
		return "USD"
	case "CH":
		return "CHF"
	}
	return "EUR"
}

func (g *erpGen) add(table string, cols []string, row ...any) {
	if g.rows == nil {
		g.rows, g.cols = map[string][][]any{}, map[string][]string{}
	}
	if _, ok := g.cols[table]; !ok {
		g.tables = append(g.tables, table)
		g.cols[table] = cols
	}
	g.rows[table] = append(g.rows[table], row)
}

// customer adds customer i (or the given number) created and changed at
// the given times.
func (g *erpGen) customer(i int, created, changed time.Time, no ...string) {
	num := g.customerNo(i)
	if len(no) > 0 {
		num = no[0]
	}
	country := erpCountries[g.rng.IntN(len(erpCountries))]
	name := fmt.Sprintf("%s %s %d %s", erpNames[g.rng.IntN(len(erpNames))], erpIndustries[g.rng.IntN(len(erpIndustries))], g.rng.IntN(1000), erpSuffixes[g.rng.IntN(len(erpSuffixes))])
	domain := strings.ToLower(strings.ReplaceAll(strings.Fields(name)[0]+num, " ", "")) + ".example"
	g.addCustomer(changed, num, name, "billing@"+domain, "https://www."+domain, country,
		fmt.Sprintf("%s%09d", country, g.rng.IntN(1_000_000_000)), erpSegments[g.rng.IntN(len(erpSegments))],
		erpIndustries[g.rng.IntN(len(erpIndustries))], g.currency(country), created)
}

// addCustomer adds a customers row; changed goes to changed_at, or to
// change_date and change_time (to the second) on MySQL.
func (g *erpGen) addCustomer(changed time.Time, vals ...any) {
	cols := []string{"customer_no", "name", "email", "website", "country", "vat_id", "segment", "industry", "currency", "created_at"}
	changed = changed.UTC().Truncate(time.Second)
	if g.driver == "mysql" {
		cols = append(cols, "change_date", "change_time")
		vals = append(vals, changed.Format(time.DateOnly), changed.Format(time.TimeOnly))
	} else {
		cols = append(cols, "changed_at")
		vals = append(vals, changed)
	}
	g.add("customers", cols, vals...)
}

// order adds an order of customer no placed at at, with 1-4 lines, and
// (depending on its status) an invoice and a payment.
func (g *erpGen) order(no string, at time.Time) {
	g.nextOrder++
	id := g.nextOrder
	currency := "EUR"
	statuses := []string{"open", "delivered", "invoiced", "paid", "paid", "paid", "canceled"}
	status := statuses[g.rng.IntN(len(statuses))]
	changed := at.Add(time.Duration(g.rng.IntN(72*3600)) * time.Second).Truncate(time.Microsecond)
	var total int64
	for ln := 1; ln <= 1+g.rng.IntN(4); ln++ {
		g.nextLine++
		qty := 1 + g.rng.IntN(20)
		cents := int64(qty) * int64(500+g.rng.IntN(200000))
		total += cents
		g.add("order_lines", orderLineCols,
			g.nextLine, id, ln, fmt.Sprintf("P-%04d", g.rng.IntN(500)), erpCategories[g.rng.IntN(len(erpCategories))],
			fmt.Sprintf("%d.000", qty), money(cents), currency, changed)
	}
	var delivery, canceled any
	switch status {
	case "open":
	case "canceled":
		canceled = changed
	default:
		delivery = at.Add(time.Duration(1+g.rng.IntN(14)) * 24 * time.Hour).Format(time.DateOnly)
	}
	g.add("sales_orders", salesOrderCols,
		id, fmt.Sprintf("SO%07d", id), no, at.Format(time.DateOnly), delivery, status, []string{"new", "repeat", "upsell"}[g.rng.IntN(3)],
		currency, money(total), canceled, changed)
	if status != "invoiced" && status != "paid" {
		return
	}
	// One invoice per order, numbered like it.
	invAt := at.Add(time.Duration(1+g.rng.IntN(20)) * 24 * time.Hour)
	g.add("invoices", invoiceCols,
		id, id, fmt.Sprintf("INV%07d", id), invAt.Format(time.DateOnly), money(total), currency, invAt)
	if status == "paid" {
		paidAt := invAt.Add(time.Duration(1+g.rng.IntN(40*24)) * time.Hour)
		g.add("payments", paymentCols,
			id, id, paidAt, money(total), paidAt)
	}
}

// Column lists of the fixture's inserts.
var (
	salesOrderCols = []string{"id", "order_no", "customer_no", "order_date", "delivery_date", "status", "order_type",
		"currency", "net_amount", "canceled_at", "changed_at"}
	orderLineCols = []string{"id", "order_id", "line_no", "product_id", "product_category", "quantity", "net_amount", "currency", "changed_at"}
	invoiceCols   = []string{"id", "order_id", "invoice_no", "invoice_date", "amount", "currency", "changed_at"}
	paymentCols   = []string{"id", "invoice_id", "paid_at", "amount", "changed_at"}
)

// money formats cents as decimal text.
func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// flush inserts every generated row, 200 rows per statement.
func (g *erpGen) flush(ctx context.Context, db *sql.DB) error {
	d := dialect{name: g.driver}
	for _, table := range g.tables {
		cols, rows := g.cols[table], g.rows[table]
		for len(rows) > 0 {
			n := min(200, len(rows))
			a := &args{d: d}
			tuples := make([]string, n)
			for i, row := range rows[:n] {
				ph := make([]string, len(row))
				for j, v := range row {
					ph[j] = a.add(v)
				}
				tuples[i] = "(" + strings.Join(ph, ", ") + ")"
			}
			q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "), strings.Join(tuples, ", "))
			if _, err := db.ExecContext(ctx, q, a.vals...); err != nil {
				return fmt.Errorf("sqlsource: insert %s: %w", table, err)
			}
			rows = rows[n:]
		}
	}
	g.tables, g.rows, g.cols = nil, nil, nil
	return nil
}
