package sbom_test

import (
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// The fields Trivy and Syft write for a Debian package with an epoch and a
// source package, in documents written by hand in the shape the tools give
// them (the tools' own outputs are under testdata/tools): the version keeps
// its epoch, and the source version is put back together from Trivy's parts.
func TestForeignDebianFields(t *testing.T) {
	const trivyCDX = `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
	  "metadata": {"component": {"bom-ref": "img", "type": "container", "name": "debian.tar"}},
	  "components": [{"bom-ref": "pkg:deb/debian/login@1:4.13+dfsg1-1+deb12u1?arch=amd64&distro=debian-12.12&epoch=1",
	    "type": "library", "name": "login", "version": "1:4.13+dfsg1-1+deb12u1",
	    "purl": "pkg:deb/debian/login@4.13%2Bdfsg1-1%2Bdeb12u1?arch=amd64&distro=debian-12.12&epoch=1",
	    "properties": [
	      {"name": "aquasecurity:trivy:PkgType", "value": "debian"},
	      {"name": "aquasecurity:trivy:SrcEpoch", "value": "1"},
	      {"name": "aquasecurity:trivy:SrcName", "value": "shadow"},
	      {"name": "aquasecurity:trivy:SrcRelease", "value": "1+deb12u1"},
	      {"name": "aquasecurity:trivy:SrcVersion", "value": "4.13+dfsg1"}]}]}`
	const trivySPDX = `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "debian.tar",
	  "documentNamespace": "http://trivy.dev/container_image/debian.tar-x", "creationInfo": {"creators": ["Tool: trivy-0.74.0"], "created": "2026-11-30T10:00:00Z"},
	  "packages": [{"name": "libc6", "SPDXID": "SPDXRef-Package-1", "versionInfo": "2.36-9+deb12u14", "downloadLocation": "NONE",
	    "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12.12"}],
	    "annotations": [
	      {"annotator": "Tool: trivy-0.74.0", "annotationDate": "2026-11-30T10:00:00Z", "annotationType": "OTHER", "comment": "SrcName: glibc"},
	      {"annotator": "Tool: trivy-0.74.0", "annotationDate": "2026-11-30T10:00:00Z", "annotationType": "OTHER", "comment": "SrcRelease: 9+deb12u14"},
	      {"annotator": "Tool: trivy-0.74.0", "annotationDate": "2026-11-30T10:00:00Z", "annotationType": "OTHER", "comment": "SrcVersion: 2.36"}]}]}`
	const syftCDX = `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
	  "components": [{"bom-ref": "x", "type": "library", "name": "bsdutils", "version": "1:2.38.1-5+deb12u3",
	    "purl": "pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64&upstream=util-linux%402.38.1-5%2Bdeb12u3&distro=debian-12",
	    "properties": [{"name": "syft:package:type", "value": "deb"},
	      {"name": "syft:location:0:path", "value": "/var/lib/dpkg/status"},
	      {"name": "syft:metadata:source", "value": "util-linux"},
	      {"name": "syft:metadata:sourceVersion", "value": "2.38.1-5+deb12u3"}]}]}`
	tests := []struct {
		name, doc string
		want      inventory.Package
	}{
		{"trivy cyclonedx", trivyCDX, inventory.Package{Name: "login", Version: "1:4.13+dfsg1-1+deb12u1", SourceName: "shadow", SourceVersion: "1:4.13+dfsg1-1+deb12u1", Ecosystem: "Debian:12"}},
		{"trivy spdx", trivySPDX, inventory.Package{Name: "libc6", Version: "2.36-9+deb12u14", SourceName: "glibc", SourceVersion: "2.36-9+deb12u14", Ecosystem: "Debian:12"}},
		{"syft cyclonedx", syftCDX, inventory.Package{Name: "bsdutils", Version: "1:2.38.1-5+deb12u3", SourceName: "util-linux", SourceVersion: "2.38.1-5+deb12u3", Ecosystem: "Debian:12", Path: "var/lib/dpkg/status"}},
	}
	for _, tt := range tests {
		inv, err := sbom.Read(strings.NewReader(tt.doc))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(inv.Packages) != 1 {
			t.Fatalf("%s: %d packages, want 1", tt.name, len(inv.Packages))
		}
		p := inv.Packages[0]
		if p.Name != tt.want.Name || p.Version != tt.want.Version || p.SourceName != tt.want.SourceName ||
			p.SourceVersion != tt.want.SourceVersion || p.Ecosystem != tt.want.Ecosystem || (tt.want.Path != "" && p.Path != tt.want.Path) {
			t.Errorf("%s: got %s %s source %s %s eco %s path %s; want %s %s source %s %s eco %s", tt.name,
				p.Name, p.Version, p.SourceName, p.SourceVersion, p.Ecosystem, p.Path,
				tt.want.Name, tt.want.Version, tt.want.SourceName, tt.want.SourceVersion, tt.want.Ecosystem)
		}
	}
}
