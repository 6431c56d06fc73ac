package image_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

func mustFromV1(t *testing.T, img v1.Image) image.Image {
	t.Helper()
	out, err := image.FromV1(img, "test")
	if err != nil {
		t.Fatalf("FromV1: %v", err)
	}
	return out
}

func TestFromV1Metadata(t *testing.T) {
	l0 := imagetest.Layer(t, imagetest.File{Name: "a", Body: "0"})
	l1 := imagetest.Layer(t, imagetest.File{Name: "b", Body: "1"})
	l2 := imagetest.Layer(t, imagetest.File{Name: "c", Body: "2"})
	src := imagetest.Image(t,
		imagetest.Step{Layer: l0, CreatedBy: "ADD rootfs.tar /"},
		imagetest.Step{CreatedBy: "ENV PATH=/bin"},
		imagetest.Step{Layer: l1, CreatedBy: "RUN apt-get install -y curl"},
		imagetest.Step{Layer: l2, CreatedBy: "COPY app /app"},
	)
	img, err := image.FromV1(src, "registry.local:5000/team/app:1.0")
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := src.Digest()
	cfgName, _ := src.ConfigName()
	for _, c := range []struct{ what, got, want string }{
		{"Source", img.Source(), "registry.local:5000/team/app:1.0"},
		{"Name", img.Name(), "registry.local:5000/team/app"},
		{"Digest", img.Digest(), digest.String()},
		{"ConfigDigest", img.ConfigDigest(), cfgName.String()},
		{"Platform", img.Platform(), "linux/amd64"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
	if want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC); !img.Created().Equal(want) {
		t.Errorf("Created: got %v, want %v", img.Created(), want)
	}
	wantBy := []string{"ADD rootfs.tar /", "RUN apt-get install -y curl", "COPY app /app"}
	if len(img.Layers()) != 3 {
		t.Fatalf("got %d layers, want 3", len(img.Layers()))
	}
	for i, l := range img.Layers() {
		src := []v1.Layer{l0, l1, l2}[i]
		diffID, _ := src.DiffID()
		d, _ := src.Digest()
		size, _ := src.Size()
		if l.Index() != i || l.DiffID() != diffID.String() || l.Digest() != d.String() || l.Size() != size || l.CreatedBy() != wantBy[i] {
			t.Errorf("layer %d: got {%d %s %s %d %q}, want {%d %s %s %d %q}", i,
				l.Index(), l.DiffID(), l.Digest(), l.Size(), l.CreatedBy(), i, diffID, d, size, wantBy[i])
		}
	}
	got, err := walkAll(t, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Path != "a" || got[1].Path != "b" || got[2].Body != "2" {
		t.Errorf("walk: got %+v, want a, b, c bottom first", got)
	}
}

func TestFromV1ShortHistory(t *testing.T) {
	src := imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "a"}), CreatedBy: "first"},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "b"}), CreatedBy: "second"},
	)
	cfg, _ := src.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.History = cfg.History[:1]
	src, err := mutate.ConfigFile(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	img := mustFromV1(t, src)
	if got := []string{img.Layers()[0].CreatedBy(), img.Layers()[1].CreatedBy()}; got[0] != "first" || got[1] != "" {
		t.Fatalf("CreatedBy: got %q, want [first \"\"]", got)
	}
}

// tamperedLayer serves other bytes than its digests promise, as a broken or
// malicious source would.
type tamperedLayer struct {
	v1.Layer
	blob []byte
}

func (l tamperedLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}

func TestWalkBrokenLayers(t *testing.T) {
	good := imagetest.Layer(t, imagetest.File{Name: "etc/os-release", Body: strings.Repeat("ID=debian\n", 500)})
	blob, err := good.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := io.ReadAll(blob)
	other := imagetest.Layer(t, imagetest.File{Name: "etc/os-release", Body: "ID=alpine\n"})
	otherRC, _ := other.Compressed()
	otherGz, _ := io.ReadAll(otherRC)

	var regz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&regz, gzip.BestCompression)
	plain, _ := good.Uncompressed()
	io.Copy(zw, plain)
	zw.Close()

	tests := []struct {
		name string
		blob []byte
		want string // in the error message
		is   error  // errors.Is target, nil for none
	}{
		{"truncated gzip", gz[:len(gz)/2], "unexpected EOF", nil},
		{"not gzip not tar", []byte("this is not a layer at all, just some text that is long enough to hold a tar header? no."), "tar entry 0", nil},
		{"other content", otherGz, "blob is", image.ErrDigestMismatch},
		{"same content, other blob", regz.Bytes(), "blob is", image.ErrDigestMismatch},
		{"flipped byte", flip(gz, len(gz)-5), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := image.FromV1(imagetest.Layers(t, tamperedLayer{good, tt.blob}), "oci:/tmp/app")
			if err != nil {
				t.Fatal(err)
			}
			_, err = walkAll(t, img)
			var le *image.LayerError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a *LayerError", err)
			}
			diffID, _ := good.DiffID()
			if le.Index != 0 || le.DiffID != diffID.String() || le.Image != "oci:/tmp/app" || !le.InvalidInput() {
				t.Errorf("got %+v, want layer 0 of oci:/tmp/app with DiffID %s, exit code 2", le, diffID)
			}
			if !strings.Contains(err.Error(), "oci:/tmp/app") || !strings.Contains(err.Error(), "layer 0") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q: want it to name the image, the layer and %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want errors.Is %v", err, tt.is)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

func TestFromV1BadConfig(t *testing.T) {
	src := imagetest.Layers(t, imagetest.Layer(t, imagetest.File{Name: "a"}))
	_, err := image.FromV1(rawConfigImage{src, []byte("{not json")}, "docker-archive:x.tar")
	var ie *image.ImageError
	if !errors.As(err, &ie) || !ie.InvalidInput() || !strings.Contains(err.Error(), "docker-archive:x.tar") || !strings.Contains(err.Error(), "config") {
		t.Fatalf("got %v, want an *ImageError naming the image and its config", err)
	}
}

// rawConfigImage replaces an image's config bytes.
type rawConfigImage struct {
	v1.Image
	raw []byte
}

func (i rawConfigImage) RawConfigFile() ([]byte, error) { return i.raw, nil }
