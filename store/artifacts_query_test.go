package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// fakeDigest is a well-formed sha256 digest numbered i.
func fakeDigest(i int) string { return fmt.Sprintf("sha256:%064x", i) }

func TestArtifactQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		// team/app: five manifests, m0 tagged v1 and latest, m4 a referrer of m0.
		if err := st.PutBlob(ctx, "team/app", dConfig, 10); err != nil {
			t.Fatal(err)
		}
		var ds []string
		for i := range 5 {
			m := &store.Manifest{Repo: "team/app", Digest: fakeDigest(100 + i), MediaType: "application/vnd.oci.image.manifest.v1+json",
				Content: []byte(strings.Repeat("x", 10+i)), Blobs: []string{dConfig}}
			var tags []string
			switch i {
			case 0:
				tags = []string{"v1", "latest"}
			case 4:
				m.Subject, m.ArtifactType = fakeDigest(100), "application/vnd.example.sbom"
			}
			if err := st.PutManifest(ctx, m, tags...); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, m.Digest)
			time.Sleep(time.Millisecond) // distinct push times, newest last
		}
		if err := st.PutBlob(ctx, "team_x/lib", dConfig, 10); err != nil {
			t.Fatal(err)
		}
		if err := st.PutManifest(ctx, &store.Manifest{Repo: "team_x/lib", Digest: fakeDigest(1), MediaType: "m", Content: []byte("{}"), Blobs: []string{dConfig}}, "v1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.EnsureRepository(ctx, "team/empty"); err != nil {
			t.Fatal(err)
		}
		pulled := time.Now().Add(-time.Minute).Truncate(time.Microsecond).UTC()
		if err := st.MarkPulled(ctx, "team/app", ds[1], pulled); err != nil {
			t.Fatal(err)
		}

		// Summaries: the prefix is literal ('_' is no wildcard) and empty
		// repositories are left out.
		sums := []struct {
			prefix, after string
			n             int
			want          []string
		}{
			{"", "", 0, []string{"team/app", "team_x/lib"}},
			{"team/", "", 0, []string{"team/app"}},
			{"team_", "", 0, []string{"team_x/lib"}},
			{"", "team/app", 0, []string{"team_x/lib"}},
			{"", "", 1, []string{"team/app"}},
			{"nobody/", "", 0, nil},
		}
		for _, tt := range sums {
			got, err := st.RepositorySummaries(ctx, tt.prefix, tt.after, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("RepositorySummaries(%q, %q, %d) = %v, want %v", tt.prefix, tt.after, tt.n, names, tt.want)
			}
		}
		all, _ := st.RepositorySummaries(ctx, "team/", "", 0)
		if len(all) != 1 || all[0].Artifacts != 5 || all[0].Tags != 2 || all[0].PushedAt.IsZero() || !all[0].PulledAt.Equal(pulled) {
			t.Errorf("team/app summary = %+v, want 5 artifacts, 2 tags, a push time and pulled at %v", all, pulled)
		}

		// Pages of two walk all five, newest first, each exactly once.
		var walked []string
		var cur store.ArtifactCursor
		for page := 0; page < 5; page++ {
			got, err := st.Artifacts(ctx, "team/app", cur, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			for _, a := range got {
				walked = append(walked, a.Digest)
			}
			last := got[len(got)-1]
			cur = store.ArtifactCursor{PushedAt: last.PushedAt, Digest: last.Digest}
		}
		want := []string{ds[4], ds[3], ds[2], ds[1], ds[0]}
		if !reflect.DeepEqual(walked, want) {
			t.Errorf("paged artifacts = %v, want %v", walked, want)
		}

		one, err := st.GetArtifact(ctx, "team/app", ds[0])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one.Tags, []string{"latest", "v1"}) || one.Size != 10 || one.Subject != "" {
			t.Errorf("GetArtifact(m0) = %+v, want tags [latest v1], size 10, no subject", one)
		}
		ref, err := st.GetArtifact(ctx, "team/app", ds[4])
		if err != nil || ref.Subject != ds[0] || ref.ArtifactType != "application/vnd.example.sbom" || len(ref.Tags) != 0 || ref.Tags == nil {
			t.Errorf("GetArtifact(m4) = %+v, %v; want subject %s, the sbom type and empty (non-nil) tags", ref, err, ds[0])
		}
		if p, _ := st.GetArtifact(ctx, "team/app", ds[1]); !p.LastPulled.Equal(pulled) {
			t.Errorf("last pulled = %v, want %v", p.LastPulled, pulled)
		}

		misses := []struct {
			name string
			err  error
		}{
			{"unknown repository list", func() error { _, err := st.Artifacts(ctx, "team/none", store.ArtifactCursor{}, 0); return err }()},
			{"unknown repository get", func() error { _, err := st.GetArtifact(ctx, "team/none", ds[0]); return err }()},
			{"unknown digest", func() error { _, err := st.GetArtifact(ctx, "team/app", fakeDigest(7)); return err }()},
			{"digest of another repository", func() error { _, err := st.GetArtifact(ctx, "team_x/lib", ds[0]); return err }()},
		}
		for _, tt := range misses {
			if !errors.Is(tt.err, store.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", tt.name, tt.err)
			}
		}
		if got, err := st.Artifacts(ctx, "team/empty", store.ArtifactCursor{}, 10); err != nil || got == nil || len(got) != 0 {
			t.Errorf("artifacts of an empty repository = %v, %v; want an empty list", got, err)
		}
	})
}
