package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestEnforcementSettingsAndBypass(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		set := store.NamespaceEnforcement{Namespace: "prod", Enforce: true, Policy: "apiVersion: drydock/v1\n", PolicyDigest: "sha256:ab", Updated: now, UpdatedBy: "alice"}
		if err := st.PutNamespaceEnforcement(ctx, set); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("PutNamespaceEnforcement for a missing namespace = %v, want ErrNotFound", err)
		}
		if err := st.CreateNamespace(ctx, auth.Namespace{Name: "prod", Created: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetNamespaceEnforcement(ctx, "prod"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetNamespaceEnforcement before any = %v, want ErrNotFound", err)
		}
		if err := st.PutNamespaceEnforcement(ctx, set); err != nil {
			t.Fatalf("PutNamespaceEnforcement: %v", err)
		}
		got, err := st.GetNamespaceEnforcement(ctx, "prod")
		if err != nil || !reflect.DeepEqual(got, set) {
			t.Fatalf("GetNamespaceEnforcement = %+v, %v; want %+v", got, err, set)
		}
		set.Enforce, set.PolicyDigest, set.UpdatedBy = false, "sha256:cd", "bob"
		if err := st.PutNamespaceEnforcement(ctx, set); err != nil {
			t.Fatalf("PutNamespaceEnforcement again: %v", err)
		}
		all, err := st.ListNamespaceEnforcement(ctx)
		if err != nil || len(all) != 1 || all[0].Enforce || all[0].PolicyDigest != "sha256:cd" || all[0].UpdatedBy != "bob" {
			t.Fatalf("ListNamespaceEnforcement = %+v, %v; want the replaced row only", all, err)
		}

		b := store.QuarantineBypass{Robot: "robot$prod+forensics", GrantedBy: "alice", Granted: now}
		if err := st.GrantQuarantineBypass(ctx, b); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GrantQuarantineBypass to a missing robot = %v, want ErrNotFound", err)
		}
		if err := st.CreateRobot(ctx, auth.Robot{Name: b.Robot, Namespace: "prod", Role: auth.RoleReader, SecretHash: []byte{1}, Created: now}); err != nil {
			t.Fatal(err)
		}
		if err := st.GrantQuarantineBypass(ctx, b); err != nil {
			t.Fatalf("GrantQuarantineBypass: %v", err)
		}
		if err := st.GrantQuarantineBypass(ctx, store.QuarantineBypass{Robot: b.Robot, GrantedBy: "mallory", Granted: now.Add(time.Hour)}); err != nil {
			t.Fatalf("GrantQuarantineBypass twice: %v", err)
		}
		grants, err := st.ListQuarantineBypass(ctx)
		if err != nil || !reflect.DeepEqual(grants, []store.QuarantineBypass{b}) {
			t.Fatalf("ListQuarantineBypass = %+v, %v; want the first grant only", grants, err)
		}
		if err := st.DeleteRobot(ctx, b.Robot); err != nil {
			t.Fatal(err)
		}
		if grants, _ := st.ListQuarantineBypass(ctx); len(grants) != 0 {
			t.Errorf("grant outlived its robot: %+v", grants)
		}
		if err := st.RevokeQuarantineBypass(ctx, b.Robot); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeQuarantineBypass without a grant = %v, want ErrNotFound", err)
		}
		if err := st.DeleteNamespace(ctx, "prod"); err != nil {
			t.Fatal(err)
		}
		if all, _ := st.ListNamespaceEnforcement(ctx); len(all) != 0 {
			t.Errorf("settings outlived their namespace: %+v", all)
		}
	})
}

func TestEnforcementPackageIndexAndRematchMark(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		keys := make([]store.PackageKey, 0, 450)
		for i := range 450 {
			keys = append(keys, store.PackageKey{Eco: "npm", Name: string(rune('a'+i%26)) + time.Duration(i).String()})
		}
		keys = append(keys, keys[0]) // a repeated key is kept once
		if err := st.IndexPackages(ctx, dImage, keys); err != nil {
			t.Fatalf("IndexPackages: %v", err)
		}
		if err := st.IndexPackages(ctx, dSig, []store.PackageKey{{Eco: "debian:12", Name: "openssl"}, keys[3]}); err != nil {
			t.Fatalf("IndexPackages: %v", err)
		}
		got, err := st.DigestsWithPackage(ctx, keys[3])
		if err != nil || len(got) != 2 {
			t.Fatalf("DigestsWithPackage(shared) = %v, %v; want both digests", got, err)
		}
		// Indexing again replaces: dImage no longer has keys[3].
		if err := st.IndexPackages(ctx, dImage, keys[4:10]); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.DigestsWithPackage(ctx, keys[3]); !reflect.DeepEqual(got, []string{dSig}) {
			t.Errorf("after re-index DigestsWithPackage = %v, want [%s]", got, dSig)
		}
		if got, _ := st.DigestsWithPackage(ctx, store.PackageKey{Eco: "npm", Name: "absent"}); len(got) != 0 {
			t.Errorf("DigestsWithPackage(absent) = %v", got)
		}
		idx, err := st.IndexedDigests(ctx)
		if err != nil || !idx[dImage] || !idx[dSig] || len(idx) != 2 {
			t.Errorf("IndexedDigests = %v, %v", idx, err)
		}

		if since, err := st.RematchSince(ctx, "vulndb"); err != nil || !since.IsZero() {
			t.Errorf("RematchSince before any = %v, %v; want zero", since, err)
		}
		at := time.Date(2026, 11, 30, 10, 0, 0, 5, time.UTC)
		for _, ts := range []time.Time{at.Add(-time.Hour), at} {
			if err := st.SetRematchSince(ctx, "vulndb", ts); err != nil {
				t.Fatal(err)
			}
		}
		if since, err := st.RematchSince(ctx, "vulndb"); err != nil || !since.Equal(at) {
			t.Errorf("RematchSince = %v, %v; want %v", since, err, at)
		}
	})
}

func TestManifestsWithBlobAndRepositoriesWithManifest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, repo := range []string{"prod/app", "dev/app"} {
			for _, b := range []string{dConfig, dLayer} {
				if err := st.PutBlob(ctx, repo, b, 10); err != nil {
					t.Fatal(err)
				}
			}
			img := &store.Manifest{Repo: repo, Digest: dImage, MediaType: "application/vnd.oci.image.manifest.v1+json",
				Content: []byte(`{}`), Blobs: []string{dConfig, dLayer}}
			if err := st.PutManifest(ctx, img); err != nil {
				t.Fatal(err)
			}
		}
		other := &store.Manifest{Repo: "prod/app", Digest: dSbom, MediaType: "application/vnd.oci.image.manifest.v1+json",
			Content: []byte(`{"a":1}`), Blobs: []string{dLayer}}
		if err := st.PutManifest(ctx, other); err != nil {
			t.Fatal(err)
		}
		got, err := st.ManifestsWithBlob(ctx, "prod/app", dLayer)
		if err != nil || !reflect.DeepEqual(got, []string{dImage, dSbom}) {
			t.Errorf("ManifestsWithBlob(layer) = %v, %v", got, err)
		}
		if got, _ := st.ManifestsWithBlob(ctx, "dev/app", dLayer); !reflect.DeepEqual(got, []string{dImage}) {
			t.Errorf("ManifestsWithBlob in dev = %v", got)
		}
		if got, _ := st.ManifestsWithBlob(ctx, "prod/app", dSig); len(got) != 0 {
			t.Errorf("ManifestsWithBlob(unreferenced) = %v", got)
		}
		repos, err := st.RepositoriesWithManifest(ctx, dImage)
		if err != nil || !reflect.DeepEqual(repos, []string{"dev/app", "prod/app"}) {
			t.Errorf("RepositoriesWithManifest = %v, %v", repos, err)
		}
	})
}

func TestEnforcementFindingIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.IndexFindings(ctx, dImage, []string{"CVE-2024-1", "GHSA-x", "CVE-2024-1"}); err != nil {
			t.Fatalf("IndexFindings: %v", err)
		}
		if err := st.IndexFindings(ctx, dSig, []string{"CVE-2024-1"}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.DigestsWithFinding(ctx, "CVE-2024-1"); err != nil || len(got) != 2 {
			t.Errorf("DigestsWithFinding = %v, %v; want both", got, err)
		}
		if err := st.IndexFindings(ctx, dImage, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.DigestsWithFinding(ctx, "CVE-2024-1"); !reflect.DeepEqual(got, []string{dSig}) {
			t.Errorf("after clearing dImage: %v, want [%s]", got, dSig)
		}
		if got, _ := st.DigestsWithFinding(ctx, "GHSA-x"); len(got) != 0 {
			t.Errorf("GHSA-x still indexed: %v", got)
		}
	})
}

func TestEnforcementFindings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.GetFindings(ctx, dImage); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetFindings before any = %v, want ErrNotFound", err)
		}
		at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		f := store.StoredFindings{Digest: dImage, Findings: []byte{0x1f, 0x8b, 0, 1}, DBBuilt: at.Add(-time.Hour), Updated: at}
		for _, body := range [][]byte{{9}, f.Findings} {
			f.Findings = body
			if err := st.PutFindings(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.GetFindings(ctx, dImage)
		if err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("GetFindings = %+v, %v; want %+v", got, err, f)
		}
	})
}
