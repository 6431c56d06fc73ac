// Package match decides which advisories of the vulnerability database affect
// which packages of an inventory, with each ecosystem's own version order,
// and says how severe and how fixable each finding is.
package match

import "github.com/drydock/drydock/inventory"

// Severity levels, in increasing order. Unknown is never guessed upward.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

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
	// Severity is the highest computed from the CVSS vectors; Score its base score.
	Severity Severity `json:"-"`
	Score    float64  `json:"score,omitempty"`
	// Vector is the CVSS vector the severity came from.
	Vector string `json:"cvssVector,omitempty"`
	// DistroSeverity is the distro's own word (Debian urgency, Ubuntu priority…).
	DistroSeverity string `json:"distroSeverity,omitempty"`
	Summary        string `json:"summary,omitempty"`
	// KEV is true when CISA lists the vulnerability as known exploited.
	KEV bool `json:"kev,omitempty"`
	// EPSS is the exploit prediction score (0–1), where loaded.
	EPSS *float64 `json:"epss,omitempty"`
	// References are advisory URLs.
	References []string `json:"references,omitempty"`
}
