package fleet

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/store"
)

// update catalogs what is not known yet and brings every running image's
// findings up to date with db. The findings of an image that the previous
// audit brought up to date are matched again only for the packages named
// by records modified since that audit's database (the store's "fleet"
// mark); an image seen for the first time is brought up from the database
// its stored findings were matched against; one without stored findings
// is matched whole. Matching, and which packages a change touches, are
// enforce's, as for the registry's own rematch.
func (a *Auditor) update(ctx context.Context, db enforce.Database, rep *Report) ([]*entry, error) {
	start := time.Now()
	defer func() { rep.Rematch.Took = time.Since(start) }()
	st := a.cfg.Store
	known, err := st.FleetImages(ctx)
	if err != nil {
		return nil, err
	}
	mark, err := st.RematchSince(ctx, markSource)
	if err != nil {
		return nil, err
	}
	rep.Rematch.Since = mark
	entries := make([]*entry, len(rep.Images))
	for i, img := range rep.Images {
		entries[i] = &entry{img: img}
	}
	if err := a.catalogAll(ctx, entries, known); err != nil {
		return nil, err
	}
	var live []*entry
	for _, e := range entries {
		if e.err == nil {
			live = append(live, e)
		}
	}
	err = each(ctx, live, func(e *entry) error {
		if e.cataloged {
			return nil
		}
		_, wasKnown := known[string(e.img.Digest)]
		return gone(e, a.load(ctx, e, wasKnown, mark))
	})
	if err != nil {
		return nil, err
	}
	live = slices.DeleteFunc(live, func(e *entry) bool { return e.err != nil })

	built := db.Built()
	changes, err := a.changes(ctx, db, live, mark, built, rep)
	if err != nil {
		return nil, err
	}
	var work []*entry
	for _, e := range live {
		again := e.full || (!e.since.Equal(built) && changes[e.since.UnixNano()].Touches(e.sbom))
		if again {
			work = append(work, e)
		}
		switch {
		case e.cataloged:
			rep.Rematch.Cataloged++
		case again:
			rep.Rematch.Reevaluated++
		default:
			rep.Rematch.NotReevaluated++
		}
	}
	m := enforce.NewMatcher(db)
	w := a.startWriter(ctx)
	now := a.cfg.Now().UTC()
	err = each(ctx, work, func(e *entry) error {
		var c *enforce.DBChange
		if !e.full {
			c = changes[e.since.UnixNano()]
		}
		if err := a.rematch(ctx, m, e, c); err != nil {
			return gone(e, err)
		}
		if e.changed {
			w.in <- store.FindingsUpdate{IDs: enforce.FindingIDs(e.findings),
				StoredFindings: store.StoredFindings{Digest: e.sbom.String(), Findings: e.body, DBBuilt: built, Updated: now}}
			e.stored, e.body = true, nil
		}
		return nil
	})
	if werr := w.close(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	for _, e := range work {
		if e.err != nil { // its SBOM was not found when it was matched
			if e.cataloged {
				rep.Rematch.Cataloged--
			} else {
				rep.Rematch.Reevaluated--
			}
		}
	}
	for _, e := range entries {
		if e.err != nil {
			e.img.Error = e.err.Error()
		}
	}
	return entries, nil
}

// gone turns a stored SBOM that is not found any more (a store restored
// from an older copy, say) into the image's error: it is cataloged again
// at the next audit. Any other error stops the audit.
func gone(e *entry, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		e.err, e.changed = err, false
		return nil
	}
	return err
}

// load reads e's stored findings, and its SBOM when the facts the report
// needs are not kept from an earlier audit, and says from when its
// findings are to be brought up to date.
func (a *Auditor) load(ctx context.Context, e *entry, wasKnown bool, mark time.Time) error {
	var sbomAt time.Time
	if !wasKnown {
		inv, at, err := a.vs.SBOM(ctx, e.sbom.String())
		if err != nil {
			return err
		}
		e.inv, sbomAt = inv, at
		e.facts = store.FleetImage{Digest: e.img.Digest.String(), SBOM: e.sbom.String(), Packages: len(inv.Packages)}
		if inv.Created != nil {
			e.facts.Created = *inv.Created
		}
	}
	sf, err := a.cfg.Store.GetFindings(ctx, e.sbom.String())
	if errors.Is(err, store.ErrNotFound) {
		e.full = true
		return nil
	}
	if err != nil {
		return err
	}
	if e.findings, err = enforce.DecodeFindings(sf.Findings); err != nil {
		return err
	}
	e.stored = true
	switch {
	case wasKnown && !mark.IsZero():
		e.since = mark
	case sf.Updated.Before(sbomAt):
		e.full = true // the SBOM was replaced (a new scan) after these findings
	default:
		e.since = sf.DBBuilt
	}
	e.full = e.full || e.since.IsZero()
	return nil
}

// changes finds, for each time entries' findings are to be brought up
// from, what the records modified since may affect. Every SBOM must be in
// the store's package index for the change to find it: those that are
// not (stored by a scan the registry's rematch has not indexed yet) are
// indexed first.
func (a *Auditor) changes(ctx context.Context, db enforce.Database, live []*entry, mark, built time.Time, rep *Report) (map[int64]*enforce.DBChange, error) {
	st := a.cfg.Store
	indexed, err := st.IndexedDigests(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]*enforce.DBChange{}
	since := func(t time.Time) error {
		if out[t.UnixNano()] != nil {
			return nil
		}
		c, err := enforce.DBChangeSince(ctx, st, db, t)
		out[t.UnixNano()] = c
		return err
	}
	for _, e := range live {
		e.indexed = e.indexed || indexed[e.sbom.String()]
		if e.full || e.since.Equal(built) {
			continue
		}
		if !e.indexed {
			if err := a.loadSBOM(ctx, e); err != nil {
				return nil, err
			}
			if err := enforce.IndexSBOM(ctx, st, e.sbom, e.inv, e.findings); err != nil {
				return nil, err
			}
			indexed[e.sbom.String()], e.indexed = true, true
		}
	}
	for _, e := range live {
		if !e.full && !e.since.Equal(built) {
			if err := since(e.since); err != nil {
				return nil, err
			}
		}
	}
	if !mark.IsZero() && !mark.Equal(built) {
		if err := since(mark); err != nil {
			return nil, err
		}
		c := out[mark.UnixNano()]
		rep.Rematch.ChangedRecords, rep.Rematch.ChangedNames = c.Records, c.Names
	}
	return out, nil
}

// rematch matches e again (the packages c touches; all when c is nil);
// e.changed says whether its findings are to be stored, e.body holds them
// encoded.
func (a *Auditor) rematch(ctx context.Context, m *enforce.Matcher, e *entry, c *enforce.DBChange) error {
	if err := a.loadSBOM(ctx, e); err != nil {
		return err
	}
	fs, err := m.Rematch(ctx, e.sbom, e.inv, e.findings, c)
	if err != nil {
		return err
	}
	e.changed = !e.stored || !enforce.SameFindings(e.findings, fs)
	e.findings = fs
	if e.changed {
		// Encoded here, on the workers; the writer stores it.
		if e.body, err = enforce.EncodeFindings(fs); err != nil {
			return err
		}
	}
	if !e.indexed {
		// Changed findings are stored with their IDs by the writer; only
		// the packages are left to index then.
		if e.changed {
			err = enforce.IndexPackages(ctx, a.cfg.Store, e.sbom, e.inv)
		} else {
			err = enforce.IndexSBOM(ctx, a.cfg.Store, e.sbom, e.inv, fs)
		}
		if err != nil {
			return err
		}
		e.indexed = true
	}
	// Thousands of decoded SBOMs kept to the end of the audit would be
	// most of the heap the collector marks.
	e.inv = nil
	return nil
}

// findingsBatch is how many images' findings one transaction stores.
const findingsBatch = 500

// findingsWriter stores changed findings, with the IDs they carry, in
// batches on its own goroutine while the workers go on decoding and
// matching. After an error it drops what comes and close reports it.
type findingsWriter struct {
	in   chan store.FindingsUpdate
	done chan error
}

func (a *Auditor) startWriter(ctx context.Context) *findingsWriter {
	w := &findingsWriter{in: make(chan store.FindingsUpdate, 2*findingsBatch), done: make(chan error, 1)}
	go func() {
		var batch []store.FindingsUpdate
		var err error
		flush := func() {
			if err == nil && len(batch) > 0 {
				err = a.cfg.Store.PutFindingsBatch(ctx, batch)
			}
			batch = batch[:0]
		}
		for u := range w.in {
			batch = append(batch, u)
			if len(batch) == findingsBatch {
				flush()
			}
		}
		flush()
		w.done <- err
	}()
	return w
}

// close stores what is left and says whether everything was stored.
func (w *findingsWriter) close() error {
	close(w.in)
	return <-w.done
}

func (a *Auditor) loadSBOM(ctx context.Context, e *entry) error {
	if e.inv != nil {
		return nil
	}
	inv, _, err := a.vs.SBOM(ctx, e.sbom.String())
	if err != nil {
		return err
	}
	e.inv = inv
	return nil
}

// each runs fn on every entry on a few workers; the first error stops it.
func each(ctx context.Context, es []*entry, fn func(*entry) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan *entry)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(es)) {
		wg.Go(func() {
			for e := range next {
				if err := fn(e); err != nil {
					cancel(err)
				}
			}
		})
	}
	for _, e := range es {
		if ctx.Err() != nil {
			break
		}
		next <- e
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
