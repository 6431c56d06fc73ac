package catalog

import (
	"strings"

	"github.com/google/osv-scalibr/extractor"
	archivemeta "github.com/google/osv-scalibr/extractor/filesystem/language/java/archive/metadata"
	"github.com/package-url/packageurl-go"

	"github.com/drydock/drydock/inventory"
)

// javaRecord is the record of a Maven artifact scalibr found in a Java
// archive. Two things scalibr's record does not say the way a report must:
//
//   - A jar nested in another (Spring Boot's BOOT-INF/lib/*.jar) is named
//     by the chain outer.jar!/BOOT-INF/lib/inner.jar, as the JVM names it,
//     not by the outer jar alone.
//   - A jar with neither pom.properties nor a Maven group in its manifest
//     gets its group invented from its file name (acc-app:acc-app). Such a
//     package is listed by its artifact only, with no ecosystem, so it is
//     not matched, and the layer's warnings say why.
func javaRecord(p *extractor.Package, m *archivemeta.Metadata) (r pkgRecord, unidentified string) {
	r = pkgRecord{Type: inventory.TypeJava, Name: p.Name, Version: p.Version, Licenses: cleanLicenses(p.Licenses)}
	r.Member = archiveMember(p.Location)
	if len(p.Location.Related) == 0 && m.GroupID == m.ArtifactID {
		r.Name = m.ArtifactID
		r.NoEcosystem = true
		r.PURL = packageurl.NewPackageURL(packageurl.TypeMaven, "", m.ArtifactID, p.Version, nil, "").ToString()
		return r, "no pom.properties and no Maven group in the manifest: listed as " + m.ArtifactID + " " + p.Version + " without a group, not matched"
	}
	if u := p.PURL(); u != nil {
		r.PURL = u.String()
	}
	return r, ""
}

// archiveMember is the path of the nested archive a package was found in,
// relative to the outer file, with "!/" between archive levels
// ("BOOT-INF/lib/inner.jar"); "" for a package of the outer file itself.
// scalibr lists the nested archives' full paths, outermost first, in the
// related locations, each extending the one before it.
func archiveMember(loc extractor.PackageLocation) string {
	outer := loc.Descriptor.PathOrEmpty()
	if outer == "" {
		return ""
	}
	member, prev := "", outer
	for _, l := range loc.Related {
		p := l.PathOrEmpty()
		rest, ok := strings.CutPrefix(p, prev+"/")
		if !ok || !isJavaArchive(p) {
			continue
		}
		if member != "" {
			member += "!/"
		}
		member += rest
		prev = p
	}
	return member
}

func isJavaArchive(p string) bool {
	for _, ext := range []string{".jar", ".war", ".ear", ".jmod", ".par", ".sar", ".jpi", ".hpi", ".lpkg", ".nar"} {
		if strings.HasSuffix(strings.ToLower(p), ext) {
			return true
		}
	}
	return false
}
