package verdict_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

func bookworm(digest, platform string) *inventory.Inventory {
	return &inventory.Inventory{
		Source: "test", Digest: digest, Platform: platform,
		Packages: []inventory.Package{
			{Name: "libc6", Version: "2.36-9+deb12u1", Type: inventory.TypeDeb, Ecosystem: "Debian:12", SourceName: "glibc", Layer: 0},
			{Name: "libcurl4", Version: "7.88.1-10+deb12u4", Type: inventory.TypeDeb, Ecosystem: "Debian:12", SourceName: "curl", Layer: 0},
		},
	}
}

// TestStoreRoundTrip judges an inventory, stores its SBOM and verdict, and
// reads both back; the package index finds it by source package name; an
// index's verdict combines its platforms'.
func TestStoreRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		vs := verdict.New(st)
		high, err := policy.New(policy.WithFailOn(match.SeverityHigh))
		if err != nil {
			t.Fatal(err)
		}
		s, err := scan.New(match.NewMemSource(vulndbtest.Advisories(t)...), scan.WithPolicy(high))
		if err != nil {
			t.Fatal(err)
		}
		inv := bookworm("sha256:amd", "linux/amd64")
		res, err := s.ScanInventory(ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		v := verdict.FromResult("prod", "sha256:amd", res, at)
		if v.Status != store.VerdictFail || v.FailOn != "high" || v.PolicyDigest != high.ID().Digest {
			t.Fatalf("verdict %+v, want a failure at high under the policy", v)
		}
		var blocking []string
		for _, b := range v.Blocking {
			blocking = append(blocking, b.ID)
			if len(b.Fixed) == 0 || b.Platform != "linux/amd64" {
				t.Errorf("blocking %+v lacks its fixed version or platform", b)
			}
		}
		if !slices.Equal(blocking, []string{"CVE-2023-46218", "CVE-2023-4911"}) {
			t.Errorf("blocking = %v", blocking)
		}
		if v.Counts.Total() != len(res.Verdict.Findings) || v.Counts.High != 2 {
			t.Errorf("counts %+v for %d findings", v.Counts, len(res.Verdict.Findings))
		}
		if _, err := vs.Put(ctx, v); err != nil {
			t.Fatal(err)
		}
		if err := vs.PutSBOM(ctx, "sha256:amd", inv); err != nil {
			t.Fatal(err)
		}
		back, _, err := vs.SBOM(ctx, "sha256:amd")
		if err != nil || len(back.Packages) != 2 || back.Packages[0].SourceName != "glibc" {
			t.Fatalf("SBOM back = %+v, %v", back, err)
		}
		// Rematch from the stored SBOM finds the same.
		again, err := s.ScanInventory(ctx, back)
		if err != nil || !slices.Equal(again.Verdict.Blocking, res.Verdict.Blocking) {
			t.Errorf("rematch of the stored SBOM blocks %v, %v; want %v", again.Verdict.Blocking, err, res.Verdict.Blocking)
		}
		for _, names := range [][]store.PackageName{{{Ecosystem: "Debian:12.4", Name: "glibc"}}, {{Ecosystem: "Debian:12", Name: "libcurl4"}}} {
			if got, err := vs.Affected(ctx, names); err != nil || !slices.Equal(got, []string{"sha256:amd"}) {
				t.Errorf("Affected(%v) = %v, %v", names, got, err)
			}
		}
		if got, err := vs.Affected(ctx, []store.PackageName{{Ecosystem: "Debian:11", Name: "glibc"}}); err != nil || len(got) != 0 {
			t.Errorf("Affected(Debian:11 glibc) = %v, %v; want none", got, err)
		}
		if _, _, err := vs.SBOM(ctx, "sha256:none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SBOM(missing) = %v", err)
		}

		arm := &store.Verdict{Namespace: "prod", Digest: "sha256:arm", Status: store.VerdictPass, ScannedAt: at.Add(-time.Minute), Counts: store.SeverityCounts{Low: 1}}
		idx := verdict.Combine("prod", "sha256:idx", []*store.Verdict{arm, v})
		if idx.Status != store.VerdictFail || len(idx.Blocking) != 2 || idx.Counts.Low != 1+v.Counts.Low || !idx.ScannedAt.Equal(arm.ScannedAt) {
			t.Errorf("combined %+v", idx)
		}
		if e := verdict.Combine("prod", "sha256:idx", []*store.Verdict{arm, verdict.Errored("prod", "sha256:x", errors.New("layer unreadable"), at)}); e.Status != store.VerdictError || e.Error == "" {
			t.Errorf("combined with an error = %+v", e)
		}
		if e := verdict.Combine("prod", "sha256:idx", nil); e.Status != store.VerdictError {
			t.Errorf("empty index = %+v", e)
		}
	})
}
