package corpus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// TestGzipBomb checks that the repeated-block stream is valid gzip (the
// standard library checks its CRC and size) holding the promised tar.
func TestGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	total, err := GzipBomb(&buf, 3<<20)
	if err != nil {
		t.Fatal(err)
	}
	if total != 3<<20 {
		t.Fatalf("total: got %d, want %d", total, 3<<20)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decompressing: %v", err)
	}
	if int64(len(plain)) != total {
		t.Fatalf("decompressed %d bytes, want %d", len(plain), total)
	}
	tr := tar.NewReader(bytes.NewReader(plain))
	h, err := tr.Next()
	if err != nil || h.Name != "zeros" || h.Size != total-3*512 {
		t.Fatalf("got %+v, %v; want zeros of %d bytes", h, err, total-3*512)
	}
	if _, err := io.Copy(io.Discard, tr); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Fatalf("after zeros: got %v, want io.EOF", err)
	}
}

func TestManyEntries(t *testing.T) {
	var buf bytes.Buffer
	if err := ManyEntries(&buf, 1500); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("entry %d: %v", n, err)
		}
		if n == 1499 && h.Name != "d0001/f499" {
			t.Fatalf("last entry: got %q, want d0001/f499", h.Name)
		}
		n++
	}
	if n != 1500 {
		t.Fatalf("got %d entries, want 1500", n)
	}
}
