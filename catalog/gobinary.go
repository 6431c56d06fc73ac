package catalog

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	scalibrinv "github.com/google/osv-scalibr/inventory"
	scalibrplugin "github.com/google/osv-scalibr/plugin"
	"github.com/google/osv-scalibr/purl"
	"github.com/package-url/packageurl-go"

	"github.com/drydock/drydock/inventory"
)

// goBinary reads the build information the Go linker writes into every
// module-aware binary: the toolchain (OSV's "stdlib"), the main module and
// each dependency with the version the toolchain recorded. It is ours, not
// scalibr's, because scalibr (v0.5.3) drops the "v" that Go module versions
// carry and keeps "(devel)" for a main module built from a checkout, where
// the build settings hold the VCS revision that names the version.
type goBinary struct{}

var _ filesystem.Extractor = goBinary{}

func (goBinary) Name() string { return "go/binary" }
func (goBinary) Version() int { return 0 }
func (goBinary) Requirements() *scalibrplugin.Capabilities {
	return &scalibrplugin.Capabilities{}
}

// FileRequired wants every executable file; the layer scanner reads only
// those whose magic says they are binaries.
func (goBinary) FileRequired(api filesystem.FileAPI) bool {
	fi, err := api.Stat()
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// goBinaryMeta marks a package read from a Go binary's build information.
type goBinaryMeta struct {
	stdlib bool
	// symbolsRead is true when the binary's pclntab was read; symbols are
	// then this package's functions in it ("package.Symbol").
	symbolsRead bool
	symbols     []string
}

// IsProtoable marks goBinaryMeta as package metadata for scalibr's types.
func (*goBinaryMeta) IsProtoable() {}

// devel is the main module's version when the toolchain did not know it.
const devel = "(devel)"

func (g goBinary) Extract(_ context.Context, in *filesystem.ScanInput) (scalibrinv.Inventory, error) {
	ra, ok := in.Reader.(io.ReaderAt)
	if !ok {
		b, err := io.ReadAll(in.Reader)
		if err != nil {
			return scalibrinv.Inventory{}, fmt.Errorf("%s: reading %s: %w", g.Name(), in.Path, err)
		}
		ra = bytes.NewReader(b)
	}
	bi, err := buildinfo.Read(ra)
	if err != nil {
		return scalibrinv.Inventory{}, nil // not a Go binary, or one without module information
	}
	loc := extractor.LocationFromPath(in.Path)
	var out []*extractor.Package
	if v := goToolchainVersion(bi.GoVersion); v != "" {
		out = append(out, &extractor.Package{Name: "stdlib", Version: v, PURLType: purl.TypeGolang, Location: loc, Metadata: &goBinaryMeta{stdlib: true}})
	}
	// Symbols are read once per binary and shared out by module; the
	// module path a symbol's package sits under is the one that built it.
	modules := map[string]*goBinaryMeta{}
	if bi.Main.Path != "" {
		m := &goBinaryMeta{}
		modules[bi.Main.Path] = m
		out = append(out, &extractor.Package{Name: bi.Main.Path, Version: mainVersion(bi), PURLType: purl.TypeGolang, Location: loc, Metadata: m})
	}
	for _, d := range bi.Deps {
		path := d.Path
		if d.Replace != nil && d.Replace.Path != "" {
			d = d.Replace
		}
		if d.Path == "" {
			continue
		}
		v := d.Version
		if v == devel {
			v = "" // replaced by a local folder: no version to name
		}
		m := &goBinaryMeta{}
		modules[path] = m // a replaced module's code keeps the import path
		out = append(out, &extractor.Package{Name: d.Path, Version: v, PURLType: purl.TypeGolang, Location: loc, Metadata: m})
	}
	if syms, err := goSymbols(ra); err == nil {
		shareSymbols(syms, out, modules, bi.Main.Path)
	}
	return scalibrinv.Inventory{Packages: out}, nil
}

// shareSymbols gives every package of the binary the symbols of its own
// code: a module those under its path (the longest module path wins, so
// golang.org/x/text/v2 is not golang.org/x/text's), the main module also
// package main's, the standard library those of packages whose first path
// element has no dot.
func shareSymbols(syms []string, pkgs []*extractor.Package, modules map[string]*goBinaryMeta, mainPath string) {
	for _, p := range pkgs {
		m := p.Metadata.(*goBinaryMeta)
		m.symbolsRead, m.symbols = true, []string{}
	}
	var std *goBinaryMeta
	if len(pkgs) > 0 && pkgs[0].Metadata.(*goBinaryMeta).stdlib {
		std = pkgs[0].Metadata.(*goBinaryMeta)
	}
	for _, s := range syms {
		pkg := symbolPackage(s)
		owner := (*goBinaryMeta)(nil)
		for p := pkg; p != "." && p != "/" && p != ""; p = pathDir(p) {
			if m, ok := modules[p]; ok {
				owner = m
				break
			}
		}
		switch {
		case owner != nil:
		case pkg == "main":
			owner = modules[mainPath] // nil when the binary names no main module
		case std != nil && !strings.Contains(strings.SplitN(pkg, "/", 2)[0], "."):
			owner = std
		}
		if owner != nil {
			owner.symbols = append(owner.symbols, s)
		}
	}
}

// symbolPackage is the package path of a "package.Symbol".
func symbolPackage(s string) string {
	slash := strings.LastIndexByte(s, '/')
	if dot := strings.IndexByte(s[slash+1:], '.'); dot >= 0 {
		return s[:slash+1+dot]
	}
	return s
}

func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// goToolchainVersion turns "go1.22.1" (or "go1.23rc1 X:nocoverageredesign")
// into "1.22.1", the form OSV's stdlib ranges use.
func goToolchainVersion(v string) string {
	v, _, _ = strings.Cut(v, " ")
	return strings.TrimPrefix(v, "go")
}

// mainVersion is the main module's version: the one the toolchain stamped,
// else a pseudo-version made from the VCS revision and commit time in the
// build settings (as `go list -m` would name that commit), else none.
// "(devel)" is never a version.
func mainVersion(bi *buildinfo.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != devel {
		return v
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return pseudoVersion(rev, at, dirty)
}

// pseudoVersion is v0.0.0-yyyymmddhhmmss-abcdefabcdef for a revision and
// commit time, with "+dirty" for a modified checkout (the toolchain's own
// spelling since Go 1.24); "" when either is missing or malformed.
func pseudoVersion(rev, at string, dirty bool) string {
	t, err := time.Parse(time.RFC3339, at)
	if len(rev) < 12 || err != nil {
		return ""
	}
	v := "v0.0.0-" + t.UTC().Format("20060102150405") + "-" + rev[:12]
	if dirty {
		v += "+dirty"
	}
	return v
}

// goRecord is the record of a package goBinary found.
func goRecord(p *extractor.Package, m *goBinaryMeta) pkgRecord {
	r := pkgRecord{Type: inventory.TypeGoModule, Name: p.Name, Version: p.Version, SymbolsRead: m.symbolsRead, Symbols: m.symbols}
	if m.stdlib {
		r.Type = inventory.TypeGoStdlib
	}
	r.PURL = goPURL(r.Name, r.Version)
	return r
}

// goPURL is pkg:golang/<module path>@<version>, the version as Go spells
// it ("v0.3.7"), the last path element the name and the rest the namespace.
func goPURL(module, version string) string {
	ns, name := "", module
	if i := strings.LastIndexByte(module, '/'); i >= 0 {
		ns, name = module[:i], module[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}
