package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/vulndb"
)

// toolsDir holds the Debian fixture image's files, the OSV records it is
// matched against, and what Trivy and Syft wrote for it (README.md there).
const toolsDir = "../../sbom/testdata/tools"

var writeToolImage = flag.String("write-tool-image", "", "write the Debian fixture image as a docker archive to this file (for sbom/testdata/tools/README.md)")

// toolImage writes the fixture image (real dpkg stanzas, os-release and
// debian_version of a Debian 12 machine) as a docker archive and returns its path.
func toolImage(t *testing.T) string {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(toolsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	img := imagetest.Image(t, imagetest.Step{CreatedBy: "ADD rootfs.tar /", Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: read("os-release")},
		imagetest.File{Name: "etc/debian_version", Body: read("debian_version")},
		imagetest.File{Name: "var/lib/dpkg/status", Body: read("dpkg-status")},
	)})
	tag, err := name.NewTag("drydock-fixture/debian:12")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "debian.tar")
	if *writeToolImage != "" {
		path = *writeToolImage
	}
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// findingKeys scans src and returns its findings as "ID package version".
func findingKeys(t *testing.T, src, db string) []string {
	t.Helper()
	out, stderr, code := runDrydock(t, "scan", src, "--no-cache", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatalf("scan %s: exit %d: %s", src, code, stderr)
	}
	var rep struct {
		Findings []struct {
			ID      string `json:"id"`
			Package struct {
				Name, Version string
			} `json:"package"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("scan %s: %v\n%s", src, err, out)
	}
	var keys []string
	for _, f := range rep.Findings {
		keys = append(keys, f.ID+" "+f.Package.Name+" "+f.Package.Version)
	}
	slices.Sort(keys)
	return keys
}

// TestForeignSBOMsMatchTheImage: `scan sbom:FILE` of what Trivy v0.74.0 and
// Syft v1.57.1 wrote for the fixture image finds exactly what `scan IMAGE`
// finds. The records are built to catch the misreadings: a dpkg epoch
// dropped from the purl (login 4.13… below the fix 1:4.13…), a source
// version taken from Trivy's SrcVersion alone (glibc 2.36, util-linux
// 2.38.1 below their fixes).
func TestForeignSBOMsMatchTheImage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vuln.db")
	if _, err := vulndb.Import(t.Context(), db, filepath.Join(toolsDir, "osv")); err != nil {
		t.Fatal(err)
	}
	want := findingKeys(t, "docker-archive:"+toolImage(t), db)
	truth := []string{
		"CVE-2005-2541 tar 1.34+dfsg-1.2+deb12u1",
		"CVE-2007-5686 login 1:4.13+dfsg1-1+deb12u1",
		"CVE-2007-5686 passwd 1:4.13+dfsg1-1+deb12u1",
	}
	if !slices.Equal(want, truth) {
		t.Fatalf("scan of the image: %q, want %q", want, truth)
	}
	files, err := filepath.Glob(filepath.Join(toolsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tool outputs in %s: %v", toolsDir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if got := findingKeys(t, "sbom:"+f, db); !slices.Equal(got, want) {
				t.Errorf("scan sbom:%s:\n got %q\nwant %q", filepath.Base(f), got, want)
			}
		})
	}
}
