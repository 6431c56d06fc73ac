package catalog_test

import (
	"slices"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// The test binary is built with -ldflags "-s -w": no symbol table, no
// DWARF. Its functions still come out of the pclntab, each with the
// module that built it, inlined ones included.
func TestGoSymbolsOfStrippedBinary(t *testing.T) {
	inv := catalogV1(t, imagetest.Image(t, imagetest.Step{CreatedBy: "COPY", Layer: imagetest.Layer(t, exe("app/server", goBinary(t)))}))
	want := map[string][]string{
		"stdlib":                 {"fmt.Println", "runtime.main"},
		"github.com/google/uuid": {"github.com/google/uuid.NewString", "github.com/google/uuid.UUID.String"},
	}
	for _, p := range inv.Packages {
		if p.Type != inventory.TypeGoModule && p.Type != inventory.TypeGoStdlib {
			continue
		}
		if p.Symbols == nil {
			t.Errorf("%s: no symbols read", p.Name)
		}
		for _, s := range want[p.Name] {
			if !slices.Contains(p.Symbols, s) {
				t.Errorf("%s: %d symbols, %s not among them", p.Name, len(p.Symbols), s)
			}
		}
		for _, s := range p.Symbols {
			if p.Name == "stdlib" && slices.Contains(want["github.com/google/uuid"], s) {
				t.Errorf("stdlib holds uuid's symbol %s", s)
			}
		}
	}
}
