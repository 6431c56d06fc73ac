package fleet

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// fill sets the image's findings, counts and facts from e.
func (e *entry) fill() {
	img := e.img
	if e.err != nil {
		return
	}
	img.Packages = e.facts.Packages
	if !e.facts.Created.IsZero() {
		t := e.facts.Created.UTC()
		img.Created = &t
	}
	img.Counts = Counts(verdict.Count(e.findings))
	img.Findings = make([]Finding, 0, len(e.findings))
	for i := range e.findings {
		f := &e.findings[i]
		var aliases []string
		for _, id := range f.IDs {
			if id != f.ID && !slices.Contains(aliases, id) {
				aliases = append(aliases, id)
			}
		}
		img.Findings = append(img.Findings, Finding{ID: f.ID, Aliases: aliases, Severity: f.Severity.String(),
			Package: f.Package.Name, Version: f.Package.Version, Ecosystem: f.Package.Ecosystem,
			Fixed: f.Fixed, Summary: f.Summary})
		if len(f.Fixed) > 0 {
			img.Fixable++
		}
	}
	slices.SortStableFunc(img.Findings, func(x, y Finding) int {
		if c := cmp.Compare(sevRank(x.Severity), sevRank(y.Severity)); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(x.ID, y.ID), strings.Compare(x.Package, y.Package))
	})
}

func (c Counts) add(d Counts) Counts {
	return Counts{Critical: c.Critical + d.Critical, High: c.High + d.High, Medium: c.Medium + d.Medium,
		Low: c.Low + d.Low, Unknown: c.Unknown + d.Unknown}
}

// stateChange is what an audit changes in the stored (digest,
// vulnerability) pairs.
type stateChange struct{ add, remove []store.FleetFinding }

// compare finds what is new and what was resolved since the previous
// audit's pairs. An image that could not be cataloged keeps its previous
// pairs: nothing about it is new or resolved. At the first audit
// everything present is new.
func (a *Auditor) compare(ctx context.Context, rep *Report, entries []*entry) (stateChange, error) {
	prev, err := a.cfg.Store.FleetFindings(ctx)
	if err != nil {
		return stateChange{}, err
	}
	had := map[store.FleetFinding]bool{}
	for _, p := range prev {
		had[p] = true
	}
	errored := map[string]bool{}
	now := map[store.FleetFinding]bool{}
	type hit struct {
		e *entry
		f *Finding
	}
	fresh := map[string][]hit{}
	var ch stateChange
	for _, e := range entries {
		d := e.img.Digest.String()
		if e.err != nil {
			errored[d] = true
			continue
		}
		for i := range e.img.Findings {
			f := &e.img.Findings[i]
			p := store.FleetFinding{Digest: d, ID: f.ID}
			if !had[p] {
				fresh[f.ID] = append(fresh[f.ID], hit{e, f})
				if !now[p] {
					ch.add = append(ch.add, p)
				}
			}
			now[p] = true
		}
	}
	still := map[string]bool{}
	for p := range now {
		still[p.ID] = true
	}
	resolved := map[string]bool{}
	for _, p := range prev {
		switch {
		case errored[p.Digest]:
			still[p.ID] = true
		case !now[p]:
			ch.remove = append(ch.remove, p)
			resolved[p.ID] = true
		}
	}
	for id := range resolved {
		if !still[id] {
			rep.Resolved = append(rep.Resolved, id)
		}
	}
	slices.Sort(rep.Resolved)
	rep.New = []NewVulnerability{}
	for id, hits := range fresh {
		n := NewVulnerability{ID: id, Severity: "unknown", FixAvailable: true}
		for _, h := range hits {
			f := h.f
			if sevRank(f.Severity) < sevRank(n.Severity) {
				n.Severity = f.Severity
			}
			n.Summary = cmp.Or(n.Summary, f.Summary)
			for _, al := range f.Aliases {
				if !slices.Contains(n.Aliases, al) {
					n.Aliases = append(n.Aliases, al)
				}
			}
			if pkg := f.Package + " " + f.Version; !slices.Contains(n.Packages, pkg) {
				n.Packages = append(n.Packages, pkg)
			}
			n.FixAvailable = n.FixAvailable && len(f.Fixed) > 0
			if !slices.Contains(n.Images, h.e.img.Digest) {
				n.Images = append(n.Images, h.e.img.Digest)
			}
			for _, w := range h.e.img.Workloads {
				if !slices.Contains(n.Workloads, w) {
					n.Workloads = append(n.Workloads, w)
				}
			}
		}
		slices.Sort(n.Aliases)
		slices.Sort(n.Packages)
		slices.Sort(n.Images)
		sortWorkloads(n.Workloads)
		rep.New = append(rep.New, n)
	}
	slices.SortFunc(rep.New, func(x, y NewVulnerability) int {
		return cmp.Or(sevRank(x.Severity)-sevRank(y.Severity), len(y.Workloads)-len(x.Workloads), strings.Compare(x.ID, y.ID))
	})
	return ch, nil
}

// history fills rep.History: the totals of past audits (oldest first), and
// this one.
func history(rep *Report, past []store.FleetAudit) {
	rep.History = make([]HistoryPoint, 0, len(past)+1)
	for _, p := range past {
		rep.History = append(rep.History, HistoryPoint{Time: p.Started, Images: p.Images, New: p.New, Counts: Counts(p.Counts)})
	}
	rep.History = append(rep.History, HistoryPoint{Time: rep.Started, Images: len(rep.Images), Counts: rep.Counts, New: len(rep.New)})
}

// save stores the audit: its totals, its report, the images it brought up
// to date and the change to the (digest, vulnerability) pairs.
func (a *Auditor) save(ctx context.Context, rep *Report, entries []*entry, ch stateChange) error {
	var images []store.FleetImage
	for _, e := range entries {
		if e.err == nil {
			images = append(images, e.facts)
		}
	}
	row := store.FleetAudit{Started: rep.Started, Finished: rep.Finished, Images: len(rep.Images), New: len(rep.New),
		DBBuilt: rep.DatabaseBuilt, Counts: store.SeverityCounts(rep.Counts)}
	_, err := a.cfg.Store.SaveFleetAudit(ctx, row, func(id int64) ([]byte, error) {
		rep.ID = id
		return encodeReport(rep)
	}, images, ch.add, ch.remove)
	return err
}

// maxReport bounds a decoded report: one of ten thousand images with
// their findings is tens of megabytes of JSON.
const maxReport = 1 << 30

func encodeReport(rep *Report) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := json.NewEncoder(zw).Encode(rep); err != nil {
		return nil, fmt.Errorf("fleet: encode report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("fleet: encode report: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeReport(b []byte) (*Report, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("fleet: stored report: %w", err)
	}
	var rep Report
	if err := json.NewDecoder(io.LimitReader(zr, maxReport)).Decode(&rep); err != nil {
		return nil, fmt.Errorf("fleet: stored report: %w", err)
	}
	return &rep, nil
}
