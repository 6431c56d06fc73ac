package catalog_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// The fixtures below are small files written for these tests in the formats
// the package managers use; the images are built from them in code.

const debianRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`

// dpkgEntry writes one stanza of var/lib/dpkg/status.
func dpkgEntry(name, version, source, status string) string {
	s := "Package: " + name + "\nStatus: " + status + "\nArchitecture: amd64\n"
	if source != "" {
		s += "Source: " + source + "\n"
	}
	return s + "Version: " + version + "\nDescription: " + name + " for a test\n\n"
}

const installed = "install ok installed"

var (
	stBase  = dpkgEntry("base-files", "12.4+deb12u5", "", installed)
	stLibc  = dpkgEntry("libc6", "2.36-9+deb12u4", "glibc", installed)
	stCurl  = dpkgEntry("curl", "7.88.1-10+deb12u5", "", installed)
	stBinNM = dpkgEntry("libfoo1", "1.2-3+b1", "foo (1.2-3)", installed)
	stPyFoo = dpkgEntry("python3-foo", "1.0-1", "foo-py", installed)
	stGone  = dpkgEntry("oldpkg", "0.9-1", "", "deinstall ok config-files")
	stJq    = dpkgEntry("jq", "1.6-2.1", "", installed)
)

func pyMetadata(name, version string) string {
	return "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: test\n"
}

const lockV3 = `{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,
 "packages":{"":{"name":"app","version":"1.0.0","dependencies":{"left-pad":"^1.3.0"}},
 "node_modules/left-pad":{"version":"1.3.0","resolved":"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz","integrity":"sha512-AAAA"}}}`

const lockV1 = `{"name":"legacy","version":"0.1.0","lockfileVersion":1,"requires":true,
 "dependencies":{"lodash":{"version":"4.17.20","resolved":"https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz","integrity":"sha512-BBBB"}}}`

const gemspec = `# -*- encoding: utf-8 -*-
Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "3.0.8"
  s.summary = "a test gem"
end
`

const composerLock = `{"packages":[{"name":"monolog/monolog","version":"2.9.1","dist":{"type":"zip","reference":"f259e2b15fb95494c83f52d3caad003bbf5ffaa1"}}],"packages-dev":[]}`

const composerInstalled = `{"packages":[{"name":"psr/log","version":"3.0.0","license":["MIT"]}],"dev":false,"dev-package-names":[]}`

const depsJSON = `{"runtimeTarget":{"name":".NETCoreApp,Version=v8.0"},
 "targets":{".NETCoreApp,Version=v8.0":{"App/1.0.0":{"dependencies":{"Newtonsoft.Json":"13.0.3"}},"Newtonsoft.Json/13.0.3":{}}},
 "libraries":{"App/1.0.0":{"type":"project","serviceable":false,"sha512":""},
  "Newtonsoft.Json/13.0.3":{"type":"package","serviceable":true,"sha512":"sha512-CCCC","path":"newtonsoft.json/13.0.3"}}}`

// jar builds a Java archive with a pom.properties, as Maven packages them.
func jar(t testing.TB, group, artifact, version string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := []struct{ name, body string }{
		{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: drydock test\r\n\r\n"},
		{"META-INF/maven/" + group + "/" + artifact + "/pom.properties", "groupId=" + group + "\nartifactId=" + artifact + "\nversion=" + version + "\n"},
		{"com/example/Main.class", "not really a class"},
	}
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var (
	goBinOnce sync.Once
	goBin     []byte
	goBinErr  error
)

// goBinary compiles a small Go program with one module dependency using
// the local toolchain, once per test run. It needs no network: GOPROXY=off
// makes the go command take github.com/google/uuid from the module cache,
// where it is because osv-scalibr, which this package builds on, uses it.
func goBinary(t testing.TB) string {
	t.Helper()
	goBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "drydock-gobin-")
		if err != nil {
			goBinErr = err
			return
		}
		defer os.RemoveAll(dir)
		write := func(name, body string) {
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
			}
		}
		write("go.mod", "module example.com/hello\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n")
		write("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/google/uuid\"\n)\n\nfunc main() { fmt.Println(uuid.NewString()) }\n")
		if err != nil {
			goBinErr = err
			return
		}
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", "hello", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			goBinErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		goBin, goBinErr = os.ReadFile(filepath.Join(dir, "hello"))
	})
	if goBinErr != nil {
		t.Fatalf("building the test Go binary: %v", goBinErr)
	}
	return string(goBin)
}

// goVersion is the toolchain's version as buildinfo records it, without "go".
func goVersion() string {
	v, _, _ := strings.Cut(strings.TrimPrefix(runtime.Version(), "go"), " ")
	return v
}

func file(name, body string) imagetest.File { return imagetest.File{Name: name, Body: body} }

func exe(name, body string) imagetest.File {
	return imagetest.File{Name: name, Body: body, Mode: 0o755}
}

func whiteout(name string) imagetest.File {
	dir, base := filepath.Split(name)
	return imagetest.File{Name: dir + ".wh." + base}
}

func opaque(dir string) imagetest.File {
	return imagetest.File{Name: dir + "/.wh..wh..opq"}
}

func symlink(name, target string) imagetest.File {
	return imagetest.File{Name: name, Type: tar.TypeSymlink, Linkname: target}
}

// catalogV1 catalogs a go-containerregistry image through image.FromV1,
// with a fresh cache unless opts say otherwise.
func dir(name string) imagetest.File {
	return imagetest.File{Name: name, Type: tar.TypeDir}
}

func hardlink(name, target string) imagetest.File {
	return imagetest.File{Name: name, Type: tar.TypeLink, Linkname: target}
}

func catalogV1(t testing.TB, img v1.Image, opts ...catalog.Option) *inventory.Inventory {
	t.Helper()
	im, err := image.FromV1(img, "test:image")
	if err != nil {
		t.Fatalf("FromV1: %v", err)
	}
	opts = append([]catalog.Option{catalog.WithCacheDir(t.TempDir())}, opts...)
	inv, err := catalog.Catalog(context.Background(), im, opts...)
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	return inv
}

// pkgKey is what the tables compare: enough to tell a wrong name, version,
// ecosystem, PURL, path or layer apart.
type pkgKey struct {
	Type, Name, Version, Ecosystem, PURL, Path string
	Layer                                      int
}

func keyOf(p inventory.Package) pkgKey {
	return pkgKey{p.Type, p.Name, p.Version, p.Ecosystem, p.PURL, p.Path, p.Layer}
}

func findPkg(inv *inventory.Inventory, typ, name string) *inventory.Package {
	for i := range inv.Packages {
		if inv.Packages[i].Type == typ && inv.Packages[i].Name == name {
			return &inv.Packages[i]
		}
	}
	return nil
}

func names(inv *inventory.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.Type+"/"+p.Name+"@"+p.Version)
	}
	return out
}
