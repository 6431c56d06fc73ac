package dbartifact_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drydock/drydock/bench/vulndb/corpus"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/dbartifact"
)

// BenchmarkPushPull20k pushes a database of 20,000 synthetic records (the
// corpus vulndb's own benchmarks use) through drydock's registry in process
// and pulls it into a new path; it reports the database and layer sizes.
//
//	go test -run '^$' -bench PushPull -benchtime 3x ./vulndb/dbartifact
func BenchmarkPushPull20k(b *testing.B) {
	ctx := b.Context()
	dir := b.TempDir()
	zipPath := filepath.Join(dir, "all.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := corpus.WriteZip(f, 20_000, 1, corpus.Ecosystems); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "vuln.db")
	if _, err := vulndb.Import(ctx, src, zipPath); err != nil {
		b.Fatal(err)
	}
	host := startRegistry(b)
	ref := host + "/bench/vulndb:latest"
	var pushed, pulled *dbartifact.Result
	var pushTime, pullTime time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		if pushed, err = dbartifact.Push(ctx, src, ref, asAdmin...); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		dst := filepath.Join(dir, "pulled.db")
		os.Remove(dst)
		if pulled, err = dbartifact.Pull(ctx, dst, ref, asAdmin...); err != nil {
			b.Fatal(err)
		}
		pushTime, pullTime, n = pushTime+mid.Sub(start), pullTime+time.Since(mid), n+1
	}
	if pulled.Records != 20_000 {
		b.Fatalf("pulled %d records, want 20000", pulled.Records)
	}
	b.ReportMetric(float64(pushed.DBSize)/(1<<20), "db-MiB")
	b.ReportMetric(float64(pushed.LayerSize)/(1<<20), "layer-MiB")
	b.ReportMetric(pushTime.Seconds()/float64(n), "push-s")
	b.ReportMetric(pullTime.Seconds()/float64(n), "pull-s")
}
