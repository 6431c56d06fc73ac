// Package match decides which advisories of the vulnerability database affect
// which packages of an inventory, with each ecosystem's own version order,
// and says how severe and how fixable each finding is.
//
// The database is reached through the small Source seam, so that the SQLite
// database of package vulndb, a folder of OSV files (MemSource) or anything
// else that can list the advisories of one package serves equally.
package match

import "github.com/drydock/drydock/inventory"

// Finding is one vulnerability in one package: a DSA/DLA/GHSA and its CVE
// aliases are one finding with all their IDs.
type Finding struct {
	// ID is the primary ID (the CVE where there is one); IDs lists every
	// grouped ID, ID first.
	ID  string   `json:"id"`
	IDs []string `json:"ids"`
	// Package is the affected package as cataloged, layer included.
	Package inventory.Package `json:"package"`
	// Installed is the installed version compared (the source version for
	// Debian/Ubuntu matched by source package).
	Installed string `json:"installedVersion"`
	// Fixed lists the versions that fix it; empty means none yet.
	Fixed []string `json:"fixedVersions,omitempty"`
	// Severity is the rating of the preferred CVSS vector (v4 over v3 over
	// v2, the highest score within a version); Unknown when no record of the
	// group carries a vector. Score is that vector's base score.
	Severity Severity `json:"severity"`
	Score    float64  `json:"score,omitempty"`
	// Vector is the CVSS vector the severity came from.
	Vector string `json:"cvssVector,omitempty"`
	// Ratings lists every distinct CVSS vector the grouped records carry,
	// scored, for formats that show them all (CycloneDX).
	Ratings []Rating `json:"ratings,omitempty"`
	// DistroSeverity is the distro's own word (Debian urgency, Ubuntu
	// priority, Red Hat impact), shown beside Severity and never mixed into it.
	DistroSeverity string `json:"distroSeverity,omitempty"`
	Summary        string `json:"summary,omitempty"`
	// KEV is true when CISA lists the vulnerability as known exploited.
	KEV bool `json:"kev,omitempty"`
	// EPSS is the exploit prediction score (0–1), where loaded.
	EPSS *float64 `json:"epss,omitempty"`
	// References are advisory URLs.
	References []string `json:"references,omitempty"`
	// GoSymbols says, for a Go module or standard library finding, whether
	// the record's vulnerable functions are compiled into the binary:
	// SymbolsPresent, SymbolsAbsent or SymbolsUnknown; empty for other
	// packages. Symbols lists the functions found ("present") or looked
	// for ("absent"), as "package.Symbol".
	GoSymbols string   `json:"goSymbols,omitempty"`
	Symbols   []string `json:"symbols,omitempty"`
}

// Rating is one scored CVSS vector.
type Rating struct {
	// Method is "CVSSv2", "CVSSv3", "CVSSv31" or "CVSSv4" (CycloneDX's names).
	Method   string   `json:"method"`
	Vector   string   `json:"vector"`
	Score    float64  `json:"score"`
	Severity Severity `json:"severity"`
	// Source is the ID of the record that carried the vector.
	Source string `json:"source"`
}

// Fixable reports whether a fixed version is known.
func (f *Finding) Fixable() bool { return len(f.Fixed) > 0 }
