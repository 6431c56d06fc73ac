package match

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/drydock/drydock/inventory"
)

var cveID = regexp.MustCompile(`CVE-[0-9]{4}-[0-9]+`)

// unionFind joins IDs that name the same vulnerability.
type unionFind map[string]string

func (u unionFind) find(x string) string {
	if _, ok := u[x]; !ok {
		u[x] = x
	}
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b string) { u[u.find(a)] = u.find(b) }

// cvesOf returns the distinct CVE IDs a list of IDs names, "DEBIAN-CVE-…"
// and "UBUNTU-CVE-…" counting as their CVE.
func cvesOf(ids []string) []string {
	var out []string
	for _, id := range ids {
		if c := cveID.FindString(id); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// group turns the records that hit one package into findings, one per
// vulnerability. A record is the same vulnerability as its ID, its aliases
// and, when its upstream list names a single CVE, that CVE (DEBIAN-CVE-X and
// DSA-N with upstream [CVE-X, DEBIAN-CVE-X] are one finding). A record whose
// upstream names several CVEs (a DSA fixing three) is an umbrella: its ID is
// added to each of those CVEs' findings rather than making one finding of
// three vulnerabilities, and its fixed versions apply to each.
func (m *matcher) group(p *inventory.Package, q query, hits []hit) []Finding {
	if len(hits) == 0 {
		return nil
	}
	uf := unionFind{}
	var umbrellas []int
	for i, h := range hits {
		uf.find(h.adv.ID)
		for _, a := range h.adv.Aliases {
			uf.union(h.adv.ID, a)
		}
		up := cvesOf(h.adv.Upstream)
		switch {
		case len(up) == 1:
			uf.union(h.adv.ID, up[0])
			for _, u := range h.adv.Upstream {
				uf.union(h.adv.ID, u)
			}
		case len(up) > 1 && len(cvesOf(append([]string{h.adv.ID}, h.adv.Aliases...))) == 0:
			umbrellas = append(umbrellas, i)
		}
	}
	members := map[string][]int{} // root → hits
	for i, h := range hits {
		if slices.Contains(umbrellas, i) {
			continue
		}
		r := uf.find(h.adv.ID)
		members[r] = append(members[r], i)
	}
	extraIDs := map[string][]string{}
	for _, i := range umbrellas {
		for _, c := range cvesOf(hits[i].adv.Upstream) {
			r := uf.find(c)
			members[r] = append(members[r], i)
			extraIDs[r] = append(extraIDs[r], c)
		}
	}
	out := make([]Finding, 0, len(members))
	for _, root := range sortedKeys(members) {
		out = append(out, m.finding(p, q, hits, members[root], extraIDs[root]))
	}
	slices.SortFunc(out, func(a, b Finding) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// finding merges the hits of one vulnerability.
func (m *matcher) finding(p *inventory.Package, q query, hits []hit, idx []int, extra []string) Finding {
	f := Finding{Package: *p, Installed: q.version}
	f.GoSymbols, f.Symbols = goSymbolCheck(p, hits, idx)
	ids := slices.Clone(extra)
	best := -1
	seenVec := map[string]bool{}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(hits[a].adv.ID, hits[b].adv.ID) })
	for _, i := range idx {
		h := hits[i]
		ids = append(ids, h.adv.ID)
		ids = append(ids, h.adv.Aliases...)
		if len(cvesOf(h.adv.Upstream)) == 1 {
			ids = append(ids, h.adv.Upstream...)
		}
		for _, fx := range h.fixed {
			if !slices.Contains(f.Fixed, fx) {
				f.Fixed = append(f.Fixed, fx)
			}
		}
		if f.DistroSeverity == "" {
			f.DistroSeverity = distroSeverity(h.adv, h.aff)
		}
		for _, ref := range h.adv.References {
			if ref.URL != "" && !slices.Contains(f.References, ref.URL) {
				f.References = append(f.References, ref.URL)
			}
		}
		rs := ratingsOf(h.adv.ID, h.aff.Severity, m.opts.warn)
		rs = append(rs, ratingsOf(h.adv.ID, h.adv.Severity, m.opts.warn)...)
		for _, r := range rs {
			if seenVec[r.Vector] {
				continue
			}
			seenVec[r.Vector] = true
			f.Ratings = append(f.Ratings, r)
			if best < 0 || better(r, f.Ratings[best]) {
				best = len(f.Ratings) - 1
			}
		}
	}
	if best >= 0 {
		b := f.Ratings[best]
		f.Severity, f.Score, f.Vector = b.Severity, b.Score, b.Vector
	}
	f.Summary = summaryOf(hits, idx)
	f.ID, f.IDs = primaryID(ids)
	return f
}

// primaryID picks the CVE where there is one (the lowest if aliases name
// several), otherwise a GHSA, otherwise the lowest ID; IDs lists all, the
// primary first and the rest sorted.
func primaryID(ids []string) (string, []string) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rank := func(id string) int {
		switch {
		case strings.HasPrefix(id, "CVE-"):
			return 0
		case strings.HasPrefix(id, "GHSA-"):
			return 1
		}
		return 2
	}
	primary := slices.MinFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	})
	all := make([]string, 0, len(ids))
	all = append(all, primary)
	for _, id := range ids {
		if id != primary {
			all = append(all, id)
		}
	}
	return primary, all
}

// summaryOf picks the words that describe the vulnerability: from a record
// about this one CVE (DEBIAN-CVE-…, a GHSA aliasing it) before a bulletin
// (a DSA's "glibc - security update" says little), its summary or else the
// first line of its details.
func summaryOf(hits []hit, idx []int) string {
	for _, specific := range []bool{true, false} {
		for _, i := range idx {
			a := hits[i].adv
			if aboutOneCVE(a.ID, a.Aliases) != specific {
				continue
			}
			if s := strings.TrimSpace(a.Summary); s != "" {
				return firstLine(s)
			}
			if s := firstLine(a.Details); s != "" {
				return s
			}
		}
	}
	return ""
}

func aboutOneCVE(id string, aliases []string) bool {
	return len(cvesOf(append([]string{id}, aliases...))) == 1
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// enrich looks up KEV and EPSS once per CVE.
func enrich(ctx context.Context, e Enricher, fs []Finding) error {
	type info struct {
		kev  bool
		epss *float64
	}
	seen := map[string]info{}
	for i := range fs {
		f := &fs[i]
		for _, id := range cvesOf(f.IDs) {
			in, ok := seen[id]
			if !ok {
				kev, err := e.KEV(ctx, id)
				if err != nil {
					return fmt.Errorf("match: KEV for %s: %w", id, err)
				}
				score, has, err := e.EPSS(ctx, id)
				if err != nil {
					return fmt.Errorf("match: EPSS for %s: %w", id, err)
				}
				in.kev = kev
				if has {
					in.epss = &score
				}
				seen[id] = in
			}
			f.KEV = f.KEV || in.kev
			if in.epss != nil && (f.EPSS == nil || *in.epss > *f.EPSS) {
				v := *in.epss
				f.EPSS = &v
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
