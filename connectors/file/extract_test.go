package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

// fakeManifest is an Env.Manifest serving marks and counting calls.
type fakeManifest struct {
	marks map[string]northstar.FileMark
	calls int
}

func (f *fakeManifest) get(_ context.Context, s northstar.Stream) (map[string]northstar.FileMark, error) {
	f.calls++
	if s != northstar.StreamOrders {
		return nil, errors.New("wrong stream")
	}
	return f.marks, nil
}

// store records the Files of batches as the loader would.
func (f *fakeManifest) store(bs []northstar.Batch) {
	for _, b := range bs {
		for _, m := range b.Files {
			f.marks[m.Path] = m
		}
	}
}

func origins(bs []northstar.Batch) []string {
	var out []string
	for _, b := range bs {
		for _, r := range b.Records {
			out = append(out, filepath.Base(r.Origin))
		}
	}
	return out
}

func fileNames(ms []northstar.FileMark) []string {
	var out []string
	for _, m := range ms {
		out = append(out, filepath.Base(m.Path))
	}
	return out
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.UTC) // sub-microsecond part, as filesystems have
	a := writeFile(t, dir, "a.csv", "source_id,amount\n1,10\n2,20\n", t0)
	writeFile(t, dir, "b.csv", "source_id,amount\n3,30\n", t0)
	c := connector(t, "streams:\n  orders: {path: "+dir+"/*.csv}")
	fm := &fakeManifest{marks: map[string]northstar.FileMark{}}
	env := connectors.Env{Manifest: fm.get}

	run := func() []northstar.Batch { return extract(t, c, env, northstar.StreamOrders) }

	bs := run()
	if got := strings.Join(origins(bs), " "); got != "a.csv:2 a.csv:3 b.csv:2" {
		t.Fatalf("first run read %q", got)
	}
	fm.store(bs)
	ma := fm.marks[a]
	if ma.Size != 27 || !ma.ModTime.Equal(t0.Truncate(time.Microsecond)) || len(ma.SHA256) != 64 {
		t.Fatalf("mark of a.csv: %+v", ma)
	}

	t.Run("unchanged files are skipped", func(t *testing.T) {
		if bs := run(); len(bs) != 0 {
			t.Fatalf("emitted %d batches: %+v", len(bs), bs)
		}
	})
	t.Run("same size and mtime skip without hashing", func(t *testing.T) {
		bad := fm.marks[a]
		bad.SHA256 = "not-the-hash"
		fm.marks[a] = bad
		defer func() { fm.marks[a] = ma }()
		if bs := run(); len(bs) != 0 {
			t.Fatalf("emitted %d batches", len(bs))
		}
	})
	t.Run("touched but identical records the new mtime only", func(t *testing.T) {
		t1 := t0.Add(time.Hour)
		if err := os.Chtimes(a, t1, t1); err != nil {
			t.Fatal(err)
		}
		bs := run()
		if len(bs) != 1 || len(bs[0].Records) != 0 || len(bs[0].Files) != 1 {
			t.Fatalf("batches %+v", bs)
		}
		m := bs[0].Files[0]
		if m.Path != a || !m.ModTime.Equal(t1.Truncate(time.Microsecond)) || m.SHA256 != ma.SHA256 || m.Size != ma.Size {
			t.Fatalf("mark %+v", m)
		}
		fm.store(bs)
		if bs := run(); len(bs) != 0 {
			t.Fatalf("after storing the touch: %d batches", len(bs))
		}
	})
	t.Run("changed content with the same size is read", func(t *testing.T) {
		writeFile(t, dir, "a.csv", "source_id,amount\n1,11\n2,21\n", t0.Add(2*time.Hour))
		bs := run()
		if got := strings.Join(origins(bs), " "); got != "a.csv:2 a.csv:3" {
			t.Fatalf("read %q", got)
		}
		if f := bs[len(bs)-1].Files; len(f) != 1 || f[0].SHA256 == ma.SHA256 {
			t.Fatalf("files %+v", f)
		}
		fm.store(bs)
	})
	t.Run("grown file is read", func(t *testing.T) {
		writeFile(t, dir, "a.csv", "source_id,amount\n1,11\n2,21\n4,40\n", t0.Add(2*time.Hour))
		bs := run()
		if got := strings.Join(origins(bs), " "); got != "a.csv:2 a.csv:3 a.csv:4" {
			t.Fatalf("read %q", got)
		}
		fm.store(bs)
	})
	t.Run("full ignores the manifest", func(t *testing.T) {
		calls := fm.calls
		bs := extract(t, c, connectors.Env{Manifest: fm.get, Full: true}, northstar.StreamOrders)
		if got := strings.Join(origins(bs), " "); got != "a.csv:2 a.csv:3 a.csv:4 b.csv:2" {
			t.Fatalf("read %q", got)
		}
		if fm.calls != calls {
			t.Errorf("Manifest called on a full sync")
		}
	})
	t.Run("deleted file changes nothing, new file is read", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, "b.csv")); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "c.csv", "source_id,amount\n5,50\n", time.Time{})
		bs := run()
		if got := strings.Join(origins(bs), " "); got != "c.csv:2" {
			t.Fatalf("read %q", got)
		}
		if f := fileNames(bs[0].Files); strings.Join(f, " ") != "c.csv" {
			t.Fatalf("files %v", f)
		}
	})
}

func TestGlobOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.csv", "a.csv", "9.csv", "10.csv"} {
		writeFile(t, dir, n, "source_id\n"+n+"\n", time.Time{})
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "skip.txt", "source_id\nx\n", time.Time{})
	bs := extract(t, connector(t, "streams:\n  orders: {path: "+dir+"/*.csv}"), connectors.Env{}, northstar.StreamOrders)
	if len(bs) != 1 {
		t.Fatalf("%d batches", len(bs))
	}
	want := "10.csv 9.csv a.csv b.csv"
	if got := strings.Join(fileNames(bs[0].Files), " "); got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	var ids []string
	for _, r := range bs[0].Records {
		ids = append(ids, r.SourceID)
	}
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("records %q, want %q", got, want)
	}
}

func TestPaging(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "source_id\na1\na2\na3\n", time.Time{})
	writeFile(t, dir, "b.csv", "source_id\nb1\n", time.Time{})
	writeFile(t, dir, "c.csv", "source_id\n", time.Time{})
	writeFile(t, dir, "d.jsonl", `{"source_id":"d1"}`+"\n"+`{"source_id":"d2"}`+"\n{oops\n", time.Time{})
	c := connector(t, "file: {page_size: 2}\nstreams:\n  orders: {path: "+dir+"/*}")
	bs := extract(t, c, connectors.Env{}, northstar.StreamOrders)
	type page struct{ records, rejects, files string }
	want := []page{
		{"a1 a2", "", ""},
		{"a3 b1", "", "a.csv b.csv c.csv"},
		{"d1 d2", "", ""},
		{"", "d.jsonl:3", "d.jsonl"},
	}
	if len(bs) != len(want) {
		t.Fatalf("%d batches, want %d", len(bs), len(want))
	}
	for i, b := range bs {
		var ids, rejs []string
		for _, r := range b.Records {
			ids = append(ids, r.SourceID)
		}
		for _, r := range b.Rejects {
			rejs = append(rejs, filepath.Base(r.Origin))
		}
		got := page{strings.Join(ids, " "), strings.Join(rejs, " "), strings.Join(fileNames(b.Files), " ")}
		if got != want[i] {
			t.Errorf("batch %d: %+v, want %+v", i, got, want[i])
		}
		if b.Stream != northstar.StreamOrders || !b.Cursor.IsZero() || b.Total != -1 {
			t.Errorf("batch %d: stream %q cursor %+v total %d", i, b.Stream, b.Cursor, b.Total)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "source_id\n1\n2\n3\n", time.Time{})
	src, err := New(connector(t, "file: {page_size: 1}\nstreams:\n  orders: {path: "+dir+"/*.csv}"), connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Streams(); len(got) != 1 || got[0] != northstar.StreamOrders {
		t.Errorf("Streams() = %v", got)
	}
	stop := errors.New("stop")
	n := 0
	err = src.Extract(context.Background(), northstar.StreamOrders, northstar.Cursor{}, func(context.Context, northstar.Batch) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Extract = %v after %d emits, want emit's error unchanged after 1", err, n)
	}
	if err := src.Extract(context.Background(), northstar.StreamContacts, northstar.Cursor{}, nil); !errors.Is(err, northstar.ErrUnknownStream) {
		t.Errorf("unconfigured stream: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = src.Extract(ctx, northstar.StreamOrders, northstar.Cursor{}, func(context.Context, northstar.Batch) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}
