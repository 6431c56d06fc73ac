package sbom

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/drydock/drydock/inventory"
)

// imagePURL is the pkg:oci package URL of the image: the last element of the
// repository name, the manifest digest as version and the full repository as
// repository_url, as the purl spec's oci type asks. It is "" when the image
// has no manifest digest (a dir: source) and so no identity a purl could name.
func imagePURL(inv *inventory.Inventory) string {
	if inv.Digest == "" {
		return ""
	}
	name := inv.Name
	if name == "" {
		name = "image"
	}
	last := strings.ToLower(name[strings.LastIndex(name, "/")+1:])
	var q packageurl.Qualifiers
	if name != last {
		q = packageurl.QualifiersFromMap(map[string]string{"repository_url": name})
	}
	return packageurl.NewPackageURL(packageurl.TypeOCI, "", last, inv.Digest, q, "").ToString()
}

// packageFromPURL fills in what a foreign SBOM's package URL says about a
// package: its drydock type, OSV ecosystem, ecosystem-correct name, version,
// architecture and distro source package. Fields already set are kept.
func packageFromPURL(p *inventory.Package, s string) error {
	u, err := packageurl.FromString(s)
	if err != nil {
		return fmt.Errorf("%w %q: %v", ErrBadPURL, s, err)
	}
	q := u.Qualifiers.Map()
	typ, eco, name := purlTypeEcosystem(u, q)
	setIfEmpty(&p.Type, typ)
	setIfEmpty(&p.Ecosystem, eco)
	setIfEmpty(&p.Name, name)
	setIfEmpty(&p.Version, withEpoch(typ, u.Version, q["epoch"]))
	setIfEmpty(&p.Arch, q["arch"])
	if up := q["upstream"]; up != "" && p.SourceName == "" {
		// Debian purls name the source package as upstream=NAME[@VERSION].
		n, v, _ := strings.Cut(up, "@")
		p.SourceName, p.SourceVersion = n, v
	}
	return nil
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// purlTypeEcosystem maps a purl to drydock's package type, the OSV ecosystem
// and the package name as OSV spells it in that ecosystem. A purl type drydock
// does not catalog keeps its purl type and gets no ecosystem, so that nothing
// a foreign SBOM lists is dropped.
func purlTypeEcosystem(u packageurl.PackageURL, q map[string]string) (typ, eco, name string) {
	joined := u.Name
	if u.Namespace != "" {
		joined = u.Namespace + "/" + u.Name
	}
	switch u.Type {
	case packageurl.TypeDebian:
		return inventory.TypeDeb, debEcosystem(u.Namespace, q["distro"]), u.Name
	case packageurl.TypeApk:
		return inventory.TypeAPK, apkEcosystem(u.Namespace, q["distro"]), u.Name
	case packageurl.TypeRPM:
		return inventory.TypeRPM, rpmEcosystems[strings.ToLower(u.Namespace)], u.Name
	case packageurl.TypeGolang:
		if joined == "stdlib" {
			return inventory.TypeGoStdlib, "Go", "stdlib"
		}
		return inventory.TypeGoModule, "Go", joined
	case packageurl.TypeNPM:
		return inventory.TypeNPM, "npm", joined
	case packageurl.TypePyPi:
		return inventory.TypePython, "PyPI", u.Name
	case packageurl.TypeMaven:
		if u.Namespace != "" {
			return inventory.TypeJava, "Maven", u.Namespace + ":" + u.Name
		}
		return inventory.TypeJava, "Maven", u.Name
	case packageurl.TypeCargo:
		return inventory.TypeRust, "crates.io", u.Name
	case packageurl.TypeGem:
		return inventory.TypeGem, "RubyGems", u.Name
	case packageurl.TypeComposer:
		return inventory.TypePHP, "Packagist", joined
	case packageurl.TypeNuget:
		return inventory.TypeDotnet, "NuGet", u.Name
	}
	return u.Type, "", joined
}

// debEcosystem turns the distro qualifier ("debian-12", "debian-12.5",
// "ubuntu-22.04") into the OSV ecosystem ("Debian:12", "Ubuntu:22.04:LTS").
func debEcosystem(namespace, distro string) string {
	id, release, _ := strings.Cut(distro, "-")
	if id == "" {
		id = namespace
	}
	switch strings.ToLower(id) {
	case "debian":
		major, _, _ := strings.Cut(release, ".")
		return withRelease("Debian", major)
	case "ubuntu":
		eco := withRelease("Ubuntu", release)
		// Long-term releases are the April releases of even years; OSV
		// names them with an ":LTS" suffix.
		if len(release) == 5 && release[2:] == ".04" && (release[1]-'0')%2 == 0 {
			eco += ":LTS"
		}
		return eco
	}
	return ""
}

// apkEcosystem turns the distro qualifier ("alpine-3.19.1" or "3.19.1") into
// the OSV ecosystem ("Alpine:v3.19").
func apkEcosystem(namespace, distro string) string {
	release := distro
	if _, r, ok := strings.Cut(distro, "-"); ok {
		release = r
	}
	switch strings.ToLower(namespace) {
	case "alpine", "":
		parts := strings.SplitN(release, ".", 3)
		if len(parts) >= 2 {
			return "Alpine:v" + parts[0] + "." + parts[1]
		}
		return "Alpine"
	case "wolfi":
		return "Wolfi"
	case "chainguard":
		return "Chainguard"
	}
	return ""
}

var rpmEcosystems = map[string]string{
	"redhat":     "Red Hat",
	"rocky":      "Rocky Linux",
	"almalinux":  "AlmaLinux",
	"opensuse":   "openSUSE",
	"suse":       "SUSE",
	"mariner":    "Mariner",
	"azurelinux": "Azure Linux",
}

func withRelease(eco, release string) string {
	if release == "" {
		return eco
	}
	return eco + ":" + release
}

// setForeignImage fills in the image identity of an SBOM another tool wrote,
// from the name of the scanned image ("alpine:3.19"), its version field
// and its pkg:oci purl, without overriding a digest a checksum already gave.
func setForeignImage(inv *inventory.Inventory, name, version, purl string) {
	inv.Source = name
	inv.Name = repositoryOf(name)
	if u, err := packageurl.FromString(purl); err == nil && u.Type == packageurl.TypeOCI {
		if repo := u.Qualifiers.Map()["repository_url"]; repo != "" {
			inv.Name = repo
		}
		if isDigest(u.Version) {
			setIfEmpty(&inv.Digest, u.Version)
		}
	}
	if isDigest(version) {
		setIfEmpty(&inv.Digest, version)
	}
}

// repositoryOf strips a tag or digest from an image reference.
func repositoryOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

func isDigest(s string) bool {
	return strings.HasPrefix(s, "sha256:") || strings.HasPrefix(s, "sha512:")
}
