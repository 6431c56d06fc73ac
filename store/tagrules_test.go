package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestTagRuleTables(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, r := range []store.ImmutableTagRule{{Namespace: "prod", Pattern: "v*"}, {Namespace: "prod", Pattern: "release-*"}, {Namespace: "dev", Pattern: "*"}} {
			if err := st.AddImmutableTagRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddImmutableTagRule(ctx, store.ImmutableTagRule{Namespace: "prod", Pattern: "v*"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("adding a rule twice = %v, want ErrConflict", err)
		}
		prod, err := st.ImmutableTagRules(ctx, "prod")
		if err != nil || len(prod) != 2 || prod[0].Pattern != "release-*" || prod[1].Pattern != "v*" || prod[0].Created.IsZero() {
			t.Errorf("rules of prod = %+v, %v; want release-*, v* with their times", prod, err)
		}
		if all, _ := st.ImmutableTagRules(ctx, ""); len(all) != 3 {
			t.Errorf("all rules = %+v, want 3", all)
		}
		if err := st.DeleteImmutableTagRule(ctx, "prod", "v*"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteImmutableTagRule(ctx, "prod", "v*"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting a missing rule = %v, want ErrNotFound", err)
		}

		for _, r := range []store.RetentionRule{{Scope: "team", KeepLast: 5}, {Scope: "team/app", KeepDays: 30}, {Scope: "team", KeepLast: 3, KeepDays: 7}} {
			if err := st.PutRetentionRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		rr, err := st.RetentionRules(ctx)
		if err != nil || len(rr) != 2 || rr[0] != (store.RetentionRule{Scope: "team", KeepLast: 3, KeepDays: 7, Created: rr[0].Created}) || rr[1].KeepDays != 30 {
			t.Errorf("retention rules = %+v, %v; want team (3, 7 replaced) and team/app (30 days)", rr, err)
		}
		if err := st.DeleteRetentionRule(ctx, "team/app"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteRetentionRule(ctx, "team/app"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting a missing retention rule = %v, want ErrNotFound", err)
		}

		// TagDigest and TagUses read the tags table.
		if err := st.PutBlob(ctx, "team/app", dConfig, 10); err != nil {
			t.Fatal(err)
		}
		m := &store.Manifest{Repo: "team/app", Digest: dImage, MediaType: "application/vnd.oci.image.manifest.v1+json",
			Content: []byte(`{}`), Blobs: []string{dConfig}}
		if err := st.PutManifest(ctx, m, "old"); err != nil {
			t.Fatal(err)
		}
		if err := st.PutManifest(ctx, m, "new"); err != nil {
			t.Fatal(err)
		}
		if d, err := st.TagDigest(ctx, "team/app", "new"); err != nil || d != dImage {
			t.Errorf("TagDigest = %q, %v", d, err)
		}
		if _, err := st.TagDigest(ctx, "team/app", "none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TagDigest of a missing tag = %v, want ErrNotFound", err)
		}
		uses, err := st.TagUses(ctx, "team/app")
		if err != nil || len(uses) != 2 || uses[0].Tag != "new" || uses[1].Tag != "old" || uses[0].Updated.IsZero() {
			t.Errorf("TagUses = %+v, %v; want new then old", uses, err)
		}
	})
}

// TestHeldTags: a held tag is created once and never moved, even by
// pushes racing to create it.
func TestHeldTags(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.PutBlob(ctx, "team/app", dConfig, 10); err != nil {
			t.Fatal(err)
		}
		held := func(tag string) bool { return tag == "v1" }
		manifest := func(i int) *store.Manifest {
			return &store.Manifest{Repo: "team/app", Digest: fmt.Sprintf("sha256:%064x", i+1), MediaType: "application/vnd.oci.image.manifest.v1+json",
				Content: []byte(fmt.Sprintf(`{"n":%d}`, i)), Blobs: []string{dConfig}}
		}
		const racers = 8
		errs := make(chan error, racers)
		var wg sync.WaitGroup
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- st.PutManifestKeeping(ctx, manifest(i), held, "v1", "latest") }()
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			var th *store.TagHeldError
			switch {
			case err == nil:
				won++
			case errors.As(err, &th):
				if th.Tag != "v1" || th.Current == "" {
					t.Errorf("TagHeldError = %+v", th)
				}
			default:
				t.Errorf("racing push: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d pushes created the held tag, want exactly 1", won)
		}
		v1, _ := st.TagDigest(ctx, "team/app", "v1")
		latest, _ := st.TagDigest(ctx, "team/app", "latest")
		if v1 != latest {
			t.Errorf("v1 = %s but latest = %s: a refused push moved latest", v1, latest)
		}
		// The same digest again is fine; a refused push leaves no manifest behind.
		var winner *store.Manifest
		for i := 0; i < racers; i++ {
			if m := manifest(i); m.Digest == v1 {
				winner = m
			} else if _, err := st.GetManifest(ctx, "team/app", m.Digest); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("refused manifest %s stored: %v", m.Digest, err)
			}
		}
		if err := st.PutManifestKeeping(ctx, winner, held, "v1"); err != nil {
			t.Errorf("pushing the held tag's own digest again: %v", err)
		}
	})
}
