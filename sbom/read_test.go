package sbom_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// TestReadForeign reads SBOMs of the shapes other scanners write (written by
// hand in testdata/foreign after their published output): packages come
// from package URLs, with drydock's type and OSV ecosystem derived from the
// purl and Layer -1, since these documents do not say which layer.
func TestReadForeign(t *testing.T) {
	const (
		alpineDigest = "sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b"
		debianDigest = "sha256:2171c87301e5ea528cee5c2308a4589f8f2ac819d4d434b679b7cb1dc8de6912"
	)
	none := []inventory.Layer{}
	tests := []struct {
		file string
		want *inventory.Inventory
	}{
		{"syft-alpine.cdx.json", &inventory.Inventory{
			Source: "alpine:3.19", Name: "alpine", Digest: alpineDigest,
			OS:     &inventory.OS{ID: "alpine", VersionID: "3.19.1", PrettyName: "Alpine Linux v3.19"},
			Layers: none,
			Packages: []inventory.Package{
				{Name: "busybox", Version: "1.36.1-r15", Type: "apk", PURL: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1", Ecosystem: "Alpine:v3.19", SourceName: "busybox", Arch: "x86_64", Licenses: []string{"GPL-2.0-only"}, Path: "lib/apk/db/installed", Layer: -1},
				{Name: "libcrypto3", Version: "3.1.4-r5", Type: "apk", PURL: "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl&distro=alpine-3.19.1", Ecosystem: "Alpine:v3.19", SourceName: "openssl", Arch: "x86_64", Licenses: []string{"Apache-2.0"}, Path: "lib/apk/db/installed", Layer: -1},
			},
		}},
		{"trivy-debian.cdx.json", &inventory.Inventory{
			Source: "debian:12", Name: "index.docker.io/library/debian", Digest: debianDigest,
			OS:     &inventory.OS{ID: "debian", VersionID: "12.5"},
			Layers: none,
			Packages: []inventory.Package{
				{Name: "bash", Version: "5.1-6ubuntu1", Type: "deb", PURL: "pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04", Ecosystem: "Ubuntu:22.04:LTS", Layer: -1},
				{Name: "libc6", Version: "2.36-9+deb12u4", Type: "deb", PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12.5", Ecosystem: "Debian:12", SourceName: "glibc", SourceVersion: "2.36-9+deb12u4", Arch: "amd64", Licenses: []string{"LGPL-2.1", "GPL-2.0"}, Layer: -1},
				{Name: "stdlib", Version: "v1.22.1", Type: "go-stdlib", PURL: "pkg:golang/stdlib@v1.22.1", Ecosystem: "Go", Layer: -1},
				{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: "java", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Ecosystem: "Maven", Layer: -1},
				{Name: "@types/node", Version: "20.11.30", Type: "npm", PURL: "pkg:npm/%40types/node@20.11.30", Ecosystem: "npm", Layer: -1},
				{Name: "lodash", Version: "4.17.21", Type: "npm", PURL: "pkg:npm/lodash@4.17.21", Ecosystem: "npm", Licenses: []string{"MIT"}, Path: "app/node_modules/lodash/package.json", Layer: -1},
			},
		}},
		{"syft-debian.spdx.json", &inventory.Inventory{
			Source: "debian", Name: "debian", Digest: debianDigest,
			Layers: none,
			Packages: []inventory.Package{
				{Name: "libc6", Version: "2.36-9+deb12u4", Type: "deb", PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12", Ecosystem: "Debian:12", SourceName: "glibc", Arch: "amd64", Licenses: []string{"GPL-2.0-only AND LGPL-2.1-only"}, Layer: -1},
				{Name: "openssl", Version: "3.0.11-1~deb12u2", Type: "deb", PURL: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", Ecosystem: "Debian:12", Arch: "amd64", Layer: -1},
			},
		}},
		{"trivy-alpine.spdx.json", &inventory.Inventory{
			Source: "alpine:3.19", Name: "index.docker.io/library/alpine", Digest: alpineDigest,
			OS:     &inventory.OS{ID: "alpine", VersionID: "3.19.1"},
			Layers: none,
			Packages: []inventory.Package{
				{Name: "musl", Version: "1.2.4_git20230717-r4", Type: "apk", PURL: "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1", Ecosystem: "Alpine:v3.19", Arch: "x86_64", Licenses: []string{"MIT"},
					SourceName: "musl", SourceVersion: "1.2.4_git20230717-r4", Layer: -1}, // Trivy's sourceInfo
				{Name: "requests", Version: "2.31.0", Type: "python", PURL: "pkg:pypi/requests@2.31.0", Ecosystem: "PyPI", Layer: -1},
			},
		}},
		{"rootfs-2.2.spdx.json", &inventory.Inventory{
			Source: "busybox-rootfs",
			Layers: none,
			Packages: []inventory.Package{
				{Name: "busybox", Version: "1.36.1-r15", Type: "apk", PURL: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64", Ecosystem: "Alpine", Arch: "x86_64", Licenses: []string{"GPL-2.0-only"}, Layer: -1},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := sbom.ReadFile(filepath.Join("testdata", "foreign", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, got, tt.want)
		})
	}
}

// TestRoundTrip writes each inventory in each JSON format and reads it back:
// every field drydock knows, layers and layer attribution included, must
// come back as it was. All three formats carry all of them (the standards
// through drydock properties and SPDX package comments).
func TestRoundTrip(t *testing.T) {
	inventories := map[string]*inventory.Inventory{
		"sample": sample(),
		"rootfs": rootfs(),
		"empty":  {Source: "oci:./empty"},
		"embedded": {Source: "dir:./rootfs", Layers: []inventory.Layer{{Index: 0, DiffID: "sha256:0e1d"}}, Packages: []inventory.Package{
			{Name: "fzf", Version: "0.38.0-1+b1", Type: inventory.TypeDeb, PURL: "pkg:deb/debian/fzf@0.38.0-1%2Bb1?arch=amd64&distro=debian-12", Ecosystem: "Debian:12", SourceName: "fzf", SourceVersion: "0.38.0-1", Arch: "amd64", Path: "var/lib/dpkg/status", Layer: 0},
			{Name: "stdlib", Version: "1.19.8", Type: inventory.TypeGoStdlib, PURL: "pkg:golang/stdlib@1.19.8", Ecosystem: "Go", Path: "usr/bin/fzf", Owner: "fzf", Layer: 0},
		}},
	}
	for name, inv := range inventories {
		for _, f := range []sbom.Format{sbom.FormatJSON, sbom.FormatCycloneDX, sbom.FormatSPDX} {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				out := write(t, inv, f)
				got, err := sbom.Read(bytes.NewReader(out))
				if err != nil {
					t.Fatalf("Read: %v\n%s", err, out)
				}
				requireEqual(t, got, sorted(inv))
			})
		}
	}
}

// TestRoundTripAcrossFormats converts an SBOM from one format to another
// and back, as `drydock sbom sbom:FILE --format X` does: nothing is lost.
func TestRoundTripAcrossFormats(t *testing.T) {
	formats := []sbom.Format{sbom.FormatCycloneDX, sbom.FormatSPDX, sbom.FormatJSON, sbom.FormatCycloneDX}
	inv := sample()
	for _, f := range formats {
		got, err := sbom.Read(bytes.NewReader(write(t, inv, f)))
		if err != nil {
			t.Fatalf("Read(%s): %v", f, err)
		}
		inv = got
	}
	requireEqual(t, inv, sorted(sample()))
}

// TestReadSPDXDocumentDescribes reads a 2.3 document that names the image
// with documentDescribes rather than a DESCRIBES relationship, as SPDX
// allows: the image must still be found.
func TestReadSPDXDocumentDescribes(t *testing.T) {
	const doc = `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
		"documentNamespace": "https://example.org/app", "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: x"]},
		"documentDescribes": ["SPDXRef-img"],
		"packages": [
			{"SPDXID": "SPDXRef-img", "name": "app", "downloadLocation": "NONE", "primaryPackagePurpose": "CONTAINER",
				"checksums": [{"algorithm": "SHA256", "checksumValue": "ABCDEF"}]},
			{"SPDXID": "SPDXRef-a", "name": "left-pad", "versionInfo": "1.3.0", "downloadLocation": "NONE",
				"externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/left-pad@1.3.0"}]}]}`
	got, err := sbom.Read(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := &inventory.Inventory{
		Source: "app", Name: "app", Digest: "sha256:abcdef", Layers: []inventory.Layer{},
		Packages: []inventory.Package{{Name: "left-pad", Version: "1.3.0", Type: "npm", PURL: "pkg:npm/left-pad@1.3.0", Ecosystem: "npm", Layer: -1}},
	}
	requireEqual(t, got, want)
}
