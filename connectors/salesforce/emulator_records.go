package salesforce

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// AddField adds a field to an object's schema (upstream schema drift).
func (e *Emulator) AddField(object string, f Field) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(object)
	if err != nil {
		return err
	}
	t.obj.Fields = append(t.obj.Fields, f)
	t.index()
	return nil
}

// AddObject adds a (custom) object to the org.
func (e *Emulator) AddObject(o Object) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o.Fields = append(stdFields(), o.Fields...)
	e.tables[strings.ToLower(o.Name)] = newTable(o)
}

func (e *Emulator) table(object string) (*table, error) {
	t := e.tables[strings.ToLower(object)]
	if t == nil {
		return nil, fmt.Errorf("emulator: unknown object %q", object)
	}
	return t, nil
}

// Put inserts rec into object, or updates the record whose "Id" it names
// (only the given fields change). SystemModstamp and LastModifiedDate are
// set to the emulator's clock, CreatedDate too on insert. It returns the Id.
func (e *Emulator) Put(object string, rec map[string]any) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.putLocked(object, rec, e.opts.Now(), false)
}

// PutAt is Put with an explicit SystemModstamp: a stamp earlier than rows
// already served models a transaction that commits behind the cursor; many
// records with one stamp model bulk updates.
func (e *Emulator) PutAt(object string, rec map[string]any, stamp time.Time) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.putLocked(object, rec, stamp.UTC(), false)
}

// Load inserts many records at once. Records keep their Id, CreatedDate,
// LastModifiedDate and SystemModstamp when given (else the clock's now).
func (e *Emulator) Load(object string, recs []map[string]any) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(recs))
	now := e.opts.Now()
	for _, r := range recs {
		id, err := e.putLocked(object, r, now, true)
		if err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (e *Emulator) putLocked(object string, in map[string]any, stamp time.Time, keepStamps bool) (string, error) {
	t, err := e.table(object)
	if err != nil {
		return "", err
	}
	id, _ := in["Id"].(string)
	old := t.recs[id]
	rec := make(map[string]any, max(len(old), len(in)+4))
	for k, v := range old {
		rec[k] = v
	}
	for k, v := range in {
		name, nv, err := t.normalize(k, v)
		if err != nil {
			return "", fmt.Errorf("emulator: %s: %w", object, err)
		}
		rec[name] = nv
	}
	if id == "" {
		id = t.newID()
		rec["Id"] = id
	}
	if old == nil {
		rec["IsDeleted"] = false
		if rec["CreatedDate"] == nil {
			rec["CreatedDate"] = stamp
		}
	}
	if !keepStamps || rec["SystemModstamp"] == nil {
		rec["SystemModstamp"] = stamp
	}
	if c, ok := rec["CreatedDate"].(time.Time); ok && rec["SystemModstamp"] == any(c) {
		rec["CreatedDate"] = rec["SystemModstamp"] // share one boxed value
	}
	if !keepStamps || rec["LastModifiedDate"] == nil {
		rec["LastModifiedDate"] = rec["SystemModstamp"]
	}
	t.recs[id] = rec
	return id, nil
}

// Update changes fields of an existing record and bumps its SystemModstamp.
func (e *Emulator) Update(object, id string, fields map[string]any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(object)
	if err != nil {
		return err
	}
	if r := t.recs[id]; r == nil || r["IsDeleted"] == true {
		return fmt.Errorf("emulator: %s %s: not found", object, id)
	}
	in := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		in[k] = v
	}
	in["Id"] = id
	_, err = e.putLocked(object, in, e.opts.Now(), false)
	return err
}

// Delete soft-deletes a record: it moves to the recycle bin (IsDeleted =
// true, visible to queryAll) and enters the delete log read by /deleted.
func (e *Emulator) Delete(object, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(object)
	if err != nil {
		return err
	}
	old := t.recs[id]
	if old == nil || old["IsDeleted"] == true {
		return fmt.Errorf("emulator: %s %s: not found", object, id)
	}
	now := e.opts.Now()
	rec := make(map[string]any, len(old))
	for k, v := range old {
		rec[k] = v
	}
	rec["IsDeleted"], rec["SystemModstamp"], rec["LastModifiedDate"] = true, now, now
	t.recs[id] = rec
	t.deleted[id] = now
	return nil
}

// HardDelete removes a record for good (emptied recycle bin, or an object
// that only hard-deletes): queryAll no longer sees it; /deleted still lists
// it for 15 days.
func (e *Emulator) HardDelete(object, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(object)
	if err != nil {
		return err
	}
	if t.recs[id] == nil {
		return fmt.Errorf("emulator: %s %s: not found", object, id)
	}
	delete(t.recs, id)
	if _, ok := t.deleted[id]; !ok {
		t.deleted[id] = e.opts.Now()
	}
	return nil
}

// Get returns a copy of one record (deleted ones included).
func (e *Emulator) Get(object, id string) (map[string]any, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(object)
	if err != nil || t.recs[id] == nil {
		return nil, false
	}
	out := make(map[string]any, len(t.recs[id]))
	for k, v := range t.recs[id] {
		out[k] = v
	}
	return out, true
}

// IDs returns the Ids of an object's live records, or of all records in
// the recycle bin too when withDeleted, sorted.
func (e *Emulator) IDs(object string, withDeleted bool) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.table(object)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(t.recs))
	for id, r := range t.recs {
		if withDeleted || r["IsDeleted"] != true {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Field returns one field value of a record as the emulator stores it
// (string, bool, time.Time, or a number as its decimal text via String).
func (e *Emulator) Field(object, id, field string) any {
	r, ok := e.Get(object, id)
	if !ok {
		return nil
	}
	if n, ok := r[field].(jsonNumber); ok {
		return string(n)
	}
	return r[field]
}
