package image_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/image/internal/corpus"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// heapPeak samples the heap in use until stop is called and returns the
// peak above what was in use when it started.
func heapPeak(t *testing.T) (stop func() uint64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if peak < base {
			return 0
		}
		return peak - base
	}
}

// TestGzipBomb walks a 2 GiB layer of zeros stored in about 2 MiB: the
// walk must stop at the ratio limit, soon after 256 MiB, with bounded memory.
func TestGzipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 256 MiB")
	}
	file := filepath.Join(t.TempDir(), "bomb.gz")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := corpus.GzipBomb(io.MultiWriter(f, h), 2<<30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	blob := v1.Hash{Algorithm: "sha256", Hex: hexOf(h.Sum(nil))}
	// The DiffID is not computed (that would take hashing 2 GiB); the walk
	// must stop before it gets to compare it.
	diff := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}
	l, err := imagetest.FileLayer(file, blob, diff)
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.FromV1(imagetest.Layers(t, l), "docker-archive:bomb.tar")
	if err != nil {
		t.Fatal(err)
	}
	stop := heapPeak(t)
	var seen []string
	err = img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
		seen = append(seen, e.Path)
		return nil // the file's content is skipped, which still decompresses it
	})
	grew := stop()
	var le *image.LayerError
	if !errors.As(err, &le) || !errors.Is(err, image.ErrLimit) || !strings.Contains(err.Error(), "ratio over 100:1") || !strings.Contains(err.Error(), "docker-archive:bomb.tar") {
		t.Fatalf("got %v, want a LayerError naming the image and the 100:1 ratio", err)
	}
	if len(seen) != 1 || seen[0] != "zeros" {
		t.Errorf("entries: got %v, want [zeros]", seen)
	}
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB walking a bomb, want under 32 MiB", grew>>20)
	}
}

// TestMillionEntries walks a streamed layer of a million files: it must
// complete, with memory that does not grow with the entries.
func TestMillionEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a million entries")
	}
	const n = 1_000_000
	h := sha256.New()
	if err := corpus.ManyEntries(h, n); err != nil {
		t.Fatal(err)
	}
	diff := v1.Hash{Algorithm: "sha256", Hex: hexOf(h.Sum(nil))}
	l := &imagetest.Stored{
		// Generated again on each open, through a pipe: never on disk,
		// never whole in memory.
		Open: func() (io.ReadCloser, error) {
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(corpus.ManyEntries(pw, n)) }()
			return pr, nil
		},
		Blob: diff, // a plain tar blob's digest is its DiffID
		Diff: diff,
	}
	img, err := image.FromV1(imagetest.Layers(t, l), "oci:many")
	if err != nil {
		t.Fatal(err)
	}
	stop := heapPeak(t)
	count := 0
	err = img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
		if e.Type == image.TypeFile {
			count++
		}
		return nil
	})
	grew := stop()
	if err != nil || count != n {
		t.Fatalf("got %d files, %v; want %d and no error", count, err, n)
	}
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB over a million entries, want under 32 MiB", grew>>20)
	}
}

func TestLayerLimits(t *testing.T) {
	files := []imagetest.File{
		{Name: "a", Body: strings.Repeat("a", 4096)},
		{Name: "b", Body: strings.Repeat("b", 4096)},
		{Name: "c", Body: "c"},
	}
	tests := []struct {
		name   string
		limits image.Limits
		want   string
	}{
		{"entries", image.Limits{MaxEntries: 2}, "more than 2 entries"},
		{"bytes", image.Limits{MaxLayerBytes: 6000}, "more than 6000 uncompressed bytes"},
		{"ratio", image.Limits{MaxRatio: 2, RatioAfter: 1024}, "ratio over 2:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := image.FromV1(imagetest.Layers(t, imagetest.Layer(t, files...)), "test", image.WithLimits(tt.limits))
			if err != nil {
				t.Fatal(err)
			}
			_, err = walkAll(t, img)
			if !errors.Is(err, image.ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrLimit saying %q", err, tt.want)
			}
		})
	}
	if _, err := image.FromV1(imagetest.Layers(t), "test", image.WithLimits(image.Limits{MaxEntries: -1})); err == nil {
		t.Error("negative limit: got no error, want one")
	}
}

// TestHugeFile: a file over the per-file limit reads as ErrTooLarge, and
// the entries after it still walk.
func TestHugeFile(t *testing.T) {
	big := strings.Repeat("\x7fELF", 1<<20) // 4 MiB
	img, err := image.FromV1(imagetest.Layers(t, imagetest.Layer(t,
		imagetest.File{Name: "usr/bin/huge", Body: big},
		imagetest.File{Name: "etc/os-release", Body: "ID=debian\n"},
	)), "test", image.WithLimits(image.Limits{MaxFileSize: 1 << 20}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = walkAll(t, img)
	if !errors.Is(err, image.ErrTooLarge) || !strings.Contains(err.Error(), "usr/bin/huge") {
		t.Fatalf("got %v, want ErrTooLarge naming usr/bin/huge", err)
	}
	var after []string
	err = img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
		if _, err := io.Copy(io.Discard, e.Reader); err != nil && !errors.Is(err, image.ErrTooLarge) {
			return err
		}
		after = append(after, e.Path)
		return nil
	})
	if err != nil || len(after) != 2 {
		t.Fatalf("got %v, %v; want both entries walked", after, err)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
