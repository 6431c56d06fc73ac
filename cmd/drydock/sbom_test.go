package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// debianLayout writes a two-layer Debian image as an OCI layout: the base
// layer installs libc6, the second rewrites the dpkg database to add curl.
// It returns the oci: reference and the manifest digest.
func debianLayout(t *testing.T) (ref, digest string) {
	t.Helper()
	img := debianImage(t, "7.88.1-10+deb12u5")
	dir := imagetest.LayoutDir(t, img)
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir, d.String()
}

// debianImage is a two-layer Debian image: the base layer installs libc6,
// the second rewrites the dpkg database to add curl at curlVersion.
func debianImage(t *testing.T, curlVersion string) v1.Image {
	t.Helper()
	libc := imagetest.DpkgStanza("libc6", "", "2.36-9+deb12u4")
	return imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
			imagetest.File{Name: "var/lib/dpkg/status", Body: libc},
		), CreatedBy: "ADD rootfs.tar /"},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "var/lib/dpkg/status", Body: libc + imagetest.DpkgStanza("curl", "", curlVersion)},
		), CreatedBy: "RUN apt-get install -y curl"},
	)
}

// runDrydock runs the CLI as main does and returns stdout, stderr and the
// exit code.
func runDrydock(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

// wantDebian checks an inventory of debianLayout: each package in the layer
// that added it.
func wantDebian(t *testing.T, inv *inventory.Inventory, digest string) {
	t.Helper()
	if inv.Digest != digest || len(inv.Layers) != 2 || inv.OS == nil || inv.OS.ID != "debian" {
		t.Fatalf("inventory digest %q, %d layers, OS %+v; want %s, 2 layers, debian", inv.Digest, len(inv.Layers), inv.OS, digest)
	}
	got := map[string]int{}
	for _, p := range inv.Packages {
		got[p.Name] = p.Layer
	}
	if len(got) != 2 || got["libc6"] != 0 || got["curl"] != 1 {
		t.Errorf("packages by layer = %v, want libc6 in 0 and curl in 1", got)
	}
}

func TestSBOMCommand(t *testing.T) {
	ref, digest := debianLayout(t)
	for _, format := range []string{"json", "cyclonedx", "spdx"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := runDrydock(t, "sbom", ref, "--no-cache", "--format", format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			inv, err := sbom.Read(strings.NewReader(out))
			if err != nil {
				t.Fatalf("reading the output back: %v", err)
			}
			wantDebian(t, inv, digest)
		})
	}
	t.Run("default is json off a terminal", func(t *testing.T) {
		out, _, code := runDrydock(t, "sbom", ref, "--no-cache")
		if code != 0 || !strings.Contains(out, `"schema": "drydock/inventory/v1"`) {
			t.Errorf("exit %d, output %.200q: want drydock JSON", code, out)
		}
	})
	t.Run("table", func(t *testing.T) {
		out, _, code := runDrydock(t, "sbom", ref, "--no-cache", "--format", "table")
		if code != 0 || !strings.Contains(out, "2 packages in 2 layers, OS Debian GNU/Linux 12 (bookworm)") {
			t.Errorf("exit %d, table:\n%s\nwant the summary line", code, out)
		}
	})
}

// TestSBOMCommandStored writes an SBOM to a file and reads it back with
// sbom:FILE, as later stages do: the inventory is the same.
func TestSBOMCommandStored(t *testing.T) {
	ref, digest := debianLayout(t)
	dir := t.TempDir()
	stored := filepath.Join(dir, "app.cdx.json")
	if err := os.WriteFile(stored, []byte("old content"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runDrydock(t, "sbom", ref, "--no-cache", "--format", "cyclonedx", "--output", stored); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after --output, want only the SBOM (no temporary files)", len(entries))
	}
	out, stderr, code := runDrydock(t, "sbom", "sbom:"+stored, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	inv, err := sbom.Read(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	wantDebian(t, inv, digest)
}

func TestSBOMCommandErrors(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notJSON, []byte("not an sbom"), 0o644); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "keep.json")
	if err := os.WriteFile(keep, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		// want is a fragment the error message must hold.
		want string
	}{
		{[]string{"sbom", "sbom:" + notJSON, "--format", "xml"}, "unknown format"},
		{[]string{"sbom", "sbom:" + notJSON}, notJSON},
		{[]string{"sbom", "sbom:" + filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"sbom", "sbom:" + notJSON, "--output", keep}, "not JSON"},
		{[]string{"sbom", "oci:" + filepath.Join(dir, "nolayout")}, "nolayout"},
		{[]string{"sbom", "alpine:3.19", "--password", "secret"}, "--password needs --username"},
		{[]string{"sbom", "alpine:3.19", "--platform", "linux"}, "os/arch"},
		{[]string{"sbom"}, "accepts 1 arg"},
		{[]string{"sbom", "a", "b"}, "accepts 1 arg"},
	}
	for _, tt := range tests {
		_, stderr, code := runDrydock(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("drydock %s: exit %d, message %q; want exit %d and %q", strings.Join(tt.args, " "), code, stderr, exitUsage, tt.want)
		}
	}
	if b, _ := os.ReadFile(keep); string(b) != "previous" {
		t.Errorf("a failed run changed the --output file to %q", b)
	}
}

// TestSBOMCommandPlainPaths is defect 6 at the command: a docker archive, an
// OCI layout folder and a stored SBOM given as plain paths are read from
// disk, and a missing one is a missing file, not a Docker Hub pull.
func TestSBOMCommandPlainPaths(t *testing.T) {
	ref, digest := debianLayout(t)
	layoutDir := strings.TrimPrefix(ref, "oci:")
	archive := filepath.Join(t.TempDir(), "app.tar")
	tag, _ := name.NewTag("registry.local/team/app:1.0")
	if err := tarball.WriteToFile(archive, tag, debianImage(t, "7.88.1-10+deb12u5")); err != nil {
		t.Fatal(err)
	}
	stored := filepath.Join(t.TempDir(), "app.cdx.json")
	if _, stderr, code := runDrydock(t, "sbom", layoutDir, "--no-cache", "--format", "cyclonedx-json", "-o", stored); code != 0 {
		t.Fatalf("sbom %s: exit %d: %s", layoutDir, code, stderr)
	}
	for _, path := range []string{layoutDir, archive, stored} {
		out, stderr, code := runDrydock(t, "sbom", path, "--no-cache", "--format", "json")
		if code != 0 {
			t.Fatalf("sbom %s: exit %d: %s", path, code, stderr)
		}
		inv, err := sbom.Read(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if path == layoutDir || path == stored {
			wantDebian(t, inv, digest)
		} else if len(inv.Packages) != 2 {
			t.Errorf("sbom %s: %d packages, want 2", path, len(inv.Packages))
		}
	}
	_, stderr, code := runDrydock(t, "sbom", "./app.tar", "--no-cache")
	if code != exitUsage || !strings.Contains(stderr, "no such file or folder ./app.tar") || !strings.Contains(stderr, "docker-archive:FILE") {
		t.Errorf("missing ./app.tar: exit %d, %q; want exit 2 naming the file and the prefixes", code, stderr)
	}
}

// TestSBOMCommandPlatformMismatch is defect 7 at the command: --platform
// for a single-platform image of another platform exits 2 naming the
// platform the image has.
func TestSBOMCommandPlatformMismatch(t *testing.T) {
	ref, _ := debianLayout(t)
	_, stderr, code := runDrydock(t, "sbom", ref, "--no-cache", "--platform", "linux/arm64")
	if code != exitUsage || !strings.Contains(stderr, "for platform linux/amd64 only, not linux/arm64") {
		t.Errorf("exit %d, %q; want exit %d naming linux/amd64", code, stderr, exitUsage)
	}
	if _, stderr, code := runDrydock(t, "sbom", ref, "--no-cache", "--platform", "linux/amd64", "--format", "json"); code != 0 {
		t.Errorf("matching --platform: exit %d: %s", code, stderr)
	}
}
