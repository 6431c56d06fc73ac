package enforce

import (
	"context"

	"slices"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb"
)

// index lists the stored results and adds those not yet in the store's
// package index, so a changed record finds them by package name.
func (r *Rematcher) index(ctx context.Context) ([]digest.Digest, error) {
	stored, err := r.results.Scanned(ctx)
	if err != nil {
		return nil, err
	}
	done, err := r.st.IndexedDigests(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range stored {
		if done[d.String()] {
			continue
		}
		if err := r.Index(ctx, d); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// Index records the lookup names of dgst's stored packages and the IDs of
// its findings. A rematch indexes what it has not seen; the scanner may
// call it as it stores a result, to spare the next rematch the work.
func (r *Rematcher) Index(ctx context.Context, dgst digest.Digest) error {
	repos, err := r.st.RepositoriesWithManifest(ctx, dgst.String())
	if err != nil || len(repos) == 0 {
		return err
	}
	res, err := r.results.Result(ctx, repos[0], dgst)
	if err != nil {
		return err
	}
	if res == nil || res.State != StateScanned || res.Inventory == nil {
		return nil
	}
	return IndexSBOM(ctx, r.st, dgst, res.Inventory, res.Findings)
}

// lookupKeys are the store keys Match looks package p up by.
func lookupKeys(p *inventory.Package) []store.PackageKey {
	eco, names, ok := match.LookupNames(p)
	if !ok {
		return nil
	}
	out := make([]store.PackageKey, len(names))
	for i, n := range names {
		out[i] = store.PackageKey{Eco: vulndb.EcosystemKey(eco), Name: vulndb.NameKey(eco, n)}
	}
	return out
}

func packageKeys(inv *inventory.Inventory) []store.PackageKey {
	seen := map[store.PackageKey]bool{}
	var out []store.PackageKey
	for i := range inv.Packages {
		for _, k := range lookupKeys(&inv.Packages[i]) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// touches reports whether a changed record names package p.
func (t *touched) touches(p *inventory.Package) bool {
	for _, k := range lookupKeys(p) {
		if t.keys[k] {
			return true
		}
	}
	return false
}

// pkgKey identifies a package within one inventory.
func pkgKey(p *inventory.Package) string {
	return p.Type + "\x00" + p.Name + "\x00" + p.Version + "\x00" + p.PURL + "\x00" + p.Path + "\x00" + strconv.Itoa(p.Layer)
}

// packageIndex maps each package of inv to its position.
func packageIndex(inv *inventory.Inventory) map[string]int {
	m := make(map[string]int, len(inv.Packages))
	for i := range inv.Packages {
		m[pkgKey(&inv.Packages[i])] = i
	}
	return m
}

// mergeFindings puts kept and fresh findings in Match's order: by the
// package's place in the inventory, then by ID.
func mergeFindings(byPkg map[string]int, kept, fresh []match.Finding) []match.Finding {
	out := make([]match.Finding, 0, len(kept)+len(fresh))
	out = append(out, kept...)
	out = append(out, fresh...)
	pos := func(f *match.Finding) int {
		if at, ok := byPkg[pkgKey(&f.Package)]; ok {
			return at
		}
		return len(byPkg)
	}
	slices.SortStableFunc(out, func(a, b match.Finding) int {
		if pa, pb := pos(&a), pos(&b); pa != pb {
			return pa - pb
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// sameFindings reports whether two finding lists say the same: the same
// vulnerabilities in the same packages, fixed by the same versions, rated
// the same.
func sameFindings(a, b []match.Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.ID != y.ID || pkgKey(&x.Package) != pkgKey(&y.Package) || !slices.Equal(x.Fixed, y.Fixed) ||
			x.Severity != y.Severity || !slices.Equal(x.IDs, y.IDs) || x.KEV != y.KEV {
			return false
		}
	}
	return true
}

// findingIDs lists every ID findings carry, aliases included.
func findingIDs(fs []match.Finding) []string {
	seen := map[string]bool{}
	var out []string
	for i := range fs {
		for _, id := range append([]string{fs[i].ID}, fs[i].IDs...) {
			if id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// IndexSBOM records the lookup names of inv's packages and the IDs its
// findings carry for dgst, replacing what was recorded, so that
// DBChangeSince finds dgst when a record naming one of them changes: the
// registry's results (Rematcher.Index) and SBOMs stored outside them (an
// image the fleet audit cataloged) alike.
func IndexSBOM(ctx context.Context, st *store.Store, dgst digest.Digest, inv *inventory.Inventory, findings []match.Finding) error {
	if err := st.IndexFindings(ctx, dgst.String(), findingIDs(findings)); err != nil {
		return err
	}
	return IndexPackages(ctx, st, dgst, inv)
}

// IndexPackages records the lookup names of inv's packages for dgst, for a
// caller that stores the finding IDs with the findings themselves
// (store.PutFindingsBatch).
func IndexPackages(ctx context.Context, st *store.Store, dgst digest.Digest, inv *inventory.Inventory) error {
	return st.IndexPackages(ctx, dgst.String(), packageKeys(inv))
}

// SameFindings reports whether two finding lists say the same: the same
// vulnerabilities in the same packages, fixed by the same versions, rated
// the same.
func SameFindings(a, b []match.Finding) bool { return sameFindings(a, b) }

// FindingIDs lists every ID findings carry, aliases included, each once:
// what the store's finding index records for them.
func FindingIDs(fs []match.Finding) []string { return findingIDs(fs) }
