package salesforce

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Field describes one field of an emulated object, as its describe shows it.
type Field struct {
	Name string
	// Type is the Salesforce field type: id, string, boolean, datetime,
	// date, currency, double, int, percent, reference, picklist, url,
	// email, phone, textarea.
	Type string
	// Calculated marks formula and roll-up fields.
	Calculated bool
	// ReferenceTo and RelationshipName describe lookups (AccountId →
	// Account, relationship "Account").
	ReferenceTo      string
	RelationshipName string
}

// Object is the schema of one emulated sObject.
type Object struct {
	Name   string
	Prefix string // 3-character key prefix of its Ids
	Fields []Field
}

func stdFields() []Field {
	return []Field{
		{Name: "Id", Type: "id"},
		{Name: "IsDeleted", Type: "boolean"},
		{Name: "CreatedDate", Type: "datetime"},
		{Name: "LastModifiedDate", Type: "datetime"},
		{Name: "SystemModstamp", Type: "datetime"},
	}
}

func ref(name, to, rel string) Field {
	return Field{Name: name, Type: "reference", ReferenceTo: to, RelationshipName: rel}
}

// StandardObjects returns the objects every emulator starts with: Account,
// Contact, Opportunity, OpportunityLineItem, Product2, Order, OrderItem,
// Contract, Case and the custom Survey_Response__c. The org is
// multi-currency (CurrencyIsoCode on every object).
func StandardObjects() []Object {
	cur := Field{Name: "CurrencyIsoCode", Type: "picklist"}
	obj := func(name, prefix string, fs ...Field) Object {
		return Object{Name: name, Prefix: prefix, Fields: append(append(stdFields(), cur), fs...)}
	}
	return []Object{
		obj("Account", "001",
			Field{Name: "Name", Type: "string"}, Field{Name: "Website", Type: "url"},
			Field{Name: "BillingCountry", Type: "string"}, Field{Name: "Industry", Type: "picklist"},
			Field{Name: "Type", Type: "picklist"}, Field{Name: "AccountSource", Type: "picklist"},
			Field{Name: "OwnerId", Type: "reference", ReferenceTo: "User", RelationshipName: "Owner"},
			Field{Name: "VAT_Number__c", Type: "string"}, Field{Name: "ERP_Customer_Number__c", Type: "string"},
			ref("Referred_By__c", "Account", "Referred_By__r"),
			Field{Name: "Open_Cases__c", Type: "double", Calculated: true}),
		obj("Contact", "003",
			ref("AccountId", "Account", "Account"),
			Field{Name: "FirstName", Type: "string"}, Field{Name: "LastName", Type: "string"},
			Field{Name: "Name", Type: "string"}, Field{Name: "Email", Type: "email"},
			Field{Name: "Phone", Type: "phone"}, Field{Name: "Title", Type: "string"}),
		obj("Opportunity", "006",
			ref("AccountId", "Account", "Account"),
			Field{Name: "Name", Type: "string"}, Field{Name: "StageName", Type: "picklist"},
			Field{Name: "Type", Type: "picklist"}, Field{Name: "CloseDate", Type: "date"},
			Field{Name: "Amount", Type: "currency"}, Field{Name: "IsWon", Type: "boolean"},
			Field{Name: "IsClosed", Type: "boolean"}, Field{Name: "LeadSource", Type: "picklist"},
			Field{Name: "ExpectedRevenue", Type: "currency", Calculated: true}),
		obj("Product2", "01t",
			Field{Name: "Name", Type: "string"}, Field{Name: "Family", Type: "picklist"},
			Field{Name: "ProductCode", Type: "string"}),
		obj("OpportunityLineItem", "00k",
			ref("OpportunityId", "Opportunity", "Opportunity"), ref("Product2Id", "Product2", "Product2"),
			Field{Name: "Quantity", Type: "double"}, Field{Name: "UnitPrice", Type: "currency"},
			Field{Name: "TotalPrice", Type: "currency"}),
		obj("Order", "801",
			ref("AccountId", "Account", "Account"), ref("ContractId", "Contract", "Contract"),
			Field{Name: "EffectiveDate", Type: "date"}, Field{Name: "Status", Type: "picklist"},
			Field{Name: "Type", Type: "picklist"}, Field{Name: "TotalAmount", Type: "currency", Calculated: true}),
		obj("OrderItem", "802",
			ref("OrderId", "Order", "Order"), ref("Product2Id", "Product2", "Product2"),
			Field{Name: "Quantity", Type: "double"}, Field{Name: "UnitPrice", Type: "currency"},
			Field{Name: "TotalPrice", Type: "currency", Calculated: true}),
		obj("Contract", "800",
			ref("AccountId", "Account", "Account"),
			Field{Name: "ContractNumber", Type: "string"}, Field{Name: "Status", Type: "picklist"},
			Field{Name: "StartDate", Type: "date"}, Field{Name: "EndDate", Type: "date", Calculated: true},
			Field{Name: "ContractTerm", Type: "int"}, Field{Name: "CustomerSignedDate", Type: "date"},
			Field{Name: "ActivatedDate", Type: "datetime"}, Field{Name: "MRR__c", Type: "currency"},
			Field{Name: "Adoption_Ratio__c", Type: "percent"}, Field{Name: "Adopted_Date__c", Type: "date"}),
		obj("Case", "500",
			ref("AccountId", "Account", "Account"), ref("ContactId", "Contact", "Contact"),
			Field{Name: "CaseNumber", Type: "string"}, Field{Name: "Subject", Type: "string"},
			Field{Name: "Status", Type: "picklist"}, Field{Name: "Priority", Type: "picklist"},
			Field{Name: "Origin", Type: "picklist"}, Field{Name: "IsClosed", Type: "boolean"},
			Field{Name: "ClosedDate", Type: "datetime"}),
		obj("Survey_Response__c", "a0S",
			ref("Account__c", "Account", "Account__r"), ref("Case__c", "Case", "Case__r"),
			ref("Opportunity__c", "Opportunity", "Opportunity__r"),
			Field{Name: "Name", Type: "string"}, Field{Name: "Type__c", Type: "picklist"},
			Field{Name: "Score__c", Type: "double"}, Field{Name: "Scale_Min__c", Type: "double"},
			Field{Name: "Scale_Max__c", Type: "double"}, Field{Name: "Touchpoint__c", Type: "picklist"},
			Field{Name: "Comment__c", Type: "textarea"}, Field{Name: "Responded_At__c", Type: "datetime"}),
	}
}

// table holds one object's schema and records. Records are never mutated
// in place: an update stores a new map, so query snapshots stay consistent.
type table struct {
	obj    Object
	fields map[string]*Field // lower-case name → field
	exact  map[string]*Field // name as declared → field
	rels   map[string]*Field // lower-case relationship name → lookup field
	recs   map[string]map[string]any
	seq    int64
	// deleted is the delete log /deleted reads: id → time of deletion.
	deleted map[string]time.Time
}

func newTable(o Object) *table {
	t := &table{obj: o, recs: map[string]map[string]any{}, deleted: map[string]time.Time{}}
	t.index()
	return t
}

func (t *table) index() {
	t.fields = map[string]*Field{}
	t.exact = map[string]*Field{}
	t.rels = map[string]*Field{}
	for i := range t.obj.Fields {
		f := &t.obj.Fields[i]
		t.fields[strings.ToLower(f.Name)] = f
		t.exact[f.Name] = f
		if f.RelationshipName != "" {
			t.rels[strings.ToLower(f.RelationshipName)] = f
		}
	}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns the next 18-character Salesforce id of t.
func (t *table) newID() string {
	t.seq++
	n := t.seq
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = base62[n%62]
		n /= 62
	}
	return sfID18(t.obj.Prefix + "5g0" + string(digits[:]))
}

// sfID18 appends Salesforce's 3-character case-safe checksum to a 15-char id.
func sfID18(id15 string) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	suffix := make([]byte, 3)
	for chunk := 0; chunk < 3; chunk++ {
		bits := 0
		for i := 0; i < 5; i++ {
			c := id15[chunk*5+i]
			if c >= 'A' && c <= 'Z' {
				bits |= 1 << i
			}
		}
		suffix[chunk] = alpha[bits]
	}
	return id15 + string(suffix)
}

// normalize converts a field value given by a caller to the stored kind:
// numbers → jsonNumber, datetimes → UTC time.Time, dates → "YYYY-MM-DD".
func (t *table) normalize(name string, v any) (string, any, error) {
	f, ok := t.exact[name]
	if !ok {
		f, ok = t.fields[strings.ToLower(name)]
	}
	if !ok {
		return "", nil, fmt.Errorf("No such column '%s' on entity '%s'", name, t.obj.Name)
	}
	if v == nil {
		return f.Name, nil, nil
	}
	switch f.Type {
	case "currency", "double", "int", "percent":
		switch x := v.(type) {
		case string:
			if x == "" {
				return f.Name, nil, nil
			}
			if _, ok := new(big.Rat).SetString(x); !ok {
				return "", nil, fmt.Errorf("%s: invalid number %q", f.Name, x)
			}
			return f.Name, jsonNumber(x), nil
		case jsonNumber:
			return f.Name, x, nil
		case int:
			return f.Name, jsonNumber(strconv.Itoa(x)), nil
		case int64:
			return f.Name, jsonNumber(strconv.FormatInt(x, 10)), nil
		case float64:
			return f.Name, jsonNumber(strconv.FormatFloat(x, 'f', -1, 64)), nil
		case interface{ String() string }: // decimal.Decimal, json.Number
			return f.Name, jsonNumber(x.String()), nil
		}
	case "datetime":
		switch x := v.(type) {
		case time.Time:
			return f.Name, x.UTC().Truncate(time.Millisecond), nil
		case string:
			if x == "" {
				return f.Name, nil, nil
			}
			tv, err := parseSFTime(x)
			if err != nil {
				return "", nil, fmt.Errorf("%s: %w", f.Name, err)
			}
			return f.Name, tv, nil
		}
	case "date":
		switch x := v.(type) {
		case time.Time:
			return f.Name, x.UTC().Format(time.DateOnly), nil
		case string:
			return f.Name, x, nil
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return f.Name, x, nil
		case string:
			return f.Name, x == "true", nil
		}
	default:
		switch x := v.(type) {
		case string:
			return f.Name, x, nil
		case fmt.Stringer:
			return f.Name, x.String(), nil
		}
	}
	return "", nil, fmt.Errorf("%s: unsupported value %T for type %s", f.Name, v, f.Type)
}

// get resolves a possibly dotted field path on rec (Product2.Family follows
// the Product2 lookup). Unknown or null relationships yield nil.
func (e *Emulator) get(t *table, rec map[string]any, path string) any {
	head, rest, dotted := strings.Cut(path, ".")
	if !dotted {
		if f, ok := t.fields[strings.ToLower(path)]; ok {
			return rec[f.Name]
		}
		return nil
	}
	lf, ok := t.rels[strings.ToLower(head)]
	if !ok {
		return nil
	}
	id, _ := rec[lf.Name].(string)
	target := e.tables[strings.ToLower(lf.ReferenceTo)]
	if id == "" || target == nil {
		return nil
	}
	parent := target.recs[id]
	if parent == nil {
		return nil
	}
	return e.get(target, parent, rest)
}

// checkPath reports whether a field path exists on t, returning its
// canonical spelling and leaf field.
func (e *Emulator) checkPath(t *table, path string) (string, *Field, error) {
	head, rest, dotted := strings.Cut(path, ".")
	if !dotted {
		f, ok := t.fields[strings.ToLower(path)]
		if !ok {
			return "", nil, fmt.Errorf("No such column '%s' on entity '%s'", path, t.obj.Name)
		}
		return f.Name, f, nil
	}
	lf, ok := t.rels[strings.ToLower(head)]
	if !ok {
		return "", nil, fmt.Errorf("Didn't understand relationship '%s' in field path", head)
	}
	target := e.tables[strings.ToLower(lf.ReferenceTo)]
	if target == nil {
		return "", nil, fmt.Errorf("Didn't understand relationship '%s' in field path", head)
	}
	name, f, err := e.checkPath(target, rest)
	if err != nil {
		return "", nil, err
	}
	return lf.RelationshipName + "." + name, f, nil
}

// runQuery evaluates q; includeDeleted selects queryAll semantics.
func (e *Emulator) runQuery(q *soqlQuery, includeDeleted bool) (*table, []string, []map[string]any, error) {
	t := e.tables[strings.ToLower(q.From)]
	if t == nil {
		return nil, nil, nil, &sfError{400, "INVALID_TYPE", fmt.Sprintf("sObject type '%s' is not supported.", q.From)}
	}
	fields := make([]string, len(q.Fields))
	for i, f := range q.Fields {
		name, _, err := e.checkPath(t, f)
		if err != nil {
			return nil, nil, nil, &sfError{400, "INVALID_FIELD", err.Error()}
		}
		fields[i] = name
	}
	for _, o := range q.OrderBy {
		if _, _, err := e.checkPath(t, o.Field); err != nil {
			return nil, nil, nil, &sfError{400, "INVALID_FIELD", err.Error()}
		}
	}
	cache := map[string]func(map[string]any) any{}
	getter := func(f string) func(map[string]any) any {
		g, ok := cache[f]
		if !ok {
			g = e.getter(t, f)
			cache[f] = g
		}
		return g
	}
	var rows []map[string]any
	for _, rec := range t.recs {
		if !includeDeleted && rec["IsDeleted"] == true {
			continue
		}
		if q.Where != nil && !q.Where.eval(func(f string) any { return getter(f)(rec) }) {
			continue
		}
		rows = append(rows, rec)
	}
	if len(q.OrderBy) > 0 {
		keys := make([][]any, len(rows))
		for i, rec := range rows {
			k := make([]any, len(q.OrderBy))
			for j, o := range q.OrderBy {
				k[j] = getter(o.Field)(rec)
			}
			keys[i] = k
		}
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(x, y int) bool {
			ka, kb := keys[idx[x]], keys[idx[y]]
			for j, o := range q.OrderBy {
				a, b := ka[j], kb[j]
				if a == nil || b == nil {
					if (a == nil) == (b == nil) {
						continue
					}
					return (a == nil) == o.NullsFirst
				}
				c := fastCompare(a, b)
				if c == 0 {
					continue
				}
				return (c < 0) != o.Desc
			}
			return false
		})
		sorted := make([]map[string]any, len(rows))
		for i, k := range idx {
			sorted[i] = rows[k]
		}
		rows = sorted
	}
	if q.Limit >= 0 && len(rows) > q.Limit {
		rows = rows[:q.Limit]
	}
	return t, fields, rows, nil
}

// fastCompare is compareValues with fast paths for the common sort keys.
func fastCompare(a, b any) int {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	c, _ := compareValues(a, b)
	return c
}

// getter pre-resolves a field path on t into a function of a record.
func (e *Emulator) getter(t *table, path string) func(map[string]any) any {
	if !strings.Contains(path, ".") {
		name := path
		if f, ok := t.fields[strings.ToLower(path)]; ok {
			name = f.Name
		}
		return func(rec map[string]any) any { return rec[name] }
	}
	return func(rec map[string]any) any { return e.get(t, rec, path) }
}
