package sbom_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// TestSPDXCommentHostile writes packages and layers whose strings hold the
// comment's own syntax (spaces, "=", "%", ",", "drydock:", a whole fake
// field) and control characters, as image content may, and reads them back
// through SPDX: every value must come back exactly and stay in its field.
func TestSPDXCommentHostile(t *testing.T) {
	hostile := []string{
		"dir with spaces/package.json",
		"a=b/c==d",
		"100%/%20/%zz/%",
		"a,b,,c",
		"x layer=0 type=deb",
		"drydock: type=npm",
		"line\nbreak\ttab\r\x00nul\x7f",
		"no\u00a0break\u2028separator",
		"trailing space ",
		" ",
	}
	for _, s := range hostile {
		t.Run(strings.ReplaceAll(s, "/", "_"), func(t *testing.T) {
			inv := rootfs()
			inv.Layers[0].CreatedBy = "RUN " + s
			inv.Layers[0].Digest = s
			inv.Warnings = []string{s}
			inv.Platform = s
			p := &inv.Packages[0]
			p.Path, p.Ecosystem, p.SourceName, p.SourceVersion, p.Arch = s, s, s, s, s
			p.Licenses = []string{"MIT", s}
			out := write(t, inv, sbom.FormatSPDX)
			m := decode(t, out)
			for _, pkg := range m["packages"].([]any) {
				c, _ := pkg.(map[string]any)["comment"].(string)
				if strings.ContainsAny(c, "\r\t\x00\x7f") {
					t.Errorf("comment %q holds a control character", c)
				}
				// The only newlines are the image comment's own, one
				// before each layer and warning.
				for i, line := range strings.Split(c, "\n") {
					if i > 0 && !strings.HasPrefix(line, "layer=") && !strings.HasPrefix(line, "warning=") {
						t.Errorf("comment line %q starts no layer or warning", line)
					}
				}
			}
			got, err := sbom.Read(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("Read: %v\n%s", err, out)
			}
			requireEqual(t, got, sorted(inv))
		})
	}
}

// TestSPDXLicenses checks which license lists licenseDeclared carries alone
// and which also need the comment: each must read back as written.
func TestSPDXLicenses(t *testing.T) {
	tests := []struct {
		licenses []string
		// declared is the licenseDeclared drydock writes.
		declared string
		// listed says whether the comment lists the licenses too.
		listed bool
	}{
		{nil, "NOASSERTION", false},
		{[]string{"MIT"}, "MIT", false},
		{[]string{"GPL-2.0-only", "LGPL-2.1-or-later"}, "GPL-2.0-only AND LGPL-2.1-or-later", false},
		{[]string{"MIT OR Apache-2.0"}, "NOASSERTION", true},
		{[]string{"MIT", "Public Domain"}, "NOASSERTION", true},
		{[]string{"NOASSERTION"}, "NOASSERTION", true},
	}
	for _, tt := range tests {
		inv := rootfs()
		inv.Packages[0].Licenses = tt.licenses
		out := write(t, inv, sbom.FormatSPDX)
		pkg := decode(t, out)["packages"].([]any)[1].(map[string]any)
		listed := strings.Contains(pkg["comment"].(string), " license=")
		if pkg["licenseDeclared"] != tt.declared || listed != tt.listed {
			t.Errorf("licenses %q: licenseDeclared %v, listed in comment %v; want %q, %v", tt.licenses, pkg["licenseDeclared"], listed, tt.declared, tt.listed)
		}
		got, err := sbom.Read(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		requireEqual(t, got, sorted(inv))
	}
}

// TestSPDXCreatedPrecision checks that an image creation time with
// fractions of a second, as builders record it, survives although SPDX's
// builtDate holds whole seconds.
func TestSPDXCreatedPrecision(t *testing.T) {
	inv := sample()
	created := time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
	inv.Created = &created
	out := write(t, inv, sbom.FormatSPDX)
	img := decode(t, out)["packages"].([]any)[0].(map[string]any)
	if img["builtDate"] != "2024-03-01T12:30:45Z" {
		t.Errorf("builtDate = %v, want 2024-03-01T12:30:45Z", img["builtDate"])
	}
	got, err := sbom.Read(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, sorted(inv))
}

// TestSPDXEmptyLayers checks layers whose optional fields are all empty,
// and an inventory with no layers: neither may add or lose a layer.
func TestSPDXEmptyLayers(t *testing.T) {
	for _, layers := range [][]inventory.Layer{
		{},
		{{Index: 0}},
		{{Index: 0}, {Index: 1, DiffID: "sha256:01"}},
	} {
		inv := &inventory.Inventory{Source: "oci:./x", Layers: layers}
		got, err := sbom.Read(bytes.NewReader(write(t, inv, sbom.FormatSPDX)))
		if err != nil {
			t.Fatal(err)
		}
		requireEqual(t, got, sorted(inv))
	}
}
