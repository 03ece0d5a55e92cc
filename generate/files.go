package generate

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/northstar-dev/northstar"
)

// File formats of WriteFiles.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Manifest describes what WriteFiles wrote.
type Manifest struct {
	Format string
	// Files lists every file written, streams in northstar.AllStreams order:
	// the daily FX rates (fx_rates.csv, see DailyRates) first.
	Files []File
	// Truth summarises the generated company (Truth.Counts = rows per stream).
	Truth Truth
}

// File is one written file.
type File struct {
	Stream northstar.Stream
	Path   string // absolute or relative as given to WriteFiles
	Rows   int64  // data rows, without the CSV header
	Bytes  int64
	SHA256 string // hex of the file content
}

// WriteFiles generates the company of opts into dir (created if missing),
// one file per stream named after it ("orders.csv"), or several when
// opts.RowsPerFile > 0 ("orders-0001.csv", "orders-0002.csv", ...). CSV files
// start with a header of the stream's Columns; JSON Lines files hold one
// object per row with those keys (empty values left out). All values are
// raw text: RFC 3339 UTC times, plain decimal amounts.
func WriteFiles(ctx context.Context, dir string, opts Options, format string) (Manifest, error) {
	if format != FormatCSV && format != FormatJSONL {
		return Manifest{}, fmt.Errorf("generate: unknown format %q (want csv or jsonl)", format)
	}
	if _, err := opts.withDefaults(); err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("generate: %w", err)
	}
	fs := &fileSink{dir: dir, format: format, perFile: int64(opts.RowsPerFile)}
	for _, s := range northstar.AllStreams() {
		if s != northstar.StreamFXRates {
			fs.out = append(fs.out, &streamFile{stream: s, cols: columns[s], sink: fs})
		}
	}
	rates, err := fs.writeRates(opts)
	if err != nil {
		return Manifest{}, err
	}
	truth, err := Generate(ctx, opts, fs)
	if cerr := fs.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{Format: format, Truth: truth}
	m.Truth.Counts[northstar.StreamFXRates] = rates.rows()
	m.Files = append(m.Files, rates.done...)
	for _, sf := range fs.out {
		m.Files = append(m.Files, sf.done...)
	}
	return m, nil
}

// WriteRates writes only the daily rates of WriteFiles (DailyRates quoted in
// opts.FXBase) into dir as fx_rates.csv or fx_rates.jsonl (split by
// opts.RowsPerFile), for loading through a file connector.
func WriteRates(dir string, opts Options, format string) ([]File, error) {
	if format != FormatCSV && format != FormatJSONL {
		return nil, fmt.Errorf("generate: unknown format %q (want csv or jsonl)", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	fs := &fileSink{dir: dir, format: format, perFile: int64(opts.RowsPerFile)}
	sf, err := fs.writeRates(opts)
	if err != nil {
		return nil, err
	}
	return sf.done, nil
}

// fileSink writes each stream through its own streamFile.
type fileSink struct {
	dir     string
	format  string
	perFile int64
	out     []*streamFile // the company's streams in AllStreams order, fx_rates left out
}

// writeRates writes the daily rates file (fx_rates.csv) quoted in
// opts.FXBase.
func (fs *fileSink) writeRates(opts Options) (*streamFile, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	rates, err := DailyRates(o, o.FXBase)
	if err != nil {
		return nil, err
	}
	sf := &streamFile{stream: northstar.StreamFXRates, cols: columns[northstar.StreamFXRates], sink: fs}
	for i := range rates {
		if err := sf.write(&rates[i]); err != nil {
			if sf.f != nil {
				sf.f.Close()
			}
			return nil, err
		}
	}
	if sf.f != nil {
		if err := sf.finish(); err != nil {
			return nil, err
		}
	}
	return sf, nil
}

// rows counts the rows written into the finished files.
func (sf *streamFile) rows() int64 {
	var n int64
	for _, f := range sf.done {
		n += f.Rows
	}
	return n
}

func (fs *fileSink) close() error {
	var errs []error
	for _, sf := range fs.out {
		if sf.f != nil {
			errs = append(errs, sf.finish())
		}
	}
	return errors.Join(errs...)
}

func (fs *fileSink) Customer(c *Customer) error { return fs.out[0].write(c) }
func (fs *fileSink) Contact(c *Contact) error   { return fs.out[1].write(c) }
func (fs *fileSink) Order(o *Order) error {
	if err := fs.out[2].write(o); err != nil {
		return err
	}
	lines := fs.out[3]
	for k := range o.Lines {
		if err := lines.write(&o.Lines[k]); err != nil {
			return err
		}
	}
	return nil
}
func (fs *fileSink) Contract(c *Contract) error             { return fs.out[4].write(c) }
func (fs *fileSink) SurveyResponse(s *SurveyResponse) error { return fs.out[5].write(s) }
func (fs *fileSink) SupportCase(s *SupportCase) error       { return fs.out[6].write(s) }

// streamFile writes one stream's rows into one or more files. It is also
// the fieldWriter that formats a row into row.
type streamFile struct {
	stream northstar.Stream
	cols   []string
	sink   *fileSink
	part   int
	f      *os.File
	bw     *bufio.Writer
	h      hash.Hash
	cur    File
	done   []File
	row    []byte
	col    int
}

func (sf *streamFile) path() string {
	ext := "." + sf.sink.format
	name := string(sf.stream)
	if sf.sink.perFile > 0 {
		name += "-" + strconv.Itoa(10000 + sf.part)[1:]
	}
	return filepath.Join(sf.sink.dir, name+ext)
}

func (sf *streamFile) open() error {
	sf.part++
	p := sf.path()
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("create %s: %w", p, err)
	}
	sf.f = f
	sf.h = sha256.New()
	sf.bw = bufio.NewWriterSize(io.MultiWriter(f, sf.h), 1<<20)
	sf.cur = File{Stream: sf.stream, Path: p}
	if sf.sink.format == FormatCSV {
		sf.row = sf.row[:0]
		for k, c := range sf.cols {
			if k > 0 {
				sf.row = append(sf.row, ',')
			}
			sf.row = append(sf.row, c...)
		}
		sf.row = append(sf.row, '\n')
		n, err := sf.bw.Write(sf.row)
		sf.cur.Bytes += int64(n)
		if err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

func (sf *streamFile) finish() error {
	err := sf.bw.Flush()
	if cerr := sf.f.Close(); err == nil {
		err = cerr
	}
	sf.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", sf.cur.Path, err)
	}
	sf.cur.SHA256 = hex.EncodeToString(sf.h.Sum(nil))
	sf.done = append(sf.done, sf.cur)
	return nil
}

func (sf *streamFile) write(e fielder) error {
	if sf.f != nil && sf.sink.perFile > 0 && sf.cur.Rows >= sf.sink.perFile {
		if err := sf.finish(); err != nil {
			return err
		}
	}
	if sf.f == nil {
		if err := sf.open(); err != nil {
			return err
		}
	}
	sf.row, sf.col = sf.row[:0], 0
	if sf.sink.format == FormatJSONL {
		sf.row = append(sf.row, '{')
	}
	e.writeFields(sf)
	if sf.sink.format == FormatJSONL {
		sf.row = append(sf.row, '}')
	}
	sf.row = append(sf.row, '\n')
	n, err := sf.bw.Write(sf.row)
	sf.cur.Bytes += int64(n)
	sf.cur.Rows++
	if err != nil {
		return fmt.Errorf("write %s: %w", sf.cur.Path, err)
	}
	return nil
}

// field starts the next field; JSON Lines leaves empty values out.
func (sf *streamFile) field(name string, empty bool) bool {
	if sf.sink.format == FormatCSV {
		if sf.col > 0 {
			sf.row = append(sf.row, ',')
		}
		sf.col++
		return !empty
	}
	if empty {
		return false
	}
	if sf.col > 0 {
		sf.row = append(sf.row, ',')
	}
	sf.col++
	sf.row = append(sf.row, '"')
	sf.row = append(sf.row, name...)
	sf.row = append(sf.row, '"', ':')
	return true
}

func (sf *streamFile) str(name, v string) {
	if !sf.field(name, v == "") {
		return
	}
	if sf.sink.format == FormatCSV {
		sf.row = appendCSV(sf.row, v)
	} else {
		sf.row = appendJSON(sf.row, v)
	}
}

// plain appends text that needs no quoting in CSV (digits, times) and is a
// JSON string.
func (sf *streamFile) plain(v []byte) {
	if sf.sink.format == FormatJSONL {
		sf.row = append(sf.row, '"')
		sf.row = append(sf.row, v...)
		sf.row = append(sf.row, '"')
		return
	}
	sf.row = append(sf.row, v...)
}

func (sf *streamFile) time(name string, t time.Time) {
	if !sf.field(name, t.IsZero()) {
		return
	}
	var buf [32]byte
	sf.plain(appendTime(buf[:0], t))
}

func (sf *streamFile) amount(name string, a Amount) {
	sf.field(name, false)
	var buf [24]byte
	sf.plain(a.AppendText(buf[:0]))
}

func (sf *streamFile) int(name string, v int64) {
	sf.field(name, false)
	var buf [24]byte
	sf.plain(strconv.AppendInt(buf[:0], v, 10))
}

func (sf *streamFile) raw(name string, v []byte) {
	if sf.field(name, len(v) == 0) {
		sf.plain(v)
	}
}

// appendCSV appends v as one RFC 4180 field, quoted when needed.
func appendCSV(dst []byte, v string) []byte {
	quote := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ',', '"', '\n', '\r':
			quote = true
		}
	}
	if len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		quote = true
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, v[i])
	}
	return append(dst, '"')
}

// appendJSON appends v as a JSON string; v is valid UTF-8.
func appendJSON(dst []byte, v string) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
