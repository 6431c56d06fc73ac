package vulndb

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// enrich loads the KEV and EPSS data the options name into w.
func enrich(ctx context.Context, w *writer, o *options) ([]SourceReport, error) {
	var reps []SourceReport
	for _, f := range []struct {
		path, kind string
		load       enrichFunc
	}{{o.kevFile, KindKEV, importKEV}, {o.epssFile, KindEPSS, importEPSS}} {
		if f.path == "" {
			continue
		}
		rep, err := importFile(ctx, w, f.path, f.kind, f.load)
		if err != nil {
			return nil, err
		}
		reps = append(reps, rep)
	}
	if len(o.kev) > 0 {
		for _, id := range o.kev {
			if _, err := w.conn.ExecContext(ctx, "INSERT OR REPLACE INTO kev (cve, date_added) VALUES (?, '')", id); err != nil {
				return nil, fmt.Errorf("vulndb: %w", err)
			}
		}
		if err := w.setSource(ctx, sourceMeta{source: sourceKEV, kind: KindKEV, location: "vulndb.WithKEV", records: int64(len(o.kev))}); err != nil {
			return nil, err
		}
	}
	if len(o.epss) > 0 {
		for id, s := range o.epss {
			if _, err := w.conn.ExecContext(ctx, "INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?, ?, 0)", id, s); err != nil {
				return nil, fmt.Errorf("vulndb: %w", err)
			}
		}
		if err := w.setSource(ctx, sourceMeta{source: sourceEPSS, kind: KindEPSS, location: "vulndb.WithEPSS", records: int64(len(o.epss))}); err != nil {
			return nil, err
		}
	}
	return reps, nil
}

// enrichFunc replaces one enrichment table with what r holds and records
// the source m, with its record count, in meta.
type enrichFunc func(ctx context.Context, w *writer, r io.Reader, m sourceMeta) (SourceReport, error)

func importFile(ctx context.Context, w *writer, path, kind string, load enrichFunc) (SourceReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return SourceReport{}, &InputError{Path: path, Err: err}
	}
	defer f.Close()
	loc := path
	if abs, err := filepath.Abs(path); err == nil {
		loc = abs
	}
	return load(ctx, w, f, sourceMeta{source: kind, kind: kind, location: loc})
}

func (m sourceMeta) report() SourceReport {
	return SourceReport{Source: m.source, Kind: m.kind, Location: m.location, Records: int(m.records)}
}

// importKEV replaces the KEV table with CISA's catalog read from r (the
// known_exploited_vulnerabilities.json format).
func importKEV(ctx context.Context, w *writer, r io.Reader, m sourceMeta) (SourceReport, error) {
	var catalog struct {
		CatalogVersion  string `json:"catalogVersion"`
		Vulnerabilities *[]struct {
			CVEID     string `json:"cveID"`
			DateAdded string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	if err := json.NewDecoder(r).Decode(&catalog); err != nil {
		return SourceReport{}, &InputError{Path: m.location, Err: malformed("KEV catalog: %v", err)}
	}
	if catalog.Vulnerabilities == nil {
		return SourceReport{}, &InputError{Path: m.location, Err: malformed("KEV catalog: field vulnerabilities is missing")}
	}
	if _, err := w.conn.ExecContext(ctx, "DELETE FROM kev"); err != nil {
		return SourceReport{}, fmt.Errorf("vulndb: %w", err)
	}
	stmt, err := w.conn.PrepareContext(ctx, "INSERT OR REPLACE INTO kev (cve, date_added) VALUES (?, ?)")
	if err != nil {
		return SourceReport{}, fmt.Errorf("vulndb: %w", err)
	}
	defer stmt.Close()
	for i, v := range *catalog.Vulnerabilities {
		if !strings.HasPrefix(v.CVEID, "CVE-") {
			return SourceReport{}, &InputError{Path: m.location, Entry: fmt.Sprintf("vulnerabilities[%d]", i), Err: malformed("field cveID %q is not a CVE id", v.CVEID)}
		}
		if _, err := stmt.ExecContext(ctx, v.CVEID, v.DateAdded); err != nil {
			return SourceReport{}, fmt.Errorf("vulndb: %w", err)
		}
	}
	m.version = catalog.CatalogVersion
	m.records = int64(len(*catalog.Vulnerabilities))
	return m.report(), w.setSource(ctx, m)
}

// importEPSS replaces the EPSS table with FIRST's CSV read from r: an
// optional "#model_version:…,score_date:…" line, a header naming the cve,
// epss and percentile columns, then one row per CVE. Gzip is undone.
func importEPSS(ctx context.Context, w *writer, r io.Reader, m sourceMeta) (SourceReport, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return SourceReport{}, &InputError{Path: m.location, Err: malformed("EPSS: %v", err)}
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	line := 0
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '#' {
		comment, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return SourceReport{}, &InputError{Path: m.location, Err: err}
		}
		m.version = strings.TrimSpace(strings.TrimPrefix(comment, "#"))
		line++
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	line++
	if err != nil {
		return SourceReport{}, &InputError{Path: m.location, Entry: fmt.Sprintf("line %d", line), Err: malformed("EPSS header: %v", err)}
	}
	col := map[string]int{"cve": -1, "epss": -1, "percentile": -1}
	for i, h := range header {
		if _, ok := col[strings.TrimSpace(h)]; ok {
			col[strings.TrimSpace(h)] = i
		}
	}
	if col["cve"] < 0 || col["epss"] < 0 {
		return SourceReport{}, &InputError{Path: m.location, Entry: fmt.Sprintf("line %d", line), Err: malformed("EPSS header %q lacks the cve and epss columns", strings.Join(header, ","))}
	}
	if _, err := w.conn.ExecContext(ctx, "DELETE FROM epss"); err != nil {
		return SourceReport{}, fmt.Errorf("vulndb: %w", err)
	}
	stmt, err := w.conn.PrepareContext(ctx, "INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?, ?, ?)")
	if err != nil {
		return SourceReport{}, fmt.Errorf("vulndb: %w", err)
	}
	defer stmt.Close()
	var n int64
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		where := fmt.Sprintf("line %d", line)
		if err != nil {
			return SourceReport{}, &InputError{Path: m.location, Entry: where, Err: malformed("EPSS: %v", err)}
		}
		cve := strings.TrimSpace(rec[col["cve"]])
		if !strings.HasPrefix(cve, "CVE-") {
			return SourceReport{}, &InputError{Path: m.location, Entry: where, Err: malformed("cve %q is not a CVE id", cve)}
		}
		score, err := probability(rec[col["epss"]])
		if err != nil {
			return SourceReport{}, &InputError{Path: m.location, Entry: where, Err: malformed("epss: %v", err)}
		}
		var pct float64
		if c := col["percentile"]; c >= 0 {
			if pct, err = probability(rec[c]); err != nil {
				return SourceReport{}, &InputError{Path: m.location, Entry: where, Err: malformed("percentile: %v", err)}
			}
		}
		if _, err := stmt.ExecContext(ctx, cve, score, pct); err != nil {
			return SourceReport{}, fmt.Errorf("vulndb: %w", err)
		}
		n++
	}
	m.records = n
	return m.report(), w.setSource(ctx, m)
}

// probability parses a number in [0, 1].
func probability(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("%v is outside 0–1", f)
	}
	return f, nil
}
