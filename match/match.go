package match

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/vulndb"
)

// Source lists the advisories that name one package in one OSV ecosystem.
// The vulndb database satisfies it; so does MemSource.
type Source interface {
	// Advisories returns the records with an affected entry for name in
	// ecosystem ("Debian:12", "Go", …). Records may carry other affected
	// entries too; Match reads only the matching ones.
	Advisories(ctx context.Context, ecosystem, name string) ([]*vulndb.Advisory, error)
}

// Enricher adds what a source knows beyond OSV: the CISA KEV catalogue and
// EPSS scores, both keyed by CVE ID. A Source that also implements it is
// used as the enricher unless WithEnricher says otherwise.
type Enricher interface {
	KEV(ctx context.Context, id string) (bool, error)
	EPSS(ctx context.Context, id string) (score float64, ok bool, err error)
}

// The vulndb database is the Source drydock scans with, and it carries KEV
// and EPSS.
var (
	_ Source   = (*vulndb.DB)(nil)
	_ Enricher = (*vulndb.DB)(nil)
)

// Option configures Match.
type Option func(*options) error

type options struct {
	warn     func(string)
	enricher Enricher
	noEnrich bool
}

// WithWarnings receives one message for each input skipped without stopping
// the match: a version that does not parse, a CVSS vector the library
// refuses, a package without an ecosystem. Default: warnings are dropped.
func WithWarnings(fn func(msg string)) Option {
	return func(o *options) error {
		if fn == nil {
			return errors.New("match: WithWarnings needs a function")
		}
		o.warn = fn
		return nil
	}
}

// WithEnricher sets where KEV and EPSS come from; nil turns enrichment off.
// Default: the Source, if it implements Enricher; otherwise none.
func WithEnricher(e Enricher) Option {
	return func(o *options) error {
		o.enricher, o.noEnrich = e, e == nil
		return nil
	}
}

// OptionError is a bad option passed to Match; it is a usage error.
type OptionError struct{ Err error }

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// InvalidInput reports true: the caller passed a bad option.
func (e *OptionError) InvalidInput() bool { return true }

// Match returns the findings of every package of inv against src: one
// finding per vulnerability per package, sorted by package (as the
// inventory sorts them) and then by ID. Each (ecosystem, name) is asked of
// src once, however many packages share it. Errors from src stop the match
// and are returned wrapped; bad data in single records only warns.
func Match(ctx context.Context, inv *inventory.Inventory, src Source, opts ...Option) ([]Finding, error) {
	o := options{warn: func(string) {}}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, &OptionError{err}
		}
	}
	if inv == nil {
		return nil, &OptionError{errors.New("match: no inventory")}
	}
	if src == nil {
		return nil, &OptionError{errors.New("match: no advisory source")}
	}
	if !o.noEnrich && o.enricher == nil {
		o.enricher, _ = src.(Enricher)
	}
	m := &matcher{
		src:    src,
		opts:   &o,
		vs:     newVersions(),
		cached: make(map[[2]string][]*vulndb.Advisory),
	}
	var out []Finding
	noEco, noVersion := map[string]int{}, map[string]int{}
	for i := range inv.Packages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &inv.Packages[i]
		q, err := queryOf(p)
		if err != nil {
			noEco[p.Type]++
			continue
		}
		if strings.TrimSpace(q.version) == "" {
			// Nothing to compare: "introduced 0" would take it for the
			// oldest version and report every advisory of the package.
			noVersion[p.Type]++
			continue
		}
		fs, err := m.matchPackage(ctx, p, q)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	for _, typ := range sortedKeys(noEco) {
		o.warn(fmt.Sprintf("%d %s package(s) have no OSV ecosystem or name and were not matched", noEco[typ], typ))
	}
	for _, typ := range sortedKeys(noVersion) {
		o.warn(fmt.Sprintf("%d %s package(s) have no version and were not matched", noVersion[typ], typ))
	}
	if o.enricher != nil {
		if err := enrich(ctx, o.enricher, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type matcher struct {
	src    Source
	opts   *options
	vs     *versions
	cached map[[2]string][]*vulndb.Advisory
}

func (m *matcher) advisories(ctx context.Context, eco, name string) ([]*vulndb.Advisory, error) {
	k := [2]string{eco, name}
	if a, ok := m.cached[k]; ok {
		return a, nil
	}
	a, err := m.src.Advisories(ctx, eco, name)
	if err != nil {
		return nil, fmt.Errorf("match: advisories for %s package %q: %w", eco, name, err)
	}
	m.cached[k] = a
	return a, nil
}

// hit is one record found to affect one package.
type hit struct {
	adv   *vulndb.Advisory
	aff   *vulndb.Affected
	fixed []string
}

func (m *matcher) matchPackage(ctx context.Context, p *inventory.Package, q query) ([]Finding, error) {
	var hits []hit
	seen := map[*vulndb.Advisory]bool{}
	for _, name := range q.names {
		advs, err := m.advisories(ctx, q.ecosystem, name)
		if err != nil {
			return nil, err
		}
		ecoKey, nameKey := vulndb.EcosystemKey(q.ecosystem), vulndb.NameKey(q.ecosystem, name)
		for _, adv := range advs {
			if adv == nil || adv.Withdrawn != nil || seen[adv] {
				continue
			}
			for i := range adv.Affected {
				aff := &adv.Affected[i]
				// Compared by vulndb's keys, so "Alpine:3.19.1" finds "Alpine:v3.19".
				if vulndb.EcosystemKey(aff.Package.Ecosystem) != ecoKey ||
					vulndb.NameKey(aff.Package.Ecosystem, aff.Package.Name) != nameKey {
					continue
				}
				ok, fixed, err := m.affects(aff, q.version)
				if err != nil {
					m.opts.warn(fmt.Sprintf("%s: %s %s %s: %v; not matched", adv.ID, q.ecosystem, name, q.version, err))
					continue
				}
				if ok {
					seen[adv] = true
					hits = append(hits, hit{adv: adv, aff: aff, fixed: fixed})
				}
			}
		}
	}
	return m.group(p, q, hits), nil
}

// affects applies OSV's IsVulnerable to one affected entry: listed in
// versions, or inside any ECOSYSTEM or SEMVER range. GIT ranges name
// commits, which an installed package does not carry, and are skipped.
func (m *matcher) affects(aff *vulndb.Affected, version string) (bool, []string, error) {
	// The record's spelling of the ecosystem names the version order.
	eco := aff.Package.Ecosystem
	listed := slices.Contains(aff.Versions, version)
	var fixed []string
	inRange := false
	for i := range aff.Ranges {
		r := &aff.Ranges[i]
		if r.Type != "ECOSYSTEM" && r.Type != "SEMVER" {
			continue
		}
		installed, err := m.vs.parse(r.Type, eco, version)
		if err != nil {
			err = fmt.Errorf("installed version: %w", err)
		}
		var res rangeResult
		if err == nil {
			res, err = m.vs.evalRange(r, eco, installed)
		}
		if err != nil {
			if listed {
				// The versions list already answers; a broken range
				// cannot take that back.
				continue
			}
			return false, nil, err
		}
		if res.affected {
			inRange = true
			if res.fixed != "" && !slices.Contains(fixed, res.fixed) {
				fixed = append(fixed, res.fixed)
			}
		}
	}
	return listed || inRange, fixed, nil
}
