package catalog_test

import (
	"archive/tar"
	"slices"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

func pkgJSON(name, version string) string {
	return `{"name":"` + name + `","version":"` + version + `"}`
}

// TestMergeLayers checks overlay semantics on package files: what a later
// layer deletes, hides or replaces is not reported, and what survives keeps
// the layer that introduced it.
func TestMergeLayers(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]imagetest.File
		want   []string // type/name@version:layer, sorted
	}{{
		name: "whiteout deletes a package file",
		layers: [][]imagetest.File{
			{file("app/package-lock.json", lockV3), file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
			{whiteout("app/package-lock.json")},
		},
		want: []string{"npm/a@1.0.0:0"},
	}, {
		name: "whiteout of a directory deletes everything below it",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0")), file("srv/node_modules/b/package.json", pkgJSON("b", "2.0.0"))},
			{whiteout("srv/node_modules")},
		},
		want: nil,
	}, {
		name: "opaque directory hides lower content but keeps its own",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0")), file("other/package.json", pkgJSON("o", "1.0.0"))},
			{opaque("srv/node_modules"), file("srv/node_modules/b/package.json", pkgJSON("b", "2.0.0"))},
		},
		want: []string{"npm/b@2.0.0:1", "npm/o@1.0.0:0"},
	}, {
		name: "a file recreated after its deletion belongs to the new layer",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
			{whiteout("srv/node_modules/a")},
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
		},
		want: []string{"npm/a@1.0.0:2"},
	}, {
		name: "an upgrade in a later layer is attributed to that layer",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.1"))},
		},
		want: []string{"npm/a@1.0.1:1"},
	}, {
		name: "a package kept across rewrites keeps its first layer",
		layers: [][]imagetest.File{
			{file("var/lib/dpkg/status", stBase)},
			{file("var/lib/dpkg/status", stBase+stCurl)},
			{file("etc/motd", "hello")},
			{file("var/lib/dpkg/status", stBase+stCurl+stJq)},
			{file("var/lib/dpkg/status", stBase+stJq)},
		},
		want: []string{"deb/base-files@12.4+deb12u5:0", "deb/jq@1.6-2.1:3"},
	}, {
		name: "a package removed and reinstalled counts from the reinstall",
		layers: [][]imagetest.File{
			{file("var/lib/dpkg/status", stBase+stCurl)},
			{file("var/lib/dpkg/status", stBase)},
			{file("var/lib/dpkg/status", stBase+stCurl)},
		},
		want: []string{"deb/base-files@12.4+deb12u5:0", "deb/curl@7.88.1-10+deb12u5:2"},
	}, {
		name: "a symlink replacing a package file hides it",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
			{symlink("srv/node_modules/a/package.json", "/elsewhere/package.json")},
		},
		want: nil,
	}, {
		name: "a hard link to a package file is a package file",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0")),
				{Name: "opt/node_modules/b/package.json", Type: tar.TypeLink, Linkname: "srv/node_modules/a/package.json"}},
		},
		want: []string{"npm/a@1.0.0:0", "npm/a@1.0.0:0"},
	}, {
		name: "a directory replacing a package file hides it",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0")), file("srv/node_modules/b/package.json", pkgJSON("b", "2.0.0"))},
			{dir("srv/node_modules/a/package.json")},
		},
		want: []string{"npm/b@2.0.0:0"},
	}, {
		name: "an entry below a package file's path means it became a directory",
		layers: [][]imagetest.File{
			{file("app/package-lock.json", lockV3)},
			{file("app/package-lock.json/README", "not a lockfile any more")},
		},
		want: nil,
	}, {
		name: "a symlink replacing a Go binary hides it",
		layers: [][]imagetest.File{
			{exe("usr/local/bin/app", goBinary(t))},
			{symlink("usr/local/bin/app", "/opt/app")},
		},
		want: nil,
	}, {
		name: "a device replacing a Go binary hides it",
		layers: [][]imagetest.File{
			{exe("usr/local/bin/app", goBinary(t))},
			{{Name: "usr/local/bin/app", Type: tar.TypeFifo}},
		},
		want: nil,
	}, {
		name: "a symlink replacing a directory hides the package files below it",
		layers: [][]imagetest.File{
			{file("usr/lib/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
			{symlink("usr/lib/node_modules", "/opt/node_modules")},
		},
		want: nil,
	}, {
		name: "a file replacing a directory hides the package files below it",
		layers: [][]imagetest.File{
			{file("opt/tool/package.json", pkgJSON("a", "1.0.0"))},
			{exe("opt/tool", "#!/bin/sh\n")},
		},
		want: nil,
	}, {
		name: "a hard link to a lower layer's package file is a package file of the linking layer",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0"))},
			{hardlink("opt/node_modules/b/package.json", "srv/node_modules/a/package.json")},
		},
		want: []string{"npm/a@1.0.0:0", "npm/a@1.0.0:1"},
	}, {
		name: "a hard link keeps the layer of the same package already at its path",
		layers: [][]imagetest.File{
			{file("srv/node_modules/a/package.json", pkgJSON("a", "1.0.0")), file("opt/node_modules/b/package.json", pkgJSON("a", "1.0.0"))},
			{hardlink("opt/node_modules/b/package.json", "srv/node_modules/a/package.json")},
		},
		want: []string{"npm/a@1.0.0:0", "npm/a@1.0.0:0"},
	}, {
		name: "a hard link to a lower jar under a jar's name is that jar",
		layers: [][]imagetest.File{
			{file("usr/share/java/lib.jar", jar(t, "org.example", "lib", "1.2.3"))},
			{hardlink("opt/app/lib/lib.jar", "usr/share/java/lib.jar")},
		},
		want: []string{"java/org.example:lib@1.2.3:0", "java/org.example:lib@1.2.3:1"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var layers []imagetest.Step
			for i, files := range tt.layers {
				layers = append(layers, imagetest.Step{Layer: imagetest.Layer(t, files...), CreatedBy: "step " + string(rune('0'+i))})
			}
			inv := catalogV1(t, imagetest.Image(t, layers...))
			var got []string
			for _, p := range inv.Packages {
				got = append(got, p.Type+"/"+p.Name+"@"+p.Version+":"+string(rune('0'+p.Layer)))
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDistrolessStatusD(t *testing.T) {
	img := imagetest.Image(t,
		imagetest.Step{CreatedBy: "distroless base", Layer: imagetest.Layer(t,
			file("etc/os-release", debianRelease),
			file("var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nMaintainer: GNU Libc Maintainers\nDescription: time zone data\n"),
			file("var/lib/dpkg/status.d/tzdata.md5sums", "0123456789abcdef0123456789abcdef  usr/share/zoneinfo/UTC\n"),
			file("var/lib/dpkg/status.d/libssl3", "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\nDescription: ssl\n"),
		)},
		imagetest.Step{CreatedBy: "COPY app", Layer: imagetest.Layer(t,
			// Owned by tzdata per its md5sums: not a PyPI package.
			file("usr/share/zoneinfo/UTC", "TZif"),
			file("usr/lib/python3/dist-packages/tzdata-1.0.dist-info/METADATA", pyMetadata("tzdata", "1.0")),
		)},
	)
	inv := catalogV1(t, img)
	want := []pkgKey{
		{inventory.TypeDeb, "libssl3", "3.0.11-1~deb12u2", "Debian:12", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", "var/lib/dpkg/status.d/libssl3", 0},
		{inventory.TypeDeb, "tzdata", "2024a-0+deb12u1", "Debian:12", "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12", "var/lib/dpkg/status.d/tzdata", 0},
		{inventory.TypePython, "tzdata", "1.0", "PyPI", "pkg:pypi/tzdata@1.0", "usr/lib/python3/dist-packages/tzdata-1.0.dist-info/METADATA", 1},
	}
	comparePackages(t, inv, want)
	if p := findPkg(inv, inventory.TypeDeb, "libssl3"); p == nil || p.SourceName != "openssl" || p.SourceVersion != "3.0.11-1~deb12u2" {
		t.Errorf("libssl3 source: got %+v, want openssl 3.0.11-1~deb12u2", p)
	}
}

const alpineRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
`

const apkInstalled = `C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
L:MIT
o:musl
m:Natanael Copa
F:lib
R:ld-musl-x86_64.so.1

C:Q1def=
P:py3-six
V:1.16.0-r8
A:noarch
L:MIT
o:py3-six
F:usr/lib/python3.11/site-packages/six-1.16.0.dist-info
R:METADATA
R:RECORD

`

func TestAlpine(t *testing.T) {
	img := imagetest.Image(t,
		imagetest.Step{CreatedBy: "ADD alpine", Layer: imagetest.Layer(t,
			file("etc/os-release", alpineRelease),
			file("lib/apk/db/installed", apkInstalled),
			file("usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA", pyMetadata("six", "1.16.0")),
			file("usr/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA", pyMetadata("pip", "23.0")),
		)},
	)
	inv := catalogV1(t, img)
	want := []pkgKey{
		{inventory.TypeAPK, "musl", "1.2.4_git20230717-r4", "Alpine:v3.19", "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1", "lib/apk/db/installed", 0},
		{inventory.TypeAPK, "py3-six", "1.16.0-r8", "Alpine:v3.19", "pkg:apk/alpine/py3-six@1.16.0-r8?arch=noarch&distro=alpine-3.19.1", "lib/apk/db/installed", 0},
		{inventory.TypePython, "pip", "23.0", "PyPI", "pkg:pypi/pip@23.0", "usr/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA", 0},
	}
	comparePackages(t, inv, want)
	if p := findPkg(inv, inventory.TypeAPK, "musl"); p == nil || p.SourceName != "musl" || p.SourceVersion != "1.2.4_git20230717-r4" || !slices.Equal(p.Licenses, []string{"MIT"}) {
		t.Errorf("musl: got %+v, want origin musl and license MIT", p)
	}
	if inv.OS == nil || inv.OS.ID != "alpine" || inv.OS.VersionID != "3.19.1" {
		t.Errorf("OS: got %+v, want alpine 3.19.1", inv.OS)
	}
}
