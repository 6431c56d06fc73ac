package enforce_test

import (
	"context"
	"testing"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store/storetest"
)

// BenchmarkGate measures the check the registry makes before serving a
// manifest: in a namespace that does not enforce, and in one that does
// with the decision cached (the steady state of repeated pulls).
func BenchmarkGate(b *testing.B) {
	ctx := context.Background()
	st := storetest.SQLite(b)
	f := newFixture(b, st)
	img := dg("image")
	putImage(b, st, "prod/app", img, dg("layer"))
	putImage(b, st, "dev/app", img, dg("layer"))
	f.scans.put(img, opensslResult(img))
	f.enforce(b, "prod", highPolicy)
	p := auth.Principal{Name: "alice", Kind: "user"}
	b.Run("not-enforcing", func(b *testing.B) {
		for b.Loop() {
			if err := f.gate.MayServeManifest(ctx, "dev/app", img, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("enforcing-cached", func(b *testing.B) {
		for b.Loop() {
			if err := f.gate.MayServeManifest(ctx, "prod/app", img, p); err == nil {
				b.Fatal("a failing image was served")
			}
		}
	})
}
