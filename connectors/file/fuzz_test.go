package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
)

// FuzzRows feeds arbitrary bytes to the CSV, whitespace and JSON Lines row
// readers: they must not panic, every row must carry a plausible origin
// line and a storable JSON payload, and every record a source id.
func FuzzRows(f *testing.F) {
	for _, s := range []string{
		"source_id,ordered_at,amount\n1,2024-01-01,2\n",
		"\xEF\xBB\xBFa,b\r\n\"x\ny\",2\r\n",
		"source_id,amount\n1,\"unterminated\n2,3\n",
		"a,b\n1\n1,2,3\nc\"d,e\n",
		" 00004 0001 19970101  2   29.33\n\t1\t2\n\n",
		`{"source_id":"1","ordered_at":"x"}` + "\n{bad\n[1]\n",
		"source_id\n\x00\xff\n",
	} {
		for mode := range byte(4) {
			f.Add([]byte(s), mode)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		times, _ := newTimeParser("", "UTC")
		st := &settings{
			stream:   northstar.StreamOrders,
			delim:    ',',
			header:   mode&1 == 0,
			times:    times,
			pageSize: 3,
			fields:   map[string]string{"customer": "2"},
		}
		if !st.header {
			st.id = idSpec{"line"}
		}
		jsonl := mode%4 == 3
		st.whitespace = mode%4 == 2
		var bs []northstar.Batch
		pg := &pager{ctx: context.Background(), stream: st.stream, size: st.pageSize,
			emit: func(_ context.Context, b northstar.Batch) error { bs = append(bs, b); return nil }}
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		var err error
		if jsonl {
			err = readJSONL(st, "f", time.Time{}, br, pg)
		} else {
			err = readTabular(st, "f", time.Time{}, br, pg)
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if err := pg.flush(); err != nil {
			t.Fatal(err)
		}
		maxLine := bytes.Count(data, []byte("\n")) + 1
		checkOrigin := func(o string) {
			n, err := strconv.Atoi(strings.TrimPrefix(o, "f:"))
			if err != nil || n < 1 || n > maxLine {
				t.Fatalf("origin %q outside 1..%d", o, maxLine)
			}
		}
		for _, b := range bs {
			if len(b.Records)+len(b.Rejects) > st.pageSize {
				t.Fatalf("page of %d rows", len(b.Records)+len(b.Rejects))
			}
			for _, r := range b.Records {
				checkOrigin(r.Origin)
				if r.SourceID == "" || r.Fields["source_id"] != r.SourceID || !json.Valid(r.Payload) {
					t.Fatalf("record %+v", r)
				}
			}
			for _, r := range b.Rejects {
				checkOrigin(r.Origin)
				if r.Reason == "" || !json.Valid(r.Payload) {
					t.Fatalf("reject %+v", r)
				}
			}
		}
		s := string(data)
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' })
		if got := splitWhitespace(s, nil); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("splitWhitespace(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\", "\x00\x01\x1f\n\r\t", "é漢字\U0001F600", "bad\xff\xfe", "\u2028"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q → %s: %v", s, b, err)
		}
		want := strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
		if strings.Contains(s, "\xff\xfe") {
			want = strings.ReplaceAll(want, "\uFFFD", "\uFFFD\uFFFD")
		}
		if got != want {
			t.Errorf("%q → %q, want %q", s, got, want)
		}
	}
}
