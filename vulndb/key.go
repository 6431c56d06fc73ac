package vulndb

import (
	"strings"
)

// Lookups go through keys, not the ecosystem and name as written, because
// the same release is spelt more than one way: OSV writes "Alpine:v3.19" and
// "Ubuntu:22.04:LTS" while os-release says "3.19.1" and "22.04", PyPI names
// are compared after PEP 503 normalisation, and NuGet and Packagist names
// are case-insensitive. Both the importer and the query side use these two
// functions, so whichever spelling a package carries, it finds its records.

// EcosystemKey is the lookup key of an OSV ecosystem with its release:
// lower case; "Alpine:3.19.1" and "Alpine:v3.19" → "alpine:v3.19";
// "Debian:12.4" → "debian:12" (AlmaLinux and Rocky Linux likewise keep the
// major release); "Ubuntu:22.04:LTS" → "ubuntu:22.04" (Pro/ESM releases stay
// distinct: "ubuntu:pro:22.04"); "Wolfi:<anything>" → "wolfi" (Chainguard
// likewise); "Red Hat:enterprise_linux:9::appstream" → "red hat:enterprise_linux:9"
// (the repository dropped, the product stream kept); "Maven:<central URL>" → "maven".
func EcosystemKey(ecosystem string) string {
	base, release, _ := strings.Cut(strings.TrimSpace(ecosystem), ":")
	base = strings.ToLower(strings.TrimSpace(base))
	release = strings.TrimSpace(release)
	switch base {
	case "alpine":
		if release != "" {
			release = "v" + majorMinor(strings.TrimPrefix(strings.TrimPrefix(release, "v"), "V"))
		}
	case "debian", "almalinux", "rocky linux":
		// OSV names these by major release: "Debian:12", "AlmaLinux:9".
		if i := strings.IndexByte(release, '.'); i > 0 {
			release = release[:i]
		}
	case "wolfi", "chainguard":
		release = "" // rolling distributions: OSV gives no release
	case "red hat":
		// "Red Hat:enterprise_linux:9::appstream" → "enterprise_linux:9":
		// an image's packages come from several repositories of one stream.
		release, _, _ = strings.Cut(release, "::")
	case "ubuntu":
		release = strings.TrimSuffix(strings.TrimSuffix(release, ":LTS"), ":lts")
	case "maven":
		switch strings.TrimSuffix(release, "/") {
		case "https://repo.maven.apache.org/maven2", "https://repo1.maven.org/maven2":
			release = ""
		}
	}
	if release == "" {
		return base
	}
	return base + ":" + strings.ToLower(release)
}

// majorMinor keeps the first two dot-separated parts of a version.
func majorMinor(v string) string {
	first := strings.IndexByte(v, '.')
	if first < 0 {
		return v
	}
	if second := strings.IndexByte(v[first+1:], '.'); second >= 0 {
		return v[:first+1+second]
	}
	return v
}

// NameKey is the lookup key of a package name in an ecosystem: PyPI names
// lower-cased with runs of "-", "_" and "." made one "-" (PEP 503); NuGet
// and Packagist names lower-cased; every other name as written.
func NameKey(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	base, _, _ := strings.Cut(EcosystemKey(ecosystem), ":")
	switch base {
	case "pypi":
		var b strings.Builder
		sep := false
		for _, r := range strings.ToLower(name) {
			if r == '-' || r == '_' || r == '.' {
				sep = true
				continue
			}
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(r)
		}
		return b.String()
	case "nuget", "packagist":
		return strings.ToLower(name)
	}
	return name
}

// AffectedFor returns the entries of a's affected list that are about the
// package (ecosystem, name), compared by key: the ones a lookup with the same
// ecosystem and name matched the record by. An ecosystem without a release
// ("Red Hat", "Debian") matches the entries of every release.
func (a *Advisory) AffectedFor(ecosystem, name string) []Affected {
	eco, nm := EcosystemKey(ecosystem), NameKey(ecosystem, name)
	anyRelease := !strings.Contains(eco, ":")
	var out []Affected
	for _, af := range a.Affected {
		key := EcosystemKey(af.Package.Ecosystem)
		if anyRelease {
			key, _, _ = strings.Cut(key, ":")
		}
		if key == eco && NameKey(af.Package.Ecosystem, af.Package.Name) == nm {
			out = append(out, af)
		}
	}
	return out
}
