package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// TestManifestsWithin: the base-image candidates of an image are the
// manifests whose blobs are its layers but for the config, in any
// repository, newest first; a manifest with a layer the image lacks, a
// referrer, or a manifest too big to be an image's, is not one.
func TestManifestsWithin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		b := func(s string) string { return digest.FromString(s).String() }
		put := func(repo, d, subject string, blobs ...string) *store.Manifest {
			t.Helper()
			for _, bl := range blobs {
				if err := st.PutBlob(ctx, repo, bl, 10); err != nil {
					t.Fatal(err)
				}
			}
			m := &store.Manifest{Repo: repo, Digest: d, MediaType: "application/vnd.oci.image.manifest.v1+json",
				ConfigMediaType: "application/vnd.oci.image.config.v1+json", Content: []byte(d), Blobs: blobs, Subject: subject}
			if err := st.PutManifest(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		l1, l2, l3 := b("layer 1"), b("layer 2"), b("layer 3")
		put("lib/base", b("base"), "", b("base config"), l1, l2)
		put("lib/tiny", b("tiny"), "", b("tiny config"), l1)
		put("other/x", b("x"), "", b("x config"), l1, b("layer x"))
		put("team/app", b("app"), "", b("app config"), l1, l2, l3)
		put("team/app", b("sig"), b("app"), b("sig config"), l1)
		// Too big to be read as a candidate (hostile, or not an image).
		huge := put("lib/huge", b("huge"), "", b("huge config"), l1)
		huge.Digest, huge.Content = b("huge 2"), make([]byte, store.MaxBaseManifestSize+1)
		if err := st.PutManifest(ctx, huge); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteManifest(ctx, "lib/huge", b("huge")); err != nil {
			t.Fatal(err)
		}

		got, err := st.ManifestsWithin(ctx, []string{l1, l2, l3}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range got {
			names = append(names, m.Repo+"@"+m.Digest)
		}
		want := []string{"team/app@" + b("app"), "lib/tiny@" + b("tiny"), "lib/base@" + b("base")}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("ManifestsWithin(l1 l2 l3) =\n%v\nwant\n%v", names, want)
		}
		if len(got) > 0 && (string(got[0].Content) != b("app") || got[0].PushedAt.IsZero()) {
			t.Errorf("first candidate content %q pushed %v, want the manifest and its push time", got[0].Content, got[0].PushedAt)
		}
		if got, err := st.ManifestsWithin(ctx, []string{l1, l2, l3}, 1); err != nil || len(got) != 1 || got[0].Repo != "team/app" {
			t.Errorf("ManifestsWithin(…, 1) = %d manifests, %v; want the newest only", len(got), err)
		}
		if got, err := st.ManifestsWithin(ctx, []string{l2, l3}, 0); err != nil || len(got) != 0 {
			t.Errorf("ManifestsWithin(l2 l3) = %d manifests, %v; want none (every manifest with l2 also has l1)", len(got), err)
		}
		if _, err := st.ManifestsWithin(ctx, make([]string, store.MaxBaseLayers+1), 0); err == nil {
			t.Error("ManifestsWithin with too many layers succeeded")
		}
	})
}
