package verdict

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
)

// TestDecodeLayers: the layers read alone equal those of the whole
// inventory, also when the layers follow the packages (a document written
// in another member order) or are missing; damaged input is an error.
func TestDecodeLayers(t *testing.T) {
	inv := &inventory.Inventory{Source: "reg/app", Digest: "sha256:aa", Layers: []inventory.Layer{
		{Index: 0, DiffID: "sha256:d0", Digest: "sha256:c0", Size: 10, CreatedBy: "ADD rootfs"},
		{Index: 1, DiffID: "sha256:d1", Digest: "sha256:c1", Size: 20, CreatedBy: "RUN apt-get install curl"},
	}}
	for i := range 500 {
		inv.Packages = append(inv.Packages, inventory.Package{Name: fmt.Sprintf("pkg-%d", i), Version: "1.0", Ecosystem: "npm", Layer: 1})
	}
	body, err := EncodeInventory(inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeLayers(body)
	if err != nil || !reflect.DeepEqual(got, inv.Layers) {
		t.Fatalf("DecodeLayers = %+v, %v; want %+v", got, err, inv.Layers)
	}

	packagesFirst := gzipped(t, `{"packages":[{"name":"a","version":"1"}],"source":"x","layers":[{"index":0,"diffId":"sha256:d0","digest":"sha256:c0"}]}`)
	if got, err := DecodeLayers(packagesFirst); err != nil || len(got) != 1 || got[0].Digest != "sha256:c0" {
		t.Errorf("layers after the packages: %+v, %v", got, err)
	}
	if got, err := DecodeLayers(gzipped(t, `{"source":"x","packages":[]}`)); err != nil || got != nil {
		t.Errorf("no layers: %+v, %v; want none and no error", got, err)
	}
	for name, bad := range map[string][]byte{
		"not gzip":     []byte("plain text"),
		"not JSON":     gzipped(t, "layers"),
		"not object":   gzipped(t, `["layers"]`),
		"cut short":    gzipped(t, `{"source":"x","layers":[{"index":0,`),
		"wrong type":   gzipped(t, `{"layers":{"index":0}}`),
		"skip damaged": gzipped(t, `{"source":{"a":},"layers":[]}`),
	} {
		if _, err := DecodeLayers(bad); err == nil || !strings.Contains(err.Error(), "inventory layers") {
			t.Errorf("%s: err = %v, want a decode error", name, err)
		}
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecodeLayers sets reading the layers alone beside decoding the
// whole inventory, for an SBOM of 200 packages.
func BenchmarkDecodeLayers(b *testing.B) {
	inv := &inventory.Inventory{Layers: []inventory.Layer{{Digest: "sha256:c0"}, {Index: 1, Digest: "sha256:c1"}}}
	for i := range 200 {
		inv.Packages = append(inv.Packages, inventory.Package{Name: fmt.Sprintf("bench-pkg-%05d", i), Version: "1.2.0", Type: "npm",
			Ecosystem: "npm", PURL: fmt.Sprintf("pkg:npm/bench-pkg-%05d@1.2.0", i), Path: "app/node_modules/x/package.json", Layer: 1})
	}
	body, err := EncodeInventory(inv)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("layers", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeLayers(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeInventory(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
