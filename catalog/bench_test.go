package catalog_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
)

// benchImage is a four-layer image of about 8 MB: a Debian base with its
// dpkg database and file lists, runtime packages, node_modules and a Go
// binary, among filler files of text and random bytes. bench/scan.sh
// measures the same kind of image at 500 MB.
func benchImage(b *testing.B) v1.Image {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	filler := func(prefix string, n int) []imagetest.File {
		var out []imagetest.File
		for i := 0; i < n; i++ {
			body := make([]byte, 2048+rng.IntN(8192))
			for j := range body {
				if i%3 == 0 {
					body[j] = byte(rng.Uint32())
				} else {
					body[j] = "abcdefgh \n"[rng.IntN(10)]
				}
			}
			out = append(out, file(fmt.Sprintf("%s/f%05d", prefix, i), string(body)))
		}
		return out
	}
	var status strings.Builder
	var base []imagetest.File
	for i := 0; i < 300; i++ {
		status.WriteString(dpkgEntry(fmt.Sprintf("pkg%d", i), fmt.Sprintf("1.%d-1", i), fmt.Sprintf("src%d", i/3), installed))
		base = append(base, file(fmt.Sprintf("var/lib/dpkg/info/pkg%d.list", i), fmt.Sprintf("/usr/share/doc/pkg%d/a\n/usr/share/doc/pkg%d/b\n", i, i)))
	}
	base = append(base, file("etc/os-release", debianRelease), file("var/lib/dpkg/status", status.String()))
	var node []imagetest.File
	for i := 0; i < 300; i++ {
		node = append(node, file(fmt.Sprintf("app/node_modules/d%d/package.json", i), pkgJSON(fmt.Sprintf("d%d", i), "1.0.0")))
	}
	return imagetest.Image(b,
		imagetest.Step{CreatedBy: "base", Layer: gzLayer(b, append(base, filler("usr/share/base", 300)...)...)},
		imagetest.Step{CreatedBy: "runtime", Layer: gzLayer(b, append(filler("usr/lib/rt", 300), file("var/lib/dpkg/status", status.String()+stCurl))...)},
		imagetest.Step{CreatedBy: "deps", Layer: gzLayer(b, append(node, filler("app/assets", 200)...)...)},
		imagetest.Step{CreatedBy: "app", Layer: gzLayer(b, exe("app/server", goBinary(b)), file("app/package-lock.json", lockV3))},
	)
}

// gzLayer compresses the layer once, as a stored layer is, so that the
// benchmark measures reading it and not compressing it.
func gzLayer(b *testing.B, files ...imagetest.File) v1.Layer {
	b.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(imagetest.Tar(b, files...))
	zw.Close()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func benchCatalog(b *testing.B, img image.Image, opts ...catalog.Option) {
	b.Helper()
	inv, err := catalog.Catalog(context.Background(), img, opts...)
	if err != nil {
		b.Fatal(err)
	}
	if len(inv.Packages) < 600 {
		b.Fatalf("packages: got %d, want at least 600", len(inv.Packages))
	}
}

// BenchmarkCatalogCold reads every layer (no cache).
func BenchmarkCatalogCold(b *testing.B) {
	img, err := image.FromV1(benchImage(b), "bench:cold")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		benchCatalog(b, img, catalog.WithoutCache())
	}
}

// BenchmarkCatalogWarm catalogs an image whose layers are all cached.
func BenchmarkCatalogWarm(b *testing.B) {
	img, err := image.FromV1(benchImage(b), "bench:warm")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	benchCatalog(b, img, catalog.WithCacheDir(dir))
	b.ResetTimer()
	for b.Loop() {
		benchCatalog(b, img, catalog.WithCacheDir(dir))
	}
}

// BenchmarkCatalogSharedBase catalogs an image whose three base layers are
// cached and whose top layer is new: the registry's common case.
func BenchmarkCatalogSharedBase(b *testing.B) {
	v1img := benchImage(b)
	img, err := image.FromV1(v1img, "bench:shared")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	benchCatalog(b, img, catalog.WithCacheDir(dir))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		// Only the top layer's entry goes: the next run reads that layer.
		top := img.Layers()[len(img.Layers())-1].DiffID()
		removeCacheEntry(b, dir, top)
		b.StartTimer()
		benchCatalog(b, img, catalog.WithCacheDir(dir))
	}
}

// removeCacheEntry deletes the cache file named after diffID's hex digest,
// wherever the cache keeps it.
func removeCacheEntry(b *testing.B, dir, diffID string) {
	b.Helper()
	_, hex, _ := strings.Cut(diffID, ":")
	removed := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), hex) {
			if os.Remove(p) == nil {
				removed++
			}
		}
		return nil
	})
	if removed != 1 {
		b.Fatalf("removed %d cache entries for %s, want 1", removed, diffID)
	}
}
