package odata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// collection is one decoded page of an OData collection response.
type collection struct {
	raws  []json.RawMessage // each entity as sent (slices of the body)
	rows  []row             // each entity decoded, numbers as json.Number
	count int64             // __count / @odata.count, -1 if absent
	next  string            // __next / @odata.nextLink
}

// decodeCollection decodes a V2 verbose page ({"d":{"results":[…],
// "__count":"…","__next":"…"}}) or a V4 page ({"value":[…],
// "@odata.count":…,"@odata.nextLink":"…"}) in one pass, keeping each
// entity's raw bytes for Record.Payload.
func decodeCollection(body []byte, v4 bool) (collection, error) {
	c := collection{count: -1}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	obj := func(fn func(key string) error) error {
		if t, err := dec.Token(); err != nil {
			return err
		} else if t != json.Delim('{') {
			return fmt.Errorf("want an object, got %v", t)
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := t.(string)
			if err := fn(key); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	}
	skip := func() error { var x json.RawMessage; return dec.Decode(&x) }
	entities := func() error {
		if t, err := dec.Token(); err != nil {
			return err
		} else if t != json.Delim('[') {
			return fmt.Errorf("want an array, got %v", t)
		}
		for dec.More() {
			start := dec.InputOffset()
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				return err
			}
			raw := bytes.TrimLeft(body[start:dec.InputOffset()], " \t\r\n,")
			c.raws = append(c.raws, raw)
			if m == nil {
				m = map[string]any{}
			}
			c.rows = append(c.rows, m)
		}
		_, err := dec.Token() // ']'
		return err
	}
	str := func(dst *string) error { return dec.Decode(dst) }
	count := func() error {
		var n json.Number
		var s string
		if v4 {
			if err := dec.Decode(&n); err != nil {
				return err
			}
			s = n.String()
		} else if err := dec.Decode(&s); err != nil {
			return err
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			c.count = v
		}
		return nil
	}
	var err error
	if v4 {
		err = obj(func(k string) error {
			switch k {
			case "value":
				return entities()
			case "@odata.nextLink":
				return str(&c.next)
			case "@odata.count":
				return count()
			}
			return skip()
		})
	} else {
		err = obj(func(k string) error {
			if k != "d" {
				return skip()
			}
			return obj(func(k string) error {
				switch k {
				case "results":
					return entities()
				case "__next":
					return str(&c.next)
				case "__count":
					return count()
				}
				return skip()
			})
		})
	}
	if err != nil {
		return c, err
	}
	return c, nil
}
