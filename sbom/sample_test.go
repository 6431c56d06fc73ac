package sbom_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// pinned makes CycloneDX and SPDX output reproducible in tests.
var pinned = []sbom.Option{
	sbom.WithTime(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)),
	sbom.WithToolVersion("v0.0.0-test"),
}

const sampleDigest = "sha256:9a1c4d2e0b7f3a5c6d8e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"

// sample is a hand-built inventory with what a real Debian-based
// application image holds: OS packages in the base layer, an OS package a
// build step added, a Go binary, npm and Python packages, a Java archive
// with a free-text license, a package whose layer is unknown, and a warning.
// Its packages are deliberately out of order: writers must sort.
func sample() *inventory.Inventory {
	created := time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC)
	return &inventory.Inventory{
		Source:       "registry.local:5000/team/app:1.2",
		Name:         "registry.local:5000/team/app",
		Digest:       sampleDigest,
		ConfigDigest: "sha256:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
		Platform:     "linux/amd64",
		Created:      &created,
		OS:           &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Layers: []inventory.Layer{
			{Index: 0, DiffID: "sha256:1111111111111111111111111111111111111111111111111111111111111111", Digest: "sha256:aaaa111111111111111111111111111111111111111111111111111111111111", Size: 29125000, CreatedBy: "/bin/sh -c #(nop) ADD file:5d6e in / "},
			{Index: 1, DiffID: "sha256:2222222222222222222222222222222222222222222222222222222222222222", Digest: "sha256:bbbb222222222222222222222222222222222222222222222222222222222222", Size: 9120345, CreatedBy: "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"},
			{Index: 2, DiffID: "sha256:3333333333333333333333333333333333333333333333333333333333333333", Size: 12000111, CreatedBy: "COPY server /app/server # buildkit"},
			{Index: 3, DiffID: "sha256:4444444444444444444444444444444444444444444444444444444444444444", CreatedBy: `RUN /bin/sh -c npm ci && pip install "requests<3"`},
		},
		Packages: []inventory.Package{
			{Name: "requests", Version: "2.31.0", Type: inventory.TypePython, PURL: "pkg:pypi/requests@2.31.0", Ecosystem: "PyPI", Licenses: []string{"Apache-2.0"}, Path: "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", Layer: 3},
			{Name: "curl", Version: "7.88.1-10+deb12u5", Type: inventory.TypeDeb, PURL: "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12", Ecosystem: "Debian:12", SourceName: "curl", SourceVersion: "7.88.1-10+deb12u5", Arch: "amd64", Licenses: []string{"curl"}, Path: "var/lib/dpkg/status", Layer: 1},
			{Name: "libc6", Version: "2.36-9+deb12u4", Type: inventory.TypeDeb, PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", Ecosystem: "Debian:12", SourceName: "glibc", SourceVersion: "2.36-9+deb12u4", Arch: "amd64", Licenses: []string{"GPL-2.0-only", "LGPL-2.1-or-later"}, Path: "var/lib/dpkg/status", Layer: 0},
			{Name: "github.com/sirupsen/logrus", Version: "v1.9.3", Type: inventory.TypeGoModule, PURL: "pkg:golang/github.com/sirupsen/logrus@v1.9.3", Ecosystem: "Go", Path: "app/server", Layer: 2},
			{Name: "stdlib", Version: "1.22.1", Type: inventory.TypeGoStdlib, PURL: "pkg:golang/stdlib@1.22.1", Ecosystem: "Go", Path: "app/server", Layer: 2},
			{Name: "@babel/core", Version: "7.24.0", Type: inventory.TypeNPM, PURL: "pkg:npm/%40babel/core@7.24.0", Ecosystem: "npm", Licenses: []string{"MIT"}, Path: "app/node_modules/@babel/core/package.json", Locations: []string{"app/node_modules/@babel/core/package.json", "app/package-lock.json"}, Layer: 3},
			{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: inventory.TypeJava, PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Ecosystem: "Maven", Licenses: []string{"Apache License, Version 2.0"}, Path: "app/lib/app.jar", Layer: 2},
			{Name: "serde", Version: "1.0.197", Type: inventory.TypeRust, PURL: "pkg:cargo/serde@1.0.197", Ecosystem: "crates.io", Licenses: []string{"MIT OR Apache-2.0"}, Path: "app/bin/tool", Layer: -1},
		},
		Warnings: []string{"usr/lib/big.jar: over the 256 MiB file limit; not read"},
	}
}

// rootfs is an inventory of a dir: source: no digest, no OS, one layer.
func rootfs() *inventory.Inventory {
	return &inventory.Inventory{
		Source: "dir:./rootfs",
		Layers: []inventory.Layer{{Index: 0, DiffID: "sha256:5555555555555555555555555555555555555555555555555555555555555555"}},
		Packages: []inventory.Package{
			{Name: "busybox", Version: "1.36.1-r15", Type: inventory.TypeAPK, PURL: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1", Ecosystem: "Alpine:v3.19", SourceName: "busybox", Arch: "x86_64", Licenses: []string{"GPL-2.0-only"}, Path: "lib/apk/db/installed", Layer: 0},
		},
	}
}

// sorted returns inv as Read returns it: packages in writer order, lists
// never nil.
func sorted(inv *inventory.Inventory) *inventory.Inventory {
	out := *inv
	out.Packages = slices.Clone(inv.Packages)
	slices.SortStableFunc(out.Packages, func(a, b inventory.Package) int {
		for _, c := range []int{strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name), strings.Compare(a.Version, b.Version), strings.Compare(a.Path, b.Path)} {
			if c != 0 {
				return c
			}
		}
		return a.Layer - b.Layer
	})
	if out.Layers == nil {
		out.Layers = []inventory.Layer{}
	}
	if out.Packages == nil {
		out.Packages = []inventory.Package{}
	}
	return &out
}

func write(t *testing.T, inv *inventory.Inventory, f sbom.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sbom.Write(&buf, inv, f, pinned...); err != nil {
		t.Fatalf("Write(%s): %v", f, err)
	}
	return buf.Bytes()
}

// requireEqual compares inventories and, when they differ, shows both as
// JSON, which is easier to read than %#v of nested pointers.
func requireEqual(t *testing.T, got, want *inventory.Inventory) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Fatalf("inventories differ\ngot:\n%s\nwant:\n%s", g, w)
}

// decode parses JSON output into generic values for field checks.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, b)
	}
	return m
}
