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
// semantics (see cover). A layer's deletions and what its entries hide
// apply to the layers below it only; its own files are added after them.
// A hard link to a lower file holds that file's content, so it is resolved
// against the view below the layer and added as a version of the link's
// path: the package keeps an earlier layer if it was already there.
func mergeLayers(results []*layerResult) view {
	v := view{}
	for i, r := range results {
		linked, unresolved := v.resolve(r.Links)
		c := coverOf(r, unresolved)
		for p := range v {
			if c.hides(p) {
				delete(v, p)
			}
		}
		for p, f := range r.Files {
			v[p] = append(v[p], version{layer: i, file: f})
		}
		for p, f := range linked {
			v[p] = append(v[p], version{layer: i, file: f})
		}
	}
	return v
}

// resolve finds each hard link's target in the view: linked holds the
// target's final version for links to a package file; unresolved lists
// the links to anything else.
func (v view) resolve(links map[string]string) (linked map[string]*fileResult, unresolved []string) {
	for l, t := range links {
		if h := v[t]; len(h) > 0 {
			if linked == nil {
				linked = map[string]*fileResult{}
			}
			linked[l] = h[len(h)-1].file
		} else {
			unresolved = append(unresolved, l)
		}
	}
	return linked, unresolved
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

// owned maps every path an OS package manager says it installed to the
// package that installed it, from the final versions of the ownership
// lists. Since the /usr merge, /bin, /sbin and /lib are links into /usr
// while package lists may still name the old place (and the reverse), so
// each owned path counts under both names.
func (v view) owned() map[string]string {
	out := map[string]string{}
	for list, h := range v {
		f := h[len(h)-1].file
		if len(f.Owns) == 0 {
			continue
		}
		listOwner := ownerOfList(list)
		for i, p := range f.Owns {
			owner := listOwner
			if i < len(f.Owners) {
				owner = f.Owners[i]
			}
			out[p] = owner
			if alias, ok := usrMergeAlias(p); ok {
				out[alias] = owner
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

// embeddedInBinary says whether packages of type t are compiled into a
// binary (Go modules, the Go standard library, Rust crates recorded by
// cargo-auditable). Such a binary installed by an OS package is still
// reported with what it embeds: the distro files the advisories of a Go
// toolchain or a crate under the toolchain's or crate's source package,
// not under the package that ships the binary (Debian's fzf, built with
// golang-1.19), so "reported once, as the OS package" would lose them.
func embeddedInBinary(t string) bool {
	return t == inventory.TypeGoModule || t == inventory.TypeGoStdlib || t == inventory.TypeRust
}

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
			owner, isOwned := owned[p]
			if !isOSType(r.Type) && isOwned && !embeddedInBinary(r.Type) {
				continue // reported once, as the OS package that installed the file
			}
			if isOSType(r.Type) {
				owner = ""
			}
			path := joinMember(p, r.Member)
			key := fmt.Sprintf("%s\x00%s\x00%s\x00%s", r.Type, r.Name, r.Version, path)
			if seen[key] {
				continue
			}
			seen[key] = true
			layer := final.layer
			for j := len(h) - 2; j >= 0 && lists(h[j].file, r); j-- {
				layer = h[j].layer
			}
			purl, eco := r.PURL, d.ecosystem(r.Type)
			if isOSType(r.Type) {
				purl = d.purl(r)
			}
			if r.NoEcosystem {
				eco = ""
			}
			var syms []string
			if r.SymbolsRead {
				syms = append([]string{}, r.Symbols...)
			}
			out = append(out, inventory.Package{
				Name:          r.Name,
				Version:       r.Version,
				Type:          r.Type,
				PURL:          purl,
				Ecosystem:     eco,
				SourceName:    r.SourceName,
				SourceVersion: r.SourceVersion,
				Arch:          r.Arch,
				Licenses:      r.Licenses,
				Path:          path,
				Owner:         owner,
				Symbols:       syms,
				Layer:         layer,
			})
		}
	}
	out = mergeNPM(out)
	slices.SortFunc(out, comparePackages)
	return out
}

// joinMember names a package inside a nested archive: FILE!/MEMBER.
func joinMember(file, member string) string {
	if member == "" {
		return file
	}
	return file + "!/" + member
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
