package catalog

import (
	"path"
	"slices"
	"strings"

	"github.com/drydock/drydock/inventory"
)

// An npm project declares each installed package twice or more: in its
// lockfile (package-lock.json, npm-shrinkwrap.json) and in the package's own
// node_modules/NAME/package.json. Counted per file, every finding would be
// counted twice. npm packages are therefore one per (name, version, install
// root), where the install root is the folder holding the lockfile and the
// top node_modules; every declaring file is kept as a location. The
// project's own package.json, beside its lockfile or node_modules, is the
// project, not a dependency, and is not reported.

// npmRoot returns the install root of an npm package found at p, and
// whether p is a manifest outside any node_modules (a project's own
// package.json, or a lone one).
func npmRoot(p string) (root string, projectManifest bool) {
	if i := strings.Index("/"+p, "/node_modules/"); i >= 0 {
		if i == 0 {
			return ".", false
		}
		return p[:i-1], false
	}
	return path.Dir(p), path.Base(p) == "package.json"
}

// mergeNPM folds npm packages declared by several files of one install root
// into one, and drops project manifests of install roots. Other packages
// pass through unchanged. The result is sorted again by the caller.
func mergeNPM(pkgs []inventory.Package) []inventory.Package {
	installRoots := map[string]bool{}
	for _, p := range pkgs {
		if p.Type != inventory.TypeNPM {
			continue
		}
		if root, manifest := npmRoot(p.Path); !manifest {
			installRoots[root] = true
		}
	}
	type key struct{ name, version, root string }
	first := map[key]int{}
	out := pkgs[:0:0]
	for _, p := range pkgs {
		if p.Type != inventory.TypeNPM {
			out = append(out, p)
			continue
		}
		root, manifest := npmRoot(p.Path)
		if manifest && installRoots[root] {
			continue // the project itself
		}
		k := key{p.Name, p.Version, root}
		i, ok := first[k]
		if !ok {
			first[k] = len(out)
			out = append(out, p)
			continue
		}
		q := &out[i]
		q.Locations = append(locationsOf(*q), p.Path)
		q.Layer = min(q.Layer, p.Layer)
	}
	for i := range out {
		if len(out[i].Locations) > 1 {
			slices.SortFunc(out[i].Locations, npmLocationOrder)
			out[i].Locations = slices.Compact(out[i].Locations)
			out[i].Path = out[i].Locations[0]
		}
	}
	return out
}

func locationsOf(p inventory.Package) []string {
	if len(p.Locations) > 0 {
		return p.Locations
	}
	return []string{p.Path}
}

// npmLocationOrder puts the installed package.json first (it is the file
// that is really there), then lockfiles, each by path.
func npmLocationOrder(a, b string) int {
	ia, ib := strings.Contains("/"+a, "/node_modules/"), strings.Contains("/"+b, "/node_modules/")
	switch {
	case ia && !ib:
		return -1
	case ib && !ia:
		return 1
	}
	return strings.Compare(a, b)
}
