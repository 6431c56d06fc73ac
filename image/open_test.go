package image_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// appImage is a small image with a file per layer.
func appImage(t *testing.T, tag string) v1.Image {
	t.Helper()
	return imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "etc/os-release", Body: "ID=" + tag + "\n"}), CreatedBy: "ADD base"},
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app/server", Body: "binary " + tag}), CreatedBy: "COPY server /app/"},
	)
}

// wantSame checks that got describes src.
func wantSame(t *testing.T, got image.Image, src v1.Image) {
	t.Helper()
	d, _ := src.Digest()
	cfg, _ := src.ConfigName()
	if got.Digest() != d.String() || got.ConfigDigest() != cfg.String() {
		t.Errorf("got digest %s config %s, want %s and %s", got.Digest(), got.ConfigDigest(), d, cfg)
	}
	if _, err := walkAll(t, got); err != nil {
		t.Errorf("walk: %v", err)
	}
}

func wantImageError(t *testing.T, err error, ref string, says string) {
	t.Helper()
	var ie *image.ImageError
	if !errors.As(err, &ie) || !ie.InvalidInput() {
		t.Fatalf("got %v (%T), want an *ImageError", err, err)
	}
	if !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), says) {
		t.Fatalf("got %q, want it to name %q and say %q", err, ref, says)
	}
}

func TestOpenDockerArchive(t *testing.T) {
	dir := t.TempDir()
	one, two := appImage(t, "one"), appImage(t, "two")
	single := filepath.Join(dir, "single.tar")
	tag, _ := name.NewTag("registry.local/team/app:1.0")
	if err := tarball.WriteToFile(single, tag, one); err != nil {
		t.Fatal(err)
	}
	img, err := image.Open(context.Background(), "docker-archive:"+single)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, one)
	if img.Name() != "registry.local/team/app" {
		t.Errorf("Name: got %q, want registry.local/team/app", img.Name())
	}

	multi := filepath.Join(dir, "multi:tagged.tar") // a colon in the file name too
	tag2, _ := name.NewTag("registry.local/team/app:2.0")
	if err := tarball.MultiRefWriteToFile(multi, map[name.Reference]v1.Image{tag: one, tag2: two}); err != nil {
		t.Fatal(err)
	}
	img, err = image.Open(context.Background(), "docker-archive:"+multi+":registry.local/team/app:2.0")
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, two)
	_, err = image.Open(context.Background(), "docker-archive:"+multi)
	wantImageError(t, err, multi, "registry.local/team/app:2.0")
	_, err = image.Open(context.Background(), "docker-archive:"+multi+":other:1")
	wantImageError(t, err, "other:1", "no image is tagged")
}

// TestOpenDockerSave reads an archive laid out as `docker save` writes it
// before docker 25: plain tar layers and no manifest.
func TestOpenDockerSave(t *testing.T) {
	src := appImage(t, "saved")
	file := filepath.Join(t.TempDir(), "saved.tar")
	writeDockerSave(t, file, src, "app:latest", nil)
	img, err := image.Open(context.Background(), "docker-archive:"+file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := src.ConfigName()
	// Named as the archive writes it: a local file did not come from Docker Hub.
	if img.Digest() != "" || img.ConfigDigest() != cfg.String() || img.Name() != "app" {
		t.Errorf("got digest %q config %q name %q, want \"\", %s, app", img.Digest(), img.ConfigDigest(), img.Name(), cfg)
	}
	layers, _ := src.Layers()
	for i, l := range img.Layers() {
		diffID, _ := layers[i].DiffID()
		if l.DiffID() != diffID.String() || l.Digest() != diffID.String() || l.Size() <= 0 {
			t.Errorf("layer %d: got diffID %s digest %s size %d, want both %s and a size", i, l.DiffID(), l.Digest(), l.Size(), diffID)
		}
	}
	got, err := walkAll(t, img)
	if err != nil || len(got) != 2 || got[1].Body != "binary saved" {
		t.Fatalf("walk: got %+v, %v; want the two files", got, err)
	}

	// Plain and gzip layers mixed in one archive.
	mixed := filepath.Join(t.TempDir(), "mixed.tar")
	writeDockerSave(t, mixed, src, "app:latest", func(i int, b []byte) []byte {
		if i == 1 {
			return imagetest.Gzip(t, b)
		}
		return b
	})
	img, err = image.Open(context.Background(), "docker-archive:"+mixed)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := walkAll(t, img); err != nil || len(got) != 2 || got[1].Body != "binary saved" {
		t.Fatalf("mixed archive: got %+v, %v; want the two files", got, err)
	}

	// A layer whose bytes changed after the config was written.
	bad := filepath.Join(t.TempDir(), "bad.tar")
	writeDockerSave(t, bad, src, "app:latest", func(i int, b []byte) []byte {
		if i == 1 {
			return bytes.Replace(b, []byte("binary saved"), []byte("binary SAVED"), 1) // still a valid tar
		}
		return b
	})
	img, err = image.Open(context.Background(), "docker-archive:"+bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = walkAll(t, img)
	var le *image.LayerError
	if !errors.As(err, &le) || le.Index != 1 || !errors.Is(err, image.ErrDigestMismatch) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "uncompressed content is") {
		t.Fatalf("got %v, want a digest mismatch LayerError for layer 1 naming %s", err, bad)
	}
}

// TestOpenDockerSave25 reads the manifest digest that docker 25 and later
// put in the archive beside the plain tar layers.
func TestOpenDockerSave25(t *testing.T) {
	src := appImage(t, "saved25")
	file := filepath.Join(t.TempDir(), "saved25.tar")
	want := writeDockerSave25(t, file, src, "registry.local/app:25")
	img, err := image.Open(context.Background(), "docker-archive:"+file)
	if err != nil {
		t.Fatal(err)
	}
	if img.Digest() != want.String() || img.Name() != "registry.local/app" {
		t.Errorf("got digest %q name %q, want %s and registry.local/app", img.Digest(), img.Name(), want)
	}
	got, err := walkAll(t, img)
	if err != nil || len(got) != 2 {
		t.Fatalf("walk: got %+v, %v; want the two files", got, err)
	}
}

func TestOpenOCILayout(t *testing.T) {
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	one, two := appImage(t, "one"), appImage(t, "two")
	for tag, img := range map[string]v1.Image{"1.0": one, "registry.local/team/app:2.0": two} {
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
			t.Fatal(err)
		}
	}
	img, err := image.Open(context.Background(), "oci:"+dir+":1.0")
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, one)
	img, err = image.Open(context.Background(), "oci:"+dir+":2.0")
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, two)
	if img.Name() != "registry.local/team/app" {
		t.Errorf("Name: got %q, want registry.local/team/app", img.Name())
	}
	_, err = image.Open(context.Background(), "oci:"+dir)
	wantImageError(t, err, dir, "holds 2 manifests")
	_, err = image.Open(context.Background(), "oci:"+dir+":3.0")
	wantImageError(t, err, dir, `no manifest is tagged "3.0"`)

	solo := t.TempDir()
	sp, _ := layout.Write(solo, empty.Index)
	if err := sp.AppendImage(one); err != nil {
		t.Fatal(err)
	}
	img, err = image.Open(context.Background(), "oci:"+solo)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, one)
}

func TestOpenOCILayoutIndex(t *testing.T) {
	dir := t.TempDir()
	amd, arm := appImage(t, "amd64"), appImage(t, "arm64")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "multi"})); err != nil {
		t.Fatal(err)
	}
	img, err := image.Open(context.Background(), "oci:"+dir+":multi", image.WithPlatform("linux/arm64"))
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, arm)
	_, err = image.Open(context.Background(), "oci:"+dir, image.WithPlatform("linux/s390x"))
	wantImageError(t, err, dir, "linux/amd64, linux/arm64/v8")
}

// TestOpenOCILayoutTampered swaps bytes of blobs on disk, as a corrupted
// copy or an attacker would.
func TestOpenOCILayoutTampered(t *testing.T) {
	src := appImage(t, "x")
	m, _ := src.Manifest()
	tests := []struct {
		name   string
		blob   v1.Hash
		with   []byte
		atOpen bool   // the error comes from Open, not Walk
		want   string // in the error
	}{
		{"layer swapped", m.Layers[1].Digest, nil, false, "blob is"},
		{"config not JSON", m.Config.Digest, []byte("{this is not json"), true, "config"},
		{"config changed", m.Config.Digest, []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`), true, "digest mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p, _ := layout.Write(dir, empty.Index)
			if err := p.AppendImage(src); err != nil {
				t.Fatal(err)
			}
			with := tt.with
			if with == nil { // another layer's bytes
				with, _ = os.ReadFile(filepath.Join(dir, "blobs", "sha256", m.Layers[0].Digest.Hex))
			}
			if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", tt.blob.Hex), with, 0o644); err != nil {
				t.Fatal(err)
			}
			img, err := image.Open(context.Background(), "oci:"+dir)
			if tt.atOpen {
				wantImageError(t, err, dir, tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = walkAll(t, img)
			var le *image.LayerError
			if !errors.As(err, &le) || le.Index != 1 || !errors.Is(err, image.ErrDigestMismatch) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a LayerError for layer 1 saying %q", err, tt.want)
			}
		})
	}
}

func TestOpenDir(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=alpine\n"), 0o644))
	must(os.Symlink("/etc/passwd", filepath.Join(root, "etc", "passwd-link")))
	must(os.Symlink("../../../../../etc/shadow", filepath.Join(root, "etc", "escape")))
	outside := t.TempDir()
	must(os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cret"), 0o644))
	must(os.Symlink(outside, filepath.Join(root, "outdir")))

	img, err := image.Open(context.Background(), "dir:"+root)
	if err != nil {
		t.Fatal(err)
	}
	if img.Digest() != "" || img.Name() != "" || len(img.Layers()) != 1 || img.Layers()[0].DiffID() != "" {
		t.Fatalf("got digest %q name %q %d layers, want a single layer with no digests", img.Digest(), img.Name(), len(img.Layers()))
	}
	got, err := walkAll(t, img)
	if err != nil {
		t.Fatal(err)
	}
	want := []walked{
		{Path: "etc", Type: image.TypeDir},
		{Path: "etc/escape", Type: image.TypeSymlink, Linkname: "../../../../../etc/shadow"},
		{Path: "etc/os-release", Type: image.TypeFile, Body: "ID=alpine\n"},
		{Path: "etc/passwd-link", Type: image.TypeSymlink, Linkname: "/etc/passwd"},
		{Path: "outdir", Type: image.TypeSymlink, Linkname: outside},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOpenBadReferences(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	notLayout := t.TempDir()
	tests := []struct {
		ref  string
		says string
	}{
		{"", "empty"},
		{"oci-archive:" + missing, "no such file"},
		{"sbom:x.json", "package sbom reads it"},
		{"docker-archive:", "needs a file"},
		{"docker-archive:" + missing, "no such file"},
		{"oci:", "needs a path"},
		{"oci:" + missing, "not a directory"},
		{"oci:" + notLayout + ":1.0", "not an OCI layout"},
		{"oci:/x:", "empty tag"},
		{"dir:", "needs a directory"},
		{"dir:" + missing, "no such file"},
		{"Registry.local/UPPER/app:1", "nor a valid registry reference"},
		{"registry.local/app@sha256:123", "nor a valid registry reference"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			_, err := image.Open(context.Background(), tt.ref)
			wantImageError(t, err, tt.ref, tt.says)
		})
	}
	_, err := image.Open(context.Background(), "dir:"+notLayout, image.WithPlatform("linux"))
	wantImageError(t, err, "dir:"+notLayout, `platform "linux"`)
}

func TestOpenDirLimits(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(root, n), []byte(strings.Repeat(n, 100)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := image.Open(context.Background(), "dir:"+root, image.WithLimits(image.Limits{MaxEntries: 2}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = walkAll(t, img)
	var le *image.LayerError
	if !errors.As(err, &le) || !errors.Is(err, image.ErrLimit) || !strings.Contains(err.Error(), "dir:"+root) {
		t.Fatalf("got %v, want an ErrLimit LayerError naming dir:%s", err, root)
	}
	img, err = image.Open(context.Background(), "dir:"+root, image.WithLimits(image.Limits{MaxFileSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = walkAll(t, img)
	if !errors.Is(err, image.ErrTooLarge) || !strings.Contains(err.Error(), "a is 100 bytes") {
		t.Fatalf("got %v, want ErrTooLarge for a", err)
	}
}
