package vulndb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Update refreshes the database at dbPath from the OSV bulk export: for
// each ecosystem (WithEcosystems, default DefaultEcosystems) it fetches
// <base>/<Ecosystem>/all.zip (WithBaseURL, default DefaultBaseURL()) with
// the ETag and Last-Modified of the previous fetch; on 304 the ecosystem's
// records are kept, otherwise the zip is downloaded to a temporary file,
// bounded by WithMaxDownload, and imported in place of the old records.
// KEV and EPSS are fetched the same way when WithKEVURL, WithEPSSURL are
// given.
//
// All of it goes into one new file renamed over the old one at the end. A
// source that cannot be downloaded (a *FetchError: the host unreachable, the
// mirror lacking that ecosystem) keeps its old records while the others are
// updated: Update then returns the report of what it did together with an
// error joining one *FetchError per source it skipped. When the base URL's
// host cannot be reached, the remaining ecosystems are not tried. When no
// source could be fetched, or a download is corrupt (a truncated zip) or
// the context is cancelled, nothing changes: the previous database stays
// whole and in use. Options read: those above and
// WithHTTPClient, WithProgress, WithLogger, WithMaxRecordSize, WithClock,
// WithAllowPartial.
func Update(ctx context.Context, dbPath string, opts ...Option) (rep *Report, err error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	ecosystems := o.ecosystems
	if len(ecosystems) == 0 {
		ecosystems = DefaultEcosystems
	}
	base := o.baseURL
	if base == "" {
		base = DefaultBaseURL()
		if err := checkURL(base); err != nil {
			return nil, &InputError{Path: "DRYDOCK_OSV_URL", Err: err}
		}
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
	var skipped []error
	tried := 0
	// fetched runs one source's refresh; a download failure is recorded
	// and skipped, anything else stops the update.
	fetched := func(source string, sr SourceReport, err error) (unreachable bool, _ error) {
		tried++
		var fe *FetchError
		if errors.As(err, &fe) {
			note(o.progress, source, "skipped: "+fe.reason())
			skipped = append(skipped, fe)
			return fe.Unreachable(), nil
		}
		if err != nil {
			return false, fmt.Errorf("updating %s: %w", source, err)
		}
		rep.Sources = append(rep.Sources, sr)
		return false, nil
	}
	for _, eco := range ecosystems {
		u := base + "/" + url.PathEscape(eco) + "/all.zip"
		sr, err := refresh(ctx, w, sourceMeta{source: eco, kind: KindOSV, location: u},
			func(ctx context.Context, w *writer, path string, m sourceMeta) (SourceReport, error) {
				return importOSV(ctx, w, path, m)
			})
		unreachable, err := fetched(eco, sr, err)
		if err != nil {
			return nil, err
		}
		if unreachable {
			break // every ecosystem lives on the same host
		}
	}
	for _, e := range []struct {
		url, source string
		load        enrichFunc
	}{{o.kevURL, sourceKEV, importKEV}, {o.epssURL, sourceEPSS, importEPSS}} {
		if e.url == "" {
			continue
		}
		sr, err := refresh(ctx, w, sourceMeta{source: e.source, kind: e.source, location: e.url},
			func(ctx context.Context, w *writer, path string, m sourceMeta) (SourceReport, error) {
				f, err := os.Open(path)
				if err != nil {
					return SourceReport{}, fmt.Errorf("vulndb: %w", err)
				}
				defer f.Close()
				return e.load(ctx, w, f, m)
			})
		if _, err := fetched(e.source, sr, err); err != nil {
			return nil, err
		}
	}
	if len(skipped) == tried {
		return nil, errors.Join(skipped...)
	}
	if err := w.publish(ctx); err != nil {
		return nil, err
	}
	return rep, errors.Join(skipped...)
}

type loadFunc func(ctx context.Context, w *writer, path string, m sourceMeta) (SourceReport, error)

// refresh fetches m.location conditionally and loads what changed.
func refresh(ctx context.Context, w *writer, m sourceMeta, load loadFunc) (SourceReport, error) {
	prevLoc, etag, lastMod, err := w.validators(ctx, m.source)
	if err != nil {
		return SourceReport{}, err
	}
	if prevLoc != m.location {
		// Validators from another server say nothing about this one.
		etag, lastMod = "", ""
	}
	path, resp, err := download(ctx, w.o, m.location, etag, lastMod, filepath.Dir(w.path), m.source)
	if err != nil {
		if ctx.Err() != nil {
			return SourceReport{}, err // cancelled: stop, do not skip
		}
		return SourceReport{}, &FetchError{Source: m.source, URL: m.location, Err: err}
	}
	if resp.StatusCode == http.StatusNotModified {
		note(w.o.progress, m.source, "not modified")
		return SourceReport{Source: m.source, Kind: m.kind, Location: m.location, NotModified: true}, w.checkedSource(ctx, m.source)
	}
	defer os.Remove(path)
	m.etag, m.lastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	sr, err := load(ctx, w, path, m)
	if err != nil {
		return sr, err
	}
	note(w.o.progress, m.source, fmt.Sprintf("%d records imported", sr.Records))
	return sr, nil
}

// download GETs rawURL with the validators and, on 200, saves the body to
// a temporary file in dir, bounded by the maximum download size. A 304
// returns no file.
func download(ctx context.Context, o *options, rawURL, etag, lastMod, dir, label string) (string, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", nil, &InputError{Path: rawURL, Err: err}
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastMod != "" {
		req.Header.Set("If-Modified-Since", lastMod)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("vulndb: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && (etag != "" || lastMod != ""):
		return "", resp, nil
	case resp.StatusCode != http.StatusOK:
		return "", nil, &HTTPError{URL: rawURL, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > o.maxDownload {
		return "", nil, &InputError{Path: rawURL, Err: fmt.Errorf("%w: %d bytes is over the %d byte download limit", ErrMalformed, resp.ContentLength, o.maxDownload)}
	}
	f, err := os.CreateTemp(dir, ".download-*")
	if err != nil {
		return "", nil, fmt.Errorf("vulndb: %w", err)
	}
	p := newProgress(o.progress, label, resp.ContentLength, time.Now)
	n, err := io.Copy(io.MultiWriter(f, p), io.LimitReader(resp.Body, o.maxDownload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > o.maxDownload {
		err = &InputError{Path: rawURL, Err: fmt.Errorf("%w: over the %d byte download limit", ErrMalformed, o.maxDownload)}
	}
	if err != nil {
		os.Remove(f.Name())
		var ie *InputError
		if errors.As(err, &ie) {
			return "", nil, err
		}
		return "", nil, fmt.Errorf("vulndb: GET %s: %w", rawURL, err)
	}
	p.done("downloaded")
	return f.Name(), resp, nil
}
