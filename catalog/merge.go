package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/drydock/drydock/inventory"
)

// version is one layer's version of a package file.
type version struct {
	layer int
	file  *fileResult
}

// view is the final filesystem, as far as package files go: for each path,
// its versions bottom first since it was last deleted. The last version is
// the one the image holds; the earlier ones are kept for attribution.
type view map[string][]version

// mergeLayers stacks per-layer results bottom to top with overlay
// semantics: a whiteout deletes a path and everything below it, an opaque
// directory deletes everything below it from lower layers, and a layer's
// own files are added after its deletions (they apply to lower layers only).
func mergeLayers(results []*layerResult) view {
	v := view{}
	for i, r := range results {
		for _, w := range r.Whiteouts {
			v.remove(w, true)
		}
		for _, d := range r.Opaques {
			v.remove(d, false)
		}
		for p, f := range r.Files {
			v[p] = append(v[p], version{layer: i, file: f})
		}
	}
	return v
}

func (v view) remove(p string, self bool) {
	if p == "" || p == "." {
		clear(v)
		return
	}
	if self {
		delete(v, p)
	}
	prefix := p + "/"
	for k := range v {
		if strings.HasPrefix(k, prefix) {
			delete(v, k)
		}
	}
}

// distro returns the final os-release: etc/os-release wins over
// usr/lib/os-release, as os-release(5) says.
func (v view) distro() distro {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		if h := v[p]; len(h) > 0 && h[len(h)-1].file.OSRelease != nil {
			return distro(h[len(h)-1].file.OSRelease)
		}
	}
	return nil
}

// owned is every path an OS package manager says it installed, from the
// final versions of the ownership lists. Since the /usr merge, /bin, /sbin
// and /lib are links into /usr while package lists may still name the old
// place (and the reverse), so each owned path counts under both names.
func (v view) owned() map[string]bool {
	out := map[string]bool{}
	for _, h := range v {
		for _, p := range h[len(h)-1].file.Owns {
			out[p] = true
			if alias, ok := usrMergeAlias(p); ok {
				out[alias] = true
			}
		}
	}
	return out
}

func usrMergeAlias(p string) (string, bool) {
	if rest, ok := strings.CutPrefix(p, "usr/"); ok {
		p = rest
		for _, d := range mergedDirs {
			if strings.HasPrefix(p, d) {
				return p, true
			}
		}
		return "", false
	}
	for _, d := range mergedDirs {
		if strings.HasPrefix(p, d) {
			return "usr/" + p, true
		}
	}
	return "", false
}

var mergedDirs = []string{"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"}

func isOSType(t string) bool {
	return t == inventory.TypeDeb || t == inventory.TypeAPK || t == inventory.TypeRPM
}

// packages turns the view into the inventory's packages. A package's layer
// is the earliest layer from which every version of its file up to the
// final one lists it: curl installed in layer 2 stays layer 2's even when a
// later apt run rewrote the dpkg status file.
func (v view) packages(d distro) []inventory.Package {
	owned := v.owned()
	var out []inventory.Package
	seen := map[string]bool{}
	for p, h := range v {
		final := h[len(h)-1]
		for _, r := range final.file.Packages {
			if !isOSType(r.Type) && owned[p] {
				continue // reported once, as the OS package that installed the file
			}
			key := fmt.Sprintf("%s\x00%s\x00%s\x00%s", r.Type, r.Name, r.Version, p)
			if seen[key] {
				continue
			}
			seen[key] = true
			layer := final.layer
			for j := len(h) - 2; j >= 0 && lists(h[j].file, r); j-- {
				layer = h[j].layer
			}
			purl := r.PURL
			if isOSType(r.Type) {
				purl = d.purl(r)
			}
			out = append(out, inventory.Package{
				Name:          r.Name,
				Version:       r.Version,
				Type:          r.Type,
				PURL:          purl,
				Ecosystem:     d.ecosystem(r.Type),
				SourceName:    r.SourceName,
				SourceVersion: r.SourceVersion,
				Arch:          r.Arch,
				Licenses:      r.Licenses,
				Path:          p,
				Layer:         layer,
			})
		}
	}
	slices.SortFunc(out, comparePackages)
	return out
}

func lists(f *fileResult, r pkgRecord) bool {
	return slices.ContainsFunc(f.Packages, r.same)
}

func comparePackages(a, b inventory.Package) int {
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Version, b.Version); c != 0 {
		return c
	}
	return strings.Compare(a.Path, b.Path)
}
