package image_test

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/image"
)

// tarFolder writes the files under dir into a plain tar at file, as
// `tar -cf file -C dir .` does.
func tarFolder(t *testing.T, dir, file string) {
	t.Helper()
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tw := tar.NewWriter(out)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenPlainPath is defect 6: a path given without a transport is the
// file or folder it names, detected by content, and never a Docker Hub
// reference; what is neither says which prefixes exist.
func TestOpenPlainPath(t *testing.T) {
	dir := t.TempDir()
	src := appImage(t, "plain")
	withPlatform, err := mutate.ConfigFile(src, &v1.ConfigFile{Architecture: "arm64", OS: "linux", RootFS: mustConfig(t, src).RootFS, History: mustConfig(t, src).History})
	if err != nil {
		t.Fatal(err)
	}

	archive := filepath.Join(dir, "app.tar")
	tag, _ := name.NewTag("registry.local/team/app:1.0")
	if err := tarball.WriteToFile(archive, tag, src); err != nil {
		t.Fatal(err)
	}
	layoutDir := filepath.Join(dir, "oci-dir")
	p, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(src); err != nil {
		t.Fatal(err)
	}
	multiDir := filepath.Join(dir, "multi")
	mp, err := layout.Write(multiDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: withPlatform, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	if err := mp.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	ociArchive := filepath.Join(dir, "app-oci.tar")
	tarFolder(t, layoutDir, ociArchive)
	multiArchive := filepath.Join(dir, "multi-oci.tar")
	tarFolder(t, multiDir, multiArchive)
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	sbomFile := write("app.cdx.json", `  {"bomFormat": "CycloneDX"}`)
	text := write("notes.txt", "just some words, not an image\n")
	gz := write("app.tar.gz", "\x1f\x8b\x08\x00rest")
	plainTar := filepath.Join(dir, "files.tar")
	tarFolder(t, rootfs, plainTar)

	tests := []struct {
		ref      string     // as the user typed it
		kind     image.Kind // what Detect says
		want     v1.Image   // opened image, nil for a rootfs or an error
		says     string     // the error says this ("" for none)
		platform string     // --platform, "" for none
	}{
		{ref: archive, kind: image.KindDockerArchive, want: src},
		{ref: layoutDir, kind: image.KindOCILayout, want: src},
		{ref: ociArchive, kind: image.KindOCIArchive, want: src},
		{ref: "oci-archive:" + ociArchive, want: src},
		{ref: "oci-archive:" + multiArchive, want: withPlatform, platform: "linux/arm64"},
		{ref: "oci-archive:" + multiArchive + ":nope", says: `no manifest is tagged "nope"`},
		{ref: rootfs, kind: image.KindRootFS},
		{ref: sbomFile, kind: image.KindSBOM, says: "read it as sbom:"},
		{ref: text, says: "not an image archive nor an SBOM"},
		{ref: gz, says: "is compressed"},
		{ref: plainTar, says: "without manifest.json or oci-layout"},
		{ref: filepath.Join(dir, "missing.tar"), says: "no such file or folder"},
		{ref: "./missing-oci", says: "no such file or folder"},
		{ref: "missing.tar", says: "docker-archive:FILE, oci:DIR[:TAG]"},
		{ref: "Not A/Reference", says: "nor a valid registry reference"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.ref), func(t *testing.T) {
			if tt.kind != image.KindNone {
				k, err := image.Detect(tt.ref)
				if err != nil || k != tt.kind {
					t.Errorf("Detect(%s) = %v, %v; want %v", tt.ref, k, err, tt.kind)
				}
			}
			var opts []image.Option
			if tt.platform != "" {
				opts = append(opts, image.WithPlatform(tt.platform))
			}
			img, err := image.Open(context.Background(), tt.ref, opts...)
			if tt.says != "" {
				wantImageError(t, err, tt.ref, tt.says)
				return
			}
			if err != nil {
				t.Fatalf("Open(%s): %v", tt.ref, err)
			}
			if tt.want != nil {
				wantSame(t, img, tt.want)
			} else if img.Digest() != "" || len(img.Layers()) != 1 {
				t.Errorf("Open(%s) = digest %q with %d layers; want a rootfs (no digest, one layer)", tt.ref, img.Digest(), len(img.Layers()))
			}
		})
	}
	// A registry reference is not on disk and is left to the registry.
	for _, ref := range []string{"ubuntu:22.04", "localhost:5000/team/app", "registry.local/app@sha256:" + "ab"} {
		if k, err := image.Detect(ref); k != image.KindNone || err != nil {
			t.Errorf("Detect(%s) = %v, %v; want KindNone", ref, k, err)
		}
	}
}

func mustConfig(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestOpenPlatformMismatch is defect 7: --platform names a platform that a
// single-platform image does not have, from every source; the error names
// the one it has. A match, or no --platform, reads the image.
func TestOpenPlatformMismatch(t *testing.T) {
	src := appImage(t, "amd64") // imagetest images are linux/amd64
	dir := t.TempDir()
	archive := filepath.Join(dir, "app.tar")
	if err := tarball.WriteToFile(archive, nil, src); err != nil {
		t.Fatal(err)
	}
	layoutDir := filepath.Join(dir, "layout")
	p, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(src); err != nil {
		t.Fatal(err)
	}
	host := serve(t, nil)
	push(t, host+"/team/app:1.0", src)
	for _, ref := range []string{"docker-archive:" + archive, "oci:" + layoutDir, host + "/team/app:1.0"} {
		_, err := image.Open(context.Background(), ref, image.WithInsecure(), image.WithPlatform("linux/arm64"))
		wantImageError(t, err, ref, "the image is for platform linux/amd64 only, not linux/arm64")
		for _, opts := range [][]image.Option{{image.WithInsecure()}, {image.WithInsecure(), image.WithPlatform("linux/amd64")}} {
			if _, err := image.Open(context.Background(), ref, opts...); err != nil {
				t.Errorf("Open(%s): %v", ref, err)
			}
		}
	}
}
