package catalog

import (
	"strings"

	"github.com/google/osv-scalibr/extractor"
	archivemeta "github.com/google/osv-scalibr/extractor/filesystem/language/java/archive/metadata"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	rpmmeta "github.com/google/osv-scalibr/extractor/filesystem/os/rpm/metadata"
	"github.com/google/osv-scalibr/purl"
	"github.com/package-url/packageurl-go"

	"github.com/drydock/drydock/inventory"
)

// cacheVersion names the shape and the meaning of a layerResult. Bump it
// whenever an extractor is added or changed, or the record changes: every
// cached layer is then read again, which is the point.
const cacheVersion = "catalog-v7"

// layerResult is everything one layer contributes, independent of every
// other layer, so that it can be cached by the layer's DiffID and shared by
// every image built on that layer.
type layerResult struct {
	Version string `json:"version"`
	// MaxFileSize is the per-file limit the layer was read with: files over
	// it were not cataloged, so a result is only reused under the same one.
	MaxFileSize int64 `json:"maxFileSize"`
	// Files are the package files the layer added or changed, by path:
	// package databases, lockfiles, manifests, binaries, archives, and the
	// OS package managers' file lists. A file with no packages still counts:
	// it replaces whatever a lower layer had at that path.
	Files map[string]*fileResult `json:"files,omitempty"`
	// Whiteouts are paths this layer deleted (with everything below them).
	Whiteouts []string `json:"whiteouts,omitempty"`
	// Opaques are directories whose lower-layer content this layer hid.
	Opaques []string `json:"opaques,omitempty"`
	// Hides are the layer's symlinks, devices and other entries that are
	// neither files nor directories: each hides a lower file at its path
	// and everything a lower layer had below it.
	Hides []string `json:"hides,omitempty"`
	// Dirs are the layer's deepest directories, named by an entry or
	// implied by one below them, in pathCompare order: a lower file at one
	// of them or above it was replaced by a directory.
	Dirs []string `json:"dirs,omitempty"`
	// Links are hard links to files of lower layers, link to target: the
	// merge gives the link the target's packages, if it has any.
	Links map[string]string `json:"links,omitempty"`
	// Warnings name what the layer could not catalog; they travel with the
	// cached layer so that a warm catalog says what a cold one said.
	Warnings []string `json:"warnings,omitempty"`
	// Escapes are entries that try to reach outside the image, with the
	// reason; they become the inventory's integrity findings.
	Escapes []escapedEntry `json:"escapes,omitempty"`
}

// escapedEntry is one entry of a layer that climbs out of the root.
type escapedEntry struct {
	Entry  string `json:"entry"`
	Reason string `json:"reason"`
}

// fileResult is what one version of one file says.
type fileResult struct {
	Packages []pkgRecord `json:"packages,omitempty"`
	// Owns lists paths (relative, no leading "/") that an OS package
	// manager records as installed by its packages.
	Owns []string `json:"owns,omitempty"`
	// Owners names the package owning each of Owns, where the file lists
	// several packages' files (apk, rpm); empty for a per-package list,
	// whose package its path names.
	Owners []string `json:"owners,omitempty"`
	// OSRelease holds the parsed os-release when the file is one.
	OSRelease map[string]string `json:"osRelease,omitempty"`
}

// pkgRecord is a package as its file states it, before the image-wide facts
// (the OS release, the layer) are known.
type pkgRecord struct {
	Type          string   `json:"type"`
	Name          string   `json:"name"`
	Version       string   `json:"version"`
	PURL          string   `json:"purl,omitempty"` // language packages only; OS PURLs need the OS release
	SourceName    string   `json:"sourceName,omitempty"`
	SourceVersion string   `json:"sourceVersion,omitempty"`
	Arch          string   `json:"arch,omitempty"`
	Epoch         int      `json:"epoch,omitempty"`
	Licenses      []string `json:"licenses,omitempty"`
	// Member is the archive inside the file the package was found in
	// ("BOOT-INF/lib/inner.jar", levels joined by "!/"); its Path is then
	// FILE!/MEMBER.
	Member string `json:"member,omitempty"`
	// NoEcosystem marks a package that cannot be named in its ecosystem's
	// advisories (a jar without a Maven group): listed, never matched.
	NoEcosystem bool `json:"noEcosystem,omitempty"`
	// SymbolsRead is true for a Go package whose binary's function table
	// was read; Symbols are then its functions compiled in.
	SymbolsRead bool     `json:"symbolsRead,omitempty"`
	Symbols     []string `json:"symbols,omitempty"`
}

// same says whether two records are the same package for layer attribution:
// a rewritten package database keeps the package that was already there.
func (r pkgRecord) same(o pkgRecord) bool {
	return r.Type == o.Type && r.Name == o.Name && r.Version == o.Version && r.Member == o.Member
}

// recordOf converts what a scalibr extractor found into our record. ok is
// false for findings that are not packages we report. unmatched, when set,
// says why a reported package will not be matched, for the layer's
// warnings.
func recordOf(p *extractor.Package) (r pkgRecord, unmatched string, ok bool) {
	if p == nil || p.Name == "" {
		return pkgRecord{}, "", false
	}
	r = pkgRecord{Name: p.Name, Version: p.Version, Licenses: cleanLicenses(p.Licenses)}
	switch m := p.Metadata.(type) {
	case *dpkgmeta.Metadata:
		r.Type = inventory.TypeDeb
		r.Arch = m.Architecture
		r.SourceName, r.SourceVersion = m.SourceName, m.SourceVersion
		if r.SourceName == "" {
			r.SourceName = m.PackageName
		}
		// dpkg leaves "Source: name" without a version when the source
		// version equals the binary version.
		if r.SourceVersion == "" {
			r.SourceVersion = p.Version
		}
		return r, "", true
	case *apkmeta.Metadata:
		r.Type = inventory.TypeAPK
		r.Arch = m.Architecture
		r.SourceName = m.OriginName
		if r.SourceName != "" {
			r.SourceVersion = p.Version
		}
		return r, "", true
	case *rpmmeta.Metadata:
		r.Type = inventory.TypeRPM
		r.Arch = m.Architecture
		r.Epoch = m.Epoch
		r.SourceName, r.SourceVersion = splitSourceRPM(m.SourceRPM)
		return r, "", true
	case *goBinaryMeta:
		return goRecord(p, m), "", true
	case *archivemeta.Metadata:
		if m.ArtifactID == "" || p.Name == "unknown" {
			return pkgRecord{}, "", false
		}
		r, unmatched = javaRecord(p, m)
		return r, unmatched, true
	}
	switch p.PURLType {
	case purl.TypeNPM:
		// scalibr adds a "source" qualifier of its own (PUBLIC_REGISTRY,
		// UNKNOWN); the PURL spec's npm form is only scope, name, version.
		r.Type = inventory.TypeNPM
		ns, name, ok := strings.Cut(p.Name, "/")
		if !ok || !strings.HasPrefix(ns, "@") {
			ns, name = "", p.Name
		}
		r.PURL = packageurl.NewPackageURL(packageurl.TypeNPM, ns, name, p.Version, nil, "").ToString()
		return r, "", true
	case purl.TypePyPi:
		r.Type = inventory.TypePython
	case purl.TypeMaven:
		r.Type = inventory.TypeJava
	case purl.TypeCargo:
		r.Type = inventory.TypeRust
	case purl.TypeGem:
		r.Type = inventory.TypeGem
	case purl.TypeComposer:
		r.Type = inventory.TypePHP
	case purl.TypeNuget:
		r.Type = inventory.TypeDotnet
	default:
		return pkgRecord{}, "", false
	}
	if u := p.PURL(); u != nil {
		r.PURL = u.String()
	}
	return r, "", true
}

// splitSourceRPM turns "openssl-3.0.7-27.el9.src.rpm" into its name and
// version-release: the last two dash-separated fields are version and
// release, whatever dashes the name holds.
func splitSourceRPM(s string) (name, version string) {
	s = strings.TrimSuffix(s, ".rpm")
	s = strings.TrimSuffix(s, ".src")
	s = strings.TrimSuffix(s, ".nosrc")
	rel := strings.LastIndexByte(s, '-')
	if rel <= 0 {
		return s, ""
	}
	ver := strings.LastIndexByte(s[:rel], '-')
	if ver <= 0 {
		return s, ""
	}
	return s[:ver], s[ver+1:]
}

func cleanLicenses(in []string) []string {
	var out []string
	for _, l := range in {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
