package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

const (
	dConfig = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	dLayer  = "sha256:0000000000000000000000000000000000000000000000000000000000000002"
	dImage  = "sha256:00000000000000000000000000000000000000000000000000000000000000aa"
	dSig    = "sha256:00000000000000000000000000000000000000000000000000000000000000bb"
	dSbom   = "sha256:00000000000000000000000000000000000000000000000000000000000000cc"
)

func TestRegistryTables(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()

		// A manifest whose blobs are not in the repository is refused.
		img := &store.Manifest{Repo: "team/app", Digest: dImage, MediaType: "application/vnd.oci.image.manifest.v1+json",
			Content: []byte(`{"x":1}`), ConfigMediaType: "application/vnd.oci.image.config.v1+json", Blobs: []string{dConfig, dLayer}}
		if err := st.PutManifest(ctx, img, "v1"); !errors.Is(err, store.ErrMissingReference) {
			t.Fatalf("PutManifest without blobs = %v, want ErrMissingReference", err)
		}
		if err := st.PutBlob(ctx, "team/app", dConfig, 10); err != nil {
			t.Fatal(err)
		}
		if err := st.PutBlob(ctx, "team/app", dLayer, 20); err != nil {
			t.Fatal(err)
		}
		if err := st.PutManifest(ctx, img, "v1"); err != nil {
			t.Fatalf("PutManifest: %v", err)
		}
		if err := st.PutManifest(ctx, img, "latest"); err != nil {
			t.Fatalf("PutManifest again with another tag: %v", err)
		}

		// By tag and by digest, the same bytes.
		for _, ref := range []string{"v1", "latest", dImage} {
			m, err := st.GetManifest(ctx, "team/app", ref)
			if err != nil {
				t.Fatalf("GetManifest(%s): %v", ref, err)
			}
			if m.Digest != dImage || string(m.Content) != `{"x":1}` || m.PushedAt.IsZero() {
				t.Errorf("GetManifest(%s) = %s %q pushed %v, want %s {\"x\":1}", ref, m.Digest, m.Content, m.PushedAt, dImage)
			}
		}
		if _, err := st.GetManifest(ctx, "other/app", "v1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetManifest in another repo = %v, want ErrNotFound", err)
		}

		// Blobs are scoped to repositories; a mount shares one.
		if _, err := st.BlobSize(ctx, "other/app", dLayer); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("BlobSize in other repo = %v, want ErrNotFound", err)
		}
		if size, err := st.MountBlob(ctx, "other/app", "team/app", dLayer); err != nil || size != 20 {
			t.Errorf("MountBlob = %d, %v; want 20, nil", size, err)
		}
		if size, err := st.BlobSize(ctx, "other/app", dLayer); err != nil || size != 20 {
			t.Errorf("BlobSize after mount = %d, %v; want 20, nil", size, err)
		}
		if _, err := st.MountBlob(ctx, "third/app", "nowhere/app", dLayer); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MountBlob from a repo without it = %v, want ErrNotFound", err)
		}
		if repos, err := st.BlobRepositories(ctx, dLayer); err != nil || len(repos) != 2 || repos[0] != "other/app" {
			t.Errorf("BlobRepositories = %v, %v; want [other/app team/app]", repos, err)
		}
		if size, ok, err := st.BlobExists(ctx, dLayer); err != nil || !ok || size != 20 {
			t.Errorf("BlobExists = %d %v %v, want 20 true nil", size, ok, err)
		}

		// Referrers, filtered by artifact type.
		for _, r := range []struct{ d, typ string }{{dSig, "application/vnd.dev.cosign.sig"}, {dSbom, "application/spdx+json"}} {
			m := &store.Manifest{Repo: "team/app", Digest: r.d, MediaType: "application/vnd.oci.image.manifest.v1+json",
				Content: []byte(`{}`), Subject: dImage, ArtifactType: r.typ, Annotations: map[string]string{"k": r.typ}}
			if err := st.PutManifest(ctx, m, ""); err != nil {
				t.Fatalf("PutManifest referrer: %v", err)
			}
		}
		refs, err := st.Referrers(ctx, "team/app", dImage, "")
		if err != nil || len(refs) != 2 {
			t.Fatalf("Referrers = %v, %v; want 2", refs, err)
		}
		refs, err = st.Referrers(ctx, "team/app", dImage, "application/spdx+json")
		if err != nil || len(refs) != 1 || refs[0].Digest != dSbom || refs[0].Annotations["k"] != "application/spdx+json" || refs[0].Size != 2 {
			t.Errorf("Referrers(spdx) = %+v, %v; want only %s with its annotation", refs, err, dSbom)
		}

		// Tags page in byte order.
		for _, tag := range []string{"B", "a", "Z"} {
			if err := st.PutManifest(ctx, img, tag); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			last string
			n    int
			want []string
		}{
			{"", 0, []string{"B", "Z", "a", "latest", "v1"}},
			{"", 2, []string{"B", "Z"}},
			{"Z", 2, []string{"a", "latest"}},
			{"v1", 5, []string{}},
		}
		for _, tt := range tests {
			got, err := st.Tags(ctx, "team/app", tt.last, tt.n)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Tags(last=%q, n=%d) = %v, %v; want %v", tt.last, tt.n, got, err, tt.want)
			}
		}
		if err := st.DeleteTag(ctx, "team/app", "B"); err != nil {
			t.Errorf("DeleteTag: %v", err)
		}
		if err := st.DeleteTag(ctx, "team/app", "B"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteTag twice = %v, want ErrNotFound", err)
		}

		repos, err := st.Repositories(ctx, "", 0)
		if err != nil || !reflect.DeepEqual(repos, []string{"team/app"}) {
			t.Errorf("Repositories = %v, %v; want [team/app] (other/app has no manifest)", repos, err)
		}

		// Deleting the manifest takes its tags and its referrer entries along.
		if err := st.DeleteManifest(ctx, "team/app", dSig); err != nil {
			t.Fatal(err)
		}
		if refs, _ := st.Referrers(ctx, "team/app", dImage, ""); len(refs) != 1 {
			t.Errorf("referrers after deleting one = %d, want 1", len(refs))
		}
		if err := st.DeleteManifest(ctx, "team/app", dImage); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetManifest(ctx, "team/app", "v1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tag after manifest delete = %v, want ErrNotFound", err)
		}
		if err := st.UnlinkBlob(ctx, "team/app", dLayer); err != nil {
			t.Errorf("UnlinkBlob: %v", err)
		}
		if _, err := st.BlobSize(ctx, "team/app", dLayer); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("BlobSize after unlink = %v, want ErrNotFound", err)
		}
	})
}

func TestUploads(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUpload(ctx, "team/app", "u1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetUpload(ctx, "other/app", "u1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUpload from another repo = %v, want ErrNotFound", err)
		}
		if err := st.AdvanceUpload(ctx, "u1", 0, 5, []byte("state")); err != nil {
			t.Fatal(err)
		}
		// A chunk that assumes the old offset loses.
		if err := st.AdvanceUpload(ctx, "u1", 0, 7, nil); !errors.Is(err, store.ErrConflict) {
			t.Errorf("AdvanceUpload from stale offset = %v, want ErrConflict", err)
		}
		u, err := st.GetUpload(ctx, "team/app", "u1")
		if err != nil || u.Written != 5 || string(u.HashState) != "state" {
			t.Fatalf("GetUpload = %+v, %v; want written 5 with state", u, err)
		}
		stale, err := st.StaleUploads(ctx, time.Now().Add(time.Minute))
		if err != nil || len(stale) != 1 || stale[0].Repo != "team/app" {
			t.Errorf("StaleUploads = %+v, %v; want u1", stale, err)
		}
		if err := st.DeleteUpload(ctx, "u1"); err != nil {
			t.Fatal(err)
		}
		if err := st.AdvanceUpload(ctx, "u1", 5, 6, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AdvanceUpload after delete = %v, want ErrNotFound", err)
		}
	})
}
