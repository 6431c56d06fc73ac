package catalog_test

import (
	"slices"
	"testing"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image/imagetest"
)

// fuzzPaths are the files whose parsers are ours or whose content reaches
// ours (os-release, dpkg and apk ownership lists, composer's installed.json)
// plus the databases scalibr parses for us, which must not take the image
// down with them either.
var fuzzPaths = []string{
	"etc/os-release",
	"var/lib/dpkg/status",
	"var/lib/dpkg/info/libfoo.list",
	"var/lib/dpkg/status.d/foo",
	"lib/apk/db/installed",
	"vendor/composer/installed.json",
	"app/package-lock.json",
	"app/app.deps.json",
	"usr/lib/python3/site-packages/foo-1.0.dist-info/METADATA",
}

// FuzzPackageFiles puts the same hostile bytes in every package file of a
// one-layer image: the catalog must finish without an error (a bad file is a
// warning, never the end of the image), and whatever it reports must come
// from those files.
func FuzzPackageFiles(f *testing.F) {
	f.Add([]byte("Package: foo\nStatus: install ok installed\nVersion: 1.0\nSource: bar (2.0)\n\n"))
	f.Add([]byte("P:musl\nV:1.2.4-r2\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\n"))
	f.Add([]byte(`{"packages":[{"name":"monolog/monolog","version":"3.5.0"}]}`))
	f.Add([]byte(`ID=debian` + "\n" + `VERSION_ID="12"` + "\n"))
	f.Add([]byte("/usr/lib/python3/site-packages/foo-1.0.dist-info/METADATA\n/./..//\n"))
	f.Add([]byte(`{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1"}}}`))
	f.Add([]byte{0xff, 0xfe, 0, 0, '\n', ':', ':'})
	f.Fuzz(func(t *testing.T, body []byte) {
		files := make([]imagetest.File, 0, len(fuzzPaths))
		for _, p := range fuzzPaths {
			files = append(files, imagetest.File{Name: p, Body: string(body)})
		}
		img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t, files...), CreatedBy: "fuzz"})
		inv := catalogV1(t, img, catalog.WithoutCache())
		for _, p := range inv.Packages {
			if !slices.Contains(fuzzPaths, p.Path) {
				t.Errorf("package %s@%s from %q, a file the image does not have", p.Name, p.Version, p.Path)
			}
			if p.Layer != 0 {
				t.Errorf("package %s in layer %d of a one-layer image", p.Name, p.Layer)
			}
		}
	})
}
