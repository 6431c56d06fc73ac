package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// layerSpec is one generated layer: bulk content of about mb megabytes
// around the package files that extra writes.
type layerSpec struct {
	name  string
	mb    int
	extra func(w *layerWriter)
}

// layerWriter streams a gzip-compressed tar to disk, so that generating a
// 500 MB image does not hold it in memory.
type layerWriter struct {
	tw    *tar.Writer
	rng   *rand.Rand
	bytes int64
	n     int
}

func (w *layerWriter) file(name string, mode int64, body []byte) {
	h := &tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}
	if err := w.tw.WriteHeader(h); err != nil {
		panic(err)
	}
	if _, err := w.tw.Write(body); err != nil {
		panic(err)
	}
	w.bytes += int64(len(body))
	w.n++
}

func (w *layerWriter) dir(name string) {
	if err := w.tw.WriteHeader(&tar.Header{Name: name + "/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Unix(1700000000, 0)}); err != nil {
		panic(err)
	}
}

var words = strings.Fields(`the quick brown fox jumps over lazy dog container image layer package
 version library module binary build step registry digest manifest config history archive
 compress stream extract vulnerability advisory release source license install remove update`)

// text is compressible content, like the docs, scripts and sources that
// make up much of a real image.
func (w *layerWriter) text(n int) []byte {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words[w.rng.IntN(len(words))])
		if w.rng.IntN(12) == 0 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	return []byte(b.String()[:n])
}

// random is incompressible content, like compiled code and media.
func (w *layerWriter) random(n int) []byte {
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := w.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// binaryish is like compiled code: 4 KB blocks, about a third of them
// incompressible, so that the whole compresses about as well as the
// executables and libraries of a real image (2-3x).
func (w *layerWriter) binaryish(n int) []byte {
	b := make([]byte, 0, n)
	for len(b) < n {
		k := min(4096, n-len(b))
		if w.rng.IntN(3) == 0 {
			b = append(b, w.random(k)...)
		} else {
			b = append(b, w.text(k)...)
		}
	}
	return b
}

// bulk fills the layer with files of realistic sizes: mostly small text
// files, some medium and a few large binary-like ones.
func (w *layerWriter) bulk(prefix string, target int64) {
	d := 0
	for w.bytes < target {
		if w.n%200 == 0 {
			d++
			w.dir(fmt.Sprintf("%s/d%04d", prefix, d))
		}
		name := fmt.Sprintf("%s/d%04d/f%06d", prefix, d, w.n)
		switch r := w.rng.IntN(100); {
		case r < 70:
			w.file(name+".txt", 0o644, w.text(1024+w.rng.IntN(15*1024)))
		case r < 97:
			w.file(name+".dat", 0o644, w.binaryish(16*1024+w.rng.IntN(128*1024)))
		default:
			w.file(name+".bin", 0o644, w.binaryish(1<<20+w.rng.IntN(6<<20)))
		}
	}
}

// writeLayer writes one layer's blob to dir and returns it as a v1.Layer.
func writeLayer(dir string, seed uint64, spec layerSpec) (v1.Layer, error) {
	name := filepath.Join(dir, spec.name+".tar.gz")
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	w := &layerWriter{tw: tar.NewWriter(zw), rng: rand.New(rand.NewPCG(seed, seed*7+1))}
	w.file("etc/layer-"+spec.name, 0o644, []byte(spec.name))
	if spec.extra != nil {
		spec.extra(w)
	}
	w.bulk("opt/"+spec.name, w.bytes+int64(spec.mb)<<20)
	for _, c := range []io.Closer{w.tw, zw} {
		if err := c.Close(); err != nil {
			return nil, err
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(name)
}

// buildImage stacks layers with a history entry each.
func buildImage(layers []v1.Layer, steps []string) (v1.Image, error) {
	img := empty.Image
	var hist []v1.History
	for i, l := range layers {
		var err error
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
		hist = append(hist, v1.History{CreatedBy: steps[i]})
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.History = "linux", "amd64", hist
	return mutate.ConfigFile(img, cfg)
}

// generate writes images A and B (sharing their three base layers) as an
// OCI layout in dir/oci, A first.
func generate(dir string, scale float64) error {
	blobs := filepath.Join(dir, "blobs-src")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	mb := func(n int) int { return max(1, int(float64(n)*scale)) }
	specs := []layerSpec{
		{"base", mb(200), debianBase},
		{"runtime", mb(150), debianRuntime},
		{"deps", mb(100), appDeps},
		{"appA", mb(30), appBinaries},
		{"appB", mb(30), appBinaries},
	}
	layers := make([]v1.Layer, len(specs))
	for i, s := range specs {
		var err error
		if layers[i], err = writeLayer(blobs, uint64(i+1), s); err != nil {
			return fmt.Errorf("layer %s: %w", s.name, err)
		}
	}
	steps := []string{"ADD rootfs.tar /", "RUN apt-get install -y python3 nodejs", "RUN npm ci && pip install -r requirements.txt", "COPY app /app"}
	a, err := buildImage(layers[:4], steps)
	if err != nil {
		return err
	}
	b, err := buildImage([]v1.Layer{layers[0], layers[1], layers[2], layers[4]}, steps)
	if err != nil {
		return err
	}
	p, err := layout.Write(filepath.Join(dir, "oci"), empty.Index)
	if err != nil {
		return err
	}
	for _, img := range []v1.Image{a, b} {
		if err := p.AppendImage(img); err != nil {
			return err
		}
	}
	return os.RemoveAll(blobs)
}
