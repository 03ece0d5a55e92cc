package file

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// Source reads the file drops of one file connector.
type Source struct {
	name    string
	env     connectors.Env
	streams map[northstar.Stream]*settings
	order   []northstar.Stream
}

var _ northstar.Source = (*Source)(nil)

// New builds a Source from a file connector's configuration. It validates
// the options (errors wrap northstar.ErrInvalidConfig) but reads no file.
func New(c *config.Connector, env connectors.Env) (*Source, error) {
	sts, errs := parse(c)
	if len(errs) > 0 {
		return nil, fmt.Errorf("file: %w", errors.Join(errs...))
	}
	s := &Source{name: c.Name, env: env.Defaults(), streams: make(map[northstar.Stream]*settings, len(sts))}
	for _, st := range sts {
		s.streams[st.stream] = st
		s.order = append(s.order, st.stream)
	}
	return s, nil
}

// Streams lists the configured streams in configuration order.
func (s *Source) Streams() []northstar.Stream { return append([]northstar.Stream(nil), s.order...) }

// Extract reads the new and changed files of stream st (since is ignored:
// the manifest is this connector's position) and emits their rows in pages.
func (s *Source) Extract(ctx context.Context, st northstar.Stream, _ northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	set, ok := s.streams[st]
	if !ok {
		return fmt.Errorf("file: %w %q: not configured", northstar.ErrUnknownStream, st)
	}
	paths, err := filepath.Glob(set.path)
	if err != nil {
		return fmt.Errorf("file: %s: glob %q: %w", st, set.path, err)
	}
	sort.Strings(paths)
	seen, err := s.manifest(ctx, st)
	if err != nil {
		return err
	}
	log := s.env.Logger.With("stream", string(st))
	pg := &pager{ctx: ctx, stream: st, size: set.pageSize, emit: emit}
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		fi, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted since the glob
		}
		if err != nil {
			return fmt.Errorf("file: %w", err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return fmt.Errorf("file: %w", err)
		}
		mark := northstar.FileMark{Path: abs, Size: fi.Size(), ModTime: fi.ModTime().UTC().Truncate(time.Microsecond)}
		if old, ok := seen[abs]; ok && old.Size == mark.Size {
			if old.ModTime.Truncate(time.Microsecond).Equal(mark.ModTime) {
				log.Debug("file unchanged", "path", abs)
				continue
			}
			sum, err := hashFile(path)
			if err != nil {
				return fmt.Errorf("file: hash %s: %w", path, err)
			}
			if sum == old.SHA256 {
				log.Debug("file touched, content unchanged", "path", abs)
				mark.SHA256 = sum
				pg.fileDone(mark)
				continue
			}
		}
		log.Info("reading file", "path", abs, "size", mark.Size)
		if mark.SHA256, err = s.readFile(set, path, mark.ModTime, pg); err != nil {
			if pg.emitErr != nil {
				return pg.emitErr // emit's error, unchanged
			}
			return fmt.Errorf("file: %s: %w", path, err)
		}
		pg.fileDone(mark)
	}
	if err := pg.flush(); err != nil {
		return err
	}
	return nil
}

// manifest returns the stream's loaded files by path (none with Env.Full).
func (s *Source) manifest(ctx context.Context, st northstar.Stream) (map[string]northstar.FileMark, error) {
	if s.env.Full || s.env.Manifest == nil {
		return nil, nil
	}
	m, err := s.env.Manifest(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("file: manifest of %s: %w", st, err)
	}
	byPath := make(map[string]northstar.FileMark, len(m))
	for k, v := range m {
		if v.Path == "" {
			v.Path = k
		}
		byPath[v.Path] = v
	}
	return byPath, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readFile streams one file into pg and returns the SHA-256 of the bytes read.
func (s *Source) readFile(set *settings, path string, mtime time.Time, pg *pager) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, h), 64<<10)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	if set.formatOf(path) == formatJSONL {
		err = readJSONL(set, path, mtime, br, pg)
	} else {
		err = readTabular(set, path, mtime, br, pg)
	}
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(io.Discard, br); err != nil { // hash whatever the parser left
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile returns the hex SHA-256 of a file's content.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pager collects rows into pages of at most size rows (records plus
// rejects). A full page is emitted only when the next row arrives, so the
// page holding a file's last row also lists the file in Files.
type pager struct {
	ctx     context.Context
	stream  northstar.Stream
	size    int
	emit    func(context.Context, northstar.Batch) error
	b       northstar.Batch
	emitErr error
}

// room emits the current page if it is full.
func (p *pager) room() error {
	if len(p.b.Records)+len(p.b.Rejects) < p.size {
		return nil
	}
	return p.flush()
}

func (p *pager) addRecord(r northstar.Record) {
	if p.b.Records == nil {
		// The whole page at once: growing by appends copied every page
		// several times over (a fifth of the connector's allocations).
		p.b.Records = make([]northstar.Record, 0, p.size)
	}
	p.b.Records = append(p.b.Records, r)
}

func (p *pager) addReject(sourceID, origin, reason string, payload []byte) {
	p.b.Rejects = append(p.b.Rejects, northstar.Reject{SourceID: sourceID, Origin: origin, Reason: reason, Payload: payload})
}

func (p *pager) fileDone(m northstar.FileMark) { p.b.Files = append(p.b.Files, m) }

// flush emits the current page, if it holds anything.
func (p *pager) flush() error {
	if len(p.b.Records) == 0 && len(p.b.Rejects) == 0 && len(p.b.Files) == 0 {
		return nil
	}
	if err := p.ctx.Err(); err != nil {
		return err
	}
	b := p.b
	b.Stream, b.Total = p.stream, -1
	p.b = northstar.Batch{}
	if err := p.emit(p.ctx, b); err != nil {
		p.emitErr = err
		return err
	}
	return nil
}
