// Package imagetest builds small images and deliberately broken layers in
// code, for the tests of drydock's packages that read images. Nothing here
// touches the network; everything is a real go-containerregistry image.
package imagetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// File is one tar entry. Type defaults to a regular file (tar.TypeReg).
type File struct {
	Name     string
	Type     byte
	Body     string
	Linkname string
	Mode     int64 // default 0644 for files, 0755 for directories
}

// Tar returns the bytes of a tar archive holding files, in order.
func Tar(t testing.TB, files ...File) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name:     f.Name,
			Typeflag: f.Type,
			Linkname: f.Linkname,
			Mode:     f.Mode,
			ModTime:  time.Unix(1700000000, 0),
			Format:   tar.FormatPAX,
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.Body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("imagetest: tar header %q: %v", f.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, f.Body); err != nil {
				t.Fatalf("imagetest: tar body %q: %v", f.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatalf("imagetest: closing tar: %v", err)
	}
	return buf.Bytes()
}

// Layer returns a gzip-compressed layer holding files. Its blob is
// compressed once, so that reading it costs what reading a stored layer
// costs.
func Layer(t testing.TB, files ...File) v1.Layer {
	t.Helper()
	return Blob(t, Gzip(t, Tar(t, files...)))
}

// Gzip compresses b at the default level, as docker and buildkit do.
func Gzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatalf("imagetest: gzip: %v", err)
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("imagetest: gzip: %v", err)
	}
	return buf.Bytes()
}

// Blob returns a layer whose stored blob is b, compressed or not.
func Blob(t testing.TB, b []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
	if err != nil {
		t.Fatalf("imagetest: layer: %v", err)
	}
	return l
}

// Step is a layer with the build step that made it; a Step with a nil
// Layer is a history entry that made no layer (ENV, CMD, …).
type Step struct {
	Layer     v1.Layer
	CreatedBy string
}

// Image returns a linux/amd64 image made of steps, bottom first, created at
// a fixed time.
func Image(t testing.TB, steps ...Step) v1.Image {
	t.Helper()
	img := empty.Image
	var err error
	var history []v1.History
	for _, s := range steps {
		if s.Layer == nil {
			history = append(history, v1.History{CreatedBy: s.CreatedBy, EmptyLayer: true})
			continue
		}
		img, err = mutate.AppendLayers(img, s.Layer)
		if err != nil {
			t.Fatalf("imagetest: appending layer: %v", err)
		}
		history = append(history, v1.History{CreatedBy: s.CreatedBy})
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatalf("imagetest: config: %v", err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Created = v1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cfg.History = history
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatalf("imagetest: setting config: %v", err)
	}
	return img
}

// Layers is Image with one layer per argument and a "RUN step N" history.
func Layers(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	steps := make([]Step, len(layers))
	for i, l := range layers {
		steps[i] = Step{Layer: l, CreatedBy: "RUN step " + strconv.Itoa(i)}
	}
	return Image(t, steps...)
}

// Stored is a layer whose blob is read from Open and whose digests are
// stated rather than computed: for blobs too big to hash twice in a test,
// or whose stated digests are meant to be wrong. It is a real v1.Layer,
// not a mock: go-containerregistry's own static layer works the same way,
// but needs the blob in memory.
type Stored struct {
	Open   func() (io.ReadCloser, error)
	Blob   v1.Hash // digest of what Open returns
	Diff   v1.Hash // digest of its uncompressed content
	Length int64   // size of what Open returns
}

var _ v1.Layer = (*Stored)(nil)

// FileLayer is a Stored layer read from a file.
func FileLayer(path string, blob, diff v1.Hash) (*Stored, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &Stored{
		Open:   func() (io.ReadCloser, error) { return os.Open(path) },
		Blob:   blob,
		Diff:   diff,
		Length: fi.Size(),
	}, nil
}

func (s *Stored) Digest() (v1.Hash, error)             { return s.Blob, nil }
func (s *Stored) DiffID() (v1.Hash, error)             { return s.Diff, nil }
func (s *Stored) Compressed() (io.ReadCloser, error)   { return s.Open() }
func (s *Stored) Size() (int64, error)                 { return s.Length, nil }
func (s *Stored) MediaType() (types.MediaType, error)  { return types.OCILayer, nil }
func (s *Stored) Uncompressed() (io.ReadCloser, error) { return nil, errUncompressed }

var errUncompressed = errors.New("imagetest: a Stored layer gives only its stored blob")

// LayoutDir writes img into a new OCI layout folder and returns the folder.
func LayoutDir(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}
