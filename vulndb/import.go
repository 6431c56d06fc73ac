package vulndb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Report says what an Import or Update did, source by source.
type Report struct {
	Sources []SourceReport
}

// SourceReport is what happened to one source.
type SourceReport struct {
	// Source is the name records are filed under ("Debian", a path, "kev").
	Source string
	Kind   string
	// Location is the URL or absolute path read.
	Location string
	// Records counts the records read and stored.
	Records int
	// NotModified is true when Update's server answered 304: the source's
	// records were kept as they were.
	NotModified bool
	// SkippedCount counts malformed records skipped; Skipped names the first
	// maxSkipped of them with the file or zip entry and the reason.
	SkippedCount int
	Skipped      []string
	// UnknownModified counts records stored whose modified time was zero
	// or unreadable: every rematch treats them as changed.
	UnknownModified int
}

// maxSkipped bounds how many skip messages a report keeps; the rest are
// only counted (a broken feed can have thousands).
const maxSkipped = 100

// Import reads the OSV records at src — a folder of JSON files (searched
// recursively), a zip with one JSON record per entry (OSV's
// "<Ecosystem>/all.zip"), or one JSON file — and replaces the records of
// that source in the database at dbPath, creating it if needed. Records
// other sources brought stay. src may be empty when WithKEVFile or
// WithEPSSFile give something to import.
//
// Records are decoded and stored one at a time, so memory does not grow
// with the corpus. A record with a zero or unreadable timestamp is stored
// (its modified time unknown); a malformed record is skipped with a warning
// (logged and in the report) naming the file or zip entry, and a source
// that loses more than MaxSkippedShare of its records that way is an
// *InputError wrapping ErrPartial unless WithAllowPartial. An unreadable
// zip is an *InputError; after any error nothing changes. The new database
// is built beside the old one and renamed over it only when complete.
//
// Options read: WithSourceName, WithKEVFile, WithEPSSFile, WithLogger,
// WithMaxRecordSize, WithClock, WithAllowPartial.
func Import(ctx context.Context, dbPath, src string, opts ...Option) (rep *Report, err error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if src == "" && o.kevFile == "" && o.epssFile == "" {
		return nil, &InputError{Path: dbPath, Err: errors.New("nothing to import: give OSV records, a KEV file or an EPSS file")}
	}
	w, err := newWriter(ctx, dbPath, o, false)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	rep = &Report{}
	if src != "" {
		source, loc := o.source, src
		if abs, err := filepath.Abs(src); err == nil {
			loc = abs
		}
		if source == "" {
			source = defaultSourceName(loc)
		}
		sr, err := importOSV(ctx, w, src, sourceMeta{source: source, kind: KindOSV, location: loc})
		if err != nil {
			return nil, err
		}
		rep.Sources = append(rep.Sources, sr)
	}
	enriched, err := enrich(ctx, w, o)
	if err != nil {
		return nil, err
	}
	rep.Sources = append(rep.Sources, enriched...)
	if err := w.publish(ctx); err != nil {
		return nil, err
	}
	return rep, nil
}

// defaultSourceName is the ecosystem for ".../<Ecosystem>/all.zip", so a
// mirrored feed imported offline is the same source Update refreshes.
func defaultSourceName(abs string) string {
	if filepath.Base(abs) == "all.zip" {
		if eco := filepath.Base(filepath.Dir(abs)); eco != "." && eco != string(filepath.Separator) {
			return eco
		}
	}
	return abs
}

// importOSV replaces source's records with those read from src.
func importOSV(ctx context.Context, w *writer, src string, m sourceMeta) (SourceReport, error) {
	sr := SourceReport{Source: m.source, Kind: KindOSV, Location: m.location}
	if err := w.beginSource(ctx, m.source); err != nil {
		return sr, err
	}
	put := func(entry string, raw []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, perr := parseRecord(raw, w.o.maxRecord)
		if perr != nil {
			sr.SkippedCount++
			msg := fmt.Sprintf("%s: %v", entry, perr)
			if len(sr.Skipped) < maxSkipped {
				sr.Skipped = append(sr.Skipped, msg)
			}
			w.o.logger.Warn("vulndb: skipped malformed record", "source", m.location, "entry", entry, "err", perr)
			return nil
		}
		if err := w.put(ctx, m.source, a, raw); err != nil {
			return err
		}
		sr.Records++
		if !KnownTime(a.Modified) {
			sr.UnknownModified++
		}
		return nil
	}
	fi, err := os.Stat(src)
	if err != nil {
		return sr, &InputError{Path: src, Err: err}
	}
	switch {
	case fi.IsDir():
		err = walkFolder(src, w.o.maxRecord, put)
	case isZip(src):
		err = walkZip(src, w.o.maxRecord, put)
	case strings.EqualFold(filepath.Ext(src), ".json"):
		err = walkFile(src, filepath.Base(src), w.o.maxRecord, put)
	default:
		return sr, &InputError{Path: src, Err: malformed("not a folder, a zip or an OSV JSON file")}
	}
	var ie *InputError
	if errors.As(err, &ie) && ie.Path == src {
		ie.Path = m.location // a download's temporary file means nothing to the user
	}
	if err != nil {
		return sr, err
	}
	if err := checkSkipped(sr, w.o); err != nil {
		return sr, err
	}
	return sr, w.setSource(ctx, m)
}

// parseRecord decodes and checks one OSV record.
func parseRecord(raw []byte, limit int64) (*Advisory, error) {
	if int64(len(raw)) > limit {
		return nil, malformed("record is over the %d byte limit", limit)
	}
	a := new(Advisory)
	if err := json.Unmarshal(raw, a); err != nil {
		return nil, malformed("%v", err)
	}
	if err := validate(a); err != nil {
		return nil, err
	}
	return a, nil
}

func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil {
		return false
	}
	return bytes.Equal(magic, []byte("PK\x03\x04")) || bytes.Equal(magic, []byte("PK\x05\x06"))
}

// putFunc stores one record read from entry; the walkers read at most
// limit+1 bytes of it so that parseRecord can refuse an oversized one.
type putFunc func(entry string, raw []byte) error

func walkFolder(root string, limit int64, put putFunc) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &InputError{Path: p, Err: err}
		}
		if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(p), ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		if err := walkFile(p, rel, limit, put); err != nil {
			return err
		}
	}
	return nil
}

func walkFile(path, entry string, limit int64, put putFunc) error {
	f, err := os.Open(path)
	if err != nil {
		return &InputError{Path: path, Err: err}
	}
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	f.Close()
	if err != nil {
		return &InputError{Path: path, Err: err}
	}
	return put(entry, raw)
}
