package catalog

import (
	"strconv"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/drydock/drydock/inventory"
)

// distro is the final filesystem's os-release, which decides the PURL
// namespace and distro qualifier of OS packages and the OSV ecosystem they
// are matched in. It is applied after the merge because the os-release and
// the package database often come from different layers.
type distro map[string]string

func (d distro) os() *inventory.OS {
	if len(d) == 0 || d["ID"] == "" {
		return nil
	}
	return &inventory.OS{ID: d["ID"], VersionID: d["VERSION_ID"], Codename: d["VERSION_CODENAME"], PrettyName: d["PRETTY_NAME"]}
}

// majorMinor cuts "3.19.1" to "3.19" and "9.3" to "9.3".
func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// ecosystem names the OSV ecosystem (with release where OSV keys advisories
// by release) for a package of type t, following the OSV schema's list of
// ecosystems and scalibr's mapping from os-release. It is "" where OSV has
// no ecosystem for the distribution, so that nothing is matched wrongly.
func (d distro) ecosystem(t string) string {
	switch t {
	case inventory.TypeGoModule, inventory.TypeGoStdlib:
		return "Go"
	case inventory.TypeNPM:
		return "npm"
	case inventory.TypePython:
		return "PyPI"
	case inventory.TypeJava:
		return "Maven"
	case inventory.TypeRust:
		return "crates.io"
	case inventory.TypeGem:
		return "RubyGems"
	case inventory.TypePHP:
		return "Packagist"
	case inventory.TypeDotnet:
		return "NuGet"
	}
	id, ver := d["ID"], d["VERSION_ID"]
	withVersion := func(eco, v string) string {
		if v == "" {
			return eco
		}
		return eco + ":" + v
	}
	switch t {
	case inventory.TypeDeb:
		switch id {
		case "debian", "":
			return withVersion("Debian", ver)
		case "ubuntu":
			if ver == "" {
				return "Ubuntu"
			}
			if ubuntuLTS(ver) {
				return "Ubuntu:" + ver + ":LTS"
			}
			return "Ubuntu:" + ver
		}
	case inventory.TypeAPK:
		switch id {
		case "wolfi":
			return "Wolfi"
		case "chainguard":
			return "Chainguard"
		case "minimos":
			return "MinimOS"
		case "alpine", "":
			if ver == "" {
				return "Alpine"
			}
			return "Alpine:v" + majorMinor(ver)
		}
	case inventory.TypeRPM:
		switch id {
		case "rhel":
			return redHat(d["CPE_NAME"], ver)
		case "almalinux":
			return withVersion("AlmaLinux", major(ver))
		case "rocky":
			return withVersion("Rocky Linux", major(ver))
		case "sles", "sles_sap", "sled":
			// OSV names SUSE products as os-release's PRETTY_NAME does,
			// e.g. "SUSE:Linux Enterprise Server 15 SP5".
			if p, ok := strings.CutPrefix(d["PRETTY_NAME"], "SUSE "); ok {
				return "SUSE:" + p
			}
			return "SUSE"
		case "opensuse-leap":
			return withVersion("openSUSE", leap(ver))
		case "opensuse-tumbleweed":
			return "openSUSE:Tumbleweed"
		case "azurelinux", "mariner":
			return withVersion("Azure Linux", ver)
		case "openEuler":
			return withVersion("openEuler", ver)
		}
	}
	return ""
}

// redHat names a RHEL image's OSV ecosystem by its product stream,
// "Red Hat:enterprise_linux:9", taken from os-release's CPE_NAME
// ("cpe:/o:redhat:enterprise_linux:9::baseos") or else from the major
// release. OSV files Red Hat's records per repository
// ("Red Hat:enterprise_linux:9::appstream", "…::baseos"); the repository is
// left out here because an image's packages come from several of them, and
// vulndb keys both spellings alike.
func redHat(cpe, ver string) string {
	if _, stream, ok := strings.Cut(cpe, ":redhat:"); ok {
		stream, _, _ = strings.Cut(stream, "::")
		if product, release, ok := strings.Cut(stream, ":"); ok && product != "" && release != "" {
			return "Red Hat:" + product + ":" + release
		}
	}
	if ver == "" {
		return "Red Hat"
	}
	return "Red Hat:enterprise_linux:" + major(ver)
}

func leap(v string) string {
	if v == "" {
		return ""
	}
	return "Leap " + v
}

// ubuntuLTS: Ubuntu's long-term releases are the April releases of even
// years (22.04, 24.04).
func ubuntuLTS(v string) bool {
	y, m, ok := strings.Cut(v, ".")
	if !ok || m != "04" {
		return false
	}
	n, err := strconv.Atoi(y)
	return err == nil && n%2 == 0
}

// purl builds the package URL of an OS package with the distro qualifier
// ("debian-12", "alpine-3.19.1"), as the inventory model documents it.
func (d distro) purl(r pkgRecord) string {
	var typ, ns string
	name := r.Name
	switch r.Type {
	case inventory.TypeDeb:
		typ, ns = packageurl.TypeDebian, "debian"
	case inventory.TypeAPK:
		typ, ns, name = packageurl.TypeApk, "alpine", strings.ToLower(name)
	case inventory.TypeRPM:
		typ = packageurl.TypeRPM
	default:
		return r.PURL
	}
	if id := d["ID"]; id != "" {
		ns = id
		switch id {
		case "sles", "sles_sap", "sled":
			ns = "suse"
		case "opensuse-leap", "opensuse-tumbleweed":
			ns = "opensuse"
		}
	}
	q := map[string]string{}
	if r.Arch != "" {
		q["arch"] = r.Arch
	}
	if r.Epoch > 0 {
		q["epoch"] = strconv.Itoa(r.Epoch)
	}
	if d["ID"] != "" && d["VERSION_ID"] != "" {
		q["distro"] = d["ID"] + "-" + d["VERSION_ID"]
	}
	return packageurl.NewPackageURL(typ, ns, name, r.Version, packageurl.QualifiersFromMap(q), "").ToString()
}
