package sbom_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// large is an inventory the size of a big application image: 5,000
// packages over 20 layers.
func large() *inventory.Inventory {
	inv := sample()
	inv.Layers = nil
	for i := range 20 {
		inv.Layers = append(inv.Layers, inventory.Layer{Index: i, DiffID: fmt.Sprintf("sha256:%064x", i), CreatedBy: fmt.Sprintf("RUN step %d", i)})
	}
	inv.Packages = nil
	for i := range 5000 {
		inv.Packages = append(inv.Packages, inventory.Package{
			Name: fmt.Sprintf("pkg-%04d", i), Version: "1.0." + fmt.Sprint(i%17), Type: inventory.TypeNPM,
			PURL: fmt.Sprintf("pkg:npm/pkg-%04d@1.0.%d", i, i%17), Ecosystem: "npm", Licenses: []string{"MIT"},
			Path: fmt.Sprintf("app/node_modules/pkg-%04d/package.json", i), Layer: i % 20,
		})
	}
	return inv
}

// BenchmarkWrite measures writing the large inventory; the reported
// bytes/op is the document size.
func BenchmarkWrite(b *testing.B) {
	inv := large()
	for _, f := range sbom.Formats {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := sbom.Write(&buf, inv, f, pinned...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "doc-bytes")
		})
	}
}

// BenchmarkRead measures reading the large inventory back from each JSON
// format.
func BenchmarkRead(b *testing.B) {
	inv := large()
	for _, f := range []sbom.Format{sbom.FormatJSON, sbom.FormatCycloneDX, sbom.FormatSPDX} {
		var buf bytes.Buffer
		if err := sbom.Write(&buf, inv, f, pinned...); err != nil {
			b.Fatal(err)
		}
		doc := buf.Bytes()
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				got, err := sbom.Read(bytes.NewReader(doc))
				if err != nil {
					b.Fatal(err)
				}
				if len(got.Packages) != len(inv.Packages) {
					b.Fatalf("read %d packages, want %d", len(got.Packages), len(inv.Packages))
				}
			}
		})
	}
}
