package catalog_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"cmp"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// debianApp is a four-layer Debian image with one package file of every
// kind drydock reads, and dpkg's status file rewritten by every apt step.
func debianApp(t testing.TB) []imagetest.Step {
	t.Helper()
	return []imagetest.Step{
		{CreatedBy: "ADD rootfs.tar /", Layer: imagetest.Layer(t,
			file("etc/os-release", debianRelease),
			file("var/lib/dpkg/status", stBase+stLibc+stGone),
		)},
		{CreatedBy: "RUN apt-get install -y curl libfoo1 python3-foo", Layer: imagetest.Layer(t,
			file("var/lib/dpkg/status", stBase+stLibc+stGone+stCurl+stBinNM+stPyFoo),
			file("var/lib/dpkg/info/python3-foo.list", "/.\n/usr\n/usr/lib/python3/dist-packages/foo-1.0.dist-info\n/usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA\n"),
			file("usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA", pyMetadata("foo", "1.0")),
		)},
		{CreatedBy: "COPY app /app", Layer: imagetest.Layer(t,
			file("app/package-lock.json", lockV3),
			file("legacy/package-lock.json", lockV1),
			file("app/node_modules/@babel/core/package.json", `{"name":"@babel/core","version":"7.24.0"}`),
			file("usr/local/lib/python3.11/site-packages/bar-2.0.dist-info/METADATA", pyMetadata("bar", "2.0")),
			file("app/lib/demo-1.4.2.jar", jar(t, "com.example", "demo", "1.4.2")),
			file("usr/local/bundle/specifications/rack-3.0.8.gemspec", gemspec),
			file("srv/php/composer.lock", composerLock),
			file("srv/php/vendor/composer/installed.json", composerInstalled),
			file("dotnet/App.deps.json", depsJSON),
			exe("app/server", goBinary(t)),
			exe("app/run.sh", "#!/bin/sh\nexec /app/server\n"),
		)},
		{CreatedBy: "RUN apt-get install -y jq", Layer: imagetest.Layer(t,
			file("var/lib/dpkg/status", stBase+stLibc+stGone+stCurl+stBinNM+stPyFoo+stJq),
		)},
	}
}

func TestCatalogFindsEveryEcosystem(t *testing.T) {
	inv := catalogV1(t, imagetest.Image(t, debianApp(t)...))
	const status = "var/lib/dpkg/status"
	deb := func(name, version, arch string, layer int) pkgKey {
		return pkgKey{inventory.TypeDeb, name, version, "Debian:12",
			"pkg:deb/debian/" + name + "@" + escapePlus(version) + "?arch=" + arch + "&distro=debian-12", status, layer}
	}
	want := []pkgKey{
		deb("base-files", "12.4+deb12u5", "amd64", 0),
		deb("curl", "7.88.1-10+deb12u5", "amd64", 1),
		deb("jq", "1.6-2.1", "amd64", 3),
		deb("libc6", "2.36-9+deb12u4", "amd64", 0),
		deb("libfoo1", "1.2-3+b1", "amd64", 1),
		deb("python3-foo", "1.0-1", "amd64", 1),
		{inventory.TypeDotnet, "App", "1.0.0", "NuGet", "pkg:nuget/App@1.0.0", "dotnet/App.deps.json", 2},
		{inventory.TypeDotnet, "Newtonsoft.Json", "13.0.3", "NuGet", "pkg:nuget/Newtonsoft.Json@13.0.3", "dotnet/App.deps.json", 2},
		{inventory.TypeGem, "rack", "3.0.8", "RubyGems", "pkg:gem/rack@3.0.8", "usr/local/bundle/specifications/rack-3.0.8.gemspec", 2},
		// Built outside a VCS checkout: no version, never "(devel)".
		{inventory.TypeGoModule, "example.com/hello", "", "Go", "pkg:golang/example.com/hello", "app/server", 2},
		// Go module versions keep their "v", as the toolchain writes them.
		{inventory.TypeGoModule, "github.com/google/uuid", "v1.6.0", "Go", "pkg:golang/github.com/google/uuid@v1.6.0", "app/server", 2},
		{inventory.TypeGoStdlib, "stdlib", goVersion(), "Go", "pkg:golang/stdlib@" + goVersion(), "app/server", 2},
		{inventory.TypeJava, "com.example:demo", "1.4.2", "Maven", "pkg:maven/com.example/demo@1.4.2", "app/lib/demo-1.4.2.jar", 2},
		{inventory.TypeNPM, "@babel/core", "7.24.0", "npm", "pkg:npm/%40babel/core@7.24.0", "app/node_modules/@babel/core/package.json", 2},
		{inventory.TypeNPM, "left-pad", "1.3.0", "npm", "pkg:npm/left-pad@1.3.0", "app/package-lock.json", 2},
		{inventory.TypeNPM, "lodash", "4.17.20", "npm", "pkg:npm/lodash@4.17.20", "legacy/package-lock.json", 2},
		{inventory.TypePHP, "monolog/monolog", "2.9.1", "Packagist", "pkg:composer/monolog/monolog@2.9.1", "srv/php/composer.lock", 2},
		{inventory.TypePHP, "psr/log", "3.0.0", "Packagist", "pkg:composer/psr/log@3.0.0", "srv/php/vendor/composer/installed.json", 2},
		{inventory.TypePython, "bar", "2.0", "PyPI", "pkg:pypi/bar@2.0", "usr/local/lib/python3.11/site-packages/bar-2.0.dist-info/METADATA", 2},
	}
	comparePackages(t, inv, want)
	if !slices.IsSortedFunc(inv.Packages, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Path, b.Path))
	}) {
		t.Errorf("packages are not sorted by type, name, version, path: %v", names(inv))
	}

	if len(inv.Warnings) != 0 {
		t.Errorf("warnings: got %q, want none", inv.Warnings)
	}
	if inv.OS == nil || inv.OS.ID != "debian" || inv.OS.VersionID != "12" || inv.OS.Codename != "bookworm" {
		t.Errorf("OS: got %+v, want debian 12 bookworm", inv.OS)
	}
	wantSteps := []string{"ADD rootfs.tar /", "RUN apt-get install -y curl libfoo1 python3-foo", "COPY app /app", "RUN apt-get install -y jq"}
	if len(inv.Layers) != len(wantSteps) {
		t.Fatalf("layers: got %d, want %d", len(inv.Layers), len(wantSteps))
	}
	for i, l := range inv.Layers {
		if l.CreatedBy != wantSteps[i] || l.Index != i || l.DiffID == "" || l.Digest == "" || l.Size == 0 {
			t.Errorf("layer %d: got %+v, want CreatedBy %q with DiffID, Digest and Size", i, l, wantSteps[i])
		}
	}
	if curl := findPkg(inv, inventory.TypeDeb, "curl"); curl != nil {
		if got := inv.LayerOf(curl).CreatedBy; got != wantSteps[1] {
			t.Errorf("curl's build step: got %q, want %q", got, wantSteps[1])
		}
	}
}

func TestDpkgSourcePackages(t *testing.T) {
	inv := catalogV1(t, imagetest.Image(t, debianApp(t)...))
	tests := []struct {
		name                    string
		wantSource, wantVersion string
	}{
		{"libc6", "glibc", "2.36-9+deb12u4"},  // "Source: glibc": same version as the binary
		{"libfoo1", "foo", "1.2-3"},           // binNMU: the source version differs
		{"curl", "curl", "7.88.1-10+deb12u5"}, // no Source field: the package is its own source
	}
	for _, tt := range tests {
		p := findPkg(inv, inventory.TypeDeb, tt.name)
		if p == nil {
			t.Errorf("%s: not found", tt.name)
			continue
		}
		if p.SourceName != tt.wantSource || p.SourceVersion != tt.wantVersion || p.Arch != "amd64" {
			t.Errorf("%s: got source %q %q arch %q, want %q %q amd64", tt.name, p.SourceName, p.SourceVersion, p.Arch, tt.wantSource, tt.wantVersion)
		}
	}
	if p := findPkg(inv, inventory.TypeDeb, "oldpkg"); p != nil {
		t.Errorf("a package in config-files state was reported: %+v", p)
	}
}

// The dpkg-owned dist-info of python3-foo is reported as the deb only; the
// unowned bar in /usr/local is a PyPI package.
func TestOwnedLanguagePackagesAreReportedOnce(t *testing.T) {
	inv := catalogV1(t, imagetest.Image(t, debianApp(t)...))
	if p := findPkg(inv, inventory.TypePython, "foo"); p != nil {
		t.Errorf("dpkg-owned foo reported as PyPI: %+v", p)
	}
	if findPkg(inv, inventory.TypePython, "bar") == nil {
		t.Errorf("unowned bar not reported; got %v", names(inv))
	}
	if findPkg(inv, inventory.TypeDeb, "python3-foo") == nil {
		t.Errorf("python3-foo not reported; got %v", names(inv))
	}
}

func comparePackages(t *testing.T, inv *inventory.Inventory, want []pkgKey) {
	t.Helper()
	got := map[pkgKey]bool{}
	for _, p := range inv.Packages {
		got[keyOf(p)] = true
	}
	wanted := map[pkgKey]bool{}
	for _, w := range want {
		wanted[w] = true
		if !got[w] {
			t.Errorf("missing: want %+v", w)
		}
	}
	for _, p := range inv.Packages {
		if !wanted[keyOf(p)] {
			t.Errorf("unexpected: got %+v", keyOf(p))
		}
	}
	if len(inv.Packages) != len(want) {
		t.Errorf("packages: got %d, want %d", len(inv.Packages), len(want))
	}
}

func escapePlus(v string) string {
	out := ""
	for _, r := range v {
		if r == '+' {
			out += "%2B"
		} else {
			out += string(r)
		}
	}
	return out
}

// zipOf builds a zip archive (a jar, a war, an egg) from name/body pairs.
func zipOf(t testing.TB, files ...[2]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestArchivesAndEggs(t *testing.T) {
	war := zipOf(t,
		[2]string{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"},
		[2]string{"WEB-INF/lib/inner-2.0.jar", jar(t, "com.inner", "inner", "2.0")},
	)
	img := imagetest.Image(t, imagetest.Step{CreatedBy: "COPY", Layer: imagetest.Layer(t,
		file("srv/app.war", war),
		file("usr/lib/python3/site-packages/legacy-0.3-py3.11.egg-info/PKG-INFO", pyMetadata("legacy", "0.3")),
	)})
	inv := catalogV1(t, img)
	if p := findPkg(inv, inventory.TypeJava, "com.inner:inner"); p == nil || p.Version != "2.0" || p.Path != "srv/app.war!/WEB-INF/lib/inner-2.0.jar" || p.PURL != "pkg:maven/com.inner/inner@2.0" {
		t.Errorf("jar nested in a war: got %+v, want com.inner:inner 2.0 in srv/app.war!/WEB-INF/lib/inner-2.0.jar; all: %v", p, names(inv))
	}
	if p := findPkg(inv, inventory.TypePython, "legacy"); p == nil || p.Version != "0.3" {
		t.Errorf("egg-info: got %+v, want legacy 0.3; all: %v", p, names(inv))
	}
}

// A Go binary a deb installed is reported with what it embeds (the Go
// standard library, its modules), each naming the deb as its owner, even
// when dpkg lists /bin/goapp while the file sits at usr/bin/goapp behind
// the /usr merge: the distro files the toolchain's advisories under the
// toolchain's source package, never under the deb that ships the binary.
func TestDistroOwnedGoBinaryEmbeds(t *testing.T) {
	img := imagetest.Image(t,
		imagetest.Step{CreatedBy: "base", Layer: imagetest.Layer(t,
			file("etc/os-release", debianRelease),
			symlink("bin", "usr/bin"),
			file("var/lib/dpkg/status", dpkgEntry("goapp", "1.0-1", "", installed)),
			file("var/lib/dpkg/info/goapp.list", "/bin/goapp\n"),
			exe("usr/bin/goapp", goBinary(t)),
			exe("opt/free/goapp", goBinary(t)),
		)},
	)
	inv := catalogV1(t, img)
	got := map[string]string{} // type/name at path -> owner
	for _, p := range inv.Packages {
		if p.Type == inventory.TypeGoStdlib || p.Type == inventory.TypeGoModule {
			got[p.Type+"/"+p.Name+" "+p.Path] = p.Owner
		}
	}
	want := map[string]string{
		"go-stdlib/stdlib usr/bin/goapp":                  "goapp",
		"go-module/github.com/google/uuid usr/bin/goapp":  "goapp",
		"go-module/example.com/hello usr/bin/goapp":       "goapp",
		"go-stdlib/stdlib opt/free/goapp":                 "",
		"go-module/github.com/google/uuid opt/free/goapp": "",
		"go-module/example.com/hello opt/free/goapp":      "",
	}
	if !maps.Equal(got, want) {
		t.Errorf("Go packages and owners:\n got %v\nwant %v", got, want)
	}
	if p := findPkg(inv, inventory.TypeDeb, "goapp"); p == nil || p.Owner != "" {
		t.Errorf("the deb itself: got %+v, want goapp with no owner", p)
	}
}

// An entry climbing out of the root (a name, a hard link) is an integrity
// finding naming layer, entry and reason; an entry the reader merely cannot
// use (aufs metadata) is a warning; the rest of the layer is still
// cataloged.
func TestSkippedEntriesAreIntegrityFindings(t *testing.T) {
	img := imagetest.Image(t, imagetest.Step{CreatedBy: "base", Layer: imagetest.Layer(t,
		file("etc/hostname", "box\n"),
	)}, imagetest.Step{CreatedBy: "evil", Layer: imagetest.Layer(t,
		file("../../escape/package.json", pkgJSON("evil", "6.6.6")),
		imagetest.File{Name: "srv/link", Type: tar.TypeLink, Linkname: "../../../etc/shadow"},
		file(".wh..wh.aufs", "aufs"),
		file("srv/node_modules/good/package.json", pkgJSON("good", "1.0.0")),
	)})
	inv := catalogV1(t, img)
	if got := names(inv); len(got) != 1 || got[0] != "npm/good@1.0.0" {
		t.Errorf("packages: got %v, want [npm/good@1.0.0]", got)
	}
	want := []inventory.IntegrityFinding{
		{Layer: 1, Entry: "../../escape/package.json", Reason: `tar entry "../../escape/package.json": name leaves the image root`},
		{Layer: 1, Entry: "srv/link", Reason: `tar entry "srv/link": hard link to "../../../etc/shadow" is outside the image`},
	}
	if !slices.Equal(inv.Integrity, want) {
		t.Errorf("integrity: got %+v\nwant %+v", inv.Integrity, want)
	}
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "aufs metadata") {
		t.Errorf("warnings: got %q, want one about the aufs entry", inv.Warnings)
	}
}
