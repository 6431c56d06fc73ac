package match

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/drydock/drydock/inventory"
)

// Go symbol presence. Go's vulnerability records name the packages and
// functions that hold the flaw (affected[].ecosystem_specific.imports); a
// Go binary's function table says which of them were compiled in (the
// catalog reads it into inventory.Package.Symbols). A vulnerable module
// whose vulnerable functions are not in the binary cannot run them: that
// is what govulncheck reports in its binary mode, and what no image
// scanner says.
const (
	// SymbolsPresent: at least one vulnerable function is in the binary.
	SymbolsPresent = "present"
	// SymbolsAbsent: none of the record's vulnerable functions is.
	SymbolsAbsent = "absent"
	// SymbolsUnknown: the record names no functions, or the binary's
	// function table could not be read (or the package came from an SBOM).
	SymbolsUnknown = "unknown"
)

// goImports is the shape of a Go record's ecosystem_specific.
type goImports struct {
	Imports []struct {
		Path    string   `json:"path"`
		Symbols []string `json:"symbols"`
	} `json:"imports"`
}

// goSymbolCheck says whether the grouped hits' vulnerable functions are in
// p's binary, and which: those found when present, those looked for when
// absent, each "package.Symbol". A package in the record without symbols
// means all of it: any of its functions counts.
func goSymbolCheck(p *inventory.Package, hits []hit, idx []int) (status string, symbols []string) {
	if p.Type != inventory.TypeGoModule && p.Type != inventory.TypeGoStdlib {
		return "", nil
	}
	var wanted []string   // "path.Symbol"
	var wholePkg []string // "path." (no symbols listed)
	for _, i := range idx {
		var es goImports
		if raw := hits[i].aff.EcosystemSpecific; len(raw) > 0 && json.Unmarshal(raw, &es) != nil {
			continue
		}
		for _, im := range es.Imports {
			if im.Path == "" {
				continue
			}
			if len(im.Symbols) == 0 {
				wholePkg = append(wholePkg, im.Path+".")
			}
			for _, s := range im.Symbols {
				wanted = append(wanted, im.Path+"."+s)
			}
		}
	}
	if (len(wanted) == 0 && len(wholePkg) == 0) || p.Symbols == nil {
		return SymbolsUnknown, nil
	}
	slices.Sort(wanted)
	wanted = slices.Compact(wanted)
	var found []string
	for _, w := range wanted {
		if _, ok := slices.BinarySearch(p.Symbols, w); ok {
			found = append(found, w)
		}
	}
	for _, prefix := range wholePkg {
		i, _ := slices.BinarySearch(p.Symbols, prefix)
		if i < len(p.Symbols) && strings.HasPrefix(p.Symbols[i], prefix) && !strings.Contains(p.Symbols[i][len(prefix):], "/") {
			found = append(found, prefix+"*")
		} else {
			wanted = append(wanted, prefix+"*")
		}
	}
	if len(found) > 0 {
		return SymbolsPresent, found
	}
	return SymbolsAbsent, wanted
}
