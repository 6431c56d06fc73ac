package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
)

// FuzzParseRef: any string either parses into a known transport with what
// that transport needs, or is refused with errRef; never a panic.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{
		"", "ubuntu", "ubuntu:22.04", "localhost:5000/team/app@sha256:" + strings.Repeat("a", 64),
		"docker://registry.local/app:1", "docker-archive:/tmp/a.tar", "docker-archive:a.tar:app:1.0",
		"oci:/tmp/layout", "oci:/tmp/lay:out/dir:v1", "oci:x:", "dir:/", "dir:", "sif:x", "oci-archive:a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseRef(s)
		if err != nil {
			if !errors.Is(err, errRef) {
				t.Fatalf("parseRef(%q): error %v does not wrap errRef", s, err)
			}
			return
		}
		switch p.transport {
		case transportArchive, transportDir:
			if p.path == "" {
				t.Fatalf("parseRef(%q): %s with no path", s, p.transport)
			}
		case transportLayout, transportOCIArchive:
			if p.path == "" || strings.Contains(p.tag, "/") {
				t.Fatalf("parseRef(%q): oci path %q tag %q", s, p.path, p.tag)
			}
			back := p.transport + ":" + p.path
			if p.tag != "" {
				back += ":" + p.tag
			}
			if back != s && p.path != s {
				t.Fatalf("parseRef(%q): path %q and tag %q do not make the reference again", s, p.path, p.tag)
			}
		case transportRegistry:
			if p.ref == "" && s != "docker://" {
				t.Fatalf("parseRef(%q): registry reference with no name", s)
			}
		default:
			t.Fatalf("parseRef(%q): unknown transport %q", s, p.transport)
		}
	})
}

// FuzzWalk feeds arbitrary bytes to the layer walker as a stored blob:
// every outcome is entries with safe paths and then nil or a layer error;
// never a panic, never a path that leaves the root.
func FuzzWalk(f *testing.F) {
	seeds := [][]byte{
		imagetest.Tar(f, imagetest.File{Name: "etc/os-release", Body: "ID=debian\n"}),
		imagetest.Tar(f,
			imagetest.File{Name: "../../etc/shadow", Body: "x"},
			imagetest.File{Name: "/abs", Body: "y"},
			imagetest.File{Name: "l", Type: tar.TypeLink, Linkname: "../../x"},
			imagetest.File{Name: "s", Type: tar.TypeSymlink, Linkname: "/etc/passwd"},
			imagetest.File{Name: "a/.wh..wh..opq"},
			imagetest.File{Name: "a/.wh.b"},
			imagetest.File{Name: "dev/null", Type: tar.TypeChar},
		),
	}
	for _, s := range append([][]byte{}, seeds...) {
		gz := imagetest.Gzip(f, s)
		seeds = append(seeds, gz, gz[:len(gz)/2])
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		s := &stream{limits: Limits{MaxFileSize: 1 << 16, MaxEntries: 1000, MaxLayerBytes: 1 << 24, MaxRatio: 100, RatioAfter: 1 << 20}}
		err := s.walk(context.Background(), bytes.NewReader(blob), func(e *Entry) error {
			if e.Type == TypeSkipped {
				if e.Reason == "" {
					t.Fatalf("skipped entry %q has no reason", e.Path)
				}
				return nil
			}
			for _, p := range []string{e.Path, hardlinkTarget(e)} {
				if p != "" && (path.IsAbs(p) || p != path.Clean(p) || p == ".." || strings.HasPrefix(p, "../")) {
					t.Fatalf("entry %+v: unsafe path %q", e, p)
				}
			}
			if e.Reader != nil {
				var buf [4096]byte
				for {
					if _, err := e.Reader.Read(buf[:]); err != nil {
						break
					}
				}
			}
			return nil
		})
		var lf *layerFailure
		if err != nil && !errors.As(err, &lf) {
			t.Fatalf("walk: got %v (%T), want nil or a layer failure", err, err)
		}
	})
}

func hardlinkTarget(e *Entry) string {
	if e.Type == TypeHardlink {
		return e.Linkname
	}
	return ""
}
