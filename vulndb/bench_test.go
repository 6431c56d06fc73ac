package vulndb_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/bench/vulndb/corpus"
	"github.com/drydock/drydock/vulndb"
)

// benchCorpus writes an n-record synthetic OSV zip for the benchmarks.
func benchCorpus(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "Bench", "all.zip")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := corpus.WriteZip(f, n, 1, corpus.Ecosystems); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkImport imports a 2,000-record zip into a new database; see
// bench/vulndb for the 300k-record run with memory figures.
func BenchmarkImport(b *testing.B) {
	const n = 2000
	src := benchCorpus(b, n)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		db := filepath.Join(dir, "vuln.db")
		os.Remove(db)
		if _, err := vulndb.Import(context.Background(), db, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAdvisories looks up random packages (a tenth unknown) in a
// database of 20,000 records.
func BenchmarkAdvisories(b *testing.B) {
	ctx := context.Background()
	src := benchCorpus(b, 20000)
	path := filepath.Join(b.TempDir(), "vuln.db")
	if _, err := vulndb.Import(ctx, path, src); err != nil {
		b.Fatal(err)
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(7, 7))
	found := 0
	b.ResetTimer()
	for b.Loop() {
		e := corpus.Ecosystems[r.IntN(len(corpus.Ecosystems))]
		advs, err := db.Advisories(ctx, e.Name, e.Package(r.IntN(e.Packages*11/10)))
		if err != nil {
			b.Fatal(err)
		}
		found += len(advs)
	}
	if found == 0 {
		b.Fatal("no lookup found a record")
	}
}
