package sbom_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/sbom"
)

// TestWriters checks, for every format, the facts a consumer relies on in
// the output for the sample image.
func TestWriters(t *testing.T) {
	tests := []struct {
		format sbom.Format
		// check inspects the output and reports what is missing.
		check func(t *testing.T, out []byte)
	}{
		{sbom.FormatTable, checkTable},
		{sbom.FormatJSON, checkJSON},
		{sbom.FormatCycloneDX, checkCycloneDX},
		{sbom.FormatSPDX, checkSPDX},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			out := write(t, sample(), tt.format)
			tt.check(t, out)
			if again := write(t, sample(), tt.format); !bytes.Equal(out, again) {
				t.Errorf("two writes of the same inventory differ:\n%s\n---\n%s", out, again)
			}
		})
	}
}

func checkTable(t *testing.T, out []byte) {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if got, want := strings.Fields(lines[0]), []string{"PACKAGE", "VERSION", "TYPE", "LAYER", "PATH"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("header = %q, want %q", got, want)
	}
	// 1 header + 8 packages + blank + summary.
	if len(lines) != 11 {
		t.Fatalf("got %d lines, want 11:\n%s", len(lines), out)
	}
	// Columns are aligned: every row starts its VERSION column where the
	// header does.
	col := strings.Index(lines[0], "VERSION")
	for _, l := range lines[1:9] {
		if l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("row %q: VERSION column not at %d", l, col)
		}
	}
	if got, want := strings.Fields(lines[1]), []string{"curl", "7.88.1-10+deb12u5", "deb", "1", "var/lib/dpkg/status"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("first row = %q, want %q (sorted by type, then name)", got, want)
	}
	if !strings.Contains(string(out), "serde  ") || !strings.Contains(lines[8], " - ") {
		t.Errorf("package with unknown layer should show '-': %q", lines[8])
	}
	want := "8 packages in 4 layers, OS Debian GNU/Linux 12 (bookworm)"
	if !strings.HasPrefix(lines[10], want) || !strings.Contains(lines[10], sampleDigest) {
		t.Errorf("summary = %q, want prefix %q and the digest", lines[10], want)
	}
}

func checkJSON(t *testing.T, out []byte) {
	m := decode(t, out)
	if m["schema"] != "drydock/inventory/v1" {
		t.Errorf("schema = %v, want drydock/inventory/v1", m["schema"])
	}
	if m["digest"] != sampleDigest {
		t.Errorf("digest = %v, want %s", m["digest"], sampleDigest)
	}
	pkgs, _ := m["packages"].([]any)
	if len(pkgs) != 8 {
		t.Fatalf("got %d packages, want 8", len(pkgs))
	}
	first, _ := pkgs[0].(map[string]any)
	if first["name"] != "curl" || first["layer"] != float64(1) {
		t.Errorf("first package = %v, want curl in layer 1", first)
	}
	if layers, _ := m["layers"].([]any); len(layers) != 4 {
		t.Errorf("got %d layers, want 4", len(layers))
	}
}

func checkCycloneDX(t *testing.T, out []byte) {
	m := decode(t, out)
	if m["specVersion"] != "1.6" || m["bomFormat"] != "CycloneDX" {
		t.Errorf("bomFormat/specVersion = %v/%v, want CycloneDX/1.6", m["bomFormat"], m["specVersion"])
	}
	if sn, _ := m["serialNumber"].(string); !strings.HasPrefix(sn, "urn:uuid:") {
		t.Errorf("serialNumber = %q, want urn:uuid:…", sn)
	}
	meta, _ := m["metadata"].(map[string]any)
	if meta["timestamp"] != "2026-11-25T12:00:00Z" {
		t.Errorf("timestamp = %v, want the pinned time", meta["timestamp"])
	}
	img, _ := meta["component"].(map[string]any)
	if img["type"] != "container" || img["version"] != sampleDigest {
		t.Errorf("metadata.component type/version = %v/%v, want container/%s", img["type"], img["version"], sampleDigest)
	}
	wantPURL := "pkg:oci/app@" + sampleDigest + "?repository_url=registry.local:5000%2Fteam%2Fapp"
	if img["purl"] != wantPURL {
		t.Errorf("image purl = %v, want %s", img["purl"], wantPURL)
	}
	hashes, _ := img["hashes"].([]any)
	if len(hashes) != 1 || hashes[0].(map[string]any)["content"] != strings.TrimPrefix(sampleDigest, "sha256:") {
		t.Errorf("image hashes = %v, want the manifest digest", hashes)
	}
	comps, _ := m["components"].([]any)
	if len(comps) != 9 {
		t.Fatalf("got %d components, want OS + 8 packages", len(comps))
	}
	if os := comps[0].(map[string]any); os["type"] != "operating-system" || os["name"] != "debian" || os["version"] != "12" {
		t.Errorf("first component = %v, want the debian 12 operating-system", os)
	}
	curl := comps[1].(map[string]any)
	props := map[string]string{}
	for _, p := range curl["properties"].([]any) {
		p := p.(map[string]any)
		props[p["name"].(string)] = p["value"].(string)
	}
	for name, want := range map[string]string{
		"drydock:package:type":    "deb",
		"drydock:ecosystem":       "Debian:12",
		"drydock:source:name":     "curl",
		"drydock:source:version":  "7.88.1-10+deb12u5",
		"drydock:path":            "var/lib/dpkg/status",
		"drydock:layer:index":     "1",
		"drydock:layer:diffID":    "sha256:2222222222222222222222222222222222222222222222222222222222222222",
		"drydock:layer:createdBy": "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
	} {
		if props[name] != want {
			t.Errorf("curl property %s = %q, want %q", name, props[name], want)
		}
	}
	deps, _ := m["dependencies"].([]any)
	if len(deps) != 1 {
		t.Fatalf("got %d dependency entries, want 1 (the image)", len(deps))
	}
	d := deps[0].(map[string]any)
	if d["ref"] != img["bom-ref"] || len(d["dependsOn"].([]any)) != 9 {
		t.Errorf("dependency = %v, want the image depending on all 9 components", d)
	}
}

func checkSPDX(t *testing.T, out []byte) {
	m := decode(t, out)
	if m["spdxVersion"] != "SPDX-2.3" {
		t.Errorf("spdxVersion = %v, want SPDX-2.3", m["spdxVersion"])
	}
	wantNS := "https://drydock.dev/spdx/registry.local:5000/team/app/sha256-" + strings.TrimPrefix(sampleDigest, "sha256:")
	if m["documentNamespace"] != wantNS {
		t.Errorf("documentNamespace = %v, want %s", m["documentNamespace"], wantNS)
	}
	pkgs, _ := m["packages"].([]any)
	if len(pkgs) != 10 {
		t.Fatalf("got %d packages, want image + OS + 8", len(pkgs))
	}
	img := pkgs[0].(map[string]any)
	sums, _ := img["checksums"].([]any)
	if img["SPDXID"] != "SPDXRef-Image" || len(sums) != 1 || sums[0].(map[string]any)["checksumValue"] != strings.TrimPrefix(sampleDigest, "sha256:") {
		t.Errorf("image package = %v, want SPDXRef-Image with the digest as checksum", img)
	}
	rels, _ := m["relationships"].([]any)
	contains := 0
	for _, r := range rels {
		if r.(map[string]any)["relationshipType"] == "CONTAINS" {
			contains++
		}
	}
	if contains != 9 {
		t.Errorf("got %d CONTAINS relationships, want 9", contains)
	}
	if strings.Contains(string(out), `"annotations"`) {
		t.Errorf("SPDX output has annotations; drydock's facts belong in package comments")
	}
	if got, want := img["builtDate"], "2024-03-01T12:30:45Z"; got != want {
		t.Errorf("image builtDate = %v, want %s", got, want)
	}
	// Package comments and declared licenses, by package name.
	tests := []struct{ name, comment, license string }{
		{"curl", "drydock: type=deb ecosystem=Debian:12 sourceName=curl sourceVersion=7.88.1-10+deb12u5 arch=amd64 path=var/lib/dpkg/status layer=1", "curl"},
		{"libc6", "drydock: type=deb ecosystem=Debian:12 sourceName=glibc sourceVersion=2.36-9+deb12u4 arch=amd64 path=var/lib/dpkg/status layer=0", "GPL-2.0-only AND LGPL-2.1-or-later"},
		{"org.apache.logging.log4j:log4j-core", "drydock: type=java ecosystem=Maven path=app/lib/app.jar layer=2 license=Apache%20License%2C%20Version%202.0", "NOASSERTION"},
		{"serde", "drydock: type=rust ecosystem=crates.io path=app/bin/tool layer=-1 license=MIT%20OR%20Apache-2.0", "NOASSERTION"},
		{"stdlib", "drydock: type=go-stdlib ecosystem=Go path=app/server layer=2", "NOASSERTION"},
	}
	byName := map[string]map[string]any{}
	for _, p := range pkgs {
		p := p.(map[string]any)
		byName[p["name"].(string)] = p
	}
	for _, tt := range tests {
		p := byName[tt.name]
		if p["comment"] != tt.comment || p["licenseDeclared"] != tt.license {
			t.Errorf("package %s comment, licenseDeclared = %q, %q; want %q, %q", tt.name, p["comment"], p["licenseDeclared"], tt.comment, tt.license)
		}
	}
}

func TestWriteTimeOption(t *testing.T) {
	var a, b bytes.Buffer
	inv := sample()
	if err := sbom.Write(&a, inv, sbom.FormatCycloneDX, sbom.WithTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	if err := sbom.Write(&b, inv, sbom.FormatCycloneDX, sbom.WithTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Replace(a.String(), "2026-01-01T", "2026-01-02T", -1), b.String(); got != want {
		t.Errorf("outputs at two times differ by more than the time")
	}
	if err := sbom.Write(&a, inv, sbom.FormatSPDX, sbom.WithTime(time.Time{})); err == nil {
		t.Errorf("WithTime(zero) accepted, want an error")
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    sbom.Format
		wantErr bool
	}{
		{"table", sbom.FormatTable, false},
		{"JSON", sbom.FormatJSON, false},
		{" cyclonedx ", sbom.FormatCycloneDX, false},
		{"spdx", sbom.FormatSPDX, false},
		{"CycloneDX-JSON", sbom.FormatCycloneDX, false},
		{"spdx-json", sbom.FormatSPDX, false},
		{"sarif", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := sbom.ParseFormat(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil {
			var ec interface{ InvalidInput() bool }
			if !errors.Is(err, sbom.ErrUnknownFormat) || !errors.As(err, &ec) || !ec.InvalidInput() {
				t.Errorf("ParseFormat(%q) error %v: want ErrUnknownFormat with exit code 2", tt.in, err)
			}
		}
	}
	if err := sbom.Write(&bytes.Buffer{}, sample(), "xml"); !errors.Is(err, sbom.ErrUnknownFormat) {
		t.Errorf("Write(xml) = %v, want ErrUnknownFormat", err)
	}
}

// TestTableHostileNames checks that names from image content cannot break
// the table or write control sequences to a terminal.
func TestTableHostileNames(t *testing.T) {
	inv := rootfs()
	inv.Packages[0].Name = "evil\x1b[2J\tname\nnext"
	out := string(write(t, inv, sbom.FormatTable))
	if strings.ContainsAny(out, "\x1b\t") {
		t.Errorf("table contains control characters: %q", out)
	}
	if !strings.Contains(out, "evil?[2J?name?next") {
		t.Errorf("table = %q, want the name with control characters replaced by ?", out)
	}
	if !strings.Contains(out, "1 package in 1 layer, OS unknown") {
		t.Errorf("table = %q, want singular summary with unknown OS", out)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden compares every format's output for the sample image with the
// file under testdata/golden; run with -update after a deliberate change and
// review the diff.
func TestGolden(t *testing.T) {
	tests := []struct {
		format sbom.Format
		file   string
	}{
		{sbom.FormatTable, "sample.table.txt"},
		{sbom.FormatJSON, "sample.json"},
		{sbom.FormatCycloneDX, "sample.cdx.json"},
		{sbom.FormatSPDX, "sample.spdx.json"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			got := write(t, sample(), tt.format)
			path := filepath.Join("testdata", "golden", tt.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./sbom -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s output differs from %s\ngot:\n%s\nwant:\n%s", tt.format, path, got, want)
			}
		})
	}
}
