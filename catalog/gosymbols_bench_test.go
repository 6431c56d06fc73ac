package catalog

import (
	"bytes"
	"debug/buildinfo"
	"os"
	"testing"
)

// The symbol check's cost per binary, against reading the build
// information alone (what every Go binary costs without it), on the test
// binary itself (a real, unstripped Go executable of some megabytes) or on
// the binary $DRYDOCK_BENCH_GOBINARY names (Debian's /usr/bin/skopeo, say):
//
//	go test ./catalog -run '^$' -bench 'GoBinary' -benchtime 20x -benchmem
func benchBinary(b *testing.B) *bytes.Reader {
	exe, err := os.Executable()
	if env := os.Getenv("DRYDOCK_BENCH_GOBINARY"); env != "" {
		exe, err = env, nil
	}
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	return bytes.NewReader(data)
}

func BenchmarkGoBinaryBuildInfo(b *testing.B) {
	r := benchBinary(b)
	for b.Loop() {
		if _, err := buildinfo.Read(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoBinarySymbols(b *testing.B) {
	r := benchBinary(b)
	var n int
	for b.Loop() {
		syms, err := goSymbols(r)
		if err != nil {
			b.Fatal(err)
		}
		n = len(syms)
	}
	b.ReportMetric(float64(n), "symbols")
}
