package catalog

import (
	"bytes"
	"debug/elf"
	"math/rand/v2"
	"os"
	"testing"
)

// Image content is hostile: a binary whose pclntab or moduledata was
// tampered with gives an error or fewer symbols, never a panic or a hang.
func TestGoSymbolsOfTamperedBinaries(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	var regions [][2]uint64 // file offset, size
	for _, name := range []string{".gopclntab", ".go.module", ".noptrdata"} {
		if s := f.Section(name); s != nil && s.Type != elf.SHT_NOBITS {
			regions = append(regions, [2]uint64{s.Offset, s.Size})
		}
	}
	if len(regions) == 0 {
		t.Fatal("the test binary has no .gopclntab")
	}
	want, err := goSymbols(bytes.NewReader(orig))
	if err != nil || len(want) == 0 {
		t.Fatalf("untouched binary: %d symbols, %v", len(want), err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 12 {
		b := bytes.Clone(orig)
		r := regions[rng.IntN(len(regions))]
		for range 1 + rng.IntN(64) {
			off := r[0] + rng.Uint64N(min(r[1], 4096+uint64(i)*8192))
			b[off] = byte(rng.Uint32())
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("tampered binary %d: panic %v", i, p)
				}
			}()
			goSymbols(bytes.NewReader(b))
		}()
	}
}
