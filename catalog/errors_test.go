package catalog_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
)

func TestBadFilesAreWarningsNotFailures(t *testing.T) {
	img := imagetest.Image(t, imagetest.Step{CreatedBy: "app", Layer: imagetest.Layer(t,
		file("app/package-lock.json", `{"lockfileVersion": 3, "packages": {`),
		file("srv/composer.lock", `not json`),
		file("big/node_modules/huge/package.json", pkgJSON("huge", "1.0.0")+strings.Repeat(" ", 4096)),
		file("ok/node_modules/fine/package.json", pkgJSON("fine", "1.0.0")),
		exe("usr/bin/fake", "\x7fELF this is not really an ELF file"),
	)})
	inv := catalogV1(t, img, catalog.WithMaxFileSize(1024))
	if got := names(inv); len(got) != 1 || got[0] != "npm/fine@1.0.0" {
		t.Errorf("packages: got %v, want [npm/fine@1.0.0]", got)
	}
	for _, want := range []string{"app/package-lock.json", "srv/composer.lock", "big/node_modules/huge/package.json"} {
		found := false
		for _, w := range inv.Warnings {
			if strings.Contains(w, want) && strings.HasPrefix(w, "layer 0 (sha256:") {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning naming layer 0 and %s; got %q", want, inv.Warnings)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	img, err := image.FromV1(imagetest.Image(t, imagetest.Step{CreatedBy: "x", Layer: imagetest.Layer(t, file("a", "b"))}), "test:opts")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opt  catalog.Option
	}{
		{"empty cache dir", catalog.WithCacheDir("")},
		{"zero max file size", catalog.WithMaxFileSize(0)},
		{"negative max file size", catalog.WithMaxFileSize(-1)},
		{"missing temp dir", catalog.WithTempDir("/nonexistent/drydock")},
		{"zero concurrency", catalog.WithConcurrency(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.Catalog(context.Background(), img, tt.opt)
			var oe *catalog.OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("got %v, want an *OptionError", err)
			}
			if !oe.InvalidInput() {
				t.Errorf("InvalidInput() = false, want true")
			}
		})
	}
}

// truncatedBlob is a real layer whose stored blob breaks off halfway, as a
// failed download or a damaged disk leaves it; its config DiffID is the
// good one, so the damage shows only when the layer is read.
type truncatedBlob struct {
	v1.Layer
	blob []byte
}

func (l truncatedBlob) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}

func (l truncatedBlob) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(l.blob))
	return h, err
}

func (l truncatedBlob) Size() (int64, error) { return int64(len(l.blob)), nil }

// A layer whose compressed stream breaks off is an error naming the layer.
func TestBrokenLayerIsAnError(t *testing.T) {
	good := imagetest.Tar(t, file("app/package-lock.json", lockV3), file("pad", strings.Repeat("x", 64<<10)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(good)
	zw.Close()
	gzBytes := gz.Bytes()
	whole, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gzBytes)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	broken := truncatedBlob{Layer: whole, blob: gzBytes[:len(gzBytes)/2]}
	img, err := image.FromV1(imagetest.Image(t,
		imagetest.Step{CreatedBy: "ok", Layer: imagetest.Layer(t, file("etc/os-release", debianRelease))},
		imagetest.Step{CreatedBy: "broken", Layer: broken},
	), "test:broken")
	if err != nil {
		t.Fatal(err)
	}
	_, err = catalog.Catalog(context.Background(), img, catalog.WithoutCache())
	var le *image.LayerError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want an *image.LayerError", err)
	}
	if !strings.Contains(err.Error(), "layer 1") {
		t.Errorf("error %q does not name layer 1", err)
	}
}

func TestCanceledContext(t *testing.T) {
	img, err := image.FromV1(imagetest.Image(t, imagetest.Step{CreatedBy: "x", Layer: imagetest.Layer(t, file("app/package-lock.json", lockV3))}), "test:cancel")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inv, err := catalog.Catalog(ctx, img, catalog.WithoutCache())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, %v; want context.Canceled", inv, err)
	}
}

func TestEmptyImage(t *testing.T) {
	inv := catalogV1(t, imagetest.Image(t, imagetest.Step{CreatedBy: "x", Layer: imagetest.Layer(t, file("hello.txt", "hi"))}))
	if inv.OS != nil || len(inv.Packages) != 0 || inv.Packages == nil || len(inv.Layers) != 1 {
		t.Errorf("got OS %v, packages %v (nil: %v), %d layers; want no OS, an empty non-nil list, 1 layer", inv.OS, inv.Packages, inv.Packages == nil, len(inv.Layers))
	}
	if inv.Source != "test:image" || inv.Digest == "" || inv.Platform != "linux/amd64" || inv.Created == nil {
		t.Errorf("image identity: got source %q digest %q platform %q created %v", inv.Source, inv.Digest, inv.Platform, inv.Created)
	}
}
