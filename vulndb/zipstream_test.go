package vulndb

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// zipCase writes a zip with the given writer function and returns its path.
func zipCase(t *testing.T, write func(zw *zip.Writer)) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func collect(t *testing.T, path string) ([]string, error) {
	t.Helper()
	var got []string
	err := walkZip(path, 1<<20, func(entry string, raw []byte) error {
		got = append(got, entry+"="+string(raw))
		return nil
	})
	return got, err
}

func TestWalkZipLayouts(t *testing.T) {
	record := []byte(`{"id":"GO-2023-2102","modified":"2023-10-13T16:55:50Z"}`)
	tests := []struct {
		name  string
		write func(zw *zip.Writer)
	}{
		{"deflated with data descriptors (Go's writer)", func(zw *zip.Writer) {
			w, _ := zw.Create("GO-2023-2102.json")
			w.Write(record)
		}},
		{"stored with data descriptors", func(zw *zip.Writer) {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: "GO-2023-2102.json", Method: zip.Store})
			w.Write(record)
		}},
		{"deflated with sizes in the local header (Python's zipfile)", func(zw *zip.Writer) {
			var z bytes.Buffer
			fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
			fw.Write(record)
			fw.Close()
			w, _ := zw.CreateRaw(&zip.FileHeader{Name: "GO-2023-2102.json", Method: zip.Deflate,
				CRC32: crc32.ChecksumIEEE(record), CompressedSize64: uint64(z.Len()), UncompressedSize64: uint64(len(record))})
			w.Write(z.Bytes())
		}},
		{"folders and other files around it", func(zw *zip.Writer) {
			zw.Create("Go/")
			w, _ := zw.Create("Go/GO-2023-2102.json")
			w.Write(record)
			w, _ = zw.Create("Go/README.md")
			w.Write([]byte("not read"))
		}},
	}
	for _, tt := range tests {
		got, err := collect(t, zipCase(t, tt.write))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(got) != 1 || !bytes.HasSuffix([]byte(got[0]), record) {
			t.Errorf("%s: entries %q, want the one record", tt.name, got)
		}
	}
}

func TestWalkZip64Directory(t *testing.T) {
	// 65,536 entries: one more than the plain directory can count, so the
	// zip64 form is needed to reach the last one, the only .json entry.
	const n = 1 << 16
	path := zipCase(t, func(zw *zip.Writer) {
		for i := 0; i < n-1; i++ {
			zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%05d.txt", i), Method: zip.Store})
		}
		w, _ := zw.Create("last.json")
		w.Write([]byte("{}"))
	})
	got, err := collect(t, path)
	if err != nil || !reflect.DeepEqual(got, []string{"last.json={}"}) {
		t.Fatalf("walkZip = %q, %v; want the last entry", got, err)
	}
}

func TestWalkZipBroken(t *testing.T) {
	var good bytes.Buffer
	zw := zip.NewWriter(&good)
	for _, name := range []string{"a.json", "b.json"} {
		w, _ := zw.Create(name)
		w.Write(bytes.Repeat([]byte(`{"id":"x"}`), 50))
	}
	zw.Close()
	g := good.Bytes()
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated", g[:len(g)-30]},
		{"middle cut out", append(bytes.Clone(g[:40]), g[80:]...)},
		{"flipped data byte", func() []byte { b := bytes.Clone(g); b[45] ^= 0xff; return b }()},
		{"not a zip", []byte("PK\x03\x04 but nothing else")},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "all.zip")
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := collect(t, path)
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: walkZip = %q, %v; want a malformed-input error", tt.name, got, err)
		}
	}
	// The intact zip reads fully, so the cases above failed for their damage.
	path := filepath.Join(t.TempDir(), "all.zip")
	os.WriteFile(path, g, 0o644)
	if got, err := collect(t, path); err != nil || len(got) != 2 {
		t.Errorf("intact zip: %d entries, %v; want 2, nil", len(got), err)
	}
}
