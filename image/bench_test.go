package image_test

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
)

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work, it moves much less than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs body b.N times and reports CPU milliseconds per op beside the
// wall time.
func loop(b *testing.B, body func()) {
	b.Helper()
	start := cpuTime()
	n := 0
	for b.Loop() {
		body()
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(n)/1e6, "cpu-ms/op")
}

// benchLayer is a gzip layer of about 64 MiB of text-like files that
// compress about 3:1, like a distribution's /usr.
func benchLayer(b *testing.B) (v1.Layer, []byte) {
	b.Helper()
	benchOnce.Do(func() { benchL, benchBlob = makeBenchLayer(b) })
	return benchL, benchBlob
}

// The layer is made once per process: making it costs more than walking it.
var (
	benchOnce sync.Once
	benchL    v1.Layer
	benchBlob []byte
)

func makeBenchLayer(b *testing.B) (v1.Layer, []byte) {
	words := strings.Fields("the quick brown fox jumps over lazy dog lib usr bin share doc debian package " +
		"version license copyright 0 1 2 3 4 5 6 7 8 9 amd64 arm64 x86_64 elf section header symbol")
	r := rand.New(rand.NewSource(1))
	var files []imagetest.File
	for i := 0; i < 2048; i++ {
		var sb strings.Builder
		for sb.Len() < 32<<10 {
			sb.WriteString(words[r.Intn(len(words))])
			sb.WriteByte(" \n"[r.Intn(2)])
			if r.Intn(8) == 0 {
				fmt.Fprintf(&sb, "%x", r.Uint64())
			}
		}
		files = append(files, imagetest.File{Name: fmt.Sprintf("usr/share/f%04d", i), Body: sb.String()})
	}
	l := imagetest.Layer(b, files...)
	rc, err := l.Compressed()
	if err != nil {
		b.Fatal(err)
	}
	blob, err := io.ReadAll(rc)
	if err != nil {
		b.Fatal(err)
	}
	return l, blob
}

// BenchmarkDecompressStdlib is the baseline: gunzip the blob with the
// standard library, as go-containerregistry's Uncompressed does.
func BenchmarkDecompressStdlib(b *testing.B) {
	_, blob := benchLayer(b)
	b.SetBytes(int64(len(blob)))
	loop(b, func() {
		zr, err := stdgzip.NewReader(bytes.NewReader(blob))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkDecompressKlauspost is the same with the gzip the walk uses.
func BenchmarkDecompressKlauspost(b *testing.B) {
	_, blob := benchLayer(b)
	b.SetBytes(int64(len(blob)))
	loop(b, func() {
		zr, err := gzip.NewReader(bytes.NewReader(blob))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkWalk walks the layer, checking both digests, reading no file.
func BenchmarkWalk(b *testing.B) {
	l, blob := benchLayer(b)
	img, err := image.FromV1(imagetest.Layers(b, l), "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(blob)))
	loop(b, func() {
		n := 0
		if err := img.Layers()[0].Walk(context.Background(), func(*image.Entry) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 2048 {
			b.Fatalf("got %d entries, want 2048", n)
		}
	})
}

// BenchmarkWalkRead walks the layer and reads every file, as a catalog
// that looked at everything would.
func BenchmarkWalkRead(b *testing.B) {
	l, blob := benchLayer(b)
	img, err := image.FromV1(imagetest.Layers(b, l), "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(blob)))
	loop(b, func() {
		if err := img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
			if e.Reader != nil {
				_, err := io.Copy(io.Discard, e.Reader)
				return err
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	})
}
