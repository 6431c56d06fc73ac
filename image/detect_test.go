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
		ref  string     // as the user typed it
		kind image.Kind // what Detect says
		want v1.Image   // opened image, nil for a rootfs or an error
		says string     // the error says this ("" for none)
	}{
		{ref: archive, kind: image.KindDockerArchive, want: src},
		{ref: layoutDir, kind: image.KindOCILayout, want: src},
		{ref: ociArchive, kind: image.KindOCIArchive, want: src},
		{ref: "oci-archive:" + ociArchive, want: src},
		{ref: "oci-archive:" + multiArchive, want: withPlatform, says: ""},
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
			img, err := image.Open(context.Background(), tt.ref, image.WithPlatform("linux/arm64"))
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
