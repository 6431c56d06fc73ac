package image_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
)

// walked is what a test keeps of an entry.
type walked struct {
	Path     string
	Type     image.EntryType
	Linkname string
	Body     string
}

// walkAll walks every layer of img and returns the entries, reading file
// bodies.
func walkAll(t *testing.T, img image.Image) ([]walked, error) {
	t.Helper()
	var out []walked
	for _, l := range img.Layers() {
		err := l.Walk(context.Background(), func(e *image.Entry) error {
			w := walked{Path: e.Path, Type: e.Type, Linkname: e.Linkname}
			if e.Type == image.TypeSkipped {
				w.Body = e.Reason
			}
			if e.Reader != nil {
				b, err := io.ReadAll(e.Reader)
				if err != nil {
					return err
				}
				w.Body = string(b)
			}
			out = append(out, w)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func TestWalkEntries(t *testing.T) {
	tests := []struct {
		name string
		file imagetest.File
		want walked // for TypeSkipped, Body is a substring of the reason
	}{
		{"file", imagetest.File{Name: "etc/os-release", Body: "ID=debian\n"},
			walked{Path: "etc/os-release", Type: image.TypeFile, Body: "ID=debian\n"}},
		{"dot slash", imagetest.File{Name: "./usr/bin/", Type: tar.TypeDir},
			walked{Path: "usr/bin", Type: image.TypeDir}},
		{"absolute", imagetest.File{Name: "/etc/passwd", Body: "root:x:0:0\n"},
			walked{Path: "etc/passwd", Type: image.TypeFile, Body: "root:x:0:0\n"}},
		{"inner dotdot", imagetest.File{Name: "a/../b", Body: "x"},
			walked{Path: "b", Type: image.TypeFile, Body: "x"}},
		{"escaping dotdot", imagetest.File{Name: "../../etc/shadow", Body: "x"},
			walked{Path: "../../etc/shadow", Type: image.TypeSkipped, Body: `"../../etc/shadow": name leaves the image root`}},
		{"escaping after clean", imagetest.File{Name: "a/../../b", Body: "x"},
			walked{Path: "../b", Type: image.TypeSkipped, Body: "leaves the image root"}},
		{"symlink outside", imagetest.File{Name: "lib/evil", Type: tar.TypeSymlink, Linkname: "../../../../etc/shadow"},
			walked{Path: "lib/evil", Type: image.TypeSymlink, Linkname: "../../../../etc/shadow"}},
		{"hardlink", imagetest.File{Name: "bin/sh", Type: tar.TypeLink, Linkname: "/bin/bash"},
			walked{Path: "bin/sh", Type: image.TypeHardlink, Linkname: "bin/bash"}},
		{"hardlink outside", imagetest.File{Name: "bin/sh", Type: tar.TypeLink, Linkname: "../../etc/shadow"},
			walked{Path: "bin/sh", Type: image.TypeSkipped, Body: `hard link to "../../etc/shadow" is outside the image`}},
		{"char device", imagetest.File{Name: "dev/null", Type: tar.TypeChar},
			walked{Path: "dev/null", Type: image.TypeOther}},
		{"fifo", imagetest.File{Name: "run/fifo", Type: tar.TypeFifo},
			walked{Path: "run/fifo", Type: image.TypeOther}},
		{"whiteout", imagetest.File{Name: "var/lib/.wh.apt"},
			walked{Path: "var/lib/apt", Type: image.TypeWhiteout}},
		{"whiteout at root", imagetest.File{Name: ".wh.tmp"},
			walked{Path: "tmp", Type: image.TypeWhiteout}},
		{"opaque", imagetest.File{Name: "opt/app/.wh..wh..opq"},
			walked{Path: "opt/app", Type: image.TypeOpaque}},
		{"aufs metadata file", imagetest.File{Name: ".wh..wh.aufs"},
			walked{Path: ".wh..wh.aufs", Type: image.TypeSkipped, Body: "aufs metadata"}},
		{"empty whiteout", imagetest.File{Name: "a/.wh."},
			walked{Path: "a/.wh.", Type: image.TypeSkipped, Body: "whiteout names no file"}},
		{"unsupported type", imagetest.File{Name: "vol", Type: 'V'},
			walked{Path: "vol", Type: image.TypeSkipped, Body: "unsupported tar entry type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := mustFromV1(t, imagetest.Layers(t, imagetest.Layer(t, tt.file)))
			got, err := walkAll(t, img)
			if err != nil {
				t.Fatalf("walk: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("got %d entries %+v, want 1", len(got), got)
			}
			g := got[0]
			if tt.want.Type == image.TypeSkipped {
				if g.Type != image.TypeSkipped || !strings.Contains(g.Body, tt.want.Body) {
					t.Fatalf("got %+v, want TypeSkipped with a reason containing %q", g, tt.want.Body)
				}
				return
			}
			if g != tt.want {
				t.Fatalf("got %+v, want %+v", g, tt.want)
			}
		})
	}
}

func TestWalkRootEntryIsNotReported(t *testing.T) {
	img := mustFromV1(t, imagetest.Layers(t, imagetest.Layer(t,
		imagetest.File{Name: "./", Type: tar.TypeDir},
		imagetest.File{Name: ".wh..wh..opq"},
		imagetest.File{Name: "a", Body: "1"},
	)))
	got, err := walkAll(t, img)
	if err != nil {
		t.Fatal(err)
	}
	want := []walked{{Path: ".", Type: image.TypeOpaque}, {Path: "a", Type: image.TypeFile, Body: "1"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestWalkFileLimit(t *testing.T) {
	img, err := image.FromV1(imagetest.Layers(t, imagetest.Layer(t,
		imagetest.File{Name: "big", Body: strings.Repeat("x", 100)},
		imagetest.File{Name: "small", Body: "ok"},
	)), "test", image.WithLimits(image.Limits{MaxFileSize: 10}))
	if err != nil {
		t.Fatal(err)
	}
	var bigErr error
	var small string
	err = img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
		b, err := io.ReadAll(e.Reader)
		switch e.Path {
		case "big":
			bigErr = err
		case "small":
			small = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: got %v, want the rest of the layer to walk", err)
	}
	if !errors.Is(bigErr, image.ErrTooLarge) || !strings.Contains(bigErr.Error(), "big") {
		t.Errorf("reading big: got %v, want ErrTooLarge naming big", bigErr)
	}
	if small != "ok" {
		t.Errorf("small: got %q, want %q", small, "ok")
	}
}

func TestWalkSkipLayer(t *testing.T) {
	img := mustFromV1(t, imagetest.Layers(t, imagetest.Layer(t,
		imagetest.File{Name: "a"}, imagetest.File{Name: "b"}, imagetest.File{Name: "c"},
	)))
	var seen []string
	err := img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
		seen = append(seen, e.Path)
		if e.Path == "b" {
			return image.SkipLayer
		}
		return nil
	})
	if err != nil || strings.Join(seen, ",") != "a,b" {
		t.Fatalf("got %v, %v; want a,b and no error", seen, err)
	}
	stop := errors.New("stop")
	err = img.Layers()[0].Walk(context.Background(), func(*image.Entry) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want the WalkFunc's error back", err)
	}
}

func TestWalkReaderAfterReturn(t *testing.T) {
	img := mustFromV1(t, imagetest.Layers(t, imagetest.Layer(t, imagetest.File{Name: "a", Body: "hello"})))
	var kept io.Reader
	if err := img.Layers()[0].Walk(context.Background(), func(e *image.Entry) error {
		kept = e.Reader
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(kept); err == nil {
		t.Fatal("reading an entry after its WalkFunc returned: got no error, want one")
	}
}

func TestWalkCanceled(t *testing.T) {
	img := mustFromV1(t, imagetest.Layers(t, imagetest.Layer(t, imagetest.File{Name: "a"})))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := img.Layers()[0].Walk(ctx, func(*image.Entry) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
