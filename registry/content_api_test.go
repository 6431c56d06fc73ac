package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// TestDeleteErrors checks the errors the REST API maps to statuses: a
// missing artifact or tag is store.ErrNotFound (404) and a delete on a
// read-only registry auth.ErrForbidden (403), as /v2/ refuses it too.
func TestDeleteErrors(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	open, err := registry.New(st, blobs, registry.WithAnonymousAccess())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	ro, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithReadOnly(true))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	srv := newServer(t, st)
	m := manifest("{}")
	do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("{}"), nil, "{}"})
	if status, _, _, body := do(t, srv, call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": imageMT}, m}); status != 201 {
		t.Fatalf("push = %d %s", status, body)
	}
	missing := sha("never pushed")
	nobody := registry.Caller{}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"delete unknown artifact", open.Service().DeleteManifest(ctx, nobody, "team/app", digest.Digest(missing)), store.ErrNotFound},
		{"delete unknown tag", open.Service().DeleteTag(ctx, nobody, "team/app", "v9"), store.ErrNotFound},
		{"delete when read-only", ro.Service().DeleteManifest(ctx, nobody, "team/app", digest.Digest(sha(m))), auth.ErrForbidden},
		{"untag when read-only", ro.Service().DeleteTag(ctx, nobody, "team/app", "v1"), auth.ErrForbidden},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	// The read-only refusals left the artifact and its tag in place.
	a, err := st.GetArtifact(ctx, "team/app", sha(m))
	if err != nil || len(a.Tags) != 1 || a.Tags[0] != "v1" {
		t.Errorf("after read-only deletes: %+v, %v; want the artifact tagged v1", a, err)
	}
}
