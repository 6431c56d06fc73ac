package match

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/vulndb"
)

// query is what one inventory package is looked up and compared as.
type query struct {
	ecosystem string // the OSV ecosystem, release included ("Debian:12")
	// names are the OSV package names to look up, in order: the source
	// package for distros; for RPM the source and then the binary name,
	// since Red Hat's records name either.
	names   []string
	version string // the version compared (the source version for Debian/Ubuntu)
}

// binNMU matches the "+bN" suffix of a binary-only rebuild: the source
// version has none, and Debian's advisories speak of the source.
var binNMU = regexp.MustCompile(`\+b[0-9]+$`)

// queryOf says how a package is looked up. Debian and Ubuntu advisories name
// source packages and source versions; Alpine's name the origin (aports)
// package, whose subpackages share its version. Go binaries record the
// standard library as a package of its own, which OSV calls "stdlib".
func queryOf(p *inventory.Package) (query, error) {
	q := query{ecosystem: p.Ecosystem, version: p.Version}
	name := p.Name
	if q.ecosystem == "" {
		return q, fmt.Errorf("no OSV ecosystem recorded")
	}
	switch p.Type {
	case inventory.TypeDeb:
		if p.SourceName != "" {
			name = p.SourceName
		}
		if p.SourceVersion != "" {
			q.version = p.SourceVersion
		}
		q.version = binNMU.ReplaceAllString(q.version, "")
	case inventory.TypeAPK:
		if p.SourceName != "" && p.SourceName != p.Name {
			switch baseEcosystem(q.ecosystem) {
			case "Wolfi", "Chainguard", "MinimOS":
				// Their records name the package itself, some the origin.
				q.names = append(q.names, p.SourceName)
			default:
				// Alpine's secdb names the origin (aports) package only.
				name = p.SourceName
			}
		}
	case inventory.TypeRPM:
		if p.SourceName != "" && p.SourceName != p.Name {
			q.names = append(q.names, p.SourceName)
		}
		q.version = rpmEpochVersion(p)
	case inventory.TypeGoStdlib:
		name = "stdlib"
		q.version = goToolchainVersion(q.version)
	}
	if name == "" {
		return q, fmt.Errorf("no package name")
	}
	q.names = append(q.names, name)
	return q, nil
}

// rpmEpochVersion puts the epoch the PURL records ("?epoch=1") in front of
// the version, as Red Hat's advisories write theirs ("1:3.0.7-27.el9"): an
// installed "3.0.7-28.el9" read without it sorts below every epoch-1 fix.
func rpmEpochVersion(p *inventory.Package) string {
	if strings.Contains(p.Version, ":") || p.PURL == "" {
		return p.Version
	}
	u, err := packageurl.FromString(p.PURL)
	if err != nil {
		return p.Version
	}
	if e := u.Qualifiers.Map()["epoch"]; e != "" && e != "0" {
		return e + ":" + p.Version
	}
	return p.Version
}

var goPre = regexp.MustCompile(`^([0-9]+\.[0-9]+)(?:\.([0-9]+))?(beta|rc)([0-9]+)$`)

// goToolchainVersion turns the toolchain's "go1.21.3" or "go1.22rc1" into
// the SemVer OSV's Go database uses ("1.21.3", "1.22.0-rc.1").
func goToolchainVersion(v string) string {
	// Builds with GOEXPERIMENT record "go1.22.1 X:boringcrypto".
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	v = strings.TrimPrefix(v, "go")
	if m := goPre.FindStringSubmatch(v); m != nil {
		patch := m[2]
		if patch == "" {
			patch = "0"
		}
		return m[1] + "." + patch + "-" + m[3] + "." + m[4]
	}
	// "1.21" is the first release of 1.21, written 1.21.0 since Go 1.21.
	if strings.Count(v, ".") == 1 {
		return v + ".0"
	}
	return v
}

// distroSeverity returns a distro's own word for a record's severity where
// it states one: Ubuntu's priority (severity type "Ubuntu"), Debian's
// urgency (ecosystem_specific, or database_specific in older exports), a
// "severity" word in database_specific (Red Hat, SUSE), or the impact word
// Red Hat's summaries begin with ("Important: openssl security update").
// Language ecosystems' words (GitHub's "MODERATE") are not a distro's and are
// left out. Debian's "not yet assigned" says nothing and is dropped.
func distroSeverity(adv *vulndb.Advisory, aff *vulndb.Affected) string {
	if !isDistro(aff.Package.Ecosystem) {
		return ""
	}
	for _, sevs := range [][]vulndb.Severity{aff.Severity, adv.Severity} {
		for _, s := range sevs {
			if !strings.HasPrefix(s.Type, "CVSS_") && s.Score != "" {
				return strings.ToLower(s.Score)
			}
		}
	}
	for _, raw := range []json.RawMessage{aff.EcosystemSpecific, aff.DatabaseSpecific, adv.DatabaseSpecific} {
		if w := wordIn(raw); w != "" {
			return w
		}
	}
	if baseEcosystem(aff.Package.Ecosystem) == "Red Hat" {
		if word, _, ok := strings.Cut(adv.Summary, ":"); ok {
			switch w := strings.ToLower(word); w {
			case "low", "moderate", "important", "critical":
				return w
			}
		}
	}
	return ""
}

// wordIn reads "urgency" or "severity" from a JSON object when it is a string.
func wordIn(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range []string{"urgency", "severity"} {
		if s, ok := m[k].(string); ok {
			s = strings.ToLower(strings.TrimRight(s, "*"))
			if s != "" && s != "not yet assigned" {
				return s
			}
		}
	}
	return ""
}

func isDistro(eco string) bool {
	switch baseEcosystem(eco) {
	case "Debian", "Ubuntu", "Alpine", "Red Hat", "AlmaLinux", "Rocky Linux",
		"SUSE", "openSUSE", "Mageia", "openEuler", "Photon OS", "Wolfi",
		"Chainguard", "Alpaquita", "MinimOS":
		return true
	}
	return false
}
